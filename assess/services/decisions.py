"""The decision: its conditions with owner and one deadline, and their follow-up (claimed, then verified).

A condition is owned by a member of the case's team or by one of its contacts (someone outside the region, without
an account). Its one deadline is a date or a gate (before the contract, before go-live, within N months of the
decision). Fulfilment is *claimed* by the owner (for a contact, by an architect of the case on the contact's
behalf) with a note and evidence, and *verified* or sent back with a reason by a reviewer of the question's area or
a decision maker: never by the claimant, never by a viewer. Every step is an audit event, recorded before the row
changes (the database refuses a change of the follow-up that no event records); the frozen record never changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

import rules
from assess import labels
from assess.extensions import db
from assess.i18n import _
from assess.models import (
    Alternative,
    Assessment,
    Decision,
    DecisionCondition,
    DecisionOutcome,
    Gate,
    ReviewArea,
    Role,
    TeamRole,
    User,
)
from assess.models.types import utcnow
from assess.services.audit import record_event
from assess.services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from assess.services.evaluation import ruleset_for
from assess.services.records import ReportWriter, freeze_record
from assess.services.team import Assignee, Team, team_of
from assess.services.workflow import MAX_TEXT, REVIEW_SCOPE, Action, authorize, evaluation_with_overrides, move

#: The deadline kind of a condition with a date (the other kinds are the gates).
DATE = "date"
#: The verdicts a decision maker can approve.
APPROVABLE = ("suitable", "suitable_with_conditions")
MAX_EVIDENCE = 500
#: What a user can do with a condition (the forms a page offers them).
CLAIM, VERIFY, SEND_BACK = "claim", "verify", "send_back"


@dataclass(frozen=True)
class ConditionInput:
    """The decision maker's terms for one condition: its owner and its one deadline.

    The owner is a user (`owner_id`) or a contact of the case (`owner_contact_id`). `gate` is the kind of deadline:
    ``"date"`` (then `deadline` is the date), a `Gate` value (then no date; `gate_months` for within N months), or
    ``""`` with a date, as forms posted before the choice existed.
    """

    question_id: str
    owner_id: int | None
    deadline: date | None
    gate: str
    gate_months: int | None = None
    owner_contact_id: int | None = None

    @classmethod
    def from_owner_key(
        cls, question_id: str, owner: str | None, deadline: date | None, gate: str, gate_months: int | None = None
    ) -> ConditionInput:
        """Return the terms with the owner named by a form's key ("u:<id>", "c:<id>", or a bare user id)."""
        user_id, contact_id = parse_owner_key(owner)
        return cls(question_id, user_id, deadline, gate, gate_months, contact_id)


def parse_owner_key(key: str | None) -> tuple[int | None, int | None]:
    """Return (user id, contact id) of an owner key; (None, None) when it names nobody."""
    key = (key or "").strip()
    kind, _sep, number = key.rpartition(":")
    if not (number.isascii() and number.isdigit() and len(number) < 10):
        return None, None
    if kind == "c":
        return None, int(number)
    if kind in ("u", ""):
        return int(number), None
    return None, None


def _viewer_only(user: User) -> bool:
    return not (user.roles - {Role.VIEWER})


@dataclass(frozen=True)
class OwnerChoices:
    """Who can own a condition of an assessment, and whether they come from the case's team."""

    choices: list[Assignee]
    #: False while the case's team has no members: every active user who is not only a viewer is offered.
    from_team: bool

    def offers(self, user_id: int | None, contact_id: int | None) -> bool:
        """Tell whether exactly one of a user and a contact is given and is offered."""
        if (user_id is None) == (contact_id is None):
            return False
        return any(c.user_id == user_id and c.contact_id == contact_id for c in self.choices)


def owner_choices(assessment: Assessment, team: Team | None = None) -> OwnerChoices:
    """Return the possible owners of the assessment's conditions: the team's members (never a viewer), then the
    contacts of the alternative; while the team has no members, every active user who is not only a viewer."""
    team = team or team_of(assessment.alternative.case)
    users = {m.user_id: m.user for m in team.members}
    offered = team.choices(assessment)
    members = [c for c in offered if c.user_id is not None and not _viewer_only(users[c.user_id])]
    contacts = [c for c in offered if c.contact_id is not None]
    if members:
        return OwnerChoices(members + contacts, True)
    everyone = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.display_name))
    fallback = [
        Assignee(f"u:{u.id}", u.display_name, user_id=u.id, email=u.email) for u in everyone if not _viewer_only(u)
    ]
    return OwnerChoices(fallback + contacts, False)


