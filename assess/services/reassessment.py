"""Re-assessment when facts change or age: watches on facts, recorded fact changes, and *Omprövning krävs*.

A watch names the answers that would hold if a fact changed (say the transfer basis becoming invalid:
L-08 = scc_measures_ineffective). When an admin records that the fact has changed, every decided assessment
whose verdict the watch's answers would change is flagged. `check_due` (run daily by
`flask --app assess reassessment check`) flags decided assessments whose next review date has come or whose
answers to volatile questions are older than their re-check period. "Starta omprövning" makes a new revision
with the answers carried over and resolves the flags. Decided answers are only read, never written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, selectinload

from assess.extensions import db
from assess.i18n import _
from assess.models import (
    Alternative,
    Assessment,
    AssessmentStatus,
    Decision,
    FactChange,
    FactWatch,
    ReassessmentFlag,
    Role,
    User,
)
from assess.models.types import utcnow
from assess.services import impact as impact_service
from assess.services.audit import record_event
from assess.services.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from assess.services.evaluation import evaluate_assessment, ruleset_for

S = AssessmentStatus
#: The days a volatile answer stays fresh when the rule set names no period (config VOLATILE_RECHECK_DAYS).
DEFAULT_RECHECK_DAYS = 365
MAX_NAME = 200
MAX_REFERENCE = 500
SOURCES = ("fact", "next_review", "volatile")


@dataclass(frozen=True)
class WatchView:
    """A watch as the pages and the CLI list it: its changes and which of them are volatile questions."""

    watch: FactWatch
    volatile: frozenset[str]

    def to_dict(self) -> dict[str, object]:
        """Return the watch as plain JSON data."""
        w = self.watch
        return {
            "id": w.id,
            "name": w.name,
            "changes": w.changes,
            "volatile": sorted(self.volatile),
            "note": w.note,
            "active": w.active,
            "created_at": w.created_at.isoformat(),
        }


def recheck_days() -> int:
    """Return the default re-check period of volatile answers in days (config VOLATILE_RECHECK_DAYS, 365); a
    question's own `recheck_days` in the rule set wins where it names one."""
    try:
        days = int(current_app.config.get("VOLATILE_RECHECK_DAYS", DEFAULT_RECHECK_DAYS))
    except (TypeError, ValueError):
        days = DEFAULT_RECHECK_DAYS
    return days if days > 0 else DEFAULT_RECHECK_DAYS


def _require_admin(actor: User | None) -> None:
    if actor is not None and not actor.has_role(Role.ADMIN):
        raise PermissionDenied(_("Bara en administratör får hantera bevakningar och registrera ändrade fakta."))


def volatile_questions() -> frozenset[str]:
    """Return the ids of the questions any loaded rule set marks volatile."""
    return frozenset(q for q, question in impact_service._known_questions().items() if question.volatile)


def create_watch(name: str, changes: Mapping[str, object], actor: User | None, note: str = "") -> FactWatch:
    """Save a named watch on the answers a changed fact would give (admin); audited. Any question is allowed."""
    _require_admin(actor)
    name = " ".join((name or "").split())
    problems: list[str] = []
    fields: dict[str, str] = {}
    if not name:
        fields["name"] = _("Ge bevakningen ett namn.")
    elif len(name) > MAX_NAME:
        fields["name"] = _("Högst %(max)s tecken.", max=MAX_NAME)
    problems += fields.values()
    try:
        checked = impact_service.check_changes(changes)
    except ValidationFailed as exc:
        problems += exc.problems
        fields.update(exc.fields)
        checked = {}
    if problems:
        raise ValidationFailed(*problems, fields=fields)
    watch = FactWatch(name=name, changes=checked, note=(note or "").strip(), created_by_id=actor.id if actor else None)
    db.session.add(watch)
    db.session.flush()
    record_event(actor, "fact_watch", watch.id, "fact_watch.create", None, {"name": name, "changes": checked})
    return watch


def list_watches(active_only: bool = False) -> list[WatchView]:
    """Return the watches, newest first, each with its volatile questions marked."""
    query = select(FactWatch).order_by(FactWatch.id.desc())
    if active_only:
        query = query.where(FactWatch.active.is_(True))
    volatile = volatile_questions()
    return [WatchView(w, frozenset(q for q in w.changes if q in volatile)) for w in db.session.scalars(query)]


def get_watch(watch_id: int) -> FactWatch:
    """Return the watch or raise NotFound."""
    watch = db.session.get(FactWatch, watch_id)
    if watch is None:
        raise NotFound(_("Bevakningen finns inte."))
    return watch


