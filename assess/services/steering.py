"""The steering group's *Beslutsunderlag*: per alternative and module, now, at worst, and what it takes.

One plain data object (`assess.pdf.data.SteeringBrief`) serves both the page and the PDF: the verdict now and the
worst case, the favourable completion (`services.completion`), the facts still to find per party with the earliest
due date and the named people who find them out (`services.team`), the knock-outs with their reason in one line,
the conditions and the saved scenarios (`services.scenarios`, hypothetical). Codes stay codes here; the page and
the renderer put them in words. The favourable completion and the scenarios are optional parts: when their
service is missing or fails, the part is None and the reader sees "(ej tillgängligt)", never an error.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import select

import rules
from assess.extensions import db
from assess.i18n import _, in_language
from assess.models import Answer, Assessment, User
from assess.pdf import data as report
from assess.services.cases import Module, case_modules, get_case
from assess.services.evaluation import evaluate_assessment, ruleset_for
from assess.services.reports import _local, _scope, _translator, report_language
from assess.services.team import Team, team_of

log = logging.getLogger(__name__)
#: The parties in the order the brief lists them (the rule set's `answered_by`).
PARTIES: tuple[report.AnsweredBy, ...] = ("provider", "legal", "region")


def steering_brief(case_id: int, lang: str | None = None, generated: datetime | None = None) -> report.SteeringBrief:
    """Return the steering group's brief of a case, in a language (default: the reader's)."""
    from assess.models.types import utcnow

    lang = report_language(lang)
    case = get_case(case_id)
    by_alternative = case_modules(case)
    modules = [(alt, m) for alt in case.alternatives for m in by_alternative[alt.id]]
    currents = [m.current for _alt, m in modules]
    answers = _answers_of(currents)
    team = team_of(case)
    _load_people(team)
    evaluations = {a.id: evaluate_assessment(a, answers[a.id]) for a in currents}
    favourable = _favourable_of(currents, answers, lang)
    scenarios = _scenarios_of([a.id for a in currents])
    items = []
    pins: set[tuple[str, str, str]] = set()
    for alternative, module in modules:
        assessment = module.current
        ruleset = ruleset_for(assessment)
        pins.add((assessment.ruleset_id, str(assessment.ruleset_version), assessment.ruleset_sha256))
        items.append(
            _module(
                alternative.name,
                str(alternative.id),
                module,
                ruleset,
                evaluations[assessment.id],
                {row.question_id: row for row in answers[assessment.id]},
                team,
                favourable.get(assessment.id) if favourable is not None else None,
                scenarios.get(assessment.id, []) if scenarios is not None else None,
                lang,
            )
        )
    _ = _translator(lang)
    notes: tuple[str, ...] = ()
    if len(pins) > 1:
        notes = (_("Bedömningarna följer olika versioner av regelverket; jämför med försiktighet."),)
    if not items:
        notes += (_("Ärendet har inga bedömningar ännu."),)
    only = next(iter(pins)) if len(pins) == 1 else None
    return report.SteeringBrief(
        case_title=case.title,
        generated=_local(generated or utcnow()),
        modules=tuple(items),
        case_id=str(case.id),
        ruleset=report.RuleSetIdentity(*only) if only is not None else None,
        notes=notes,
        language=lang,
    )


def _answers_of(assessments: Sequence[Assessment]) -> dict[int, list[Answer]]:
    """Load every answer of the assessments in one query."""
    ids = [a.id for a in assessments]
    result: dict[int, list[Answer]] = {i: [] for i in ids}
    if ids:
        for row in db.session.scalars(select(Answer).where(Answer.assessment_id.in_(ids))):
            result[row.assessment_id].append(row)
    return result


def _load_people(team: Team) -> None:
    """Load the team's users in one query, so that naming assignees hits the identity map, not the database."""
    ids = sorted(team.user_ids())
    if ids:
        list(db.session.scalars(select(User).where(User.id.in_(ids))))


def _favourable_of(
    assessments: Sequence[Assessment], answers: Mapping[int, Sequence[Answer]], lang: str
) -> dict[int, tuple[str, str | None, int | None]] | None:
    """Return each assessment's favourable completion (sentence, verdict, answers needed), or None when missing."""
    try:
        from assess.services import completion
    except ImportError:
        return None
    result: dict[int, tuple[str, str | None, int | None]] = {}
    try:
        with in_language(lang):
            for assessment in assessments:
                fav = completion.favourable(assessment, answers[assessment.id])
                text = str(completion.sentence(fav))
                if fav.verdict == "not_suitable" and fav.evaluation.knockouts and not fav.nothing_open:
                    # "Med gynnsamma besked: Ej lämplig – kräver besked i 39 frågor" reads as if the answers were
                    # needed to get there; what the reader must know is that the knock-outs stand regardless.
                    text = _(
                        "Ej lämplig även med gynnsamma besked i de öppna frågorna: stoppträffarna nedan står kvar."
                    )
                result[assessment.id] = (
                    text,
                    getattr(fav, "verdict", None),
                    getattr(fav, "needed", None),
                )
    except Exception:  # a part of the brief, never a reason for the page to fail
        log.exception("favourable completion failed")
        return None
    return result


