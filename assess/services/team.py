"""A case's team and contacts, and who finds out each open question (picked, or the team's default by role).

Keys name an assignee in forms: ``"u:<user id>"`` for a team member, ``"c:<contact id>"`` for a contact;
``""`` means the team's default for the question's ``answered_by`` (the rule set's leverantören / juristen /
regionen): the legal reviewer of the team for legal questions, the alternative's contact for the provider's,
the assessment's architect for the region's.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload

import rules
from assess.extensions import db
from assess.i18n import N_, _
from assess.models import (
    Answer,
    Assessment,
    AssessmentStatus,
    Case,
    CaseContact,
    CaseMember,
    ReviewArea,
    Role,
    TeamRole,
    User,
)
from assess.models.assessment import open_value_sql
from assess.services.audit import record_event
from assess.services.errors import NotFound, PermissionDenied, ValidationFailed

#: What each team role is called (marked for the catalogue).
TEAM_ROLE_LABELS = {
    TeamRole.ARCHITECT: N_("Arkitekt"),
    TeamRole.LEGAL: N_("Granskare juridik"),
    TeamRole.INFOSEC: N_("Granskare informationssäkerhet"),
    TeamRole.PATIENT_SAFETY: N_("Granskare patientsäkerhet"),
    TeamRole.DECISION_MAKER: N_("Beslutsfattare"),
    TeamRole.INFORMATION_OWNER: N_("Informationsägare"),
}
#: The platform role (and review area) a team role needs; None: any role but viewer.
TEAM_ROLE_NEEDS: dict[TeamRole, tuple[Role | None, ReviewArea | None]] = {
    TeamRole.ARCHITECT: (Role.ARCHITECT, None),
    TeamRole.LEGAL: (Role.REVIEWER, ReviewArea.LEGAL),
    TeamRole.INFOSEC: (Role.REVIEWER, ReviewArea.INFOSEC),
    TeamRole.PATIENT_SAFETY: (Role.REVIEWER, ReviewArea.PATIENT_SAFETY),
    TeamRole.DECISION_MAKER: (Role.DECISION_MAKER, None),
    TeamRole.INFORMATION_OWNER: (None, None),
}
#: The review area's team role.
AREA_TEAM_ROLE = {
    ReviewArea.LEGAL: TeamRole.LEGAL,
    ReviewArea.INFOSEC: TeamRole.INFOSEC,
    ReviewArea.PATIENT_SAFETY: TeamRole.PATIENT_SAFETY,
}
#: The rule set's answered_by -> the team role that answers by default ("provider" goes to a contact).
ANSWERED_BY_ROLE = {"legal": TeamRole.LEGAL, "region": TeamRole.ARCHITECT}
#: The states in which a question is open for follow-up (assignees can be picked and shown).
OPEN_STATES = (
    AssessmentStatus.DRAFT,
    AssessmentStatus.SUBMITTED,
    AssessmentStatus.IN_REVIEW,
    AssessmentStatus.CHANGES_REQUESTED,
    AssessmentStatus.REVIEWED,
)
MAX_NAME = 200
MAX_EMAIL = 254


@dataclass(frozen=True)
class Assignee:
    """Who finds out an open question: a user or a contact, picked or the team's default."""

    key: str
    label: str
    user_id: int | None = None
    contact_id: int | None = None
    default: bool = False
    email: str = ""


