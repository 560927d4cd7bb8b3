"""What the review, record, history and task pages show, and the decision with its stored report.

Everything here reads, except `decide_and_store`, which joins the decision to the report service
(workflow cannot import reports: reports builds on workflow's record).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import String, cast, or_, select
from sqlalchemy.orm import joinedload, selectinload

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
    CaseMember,
    ChangeRequest,
    Decision,
    DecisionCondition,
    FrozenRecord,
    ReviewArea,
    ReviewComment,
    Role,
    Submission,
    TeamRole,
    User,
)
from assess.models.types import utcnow
from assess.rulesets import registry
from assess.services import decisions, reassessment, records, reports, workflow
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


def history(assessment_id: int) -> tuple[Assessment, list[AuditEvent]]:
    """Return the assessment and its audit events, oldest first."""
    assessment = get_assessment(assessment_id)
    events = list(
        db.session.scalars(select(AuditEvent).where(AuditEvent.assessment_id == assessment_id).order_by(AuditEvent.id))
    )
    return assessment, events


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
    """Return the open questions of open assessments that are the user's to find out, earliest due first.

    Picked for the user (by id, with an index), or, when nobody is picked and no free text was written before
    assignees were picked, the user's through the case team: the team's first legal reviewer for the rule
    set's legal questions, the assessment's architect for the region's (team.Team.default).
    """
    open_value = or_(Answer.value.is_(None), cast(Answer.value, String).in_(["null", '"unknown"']))
    load = joinedload(Answer.assessment).joinedload(Assessment.alternative).joinedload(Alternative.case)
    open_states = [s for s in team_service.OPEN_STATES]
    picked = list(
        db.session.scalars(
            select(Answer)
            .join(Assessment)
            .where(Answer.assignee_user_id == user.id, open_value, Assessment.status.in_(open_states))
            .options(load)
        )
    )
    result = [OpenQuestion(a, _question_title(a), False) for a in picked if a.value is None or a.value == "unknown"]
    memberships = list(db.session.scalars(select(CaseMember).where(CaseMember.user_id == user.id)))
    by_case: dict[int, set[TeamRole]] = {}
    for m in memberships:
        by_case.setdefault(m.case_id, set()).add(m.role)
    kinds = {k for k, role in team_service.ANSWERED_BY_ROLE.items() if any(role in r for r in by_case.values())}
    if user.has_role(Role.ARCHITECT, Role.ADMIN):
        kinds.add("region")  # the assessment's own architect answers the region's questions by default
    qids = {qid for ruleset in registry().all() for qid, q in ruleset.by_id.items() if q.answered_by in kinds}
    if qids:
        candidates = list(
            db.session.scalars(
                select(Answer)
                .join(Assessment)
                .join(Alternative, Alternative.id == Assessment.alternative_id)
                .where(
                    Answer.assignee_user_id.is_(None),
                    Answer.assignee_contact_id.is_(None),
                    Answer.unknown_owner == "",
                    cast(Answer.value, String) == '"unknown"',
                    Answer.question_id.in_(sorted(qids)),
                    Assessment.status.in_(open_states),
                    or_(Alternative.case_id.in_(sorted(by_case)), Assessment.owner_id == user.id),
                )
                .options(load)
            )
        )
        teams: dict[int, team_service.Team] = {}
        for a in candidates:
            case = a.assessment.alternative.case
            if case.id not in teams:
                teams[case.id] = team_service.team_of(case)
            question = ruleset_for(a.assessment).by_id.get(a.question_id)
            who = teams[case.id].default(question, a.assessment) if question is not None else None
            if who is not None and who.user_id == user.id:
                result.append(OpenQuestion(a, _question_title(a), True))
    result.sort(key=lambda o: (o.unknown_due is None, o.unknown_due or date.max, o.assessment_id, o.question_id))
    return result


def _question_title(answer: Answer) -> str:
    question = ruleset_for(answer.assessment).by_id.get(answer.question_id)
    return text(question.title) if question is not None else answer.question_id


@dataclass
class Tasks:
    """A user's follow-up: what waits for them."""

    to_review: list[tuple[Assessment, list[ReviewArea]]]
    to_decide: list[Assessment]
    changes_requested: list[Assessment]
    drafts: list[Assessment]
    #: The open questions (unknown, or unanswered with someone picked) that are the user's to find out.
    unknowns: list[OpenQuestion]
    #: The conditions the user owns.
    conditions: list[DecisionCondition]
    overdue_ids: set[int]
    #: The claimed conditions that wait for this user's verification (their area's, or any for a decision maker).
    to_verify: list[DecisionCondition] = field(default_factory=list)
    #: The open conditions owned by a contact (no account) that this user may claim on the contact's behalf.
    for_contacts: list[DecisionCondition] = field(default_factory=list)
    #: Per condition listed: what this user may do with it (decisions.CLAIM, VERIFY, SEND_BACK).
    condition_actions: dict[int, frozenset[str]] = field(default_factory=dict)
    #: Decided assessments flagged *Omprövning krävs* that are this user's (architect or decision maker), with why.
    to_reassess: list[tuple[Assessment, list[str]]] = field(default_factory=list)


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
        approvals = workflow.approvals_by_assessment(waiting_review)
        answered = workflow.answered_areas_by_assessment(waiting_review)
        for a in waiting_review:
            blocked = workflow.blocked_areas(a, user, answered[a.id])
            if blocked == set(ReviewArea):
                continue
            evaluation = workflow.evaluation_with_overrides(a)
            approved = {x.area for x in approvals[a.id]}
            waiting = [
                area
                for area in workflow.required_areas(evaluation, ruleset_for(a))
                if area in user.review_areas and area not in approved and area not in blocked
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
    unknowns = my_open_questions(user)
    conditions = decisions.conditions_owned_by(user)
    to_verify = decisions.conditions_to_verify(user)
    for_contacts = decisions.conditions_claimable_for_contacts(user)
    return Tasks(
        to_review=to_review,
        to_decide=to_decide,
        changes_requested=[a for a in mine if a.status == S.CHANGES_REQUESTED],
        drafts=[a for a in mine if a.status == S.DRAFT],
        unknowns=unknowns,
        conditions=conditions,
        overdue_ids=decisions.overdue_assessment_ids(today),
        to_verify=to_verify,
        for_contacts=for_contacts,
        condition_actions=decisions.condition_actions([*conditions, *to_verify, *for_contacts], user),
        to_reassess=reassessment.flagged_for(user),
    )
