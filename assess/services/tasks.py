"""*Mina uppgifter*: what waits for a user, each list selected, counted and paged in the database.

Every list is one query for its page and one for its count, whatever the size of the data: the user's own
assignments are found by id (indexed), the reviewer queue and the decisions by the stored evaluation summaries
and the author rows (four-eyes), never by loading and evaluating every waiting assessment.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, String, and_, case, cast, false, func, not_, or_, select, text, true, union_all
from sqlalchemy.orm import aliased, joinedload
from sqlalchemy.sql.elements import ColumnElement, TextClause

from assess.extensions import db
from assess.models import (
    Alternative,
    Answer,
    AnswerAuthor,
    AreaApproval,
    Assessment,
    AssessmentStatus,
    Case,
    CaseContact,
    CaseMember,
    DecisionCondition,
    EvaluationSummary,
    ReassessmentFlag,
    ReviewArea,
    Role,
    Submission,
    TeamRole,
    User,
)
from assess.models.assessment import UNASSIGNED_UNKNOWN, open_value_sql
from assess.rulesets import registry
from assess.services import decisions, summaries, workflow
from assess.services import team as team_service
from assess.services.cases import late_question, search_pattern
from assess.services.marks import Marks, marks_of
from assess.services.sqlin import in_literal, in_subquery

S = AssessmentStatus
T = TypeVar("T")

#: Rows per page of each list on *Mina uppgifter*.
TASK_PAGE = 20


@dataclass
class Section(Generic[T]):
    """One page of one list: iterating gives the page's items, len() the count of the whole list."""

    items: list[T]
    total: int
    page: int
    param: str

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // TASK_PAGE))

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, index: int) -> T:
        return self.items[index]


@dataclass(frozen=True)
class TaskFilter:
    """What *Mina uppgifter* is narrowed to, both optional: a text in the case's title, the alternative's name or
    the module's (any letter's case), and only what is late on `day` (a question or a condition past its date; a
    module with one of those, as its marks say)."""

    text: str = ""
    overdue: bool = False
    day: date = field(default_factory=date.today)

    @property
    def active(self) -> bool:
        return bool(self.text or self.overdue)

    def _matching(self, assessment_id: Any) -> ColumnElement[bool]:
        """SQL: the module `assessment_id` (a column of the list) is of a case, alternative or scope that holds
        the text: an EXISTS per listed row (three lookups by key), so that its cost follows the user's own
        list. As `IN (the matching modules)` a broad text (most modules) cost 70 ms at 200 cases: SQLite
        compared each listed row with the whole set."""
        from assess.i18n import _
        from assess.texts import WHOLE_ALTERNATIVE

        pattern = search_pattern(self.text)
        module = aliased(Assessment)
        terms: list[ColumnElement[bool]] = [
            module.scope.ilike(pattern, escape="\\"),
            Alternative.name.ilike(pattern, escape="\\"),
            Case.title.ilike(pattern, escape="\\"),
        ]
        if self.text.lower() in str(_(WHOLE_ALTERNATIVE)).lower():  # the default module as the reader reads it
            terms.append(module.scope == WHOLE_ALTERNATIVE)
        return (
            select(module.id)
            .join(Alternative, Alternative.id == module.alternative_id)
            .join(Case, Case.id == Alternative.case_id)
            .where(module.id == assessment_id, or_(*terms))
            .exists()
        )

    def modules(self) -> list[ColumnElement[bool]]:
        """SQL terms on a list of modules (Assessment in its FROM)."""
        terms = [self._matching(Assessment.id)] if self.text else []
        if self.overdue:
            overdue = (
                select(DecisionCondition.id)
                .where(
                    DecisionCondition.assessment_id == Assessment.id,
                    DecisionCondition.fulfilled.is_not(True),
                    DecisionCondition.deadline < self.day,
                )
                .exists()
            )
            late = and_(Assessment.status.in_(list(team_service.OPEN_STATES)), late_question(Assessment.id, self.day))
            terms.append(or_(overdue, late))
        return terms

    def questions(self, keys: Any) -> list[ColumnElement[bool]]:
        """SQL terms on a list of open questions (the keys _open_question_keys yields)."""
        terms = [self._matching(keys.c.assessment_id)] if self.text else []
        if self.overdue:
            terms.append(keys.c.due < self.day)
        return terms

    def conditions(self) -> list[ColumnElement[bool]]:
        """SQL terms on a list of conditions (DecisionCondition in its FROM)."""
        terms = [self._matching(DecisionCondition.assessment_id)] if self.text else []
        if self.overdue:
            terms.append(and_(DecisionCondition.fulfilled.is_not(True), DecisionCondition.deadline < self.day))
        return terms


