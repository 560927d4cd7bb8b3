"""Accounts: creation, roles, deactivation, password checks and sign-in throttling."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select

from assess.extensions import db
from assess.models import LoginAttempt, ReviewArea, Role, User, UserRole
from assess.models.types import utcnow
from assess.services.audit import record_event
from assess.services.errors import NotFound, Throttled, ValidationFailed

_hasher = PasswordHasher()


def configure_hasher(time_cost: int, memory_cost: int, parallelism: int) -> None:
    """Set the argon2id parameters (the tests use cheap ones; production keeps the library defaults)."""
    global _hasher, _dummy_hash
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
    _dummy_hash = None


USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD_LENGTH = 12
#: Verified against when the username does not exist, so timing does not reveal which accounts exist.
_dummy_hash: str | None = None


def hash_password(password: str) -> str:
    """Return an argon2id hash of the password."""
    return _hasher.hash(password)


def check_password(user: User, password: str) -> bool:
    """Return True if the password matches the user's hash (rehashing when parameters changed)."""
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return True


def _role_rows(roles: Iterable[str], areas: Iterable[str]) -> list[tuple[Role, ReviewArea | None]]:
    """Validate roles and review areas; return (role, area) rows or raise listing every problem."""
    problems: list[str] = []
    parsed: list[Role] = []
    for raw in roles:
        try:
            parsed.append(Role(raw))
        except ValueError:
            problems.append(f"Okänd roll: {raw!r} (giltiga: {', '.join(r.value for r in Role)}).")
    parsed_areas: list[ReviewArea] = []
    for raw in areas:
        try:
            parsed_areas.append(ReviewArea(raw))
        except ValueError:
            problems.append(f"Okänt granskningsområde: {raw!r} (giltiga: {', '.join(a.value for a in ReviewArea)}).")
    if not parsed and not problems:
        problems.append("Ange minst en roll.")
    if Role.REVIEWER in parsed and not parsed_areas and not problems:
        problems.append("En granskare måste ha minst ett granskningsområde (legal, infosec, patient_safety).")
    if parsed_areas and Role.REVIEWER not in parsed:
        problems.append("Granskningsområden kan bara ges till rollen reviewer.")
    if problems:
        raise ValidationFailed(*problems)
    rows: list[tuple[Role, ReviewArea | None]] = []
    for role in dict.fromkeys(parsed):
        if role == Role.REVIEWER:
            rows.extend((role, area) for area in dict.fromkeys(parsed_areas))
        else:
            rows.append((role, None))
    return rows


def _snapshot(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "email": user.email,
        "active": user.active,
        "roles": sorted(r.value for r in user.roles),
        "review_areas": sorted(a.value for a in user.review_areas),
    }


def get_user(username: str) -> User:
    """Return the user with this username or raise NotFound."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"Det finns inget konto med användarnamnet {username!r}.")
    found: User = user
    return found


def create_user(
    *,
    username: str,
    display_name: str,
    password: str,
    roles: Iterable[str],
    areas: Iterable[str] = (),
    email: str = "",
    actor: User | None = None,
) -> User:
    """Create an account with roles; raise ValidationFailed listing every problem."""
    problems: list[str] = []
    username = username.strip().lower()
    if not USERNAME_RE.match(username):
        problems.append("Användarnamnet får bara innehålla a–z, 0–9, punkt, bindestreck och understreck (2–64 tecken).")
    elif db.session.scalar(select(User.id).where(User.username == username)) is not None:
        problems.append(f"Användarnamnet {username!r} är upptaget.")
    if not display_name.strip():
        problems.append("Ange ett visningsnamn.")
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"Lösenordet måste ha minst {MIN_PASSWORD_LENGTH} tecken.")
    try:
        rows = _role_rows(roles, areas)
    except ValidationFailed as exc:
        problems.extend(exc.problems)
        rows = []
    if problems:
        raise ValidationFailed(*problems)
    user = User(
        username=username,
        display_name=display_name.strip(),
        email=email.strip(),
        password_hash=hash_password(password),
        active=True,
    )
    user.role_rows = [UserRole(role=role, area=area) for role, area in rows]
    db.session.add(user)
    db.session.flush()
    record_event(actor, "user", user.id, "user.create", None, _snapshot(user))
    return user


def set_roles(user: User, roles: Iterable[str], areas: Iterable[str] = (), actor: User | None = None) -> User:
    """Replace the user's roles and review areas."""
    rows = _role_rows(roles, areas)
    before = _snapshot(user)
    user.role_rows = [UserRole(role=role, area=area) for role, area in rows]
    db.session.flush()
    record_event(actor, "user", user.id, "user.set_roles", before, _snapshot(user))
    return user


def deactivate_user(user: User, actor: User | None = None) -> User:
    """Deactivate an account: it can no longer sign in, and its sessions end."""
    before = _snapshot(user)
    user.active = False
    db.session.flush()
    record_event(actor, "user", user.id, "user.deactivate", before, _snapshot(user))
    return user


def list_users() -> list[User]:
    """Return every account, by username."""
    return list(db.session.scalars(select(User).order_by(User.username)))


def _failures_since(since: datetime, **where: str) -> int:
    query = select(func.count(LoginAttempt.id)).where(LoginAttempt.success.is_(False), LoginAttempt.at >= since)
    for column, value in where.items():
        query = query.where(getattr(LoginAttempt, column) == value)
    return int(db.session.scalar(query) or 0)


def check_throttle(username: str, ip: str, *, window: int, max_account_ip: int, max_account: int, max_ip: int) -> None:
    """Raise Throttled if recent failures for this account, account and IP, or IP exceed the limits."""
    now = utcnow()
    since = now - timedelta(seconds=window)
    minutes = max(1, window // 60)
    if _failures_since(since, ip=ip) >= max_ip:
        raise Throttled(f"För många misslyckade inloggningar från din adress. Vänta {minutes} minuter och försök igen.")
    if (
        _failures_since(since, username=username, ip=ip) >= max_account_ip
        or _failures_since(since, username=username) >= max_account
    ):
        raise Throttled(
            f"För många misslyckade inloggningar för kontot {username!r}. Vänta {minutes} minuter och "
            "försök igen. Andra konton påverkas inte."
        )


def authenticate(username: str, password: str, ip: str, limits: dict[str, int]) -> User | None:
    """Return the user if the credentials are right; record the attempt; raise Throttled when over the limits."""
    username = username.strip().lower()[:64]
    check_throttle(username, ip, **limits)
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        # Same work as a real check, so response time does not tell which accounts exist.
        global _dummy_hash
        if _dummy_hash is None:
            _dummy_hash = _hasher.hash("molnbedomning-dummy-password")
        with contextlib.suppress(VerificationError):
            _hasher.verify(_dummy_hash, password)
        ok = False
    else:
        ok = user.active and check_password(user, password)
    db.session.add(LoginAttempt(username=username, ip=ip[:64], success=ok))
    db.session.flush()
    if ok and user is not None:
        record_event(user, "user", user.id, "user.login")
        signed_in: User = user
        return signed_in
    return None