@dataclass
class Team:
    """A case's members by role and its contacts (loaded once per page)."""

    case: Case
    members: list[CaseMember] = field(default_factory=list)
    contacts: list[CaseContact] = field(default_factory=list)

    def users(self, role: TeamRole) -> list[User]:
        """Return the active users holding the role in this team, in the order they were added."""
        return [m.user for m in self.members if m.role == role and m.user.active]

    def roles_of(self, user_id: int) -> set[TeamRole]:
        """Return the team roles a user holds."""
        return {m.role for m in self.members if m.user_id == user_id}

    def user_ids(self) -> set[int]:
        """Return every member's user id."""
        return {m.user_id for m in self.members}

    def contacts_for(self, alternative_id: int | None) -> list[CaseContact]:
        """Return the active contacts of an alternative (and those of the whole case)."""
        return [c for c in self.contacts if c.active and c.alternative_id in (None, alternative_id)]

    def choices(self, assessment: Assessment) -> list[Assignee]:
        """Return whom an open question of the assessment can be assigned to: members, then contacts."""
        seen: dict[int, Assignee] = {}
        for member in self.members:
            user = member.user
            if user.active and user.id not in seen:
                roles = ", ".join(_(TEAM_ROLE_LABELS[r]) for r in TeamRole if r in self.roles_of(user.id))
                seen[user.id] = Assignee(
                    f"u:{user.id}", f"{user.display_name} ({roles})", user_id=user.id, email=user.email
                )
        result = list(seen.values())
        for contact in self.contacts_for(assessment.alternative_id):
            result.append(Assignee(f"c:{contact.id}", contact.label, contact_id=contact.id, email=contact.email))
        return result

    def default(self, question: rules.Question, assessment: Assessment) -> Assignee | None:
        """Return the team's default assignee of a question, from its answered_by (None: nobody fits)."""
        if question.answered_by == "provider":
            contacts = self.contacts_for(assessment.alternative_id)
            contacts.sort(key=lambda c: (c.alternative_id is None, c.id))
            if contacts:
                c = contacts[0]
                return Assignee(f"c:{c.id}", c.label, contact_id=c.id, default=True, email=c.email)
            return None
        role = ANSWERED_BY_ROLE.get(question.answered_by)
        if role is None:
            return None
        if role == TeamRole.ARCHITECT and assessment.owner is not None and assessment.owner.active:
            owner = assessment.owner
            return Assignee(f"u:{owner.id}", owner.display_name, user_id=owner.id, default=True, email=owner.email)
        users = self.users(role)
        if not users:
            return None
        u = users[0]
        return Assignee(f"u:{u.id}", u.display_name, user_id=u.id, default=True, email=u.email)

    def assignee(self, row: Answer | None, question: rules.Question, assessment: Assessment) -> Assignee | None:
        """Return who finds out the question: the picked assignee, else the team's default."""
        if row is not None and row.assignee_user_id is not None and row.assignee_user is not None:
            u = row.assignee_user
            return Assignee(f"u:{u.id}", u.display_name, user_id=u.id, email=u.email)
        if row is not None and row.assignee_contact_id is not None and row.assignee_contact is not None:
            c = row.assignee_contact
            return Assignee(f"c:{c.id}", c.label, contact_id=c.id, email=c.email)
        if row is not None and row.unknown_owner:
            return None  # a free text from before assignees were picked (or a picked person since removed)
        return self.default(question, assessment)

    def resolve(self, key: str, assessment: Assessment) -> Assignee | None:
        """Return the choice a key names, or None when it names nobody this assessment can be assigned to."""
        for choice in self.choices(assessment):
            if choice.key == key:
                return choice
        return None


def team_of(case: Case, member_roles: bool = True) -> Team:
    """Load a case's team and contacts (two queries, and one for the members' platform roles).

    `member_roles`: load the members' platform roles too (who may own a condition, who may join the team ask them;
    the questionnaire's choices and defaults do not).
    """
    members_query, contacts_query = _team_queries(member_roles)
    members = list(db.session.scalars(members_query, {"case_id": case.id}))
    contacts = list(db.session.scalars(contacts_query, {"case_id": case.id}))
    return Team(case, members, contacts)


@functools.cache
def _team_queries(member_roles: bool) -> tuple[Select[CaseMember], Select[CaseContact]]:
    """Return team_of's two statements, built once per process with the case's id as a parameter."""
    members = select(CaseMember).where(CaseMember.case_id == bindparam("case_id")).order_by(CaseMember.id)
    if not member_roles:
        members = members.options(joinedload(CaseMember.user).lazyload(User.role_rows))
    contacts = select(CaseContact).where(CaseContact.case_id == bindparam("case_id")).order_by(CaseContact.id)
    return members, contacts