#: No narrowing: every list whole.
EVERYTHING = TaskFilter()


def page_of(query: Select[Any], page: int) -> tuple[Select[Any], int, int]:
    """Return the query limited to one page of TASK_PAGE rows, the count of all rows and the page shown."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, -(-total // TASK_PAGE))
    page = min(max(1, page), pages)
    return query.limit(TASK_PAGE).offset((page - 1) * TASK_PAGE), total, page


def fetch_page(query: Select[Any], page: int) -> tuple[list[Any], int, int]:
    """Return one page of the query's first column, the count of all its rows and the page shown.

    The count rides along as a window column (count(*) over ()), so a page costs one statement, not a count and
    a select that both do the same work; only a page past the end (the list shrank) costs a count and a retry.
    """
    page = max(1, page)
    counted = query.add_columns(func.count().over().label("page_total"))
    rows = db.session.execute(counted.limit(TASK_PAGE).offset((page - 1) * TASK_PAGE)).all()
    if rows:
        return [row[0] for row in rows], int(rows[0][-1]), page
    if page == 1:
        return [], 0, 1
    paged, total, page = page_of(query, page)
    if not total:
        return [], 0, 1
    return list(db.session.scalars(paged)), total, page


def _with_case() -> Any:
    """Return the loader option of a listed module: its alternative and case (the list names both)."""
    return joinedload(Assessment.alternative).joinedload(Alternative.case)


def fetch_lean(query: Select[Any], entity: Any, page: int, *options: Any) -> tuple[list[Any], int, int]:
    """Return one page of a query of one entity (select(Entity) with its order), the count of all and the page shown.

    The list is ordered and counted on the entity's ids only (its WHERE and ORDER BY as written); the page's rows
    are then loaded, with what `options` joins, by id. Ordering the whole list with every row joined and loaded
    cost a person with a thousand open questions, or a reviewer with hundreds of waiting modules, two to three
    times as much (issue 14)."""
    lean = query.with_only_columns(entity.id, maintain_column_froms=True)
    ids, total, page = fetch_page(lean, page)
    return _load_by_id(entity, ids, *options), total, page


def _load_by_id(entity: Any, ids: list[int], *options: Any) -> list[Any]:
    """Return the rows of the ids, in their order, loaded with what `options` joins (one statement; none for no
    ids)."""
    if not ids:
        return []
    found = db.session.scalars(select(entity).where(in_literal(entity.id, ids)).options(*options)).unique()
    loaded = {row.id: row for row in found}
    return [loaded[i] for i in ids if i in loaded]


def _questions(predicate: Any) -> list[str]:
    """Return the ids of the questions (of every installed rule set) that the predicate picks, sorted."""
    return sorted({qid for ruleset in registry().all() for qid, q in ruleset.by_id.items() if predicate(q)})


def _area_questions(area: ReviewArea) -> list[str]:
    scope = set(workflow.REVIEW_SCOPE[area])
    return _questions(lambda q: q.area in scope)


_NEEDS = {
    ReviewArea.LEGAL: EvaluationSummary.needs_legal,
    ReviewArea.INFOSEC: EvaluationSummary.needs_infosec,
    ReviewArea.PATIENT_SAFETY: EvaluationSummary.needs_patient_safety,
}


def _authored(user: User, questions: list[str] | None = None) -> ColumnElement[bool]:
    """SQL: the user saved an answer of the assessment (to one of `questions`, when given)."""
    query = select(AnswerAuthor.id).where(AnswerAuthor.assessment_id == Assessment.id, AnswerAuthor.user_id == user.id)
    if questions is not None:
        query = query.where(in_literal(AnswerAuthor.question_id, questions))
    return query.exists()


def _full_author(user: User) -> ColumnElement[bool]:
    """SQL for workflow.is_full_author: the owner, or an architect or admin who saved an answer."""
    if user.has_role(Role.ARCHITECT, Role.ADMIN):
        return or_(Assessment.owner_id == user.id, _authored(user))
    return Assessment.owner_id == user.id


def _approved(area: ReviewArea) -> ColumnElement[bool]:
    """SQL: the area is approved in the assessment's current submission round."""
    # correlate(): the subquery sits two levels below the assessments query (inside the EXISTS), where automatic
    # correlation does not reach; without it the round was the highest of every assessment's submissions
    current_round = (
        select(func.max(Submission.round))
        .where(Submission.assessment_id == Assessment.id)
        .correlate(Assessment)
        .scalar_subquery()
    )
    return (
        select(AreaApproval.id)
        .where(
            AreaApproval.assessment_id == Assessment.id,
            AreaApproval.area == area,
            AreaApproval.round == current_round,
        )
        .exists()
    )


