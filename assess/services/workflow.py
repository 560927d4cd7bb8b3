"""Review and decision: one state machine, four-eyes, overrides, the decision and the frozen record."""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

import rules
from assess.extensions import db
from assess.models import (
    Answer,
    AreaApproval,
    Assessment,
    AssessmentStatus,
    AuditEvent,
    ChangeRequest,
    Decision,
    DecisionCondition,
    DecisionOutcome,
    FrozenRecord,
    Gate,
    KnockoutOverride,
    OverrideKind,
    ReviewArea,
    ReviewComment,
    Role,
    Submission,
    User,
)
from assess.models.types import utcnow
from assess.services.audit import record_event
from assess.services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from assess.services.evaluation import evaluate_assessment, ruleset_for

S = AssessmentStatus
MAX_TEXT = 5000


class Action(enum.StrEnum):
    """What someone can do to an assessment."""

    SUBMIT = "submit"
    START_REVIEW = "start_review"
    COMMENT = "comment"
    REQUEST_CHANGES = "request_changes"
    APPROVE_AREA = "approve_area"
    OVERRIDE = "override"
    REOPEN = "reopen"
    DECIDE = "decide"
    REVISE = "revise"


ACTION_LABELS = {
    Action.SUBMIT: "skicka in",
    Action.START_REVIEW: "påbörja granskning",
    Action.COMMENT: "kommentera",
    Action.REQUEST_CHANGES: "begära ändringar",
    Action.APPROVE_AREA: "godkänna ett område",
    Action.OVERRIDE: "häva en stoppträff",
    Action.REOPEN: "återuppta arbetet",
    Action.DECIDE: "besluta",
    Action.REVISE: "skapa en ny revision",
}

#: The one transition table: (state, action) -> state after the action.
TRANSITIONS: dict[tuple[AssessmentStatus, Action], AssessmentStatus] = {
    (S.DRAFT, Action.SUBMIT): S.SUBMITTED,
    (S.SUBMITTED, Action.START_REVIEW): S.IN_REVIEW,
    (S.DRAFT, Action.COMMENT): S.DRAFT,
    (S.SUBMITTED, Action.COMMENT): S.SUBMITTED,
    (S.IN_REVIEW, Action.COMMENT): S.IN_REVIEW,
    (S.CHANGES_REQUESTED, Action.COMMENT): S.CHANGES_REQUESTED,
    (S.REVIEWED, Action.COMMENT): S.REVIEWED,
    (S.IN_REVIEW, Action.REQUEST_CHANGES): S.CHANGES_REQUESTED,
    (S.REVIEWED, Action.REQUEST_CHANGES): S.CHANGES_REQUESTED,
    (S.IN_REVIEW, Action.APPROVE_AREA): S.IN_REVIEW,  # becomes REVIEWED when every required area is approved
    (S.IN_REVIEW, Action.OVERRIDE): S.IN_REVIEW,
    (S.CHANGES_REQUESTED, Action.REOPEN): S.DRAFT,
    (S.REVIEWED, Action.DECIDE): S.DECIDED,
    (S.DECIDED, Action.REVISE): S.SUPERSEDED,
}

#: Who may take each action (four-eyes and review areas are checked on top).
ACTION_ROLES: dict[Action, frozenset[Role]] = {
    Action.SUBMIT: frozenset({Role.ARCHITECT, Role.ADMIN}),
    Action.START_REVIEW: frozenset({Role.REVIEWER}),
    Action.COMMENT: frozenset({Role.ARCHITECT, Role.ADMIN, Role.REVIEWER, Role.DECISION_MAKER}),
    Action.REQUEST_CHANGES: frozenset({Role.REVIEWER}),
    Action.APPROVE_AREA: frozenset({Role.REVIEWER}),
    Action.OVERRIDE: frozenset({Role.REVIEWER}),
    Action.REOPEN: frozenset({Role.ARCHITECT, Role.ADMIN}),
    Action.DECIDE: frozenset({Role.DECISION_MAKER}),
    Action.REVISE: frozenset({Role.ARCHITECT, Role.ADMIN}),
}
#: Actions that need someone other than the people who wrote the assessment.
FOUR_EYES = {Action.START_REVIEW, Action.REQUEST_CHANGES, Action.APPROVE_AREA, Action.OVERRIDE, Action.DECIDE}
#: Reviewer actions that start the review of a submitted assessment on the way.
STARTS_REVIEW = {Action.REQUEST_CHANGES, Action.APPROVE_AREA, Action.OVERRIDE}

