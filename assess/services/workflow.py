"""The review workflow's state machine: one transition table, who may act, four-eyes, submit, reopen, revise."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select

import rules
from assess.extensions import db
from assess.i18n import N_, _
from assess.models import (
    Answer,
    AreaApproval,
    Assessment,
    AssessmentStatus,
    AuditEvent,
    ReassessmentFlag,
    ReviewArea,
    Role,
    Submission,
    User,
)
from assess.models.types import utcnow
from assess.services import authorship, notifications
from assess.services.audit import record_event
from assess.services.errors import Conflict, PermissionDenied, ValidationFailed
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


#: What each action is, as the refusals name it ("you may not <label>"): marked for the catalogue, translated
#: when a refusal is made.
ACTION_LABELS = {
    Action.SUBMIT: N_("skicka in"),
    Action.START_REVIEW: N_("påbörja granskning"),
    Action.COMMENT: N_("kommentera"),
    Action.REQUEST_CHANGES: N_("begära ändringar"),
    Action.APPROVE_AREA: N_("godkänna ett område"),
    Action.OVERRIDE: N_("häva en stoppträff"),
    Action.REOPEN: N_("återuppta arbetet"),
    Action.DECIDE: N_("besluta"),
    Action.REVISE: N_("skapa en ny revision"),
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
    """Return authors_of for many assessments in one query: the owner and everyone who saved an answer."""
    items = list(assessments)
    saved = authorship.authors(a.id for a in items)
    return {a.id: ({a.owner_id} if a.owner_id else set()) | set(saved[a.id]) for a in items}


def answered_areas(assessment: Assessment) -> dict[int, set[str]]:
    """Return, per user who saved answers of the assessment, the rule-set areas of the questions they saved."""
    return answered_areas_by_assessment([assessment])[assessment.id]


def answered_areas_by_assessment(assessments: Iterable[Assessment]) -> dict[int, dict[int, set[str]]]:
    """Return answered_areas for many assessments in one query (the author rows, not the answers)."""
    items = list(assessments)
    saved = authorship.authors(a.id for a in items)
    result: dict[int, dict[int, set[str]]] = {}
    for a in items:
        ruleset = ruleset_for(a)
        result[a.id] = {
            user_id: {ruleset.by_id[q].area for q in questions if q in ruleset.by_id}
            for user_id, questions in saved[a.id].items()
        }
    return result


def is_full_author(assessment: Assessment, user: User, answered: dict[int, set[str]] | None = None) -> bool:
    """Tell whether the user wrote the assessment: its owner, or an architect or admin who saved an answer.

    Someone else who answered questions assigned to them (a reviewer answering the legal questions that are
    hers) is an author only of those questions' areas: see `blocked_areas`.
    """
    if user.id == assessment.owner_id:
        return True
    answered = answered_areas(assessment) if answered is None else answered
    return user.id in answered and user.has_role(Role.ARCHITECT, Role.ADMIN)


def blocked_areas(assessment: Assessment, user: User, answered: dict[int, set[str]] | None = None) -> set[ReviewArea]:
    """Return the review areas the user may not approve (four-eyes): every area for a full author, else the
    areas whose questions the user answered."""
    answered = answered_areas(assessment) if answered is None else answered
    if is_full_author(assessment, user, answered):
        return set(ReviewArea)
    mine = answered.get(user.id, set())
    return {area for area, scope in REVIEW_SCOPE.items() if mine & set(scope)}


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


def authorize(assessment: Assessment, action: Action, actor: User, area: ReviewArea | None = None) -> AssessmentStatus:
    """Return the state after the action, or raise PermissionDenied (403) or InvalidTransition (409).

    Four-eyes: the owner and the architects who edited review and decide nothing; someone who answered questions
    assigned to them decides nothing and approves (or lifts knock-outs in) no area whose questions they
    answered — `area` names the area for APPROVE_AREA and OVERRIDE (without it only the full-author rule is
    checked; the pages show per area what is blocked, `blocked_areas`).
    """
    if not actor.has_role(*ACTION_ROLES[action]):
        roles = ", ".join(sorted(r.value for r in ACTION_ROLES[action]))
        raise PermissionDenied(
            _(
                "Du saknar behörighet att %(action)s (kräver rollen %(roles)s).",
                action=_(ACTION_LABELS[action]),
                roles=roles,
            )
        )
    state = assessment.status
    if action in STARTS_REVIEW and state == S.SUBMITTED:
        state = S.IN_REVIEW
    target = TRANSITIONS.get((state, action))
    if target is None:
        raise InvalidTransition(
            _(
                "Det går inte att %(action)s när bedömningen har status '%(status)s'.",
                action=_(ACTION_LABELS[action]),
                status=_status_label(assessment.status),
            )
        )
    if action == Action.SUBMIT and assessment.owner_id != actor.id and not actor.has_role(Role.ADMIN):
        raise PermissionDenied(_("Bara bedömningens ansvariga arkitekt kan skicka in den."))
    if action in FOUR_EYES:
        answered = answered_areas(assessment)
        if is_full_author(assessment, actor, answered) or (action == Action.DECIDE and actor.id in answered):
            raise PermissionDenied(
                _(
                    "Fyra ögon: du har skrivit eller ändrat den här bedömningen och kan därför inte granska "
                    "eller besluta om den."
                )
            )
        if action in (Action.APPROVE_AREA, Action.OVERRIDE):
            blocked = blocked_areas(assessment, actor, answered)
            if area is not None and area in blocked:
                raise PermissionDenied(
                    _(
                        "Fyra ögon: du har själv besvarat frågor i området %(area)s och kan därför inte godkänna "
                        "det. En annan granskare av området måste göra det.",
                        area=_area_label(area),
                    )
                )
    return target


def _area_label(area: ReviewArea) -> str:
    from assess.labels import REVIEW_AREA

    return REVIEW_AREA[area]


def _status_label(status: AssessmentStatus) -> str:
    from assess.labels import STATUS

    return STATUS[status]


def move(assessment: Assessment, target: AssessmentStatus, actor: User, action: str, extra: dict[str, Any]) -> None:
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
    notifications.on_transition(assessment, action, target, actor)  # mailed after the commit, dropped on rollback


def current_round(assessment: Assessment) -> int:
    return int(
        db.session.scalar(select(func.max(Submission.round)).where(Submission.assessment_id == assessment.id)) or 0
    )


def evaluation_with_overrides(assessment: Assessment) -> rules.Evaluation:
    """Evaluate the assessment's answers with its recorded overrides."""
    return evaluate_assessment(assessment)


