"""Evaluation summaries: what lists need of an evaluation, kept in the database so a list never re-evaluates.

A summary is written in the same transaction as whatever changed its assessment (answers, status, overrides):
a session hook notes the assessments a flush touched and refreshes their summaries before the commit, so a
summary is never ahead of, nor behind, what was committed. A summary is *fresh* when it was computed from the
assessment's current version, rule set and number of overrides; the lists filter on fresh summaries in SQL and
first compute the few that are stale (rows written outside the app, a database from before summaries).

Evaluations themselves are cached in memory per (assessment, answers, rule set, overrides): the key is the
content of the answers, so a cached evaluation can never belong to answers other than the ones given.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import String, and_, cast, event, func, or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.elements import ColumnElement

import rules
from assess.extensions import db
from assess.models import Answer, Assessment, EvaluationSummary, KnockoutOverride, ReviewArea
from assess.models.types import utcnow
from assess.services.errors import Conflict

#: How many stale summaries one request computes before it uses the others (bounded work per page).
REFRESH_LIMIT = 200

_TOUCHED = "assess.summaries.touched"


def _key(assessment: Assessment, overrides: int) -> str:
    return f"{assessment.version}:{assessment.ruleset_sha256}:{overrides}"


def fresh_condition() -> ColumnElement[bool]:
    """SQL: the assessment's summary exists and was computed from its current version, rule set and overrides."""
    overrides = (
        select(func.count(KnockoutOverride.id))
        .where(KnockoutOverride.assessment_id == Assessment.id)
        .correlate(Assessment)
        .scalar_subquery()
    )
    key = cast(Assessment.version, String) + ":" + Assessment.ruleset_sha256 + ":" + cast(overrides, String)
    return and_(EvaluationSummary.assessment_id.is_not(None), EvaluationSummary.cache_key == key)


def _values(assessment: Assessment, evaluation: rules.Evaluation, overrides: int) -> dict[str, Any]:
    from assess.services.workflow import required_areas

    needed = set(required_areas(evaluation, rules_for(assessment)))
    return {
        "cache_key": _key(assessment, overrides),
        "verdict": evaluation.verdict,
        "worst_case": evaluation.worst_case,
        "needs_legal": ReviewArea.LEGAL in needed,
        "needs_infosec": ReviewArea.INFOSEC in needed,
        "needs_patient_safety": ReviewArea.PATIENT_SAFETY in needed,
        "counts": {
            "knockouts": len(evaluation.knockouts),
            "conditions": len(evaluation.conditions),
            "blocking": len(evaluation.blocking_unknowns),
            "unknown": len(evaluation.blocking_unknowns) + len(evaluation.nonblocking_unknowns),
        },
        "computed_at": utcnow(),
    }


def rules_for(assessment: Assessment) -> rules.RuleSet:
    from assess.services.evaluation import ruleset_for

    return ruleset_for(assessment)


def refresh(assessments: Sequence[Assessment]) -> dict[int, EvaluationSummary]:
    """Compute and store the summaries of the assessments (answers and overrides loaded in two queries)."""
    from assess.services.cases import answer_rows
    from assess.services.evaluation import evaluate_assessment

    items = [a for a in assessments if a.id is not None]
    if not items:
        return {}
    rows = answer_rows(items)
    overrides: dict[int, list[KnockoutOverride]] = {a.id: [] for a in items}
    for o in db.session.scalars(
        select(KnockoutOverride).where(KnockoutOverride.assessment_id.in_([a.id for a in items]))
    ):
        overrides[o.assessment_id].append(o)
    existing = {
        s.assessment_id: s
        for s in db.session.scalars(
            select(EvaluationSummary).where(EvaluationSummary.assessment_id.in_([a.id for a in items]))
        )
    }
    from assess.services.evaluation import overrides_of

    result: dict[int, EvaluationSummary] = {}
    for a in items:
        try:
            evaluation = evaluate_assessment(a, rows[a.id], overrides_of(overrides[a.id]))
        except Conflict:
            continue  # its rule set is not installed: the pages say so; the list shows no verdict
        values = _values(a, evaluation, len(overrides[a.id]))
        summary = existing.get(a.id)
        if summary is None:
            summary = EvaluationSummary(assessment_id=a.id, **values)
            db.session.add(summary)
        else:
            for name, value in values.items():
                setattr(summary, name, value)
        result[a.id] = summary
    return result


def summaries_of(assessments: Iterable[Assessment]) -> dict[int, EvaluationSummary]:
    """Return the fresh summaries of the assessments (a list's page), computing the stale ones first."""
    items = {a.id: a for a in assessments}
    if not items:
        return {}
    query = (
        select(Assessment.id, EvaluationSummary, fresh_condition())
        .outerjoin(EvaluationSummary, EvaluationSummary.assessment_id == Assessment.id)
        .where(Assessment.id.in_(list(items)))
    )
    result: dict[int, EvaluationSummary] = {}
    stale: list[Assessment] = []
    for assessment_id, summary, fresh in db.session.execute(query):
        if summary is not None and fresh:
            result[assessment_id] = summary
        else:
            stale.append(items[assessment_id])
    if stale:
        result.update(refresh(stale))
    return result


