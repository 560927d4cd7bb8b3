"""Personal API tokens: created by a user for themself, shown once, stored as a SHA-256, scoped, expiring, revocable.

A token is ``mb_`` and 43 characters of ``secrets.token_urlsafe(32)`` (256 bits): a hash of it is as good as a
password hash for a secret nobody chose, and lets a request find its token by an indexed column. A token carries
no roles of its own: the request acts as its user, with the user's roles as they are now (a deactivated user's
tokens stop at once), and a "read" token is refused every write on top.

Audit: creating and revoking a token are events; so is its first use on each day (``token.use``, which keeps the
trail readable where a script polls every minute) and every write request made with it (``token.write``, in the
same transaction as the change it made, naming the token beside the user the change's own event names).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from assess.extensions import db
from assess.i18n import _
from assess.models import ApiToken, User
from assess.models.types import utcnow
from assess.services.audit import record_event
from assess.services.errors import NotFound, PermissionDenied, ValidationFailed

#: What a token's secret starts with (so a leaked one is recognisable, e.g. by secret scanners).
TOKEN_PREFIX = "mb_"  # noqa: S105 (a public marker, not a secret)
READ = "read"
READ_WRITE = "read write"
SCOPES = (READ, READ_WRITE)
DEFAULT_DAYS = 90
MAX_DAYS = 365
MAX_NAME = 200
#: How many characters of the secret lists show, to tell tokens apart (never enough to guess the rest).
SHOWN_PREFIX = 10


@dataclass(frozen=True)
class NewToken:
    """A token just created: the stored row and its secret, which is shown this once and never again."""

    token: ApiToken
    secret: str


def hash_secret(secret: str) -> str:
    """Return the SHA-256 (hex) under which a token's secret is stored."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def is_live(token: ApiToken, now: datetime | None = None) -> bool:
    """Tell whether a token still works: not revoked, not expired, its user active."""
    now = now or utcnow()
    return token.revoked_at is None and _aware(token.expires_at) > _aware(now) and token.user.active


def may_write(token: ApiToken) -> bool:
    """Tell whether the token's scopes include writing."""
    return "write" in token.scopes.split()


def create_token(user: User, name: str, scopes: str = READ, days: int = DEFAULT_DAYS) -> NewToken:
    """Create a token for the user (always for themself); return it with its secret, to be shown once."""
    name = name.strip()
    problems: dict[str, str] = {}
    if not name:
        problems["name"] = _("Ge nyckeln ett namn, till exempel vad den används till.")
    elif len(name) > MAX_NAME:
        problems["name"] = _("Högst %(max)s tecken.", max=MAX_NAME)
    if scopes not in SCOPES:
        problems["scopes"] = _("Välj behörighet: läsa, eller läsa och skriva.")
    if not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        problems["days"] = _("Giltighetstiden ska vara mellan 1 och %(max)s dagar.", max=MAX_DAYS)
    if not user.active:
        problems["user"] = _("Kontot är inaktiverat.")
    if problems:
        raise ValidationFailed(*problems.values(), fields=problems)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    token = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=hash_secret(secret),
        prefix=secret[:SHOWN_PREFIX],
        scopes=scopes,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    db.session.add(token)
    db.session.flush()
    record_event(
        user,
        "api_token",
        token.id,
        "token.create",
        None,
        {"name": name, "scopes": scopes, "expires_at": token.expires_at.isoformat(), "prefix": token.prefix},
    )
    return NewToken(token, secret)


def tokens_of(user: User) -> list[ApiToken]:
    """Return the user's tokens, newest first (revoked and expired ones too, for the record)."""
    query = select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    return list(db.session.scalars(query))


def revoke_token(user: User, token_id: int, actor: User | None = None) -> ApiToken:
    """Revoke one of the user's tokens (from then on every request with it is refused)."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound(_("Nyckeln finns inte."))
    if actor is not None and actor.id != user.id:
        raise PermissionDenied(_("Du kan bara återkalla dina egna nycklar."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()
        record_event(actor or user, "api_token", token.id, "token.revoke", None, {"name": token.name})
    return token


def find_token(secret: str) -> ApiToken | None:
    """Return the live token with this secret, or None (unknown, revoked, expired, or its user deactivated)."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_secret(secret)))
    if token is None or not is_live(token):
        return None
    return token


def needs_use_event(token: ApiToken, now: datetime | None = None) -> bool:
    """Tell whether this use is the token's first of the (UTC) day, which the audit trail records."""
    now = now or utcnow()
    return token.last_used_at is None or _aware(token.last_used_at).date() != _aware(now).date()


def record_use(token: ApiToken, method: str, path: str, write: bool) -> None:
    """Note a use of the token: its last use, and an audit event for a write or the first use of the day."""
    now = utcnow()
    first_today = needs_use_event(token, now)
    token.last_used_at = now
    db.session.flush()
    if write or first_today:
        record_event(
            token.user,
            "api_token",
            token.id,
            "token.write" if write else "token.use",
            None,
            {"name": token.name, "method": method, "path": path},
        )