#: Which rule-set areas each review area covers (the context area is reviewed with infosec).
REVIEW_SCOPE: dict[ReviewArea, tuple[str, ...]] = {
    ReviewArea.LEGAL: ("legal",),
    ReviewArea.INFOSEC: ("context", "infosec"),
    ReviewArea.PATIENT_SAFETY: ("patient_safety",),
}


class InvalidTransition(Conflict):
    """The action is not possible in the assessment's current state (409)."""


def authors_of(assessment: Assessment) -> set[int]:
    """Return the ids of the owner and of everyone who saved an answer of the assessment."""
    return authors_by_assessment([assessment])[assessment.id]


def authors_by_assessment(assessments: Iterable[Assessment]) -> dict[int, set[int]]:
    """Return authors_of for many assessments in one query (their answers should be loaded already)."""
    items = list(assessments)
    result = {a.id: ({a.owner_id} if a.owner_id else set()) for a in items}
    for a in items:
        result[a.id] |= {row.updated_by_id for row in a.answers if row.updated_by_id}
    if items:
        query = (
            select(AuditEvent.assessment_id, AuditEvent.actor_id)
            .where(AuditEvent.assessment_id.in_(result), AuditEvent.action == "answer.save")
            .distinct()
        )
        for assessment_id, actor_id in db.session.execute(query):
            if actor_id is not None and assessment_id is not None:
                result[assessment_id].add(actor_id)
    return result


def approvals_by_assessment(assessments: Iterable[Assessment]) -> dict[int, list[AreaApproval]]:
    """Return approvals_of for many assessments in two queries."""
    ids = [a.id for a in assessments]
    result: dict[int, list[AreaApproval]] = {i: [] for i in ids}
    if not ids:
        return result
    rounds: dict[int, int] = {
        assessment_id: int(round_)
        for assessment_id, round_ in db.session.execute(
            select(Submission.assessment_id, func.max(Submission.round))
            .where(Submission.assessment_id.in_(ids))
            .group_by(Submission.assessment_id)
        )
    }
    query = select(AreaApproval).where(AreaApproval.assessment_id.in_(ids)).order_by(AreaApproval.id)
    for approval in db.session.scalars(query):
        if approval.round == rounds.get(approval.assessment_id, 0):
            result[approval.assessment_id].append(approval)
    return result


def authorize(assessment: Assessment, action: Action, actor: User) -> AssessmentStatus:
    """Return the state after the action, or raise PermissionDenied (403) or InvalidTransition (409)."""
    if not actor.has_role(*ACTION_ROLES[action]):
        roles = ", ".join(sorted(r.value for r in ACTION_ROLES[action]))
        raise PermissionDenied(f"Du saknar behörighet att {ACTION_LABELS[action]} (kräver rollen {roles}).")
    state = assessment.status
    if action in STARTS_REVIEW and state == S.SUBMITTED:
        state = S.IN_REVIEW
    target = TRANSITIONS.get((state, action))
    if target is None:
        raise InvalidTransition(
            f"Det går inte att {ACTION_LABELS[action]} när bedömningen har status '{_status_label(assessment.status)}'."
        )
    if action == Action.SUBMIT and assessment.owner_id != actor.id and not actor.has_role(Role.ADMIN):
        raise PermissionDenied("Bara bedömningens ansvariga arkitekt kan skicka in den.")
    if action in FOUR_EYES and actor.id in authors_of(assessment):
        raise PermissionDenied(
            "Fyra ögon: du har skrivit eller ändrat den här bedömningen och kan därför inte granska "
            "eller besluta om den."
        )
    return target