def _waiting_for(user: User, area: ReviewArea) -> ColumnElement[bool]:
    return and_(_NEEDS[area].is_(True), not_(_approved(area)), not_(_authored(user, _area_questions(area))))


def to_review(
    user: User, page: int = 1, wanted: TaskFilter = EVERYTHING
) -> Section[tuple[Assessment, list[ReviewArea]]]:
    """Return the submitted assessments with an area of the user's that waits for their approval."""
    param = "sida_granska"
    areas = [a for a in ReviewArea if a in user.review_areas] if user.has_role(Role.REVIEWER) else []
    if not areas:
        return Section([], 0, 1, param)
    open_states = [S.SUBMITTED, S.IN_REVIEW]
    mine = (Assessment.status.in_(open_states), not_(_full_author(user)), *wanted.modules())
    area_waits = [_waiting_for(user, area) for area in areas]
    waits = or_(*area_waits)
    order = (Assessment.updated_at, Assessment.id)
    fresh = summaries.fresh_condition()
    # One statement when every summary is fresh (as the app keeps them): the modules that wait, together with
    # those whose summary is stale or missing (rows written outside the app), and how many of those there are.
    # None: the page stands. Some: they are computed first (bounded per request) and the list is asked again.
    first = (
        select(Assessment.id, func.count().over(), func.sum(case((fresh, 0), else_=1)).over())
        .outerjoin(EvaluationSummary, EvaluationSummary.assessment_id == Assessment.id)
        .where(*mine, or_(waits, not_(fresh)))  # waits first: the key is then compared once for a waiting module
        .order_by(*order)
        .limit(TASK_PAGE)
        .offset((max(1, page) - 1) * TASK_PAGE)
    )
    rows = db.session.execute(first).all()
    if rows and not rows[0][2]:
        ids, total, page = [row[0] for row in rows], int(rows[0][1]), max(1, page)
    elif not rows and page <= 1:
        ids, total, page = [], 0, 1  # not one module waits, and none is stale
    else:
        summaries.refresh_stale(Assessment.status.in_(open_states))
        query = (
            select(Assessment.id)
            .join(EvaluationSummary, EvaluationSummary.assessment_id == Assessment.id)
            .where(*mine, fresh, waits)
            .order_by(*order)
        )
        ids, total, page = fetch_page(query, page)
    if not ids:
        return Section([], total, page, param)
    # The page's modules with, per area of the user's, whether it waits for them: the very terms that put the
    # module in the list (needed, not approved in the current round, none of the area's questions answered by
    # the user), asked of these rows only, so that the areas shown can never disagree with the list.
    waiting = [term.label(f"waits_{area.value}") for area, term in zip(areas, area_waits, strict=True)]
    loaded = (
        select(Assessment, *waiting)
        .join(EvaluationSummary, EvaluationSummary.assessment_id == Assessment.id)
        .where(in_literal(Assessment.id, ids))
        .options(_with_case())
    )
    found = {
        row[0].id: (row[0], [area for area, waits in zip(areas, row[1:], strict=True) if waits])
        for row in db.session.execute(loaded).unique()
    }
    result = [found[i] for i in ids if i in found]
    return Section(result, total, page, param)


