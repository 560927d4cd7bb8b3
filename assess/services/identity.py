"""Who a person is: accounts from the region's identity provider, roles from its groups, account administration.

A sign-in through the provider (OpenID Connect, handled by `assess.views.oidc`) ends here with the ID token's
verified claims. The account is found by the pair (issuer, `sub`), never by e-mail alone, and created on first
sign-in; its name and e-mail follow the provider at every sign-in, and so do its roles: they come from the groups
claim through the group mapping, a YAML file the region's admins keep (data, not code; shown read-only under
/admin/gruppmappning). A person whose groups give no role gets no session.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import yaml
from sqlalchemy import func, or_, select, update

from assess.extensions import db
from assess.i18n import _
from assess.models import AuditEvent, ReviewArea, Role, User, UserSession
from assess.models.types import utcnow
from assess.services import sessions
from assess.services import users as user_service
from assess.services.audit import record_event
from assess.services.errors import ValidationFailed

#: A password hash no password matches: accounts from the provider never sign in with a password.
NO_PASSWORD = "!oidc"  # noqa: S105 (not a password: argon2 refuses to verify it)
#: How many accounts one page of the admin list shows.
PAGE_SIZE = 25


E = TypeVar("E", Role, ReviewArea)


class MappingError(ValueError):
    """The group mapping file cannot be used; the message lists every problem."""


@dataclass(frozen=True)
class GroupRule:
    """One group of the provider and the roles (and review areas) it gives."""

    group: str
    roles: tuple[Role, ...]
    areas: tuple[ReviewArea, ...] = ()
    #: What the group is called at the provider (Entra ID sends object ids, which say nothing to a reader).
    name: str = ""


@dataclass(frozen=True)
class GroupMapping:
    """The region's mapping from groups to roles, as loaded from its file."""

    rules: tuple[GroupRule, ...]
    #: Whom a person without a role should ask (shown on the page they get).
    contact: str = ""
    path: str = ""
    sha256: str = ""

    def grants(self, groups: Iterable[str]) -> tuple[list[Role], list[ReviewArea], list[str]]:
        """Return the roles, review areas and matching groups that the given groups give, in a stable order."""
        have = set(groups)
        roles: set[Role] = set()
        areas: set[ReviewArea] = set()
        matched: list[str] = []
        for rule in self.rules:
            if rule.group in have:
                roles.update(rule.roles)
                areas.update(rule.areas)
                matched.append(rule.group)
        if Role.REVIEWER not in roles:
            areas = set()
        return sorted(roles, key=list(Role).index), sorted(areas, key=list(ReviewArea).index), matched


_cache_lock = threading.Lock()
_cache: dict[str, tuple[tuple[int, int], GroupMapping]] = {}


def load_group_mapping(path: str | os.PathLike[str]) -> GroupMapping:
    """Load and check the group mapping file (cached until the file changes); raise MappingError listing problems."""
    name = str(path)
    try:
        stat = os.stat(name)
    except OSError as exc:
        raise MappingError(f"{name}: {exc.strerror}") from None
    key = (stat.st_mtime_ns, stat.st_size)
    with _cache_lock:
        cached = _cache.get(name)
        if cached is not None and cached[0] == key:
            return cached[1]
    raw = Path(name).read_bytes()
    mapping = parse_group_mapping(raw.decode("utf-8", errors="replace"), name)
    mapping = GroupMapping(mapping.rules, mapping.contact, name, hashlib.sha256(raw).hexdigest())
    with _cache_lock:
        _cache[name] = (key, mapping)
    return mapping


