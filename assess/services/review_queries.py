"""What the review, record, history and task pages show, and the decision with its stored report.

Everything here reads, except `decide_and_store`, which joins the decision to the report service
(workflow cannot import reports: reports builds on workflow's record).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import String, cast, select
from sqlalchemy.orm import joinedload, selectinload

import rules
from assess.extensions import db
from assess.i18n import _
from assess.models import (
    Alternative,
    Answer,
    AreaApproval,
    Assessment,
    AssessmentStatus,
    AuditEvent,
    ChangeRequest,
    Decision,
    DecisionCondition,
    FrozenRecord,
    ReviewArea,
    ReviewComment,
    Role,
    Submission,
    User,
)
from assess.models.types import utcnow
from assess.services import decisions, records, reports, workflow
from assess.services import review as review_service
from assess.services.assessments import get_assessment
from assess.services.errors import DomainError, NotFound
from assess.services.evaluation import ruleset_for

S = AssessmentStatus


@dataclass
class ReviewPage:
    """Everything the review page shows for one assessment and one user."""

    assessment: Assessment
    ruleset: rules.RuleSet
    evaluation: rules.Evaluation
    allowed: dict[str, bool]
    required_areas: list[ReviewArea]
    approvals: dict[ReviewArea, AreaApproval]
    change_requests: list[ChangeRequest]
    comments: dict[str | None, list[ReviewComment]]
    knockouts_i_can_lift: list[str]
    decision: Decision | None
    conditions: list[DecisionCondition]
    to_set: list[tuple[str, str, tuple[str, ...]]]
    users: list[User]
    record: FrozenRecord | None
    submission: Submission | None
    overdue: bool
    author: bool
    my_areas: list[ReviewArea] = field(default_factory=list)
    #: The shown questions of each review area, in catalogue order (what each reviewer reviews).
    area_questions: dict[ReviewArea, list[str]] = field(default_factory=dict)
    #: The stored answer of each question, by id.
    answers: dict[str, Answer] = field(default_factory=dict)


def _allowed(assessment: Assessment, user: User) -> dict[str, bool]:
    allowed = {}
    for action in workflow.Action:
        try:
            workflow.authorize(assessment, action, user)
        except DomainError:
            allowed[action.value] = False
        else:
            allowed[action.value] = True
    return allowed


def review_page(assessment_id: int, user: User, today: date) -> ReviewPage:
    """Load the assessment with its review history and work out what this user may do."""
    assessment = get_assessment(assessment_id)
    ruleset = ruleset_for(assessment)
    evaluation = workflow.evaluation_with_overrides(assessment)
    comments: dict[str | None, list[ReviewComment]] = {}
    query = (
        select(ReviewComment)
        .where(ReviewComment.assessment_id == assessment.id)
        .options(joinedload(ReviewComment.author))
        .order_by(ReviewComment.id)
    )
    for comment in db.session.scalars(query):
        comments.setdefault(comment.question_id, []).append(comment)
    decision = db.session.scalar(
        select(Decision).where(Decision.assessment_id == assessment.id).options(joinedload(Decision.decided_by))
    )
    conditions = list(
        db.session.scalars(
            select(DecisionCondition)
            .where(DecisionCondition.assessment_id == assessment.id)
            .options(joinedload(DecisionCondition.owner))
            .order_by(DecisionCondition.id)
        )
    )
    requests = list(
        db.session.scalars(
            select(ChangeRequest)
            .where(ChangeRequest.assessment_id == assessment.id)
            .options(joinedload(ChangeRequest.reviewer))
            .order_by(ChangeRequest.id.desc())
        )
    )
    allowed = _allowed(assessment, user)
    lift = []
    if allowed["override"]:
        for qid in evaluation.knockouts:
            area, _kind = review_service.OVERRIDE_BY_AREA[ruleset.by_id[qid].area]
            if area in user.review_areas:
                lift.append(qid)
    submission = db.session.scalar(
        select(Submission).where(Submission.assessment_id == assessment.id).order_by(Submission.round.desc()).limit(1)
    )
    authors = workflow.authors_of(assessment)
    return ReviewPage(
        assessment=assessment,
        ruleset=ruleset,
        evaluation=evaluation,
        allowed=allowed,
        required_areas=workflow.required_areas(evaluation, ruleset),
        approvals={a.area: a for a in workflow.approvals_of(assessment)},
        change_requests=requests,
        comments=comments,
        knockouts_i_can_lift=lift,
        decision=decision,
        conditions=conditions,
        to_set=decisions.conditions_to_set(evaluation),
        users=list(db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.display_name))),
        record=db.session.scalar(select(FrozenRecord).where(FrozenRecord.assessment_id == assessment.id)),
        submission=submission,
        overdue=any(c.overdue(today) for c in conditions),
        author=user.id in authors,
        my_areas=[a for a in ReviewArea if a in user.review_areas],
        area_questions={
            area: [
                qid
                for qid, q in evaluation.questions.items()
                if q.shown and ruleset.by_id[qid].area in workflow.REVIEW_SCOPE[area]
            ]
            for area in ReviewArea
        },
        answers={a.question_id: a for a in assessment.answers},
    )


def decide_and_store(
    assessment: Assessment,
    actor: User,
    outcome: str,
    residual_risks: str,
    next_review: date | None,
    conditions: list[decisions.ConditionInput],
    today: date,
) -> Decision:
    """Decide and freeze the record, with its report rendered once and stored in the record's row."""

    def write(a: Assessment, record: FrozenRecord) -> bytes:
        return reports.render_record_report(a, record, utcnow())

    return decisions.decide(assessment, actor, outcome, residual_risks, next_review, conditions, today, write)


