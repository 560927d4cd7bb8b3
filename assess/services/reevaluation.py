"""Moving open assessments to a newer published rule-set version: what it would change, and doing it for drafts.

Decided and superseded records keep their pinned version for ever. Assessments in review are listed (so the
reviewers know what a newer version would say) but not moved: changing the questions under a reviewer's feet
would invalidate their approvals. Only drafts move.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

import rules
from assess.extensions import db
from assess.models import Alternative, Answer, Assessment, AssessmentStatus, User
from assess.rulesets import Registry
from assess.services.audit import record_event
from assess.services.evaluation import engine_answers, engine_overrides
from assess.services.workflow import answer_json

S = AssessmentStatus
#: Statuses whose assessments keep their pin (the record is decided).
CLOSED = (S.DECIDED, S.SUPERSEDED)
#: Statuses that are moved to the newer version when not a dry run.
MOVABLE = (S.DRAFT,)


@dataclass(frozen=True)
class OutcomeChange:
    """One question whose outcome differs under the newer version."""

    question: str
    before: str | None
    after: str | None


@dataclass
class Reevaluation:
    """What moving one open assessment to the newest published version changes."""

    assessment_id: int
    label: str
    status: AssessmentStatus
    from_version: int
    to_version: int
    to_sha256: str
    verdict_before: str
    verdict_after: str
    worst_before: str
    worst_after: str
    questions_added: list[str] = field(default_factory=list)
    questions_removed: list[str] = field(default_factory=list)
    outcomes: list[OutcomeChange] = field(default_factory=list)
    answers_dropped: list[str] = field(default_factory=list)
    moved: bool = False

    @property
    def movable(self) -> bool:
        """Tell whether the assessment is a draft that can be moved."""
        return self.status in MOVABLE

    def to_dict(self) -> dict[str, Any]:
        """Return the change as plain JSON data."""
        return {
            "assessment": self.assessment_id,
            "label": self.label,
            "status": self.status.value,
            "from_version": self.from_version,
            "to_version": self.to_version,
            "verdict": {"before": self.verdict_before, "after": self.verdict_after},
            "worst_case": {"before": self.worst_before, "after": self.worst_after},
            "questions_added": self.questions_added,
            "questions_removed": self.questions_removed,
            "outcomes": [{"question": o.question, "before": o.before, "after": o.after} for o in self.outcomes],
            "answers_dropped": self.answers_dropped,
            "movable": self.movable,
            "moved": self.moved,
        }


def _kept_answers(ruleset: rules.RuleSet, rows: list[Answer]) -> tuple[list[Answer], list[str]]:
    """Split stored answers into those the newer version still asks (with a valid value) and the rest."""
    kept, dropped = [], []
    for row in rows:
        question = ruleset.by_id.get(row.question_id)
        if question is None or rules.check_value(question, row.value) is not None:
            dropped.append(row.question_id)
        else:
            kept.append(row)
    return kept, sorted(dropped)


def _outcome(evaluation: rules.Evaluation, qid: str) -> str | None:
    result = evaluation.questions.get(qid)
    if result is None or not result.shown:
        return None
    return result.outcome


def plan_reevaluation(registry: Registry) -> list[Reevaluation]:
    """Return, for every open assessment pinned to an older version, what the newest version would change."""
    query = (
        select(Assessment)
        .where(Assessment.status.notin_(CLOSED))
        .options(
            selectinload(Assessment.answers),
            selectinload(Assessment.overrides),
            joinedload(Assessment.alternative).joinedload(Alternative.case),
        )
        .order_by(Assessment.id)
    )
    plans = []
    for assessment in db.session.scalars(query):
        newest = registry.newest(assessment.ruleset_id)
        if newest.version <= assessment.ruleset_version:
            continue
        current = registry.get(assessment.ruleset_id, assessment.ruleset_version, assessment.ruleset_sha256)
        kept, dropped = _kept_answers(newest, list(assessment.answers))
        overrides = engine_overrides(assessment)
        old_answers = {q: a for q, a in engine_answers(assessment.answers).items() if q in current.by_id}
        before = rules.evaluate(current, old_answers, overrides, validate=False)
        after = rules.evaluate(
            newest, engine_answers(kept), {q: o for q, o in overrides.items() if q in newest.by_id}, validate=False
        )
        ids = list(dict.fromkeys([*before.questions, *after.questions]))
        changes = [
            OutcomeChange(qid, _outcome(before, qid), _outcome(after, qid))
            for qid in ids
            if _outcome(before, qid) != _outcome(after, qid)
        ]
        plans.append(
            Reevaluation(
                assessment_id=assessment.id,
                label=f"{assessment.alternative.case.title} / {assessment.alternative.name} / {assessment.scope}",
                status=assessment.status,
                from_version=current.version,
                to_version=newest.version,
                to_sha256=newest.sha256,
                verdict_before=before.verdict,
                verdict_after=after.verdict,
                worst_before=before.worst_case,
                worst_after=after.worst_case,
                questions_added=sorted(newest.by_id.keys() - current.by_id.keys()),
                questions_removed=sorted(current.by_id.keys() - newest.by_id.keys()),
                outcomes=changes,
                answers_dropped=dropped,
            )
        )
    return plans


def apply_reevaluation(registry: Registry, actor: User | None) -> list[Reevaluation]:
    """Move every draft to the newest version, keeping the answers it still asks; audit each move.

    Dropped answers go into the audit event whole, so no answer is lost even when its question is gone.
    """
    plans = plan_reevaluation(registry)
    for plan in plans:
        if not plan.movable:
            continue
        assessment = db.session.get(Assessment, plan.assessment_id)
        assert assessment is not None  # noqa: S101 - planned from the same session a moment ago
        dropped = [a for a in assessment.answers if a.question_id in set(plan.answers_dropped)]
        before = {
            "ruleset": {
                "id": assessment.ruleset_id,
                "version": assessment.ruleset_version,
                "sha256": assessment.ruleset_sha256,
            },
            "verdict": plan.verdict_before,
            "dropped_answers": {a.question_id: answer_json(a) for a in dropped},
        }
        for row in dropped:
            assessment.answers.remove(row)
            db.session.delete(row)
        assessment.ruleset_version = plan.to_version
        assessment.ruleset_sha256 = plan.to_sha256
        db.session.flush()
        record_event(
            actor,
            "assessment",
            assessment.id,
            "assessment.reevaluate",
            before,
            {
                "ruleset": {"id": assessment.ruleset_id, "version": plan.to_version, "sha256": plan.to_sha256},
                "verdict": plan.verdict_after,
                "questions_added": plan.questions_added,
                "questions_removed": plan.questions_removed,
            },
            assessment_id=assessment.id,
        )
        plan.moved = True
    return plans


def newer_version(registry: Registry, assessment: Assessment) -> int | None:
    """Return the newest published version when it is newer than the assessment's pin, else None."""
    try:
        newest = registry.newest(assessment.ruleset_id)
    except LookupError:
        return None
    return newest.version if newest.version > assessment.ruleset_version else None