def _status_label(status: AssessmentStatus) -> str:
    from assess.models import STATUS_LABELS

    return STATUS_LABELS[status]


def _move(assessment: Assessment, target: AssessmentStatus, actor: User, action: str, extra: dict[str, Any]) -> None:
    before = assessment.status.value
    assessment.status = target
    assessment.updated_at = utcnow()
    db.session.flush()
    record_event(
        actor,
        "assessment",
        assessment.id,
        f"assessment.{action}",
        {"status": before},
        {"status": target.value, **extra},
        assessment_id=assessment.id,
    )


def _current_round(assessment: Assessment) -> int:
    return int(
        db.session.scalar(select(func.max(Submission.round)).where(Submission.assessment_id == assessment.id)) or 0
    )


def evaluation_with_overrides(assessment: Assessment) -> rules.Evaluation:
    """Evaluate the assessment's answers with its recorded overrides."""
    return evaluate_assessment(assessment)


def _start_review_if_submitted(assessment: Assessment, actor: User) -> None:
    if assessment.status == S.SUBMITTED:
        authorize(assessment, Action.START_REVIEW, actor)
        _move(assessment, S.IN_REVIEW, actor, "start_review", {})


def submit(assessment: Assessment, actor: User) -> Submission:
    """Submit for review once every shown question has an answer; store a snapshot."""
    target = authorize(assessment, Action.SUBMIT, actor)
    evaluation = evaluation_with_overrides(assessment)
    answered = {a.question_id for a in assessment.answers if a.value not in (None, "")}
    missing = [qid for qid, q in evaluation.questions.items() if q.shown and qid not in answered]
    if missing:
        raise ValidationFailed(
            f"Alla frågor som visas måste besvaras innan bedömningen skickas in (Okänt räknas som ett svar). "
            f"Obesvarade: {', '.join(missing)}."
        )
    ruleset = ruleset_for(assessment)
    submission = Submission(
        assessment_id=assessment.id,
        round=_current_round(assessment) + 1,
        submitted_by_id=actor.id,
        ruleset=ruleset.pin(),
        answers={a.question_id: answer_json(a) for a in assessment.answers},
        evaluation=evaluation.to_dict(),
    )
    db.session.add(submission)
    _move(assessment, target, actor, "submit", {"round": submission.round, "verdict": evaluation.verdict})
    return submission


def answer_json(a: Answer) -> dict[str, Any]:
    """Return a stored answer as plain JSON data (for snapshots, records and the audit trail)."""
    return {
        "value": a.value,
        "evidence": a.evidence.value,
        "motivation": a.motivation,
        "evidence_ref": a.evidence_ref,
        "unknown_owner": a.unknown_owner,
        "unknown_due": a.unknown_due.isoformat() if a.unknown_due else None,
    }


def add_comment(
    assessment: Assessment, actor: User, text: str, question_id: str | None = None, parent_id: int | None = None
) -> ReviewComment:
    """Add a comment (to a question, or to the whole assessment), optionally as a reply."""
    authorize(assessment, Action.COMMENT, actor)
    problems: dict[str, str] = {}
    text = text.strip()
    if not text:
        problems["text"] = "Skriv en kommentar."
    elif len(text) > MAX_TEXT:
        problems["text"] = f"Högst {MAX_TEXT} tecken."
    if question_id and question_id not in ruleset_for(assessment).by_id:
        problems["question_id"] = f"Okänd fråga {question_id}."
    parent = None
    if parent_id is not None:
        parent = db.session.get(ReviewComment, parent_id)
        if parent is None or parent.assessment_id != assessment.id:
            problems["parent_id"] = "Kommentaren du svarar på finns inte i den här bedömningen."
    if problems:
        raise ValidationFailed(*problems.values(), fields=problems)
    if actor.has_role(Role.REVIEWER) and actor.id not in authors_of(assessment):
        _start_review_if_submitted(assessment, actor)
    comment = ReviewComment(
        assessment_id=assessment.id,
        question_id=(parent.question_id if parent else question_id) or None,
        parent_id=parent.id if parent else None,
        author_id=actor.id,
        text=text,
    )
    db.session.add(comment)
    db.session.flush()
    record_event(
        actor,
        "comment",
        comment.id,
        "review.comment",
        None,
        {"question": comment.question_id, "text": text, "reply_to": comment.parent_id},
        assessment_id=assessment.id,
    )
    return comment