def record_page(assessment_id: int) -> dict[str, Any]:
    """Return the frozen record of a decided assessment, as stored (never re-scored)."""
    assessment = get_assessment(assessment_id)
    record = db.session.scalar(select(FrozenRecord).where(FrozenRecord.assessment_id == assessment_id))
    if record is None:
        raise NotFound(_("Bedömningen har ingen fryst beslutspost ännu (den skapas vid beslut)."))
    data = json.loads(record.canonical_json)
    return {
        "a": assessment,
        "record": record,
        "data": data,
        "ruleset": ruleset_for(assessment),
        "intact": records.sha256_hex(record.canonical_json) == record.sha256,
        "content_sha256": records.content_sha256(data),
    }


def history(assessment_id: int) -> tuple[Assessment, list[AuditEvent]]:
    """Return the assessment and its audit events, oldest first."""
    assessment = get_assessment(assessment_id)
    events = list(
        db.session.scalars(select(AuditEvent).where(AuditEvent.assessment_id == assessment_id).order_by(AuditEvent.id))
    )
    return assessment, events


@dataclass
class Tasks:
    """A user's follow-up: what waits for them."""

    to_review: list[tuple[Assessment, list[ReviewArea]]]
    to_decide: list[Assessment]
    changes_requested: list[Assessment]
    drafts: list[Assessment]
    unknowns: list[Answer]
    conditions: list[DecisionCondition]
    overdue_ids: set[int]


def my_tasks(user: User, today: date) -> Tasks:
    """Return the assessments waiting for the user's review or decision, their unknowns and conditions."""
    load = [
        joinedload(Assessment.alternative).joinedload(Alternative.case),
        selectinload(Assessment.answers),
        selectinload(Assessment.overrides),
    ]
    open_states = [S.SUBMITTED, S.IN_REVIEW]
    to_review: list[tuple[Assessment, list[ReviewArea]]] = []
    if user.has_role(Role.REVIEWER):
        waiting_review = list(
            db.session.scalars(select(Assessment).where(Assessment.status.in_(open_states)).options(*load))
        )
        authors = workflow.authors_by_assessment(waiting_review)
        approvals = workflow.approvals_by_assessment(waiting_review)
        for a in waiting_review:
            if user.id in authors[a.id]:
                continue
            evaluation = workflow.evaluation_with_overrides(a)
            approved = {x.area for x in approvals[a.id]}
            waiting = [
                area
                for area in workflow.required_areas(evaluation, ruleset_for(a))
                if area in user.review_areas and area not in approved
            ]
            if waiting:
                to_review.append((a, waiting))
    to_decide = []
    if user.has_role(Role.DECISION_MAKER):
        reviewed = list(db.session.scalars(select(Assessment).where(Assessment.status == S.REVIEWED).options(*load)))
        decided_by_authors = workflow.authors_by_assessment(reviewed)
        to_decide = [a for a in reviewed if user.id not in decided_by_authors[a.id]]
    mine = list(
        db.session.scalars(
            select(Assessment)
            .where(Assessment.owner_id == user.id, Assessment.status.in_([S.DRAFT, S.CHANGES_REQUESTED]))
            .options(*load)
        )
    )
    # "Who will find out" is free text: match it to the user in Python, since SQLite's lower() folds ASCII only
    # (Örjan would never find his own unknowns). The query keeps to open unknowns that name someone.
    names = {user.username.casefold(), user.display_name.casefold()}
    named_unknowns = db.session.scalars(
        select(Answer)
        .join(Assessment)
        .where(
            cast(Answer.value, String) == '"unknown"',
            Answer.unknown_owner != "",
            Assessment.status.notin_([S.DECIDED, S.SUPERSEDED]),
        )
        .options(joinedload(Answer.assessment).joinedload(Assessment.alternative))
        .order_by(Answer.unknown_due)
    )
    unknowns = [u for u in named_unknowns if u.unknown_owner.strip().casefold() in names]
    conditions = list(
        db.session.scalars(
            select(DecisionCondition)
            .where(DecisionCondition.owner_id == user.id)
            .options(joinedload(DecisionCondition.assessment).joinedload(Assessment.alternative))
            .order_by(DecisionCondition.fulfilled, DecisionCondition.deadline)
        )
    )
    return Tasks(
        to_review=to_review,
        to_decide=to_decide,
        changes_requested=[a for a in mine if a.status == S.CHANGES_REQUESTED],
        drafts=[a for a in mine if a.status == S.DRAFT],
        unknowns=unknowns,
        conditions=conditions,
        overdue_ids=decisions.overdue_assessment_ids(today),
    )
