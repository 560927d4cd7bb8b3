"""Scenarios: named sets of hypothetical answers to an assessment's open questions, evaluated beside the real ones.

A scenario never changes an answer: it is evaluated with the real answers and its own on top, in memory only.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

import rules
from assess.extensions import db
from assess.i18n import _
from assess.models import Assessment, AssessmentStatus, AuditEvent, Role, User
from assess.models.support import Scenario
from assess.services.audit import record_event
from assess.services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from assess.services.evaluation import engine_answers, engine_overrides, ruleset_for
from rules.answers import check_value, value_from_form

#: The evidence levels a hypothetical answer may claim; E2 (documented) unless the editor says otherwise.
EVIDENCE_LEVELS = ("E0", "E1", "E2", "E3", "E4")
DEFAULT_EVIDENCE = "E2"
NAME_MAX = 200
#: A decided (or superseded) assessment's scenarios are part of what was considered: read-only from then on.
LOCKED_STATES = (AssessmentStatus.DECIDED, AssessmentStatus.SUPERSEDED)


@dataclass(frozen=True)
class ScenarioResult:
    """A scenario evaluated: the real answers with its answers on top (never written).

    `changed` lists the questions the scenario answers that are still open; `ignored` those it answers that are
    no longer open (answered for real since), which do not count.
    """

    scenario: Scenario
    evaluation: rules.Evaluation
    verdict: str
    worst_case: str
    knockouts: tuple[str, ...]
    conditions: int
    changed: tuple[str, ...]
    ignored: tuple[str, ...] = ()


def may_edit(actor: User, assessment: Assessment) -> bool:
    """Tell whether the user may add, change or remove scenarios of the assessment."""
    return actor.has_role(Role.ADMIN, Role.ARCHITECT) and assessment.status not in LOCKED_STATES


def _check_may_edit(actor: User, assessment: Assessment) -> None:
    if not actor.has_role(Role.ADMIN, Role.ARCHITECT):
        raise PermissionDenied(_("Bara arkitekter och administratörer kan ändra scenarier."))
    if assessment.status in LOCKED_STATES:
        raise Conflict(
            _("Bedömningen är beslutad: dess scenarier hör till det som övervägdes och kan inte längre ändras.")
        )


def get_scenario(scenario_id: int) -> Scenario:
    """Return a scenario with its assessment, or raise NotFound."""
    scenario = db.session.scalar(
        select(Scenario).where(Scenario.id == scenario_id).options(selectinload(Scenario.assessment))
    )
    if scenario is None:
        raise NotFound(_("Scenario %(id)s finns inte.", id=scenario_id))
    return scenario


def open_questions(assessment: Assessment) -> tuple[str, ...]:
    """Return the ids of the questions open in the assessment's real evaluation, in catalogue order."""
    ruleset = ruleset_for(assessment)
    real = rules.evaluate(
        ruleset, _known(ruleset, engine_answers(assessment.answers)), engine_overrides(assessment), validate=False
    )
    return real.open_questions


def _known(ruleset: rules.RuleSet, answers: Mapping[str, rules.Answer]) -> dict[str, rules.Answer]:
    return {qid: a for qid, a in answers.items() if qid in ruleset.by_id}