def to_decide(user: User, page: int = 1, wanted: TaskFilter = EVERYTHING) -> Section[Assessment]:
    """Return the reviewed assessments the user may decide (four-eyes: nobody who wrote or answered them)."""
    param = "sida_besluta"
    if not user.has_role(Role.DECISION_MAKER):
        return Section([], 0, 1, param)
    query = (
        select(Assessment)
        .where(Assessment.status == S.REVIEWED, Assessment.owner_id.is_distinct_from(user.id), not_(_authored(user)))
        .where(*wanted.modules())
        .order_by(Assessment.updated_at, Assessment.id)
    )
    items, total, page = fetch_lean(query, Assessment, page, _with_case())
    return Section(items, total, page, param)


def mine(
    user: User, status: AssessmentStatus, param: str, page: int = 1, wanted: TaskFilter = EVERYTHING
) -> Section[Assessment]:
    """Return the user's own assessments in a state (drafts, changes requested), newest change first."""
    query = (
        select(Assessment)
        .where(Assessment.owner_id == user.id, Assessment.status == status, *wanted.modules())
        .order_by(Assessment.updated_at.desc(), Assessment.id.desc())
    )
    items, total, page = fetch_lean(query, Assessment, page, _with_case())
    return Section(items, total, page, param)


# --- open questions -------------------------------------------------------------------------------------------


_EARLIER = aliased(CaseMember)


def _first_in_cases(user: User, role: TeamRole) -> Select[Any]:
    """SQL: the ids of the cases whose first active member in the role is the user (team.Team.default)."""
    active = select(User.id).where(User.active.is_(True))
    before_me = (
        select(_EARLIER.id)
        .where(
            _EARLIER.case_id == CaseMember.case_id,
            _EARLIER.role == role,
            _EARLIER.id < CaseMember.id,
            _EARLIER.user_id.in_(active),
        )
        .exists()
    )
    return select(CaseMember.case_id).where(CaseMember.user_id == user.id, CaseMember.role == role, not_(before_me))


def _assessments_in(cases: Select[Any]) -> Select[Any]:
    """SQL: the ids of the open assessments of the cases."""
    alternatives = select(Alternative.id).where(Alternative.case_id.in_(cases))
    return select(Assessment.id).where(Assessment.alternative_id.in_(alternatives), _still_open())


def _still_open() -> ColumnElement[bool]:
    """SQL: the assessment is open, written so that no index is chosen for it (nearly every row is open)."""
    return cast(Assessment.status, String).in_([s.value for s in team_service.OPEN_STATES])


def _unassigned_unknown() -> TextClause:
    """SQL: the answer is unknown and nobody is picked to find it out: the terms of the partial index
    ix_answers_unassigned_unknown, with its constants written in, so that the plan may read that index (a few rows)
    instead of every answer of the modules."""
    return text(UNASSIGNED_UNKNOWN.format(t="answers."))


def _keyed(*where: Any) -> Select[int, date | None, int, str]:
    """SQL: the answers `where` picks, as the columns a list of open questions is ordered by (_due_order)."""
    return select(
        Answer.id.label("id"),
        Answer.unknown_due.label("due"),
        Answer.assessment_id.label("assessment_id"),
        Answer.question_id.label("question_id"),
    ).where(*where)