def _check_area(actor: User, area: str) -> ReviewArea:
    try:
        review_area = ReviewArea(area)
    except ValueError:
        raise ValidationFailed("Okänt granskningsområde.", fields={"area": "Okänt granskningsområde."}) from None
    if review_area not in actor.review_areas:
        raise PermissionDenied("Du granskar inte det området.")
    return review_area


def required_areas(evaluation: rules.Evaluation, ruleset: rules.RuleSet) -> list[ReviewArea]:
    """Return the review areas that have shown questions and so need an approval."""
    shown_areas = {ruleset.by_id[qid].area for qid, q in evaluation.questions.items() if q.shown}
    return [area for area, scope in REVIEW_SCOPE.items() if shown_areas & set(scope)]


def approvals_of(assessment: Assessment) -> list[AreaApproval]:
    """Return the approvals of the current submission round."""
    return approvals_by_assessment([assessment])[assessment.id]


def request_changes(assessment: Assessment, actor: User, area: str, reason: str) -> ChangeRequest:
    """Send the assessment back to the architect with a reason (what to fix)."""
    authorize(assessment, Action.REQUEST_CHANGES, actor)
    review_area = _check_area(actor, area)
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("Skriv vad som ska ändras.", fields={"reason": "Skriv vad som ska ändras."})
    if len(reason) > MAX_TEXT:
        raise ValidationFailed(f"Högst {MAX_TEXT} tecken.", fields={"reason": f"Högst {MAX_TEXT} tecken."})
    _start_review_if_submitted(assessment, actor)
    target = authorize(assessment, Action.REQUEST_CHANGES, actor)
    request = ChangeRequest(
        assessment_id=assessment.id,
        round=_current_round(assessment),
        area=review_area,
        reviewer_id=actor.id,
        reason=reason,
    )
    db.session.add(request)
    _move(assessment, target, actor, "request_changes", {"area": review_area.value, "reason": reason})
    return request


def approve_area(assessment: Assessment, actor: User, area: str, note: str = "") -> AreaApproval:
    """Approve one review area; when every required area is approved the assessment is reviewed."""
    authorize(assessment, Action.APPROVE_AREA, actor)
    review_area = _check_area(actor, area)
    evaluation = evaluation_with_overrides(assessment)
    needed = required_areas(evaluation, ruleset_for(assessment))
    if review_area not in needed:
        raise Conflict("Området har inga frågor som visas och behöver inte godkännas.")
    if any(a.area == review_area for a in approvals_of(assessment)):
        raise Conflict("Området är redan godkänt i den här granskningsomgången.")
    if len(note) > MAX_TEXT:
        raise ValidationFailed(f"Högst {MAX_TEXT} tecken.", fields={"note": f"Högst {MAX_TEXT} tecken."})
    _start_review_if_submitted(assessment, actor)
    approval = AreaApproval(
        assessment_id=assessment.id,
        round=_current_round(assessment),
        area=review_area,
        reviewer_id=actor.id,
        note=note.strip(),
    )
    db.session.add(approval)
    db.session.flush()
    record_event(
        actor,
        "approval",
        approval.id,
        "review.approve_area",
        None,
        {"area": review_area.value, "round": approval.round},
        assessment_id=assessment.id,
    )
    approved = {a.area for a in approvals_of(assessment)}
    if set(needed) <= approved:
        _move(assessment, S.REVIEWED, actor, "reviewed", {"areas": sorted(a.value for a in approved)})
    return approval


