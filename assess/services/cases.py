"""Cases, alternatives and the overviews that list them."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Date, Select, and_, bindparam, case, distinct, func, not_, or_, select
from sqlalchemy.orm import selectinload

import rules
from assess.extensions import db
from assess.i18n import _
from assess.labels import OPERATING_MODEL as OPERATING_MODELS
from assess.models import (
    Alternative,
    Answer,
    Assessment,
    AssessmentStatus,
    Case,
    CaseMember,
    CaseStatus,
    Decision,
    DecisionCondition,
    EvaluationSummary,
    ReassessmentFlag,
    Role,
    TeamRole,
    User,
)
from assess.models.assessment import open_value_sql
from assess.models.types import utcnow
from assess.services.audit import diff_fields, record_event
from assess.services.completion import Favourable, favourable
from assess.services.errors import Conflict, NotFound, ValidationFailed
from assess.services.evaluation import AnswerFacts, engine_input, evaluate_assessment, ruleset_for
from assess.services.sqlin import in_literal
from rules.results import VERDICT_SEVERITY

#: Rows per page of every paged list.
PAGE_SIZE = 50


@dataclass(frozen=True)
class CaseFilter:
    """What the case list is asked for: a page, a search in the titles, and filters (all optional)."""

    page: int = 1
    text: str = ""
    status: str = ""
    verdict: str = ""
    owner: str = ""
    overdue: bool = False

    @property
    def active(self) -> bool:
        return bool(self.text or self.status or self.verdict or self.owner or self.overdue)


@dataclass(frozen=True)
class CaseRow:
    """What the case list shows of a case beside its title, counted in SQL."""

    alternatives: int = 0
    assessments: int = 0
    #: How many of its current modules have each verdict (stored summaries), most severe first.
    verdicts: dict[str, int] = field(default_factory=dict)
    overdue: int = 0
    late: int = 0
    flagged: int = 0


@dataclass
class CasePage:
    """One page of the case list: its cases and, per case, the counts the row shows."""

    cases: list[Case]
    total: int
    page: int
    pages: int
    rows: dict[int, CaseRow]


def search_pattern(text: str) -> str:
    """Return the LIKE pattern (escape character a backslash) that finds `text` anywhere, its % and _ as
    themselves."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _case_rows(case_ids: list[int], day: date) -> dict[int, CaseRow]:
    """Return the counts of each listed case's row: one statement when every summary is fresh, whatever the data
    size.

    The statement reads the page's modules (from the page's case ids, written in the SQL, so that the plan starts
    from them and not from an index over the whole table) and counts them per case in SQL: alternatives,
    modules, the current modules of each verdict (their stored summaries), whether a summary is stale, and the
    modules with each mark (a condition overdue; for an open module a question late; for a decided one a
    re-assessment flag), each mark an EXISTS that stops at its first row. Only when a summary is stale or missing
    are the summaries computed and the statement asked again."""
    from assess.services import summaries

    if not case_ids:
        return {}
    query = _case_rows_query().where(in_literal(Alternative.case_id, case_ids))
    current = Assessment.status != AssessmentStatus.SUPERSEDED
    rows = db.session.execute(query, {"day": day}).all()
    if any(row[3] for row in rows):
        summaries.refresh_stale(  # bounded per request, as every list
            and_(
                current,
                Assessment.alternative_id.in_(select(Alternative.id).where(in_literal(Alternative.case_id, case_ids))),
            )
        )
        rows = db.session.execute(query, {"day": day}).all()
    result = {case_id: CaseRow() for case_id in case_ids}
    for case_id, alternatives, assessments, _stale, overdue_count, late_count, flagged_count, *of_verdict in rows:
        result[case_id] = CaseRow(
            alternatives=alternatives,
            assessments=assessments,
            verdicts={code: int(n) for code, n in zip(_VERDICTS, of_verdict, strict=True) if n},
            overdue=int(overdue_count or 0),
            late=int(late_count or 0),
            flagged=int(flagged_count or 0),
        )
    return result


#: The verdicts, most severe first: the order of the case list's verdict counts (and of its statement's columns).
_VERDICTS = tuple(sorted(VERDICT_SEVERITY, key=lambda code: -VERDICT_SEVERITY[code]))


