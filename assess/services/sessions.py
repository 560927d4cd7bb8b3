"""Sessions held on the server: the browser's cookie carries a random token, the database says whether it is live.

Signing out ends the session; a new password, deactivation or new roles end every session of that user, so a
cookie copied before any of these is worthless on the next request, on every instance of the app.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import Select, bindparam, delete, or_, select, update

from assess.extensions import db
from assess.models import User, UserSession
from assess.models.types import utcnow

#: Why a session ended (stored, and shown nowhere but the database).
LOGOUT = "logout"
PASSWORD = "password"  # noqa: S105 (a reason, not a password)
DEACTIVATED = "deactivated"
ROLES = "roles"
SIGNED_IN_AGAIN = "signed_in_again"


def token_hash(token: str) -> str:
    """Return the SHA-256 of a session token (only the hash is stored)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(user: User, lifetime: timedelta, ip: str = "", user_agent: str = "") -> str:
    """Start a session for the user and return its token (for the cookie; never stored in clear)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        UserSession(
            token_hash=token_hash(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + lifetime,
            ip=ip[:64],
            user_agent=user_agent[:200],
        )
    )
    db.session.flush()
    return token


def session_user(token: str, user_id: int, now: datetime) -> User | None:
    """Return the active user of a live session with this token, or None (ended, expired, someone else's)."""
    user: User | None = db.session.scalar(
        _session_user_query(), {"token_hash": token_hash(token), "user_id": user_id, "now": now}
    )
    return user


@functools.cache
def _session_user_query() -> Select[User]:
    """Return session_user's statement, built once per process (every request runs it)."""
    return (
        select(User)
        .join(UserSession, UserSession.user_id == User.id)
        .where(
            UserSession.token_hash == bindparam("token_hash"),
            UserSession.user_id == bindparam("user_id"),
            UserSession.ended_at.is_(None),
            UserSession.expires_at > bindparam("now", type_=UserSession.expires_at.type),
            User.active.is_(True),
        )
    )


def end_session(token: str, reason: str = LOGOUT) -> None:
    """End the session with this token (signing out)."""
    db.session.execute(
        update(UserSession)
        .where(UserSession.token_hash == token_hash(token), UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), ended_reason=reason)
    )


def end_user_sessions(user_id: int, reason: str) -> int:
    """End every live session of a user; return how many were ended."""
    result = db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), ended_reason=reason)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def purge_sessions(before: datetime) -> int:
    """Delete sessions that ended or expired before the given time; return how many."""
    result = db.session.execute(
        delete(UserSession).where(or_(UserSession.ended_at < before, UserSession.expires_at < before))
    )
    return int(getattr(result, "rowcount", 0) or 0)