#: Which reviewer area may lift a knock-out in each rule-set area, and the kind of finding it records.
OVERRIDE_BY_AREA: dict[str, tuple[ReviewArea, OverrideKind]] = {
    "legal": (ReviewArea.LEGAL, OverrideKind.LEGAL),
    "context": (ReviewArea.INFOSEC, OverrideKind.TECHNICAL),
    "infosec": (ReviewArea.INFOSEC, OverrideKind.TECHNICAL),
    "patient_safety": (ReviewArea.PATIENT_SAFETY, OverrideKind.TECHNICAL),
}


def record_override(
    assessment: Assessment,
    actor: User,
    question_id: str,
    reference: str,
    author: str,
    finding_date: date | None,
    review_date: date | None,
) -> KnockoutOverride:
    """Lift a knock-out with a documented finding: legal counsel for legal questions, the area's reviewer else."""
    authorize(assessment, Action.OVERRIDE, actor)
    ruleset = ruleset_for(assessment)
    question = ruleset.by_id.get(question_id)
    if question is None:
        raise ValidationFailed(f"Okänd fråga {question_id}.", fields={"question_id": f"Okänd fråga {question_id}."})
    needed_area, kind = OVERRIDE_BY_AREA[question.area]
    if needed_area not in actor.review_areas:
        raise PermissionDenied(
            "Bara juristen kan häva en juridisk stoppträff."
            if question.area == "legal"
            else "Bara granskaren av frågans område kan häva stoppträffen."
        )
    problems: dict[str, str] = {}
    if not reference.strip():
        problems["reference"] = "Ange referens till det dokumenterade ställningstagandet (t.ex. PM-nummer)."
    if not author.strip():
        problems["author"] = "Ange vem som har skrivit ställningstagandet."
    if finding_date is None:
        problems["finding_date"] = "Ange ställningstagandets datum."
    if review_date is None:
        problems["review_date"] = "Ange när hävningen ska omprövas."
    elif finding_date is not None and review_date <= finding_date:
        problems["review_date"] = "Omprövningen måste ligga efter ställningstagandets datum."
    if len(reference) > 500 or len(author) > 200:
        problems["reference"] = "För lång text (referens högst 500, författare högst 200 tecken)."
    if problems:
        raise ValidationFailed(*problems.values(), fields=problems)
    if any(o.question_id == question_id for o in assessment.overrides):
        raise Conflict(f"Stoppträffen på {question_id} är redan hävd.")
    evaluation = evaluation_with_overrides(assessment)
    if evaluation.questions[question_id].outcome != "KO":
        raise Conflict(f"{question_id} är ingen stoppträff; bara en stoppträff kan hävas.")
    _start_review_if_submitted(assessment, actor)
    override = KnockoutOverride(
        assessment_id=assessment.id,
        question_id=question_id,
        kind=kind,
        reference=reference.strip(),
        author=author.strip(),
        finding_date=finding_date,
        review_date=review_date,
        recorded_by_id=actor.id,
    )
    assessment.overrides.append(override)
    db.session.flush()
    record_event(
        actor,
        "override",
        override.id,
        "review.override",
        {"outcome": "KO"},
        {
            "question": question_id,
            "kind": kind.value,
            "reference": override.reference,
            "author": override.author,
            "date": str(finding_date),
            "review_date": str(review_date),
        },
        assessment_id=assessment.id,
    )
    return override


def reopen(assessment: Assessment, actor: User) -> None:
    """Take an assessment with requested changes back to draft so the architect can fix it."""
    target = authorize(assessment, Action.REOPEN, actor)
    _move(assessment, target, actor, "reopen", {})


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


