"""Accounts: creation, roles, deactivation, password checks and sign-in throttling."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select, update

from assess.extensions import db
from assess.i18n import N_, _
from assess.models import LoginAttempt, ReviewArea, Role, User, UserRole
from assess.models.types import utcnow
from assess.services import sessions
from assess.services.audit import record_event
from assess.services.errors import NotFound, Throttled, ValidationFailed
from assess.services.sessions import end_user_sessions

_hasher = PasswordHasher()


def configure_hasher(time_cost: int, memory_cost: int, parallelism: int) -> None:
    """Set the argon2id parameters (the tests use cheap ones; production keeps the library defaults)."""
    global _hasher, _dummy_hash
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
    _dummy_hash = None


USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
#: zxcvbn's score (0-4) a password must reach: 3 is "safely unguessable" for an online attack.
MIN_PASSWORD_SCORE = 3
#: Words a guesser tries first here, which zxcvbn's English dictionaries do not know.
LOCAL_WORDS = (
    "molnbedomning",
    "molnbedömning",
    "lösenord",
    "losenord",
    "hemligt",
    "sommar",
    "vinter",
    "hösten",
    "hosten",
    "våren",
    "varen",
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
    "måndag",
    "tisdag",
    "onsdag",
    "torsdag",
    "fredag",
    "lördag",
    "söndag",
    "sverige",
    "göteborg",
    "goteborg",
    "stockholm",
    "malmö",
    "region",
    "regionen",
    "västragötaland",
    "vastragotaland",
    "vgr",
    "hejhej",
    "fotboll",
    "kärlek",
    "karlek",
    "älskling",
    "valkommen",
    "välkommen",
    "sjukhus",
    "vården",
    "varden",
    "journal",
    "admin",
    "arkitekt",
    "granskare",
    "beslutsfattare",
)
#: zxcvbn's warnings, in Swedish (marked for the catalogue, translated when shown).
PASSWORD_WARNINGS = {
    "Straight rows of keys are easy to guess.": N_("Rader av tangenter (som qwerty) är lätta att gissa."),
    "Short keyboard patterns are easy to guess.": N_("Korta tangentbordsmönster är lätta att gissa."),
    'Repeats like "aaa" are easy to guess.': N_("Upprepningar som ”aaa” är lätta att gissa."),
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".': N_(
        "Upprepade mönster är lätta att gissa."
    ),
    "Sequences like abc or 6543 are easy to guess.": N_("Följder som abc eller 6543 är lätta att gissa."),
    "Recent years are easy to guess.": N_("Årtal är lätta att gissa."),
    "Dates are often easy to guess.": N_("Datum är lätta att gissa."),
    "This is a top-10 common password.": N_("Det här är ett av de allra vanligaste lösenorden."),
    "This is a top-100 common password.": N_("Det här är ett av de 100 vanligaste lösenorden."),
    "This is a very common password.": N_("Det här är ett mycket vanligt lösenord."),
    "This is similar to a commonly used password.": N_("Lösenordet liknar ett vanligt lösenord."),
    "A word by itself is easy to guess.": N_("Ett enstaka ord är lätt att gissa."),
    "Names and surnames by themselves are easy to guess.": N_("Namn är lätta att gissa."),
    "Common names and surnames are easy to guess.": N_("Vanliga namn är lätta att gissa."),
}
#: Verified against when the username does not exist, so timing does not reveal which accounts exist.
_dummy_hash: str | None = None


def password_problems(password: str, *personal: str) -> list[str]:
    """Return why a new password is too weak (length, common or trivial, built from the user's own names)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return [_("Lösenordet måste ha minst %(min)s tecken.", min=MIN_PASSWORD_LENGTH)]
    if len(password) > MAX_PASSWORD_LENGTH:
        return [_("Lösenordet får ha högst %(max)s tecken.", max=MAX_PASSWORD_LENGTH)]
    from zxcvbn import zxcvbn

    words = [w for part in personal for w in re.split(r"[\s._@-]+", part.casefold()) if len(w) > 2]
    result = zxcvbn(password, user_inputs=[*LOCAL_WORDS, *words])
    if result["score"] >= MIN_PASSWORD_SCORE:
        return []
    marked = PASSWORD_WARNINGS.get(result["feedback"].get("warning") or "", "")
    if not marked:
        return [
            _(
                "Lösenordet är för lätt att gissa (vanligt ord, namn, årtal eller mönster). "
                "Välj en längre fras av flera ovanliga ord."
            )
        ]
    warning = _(marked)
    warning = warning[0].lower() + warning[1:]
    return [
        _("Lösenordet är för lätt att gissa: %(warning)s Välj en längre fras av flera ovanliga ord.", warning=warning)
    ]


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
            problems.append(
                _("Okänd roll: %(role)s (giltiga: %(valid)s).", role=repr(raw), valid=", ".join(r.value for r in Role))
            )
    parsed_areas: list[ReviewArea] = []
    for raw in areas:
        try:
            parsed_areas.append(ReviewArea(raw))
        except ValueError:
            problems.append(
                _(
                    "Okänt granskningsområde: %(area)s (giltiga: %(valid)s).",
                    area=repr(raw),
                    valid=", ".join(a.value for a in ReviewArea),
                )
            )
    if not parsed and not problems:
        problems.append(_("Ange minst en roll."))
    if Role.REVIEWER in parsed and not parsed_areas and not problems:
        problems.append(_("En granskare måste ha minst ett granskningsområde (legal, infosec, patient_safety)."))
    if parsed_areas and Role.REVIEWER not in parsed:
        problems.append(_("Granskningsområden kan bara ges till rollen reviewer."))
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
        raise NotFound(_("Det finns inget konto med användarnamnet %(username)s.", username=repr(username)))
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
        problems.append(
            _("Användarnamnet får bara innehålla a–z, 0–9, punkt, bindestreck och understreck (2–64 tecken).")
        )
    elif db.session.scalar(select(User.id).where(User.username == username)) is not None:
        problems.append(_("Användarnamnet %(username)s är upptaget.", username=repr(username)))
    if not display_name.strip():
        problems.append(_("Ange ett visningsnamn."))
    elif len(display_name.strip()) > 200:
        problems.append(_("Visningsnamnet får ha högst %(max)s tecken.", max=200))
    if len(email.strip()) > 254:
        problems.append(_("E-postadressen får ha högst %(max)s tecken.", max=254))
    problems.extend(password_problems(password, username, display_name, email))
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
    # Keep the rows that stay (a new row for the same role and area would collide with the old one).
    wanted = set(rows)
    user.role_rows = [r for r in user.role_rows if (r.role, r.area) in wanted]
    db.session.flush()
    have = {(r.role, r.area) for r in user.role_rows}
    user.role_rows.extend(UserRole(role=role, area=area) for role, area in rows if (role, area) not in have)
    db.session.flush()
    end_user_sessions(user.id, sessions.ROLES)
    record_event(actor, "user", user.id, "user.set_roles", before, _snapshot(user))
    return user


def deactivate_user(user: User, actor: User | None = None) -> User:
    """Deactivate an account: it can no longer sign in, and its sessions end."""
    before = _snapshot(user)
    user.active = False
    db.session.flush()
    end_user_sessions(user.id, sessions.DEACTIVATED)
    record_event(actor, "user", user.id, "user.deactivate", before, _snapshot(user))
    return user


def set_language(user: User, language: str) -> User:
    """Save the language the user chose for the interface ("" for the browser's)."""
    from assess.i18n import LANGUAGES

    if language and language not in LANGUAGES:
        raise ValidationFailed(_("Okänt språk."))
    if user.language != language:
        before = user.language
        user.language = language
        db.session.flush()
        record_event(user, "user", user.id, "user.language", {"language": before}, {"language": language})
    return user


def set_email_reminders(user: User, enabled: bool, actor: User | None = None) -> User:
    """Turn the user's reminders by e-mail on or off (recorded in the audit trail when it changes)."""
    if user.email_reminders != enabled:
        user.email_reminders = enabled
        db.session.flush()
        before, after = {"email_reminders": not enabled}, {"email_reminders": enabled}
        record_event(actor or user, "user", user.id, "user.email_reminders", before, after)
    return user


def set_password(user: User, password: str, actor: User | None = None, current: str | None = None) -> User:
    """Give the user a new password and end every session of theirs; `current` must match when given."""
    problems: list[str] = []
    if current is not None and not check_password(user, current):
        problems.append(_("Det nuvarande lösenordet stämmer inte."))
    problems.extend(password_problems(password, user.username, user.display_name, user.email))
    if current is not None and current == password:
        problems.append(_("Det nya lösenordet måste skilja sig från det nuvarande."))
    if problems:
        raise ValidationFailed(*problems)
    user.password_hash = hash_password(password)
    db.session.flush()
    ended = end_user_sessions(user.id, sessions.PASSWORD)
    record_event(actor, "user", user.id, "user.set_password", None, {"sessions_ended": ended})
    return user


def list_users() -> list[User]:
    """Return every account, by username."""
    return list(db.session.scalars(select(User).order_by(User.username)))


def _failures_since(since: datetime, **where: str) -> int:
    query = select(func.count(LoginAttempt.id)).where(LoginAttempt.success.is_(False), LoginAttempt.at >= since)
    for column, value in where.items():
        query = query.where(getattr(LoginAttempt, column) == value)
    return int(db.session.scalar(query) or 0)


@dataclass(frozen=True)
class LoginTicket:
    """A sign-in attempt that passed the throttle and is counted as failed until its password proves right.

    The attempt is stored (as a failure) before the password is checked, inside the write lock, so that a burst
    of parallel attempts can never get past the limits: each one sees the ones before it.
    """

    attempt_id: int
    username: str
    user_id: int | None
    password_hash: str | None
    #: Seconds to wait before answering a wrong password (the address is sending many).
    delay: float


def begin_login(
    username: str,
    ip: str,
    *,
    window: int,
    max_account_ip: int,
    max_account: int,
    max_ip: int,
    slowdown: float = 0.25,
) -> LoginTicket:
    """Check the throttle and store the attempt as failed; raise Throttled when this account is under attack.

    Failures of one account, from one address or in all, lock that account only. Many failures from one address
    (other accounts' included) never refuse anyone: they slow that address's wrong passwords down instead, so
    a region behind one proxy address is never locked out by someone else's guessing.
    """
    username = username.strip().lower()[:64]
    now = utcnow()
    since = now - timedelta(seconds=window)
    minutes = max(1, window // 60)
    if (
        _failures_since(since, username=username, ip=ip) >= max_account_ip
        or _failures_since(since, username=username) >= max_account
    ):
        raise Throttled(
            _(
                "För många misslyckade inloggningar för kontot %(username)s. Vänta %(minutes)s minuter och "
                "försök igen. Andra konton påverkas inte.",
                username=repr(username),
                minutes=minutes,
            )
        )
    over = _failures_since(since, ip=ip) - max_ip
    purge_login_attempts(since)  # attempts older than the window count for nothing: they are not kept
    attempt = LoginAttempt(username=username, ip=ip[:64], success=False, at=now)
    db.session.add(attempt)
    user = db.session.scalar(select(User).where(User.username == username))
    db.session.flush()
    return LoginTicket(
        attempt_id=attempt.id,
        username=username,
        user_id=user.id if user is not None and user.active else None,
        password_hash=user.password_hash if user is not None and user.active else None,
        delay=min(SLOWDOWN_MAX_SECONDS, slowdown * (over + 1)) if over >= 0 else 0.0,
    )


#: The longest a wrong password from a busy address waits for its answer.
SLOWDOWN_MAX_SECONDS = 3.0


def password_matches(ticket: LoginTicket, password: str) -> bool:
    """Check the password of a ticket (outside any transaction: this is the slow part)."""
    if ticket.password_hash is None:
        # Same work as a real check, so response time does not tell which accounts exist.
        global _dummy_hash
        if _dummy_hash is None:
            _dummy_hash = _hasher.hash("molnbedomning-dummy-password")
        with contextlib.suppress(VerificationError):
            _hasher.verify(_dummy_hash, password)
        return False
    try:
        return bool(_hasher.verify(ticket.password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


def finish_login(ticket: LoginTicket, password: str, ok: bool) -> User | None:
    """Record a right password as a successful sign-in (rehashing when parameters changed); return the user."""
    if not ok or ticket.user_id is None:
        return None
    user = db.session.get(User, ticket.user_id)
    if user is None or not user.active:
        return None
    db.session.execute(update(LoginAttempt).where(LoginAttempt.id == ticket.attempt_id).values(success=True))
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    record_event(user, "user", user.id, "user.login")
    return user


def authenticate(username: str, password: str, ip: str, limits: dict[str, Any]) -> User | None:
    """Return the user if the credentials are right; record the attempt; raise Throttled when over the limits.

    One transaction for callers that need no second one (the CLI, tests); the sign-in page commits the attempt
    before the password is checked (`begin_login`, `password_matches`, `finish_login`).
    """
    ticket = begin_login(username, ip, **limits)
    return finish_login(ticket, password, password_matches(ticket, password))


def purge_login_attempts(before: datetime) -> int:
    """Delete login attempts older than the given time (their throttling window is over); return how many."""
    result = db.session.execute(delete(LoginAttempt).where(LoginAttempt.at < before))
    return int(getattr(result, "rowcount", 0) or 0)