def _open_question_keys(user: User) -> Any:
    """SQL: the open questions of open assessments that are the user's to find out, as a subquery of what the
    list orders by (id, due, assessment_id, question_id).

    Picked for the user (by id), or, when nobody is picked and no free text was written before assignees were
    picked, the user's by the case team's default: the team's first legal reviewer for the rule set's legal
    questions; for the region's, the assessment's architect (while active), else the team's first architect.
    Each branch starts from an index (the user's picked open questions, the user's team memberships, the
    assessments they own) and yields the columns the list is ordered by, so that ordering and counting the list
    never reads the answers again: the work follows the user's own share of the data, not all of it.
    """
    open_states = list(team_service.OPEN_STATES)
    # the terms of the partial index ix_answers_picked_open
    picked = _keyed(Answer.assignee_user_id == user.id, open_value_sql(), Assessment.status.in_(open_states)).join(
        Assessment, Assessment.id == Answer.assessment_id
    )
    unassigned = _unassigned_unknown()
    branches = [picked]
    legal = _questions(lambda q: q.answered_by == "legal")
    if legal:
        branches.append(
            _keyed(
                Answer.assessment_id.in_(_assessments_in(_first_in_cases(user, TeamRole.LEGAL))),
                in_literal(Answer.question_id, legal),
                unassigned,
            )
        )
    region = _questions(lambda q: q.answered_by == "region")
    if region:
        owner_active = select(User.id).where(User.id == Assessment.owner_id, User.active.is_(True)).exists()
        inactive_owner = select(Assessment.id).where(
            Assessment.alternative_id.in_(
                select(Alternative.id).where(Alternative.case_id.in_(_first_in_cases(user, TeamRole.ARCHITECT)))
            ),
            _still_open(),
            not_(owner_active),
        )
        owned = select(Assessment.id).where(Assessment.owner_id == user.id, Assessment.status.in_(open_states))
        if user.active:
            branches.append(_keyed(Answer.assessment_id.in_(owned), in_literal(Answer.question_id, region), unassigned))
        branches.append(
            _keyed(Answer.assessment_id.in_(inactive_owner), in_literal(Answer.question_id, region), unassigned)
        )
    return union_all(*branches).subquery("open_questions")


def _due_order(keys: Any) -> tuple[Any, ...]:
    """The list's order: earliest due first (no date last), then module and question."""
    return (keys.c.due.is_(None), keys.c.due, keys.c.assessment_id, keys.c.question_id)


def open_questions_query(user: User) -> Select[Any]:
    """Return the query of the answers that are the user's open questions (_open_question_keys), earliest due
    first."""
    keys = _open_question_keys(user)
    return select(Answer).join(keys, keys.c.id == Answer.id).order_by(*_due_order(keys))


def open_questions(user: User, page: int = 1, wanted: TaskFilter = EVERYTHING) -> Section[Any]:
    """Return a page of the user's open questions, earliest due first (review_queries.OpenQuestion items).

    The page is ordered and counted on the keys the branches yield; only its rows are then loaded."""
    from assess.services.review_queries import OpenQuestion, question_title

    param = "sida_fragor"
    keys = _open_question_keys(user)
    ids, total, page = fetch_page(select(keys.c.id).where(*wanted.questions(keys)).order_by(*_due_order(keys)), page)
    load = joinedload(Answer.assessment).joinedload(Assessment.alternative).joinedload(Alternative.case)
    rows = _load_by_id(Answer, ids, load)
    items = [OpenQuestion(a, question_title(a), a.assignee_user_id != user.id) for a in rows]
    return Section(items, total, page, param)