@functools.cache
def _case_rows_query() -> Select[Any]:
    """The case list's counts per case (_case_rows), built once per process: the day is a parameter, the page's
    case ids are added as a WHERE (building it took a millisecond per page, as much as SQLite's work)."""
    from assess.services import summaries
    from assess.services.team import OPEN_STATES

    day = bindparam("day", type_=Date)
    overdue = (
        select(DecisionCondition.id)
        .where(
            DecisionCondition.assessment_id == Assessment.id,
            DecisionCondition.fulfilled.is_not(True),  # IS NOT: the plan takes the module's index, not `fulfilled`'s
            DecisionCondition.deadline < day,
        )
        .exists()
    )
    flagged = (
        select(ReassessmentFlag.id)
        .where(ReassessmentFlag.assessment_id == Assessment.id, ReassessmentFlag.resolved_at.is_(None))
        .exists()
    )
    current = Assessment.status != AssessmentStatus.SUPERSEDED

    def counted(term: Any) -> Any:
        return func.sum(case((term, 1), else_=0))

    return (
        select(
            Alternative.case_id,
            func.count(distinct(Alternative.id)),
            func.count(Assessment.id),
            counted(and_(current, not_(summaries.fresh_condition()))),
            counted(overdue),
            counted(and_(Assessment.status.in_(OPEN_STATES), late_question(Assessment.id, day))),
            counted(and_(Assessment.status == AssessmentStatus.DECIDED, flagged)),
            *(counted(and_(current, EvaluationSummary.verdict == code)) for code in _VERDICTS),
        )
        .outerjoin(Assessment, Assessment.alternative_id == Alternative.id)
        .outerjoin(EvaluationSummary, EvaluationSummary.assessment_id == Assessment.id)
        .group_by(Alternative.case_id)
    )


def late_question(assessment_id: Any, day: Any) -> ColumnElement[bool]:
    """SQL: the module (`assessment_id`, a column or a correlated id) has an open question whose date is before
    `day` (a date or a parameter); written with the terms of the partial index ix_answers_open_due, so that it is
    one range in it."""
    # OFFSET 0 keeps the EXISTS a probe per module on PostgreSQL: without it the planner may turn the EXISTS into
    # a hashed IN over every late open question of the database, which it guesses from the partial index to be a
    # few hundred rows (36,773 at 1,000 cases: the case list's statement took 14 ms instead of 3.5). SQLite asks
    # an EXISTS per row either way.
    return (
        select(Answer.id)
        .where(Answer.assessment_id == assessment_id, Answer.unknown_due < day, open_value_sql())
        .offset(0)
        .exists()
    )