def _scenarios_of(ids: Sequence[int]) -> Mapping[int, Sequence[Any]] | None:
    """Return the saved scenarios' results by assessment id, or None when they are not available."""
    try:
        from assess.services import scenarios
    except ImportError:
        return None
    try:
        return cast(Mapping[int, Sequence[Any]], scenarios.scenarios_of(list(ids)))
    except Exception:  # a part of the brief, never a reason for the page to fail
        log.exception("scenarios failed")
        return None


def _count(value: Any) -> int:
    """Return a count given as a number or as the items themselves."""
    if isinstance(value, int):
        return value
    try:
        return len(value)
    except TypeError:
        return 0


def _module(
    alternative: str,
    alternative_id: str,
    module: Module,
    ruleset: rules.RuleSet,
    evaluation: rules.Evaluation,
    answers: Mapping[str, Answer],
    team: Team,
    favourable: tuple[str, str | None, int | None] | None,
    scenarios: Iterable[Any] | None,
    lang: str,
) -> report.SteeringModule:
    assessment = module.current

    def title(qid: str) -> str:
        return ruleset.question(qid).title.get(lang) if qid in ruleset.by_id else qid

    standing, decided_revision = None, None
    if module.decision_stands and module.decided is not None:
        standing, decided_revision = module.decision, module.decided.revision
    knockouts = []
    for qid in evaluation.knockouts:
        brief = evaluation.questions[qid].brief
        knockouts.append(report.KnockoutLine(qid, title(qid), brief.get(lang) if brief is not None else ""))
    scenario_lines = None
    if scenarios is not None:
        scenario_lines = tuple(
            report.ScenarioLine(
                name=str(getattr(getattr(s, "scenario", None), "name", "") or ""),
                verdict=cast(report.Verdict, s.verdict),
                worst_case=cast(report.Verdict, getattr(s, "worst_case", s.verdict)),
                knockouts=_count(getattr(s, "knockouts", 0)),
                conditions=_count(getattr(s, "conditions", 0)),
            )
            for s in scenarios
        )
    return report.SteeringModule(
        alternative=alternative,
        module=_scope(assessment.scope, lang),
        status=assessment.status.value,
        verdict=cast(report.Verdict, evaluation.verdict),
        worst_case=cast(report.Verdict, evaluation.worst_case),
        record_id=str(assessment.id),
        alternative_id=alternative_id,
        revision=assessment.revision,
        decided_revision=decided_revision,
        decided_verdict=cast(report.Verdict, standing.verdict) if standing is not None else None,
        decided_approved=standing.outcome.value == "approved" if standing is not None else None,
        favourable=favourable[0] if favourable is not None else None,
        favourable_verdict=cast(report.Verdict, favourable[1]) if favourable is not None and favourable[1] else None,
        favourable_needed=favourable[2] if favourable is not None else None,
        facts=facts_to_find(evaluation, ruleset, answers, team, assessment),
        knockouts=tuple(knockouts),
        conditions=tuple(report.QuestionRef(c.question, title(c.question)) for c in evaluation.conditions),
        scenarios=scenario_lines,
    )


def facts_to_find(
    evaluation: rules.Evaluation,
    ruleset: rules.RuleSet,
    answers: Mapping[str, Answer],
    team: Team,
    assessment: Assessment,
) -> tuple[report.PartyFacts, ...]:
    """Return the open questions per party: how many, the earliest due date and who finds them out."""
    counts: dict[str, int] = {}
    due: dict[str, date] = {}
    people: dict[str, list[str]] = {}
    unnamed: dict[str, int] = {}
    for qid in evaluation.open_questions:
        question = ruleset.by_id.get(qid)
        if question is None:
            continue
        party = question.answered_by
        counts[party] = counts.get(party, 0) + 1
        row = answers.get(qid)
        if row is not None and row.unknown_due is not None and (party not in due or row.unknown_due < due[party]):
            due[party] = row.unknown_due
        who = team.assignee(row, question, assessment)
        label = who.label if who is not None else (row.unknown_owner if row is not None else "")
        if label:
            if label not in people.setdefault(party, []):
                people[party].append(label)
        else:
            unnamed[party] = unnamed.get(party, 0) + 1
    order = [p for p in PARTIES if p in counts] + sorted(p for p in counts if p not in PARTIES)
    return tuple(
        report.PartyFacts(
            answered_by=cast(report.AnsweredBy, party),
            count=counts[party],
            earliest_due=due.get(party),
            people=tuple(people.get(party, ())),
            unnamed=unnamed.get(party, 0),
        )
        for party in order
    )