def _verdict_words(code: str) -> str:
    from assess import texts

    return _(texts.VERDICT.get(code, code))


def _open_flags(assessment_ids: list[int]) -> list[ReassessmentFlag]:
    if not assessment_ids:
        return []
    query = select(ReassessmentFlag).where(
        ReassessmentFlag.assessment_id.in_(assessment_ids), ReassessmentFlag.resolved_at.is_(None)
    )
    return list(db.session.scalars(query))


def _flag(
    assessment: Assessment, source: str, reason: str, actor: User | None, change: FactChange | None = None
) -> ReassessmentFlag:
    """Add an open flag, audited, and queue its notice to the architects and decision makers."""
    flag = ReassessmentFlag(
        assessment_id=assessment.id, source=source, reason=reason, fact_change_id=change.id if change else None
    )
    db.session.add(flag)
    db.session.flush()
    record_event(
        actor,
        "assessment",
        assessment.id,
        "reassessment.flag",
        None,
        {"flag": flag.id, "source": source, "reason": reason},
        assessment_id=assessment.id,
    )
    from assess.services import notifications

    notifications.on_reassessment(assessment, actor)
    return flag


def record_fact_change(
    watch: FactWatch, changed_on: date | None, reference: str, actor: User | None
) -> tuple[FactChange, list[ReassessmentFlag]]:
    """Record that a watched fact has changed (admin; audited) and flag every decided assessment it changes.

    A decided assessment is flagged when the watch's answers change its verdict; one that already has an open
    flag for this watch's earlier change is not flagged twice.
    """
    _require_admin(actor)
    reference = " ".join((reference or "").split())
    fields: dict[str, str] = {}
    if changed_on is None:
        fields["changed_on"] = _("Ange datumet då faktan ändrades (ÅÅÅÅ-MM-DD).")
    if not reference:
        fields["reference"] = _("Ange en referens (beslut, dom eller PM).")
    elif len(reference) > MAX_REFERENCE:
        fields["reference"] = _("Högst %(max)s tecken.", max=MAX_REFERENCE)
    if not watch.active:
        fields["watch"] = _("Bevakningen är inte aktiv.")
    if fields:
        raise ValidationFailed(*fields.values(), fields=fields)
    assert changed_on is not None  # noqa: S101 - checked above
    change = FactChange(
        watch_id=watch.id, changed_on=changed_on, reference=reference, recorded_by_id=actor.id if actor else None
    )
    db.session.add(change)
    db.session.flush()
    rows = [r for r in impact_service.impact(watch.changes, statuses=(S.DECIDED,)) if r.verdict_changes]
    earlier = set(
        db.session.scalars(select(FactChange.id).where(FactChange.watch_id == watch.id, FactChange.id != change.id))
    )
    already = {
        f.assessment_id
        for f in _open_flags([r.assessment_id for r in rows])
        if f.source == "fact" and f.fact_change_id in earlier
    }
    flags = []
    for row in rows:
        if row.assessment_id in already:
            continue
        assessment = db.session.get(Assessment, row.assessment_id)
        assert assessment is not None  # noqa: S101 - listed a moment ago
        reason = _(
            "%(watch)s (%(reference)s, %(date)s): %(before)s → %(after)s",
            watch=watch.name,
            reference=reference,
            date=changed_on.isoformat(),
            before=_verdict_words(row.verdict_before),
            after=_verdict_words(row.verdict_after),
        )
        flags.append(_flag(assessment, "fact", reason, actor, change))
    record_event(
        actor,
        "fact_watch",
        watch.id,
        "fact_change.record",
        None,
        {
            "fact_change": change.id,
            "changed_on": changed_on.isoformat(),
            "reference": reference,
            "flagged": [f.assessment_id for f in flags],
        },
    )
    return change, flags