def is_open_question(row: Answer | None) -> bool:
    """Tell whether a question still waits for an answer: unanswered, or answered Okänt."""
    return row is None or row.value is None or row.value == "unknown"


def may_edit_all(user: User) -> bool:
    """Tell whether the user may change every answer of an editable assessment (architects and admins)."""
    return user.has_role(Role.ARCHITECT, Role.ADMIN)


def answerable_questions(
    user: User, assessment: Assessment, ruleset: rules.RuleSet, team: Team | None = None
) -> set[str]:
    """Return the questions this user may answer now: all for an editor, else the open ones assigned to them.

    A reviewer (or another team member who is not an architect) answers the questions that are theirs: picked
    for them, or theirs by default through their role in the case team. Viewers answer nothing.
    """
    from assess.services.assessments import EDITABLE_STATUSES

    if assessment.status not in EDITABLE_STATUSES or user.has_role(Role.VIEWER) and len(user.roles) == 1:
        return set()
    if may_edit_all(user):
        return set(ruleset.by_id)
    team = team or team_of(assessment.alternative.case)
    stored = {row.question_id: row for row in assessment.answers}
    mine = set()
    for qid, question in ruleset.by_id.items():
        row = stored.get(qid)
        who = team.assignee(row, question, assessment)
        if who is not None and who.user_id == user.id:
            mine.add(qid)
    return mine


# --- changing the team ------------------------------------------------------------------------------------------


def may_manage(user: User, case: Case, team: Team | None = None) -> bool:
    """Tell whether the user may change the case's team: an admin, or an architect (of this team, or any while
    the team names no architect yet)."""
    if user.has_role(Role.ADMIN):
        return True
    if not user.has_role(Role.ARCHITECT):
        return False
    team = team or team_of(case)
    architects = {m.user_id for m in team.members if m.role == TeamRole.ARCHITECT}
    return not architects or user.id in architects


def _check_manage(user: User, case: Case) -> None:
    if not may_manage(user, case):
        raise PermissionDenied(_("Bara ärendets arkitekter och administratörer kan ändra ärendets team."))


def add_member(case: Case, user_id: int | None, role: str, actor: User) -> CaseMember:
    """Name a user in a role of the case's team; the user must hold the platform role it needs."""
    _check_manage(actor, case)
    problems: dict[str, str] = {}
    try:
        team_role = TeamRole(role)
    except ValueError:
        team_role = None
        problems["role"] = _("Välj en roll i teamet.")
    user = db.session.get(User, user_id) if user_id else None
    if user is None or not user.active:
        problems["user"] = _("Välj en person.")
    elif team_role is not None:
        needed, area = TEAM_ROLE_NEEDS[team_role]
        if needed is None:
            if not (user.roles - {Role.VIEWER}):
                problems["user"] = _("%(name)s är läsare och kan inte ha en roll i teamet.", name=user.display_name)
        elif not user.has_role(needed) or (area is not None and area not in user.review_areas):
            problems["user"] = _(
                "%(name)s har inte behörigheten som rollen %(role)s kräver.",
                name=user.display_name,
                role=_(TEAM_ROLE_LABELS[team_role]),
            )
    if (
        not problems
        and user is not None
        and any(m.user_id == user.id and m.role == team_role for m in team_of(case).members)
    ):
        problems["user"] = _("%(name)s har redan den rollen i teamet.", name=user.display_name)
    if problems:
        raise ValidationFailed(*problems.values(), fields=problems)
    assert user is not None
    assert team_role is not None
    member = CaseMember(case_id=case.id, user_id=user.id, role=team_role)
    db.session.add(member)
    db.session.flush()
    if team_role == TeamRole.DECISION_MAKER and case.decision_maker_id is None:
        case.decision_maker_id = user.id
    record_event(
        actor,
        "case",
        case.id,
        "team.add",
        None,
        {"user": user.username, "name": user.display_name, "role": team_role.value},
    )
    return member