def parse_group_mapping(text: str, source: str = "mapping") -> GroupMapping:
    """Parse the mapping's YAML text; raise MappingError with every problem, each as "source: where: what"."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise MappingError(f"{source}: not valid YAML: {exc}") from None
    problems: list[str] = []
    if not isinstance(data, dict):
        raise MappingError(f"{source}: expected a mapping with the keys 'groups' (and 'contact')")
    unknown = sorted(set(data) - {"groups", "contact"})
    if unknown:
        problems.append(f"{source}: unknown keys: {', '.join(map(str, unknown))}")
    contact = data.get("contact") or ""
    if not isinstance(contact, str):
        problems.append(f"{source}: contact: expected text")
        contact = ""
    entries = data.get("groups")
    if not isinstance(entries, list) or not entries:
        problems.append(f"{source}: groups: expected a list of {{group, roles, areas}}")
        entries = []
    rules: list[GroupRule] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        where = f"{source}: groups[{index}]"
        if not isinstance(entry, dict):
            problems.append(f"{where}: expected a mapping with group and roles")
            continue
        extra = sorted(set(entry) - {"group", "roles", "areas", "name"})
        if extra:
            problems.append(f"{where}: unknown keys: {', '.join(map(str, extra))}")
        group = entry.get("group")
        if not isinstance(group, str) or not group.strip():
            problems.append(f"{where}: group: expected the group's value in the claim")
            continue
        group = group.strip()
        if group in seen:
            problems.append(f"{where}: group {group!r} is listed twice")
        seen.add(group)
        roles = _members(entry.get("roles"), Role, f"{where}: roles", problems)
        areas = _members(entry.get("areas"), ReviewArea, f"{where}: areas", problems)
        if not roles:
            problems.append(f"{where}: roles: name at least one of {', '.join(r.value for r in Role)}")
        if areas and Role.REVIEWER not in roles:
            problems.append(f"{where}: areas are only for the reviewer role")
        if Role.REVIEWER in roles and not areas:
            problems.append(f"{where}: a reviewer needs areas ({', '.join(a.value for a in ReviewArea)})")
        name = entry.get("name") or ""
        rules.append(GroupRule(group, tuple(roles), tuple(areas), name if isinstance(name, str) else ""))
    if problems:
        raise MappingError("; ".join(problems))
    return GroupMapping(tuple(rules), contact.strip())


def _members(value: Any, kind: type[E], where: str, problems: list[str]) -> list[E]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        problems.append(f"{where}: expected a list")
        return []
    found: list[E] = []
    for item in value:
        try:
            found.append(kind(item))
        except ValueError:
            problems.append(f"{where}: unknown {item!r} (valid: {', '.join(m.value for m in kind)})")
    return found


# --- signing in through the provider ------------------------------------------------------------------------


@dataclass
class IdpSignIn:
    """What a verified sign-in through the provider came to."""

    user: User
    #: "ok": roles and a session may start; "no_role": the groups give no role; "inactive": deactivated here.
    outcome: str
    created: bool = False
    matched_groups: list[str] = field(default_factory=list)


def claimed_groups(claims: Mapping[str, Any], claim: str) -> list[str]:
    """Return the groups a claim lists (a list of strings, or one string), ignoring anything else."""
    value = claims.get(claim)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return []
    return sorted({str(v).strip() for v in value if isinstance(v, str | int) and str(v).strip()})[:1000]


def sign_in_from_idp(issuer: str, claims: Mapping[str, Any], groups: Sequence[str], mapping: GroupMapping) -> IdpSignIn:
    """Find or create the account of (issuer, sub), refresh its name and e-mail, and apply the mapped roles."""
    subject = str(claims.get("sub") or "").strip()
    if not subject or len(subject) > 255 or len(issuer) > 500:
        raise ValidationFailed(_("Identitetsleverantören skickade ingen giltig användaridentitet."))
    display_name = _display_name(claims, subject)
    email = _email(claims)
    user = db.session.scalar(select(User).where(User.oidc_issuer == issuer, User.oidc_subject == subject))
    created = user is None
    if user is None:
        user = User(
            username=_free_username(claims, subject),
            display_name=display_name,
            email=email,
            password_hash=NO_PASSWORD,
            active=True,
            oidc_issuer=issuer,
            oidc_subject=subject,
            idp_groups=list(groups),
        )
        db.session.add(user)
        db.session.flush()
        record_event(
            None,
            "user",
            user.id,
            "user.create_from_idp",
            None,
            {"username": user.username, "display_name": display_name, "email": email, "issuer": issuer},
        )
    else:
        before = {"display_name": user.display_name, "email": user.email}
        after = {"display_name": display_name, "email": email}
        if before != after:
            user.display_name, user.email = display_name, email
            record_event(None, "user", user.id, "user.refresh_from_idp", before, after)
        if list(user.idp_groups or []) != list(groups):
            user.idp_groups = list(groups)
    user.last_login_at = utcnow()
    db.session.flush()
    if not user.active:
        return IdpSignIn(user, "inactive", created)
    roles, areas, matched = mapping.grants(groups)
    current = ({r.value for r in user.roles}, {a.value for a in user.review_areas})
    wanted = ({r.value for r in roles}, {a.value for a in areas})
    if current != wanted:
        # Ends the account's other sessions: what they were allowed to do has changed.
        user_service.set_roles(user, [r.value for r in roles], [a.value for a in areas], actor=None)
        record_event(
            None,
            "user",
            user.id,
            "user.roles_from_groups",
            None,
            {"groups": matched, "mapping": mapping.sha256[:12], "roles": sorted(wanted[0])},
        )
    if not roles:
        return IdpSignIn(user, "no_role", created, matched)
    record_event(user, "user", user.id, "user.login", None, {"via": "oidc"})
    return IdpSignIn(user, "ok", created, matched)


def _display_name(claims: Mapping[str, Any], subject: str) -> str:
    name = claims.get("name")
    if not isinstance(name, str) or not name.strip():
        parts = [claims.get("given_name"), claims.get("family_name")]
        name = " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
    if not name:
        name = claims.get("preferred_username") if isinstance(claims.get("preferred_username"), str) else subject
    return " ".join(str(name).split())[:200] or subject[:200]


def _email(claims: Mapping[str, Any]) -> str:
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email or len(email) > 254:
        return ""
    return email.strip()


_NOT_USERNAME = re.compile(r"[^a-z0-9._-]+")


def _free_username(claims: Mapping[str, Any], subject: str) -> str:
    """Return a free username made from the person's preferred username or e-mail (only a label, never a key)."""
    source = claims.get("preferred_username") or claims.get("email") or ""
    base = str(source).split("@")[0] if isinstance(source, str) else ""
    base = unicodedata.normalize("NFKD", base.lower()).encode("ascii", "ignore").decode("ascii")
    base = _NOT_USERNAME.sub("-", base).strip("._-")[:48]
    if len(base) < 2:
        base = "idp-" + hashlib.sha256(subject.encode("utf-8")).hexdigest()[:10]
    candidate = base
    number = 1
    while db.session.scalar(select(User.id).where(User.username == candidate)) is not None:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def remember_id_token(session_token: str, id_token: str) -> None:
    """Keep the ID token with the session it started (the hint for signing out at the provider)."""
    hashed = sessions.token_hash(session_token)
    db.session.execute(update(UserSession).where(UserSession.token_hash == hashed).values(id_token=id_token))


