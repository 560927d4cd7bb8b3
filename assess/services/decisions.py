"""The decision: its conditions with owner, deadline and gate, and their follow-up."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

import rules
from assess.extensions import db
from assess.i18n import _
from assess.models import (
    Assessment,
    Decision,
    DecisionCondition,
    DecisionOutcome,
    Gate,
    Role,
    User,
)
from assess.models.types import utcnow
from assess.services.audit import record_event
from assess.services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from assess.services.records import ReportWriter, freeze_record
from assess.services.workflow import MAX_TEXT, Action, authorize, evaluation_with_overrides, move


@dataclass(frozen=True)
class ConditionInput:
    """The decision maker's terms for one condition."""

    question_id: str
    owner_id: int | None
    deadline: date | None
    gate: str
    gate_months: int | None = None


def conditions_to_set(evaluation: rules.Evaluation) -> list[tuple[str, str, tuple[str, ...]]]:
    """Return (question, outcome, mitigations) for every condition (C) and non-blocking unknown (UN)."""
    items = [(c.question, "C", c.mitigations) for c in evaluation.conditions]
    items += [(qid, "UN", ()) for qid in evaluation.nonblocking_unknowns]
    order = list(evaluation.questions)
    return sorted(items, key=lambda item: order.index(item[0]))


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
    """Record the decision (approve only a suitable verdict), its conditions, and freeze the record."""
    target = authorize(assessment, Action.DECIDE, actor)
    evaluation = evaluation_with_overrides(assessment)
    problems: dict[str, str] = {}
    try:
        decision_outcome = DecisionOutcome(outcome)
    except ValueError:
        raise ValidationFailed(
            _("Välj godkänn eller avslå."), fields={"outcome": _("Välj godkänn eller avslå.")}
        ) from None
    if decision_outcome == DecisionOutcome.APPROVED and evaluation.verdict not in (
        "suitable",
        "suitable_with_conditions",
    ):
        raise Conflict(
            _(
                "Användningen kan bara godkännas när bedömningen är Lämplig eller Lämplig med villkor. "
                "Avslå, eller begär ändringar."
            )
        )
    by_question = {c.question_id: c for c in conditions}
    to_set = conditions_to_set(evaluation) if decision_outcome == DecisionOutcome.APPROVED else []
    rows = []
    for qid, kind, mitigations in to_set:
        given = by_question.get(qid)
        prefix = f"cond_{qid}"
        owner = db.session.get(User, given.owner_id) if given and given.owner_id else None
        if owner is None or not owner.active:
            problems[f"{prefix}_owner"] = _("%(question)s: välj en ansvarig.", question=qid)
        if given is None or given.deadline is None:
            problems[f"{prefix}_deadline"] = _(
                "%(question)s: ange ett datum för när villkoret ska vara uppfyllt.", question=qid
            )
        elif given.deadline < today:
            problems[f"{prefix}_deadline"] = _("%(question)s: datumet har redan passerat.", question=qid)
        gate = None
        try:
            gate = Gate(given.gate) if given else None
        except ValueError:
            gate = None
        if gate is None:
            problems[f"{prefix}_gate"] = _("%(question)s: välj när villkoret ska vara uppfyllt (grind).", question=qid)
        elif gate == Gate.WITHIN_MONTHS and not (given and given.gate_months and 1 <= given.gate_months <= 120):
            problems[f"{prefix}_months"] = _("%(question)s: ange antal månader (1–120).", question=qid)
        if given is not None and owner is not None and gate is not None and given.deadline is not None:
            rows.append((qid, kind, mitigations, owner, given, gate))
    if decision_outcome == DecisionOutcome.APPROVED:
        if not residual_risks.strip():
            problems["residual_risks"] = _("Beskriv de kvarstående risker du accepterar.")
        if next_review is None:
            problems["next_review"] = _("Ange datum för nästa omprövning.")
        elif next_review <= today:
            problems["next_review"] = _("Nästa omprövning måste ligga i framtiden.")
    if len(residual_risks) > MAX_TEXT:
        problems["residual_risks"] = _("Högst %(max)s tecken.", max=MAX_TEXT)
    if problems:
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
    for qid, kind, mitigations, owner, given, gate in rows:
        db.session.add(
            DecisionCondition(
                decision_id=decision.id,
                assessment_id=assessment.id,
                question_id=qid,
                outcome=kind,
                mitigations=list(mitigations),
                owner_id=owner.id,
                deadline=given.deadline,
                gate=gate,
                gate_months=given.gate_months if gate == Gate.WITHIN_MONTHS else None,
            )
        )
    db.session.flush()
    move(assessment, target, actor, "decide", {"outcome": decision_outcome.value, "verdict": evaluation.verdict})
    freeze_record(assessment, evaluation, write_report)
    return decision


def fulfil_condition(condition: DecisionCondition, actor: User, note: str, evidence: str) -> DecisionCondition:
    """Mark a condition fulfilled, with a note and evidence (follow-up; the frozen record is not changed)."""
    if condition.fulfilled:
        raise Conflict(_("Villkoret är redan markerat som uppfyllt."))
    if actor.id != condition.owner_id and not actor.has_role(Role.ADMIN, Role.DECISION_MAKER):
        raise PermissionDenied(
            _("Bara villkorets ansvarige, en beslutsfattare eller en administratör kan markera det.")
        )
    problems = {}
    if not note.strip():
        problems["note"] = _("Beskriv hur villkoret är uppfyllt.")
    if len(note) > MAX_TEXT:
        problems["note"] = _("Högst %(max)s tecken.", max=MAX_TEXT)
    if len(evidence) > 500:
        problems["evidence"] = _("Högst %(max)s tecken.", max=500)
    if problems:
        raise ValidationFailed(*problems.values(), fields=problems)
    # The event comes first: the database refuses a change of the follow-up that no audit event records.
    event = record_event(
        actor,
        "condition",
        condition.id,
        "condition.fulfil",
        {"fulfilled": False},
        {"fulfilled": True, "question": condition.question_id, "note": note.strip(), "evidence": evidence.strip()},
        assessment_id=condition.assessment_id,
    )
    condition.fulfilled = True
    condition.fulfilled_at = utcnow()
    condition.fulfilled_by_id = actor.id
    condition.fulfilled_note = note.strip()
    condition.fulfilled_evidence = evidence.strip()
    condition.audit_seq = event.seq
    db.session.flush()
    return condition


def get_condition(condition_id: int) -> DecisionCondition:
    """Return a decision condition or raise NotFound."""
    condition = db.session.get(DecisionCondition, condition_id)
    if condition is None:
        raise NotFound(_("Villkor %(id)s finns inte.", id=condition_id))
    return condition


def overdue_assessment_ids(today: date) -> set[int]:
    """Return the ids of assessments with a condition past its deadline and not fulfilled."""
    query = (
        select(DecisionCondition.assessment_id)
        .where(DecisionCondition.fulfilled.is_(False), DecisionCondition.deadline < today)
        .distinct()
    )
    return set(db.session.scalars(query))
