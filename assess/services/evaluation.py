"""Evaluating assessments with the rules module (the engine has the last word on every answer)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

import rules
from assess.i18n import _
from assess.models import Answer, Assessment, KnockoutOverride
from assess.models.assessment import Evidence
from assess.rulesets import registry
from assess.services.errors import Conflict


class AnswerFacts(NamedTuple):
    """What the engine reads of a stored answer, selected without loading the row as an object (lists of many
    modules' answers: the comparison, a case, the summaries)."""

    question_id: str
    value: Any
    evidence: Evidence
    motivation: str | None


def engine_answers(rows: Iterable[Answer | AnswerFacts]) -> dict[str, rules.Answer]:
    """Return the stored answers as the engine's input (unanswered rows are left out)."""
    result: dict[str, rules.Answer] = {}
    for row in rows:
        if row.value is None or row.value == "":
            continue
        result[row.question_id] = rules.Answer(row.value, row.evidence.value, row.motivation or None)
    return result


def ruleset_for(assessment: Assessment) -> rules.RuleSet:
    """Return the rule set the assessment is pinned to (id, version and sha256)."""
    try:
        return registry().get(assessment.ruleset_id, assessment.ruleset_version, assessment.ruleset_sha256)
    except LookupError as exc:
        raise Conflict(_("Bedömning %(id)s: %(problem)s", id=assessment.id, problem=exc)) from None


class EngineInput(NamedTuple):
    """What an evaluation of an assessment reads (its pinned rule set, its answers and overrides) and the key its
    result is cached under: made once when a page both evaluates a module and completes it favourably."""

    ruleset: rules.RuleSet
    answers: dict[str, rules.Answer]
    overrides: Mapping[str, rules.Override]
    key: tuple[Any, ...]


def engine_input(
    assessment: Assessment,
    rows: Iterable[Answer | AnswerFacts] | None = None,
    overrides: Mapping[str, rules.Override] | None = None,
) -> EngineInput:
    """Return the engine's input of an assessment: its stored answers (or the rows given) and overrides."""
    from assess.services import summaries

    ruleset = ruleset_for(assessment)
    answers = engine_answers(assessment.answers if rows is None else rows)
    known = {qid: a for qid, a in answers.items() if qid in ruleset.by_id}
    if overrides is None:
        overrides = engine_overrides(assessment)
    return EngineInput(ruleset, known, overrides, summaries.content_key(assessment, known, dict(overrides)))


def evaluate_assessment(
    assessment: Assessment,
    rows: Iterable[Answer | AnswerFacts] | None = None,
    overrides: Mapping[str, rules.Override] | None = None,
    given: EngineInput | None = None,
) -> rules.Evaluation:
    """Evaluate an assessment's answers against its pinned rule set (`given`: its engine_input, made before)."""
    from assess.services import summaries

    ruleset, known, overrides, key = given or engine_input(assessment, rows, overrides)
    evaluation = summaries.cached(key)
    if evaluation is None:
        evaluation = rules.evaluate(ruleset, known, overrides, validate=False)
        summaries.remember(key, evaluation)
    return evaluation


def engine_overrides(assessment: Assessment) -> dict[str, rules.Override]:
    """Return the assessment's recorded overrides as the engine's input."""
    return overrides_of(assessment.overrides)


def overrides_of(rows: Iterable[KnockoutOverride]) -> dict[str, rules.Override]:
    """Return recorded overrides as the engine's input."""
    return {
        o.question_id: rules.Override(
            o.reference, o.author, o.finding_date.isoformat(), o.kind.value, o.review_date.isoformat()
        )
        for o in rows
    }