def refresh_stale(where: ColumnElement[bool] | None = None, limit: int = REFRESH_LIMIT, after_id: int = 0) -> int:
    """Compute up to `limit` stale or missing summaries (of the assessments `where` selects, with an id above
    `after_id`), lowest id first; return the highest id looked at (0: none was stale)."""
    query = (
        select(Assessment)
        .outerjoin(EvaluationSummary, EvaluationSummary.assessment_id == Assessment.id)
        .where(Assessment.id > after_id, or_(EvaluationSummary.assessment_id.is_(None), ~fresh_condition()))
        .order_by(Assessment.id)
        .limit(limit)
    )
    if where is not None:
        query = query.where(where)
    stale = list(db.session.scalars(query))
    refresh(stale)
    return stale[-1].id if stale else 0


# --- Evaluations cached in memory, keyed by content -----------------------------------------------------------

_CACHE: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_CACHE_SIZE = 512
_LOCK = threading.Lock()


def content_key(
    assessment: Assessment, answers: dict[str, rules.Answer], overrides: dict[str, rules.Override]
) -> tuple[Any, ...]:
    """Return what an evaluation depends on: the rule set pin, every answer and every override, by value.

    The answers as plain tuples (question, value, evidence, note): a lookup hashes and compares some seventy of
    them, which as the engine's dataclasses cost a call each.
    """
    return (
        assessment.ruleset_id,
        assessment.ruleset_version,
        assessment.ruleset_sha256,
        tuple(sorted((qid, a.value, a.evidence, a.note) for qid, a in answers.items())),
        tuple(sorted(overrides.items(), key=lambda item: item[0])),
    )


def cached_value(key: tuple[Any, ...]) -> Any:
    """Return what was remembered under the key (None: nothing), or None when the key cannot be hashed."""
    try:
        with _LOCK:
            found = _CACHE.get(key)
            if found is not None:
                _CACHE.move_to_end(key)
            return found
    except TypeError:  # an answer value that cannot be hashed (never from the engine's input types)
        return None


def remember_value(key: tuple[Any, ...], value: Any) -> None:
    """Remember a value computed from exactly what the key names (the oldest go first beyond the cache's size)."""
    try:
        with _LOCK:
            _CACHE[key] = value
            _CACHE.move_to_end(key)
            while len(_CACHE) > _CACHE_SIZE:
                _CACHE.popitem(last=False)
    except TypeError:
        return


def cached(key: tuple[Any, ...]) -> rules.Evaluation | None:
    """Return the evaluation remembered under the content key, if any."""
    found = cached_value(key)
    return found if isinstance(found, rules.Evaluation) else None


def remember(key: tuple[Any, ...], evaluation: rules.Evaluation) -> None:
    """Remember an evaluation under its content key."""
    remember_value(key, evaluation)


# --- Write-through: the transaction that changes an assessment refreshes its summary -------------------------


def _note_touched(session: Session, _context: Any) -> None:
    touched: set[int] = session.info.setdefault(_TOUCHED, set())
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Assessment) and obj.id is not None:
            touched.add(obj.id)
        elif isinstance(obj, (Answer, KnockoutOverride)) and obj.assessment_id is not None:
            touched.add(obj.assessment_id)
    for obj in session.deleted:
        if isinstance(obj, (Answer, KnockoutOverride)) and obj.assessment_id is not None:
            touched.add(obj.assessment_id)


def _refresh_touched(session: Session) -> None:
    if session is not db.session():
        return
    if session.new or session.dirty or session.deleted:
        session.flush()  # the commit's own flush comes after this hook: note what it touches first
    touched: set[int] = session.info.pop(_TOUCHED, set())
    if not touched:
        return
    assessments = list(
        session.scalars(
            select(Assessment).where(Assessment.id.in_(sorted(touched))).options(selectinload(Assessment.overrides))
        )
    )
    if assessments:
        refresh(assessments)
        session.flush()
    session.info.pop(_TOUCHED, None)


def _forget(session: Session, *_args: Any) -> None:
    session.info.pop(_TOUCHED, None)


def install() -> None:
    """Hook the write-through into every session (once per process)."""
    if getattr(install, "done", False):
        return
    event.listen(Session, "after_flush", _note_touched)
    event.listen(Session, "before_commit", _refresh_touched)
    event.listen(Session, "after_rollback", _forget)
    install.done = True  # type: ignore[attr-defined]