def clean_answers(assessment: Assessment, raw: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Return posted hypothetical answers as stored ({qid: {"value", "evidence"}}); raise every problem at once.

    `raw` maps a question id to {"value": form string or value, "evidence": "E0".."E4"}; an empty value means
    "as now (open)" and is left out. Only questions open in the real evaluation may be answered.
    """
    ruleset = ruleset_for(assessment)
    still_open = set(open_questions(assessment))
    fields: dict[str, str] = {}
    cleaned: dict[str, dict[str, Any]] = {}
    for qid, item in raw.items():
        question = ruleset.by_id.get(qid)
        given = item.get("value")
        value = value_from_form(question, given) if question is not None and isinstance(given, str) else given
        if value is None or value == "":
            continue
        if question is None or qid not in still_open:
            fields[f"q_{qid}"] = _("%(qid)s är inte en öppen fråga i bedömningen.", qid=qid)
            continue
        if check_value(question, value) is not None:
            fields[f"q_{qid}"] = _("Välj ett av frågans svarsalternativ.")
        evidence = item.get("evidence") or DEFAULT_EVIDENCE
        if evidence not in EVIDENCE_LEVELS:
            fields[f"q_{qid}_evidence"] = _("Välj en underlagsnivå mellan E0 och E4.")
        cleaned[qid] = {"value": value, "evidence": evidence}
    if fields:
        raise ValidationFailed(*fields.values(), fields=fields)
    return cleaned


def _check_name(name: str, fields: dict[str, str]) -> str:
    name = name.strip()
    if not name:
        fields["name"] = _("Ge scenariot ett namn.")
    elif len(name) > NAME_MAX:
        fields["name"] = _("Namnet får vara högst %(max)s tecken.", max=NAME_MAX)
    return name


def _validate(
    assessment: Assessment, name: str, raw: Mapping[str, Mapping[str, Any]]
) -> tuple[str, dict[str, dict[str, Any]]]:
    """Check the name and the answers together and raise one error with every problem per field."""
    fields: dict[str, str] = {}
    name = _check_name(name, fields)
    answers: dict[str, dict[str, Any]] = {}
    try:
        answers = clean_answers(assessment, raw)
    except ValidationFailed as exc:
        fields.update(exc.fields)
    if fields:
        raise ValidationFailed(*fields.values(), fields=fields)
    return name, answers


def _snapshot(scenario: Scenario) -> dict[str, Any]:
    return {"name": scenario.name, "description": scenario.description, "answers": scenario.answers}


def create_scenario(
    assessment: Assessment,
    name: str,
    actor: User,
    description: str = "",
    answers: Mapping[str, Mapping[str, Any]] | None = None,
) -> Scenario:
    """Add a scenario to an assessment (audited); its answers never touch the assessment's own."""
    _check_may_edit(actor, assessment)
    name, cleaned = _validate(assessment, name, answers or {})
    scenario = Scenario(
        assessment_id=assessment.id,
        name=name,
        description=description.strip(),
        answers=cleaned,
        created_by_id=actor.id,
    )
    db.session.add(scenario)
    db.session.flush()
    record_event(actor, "scenario", scenario.id, "scenario.create", None, _snapshot(scenario), assessment.id)
    return scenario


def last_saved_by(scenario: Scenario) -> str:
    """Return the name of who saved the scenario last (from the audit trail)."""
    name = db.session.scalar(
        select(AuditEvent.actor_name)
        .where(AuditEvent.entity_type == "scenario", AuditEvent.entity_id == scenario.id)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    )
    return name or _("någon annan")


def _stale(scenario: Scenario) -> Conflict:
    return Conflict(
        _(
            "%(who)s har sparat scenariot efter att du öppnade det. Ladda om sidan för att se deras ändringar; "
            "dina värden finns kvar i formuläret.",
            who=last_saved_by(scenario),
        )
    )


def update_scenario(
    scenario: Scenario,
    name: str,
    description: str,
    answers: Mapping[str, Mapping[str, Any]],
    base_version: int | None,
    actor: User,
) -> Scenario:
    """Change a scenario; refuse (Conflict naming who saved) when it changed after base_version was loaded."""
    assessment = scenario.assessment
    _check_may_edit(actor, assessment)
    if base_version != scenario.version:
        raise _stale(scenario)
    name, cleaned = _validate(assessment, name, answers)
    before = _snapshot(scenario)
    scenario.name, scenario.description, scenario.answers = name, description.strip(), cleaned
    after = _snapshot(scenario)
    if after == before:
        return scenario
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise _stale(get_scenario(scenario.id)) from None
    changed_before = {k: v for k, v in before.items() if after[k] != v}
    changed_after = {k: v for k, v in after.items() if before[k] != v}
    record_event(actor, "scenario", scenario.id, "scenario.update", changed_before, changed_after, assessment.id)
    return scenario


def delete_scenario(scenario: Scenario, actor: User) -> None:
    """Remove a scenario (audited, with what it held)."""
    assessment = scenario.assessment
    _check_may_edit(actor, assessment)
    before = _snapshot(scenario)
    scenario_id = scenario.id
    db.session.delete(scenario)
    db.session.flush()
    record_event(actor, "scenario", scenario_id, "scenario.delete", before, None, assessment.id)


def _evaluate(
    scenario: Scenario,
    ruleset: rules.RuleSet,
    real: Mapping[str, rules.Answer],
    overrides: Mapping[str, rules.Override],
) -> ScenarioResult:
    still_open = set(rules.evaluate(ruleset, real, overrides, validate=False).open_questions)
    answers = dict(real)
    changed, ignored = [], []
    for qid, item in (scenario.answers or {}).items():
        if qid not in ruleset.by_id or qid not in still_open or not isinstance(item, dict):
            ignored.append(qid)
            continue
        answers[qid] = rules.Answer(item.get("value"), str(item.get("evidence") or DEFAULT_EVIDENCE))
        changed.append(qid)
    order = {qid: i for i, qid in enumerate(ruleset.by_id)}
    evaluation = rules.evaluate(ruleset, answers, overrides, validate=False)
    return ScenarioResult(
        scenario=scenario,
        evaluation=evaluation,
        verdict=evaluation.verdict,
        worst_case=evaluation.worst_case,
        knockouts=evaluation.knockouts,
        conditions=len(evaluation.conditions),
        changed=tuple(sorted(changed, key=lambda q: order.get(q, 0))),
        ignored=tuple(ignored),
    )


def evaluate_scenario(assessment: Assessment, scenario: Scenario) -> ScenarioResult:
    """Evaluate the real answers with the scenario's answers on top (nothing is written)."""
    ruleset = ruleset_for(assessment)
    real = _known(ruleset, engine_answers(assessment.answers))
    return _evaluate(scenario, ruleset, real, engine_overrides(assessment))


@functools.cache
def _scenarios_query() -> Select[Scenario]:
    """Return scenarios_of's statement, built once per process with the modules' ids as a parameter."""
    return (
        select(Scenario)
        .where(Scenario.assessment_id.in_(bindparam("ids", expanding=True)))
        .order_by(Scenario.id)
        .options(
            selectinload(Scenario.assessment).options(
                selectinload(Assessment.answers), selectinload(Assessment.overrides)
            )
        )
    )


def scenarios_of(assessment_ids: Iterable[int]) -> dict[int, list[ScenarioResult]]:
    """Return each assessment's scenarios evaluated, oldest first, by assessment id (a fixed number of queries)."""
    ids = list(dict.fromkeys(assessment_ids))
    result: dict[int, list[ScenarioResult]] = {i: [] for i in ids}
    if not ids:
        return result
    found = list(db.session.scalars(_scenarios_query(), {"ids": ids}))
    inputs: dict[int, tuple[rules.RuleSet, dict[str, rules.Answer], dict[str, rules.Override]]] = {}
    for scenario in found:
        assessment = scenario.assessment
        if assessment.id not in inputs:
            ruleset = ruleset_for(assessment)
            inputs[assessment.id] = (
                ruleset,
                _known(ruleset, engine_answers(assessment.answers)),
                engine_overrides(assessment),
            )
        result[assessment.id].append(_evaluate(scenario, *inputs[assessment.id]))
    return result


def favourable_answers(assessment: Assessment, scenario_answers: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Return the most favourable answers to the open questions (rules.completion), or raise Conflict.

    The answers the editor already chose are kept; the others are proposed. Nothing is saved.
    """
    try:
        from rules.completion import favourable_completion  # another part of the rules module; may be absent
    except ImportError:
        raise Conflict(_("Det gynnsammaste utfallet kan inte räknas fram ännu.")) from None
    ruleset = ruleset_for(assessment)
    real = _known(ruleset, engine_answers(assessment.answers))
    completion = favourable_completion(ruleset, real, engine_overrides(assessment))
    proposed: dict[str, Any] = {
        qid: {"value": answer.value, "evidence": answer.evidence} for qid, answer in completion.proposed.items()
    }
    proposed.update({qid: dict(item) for qid, item in scenario_answers.items()})
    return proposed


def scenarios_considered(assessment: Assessment) -> list[dict[str, Any]]:
    """Return the record's annex of the scenarios considered: name, hypothetical answers, verdict and worst case.

    An annex of what was considered at the decision, never answers; empty when the assessment has none.
    """
    results = scenarios_of([assessment.id])[assessment.id]
    return [
        {
            "name": r.scenario.name,
            "answers": r.scenario.answers or {},
            "verdict": r.verdict,
            "worst_case": r.worst_case,
        }
        for r in results
    ]


def scenario_facts(assessment_id: int) -> list[dict[str, Any]]:
    """Return the live scenarios of an assessment as the record's annex states them (name and answers)."""
    rows = db.session.scalars(select(Scenario).where(Scenario.assessment_id == assessment_id).order_by(Scenario.id))
    return [{"name": s.name, "answers": s.answers or {}} for s in rows]
