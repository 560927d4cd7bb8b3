"""The portfolio impact of a changed fact: which assessments would change verdict if some answers changed.

A dry run over every assessment that is not superseded (drafts, in review and decided alike): each is evaluated
in memory against its pinned rule set with the changed answers on top of its own. Nothing is written; decided
answers are read, never touched. A changed question the pinned rule set does not have is left out; a changed
question that is not shown stays hidden (visibility follows the rule set) and the row says so.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import String, Text, select, type_coerce
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import joinedload, selectinload

import rules
from assess.extensions import db
from assess.i18n import _
from assess.models import Alternative, Answer, Assessment, AssessmentStatus
from assess.rulesets import registry
from assess.services import jsontext
from assess.services.errors import DomainError, ValidationFailed
from assess.services.evaluation import engine_answers, engine_overrides, ruleset_for

#: Evidence levels a changed answer may carry.
EVIDENCE_LEVELS = ("E0", "E1", "E2", "E3", "E4")
DEFAULT_EVIDENCE = "E2"


@dataclass(frozen=True)
class QuestionChange:
    """One changed question of one assessment: its outcome before and after (None: not shown)."""

    question: str
    before: str | None
    after: str | None
    shown: bool


@dataclass
class ImpactRow:
    """One assessment whose verdict or worst case the changed answers would change."""

    assessment_id: int
    case_id: int
    case_title: str
    alternative: str
    scope: str
    revision: int
    status: AssessmentStatus
    verdict_before: str
    verdict_after: str
    worst_before: str
    worst_after: str
    questions: list[QuestionChange] = field(default_factory=list)
    #: Changed questions the pinned rule set does not have.
    not_in_ruleset: list[str] = field(default_factory=list)

    @property
    def hidden(self) -> list[str]:
        """Return the changed questions that are not shown in this assessment (they stay hidden)."""
        return [q.question for q in self.questions if not q.shown]

    @property
    def verdict_changes(self) -> bool:
        """Tell whether the verdict itself changes (not only the worst case)."""
        return self.verdict_before != self.verdict_after

    @property
    def decided(self) -> bool:
        """Tell whether the assessment is decided."""
        return self.status == AssessmentStatus.DECIDED

    def why(self) -> list[str]:
        """Return the changed questions' new outcomes as codes, e.g. ``"L-08: KO"`` (``"L-08: hidden"``)."""
        return [f"{q.question}: {q.after if q.shown else 'hidden'}" for q in self.questions]

    def why_words(self) -> list[str]:
        """Return the changed questions' new outcomes in words, e.g. ``"L-08: Stoppträff"``."""
        from assess import texts

        hidden = _("visas inte (förblir dold)")
        return [f"{q.question}: {_(texts.OUTCOME[q.after]) if q.shown and q.after else hidden}" for q in self.questions]

    def to_dict(self) -> dict[str, Any]:
        """Return the row as plain JSON data."""
        return {
            "assessment": self.assessment_id,
            "case": {"id": self.case_id, "title": self.case_title},
            "alternative": self.alternative,
            "scope": self.scope,
            "revision": self.revision,
            "status": self.status.value,
            "verdict": {"before": self.verdict_before, "after": self.verdict_after},
            "worst_case": {"before": self.worst_before, "after": self.worst_after},
            "questions": [
                {"question": q.question, "shown": q.shown, "before": q.before, "after": q.after} for q in self.questions
            ],
            "why": self.why_words(),
            "hidden": self.hidden,
            "not_in_ruleset": self.not_in_ruleset,
        }


def _known_questions() -> dict[str, rules.Question]:
    """Return every question of every loaded rule set by id (the newest definition wins)."""
    found: dict[str, rules.Question] = {}
    for ruleset in sorted(registry().all(), key=lambda r: (r.id, r.version)):
        found.update(ruleset.by_id)
    return found


def parse_value(question: rules.Question, raw: object) -> object:
    """Return a changed answer's value as the engine wants it (an int for level and maturity questions)."""
    if isinstance(raw, str) and question.type in ("level", "maturity") and raw.strip().lstrip("-").isdigit():
        return int(raw.strip())
    return raw


def check_changes(changes: Mapping[str, object], evidence: str = DEFAULT_EVIDENCE) -> dict[str, object]:
    """Return the changes with their values parsed; raise ValidationFailed naming every bad question or value."""
    problems: list[str] = []
    fields: dict[str, str] = {}
    known = _known_questions()
    parsed: dict[str, object] = {}
    if not changes:
        message = _("Välj minst en fråga och ett svar.")
        problems.append(message)
        fields["changes"] = message
    for qid, raw in changes.items():
        question = known.get(qid)
        if question is None:
            message = _("%(question)s: ingen sådan fråga i regelverket.", question=qid)
            problems.append(message)
            fields[f"q_{qid}"] = message
            continue
        value = parse_value(question, raw)
        problem = rules.check_value(question, value) if value not in (None, "") else _("ange ett svar")
        if problem is not None:
            message = _("%(question)s: ogiltigt svar (%(problem)s).", question=qid, problem=problem)
            problems.append(message)
            fields[f"q_{qid}"] = message
            continue
        parsed[qid] = value
    if evidence not in EVIDENCE_LEVELS:
        message = _("Underlagsnivån måste vara en av %(levels)s.", levels=", ".join(EVIDENCE_LEVELS))
        problems.append(message)
        fields["evidence"] = message
    if problems:
        raise ValidationFailed(*problems, fields=fields)
    return parsed