#: Writes the report of a just-built (not yet stored) record; returns (path under instance/, SHA-256 of the file).
ReportWriter = Callable[[Assessment, FrozenRecord], tuple[str, str]]


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
        raise ValidationFailed("Välj godkänn eller avslå.", fields={"outcome": "Välj godkänn eller avslå."}) from None
    if decision_outcome == DecisionOutcome.APPROVED and evaluation.verdict not in (
        "suitable",
        "suitable_with_conditions",
    ):
        raise Conflict(
            "Användningen kan bara godkännas när bedömningen är Lämplig eller Lämplig med villkor. "
            "Avslå, eller begär ändringar."
        )
    by_question = {c.question_id: c for c in conditions}
    to_set = conditions_to_set(evaluation) if decision_outcome == DecisionOutcome.APPROVED else []
    rows = []
    for qid, kind, mitigations in to_set:
        given = by_question.get(qid)
        prefix = f"cond_{qid}"
        owner = db.session.get(User, given.owner_id) if given and given.owner_id else None
        if owner is None or not owner.active:
            problems[f"{prefix}_owner"] = f"{qid}: välj en ansvarig."
        if given is None or given.deadline is None:
            problems[f"{prefix}_deadline"] = f"{qid}: ange ett datum för när villkoret ska vara uppfyllt."
        elif given.deadline < today:
            problems[f"{prefix}_deadline"] = f"{qid}: datumet har redan passerat."
        gate = None
        try:
            gate = Gate(given.gate) if given else None
        except ValueError:
            gate = None
        if gate is None:
            problems[f"{prefix}_gate"] = f"{qid}: välj när villkoret ska vara uppfyllt (grind)."
        elif gate == Gate.WITHIN_MONTHS and not (given and given.gate_months and 1 <= given.gate_months <= 120):
            problems[f"{prefix}_months"] = f"{qid}: ange antal månader (1–120)."
        if given is not None and owner is not None and gate is not None and given.deadline is not None:
            rows.append((qid, kind, mitigations, owner, given, gate))
    if decision_outcome == DecisionOutcome.APPROVED:
        if not residual_risks.strip():
            problems["residual_risks"] = "Beskriv de kvarstående risker du accepterar."
        if next_review is None:
            problems["next_review"] = "Ange datum för nästa omprövning."
        elif next_review <= today:
            problems["next_review"] = "Nästa omprövning måste ligga i framtiden."
    if len(residual_risks) > MAX_TEXT:
        problems["residual_risks"] = f"Högst {MAX_TEXT} tecken."
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
    _move(assessment, target, actor, "decide", {"outcome": decision_outcome.value, "verdict": evaluation.verdict})
    freeze_record(assessment, evaluation, write_report)
    return decision


def canonical_json(data: Any) -> str:
    """Return data as canonical JSON: sorted keys, no insignificant whitespace, UTF-8 characters kept."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def sha256_hex(text: str) -> str:
    """Return the SHA-256 of the UTF-8 text, in hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def build_record(assessment: Assessment, evaluation: rules.Evaluation | None = None) -> dict[str, Any]:
    """Return the whole decided record from the live tables, as plain JSON data."""
    evaluation = evaluation or evaluation_with_overrides(assessment)
    alternative = assessment.alternative
    decision = db.session.scalar(select(Decision).where(Decision.assessment_id == assessment.id))
    comments = db.session.scalars(
        select(ReviewComment).where(ReviewComment.assessment_id == assessment.id).order_by(ReviewComment.id)
    )
    approvals = db.session.scalars(
        select(AreaApproval).where(AreaApproval.assessment_id == assessment.id).order_by(AreaApproval.id)
    )
    requests = db.session.scalars(
        select(ChangeRequest).where(ChangeRequest.assessment_id == assessment.id).order_by(ChangeRequest.id)
    )
    conditions = db.session.scalars(
        select(DecisionCondition).where(DecisionCondition.assessment_id == assessment.id).order_by(DecisionCondition.id)
    )
    return {
        "format": "molnbedomning-record/1",
        "assessment": {
            "id": assessment.id,
            "scope": assessment.scope,
            "revision": assessment.revision,
            "revision_of": assessment.revision_of_id,
        },
        "case": {"id": alternative.case.id, "title": alternative.case.title},
        "alternative": {"id": alternative.id, "name": alternative.name},
        "ruleset": {
            "id": assessment.ruleset_id,
            "version": assessment.ruleset_version,
            "sha256": assessment.ruleset_sha256,
        },
        "answers": {a.question_id: answer_json(a) for a in sorted(assessment.answers, key=lambda a: a.question_id)},
        "evaluation": evaluation.to_dict(),
        "overrides": [
            {
                "question": o.question_id,
                "kind": o.kind.value,
                "reference": o.reference,
                "author": o.author,
                "date": o.finding_date.isoformat(),
                "review_date": o.review_date.isoformat(),
                "recorded_by": o.recorded_by.display_name,
                "recorded_at": o.recorded_at.isoformat(),
            }
            for o in assessment.overrides
        ],
        "comments": [
            {
                "id": c.id,
                "question": c.question_id,
                "reply_to": c.parent_id,
                "author": c.author.display_name,
                "at": c.created_at.isoformat(),
                "text": c.text,
            }
            for c in comments
        ],
        "change_requests": [
            {
                "round": r.round,
                "area": r.area.value,
                "reviewer": r.reviewer.display_name,
                "at": r.created_at.isoformat(),
                "reason": r.reason,
            }
            for r in requests
        ],
        "approvals": [
            {
                "round": a.round,
                "area": a.area.value,
                "reviewer": a.reviewer.display_name,
                "at": a.approved_at.isoformat(),
                "note": a.note,
            }
            for a in approvals
        ],
        "conditions": [
            {
                "question": c.question_id,
                "outcome": c.outcome,
                "mitigations": c.mitigations,
                "owner": c.owner.display_name,
                "deadline": c.deadline.isoformat(),
                "gate": c.gate.value,
                "gate_months": c.gate_months,
            }
            for c in conditions
        ],
        "decision": None
        if decision is None
        else {
            "outcome": decision.outcome.value,
            "by": decision.decided_by.display_name,
            "at": decision.decided_at.isoformat(),
            "verdict": decision.verdict,
            "worst_case": decision.worst_case,
            "residual_risks": decision.residual_risks,
            "next_review": decision.next_review.isoformat() if decision.next_review else None,
        },
    }