def submit(assessment: Assessment, actor: User) -> Submission:
    """Submit for review once every shown question has an answer; store a snapshot."""
    target = authorize(assessment, Action.SUBMIT, actor)
    evaluation = evaluation_with_overrides(assessment)
    answered = {a.question_id for a in assessment.answers if a.value not in (None, "")}
    missing = [qid for qid, q in evaluation.questions.items() if q.shown and qid not in answered]
    if missing:
        raise ValidationFailed(
            _(
                "Alla frågor som visas måste besvaras innan bedömningen skickas in (Okänt räknas som ett svar). "
                "Obesvarade: %(questions)s.",
                questions=", ".join(missing),
            )
        )
    ruleset = ruleset_for(assessment)
    submission = Submission(
        assessment_id=assessment.id,
        round=current_round(assessment) + 1,
        submitted_by_id=actor.id,
        ruleset=ruleset.pin(),
        answers={a.question_id: answer_json(a) for a in assessment.answers},
        evaluation=evaluation.to_dict(),
    )
    db.session.add(submission)
    move(assessment, target, actor, "submit", {"round": submission.round, "verdict": evaluation.verdict})
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


def required_areas(evaluation: rules.Evaluation, ruleset: rules.RuleSet) -> list[ReviewArea]:
    """Return the review areas that have shown questions and so need an approval."""
    shown_areas = {ruleset.by_id[qid].area for qid, q in evaluation.questions.items() if q.shown}
    return [area for area, scope in REVIEW_SCOPE.items() if shown_areas & set(scope)]


def approvals_of(assessment: Assessment) -> list[AreaApproval]:
    """Return the approvals of the current submission round."""
    return approvals_by_assessment([assessment])[assessment.id]


def reopen(assessment: Assessment, actor: User) -> None:
    """Take an assessment with requested changes back to draft so the architect can fix it."""
    target = authorize(assessment, Action.REOPEN, actor)
    move(assessment, target, actor, "reopen", {})


def revise(assessment: Assessment, actor: User, reason: str) -> Assessment:
    """Make a new draft revision of a decided assessment (a copy of its answers); the old one is superseded.

    The reason is required; it is recorded in both audit events (the old revision's and the new one's), and
    the pages read it from there (`revision_reasons`). The old decision stays what is decided for the module
    until the new revision is decided (the case page and the comparison show it beside the one in progress).
    """
    target = authorize(assessment, Action.REVISE, actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Ange varför en ny revision behövs."), fields={"reason": _("Ange varför en ny revision behövs.")}
        )
    if len(reason) > MAX_TEXT:
        message = _("Högst %(max)s tecken.", max=MAX_TEXT)
        raise ValidationFailed(message, fields={"reason": message})
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
    # A new revision is the re-assessment: any "Omprövning krävs" of the old one is handled by it.
    for flag in db.session.scalars(
        select(ReassessmentFlag).where(
            ReassessmentFlag.assessment_id == assessment.id, ReassessmentFlag.resolved_at.is_(None)
        )
    ):
        flag.resolved_at, flag.resolved_by_id, flag.revision_id = utcnow(), actor.id, new.id
    move(assessment, target, actor, "supersede", {"new_revision": new.id, "reason": reason})
    record_event(
        actor,
        "assessment",
        new.id,
        "assessment.revise",
        None,
        {"revision_of": assessment.id, "revision": new.revision, "reason": reason},
        assessment_id=new.id,
    )
    return new


def revisions_of(assessment: Assessment) -> list[Assessment]:
    """Return every revision of the assessment's module (its alternative and scope), oldest first."""
    query = (
        select(Assessment)
        .where(Assessment.alternative_id == assessment.alternative_id, Assessment.scope == assessment.scope)
        .order_by(Assessment.revision, Assessment.id)
    )
    return list(db.session.scalars(query))


def revision_reasons(assessment_ids: Iterable[int]) -> dict[int, str]:
    """Return why each of these revisions was made (from its "assessment.revise" audit event), by id."""
    ids = list(assessment_ids)
    if not ids:
        return {}
    query = (
        select(AuditEvent.entity_id, AuditEvent.after)
        .where(
            AuditEvent.action == "assessment.revise",
            AuditEvent.entity_type == "assessment",
            AuditEvent.entity_id.in_(ids),
        )
        .order_by(AuditEvent.id)
    )
    result: dict[int, str] = {}
    for entity_id, after in db.session.execute(query):
        reason = after.get("reason") if isinstance(after, dict) else None
        if entity_id is not None and isinstance(reason, str) and reason:
            result[entity_id] = reason
    return result