def contact_questions(
    user: User, page: int = 1, wanted: TaskFilter = EVERYTHING
) -> tuple[Section[Any], dict[int, str]]:
    """Return the open questions that vendor contacts (no account) are to find out, picked for them or theirs by
    the team's default, in the assessments this architect owns or in cases whose team has them as architect
    (the architect chases them), with each question's contact by answer id."""
    from assess.services.review_queries import OpenQuestion, question_title

    param = "sida_kontaktfragor"
    if not user.has_role(Role.ARCHITECT, Role.ADMIN):
        return Section([], 0, 1, param), {}
    open_value = open_value_sql()
    provider = _questions(lambda q: q.answered_by == "provider")
    has_contact = (
        select(CaseContact.id)
        .where(
            CaseContact.case_id == Alternative.case_id,
            CaseContact.active.is_(True),
            or_(CaseContact.alternative_id.is_(None), CaseContact.alternative_id == Alternative.id),
        )
        .exists()
    )
    architect_cases = select(CaseMember.case_id).where(
        CaseMember.user_id == user.id, CaseMember.role == TeamRole.ARCHITECT
    )

    # The modules the architect chases (owned, or in a case whose team has them as architect; open): one common
    # table, computed once, that both branches read as a set (in_subquery). Written into each branch as a plain
    # `IN (subquery)`, PostgreSQL guessed the second branch's partial index to hold one row and ran the whole
    # subquery again for each of its rows: a nested loop that grew with the square of the architect's share.
    theirs = union_all(
        select(Assessment.id).where(
            Assessment.owner_id == user.id, Assessment.status.in_(list(team_service.OPEN_STATES))
        ),
        _assessments_in(architect_cases),
    ).cte("theirs")

    # Two branches, each read through its own partial index: the questions picked for a contact
    # (ix_answers_contact_picked), and the unknowns nobody is picked for that are the provider's to answer where
    # the case has a contact for the alternative (ix_answers_unassigned_unknown).
    picked = _keyed(
        in_subquery(Answer.assessment_id, select(theirs.c.id)), Answer.assignee_contact_id.is_not(None), open_value
    )
    by_default = (
        _keyed()
        .join(Assessment, Assessment.id == Answer.assessment_id)
        .join(Alternative, Alternative.id == Assessment.alternative_id)
        .where(
            in_subquery(Answer.assessment_id, select(theirs.c.id)),
            _unassigned_unknown(),
            in_literal(Answer.question_id, provider) if provider else false(),
            has_contact,
        )
    )
    keys = union_all(picked, by_default).subquery("contact_questions")
    ids, total, page = fetch_page(select(keys.c.id).where(*wanted.questions(keys)).order_by(*_due_order(keys)), page)
    load = joinedload(Answer.assessment).joinedload(Assessment.alternative).joinedload(Alternative.case)
    rows = _load_by_id(Answer, ids, load, joinedload(Answer.assignee_contact))
    names: dict[int, str] = {}
    cases = sorted({a.assessment.alternative.case_id for a in rows if a.assignee_contact_id is None})
    contacts = (
        list(
            db.session.scalars(select(CaseContact).where(CaseContact.case_id.in_(cases), CaseContact.active.is_(True)))
        )
        if cases
        else []
    )
    for a in rows:
        if a.assignee_contact is not None:
            names[a.id] = a.assignee_contact.label
            continue
        alternative = a.assessment.alternative
        fits = [c for c in contacts if c.case_id == alternative.case_id and c.alternative_id in (None, alternative.id)]
        fits.sort(key=lambda c: (c.alternative_id is None, c.id))
        names[a.id] = fits[0].label if fits else ""
    items = [OpenQuestion(a, question_title(a), a.assignee_contact_id is None) for a in rows]
    return Section(items, total, page, param), names


# --- conditions -----------------------------------------------------------------------------------------------


def _conditions(query: Select[Any], page: int, param: str, wanted: TaskFilter) -> Section[DecisionCondition]:
    items, total, page = fetch_lean(
        query.where(*wanted.conditions()), DecisionCondition, page, *decisions.loaded_condition()
    )
    return Section(items, total, page, param)


def conditions_owned(user: User, page: int = 1, wanted: TaskFilter = EVERYTHING) -> Section[DecisionCondition]:
    """Return the conditions the user owns: open ones first, earliest date first."""
    query = (
        select(DecisionCondition)
        .where(DecisionCondition.owner_id == user.id)
        .order_by(DecisionCondition.fulfilled, DecisionCondition.deadline, DecisionCondition.id)
    )
    return _conditions(query, page, "sida_villkor", wanted)


def _case_architect(user: User) -> ColumnElement[bool]:
    return (
        select(CaseMember.id)
        .where(
            CaseMember.case_id == Alternative.case_id,
            CaseMember.user_id == user.id,
            CaseMember.role == TeamRole.ARCHITECT,
        )
        .exists()
    )