def conditions_to_set(evaluation: rules.Evaluation) -> list[tuple[str, str, tuple[str, ...]]]:
    """Return (question, outcome, mitigations) for every condition (C) and non-blocking unknown (UN)."""
    items = [(c.question, "C", c.mitigations) for c in evaluation.conditions]
    items += [(qid, "UN", ()) for qid in evaluation.nonblocking_unknowns]
    order = list(evaluation.questions)
    return sorted(items, key=lambda item: order.index(item[0]))


@dataclass(frozen=True)
class _Terms:
    question_id: str
    outcome: str
    mitigations: tuple[str, ...]
    owner_id: int | None
    owner_contact_id: int | None
    deadline: date | None
    gate: Gate | None
    gate_months: int | None


def _deadline_of(
    qid: str, given: ConditionInput | None, today: date, problems: dict[str, str]
) -> tuple[date | None, Gate | None, int | None] | None:
    """Return the one deadline (date, gate, months) of a condition, or None after noting its problem."""
    prefix = f"cond_{qid}"
    kind = (given.gate or "").strip() if given is not None else ""
    deadline = given.deadline if given is not None else None
    if not kind and deadline is not None:
        kind = DATE
    if not kind:
        problems[f"{prefix}_gate"] = _(
            "%(question)s: välj när villkoret ska vara uppfyllt: ett datum, före avtal, före driftstart eller inom "
            "ett antal månader.",
            question=qid,
        )
        return None
    if kind == DATE:
        if deadline is None:
            problems[f"{prefix}_deadline"] = _(
                "%(question)s: ange ett datum för när villkoret ska vara uppfyllt.", question=qid
            )
            return None
        if deadline < today:
            problems[f"{prefix}_deadline"] = _("%(question)s: datumet har redan passerat.", question=qid)
            return None
        return deadline, None, None
    try:
        gate = Gate(kind)
    except ValueError:
        problems[f"{prefix}_gate"] = _(
            "%(question)s: välj när villkoret ska vara uppfyllt bland alternativen i listan.", question=qid
        )
        return None
    if deadline is not None:
        problems[f"{prefix}_deadline"] = _(
            "%(question)s: ange antingen ett datum eller en grind, inte båda. Välj Datum för att ange ett datum, "
            "eller töm datumfältet.",
            question=qid,
        )
        return None
    months = given.gate_months if given is not None else None
    if gate == Gate.WITHIN_MONTHS:
        if not (months and 1 <= months <= 120):
            problems[f"{prefix}_months"] = _("%(question)s: ange antal månader (1–120).", question=qid)
            return None
        return None, gate, months
    return None, gate, None