def freeze_record(
    assessment: Assessment, evaluation: rules.Evaluation | None = None, write_report: ReportWriter | None = None
) -> FrozenRecord:
    """Store the record as canonical JSON with its SHA-256, and the hash of its report when one is written.

    The report is written before the row is stored because the database refuses any later change to the row.
    """
    text = canonical_json(build_record(assessment, evaluation))
    record = FrozenRecord(assessment_id=assessment.id, canonical_json=text, sha256=sha256_hex(text))
    if write_report is not None:
        record.report_path, record.report_sha256 = write_report(assessment, record)
    db.session.add(record)
    db.session.flush()
    record_event(
        None,
        "record",
        record.id,
        "record.freeze",
        None,
        {"sha256": record.sha256, "report_sha256": record.report_sha256},
        assessment_id=assessment.id,
    )
    return record


def verify_records(instance: Path | None = None) -> list[str]:
    """Recompute every frozen record's hash, rebuild it from the live tables and check its stored report.

    Return every mismatch; the report file is checked when `instance` (the folder it lives under) is given.
    """
    from assess.services.assessments import get_assessment

    problems = []
    for record in db.session.scalars(select(FrozenRecord).order_by(FrozenRecord.id)):
        if instance is not None and record.report_path:
            _content, problem = read_report_file(instance, record.report_path, record.report_sha256 or "")
            if problem:
                problems.append(f"post {record.id} (bedömning {record.assessment_id}): {problem}")
        if sha256_hex(record.canonical_json) != record.sha256:
            problems.append(
                f"post {record.id} (bedömning {record.assessment_id}): den lagrade posten matchar inte "
                f"sin SHA-256 {record.sha256}"
            )
            continue
        stored = json.loads(record.canonical_json)
        live = json.loads(canonical_json(build_record(get_assessment(record.assessment_id), None)))
        if live != stored:
            changed = sorted(k for k in set(stored) | set(live) if stored.get(k) != live.get(k))
            problems.append(
                f"post {record.id} (bedömning {record.assessment_id}): databasen har ändrats efter "
                f"beslutet ({', '.join(changed)})"
            )
    return problems