def session_id_token(session_token: str) -> str | None:
    """Return the ID token kept with a session, if it was started through the provider."""
    value: str | None = db.session.scalar(
        select(UserSession.id_token).where(UserSession.token_hash == sessions.token_hash(session_token))
    )
    return value


def record_local_sign_in(user: User) -> None:
    """Note the time of a successful sign-in with a password."""
    user.last_login_at = utcnow()
    db.session.flush()


def local_login_allowed(username: str, local_login: bool, emergency_admins: Iterable[str]) -> bool:
    """Tell whether this username may sign in with a password under the current settings."""
    return local_login or username.strip().lower() in set(emergency_admins)


# --- account administration ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountPage:
    """One page of the account list."""

    users: list[User]
    total: int
    page: int
    pages: int


def search_accounts(query: str = "", page: int = 1, per_page: int = PAGE_SIZE) -> AccountPage:
    """Return one page of accounts whose username, name or e-mail contains the query, by name."""
    condition = None
    words = query.strip().lower().split()[:5]
    select_users = select(User)
    count = select(func.count(User.id))
    for word in words:
        like = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")[:100] + "%"
        condition = or_(
            func.lower(User.username).like(like, escape="\\"),
            func.lower(User.display_name).like(like, escape="\\"),
            func.lower(User.email).like(like, escape="\\"),
        )
        select_users = select_users.where(condition)
        count = count.where(condition)
    total = int(db.session.scalar(count) or 0)
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    users = list(
        db.session.scalars(
            select_users.order_by(func.lower(User.display_name), User.id).limit(per_page).offset((page - 1) * per_page)
        )
    )
    return AccountPage(users, total, page, pages)


def activate_user(user: User, actor: User | None = None) -> User:
    """Let a deactivated account sign in again."""
    if not user.active:
        user.active = True
        db.session.flush()
        record_event(actor, "user", user.id, "user.activate", {"active": False}, {"active": True})
    return user


def set_account_roles(user: User, roles: Iterable[str], areas: Iterable[str], actor: User) -> User:
    """Set an account's roles as an admin; an admin cannot take the admin role from themselves."""
    roles = list(roles)
    if user.id == actor.id and Role.ADMIN.value not in roles and user.has_role(Role.ADMIN):
        raise ValidationFailed(_("Du kan inte ta bort administratörsrollen från dig själv."))
    if Role.REVIEWER.value in roles and not list(areas):
        raise ValidationFailed(_("En granskare behöver minst ett granskningsområde."))
    return user_service.set_roles(user, roles, areas if Role.REVIEWER.value in roles else (), actor=actor)


def deactivate_account(user: User, actor: User) -> User:
    """Deactivate an account as an admin (its sessions end); an admin cannot deactivate themselves."""
    if user.id == actor.id:
        raise ValidationFailed(_("Du kan inte avaktivera ditt eget konto."))
    if not user.active:
        return user
    return user_service.deactivate_user(user, actor=actor)


@dataclass(frozen=True)
class AccountEvent:
    """One change to an account, as the admin page shows it."""

    at: datetime
    actor_name: str
    action: str
    before: Any
    after: Any
    granted_admin: bool


def account_history(user_id: int, limit: int = 100) -> list[AccountEvent]:
    """Return the audited changes to an account, newest first, marking those that granted the admin role."""
    rows = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.entity_type == "user", AuditEvent.entity_id == user_id)
        .order_by(AuditEvent.seq.desc())
        .limit(limit)
    )
    events = []
    for row in rows:
        before = row.before if isinstance(row.before, dict) else {}
        after = row.after if isinstance(row.after, dict) else {}
        granted = "admin" in (after.get("roles") or []) and "admin" not in (before.get("roles") or [])
        events.append(AccountEvent(row.at, row.actor_name, row.action, row.before, row.after, granted))
    return events


def live_session_count(user_id: int) -> int:
    """Return how many sessions of the account are live now."""
    now = utcnow()
    query = select(func.count(UserSession.id)).where(
        UserSession.user_id == user_id, UserSession.ended_at.is_(None), UserSession.expires_at > now
    )
    return int(db.session.scalar(query) or 0)