def _check_decision(
    assessment: Assessment,
    outcome: str,
    residual_risks: str,
    next_review: date | None,
    conditions: Iterable[ConditionInput],
    today: date,
) -> tuple[dict[str, str], DecisionOutcome | None, rules.Evaluation, list[_Terms]]:
    """Return every problem of the decision (by field), its outcome, the evaluation and the conditions' terms."""
    evaluation = evaluation_with_overrides(assessment)
    problems: dict[str, str] = {}
    try:
        decision_outcome: DecisionOutcome | None = DecisionOutcome(outcome)
    except ValueError:
        decision_outcome = None
        problems["outcome"] = _("Välj godkänn eller avslå.")
    approvable = evaluation.verdict in APPROVABLE
    if decision_outcome == DecisionOutcome.APPROVED and not approvable:
        problems["outcome"] = _(
            "Användningen kan bara godkännas när bedömningen är Lämplig eller Lämplig med villkor. "
            "Avslå, eller begär ändringar."
        )
    # Without an outcome the terms of an approval are checked too, so that one post names every problem.
    approving = approvable and decision_outcome in (DecisionOutcome.APPROVED, None)
    terms: list[_Terms] = []
    if approving:
        by_question = {c.question_id: c for c in conditions}
        to_set = conditions_to_set(evaluation)
        owners = owner_choices(assessment) if to_set else OwnerChoices([], True)
        for qid, kind, mitigations in to_set:
            given = by_question.get(qid)
            owner_ok = False
            if given is None or (given.owner_id is None and given.owner_contact_id is None):
                problems[f"cond_{qid}_owner"] = _("%(question)s: välj en ansvarig.", question=qid)
            elif not owners.offers(given.owner_id, given.owner_contact_id):
                problems[f"cond_{qid}_owner"] = _(
                    "%(question)s: välj en ansvarig ur listan (ärendets team och kontakter).", question=qid
                )
            else:
                owner_ok = True
            deadline = _deadline_of(qid, given, today, problems)
            if given is not None and owner_ok and deadline is not None:
                terms.append(_Terms(qid, kind, mitigations, given.owner_id, given.owner_contact_id, *deadline))
        if not residual_risks.strip():
            problems["residual_risks"] = _("Beskriv de kvarstående risker du accepterar.")
        if next_review is None:
            problems["next_review"] = _("Ange datum för nästa omprövning.")
        elif next_review <= today:
            problems["next_review"] = _("Nästa omprövning måste ligga i framtiden.")
    if len(residual_risks) > MAX_TEXT:
        problems["residual_risks"] = _("Högst %(max)s tecken.", max=MAX_TEXT)
    return problems, decision_outcome, evaluation, terms


def validate_decision(
    assessment: Assessment,
    actor: User,
    outcome: str,
    residual_risks: str,
    next_review: date | None,
    conditions: Iterable[ConditionInput],
    today: date,
) -> dict[str, str]:
    """Return every problem of a decision by field without deciding (after checking that the actor may decide)."""
    authorize(assessment, Action.DECIDE, actor)
    return _check_decision(assessment, outcome, residual_risks, next_review, conditions, today)[0]


def decide(
    assessment: Assessment,
    actor: User,
    outcome: str,
    residual_risks: str,
    next_review: date | None,
    conditions: Iterable[ConditionInput],
    today: date,
    write_report: ReportWriter | None = None,
) -> Decision:
    """Record the decision (approve only a suitable verdict), its conditions, and freeze the record.

    Every problem is raised at once, in one ValidationFailed whose fields name them.
    """
    target = authorize(assessment, Action.DECIDE, actor)
    problems, decision_outcome, evaluation, terms = _check_decision(
        assessment, outcome, residual_risks, next_review, conditions, today
    )
    if problems or decision_outcome is None:
        raise ValidationFailed(*problems.values(), fields=problems)
    decision = Decision(
        assessment_id=assessment.id,
        decided_by_id=actor.id,
        outcome=decision_outcome,
        verdict=evaluation.verdict,
        worst_case=evaluation.worst_case,
        residual_risks=residual_risks.strip(),
        next_review=next_review,
    )
    db.session.add(decision)
    db.session.flush()
    for t in terms:
        db.session.add(
            DecisionCondition(
                decision_id=decision.id,
                assessment_id=assessment.id,
                question_id=t.question_id,
                outcome=t.outcome,
                mitigations=list(t.mitigations),
                owner_id=t.owner_id,
                owner_contact_id=t.owner_contact_id,
                deadline=t.deadline,
                gate=t.gate,
                gate_months=t.gate_months,
            )
        )
    db.session.flush()
    move(assessment, target, actor, "decide", {"outcome": decision_outcome.value, "verdict": evaluation.verdict})
    freeze_record(assessment, evaluation, write_report)
    return decision


# --- follow-up: who may do what -----------------------------------------------------------------------------


def condition_area(condition: DecisionCondition, ruleset: rules.RuleSet | None = None) -> ReviewArea | None:
    """Return the review area of the condition's question (None when the rule set no longer has it)."""
    ruleset = ruleset or ruleset_for(condition.assessment)
    question = ruleset.by_id.get(condition.question_id)
    if question is None:
        return None
    return next((area for area, scope in REVIEW_SCOPE.items() if question.area in scope), None)