def conditions_to_verify(user: User, page: int = 1, wanted: TaskFilter = EVERYTHING) -> Section[DecisionCondition]:
    """Return the claimed conditions that wait for this user's verification (decisions._verify_refusal in SQL)."""
    param = "sida_verifiera"
    if decisions.viewer_only(user):
        return Section([], 0, 1, param)
    if user.has_role(Role.DECISION_MAKER):
        may: ColumnElement[bool] = true()
    else:
        areas = [a for a in ReviewArea if a in user.review_areas] if user.has_role(Role.REVIEWER) else []
        questions = sorted({q for area in areas for q in _area_questions(area)})
        may = or_(
            Case.decision_maker_id == user.id,
            in_literal(DecisionCondition.question_id, questions) if questions else false(),
        )
    query = (
        select(DecisionCondition)
        .join(Assessment, Assessment.id == DecisionCondition.assessment_id)
        .join(Alternative, Alternative.id == Assessment.alternative_id)
        .join(Case, Case.id == Alternative.case_id)
        .where(
            DecisionCondition.claimed_at.is_not(None),
            DecisionCondition.fulfilled.is_(False),
            DecisionCondition.claimed_by_id.is_distinct_from(user.id),
            may,
        )
        .order_by(DecisionCondition.deadline.is_(None), DecisionCondition.deadline, DecisionCondition.id)
    )
    return _conditions(query, page, param, wanted)


def conditions_for_contacts(user: User, page: int = 1, wanted: TaskFilter = EVERYTHING) -> Section[DecisionCondition]:
    """Return the open conditions owned by contacts that this user may claim on the contact's behalf."""
    param = "sida_kontakter"
    if decisions.viewer_only(user) or not user.has_role(Role.ARCHITECT, Role.ADMIN):
        return Section([], 0, 1, param)
    query = (
        select(DecisionCondition)
        .join(Assessment, Assessment.id == DecisionCondition.assessment_id)
        .join(Alternative, Alternative.id == Assessment.alternative_id)
        .where(
            DecisionCondition.owner_contact_id.is_not(None),
            DecisionCondition.claimed_at.is_(None),
            DecisionCondition.fulfilled.is_(False),
            or_(Assessment.owner_id == user.id, _case_architect(user)),
        )
        .order_by(DecisionCondition.deadline, DecisionCondition.id)
    )
    return _conditions(query, page, param, wanted)


# --- re-assessment --------------------------------------------------------------------------------------------


def to_reassess(user: User, page: int = 1, wanted: TaskFilter = EVERYTHING) -> Section[tuple[Assessment, list[str]]]:
    """Return the flagged decided assessments that are the user's (owner, team architect or decision maker)."""
    param = "sida_omprovning"
    member = (
        select(CaseMember.id)
        .where(
            CaseMember.case_id == Alternative.case_id,
            CaseMember.user_id == user.id,
            CaseMember.role.in_([TeamRole.ARCHITECT, TeamRole.DECISION_MAKER]),
        )
        .exists()
    )
    flagged = (
        select(ReassessmentFlag.id)
        .where(ReassessmentFlag.assessment_id == Assessment.id, ReassessmentFlag.resolved_at.is_(None))
        .exists()
    )
    query = (
        select(Assessment)
        .join(Alternative, Alternative.id == Assessment.alternative_id)
        .join(Case, Case.id == Alternative.case_id)
        .where(
            Assessment.status == S.DECIDED,
            flagged,
            or_(Assessment.owner_id == user.id, member, Case.decision_maker_id == user.id),
            *wanted.modules(),
        )
        .order_by(Assessment.id)
    )
    items, total, page = fetch_lean(query, Assessment, page, _with_case())
    reasons: dict[int, list[str]] = {a.id: [] for a in items}
    if items:
        for flag in db.session.scalars(
            select(ReassessmentFlag)
            .where(ReassessmentFlag.assessment_id.in_(list(reasons)), ReassessmentFlag.resolved_at.is_(None))
            .order_by(ReassessmentFlag.id)
        ):
            reasons[flag.assessment_id].append(flag.reason)
    return Section([(a, reasons[a.id]) for a in items], total, page, param)


# --- the page -------------------------------------------------------------------------------------------------