def read_report_file(instance: Path, relative: str, expected: str) -> tuple[bytes | None, str | None]:
    """Return (content, None) when the stored report exists under instance and matches its SHA-256, else (None, why)."""
    base = instance.resolve()
    path = (base / relative).resolve()
    if not path.is_relative_to(base) or not path.is_file():
        return None, f"den lagrade rapporten {relative} saknas"
    content = path.read_bytes()
    if hashlib.sha256(content).hexdigest() != expected:
        return None, f"den lagrade rapporten {relative} matchar inte sin SHA-256 {expected}"
    return content, None


def revise(assessment: Assessment, actor: User) -> Assessment:
    """Make a new draft revision of a decided assessment (a copy of its answers); the old one is superseded."""
    target = authorize(assessment, Action.REVISE, actor)
    new = Assessment(
        alternative_id=assessment.alternative_id,
        scope=assessment.scope,
        scope_description=assessment.scope_description,
        position=assessment.position,
        revision=assessment.revision + 1,
        revision_of_id=assessment.id,
        ruleset_id=assessment.ruleset_id,
        ruleset_version=assessment.ruleset_version,
        ruleset_sha256=assessment.ruleset_sha256,
        owner_id=actor.id,
    )
    db.session.add(new)
    db.session.flush()
    for a in assessment.answers:
        db.session.add(
            Answer(
                assessment_id=new.id,
                question_id=a.question_id,
                value=a.value,
                evidence=a.evidence,
                motivation=a.motivation,
                evidence_ref=a.evidence_ref,
                unknown_owner=a.unknown_owner,
                unknown_due=a.unknown_due,
                changed_in_version=1,
                updated_by_id=a.updated_by_id,
            )
        )
    _move(assessment, target, actor, "supersede", {"new_revision": new.id})
    record_event(
        actor,
        "assessment",
        new.id,
        "assessment.revise",
        None,
        {"revision_of": assessment.id, "revision": new.revision},
        assessment_id=new.id,
    )
    return new


def fulfil_condition(condition: DecisionCondition, actor: User, note: str, evidence: str) -> DecisionCondition:
    """Mark a condition fulfilled, with a note and evidence (follow-up; the frozen record is not changed)."""
    if condition.fulfilled:
        raise Conflict("Villkoret är redan markerat som uppfyllt.")
    if actor.id != condition.owner_id and not actor.has_role(Role.ADMIN, Role.DECISION_MAKER):
        raise PermissionDenied("Bara villkorets ansvarige, en beslutsfattare eller en administratör kan markera det.")
    problems = {}
    if not note.strip():
        problems["note"] = "Beskriv hur villkoret är uppfyllt."
    if len(note) > MAX_TEXT:
        problems["note"] = f"Högst {MAX_TEXT} tecken."
    if len(evidence) > 500:
        problems["evidence"] = "Högst 500 tecken."
    if problems:
        raise ValidationFailed(*problems.values(), fields=problems)
    condition.fulfilled = True
    condition.fulfilled_at = utcnow()
    condition.fulfilled_by_id = actor.id
    condition.fulfilled_note = note.strip()
    condition.fulfilled_evidence = evidence.strip()
    db.session.flush()
    record_event(
        actor,
        "condition",
        condition.id,
        "condition.fulfil",
        {"fulfilled": False},
        {
            "fulfilled": True,
            "question": condition.question_id,
            "note": condition.fulfilled_note,
            "evidence": condition.fulfilled_evidence,
        },
        assessment_id=condition.assessment_id,
    )
    return condition


def get_condition(condition_id: int) -> DecisionCondition:
    """Return a decision condition or raise NotFound."""
    condition = db.session.get(DecisionCondition, condition_id)
    if condition is None:
        raise NotFound(f"Villkor {condition_id} finns inte.")
    return condition


def overdue_assessment_ids(today: date) -> set[int]:
    """Return the ids of assessments with a condition past its deadline and not fulfilled."""
    query = (
        select(DecisionCondition.assessment_id)
        .where(DecisionCondition.fulfilled.is_(False), DecisionCondition.deadline < today)
        .distinct()
    )
    return set(db.session.scalars(query))