def remove_member(case: Case, member_id: int, actor: User) -> None:
    """Take a member out of the team (their picked assignments stay, shown under their name)."""
    _check_manage(actor, case)
    member = db.session.get(CaseMember, member_id)
    if member is None or member.case_id != case.id:
        raise NotFound(_("Teammedlemmen finns inte."))
    record_event(actor, "case", case.id, "team.remove", {"user": member.user.username, "role": member.role.value}, None)
    if member.role == TeamRole.DECISION_MAKER and case.decision_maker_id == member.user_id:
        others = [m for m in team_of(case).users(TeamRole.DECISION_MAKER) if m.id != member.user_id]
        case.decision_maker_id = others[0].id if others else None
    db.session.delete(member)
    db.session.flush()


def add_contact(
    case: Case, name: str, organisation: str, email: str, alternative_id: int | None, actor: User
) -> CaseContact:
    """Add a contact outside the region (e.g. the vendor's), for one alternative or the whole case."""
    _check_manage(actor, case)
    name, organisation, email = name.strip(), organisation.strip(), email.strip()
    problems: dict[str, str] = {}
    if not name:
        problems["name"] = _("Ange kontaktpersonens namn.")
    elif len(name) > MAX_NAME:
        problems["name"] = _("Högst %(max)s tecken.", max=MAX_NAME)
    if len(organisation) > MAX_NAME:
        problems["organisation"] = _("Högst %(max)s tecken.", max=MAX_NAME)
    if len(email) > MAX_EMAIL:
        problems["email"] = _("Högst %(max)s tecken.", max=MAX_EMAIL)
    elif email and ("@" not in email or email.startswith("@") or email.endswith("@") or " " in email):
        problems["email"] = _("Ange en giltig e-postadress, t.ex. namn@leverantor.se.")
    if alternative_id is not None and alternative_id not in {a.id for a in case.alternatives}:
        problems["alternative"] = _("Välj ett av ärendets alternativ.")
    if problems:
        raise ValidationFailed(*problems.values(), fields=problems)
    contact = CaseContact(
        case_id=case.id, name=name, organisation=organisation, email=email, alternative_id=alternative_id
    )
    db.session.add(contact)
    db.session.flush()
    record_event(
        actor,
        "case",
        case.id,
        "contact.add",
        None,
        {"contact": contact.id, "name": name, "organisation": organisation, "alternative": alternative_id},
    )
    return contact


def remove_contact(case: Case, contact_id: int, actor: User) -> None:
    """Retire a contact: no longer offered, while what was assigned to them keeps their name."""
    _check_manage(actor, case)
    contact = db.session.get(CaseContact, contact_id)
    if contact is None or contact.case_id != case.id:
        raise NotFound(_("Kontakten finns inte."))
    contact.active = False
    record_event(actor, "case", case.id, "contact.remove", {"contact": contact.id, "name": contact.name}, None)
    db.session.flush()


def add_default_members(case: Case, users: Iterable[tuple[User, TeamRole]]) -> None:
    """Put users into a new case's team without an actor check (case creation, demo)."""
    for user, role in users:
        db.session.add(CaseMember(case_id=case.id, user_id=user.id, role=role))
    db.session.flush()


def late_question_query(today: date) -> Select[int]:
    """SQL: the ids of the open assessments with an open question past its due date (one row each)."""
    return (
        select(Answer.assessment_id)
        .join(Assessment)
        .where(
            Answer.unknown_due < today,
            Assessment.status.in_(OPEN_STATES),
            open_value_sql(),  # the terms of ix_answers_open_due
        )
        .distinct()
    )


def overdue_question_assessment_ids(today: date, among: Iterable[int] | None = None) -> set[int]:
    """Return the ids of open assessments (of those `among`, when given) with an open question past its due date."""
    query = late_question_query(today)
    if among is not None:
        ids = sorted(set(among))
        if not ids:
            return set()
        query = query.where(Answer.assessment_id.in_(ids))
    return set(db.session.scalars(query))