@dataclass
class Tasks:
    """A user's follow-up: what waits for them, each list one page of it."""

    to_review: Section[tuple[Assessment, list[ReviewArea]]]
    to_decide: Section[Assessment]
    changes_requested: Section[Assessment]
    drafts: Section[Assessment]
    #: The open questions (unknown, or unanswered with someone picked) that are the user's to find out.
    unknowns: Section[Any]
    #: For an architect: the open questions that the vendor's contacts are to find out (the architect chases them).
    contact_unknowns: Section[Any]
    #: The contact of each of those questions, by answer id (picked, or the team's default).
    contact_names: dict[int, str]
    #: The conditions the user owns.
    conditions: Section[DecisionCondition]
    #: The marks of the modules the page lists (a condition overdue, a question late, a re-assessment required).
    marks: Marks
    #: The claimed conditions that wait for this user's verification (their area's, or any for a decision maker).
    to_verify: Section[DecisionCondition]
    #: The open conditions owned by a contact (no account) that this user may claim on the contact's behalf.
    for_contacts: Section[DecisionCondition]
    #: Per condition listed: what this user may do with it (decisions.CLAIM, VERIFY, SEND_BACK).
    condition_actions: dict[int, frozenset[str]] = field(default_factory=dict)
    #: Decided assessments flagged *Omprövning krävs* that are this user's (architect or decision maker), with why.
    to_reassess: Section[tuple[Assessment, list[str]]] = field(default_factory=lambda: Section([], 0, 1, ""))
    #: The ids of every assessment the page lists (for the marks: overdue, late, re-assessment).
    assessment_ids: list[int] = field(default_factory=list)
    #: What the lists are narrowed to (a text, only what is late), or everything.
    wanted: TaskFilter = EVERYTHING


def my_tasks(user: User, today: date, pages: dict[str, int] | None = None, wanted: TaskFilter | None = None) -> Tasks:
    """Return one page of each of the user's lists (`pages`: the page asked for per list, by its parameter),
    narrowed as `wanted` says (its day: today)."""
    pages = pages or {}
    wanted = replace(wanted or EVERYTHING, day=today)
    # The view passes Flask-Login's current_user, a proxy that looks the user up again on every attribute read
    # (about 120 reads for a reviewer's page, a few per listed module): the lists read the user itself.
    unwrap = getattr(user, "_get_current_object", None)
    user = unwrap() if callable(unwrap) else user

    def page(param: str) -> int:
        return pages.get(param, 1)

    reviews = to_review(user, page("sida_granska"), wanted)
    decide = to_decide(user, page("sida_besluta"), wanted)
    changes = mine(user, S.CHANGES_REQUESTED, "sida_andringar", page("sida_andringar"), wanted)
    drafts = mine(user, S.DRAFT, "sida_utkast", page("sida_utkast"), wanted)
    unknowns = open_questions(user, page("sida_fragor"), wanted)
    contact_unknowns, contact_names = contact_questions(user, page("sida_kontaktfragor"), wanted)
    owned = conditions_owned(user, page("sida_villkor"), wanted)
    verify = conditions_to_verify(user, page("sida_verifiera"), wanted)
    contacts = conditions_for_contacts(user, page("sida_kontakter"), wanted)
    reassess = to_reassess(user, page("sida_omprovning"), wanted)
    listed = [
        *(a for a, _areas in reviews),
        *decide,
        *changes,
        *drafts,
        *(u.assessment for u in (*unknowns, *contact_unknowns)),
        *(c.assessment for c in (*owned, *verify, *contacts)),
        *(a for a, _reasons in reassess),
    ]
    ids = sorted({a.id for a in listed})
    return Tasks(
        to_review=reviews,
        to_decide=decide,
        changes_requested=changes,
        drafts=drafts,
        unknowns=unknowns,
        contact_unknowns=contact_unknowns,
        contact_names=contact_names,
        conditions=owned,
        marks=marks_of(today, ids),
        to_verify=verify,
        for_contacts=contacts,
        condition_actions=decisions.condition_actions([*owned, *verify, *contacts], user),
        to_reassess=reassess,
        assessment_ids=ids,
        wanted=wanted,
    )