def list_cases(wanted: CaseFilter | None = None, today: date | None = None) -> CasePage:
    """Return one page of cases, newest first, filtered and counted in SQL; a page's work does not grow with the
    data (the verdict from the stored evaluation summaries; only the page's cases are loaded, their rows'
    counts come from grouped queries)."""
    from assess.services import summaries
    from assess.services.team import OPEN_STATES

    wanted = wanted or CaseFilter()
    day = today or date.today()
    query = select(Case)
    if wanted.text:
        query = query.where(Case.title.ilike(search_pattern(wanted.text), escape="\\"))
    if wanted.owner:
        query = query.where(Case.information_owner.ilike(search_pattern(wanted.owner), escape="\\"))
    if wanted.status in {s.value for s in CaseStatus}:
        query = query.where(Case.status == CaseStatus(wanted.status))
    current = and_(
        Assessment.alternative_id == Alternative.id,
        Alternative.case_id == Case.id,
        Assessment.status != AssessmentStatus.SUPERSEDED,
    )
    if wanted.verdict in VERDICT_SEVERITY:
        summaries.refresh_stale(Assessment.status != AssessmentStatus.SUPERSEDED)
        query = query.where(
            select(Assessment.id)
            .join(EvaluationSummary, EvaluationSummary.assessment_id == Assessment.id)
            .where(current, EvaluationSummary.verdict == wanted.verdict)
            .exists()
        )
    if wanted.overdue:
        late_condition = (
            select(DecisionCondition.id)
            .join(Assessment, Assessment.id == DecisionCondition.assessment_id)
            .where(current, DecisionCondition.fulfilled.is_(False), DecisionCondition.deadline < day)
            .exists()
        )
        question_late = (
            select(Answer.id)
            .join(Assessment, Assessment.id == Answer.assessment_id)
            .where(current, Assessment.status.in_(OPEN_STATES), Answer.unknown_due < day, open_value_sql())
            .exists()
        )
        query = query.where(or_(late_condition, question_late))
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, wanted.page), pages)
    cases = list(
        db.session.scalars(
            query.order_by(Case.created_at.desc(), Case.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
        )
    )
    return CasePage(cases, total, page, pages, _case_rows([c.id for c in cases], day))


def all_cases() -> list[Case]:
    """Return every case with its alternatives and assessments loaded, newest first (the JSON export)."""
    query = (
        select(Case)
        .options(selectinload(Case.alternatives).selectinload(Alternative.assessments))
        .order_by(Case.created_at.desc(), Case.id.desc())
    )
    return list(db.session.scalars(query))


#: The states of a revision that was decided (a superseded one was decided before a newer revision replaced it).
DECIDED_STATES = (AssessmentStatus.DECIDED, AssessmentStatus.SUPERSEDED)


@dataclass(frozen=True)
class Module:
    """One module (scope) of an alternative, with its revisions: a case lists it once, never per revision.

    `current` is the newest revision (the one worked on, or decided last); `decided` the newest decided revision,
    whose decision stays the module's decision until a newer revision is decided (it is `current` itself when
    that is decided, None when no revision is); `decision` is that decision when it stands beside a newer
    revision in progress (loaded only then); `earlier` the older revisions, newest first (superseded ones:
    reachable by link, never rows of their own).
    """

    current: Assessment
    decided: Assessment | None = None
    decision: Decision | None = None
    earlier: tuple[Assessment, ...] = field(default=())

    @property
    def decision_stands(self) -> bool:
        """Tell whether an older revision's decision stands while a newer revision is in progress."""
        return self.decided is not None and self.decided is not self.current and self.decision is not None


def _revisions_by_module(assessments: Iterable[Assessment]) -> list[list[Assessment]]:
    """Group assessments by module (scope), each group newest revision first, groups in display order."""
    by_scope: dict[str, list[Assessment]] = {}
    for a in assessments:
        by_scope.setdefault(a.scope, []).append(a)
    groups = [sorted(items, key=lambda a: (a.revision, a.id), reverse=True) for items in by_scope.values()]
    return sorted(groups, key=lambda items: min((a.position, a.id) for a in items))


def alternative_modules(alternatives: Iterable[Alternative]) -> dict[int, list[Module]]:
    """Return each alternative's modules (one per scope, its revisions grouped), by alternative id.

    One query, for the decisions that stand beside a newer revision, and none when no module has one.
    """
    groups = {alt.id: _revisions_by_module(alt.assessments) for alt in alternatives}
    decided: dict[int, Assessment | None] = {
        items[0].id: next((a for a in items if a.status in DECIDED_STATES), None)
        for alt_groups in groups.values()
        for items in alt_groups
    }
    standing = [d.id for current_id, d in decided.items() if d is not None and d.id != current_id]
    decisions: dict[int, Decision] = {}
    if standing:
        query = select(Decision).where(Decision.assessment_id.in_(standing))
        decisions = {d.assessment_id: d for d in db.session.scalars(query)}
    result: dict[int, list[Module]] = {}
    for alt_id, alt_groups in groups.items():
        modules = []
        for items in alt_groups:
            last = decided[items[0].id]
            modules.append(
                Module(
                    current=items[0],
                    decided=last,
                    decision=decisions.get(last.id) if last is not None and last is not items[0] else None,
                    earlier=tuple(items[1:]),
                )
            )
        result[alt_id] = modules
    return result


def case_modules(case: Case) -> dict[int, list[Module]]:
    """Return each alternative's modules (one per scope, revisions grouped), by alternative id."""
    return alternative_modules(case.alternatives)


def case_evaluations(case: Case, only: Iterable[Assessment] | None = None) -> dict[int, rules.Evaluation]:
    """Evaluate every assessment of a case (or only those given), loading all their answers in one query."""
    assessments = list(only) if only is not None else [a for alt in case.alternatives for a in alt.assessments]
    by_assessment = answer_rows(assessments)
    return {a.id: evaluate_assessment(a, by_assessment[a.id]) for a in assessments}


def answer_rows(assessments: Iterable[Assessment]) -> dict[int, list[AnswerFacts]]:
    """Return what the engine reads of the assessments' stored answers, keyed by assessment id, in one query.

    Selected as columns, not loaded as Answer objects: a case's comparison reads some 700 answers, and making an
    object of each was a fifth of the page.
    """
    ids = [a.id for a in assessments]
    by_assessment: dict[int, list[AnswerFacts]] = {i: [] for i in ids}
    if ids:
        query = select(
            Answer.assessment_id, Answer.question_id, Answer.value, Answer.evidence, Answer.motivation
        ).where(Answer.assessment_id.in_(ids))
        for assessment_id, question_id, value, evidence, motivation in db.session.execute(query):
            by_assessment[assessment_id].append(AnswerFacts(question_id, value, evidence, motivation))
    return by_assessment


def get_case(case_id: int) -> Case:
    """Return a case with its alternatives, assessments and their owners loaded, or raise NotFound."""
    query = (
        select(Case)
        .where(Case.id == case_id)
        .options(
            selectinload(Case.alternatives)
            .selectinload(Alternative.assessments)
            .options(selectinload(Assessment.owner), selectinload(Assessment.overrides))
        )
    )
    case = db.session.scalar(query)
    if case is None:
        raise NotFound(_("Ärende %(id)s finns inte.", id=case_id))
    return case


def case_to_dict(case: Case) -> dict[str, Any]:
    """Return a case with its alternatives and assessments as plain JSON data."""
    return {
        "id": case.id,
        "title": case.title,
        "status": case.status.value,
        "information_owner": case.information_owner,
        "decision_maker": case.decision_maker,
        "alternatives": [
            {
                "id": alt.id,
                "name": alt.name,
                "operating_model": alt.operating_model,
                "provider": alt.provider,
                "position": alt.position,
                "assessments": [
                    {
                        "id": a.id,
                        "scope": a.scope,
                        "revision": a.revision,
                        "status": a.status.value,
                        "ruleset": {
                            "id": a.ruleset_id,
                            "version": a.ruleset_version,
                            "sha256": a.ruleset_sha256,
                        },
                    }
                    for a in alt.assessments
                ],
            }
            for alt in case.alternatives
        ],
    }


def _stamp(value: datetime) -> str:
    return value.isoformat()


def _check_unchanged(current: datetime, loaded_at: str | None, what: str) -> None:
    """Refuse a save based on a stale page (someone else saved after it was loaded), or on a page that does
    not say when it was loaded (it cannot show that it is not stale). `what` is "case" or "alternative"."""
    if not loaded_at:
        raise Conflict(
            _(
                "Sidan saknar uppgift om när ärendet öppnades, så det går inte att se om någon annan har ändrat "
                "under tiden. Ladda om sidan och gör ändringen igen; dina värden finns kvar i formuläret."
            )
            if what == "case"
            else _(
                "Sidan saknar uppgift om när alternativet öppnades, så det går inte att se om någon annan har "
                "ändrat under tiden. Ladda om sidan och gör ändringen igen; dina värden finns kvar i formuläret."
            )
        )
    if loaded_at != _stamp(current):
        raise Conflict(
            _(
                "Någon annan har sparat ärendet efter att du öppnade sidan. Ladda om sidan för att se deras "
                "ändringar; dina värden finns kvar i formuläret."
            )
            if what == "case"
            else _(
                "Någon annan har sparat alternativet efter att du öppnade sidan. Ladda om sidan för att se deras "
                "ändringar; dina värden finns kvar i formuläret."
            )
        )


CASE_FIELDS = ("title", "need_statement", "information_owner", "decision_maker")
ALTERNATIVE_FIELDS = ("name", "description", "operating_model", "provider")


def create_case(values: dict[str, str], actor: User) -> Case:
    """Create a case."""
    case = Case(**{k: values.get(k, "").strip() for k in CASE_FIELDS})
    db.session.add(case)
    db.session.flush()
    record_event(actor, "case", case.id, "case.create", None, {k: getattr(case, k) for k in CASE_FIELDS})
    if actor.has_role(Role.ARCHITECT):
        # The architect who creates the case is its first team member (the team page adds the others).
        db.session.add(CaseMember(case_id=case.id, user_id=actor.id, role=TeamRole.ARCHITECT))
        db.session.flush()
        record_event(actor, "case", case.id, "team.add", None, {"user": actor.username, "role": "architect"})
    return case


def update_case(case: Case, values: dict[str, str], actor: User, loaded_at: str | None = None) -> Case:
    """Change a case's fields; refuse if someone else saved it after loaded_at."""
    _check_unchanged(case.updated_at, loaded_at, "case")
    before = {k: getattr(case, k) for k in CASE_FIELDS}
    for key in CASE_FIELDS:
        setattr(case, key, values.get(key, "").strip())
    changed_before, changed_after = diff_fields(before, {k: getattr(case, k) for k in CASE_FIELDS})
    if changed_after:
        case.updated_at = utcnow()
        db.session.flush()
        record_event(actor, "case", case.id, "case.update", changed_before, changed_after)
    return case


def create_alternative(case: Case, values: dict[str, str], actor: User) -> Alternative:
    """Add an alternative to a case, with one assessment of the whole alternative."""
    if values.get("operating_model") and values["operating_model"] not in OPERATING_MODELS:
        raise ValidationFailed(_("Okänd driftmodell."), fields={"operating_model": _("Okänd driftmodell.")})
    alternative = Alternative(
        case_id=case.id, position=len(case.alternatives), **{k: values.get(k, "").strip() for k in ALTERNATIVE_FIELDS}
    )
    db.session.add(alternative)
    db.session.flush()
    record_event(
        actor,
        "alternative",
        alternative.id,
        "alternative.create",
        None,
        {k: getattr(alternative, k) for k in ALTERNATIVE_FIELDS},
    )
    return alternative


def update_alternative(
    alternative: Alternative, values: dict[str, str], actor: User, loaded_at: str | None = None
) -> Alternative:
    """Change an alternative's fields; refuse if someone else saved it after loaded_at."""
    _check_unchanged(alternative.updated_at, loaded_at, "alternative")
    if values.get("operating_model") and values["operating_model"] not in OPERATING_MODELS:
        raise ValidationFailed(_("Okänd driftmodell."), fields={"operating_model": _("Okänd driftmodell.")})
    before = {k: getattr(alternative, k) for k in ALTERNATIVE_FIELDS}
    for key in ALTERNATIVE_FIELDS:
        setattr(alternative, key, values.get(key, "").strip())
    changed_before, changed_after = diff_fields(before, {k: getattr(alternative, k) for k in ALTERNATIVE_FIELDS})
    if changed_after:
        alternative.updated_at = utcnow()
        db.session.flush()
        record_event(actor, "alternative", alternative.id, "alternative.update", changed_before, changed_after)
    return alternative


def get_alternative(alternative_id: int) -> Alternative:
    """Return an alternative with its case and assessments, or raise NotFound."""
    query = (
        select(Alternative)
        .where(Alternative.id == alternative_id)
        .options(selectinload(Alternative.assessments), selectinload(Alternative.case))
    )
    alternative = db.session.scalar(query)
    if alternative is None:
        raise NotFound(_("Alternativ %(id)s finns inte.", id=alternative_id))
    return alternative


@dataclass(frozen=True)
class ComparisonRow:
    """One assessed module of an alternative: its newest revision evaluated, and the decision that stands."""

    alternative: Alternative
    assessment: Assessment
    evaluation: rules.Evaluation
    ruleset: rules.RuleSet
    module: Module | None = None
    #: The module's scenarios (hypothetical answers on top of the real ones), each a ScenarioResult.
    scenarios: tuple[Any, ...] = ()
    #: What favourable answers to the open questions would give (issue 13), computed on the loaded answers.
    favourable: Favourable | None = None


def comparison(case_id: int) -> tuple[Case, list[ComparisonRow]]:
    """Return a case and one row per module (alternative and scope: its newest revision), evaluated, in order."""
    case = get_case(case_id)
    modules = case_modules(case)
    current = [m.current for alt in case.alternatives for m in modules[alt.id]]
    answers = answer_rows(current)
    given = {a.id: engine_input(a, answers[a.id]) for a in current}
    evaluations = {a.id: evaluate_assessment(a, given=given[a.id]) for a in current}
    from assess.services.scenarios import scenarios_of

    scenarios = scenarios_of(m.current.id for alt in case.alternatives for m in modules[alt.id])
    rows = [
        ComparisonRow(
            alt,
            m.current,
            evaluations[m.current.id],
            ruleset_for(m.current),
            m,
            tuple(scenarios[m.current.id]),
            favourable=favourable(m.current, given=given[m.current.id]),
        )
        for alt in case.alternatives
        for m in modules[alt.id]
    ]
    return case, rows