def _outcome(evaluation: rules.Evaluation, qid: str) -> tuple[bool, str | None]:
    result = evaluation.questions.get(qid)
    if result is None or not result.shown:
        return False, None
    return True, result.outcome


def evaluate_change(
    assessment: Assessment,
    changes: Mapping[str, object],
    evidence: str = DEFAULT_EVIDENCE,
    stored: Mapping[str, rules.Answer] | None = None,
) -> ImpactRow:
    """Return what the (checked) changes do to one assessment, in memory: before and after, and why.

    `stored`: the assessment's answers as the engine reads them, when the caller read them already (a dry run
    reads a batch's answers as plain rows); by default its loaded answers.
    """
    ruleset = ruleset_for(assessment)
    if stored is None:
        stored = engine_answers(assessment.answers)
    answers = {q: a for q, a in stored.items() if q in ruleset.by_id}
    overrides = engine_overrides(assessment)
    before = rules.evaluate(ruleset, answers, overrides, validate=False)
    applicable = {q: v for q, v in changes.items() if q in ruleset.by_id}
    changed = dict(answers)
    for qid, value in applicable.items():
        changed[qid] = rules.Answer(value, evidence, None)  # type: ignore[arg-type]  # checked by check_changes
    after = rules.evaluate(ruleset, changed, overrides, validate=False)
    questions = []
    for qid in sorted(applicable, key=lambda q: ruleset.by_id[q].index):
        _shown_before, outcome_before = _outcome(before, qid)
        shown_after, outcome_after = _outcome(after, qid)
        questions.append(QuestionChange(qid, outcome_before, outcome_after, shown_after))
    alternative = assessment.alternative
    return ImpactRow(
        assessment_id=assessment.id,
        case_id=alternative.case.id,
        case_title=alternative.case.title,
        alternative=alternative.name,
        scope=assessment.scope,
        revision=assessment.revision,
        status=assessment.status,
        verdict_before=before.verdict,
        verdict_after=after.verdict,
        worst_before=before.worst_case,
        worst_after=after.worst_case,
        questions=questions,
        not_in_ruleset=sorted(q for q in changes if q not in ruleset.by_id),
    )


#: Assessments read per query in a dry run: memory holds one batch of answers, not the whole portfolio's.
IMPACT_BATCH = 200


def candidates(
    statuses: tuple[AssessmentStatus, ...] | None = None,
) -> Iterator[tuple[Assessment, dict[str, rules.Answer]]]:
    """Yield the assessments an impact run looks at (not superseded), oldest first, each with its answers as the
    engine reads them, IMPACT_BATCH at a time (keyset on the id).

    The answers are read as plain rows (question, value, evidence, motivation), not as ORM objects: a batch holds
    some 13,000 answers, and building and then collecting an object for each was most of a dry run's time.
    """
    last = 0
    while True:
        query = (
            select(Assessment)
            .where(Assessment.status != AssessmentStatus.SUPERSEDED, Assessment.id > last)
            .options(
                selectinload(Assessment.overrides),
                joinedload(Assessment.alternative).joinedload(Alternative.case),
            )
            .order_by(Assessment.id)
            .limit(IMPACT_BATCH)
        )
        if statuses is not None:
            query = query.where(Assessment.status.in_(statuses))
        batch = list(db.session.scalars(query))
        if not batch:
            return
        last = batch[-1].id
        answers: dict[int, dict[str, rules.Answer]] = {a.id: {} for a in batch}
        # The value as its JSON text, decoded once per distinct text (a few hundred: "yes", "unknown", ...), and
        # the evidence level as stored (the enum's value).
        rows = db.session.execute(
            select(
                Answer.assessment_id,
                Answer.question_id,
                sql_cast(Answer.value, Text),
                type_coerce(Answer.evidence, String),
                Answer.motivation,
            ).where(Answer.assessment_id.in_(list(answers)))
        )
        texts = jsontext.Texts()
        for assessment_id, question_id, raw, level, motivation in rows:
            value = texts.decode(raw)
            if value is None or value == "":
                continue  # unanswered (as engine_answers)
            answers[assessment_id][question_id] = rules.Answer(value, level, motivation or None)
        for assessment in batch:
            yield assessment, answers[assessment.id]
        del batch, answers


def impact(
    changes: Mapping[str, object],
    evidence: str = DEFAULT_EVIDENCE,
    statuses: tuple[AssessmentStatus, ...] | None = None,
) -> list[ImpactRow]:
    """Return, for every assessment not superseded, the rows whose verdict or worst case the changes would change.

    Raises ValidationFailed naming every unknown question and invalid value. Writes nothing.
    """
    checked = check_changes(changes, evidence)
    rows = []
    for assessment, stored in candidates(statuses):
        try:
            row = evaluate_change(assessment, checked, evidence, stored)
        except DomainError:
            continue  # pinned to a rule set that is not loaded: nothing can be said
        if row.verdict_before != row.verdict_after or row.worst_before != row.worst_after:
            rows.append(row)
    return rows


def parse_assignments(items: list[str] | tuple[str, ...]) -> tuple[dict[str, str], list[str]]:
    """Split ``Q=V`` strings into a mapping; return it and the items that are not of that form."""
    changes: dict[str, str] = {}
    bad: list[str] = []
    for item in items:
        qid, sep, value = item.partition("=")
        if not sep or not qid.strip() or not value.strip():
            bad.append(item)
            continue
        changes[qid.strip()] = value.strip()
    return changes, bad
