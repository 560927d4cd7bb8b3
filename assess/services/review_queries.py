"""What the review, record, history and task pages show, and the decision with its stored report.

Everything here reads, except `decide_and_store`, which joins the decision to the report service
(workflow cannot import reports: reports builds on workflow's record).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

import rules
from assess.extensions import db
from assess.i18n import _, text
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
    Submission,
    User,
)
from assess.models.types import utcnow

if TYPE_CHECKING:
    from assess.services.tasks import TaskFilter, Tasks
from assess.services import decisions, records, reports, workflow
from assess.services import review as review_service
from assess.services import team as team_service
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
    #: The review areas this user may not approve (four-eyes: they answered questions of the area).
    blocked_areas: set[ReviewArea] = field(default_factory=set)
    #: Who finds out each open question (picked, or the case team's default; None: nobody).
    assignees: dict[str, Any] = field(default_factory=dict)
    #: Who can own a condition (the decision form's choices); None when the page offers no decision.
    owners: decisions.OwnerChoices | None = None
    #: Per condition: what this user may do with it (decisions.CLAIM, VERIFY, SEND_BACK).
    condition_actions: dict[int, frozenset[str]] = field(default_factory=dict)


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
    conditions = decisions.conditions_of(assessment.id)
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
    answered = workflow.answered_areas(assessment)
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
        author=workflow.is_full_author(assessment, user, answered),
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
        blocked_areas=workflow.blocked_areas(assessment, user, answered),
        assignees=_assignees(assessment, ruleset, evaluation),
        owners=decisions.owner_choices(assessment) if decision is None and allowed["decide"] else None,
        condition_actions=decisions.condition_actions(conditions, user),
    )


def _assignees(assessment: Assessment, ruleset: rules.RuleSet, evaluation: rules.Evaluation) -> dict[str, Any]:
    team = team_service.team_of(assessment.alternative.case)
    stored = {a.question_id: a for a in assessment.answers}
    return {
        qid: team.assignee(stored.get(qid), ruleset.by_id[qid], assessment)
        for qid in [*evaluation.blocking_unknowns, *evaluation.nonblocking_unknowns]
    }


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


#: Events per page of an assessment's history.
HISTORY_PAGE = 100


class HistoryEvent(NamedTuple):
    """What the history page shows of an audit event (selected as columns: not its hash chain, not an object)."""

    at: datetime
    actor_id: int | None
    actor_name: str
    action: str
    before: Any
    after: Any


@dataclass(frozen=True)
class HistoryPage:
    """One page of an assessment's audit events, oldest first, with where it sits among them."""

    events: list[HistoryEvent]
    total: int
    page: int
    size: int = HISTORY_PAGE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def first(self) -> int:
        """Return the number of the page's first event (1-based)."""
        return (self.page - 1) * self.size + 1


def history(assessment_id: int, page: int = 1) -> tuple[Assessment, HistoryPage]:
    """Return the assessment and one page of its audit events, oldest first (counted in SQL)."""
    assessment = get_assessment(assessment_id, answers=False)
    where = AuditEvent.assessment_id == assessment_id
    total = db.session.scalar(select(func.count(AuditEvent.id)).where(where)) or 0
    page = min(max(1, page), max(1, -(-total // HISTORY_PAGE)))
    shown = (AuditEvent.at, AuditEvent.actor_id, AuditEvent.actor_name, AuditEvent.action)
    query = (
        select(*shown, AuditEvent.before, AuditEvent.after)
        .where(where)
        .order_by(AuditEvent.id)
        .limit(HISTORY_PAGE)
        .offset((page - 1) * HISTORY_PAGE)
    )
    events = [HistoryEvent(*row) for row in db.session.execute(query)]
    return assessment, HistoryPage(events, total, page, HISTORY_PAGE)


@dataclass(frozen=True)
class OpenQuestion:
    """An open question someone is to find out: picked for them, or theirs through the case team's default."""

    answer: Answer
    title: str
    by_default: bool

    @property
    def assessment(self) -> Assessment:
        return self.answer.assessment

    @property
    def question_id(self) -> str:
        return self.answer.question_id

    @property
    def assessment_id(self) -> int:
        return self.answer.assessment_id

    @property
    def unknown_due(self) -> date | None:
        return self.answer.unknown_due

    @property
    def area(self) -> str:
        return ruleset_for(self.answer.assessment).by_id[self.answer.question_id].area


def my_open_questions(user: User) -> list[OpenQuestion]:
    """Return every open question of open assessments that is the user's to find out, earliest due first.

    The user's own assignments by id, and the team's defaults (tasks.open_questions_query); *Mina uppgifter*
    pages the same query (tasks.open_questions).
    """
    from assess.services.tasks import open_questions_query

    load = joinedload(Answer.assessment).joinedload(Assessment.alternative).joinedload(Alternative.case)
    rows = db.session.scalars(open_questions_query(user).options(load))
    return [OpenQuestion(a, _question_title(a), a.assignee_user_id != user.id) for a in rows]


def question_title(answer: Answer) -> str:
    """Return the question's title in the reader's language (its id when the rule set has no such question)."""
    return _question_title(answer)


def _question_title(answer: Answer) -> str:
    question = ruleset_for(answer.assessment).by_id.get(answer.question_id)
    return text(question.title) if question is not None else answer.question_id


def my_tasks(user: User, today: date, pages: dict[str, int] | None = None, wanted: TaskFilter | None = None) -> Tasks:
    """Return what waits for the user, one page of each list, narrowed as `wanted` says (services/tasks.py)."""
    from assess.services.tasks import my_tasks as tasks_of

    return tasks_of(user, today, pages, wanted)