def _claim_refusal(condition: DecisionCondition, user: User, team: Team | None = None) -> str | None:
    """Return why the user may not claim the condition (None: they may)."""
    if _viewer_only(user):
        return _("Läsare kan inte anmäla, verifiera eller skicka tillbaka villkor.")
    if condition.owner_id is not None:
        if user.id == condition.owner_id:
            return None
        return _("Bara villkorets ansvarige, %(owner)s, kan anmäla det som uppfyllt.", owner=condition.owner_label)
    assessment = condition.assessment
    if user.id == assessment.owner_id:
        return None
    team = team or team_of(assessment.alternative.case)
    if any(m.user_id == user.id and m.role == TeamRole.ARCHITECT for m in team.members):
        return None
    return _(
        "%(owner)s har inget konto: bara ärendets arkitekter kan anmäla villkoret som uppfyllt för kontaktens räkning.",
        owner=condition.owner_label,
    )


def _claim_conflict(condition: DecisionCondition) -> str | None:
    if condition.fulfilled:
        return _("Villkoret är redan verifierat som uppfyllt.")
    if condition.claimed:
        return _("Villkoret är redan anmält som uppfyllt och väntar på verifiering.")
    return None


def _verify_refusal(condition: DecisionCondition, user: User, ruleset: rules.RuleSet | None = None) -> str | None:
    """Return why the user may not verify or send back the condition (None: they may)."""
    if _viewer_only(user):
        return _("Läsare kan inte anmäla, verifiera eller skicka tillbaka villkor.")
    if condition.claimed_by_id is not None and condition.claimed_by_id == user.id:
        return _(
            "Du har själv anmält villkoret som uppfyllt och kan därför inte verifiera det eller skicka tillbaka "
            "det. Det gör en granskare av området eller en beslutsfattare."
        )
    if user.has_role(Role.DECISION_MAKER) or condition.assessment.alternative.case.decision_maker_id == user.id:
        return None
    area = condition_area(condition, ruleset)
    if area is not None and user.has_role(Role.REVIEWER) and area in user.review_areas:
        return None
    if area is None:
        return _("Bara en beslutsfattare kan verifiera villkoret eller skicka tillbaka det.")
    return _(
        "Bara en granskare av området %(area)s eller en beslutsfattare kan verifiera villkoret eller skicka "
        "tillbaka det.",
        area=labels.REVIEW_AREA[area],
    )


def _verify_conflict(condition: DecisionCondition) -> str | None:
    if condition.fulfilled:
        return _("Villkoret är redan verifierat som uppfyllt.")
    if not condition.claimed:
        return _("Villkoret är inte anmält som uppfyllt än: det finns inget att verifiera eller skicka tillbaka.")
    return None


def condition_actions(
    conditions: Iterable[DecisionCondition], user: User, teams: dict[int, Team] | None = None
) -> dict[int, frozenset[str]]:
    """Return, per condition, what the user may do with it now: claim, or verify and send back."""
    teams = {} if teams is None else teams
    result: dict[int, frozenset[str]] = {}
    for condition in conditions:
        actions: set[str] = set()
        if _claim_conflict(condition) is None:
            team = None
            if condition.owner_id is None:
                case = condition.assessment.alternative.case
                team = teams.get(case.id) or teams.setdefault(case.id, team_of(case))
            if _claim_refusal(condition, user, team) is None:
                actions.add(CLAIM)
        elif _verify_conflict(condition) is None and _verify_refusal(condition, user) is None:
            actions |= {VERIFY, SEND_BACK}
        result[condition.id] = frozenset(actions)
    return result


# --- follow-up: claim, verify, send back ----------------------------------------------------------------------


def _state(condition: DecisionCondition) -> dict[str, bool]:
    return {"claimed": condition.claimed_at is not None, "fulfilled": condition.fulfilled}