def check_due(today: date, actor: User | None = None) -> list[ReassessmentFlag]:
    """Flag decided assessments whose next review date has come or whose volatile answers are older than the
    re-check period; an assessment with an open flag of the same source is not flagged again."""
    period = recheck_days()
    decided = list(
        db.session.scalars(
            select(Assessment)
            .where(Assessment.status == S.DECIDED)
            .options(
                selectinload(Assessment.answers),
                selectinload(Assessment.overrides),
                joinedload(Assessment.alternative).joinedload(Alternative.case),
            )
            .order_by(Assessment.id)
        )
    )
    ids = [a.id for a in decided]
    open_sources = {(f.assessment_id, f.source) for f in _open_flags(ids)}
    reviews = (
        {
            d.assessment_id: d.next_review
            for d in db.session.scalars(select(Decision).where(Decision.assessment_id.in_(ids)))
        }
        if ids
        else {}
    )
    flags = []
    for assessment in decided:
        next_review = reviews.get(assessment.id)
        if next_review is not None and next_review <= today and (assessment.id, "next_review") not in open_sources:
            reason = _("Datumet för nästa omprövning (%(date)s) har kommit.", date=next_review.isoformat())
            flags.append(_flag(assessment, "next_review", reason, actor))
        if (assessment.id, "volatile") in open_sources:
            continue
        try:
            ruleset = ruleset_for(assessment)
            evaluation = evaluate_assessment(assessment)
        except DomainError:
            continue
        shown = {q for q, result in evaluation.questions.items() if result.shown}  # hidden answers never count
        aged = sorted(
            (a.question_id for a in assessment.answers
             if a.value not in (None, "") and a.question_id in shown
             and ruleset.by_id[a.question_id].volatile
             and a.updated_at.date() < today - timedelta(days=ruleset.by_id[a.question_id].recheck_days or period)),
            key=lambda q: ruleset.by_id[q].index,
        )  # fmt: skip
        if aged:
            reason = _(
                "Svar på frågor om rörlig rätt är äldre än %(days)s dagar: %(questions)s.",
                days=period,
                questions=", ".join(aged),
            )
            flags.append(_flag(assessment, "volatile", reason, actor))
    return flags


def open_flags_of(assessment: Assessment) -> list[ReassessmentFlag]:
    """Return the assessment's open flags, oldest first."""
    return sorted(_open_flags([assessment.id]), key=lambda f: f.id)


def open_flags_of_id(assessment_id: int) -> list[ReassessmentFlag]:
    """Return the open flags of the assessment with this id, oldest first (for the review page)."""
    return sorted(_open_flags([assessment_id]), key=lambda f: f.id)


def open_flags_page(page: int = 1) -> Any:
    """Return one page of the open flags, newest first, counted in SQL (a tasks.Section)."""
    from assess.services.tasks import Section, fetch_page

    query = (
        select(ReassessmentFlag)
        .where(ReassessmentFlag.resolved_at.is_(None))
        .options(
            joinedload(ReassessmentFlag.assessment).joinedload(Assessment.alternative).joinedload(Alternative.case)
        )
        .order_by(ReassessmentFlag.id.desc())
    )
    items, total, page = fetch_page(query, page)
    return Section(items, total, page, "sida")


def flagged_query() -> Select[int]:
    """SQL: the ids of the decided assessments with an open re-assessment flag (one row each)."""
    return (
        select(ReassessmentFlag.assessment_id)
        .join(Assessment, Assessment.id == ReassessmentFlag.assessment_id)
        .where(ReassessmentFlag.resolved_at.is_(None), Assessment.status == S.DECIDED)
        .distinct()
    )


def flagged_assessment_ids(among: Iterable[int] | None = None) -> set[int]:
    """Return the ids of assessments (of those `among`, when given) with an open flag (one query)."""
    query = flagged_query()
    if among is not None:
        ids = sorted(set(among))
        if not ids:
            return set()
        query = query.where(ReassessmentFlag.assessment_id.in_(ids))
    return set(db.session.scalars(query))


def default_reason(assessment: Assessment) -> str:
    """Return the open flags' reasons, one a line: the reason "Starta omprövning" proposes."""
    return "\n".join(f.reason for f in open_flags_of(assessment))


def start_reassessment(assessment: Assessment, actor: User, reason: str | None = None) -> Assessment:
    """Make the new revision (answers carried over, the reason in the audit trail) and resolve the open flags."""
    from assess.services import workflow

    flags = open_flags_of(assessment)
    text = (reason if reason is not None else "\n".join(f.reason for f in flags)).strip()
    new = workflow.revise(assessment, actor, text)
    now = utcnow()
    for flag in flags:
        flag.resolved_at = now
        flag.resolved_by_id = actor.id
        flag.revision_id = new.id
    db.session.flush()
    record_event(
        actor,
        "assessment",
        assessment.id,
        "reassessment.start",
        None,
        {"revision": new.id, "reason": text, "flags": [f.id for f in flags]},
        assessment_id=assessment.id,
    )
    return new