def claim_condition(condition: DecisionCondition, actor: User, note: str, evidence: str) -> DecisionCondition:
    """Claim that a condition is fulfilled, with a note and evidence; it then waits for verification.

    The owner claims; for a contact (no account) an architect of the case (or the assessment's owner) claims on
    the contact's behalf, and the audit event says so.
    """
    refusal = _claim_refusal(condition, actor)
    if refusal:
        raise PermissionDenied(refusal)
    conflict = _claim_conflict(condition)
    if conflict:
        raise Conflict(conflict)
    note, evidence = note.strip(), evidence.strip()
    problems = {}
    if not note:
        problems["note"] = _("Beskriv hur villkoret är uppfyllt.")
    elif len(note) > MAX_TEXT:
        problems["note"] = _("Högst %(max)s tecken.", max=MAX_TEXT)
    if len(evidence) > MAX_EVIDENCE:
        problems["evidence"] = _("Högst %(max)s tecken.", max=MAX_EVIDENCE)
    if problems:
        raise ValidationFailed(*problems.values(), fields=problems)
    after: dict[str, object] = {
        "claimed": True,
        "fulfilled": False,
        "question": condition.question_id,
        "note": note,
        "evidence": evidence,
    }
    if condition.owner_id is None:
        after["on_behalf_of"] = condition.owner_label
    # The event comes first: the database refuses a change of the follow-up that no audit event records.
    event = record_event(
        actor, "condition", condition.id, "condition.claim", _state(condition), after,
        assessment_id=condition.assessment_id,
    )  # fmt: skip
    condition.claimed_at = utcnow()
    condition.claimed_by_id = actor.id
    condition.fulfilled_note = note
    condition.fulfilled_evidence = evidence
    condition.returned_reason = ""
    condition.audit_seq = event.seq
    db.session.flush()
    return condition


def _check_verifier(condition: DecisionCondition, actor: User) -> None:
    refusal = _verify_refusal(condition, actor)
    if refusal:
        raise PermissionDenied(refusal)
    conflict = _verify_conflict(condition)
    if conflict:
        raise Conflict(conflict)


def verify_condition(condition: DecisionCondition, actor: User, note: str = "") -> DecisionCondition:
    """Verify a claimed condition as fulfilled (a reviewer of its area or a decision maker, not the claimant)."""
    _check_verifier(condition, actor)
    note = note.strip()
    if len(note) > MAX_TEXT:
        message = _("Högst %(max)s tecken.", max=MAX_TEXT)
        raise ValidationFailed(message, fields={"note": message})
    claimant = condition.claimed_by.display_name if condition.claimed_by is not None else ""
    event = record_event(
        actor,
        "condition",
        condition.id,
        "condition.verify",
        _state(condition),
        {"claimed": True, "fulfilled": True, "question": condition.question_id, "claimed_by": claimant, "note": note},
        assessment_id=condition.assessment_id,
    )
    condition.fulfilled = True
    condition.fulfilled_at = utcnow()
    condition.fulfilled_by_id = actor.id
    condition.audit_seq = event.seq
    db.session.flush()
    return condition


def return_condition(condition: DecisionCondition, actor: User, reason: str) -> DecisionCondition:
    """Send a claimed condition back with a reason: the claim is cleared and the condition is open again."""
    _check_verifier(condition, actor)
    reason = reason.strip()
    message = None
    if not reason:
        message = _("Ange varför villkoret skickas tillbaka: vad saknas?")
    elif len(reason) > MAX_TEXT:
        message = _("Högst %(max)s tecken.", max=MAX_TEXT)
    if message:
        raise ValidationFailed(message, fields={"reason": message})
    claimant = condition.claimed_by.display_name if condition.claimed_by is not None else ""
    event = record_event(
        actor,
        "condition",
        condition.id,
        "condition.return",
        {**_state(condition), "note": condition.fulfilled_note, "evidence": condition.fulfilled_evidence},
        {"claimed": False, "fulfilled": False, "question": condition.question_id, "claimed_by": claimant,
         "reason": reason},
        assessment_id=condition.assessment_id,
    )  # fmt: skip
    condition.claimed_at = None
    condition.claimed_by_id = None
    condition.fulfilled_note = ""
    condition.fulfilled_evidence = ""
    condition.returned_reason = reason
    condition.audit_seq = event.seq
    db.session.flush()
    return condition


# --- reading ----------------------------------------------------------------------------------------------------


def get_condition(condition_id: int) -> DecisionCondition:
    """Return a decision condition or raise NotFound."""
    condition = db.session.get(DecisionCondition, condition_id)
    if condition is None:
        raise NotFound(_("Villkor %(id)s finns inte.", id=condition_id))
    return condition


def loaded_condition() -> list[Any]:
    """Return the loader options of a listed condition (its assessment, alternative, case and people)."""
    return _loaded()


def viewer_only(user: User) -> bool:
    """Tell whether the user is only a viewer (reads everything, changes nothing)."""
    return _viewer_only(user)


def _loaded() -> list[Any]:
    return [
        joinedload(DecisionCondition.assessment).joinedload(Assessment.alternative).joinedload(Alternative.case),
        joinedload(DecisionCondition.owner),
        joinedload(DecisionCondition.owner_contact),
        joinedload(DecisionCondition.claimed_by),
        joinedload(DecisionCondition.fulfilled_by),
    ]


def conditions_of(assessment_id: int) -> list[DecisionCondition]:
    """Return an assessment's conditions with their owners, claimants and verifiers, in the decision's order."""
    query = (
        select(DecisionCondition)
        .where(DecisionCondition.assessment_id == assessment_id)
        .options(*_loaded())
        .order_by(DecisionCondition.id)
    )
    return list(db.session.scalars(query).unique())


def conditions_owned_by(user: User) -> list[DecisionCondition]:
    """Return the conditions the user owns: open ones first, earliest date first."""
    query = (
        select(DecisionCondition)
        .where(DecisionCondition.owner_id == user.id)
        .options(*_loaded())
        .order_by(DecisionCondition.fulfilled, DecisionCondition.deadline, DecisionCondition.id)
    )
    return list(db.session.scalars(query).unique())


def conditions_to_verify(user: User) -> list[DecisionCondition]:
    """Return the claimed conditions waiting for verification that this user may verify, earliest deadline first."""
    if _viewer_only(user):
        return []
    query = (
        select(DecisionCondition)
        .where(DecisionCondition.claimed_at.is_not(None), DecisionCondition.fulfilled.is_(False))
        .options(*_loaded())
        .order_by(DecisionCondition.claimed_at, DecisionCondition.id)
    )
    claimed = list(db.session.scalars(query).unique())
    return sorted(
        (c for c in claimed if _verify_refusal(c, user) is None),
        key=lambda c: (c.deadline is None, c.deadline or date.max, c.id),
    )


def conditions_claimable_for_contacts(user: User) -> list[DecisionCondition]:
    """Return the open conditions owned by contacts that this user may claim on the contact's behalf."""
    if _viewer_only(user) or not user.has_role(Role.ARCHITECT, Role.ADMIN):
        return []
    query = (
        select(DecisionCondition)
        .where(
            DecisionCondition.owner_contact_id.is_not(None),
            DecisionCondition.claimed_at.is_(None),
            DecisionCondition.fulfilled.is_(False),
        )
        .options(*_loaded())
        .order_by(DecisionCondition.deadline, DecisionCondition.id)
    )
    teams: dict[int, Team] = {}
    result = []
    for condition in db.session.scalars(query).unique():
        case = condition.assessment.alternative.case
        team = teams.get(case.id) or teams.setdefault(case.id, team_of(case))
        if _claim_refusal(condition, user, team) is None:
            result.append(condition)
    return result


def overdue_query(today: date) -> Select[int]:
    """SQL: the ids of the assessments with a condition past its date, unverified (one row each)."""
    # `IS NOT true` rather than `IS false`: among a page's modules, SQLite (without statistics) would otherwise walk
    # the index of every unverified condition once for each module instead of each module's own conditions.
    return (
        select(DecisionCondition.assessment_id)
        .where(DecisionCondition.fulfilled.is_not(True), DecisionCondition.deadline < today)
        .distinct()
    )


def overdue_assessment_ids(today: date, among: Iterable[int] | None = None) -> set[int]:
    """Return the ids of assessments (of those `among`, when given) with a condition past its date, unverified."""
    query = overdue_query(today)
    if among is not None:
        ids = sorted(set(among))
        if not ids:
            return set()
        query = query.where(DecisionCondition.assessment_id.in_(ids))
    return set(db.session.scalars(query))
