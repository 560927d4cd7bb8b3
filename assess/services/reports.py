"""Report data for the PDF renderers: the assessment record and the comparison of a case's alternatives.

A decided assessment is reported from its frozen record (the stored evaluation is never re-scored); any other
assessment from its live tables, evaluated now. Both go through the same record shape (`records.build_record`),
so a draft report and the decided report print the same things the same way.

Languages: a report is in one language, "sv" or "en". The data's texts are picked here in that language (the
rule set's Swedish or English titles, reasons and mitigations; this module's own words through the catalogue),
and the renderers get the catalogue's translate function for their static texts. A report asked for on demand
is in the reader's language (or the one asked for); the report stored with a decision is rendered once, in
Swedish, the region's record language, and says so.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import select, union
from sqlalchemy.orm import selectinload

import rules
from assess import texts
from assess.extensions import db
from assess.i18n import LANGUAGES, N_, translator
from assess.i18n import language as reader_language
from assess.labels import REVIEW_AREA as AREA_LABELS
from assess.models import (
    Alternative,
    Answer,
    AreaApproval,
    Assessment,
    Case,
    ChangeRequest,
    Decision,
    DecisionCondition,
    FrozenRecord,
    KnockoutOverride,
    ReviewArea,
    ReviewComment,
    User,
)
from assess.pdf import data as report
from assess.pdf import render_assessment_report, render_comparison_report
from assess.services.assessments import get_assessment
from assess.services.cases import Module, alternative_modules
from assess.services.errors import NotFound
from assess.services.evaluation import evaluate_assessment, ruleset_for
from assess.services.records import build_record, stored_report_of
from assess.services.workflow import REVIEW_SCOPE
from assess.texts import WHOLE_ALTERNATIVE

STOCKHOLM = ZoneInfo("Europe/Stockholm")
WHOLE_ASSESSMENT = N_("Hela bedömningen")
UNKNOWN_CONDITION = N_("Klargör svaret: det är okänt och ska tas fram.")
#: The language of the frozen record and of the report stored with it.
RECORD_LANGUAGE = "sv"
_FILENAME_SAFE = re.compile(r"[^A-Za-z0-9._-]")
Translate = Callable[[str], str]


def report_language(lang: str | None = None) -> str:
    """Return the language of a report: the one asked for when known, else the reader's."""
    return lang if lang in LANGUAGES else reader_language()


def _translator(lang: str) -> Translate:
    """Return the catalogue's translate function for a language (each text looked up once per report)."""
    return functools.lru_cache(maxsize=None)(translator(lang))


# ---------------------------------------------------------------------------------------------------------
# The assessment report


def build_assessment_report(
    assessment_id: int, generated: datetime, lang: str | None = None
) -> report.AssessmentReport:
    """Return the report data of one assessment: from its frozen record when decided, else evaluated now."""
    assessment = get_assessment(assessment_id)
    record = db.session.scalar(select(FrozenRecord).where(FrozenRecord.assessment_id == assessment_id))
    return _report_of(assessment, record, generated, report_language(lang))


def render_record_report(assessment: Assessment, record: FrozenRecord, generated: datetime) -> bytes:
    """Render the report of a just-frozen record (not yet stored: its hash goes into the record's row).

    Always in Swedish, the record's language, whatever the decision maker reads the pages in: the stored report
    is the archived one, and it says that it is.
    """
    with db.session.no_autoflush:
        data = _report_of(assessment, record, generated, RECORD_LANGUAGE, archived=True)
    return render_assessment_report(data, _translator(RECORD_LANGUAGE))


def stored_report(assessment_id: int, instance: Path | None = None) -> bytes | None:
    """Return the report stored at decision time when it exists and matches its SHA-256 in the record."""
    record = db.session.scalar(select(FrozenRecord).where(FrozenRecord.assessment_id == assessment_id))
    if record is None:
        return None
    content, _problem = stored_report_of(record, instance)
    return content


def assessment_pdf(assessment_id: int, instance: Path | None, generated: datetime, lang: str | None = None) -> bytes:
    """Return the assessment report as PDF in a language (default: the reader's).

    In Swedish, the stored decision-time file when it is intact; else (or in English) rendered now.
    """
    lang = report_language(lang)
    if lang == RECORD_LANGUAGE:
        stored = stored_report(assessment_id, instance)
        if stored is not None:
            return stored
    return render_assessment_report(build_assessment_report(assessment_id, generated, lang), _translator(lang))


def _report_of(
    assessment: Assessment,
    record: FrozenRecord | None,
    generated: datetime,
    lang: str,
    *,
    archived: bool = False,
) -> report.AssessmentReport:
    ruleset = ruleset_for(assessment)
    fulfilled: dict[str, bool] = {}
    if record is not None:
        data: dict[str, Any] = json.loads(record.canonical_json)
        if data.get("conditions"):
            rows = db.session.execute(
                select(DecisionCondition.question_id, DecisionCondition.fulfilled).where(
                    DecisionCondition.assessment_id == assessment.id
                )
            )
            fulfilled = {qid: bool(done) for qid, done in rows}
    else:
        evaluation = evaluate_assessment(assessment)
        people = _people_of(assessment.id)  # held so that build_record's lazy loads hit the identity map
        data = build_record(assessment, evaluation)
        del people
    return _assessment_report(
        assessment,
        ruleset,
        data,
        record.sha256 if record is not None else None,
        fulfilled,
        generated,
        lang,
        archived=archived,
    )


def _people_of(assessment_id: int) -> list[User]:
    """Load in one query everyone a record names, so that reading their names costs no query per row."""
    ids: Any = union(
        select(ReviewComment.author_id).where(ReviewComment.assessment_id == assessment_id),
        select(AreaApproval.reviewer_id).where(AreaApproval.assessment_id == assessment_id),
        select(ChangeRequest.reviewer_id).where(ChangeRequest.assessment_id == assessment_id),
        select(KnockoutOverride.recorded_by_id).where(KnockoutOverride.assessment_id == assessment_id),
        select(Decision.decided_by_id).where(Decision.assessment_id == assessment_id),
        select(DecisionCondition.owner_id).where(DecisionCondition.assessment_id == assessment_id),
    )
    return list(db.session.scalars(select(User).where(User.id.in_(ids.scalar_subquery()))))


def _assessment_report(
    assessment: Assessment,
    ruleset: rules.RuleSet,
    data: Mapping[str, Any],
    record_hash: str | None,
    fulfilled: Mapping[str, bool],
    generated: datetime,
    lang: str = RECORD_LANGUAGE,
    *,
    archived: bool = False,
) -> report.AssessmentReport:
    _ = _translator(lang)
    evaluation: Mapping[str, Any] = data["evaluation"]
    questions: Mapping[str, Any] = evaluation["questions"]
    answers: Mapping[str, Any] = data.get("answers", {})
    overridden = set(evaluation.get("overrides", ()))
    pin = data["ruleset"]

    def title(qid: str) -> str:
        return ruleset.question(qid).title.get(lang) if qid in ruleset.by_id else qid

    sections = tuple(
        report.AreaSection(
            area=_area(area.id),
            result=cast(report.AreaResult, evaluation["areas"][area.id]["result"]),
            questions=tuple(
                _question(ruleset, ruleset.question(qid), questions[qid], answers.get(qid), qid in overridden, lang)
                for qid in area.questions
                if qid in questions and questions[qid]["shown"]
            ),
            ignored_answers=tuple(
                report.IgnoredAnswer(qid, title(qid), _answer_label(ruleset.question(qid), answers[qid]["value"], lang))
                for qid in area.questions
                if qid in evaluation.get("ignored_answers", ()) and qid in answers
            ),
        )
        for area in ruleset.areas
        if area.id in report.AREAS
    )

    def unknowns(ids: Iterable[str]) -> tuple[report.Unknown, ...]:
        return tuple(
            report.Unknown(
                question_id=qid,
                title=title(qid),
                answered_by=cast(report.AnsweredBy, questions[qid]["answered_by"]),
                outcome=cast(report.Outcome, questions[qid]["outcome"] or "UB"),
                reason=_unknown_reason(ruleset.by_id.get(qid), questions[qid], answers.get(qid), lang),
            )
            for qid in ids
        )

    alternative = assessment.alternative
    return report.AssessmentReport(
        case_title=alternative.case.title,
        alternative=alternative.name,
        scope=_scope(assessment.scope, lang),
        status=assessment.status.value,
        generated=_local(generated),
        record_id=str(assessment.id),
        ruleset=report.RuleSetIdentity(str(pin["id"]), str(pin["version"]), str(pin["sha256"])),
        verdict=cast(report.Verdict, evaluation["verdict"]),
        worst_case=cast(report.Verdict, evaluation["worst_case"]),
        areas=sections,
        record_hash=record_hash,
        author=assessment.owner.display_name if assessment.owner is not None else "",
        knockouts=tuple(_knockout(ruleset, qid, questions[qid], lang) for qid in evaluation["knockouts"]),
        overrides=tuple(
            _override(ruleset, item, questions.get(item["question"]), lang) for item in data.get("overrides", ())
        ),
        decisive_unknowns=unknowns(evaluation["decisive_unknowns"]),
        blocking_unknowns=unknowns(evaluation["blocking_unknowns"]),
        conditions=_conditions(
            ruleset, evaluation, data.get("conditions", ()), fulfilled, lang, _local(generated).date()
        ),
        comments=_comments(data.get("comments", ()), data.get("change_requests", ()), _),
        approvals=_approvals(data.get("approvals", ()), data.get("change_requests", ()), _),
        decision=_decision(data.get("decision"), _),
        language=lang,
        archived=archived,
        revision=assessment.revision,
    )


def _area(code: str) -> report.Area:
    return cast(report.Area, code)


def _local(value: datetime) -> datetime:
    """Return a time in Swedish local time, as the web pages show it (naive times are taken as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo("UTC"))
    return value.astimezone(STOCKHOLM)


def _time(text: str) -> datetime:
    return _local(datetime.fromisoformat(text))


def _scope(scope: str, lang: str) -> str:
    """Return a scope as the report's reader reads it (the default one in the report's language)."""
    return _translator(lang)(WHOLE_ALTERNATIVE) if scope == WHOLE_ALTERNATIVE else scope


def _answer_label(question: rules.Question, value: Any, lang: str = RECORD_LANGUAGE) -> str:
    """Return an answer as the reader knows it: the option's label in the language, or the value itself."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return str(value)
    return question.label(value, lang)


def _reason(result: Mapping[str, Any], lang: str = RECORD_LANGUAGE) -> str:
    """Return the stored rule trace (the rules module's notation: for the appendix only)."""
    reason = result.get("reason")
    if not isinstance(reason, Mapping):
        return ""
    return str(reason.get(lang) or reason.get(RECORD_LANGUAGE) or "")


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?" else text + "."


def _reference_suffix(result: Mapping[str, Any], lang: str) -> str:
    """Return the references as the rules module ends a summary with them (" Referenser: ...; ....")."""
    refs = [rules.Reference(str(r["text"]), bool(r.get("verify", False))) for r in result.get("references", ())]
    if not refs:
        return ""
    one = len(refs) == 1
    label = ("Referens" if one else "Referenser") if lang == "sv" else ("Reference" if one else "References")
    return f" {label}: {'; '.join(r.words(lang) for r in refs)}."


def _summary(question: rules.Question | None, result: Mapping[str, Any], lang: str) -> str:
    """Return why a question has its outcome, in plain words and without its references (printed apart).

    The stored evaluation's `summary` when it has one; an evaluation stored before summaries existed gets the
    matched rule's own reason, or for an open question who is to answer it.
    """
    summary = result.get("summary")
    if isinstance(summary, Mapping):
        text = str(summary.get(lang) or summary.get(RECORD_LANGUAGE) or "")
        suffix = _reference_suffix(result, lang)
        return text[: -len(suffix)] if suffix and text.endswith(suffix) else text
    _ = _translator(lang)
    outcome = result.get("outcome")
    rule = _rule_of(question, result) if question is not None else None
    if rule is not None and "override" in result.get("mitigations", ()):
        return _("Stoppträffen är hävd genom en dokumenterad bedömning. Ursprunglig grund: %(reason)s") % {
            "reason": _sentence(rule.reason.get(lang))
        }
    if rule is not None and rule.outcome == outcome:
        return _sentence(rule.reason.get(lang))
    if outcome in ("UB", "UN"):
        who = _(texts.ANSWERED_BY.get(str(result.get("answered_by")), str(result.get("answered_by") or "")))
        return _("Ska besvaras av %(who)s.") % {"who": who}
    return ""


def _unknown_reason(
    question: rules.Question | None, result: Mapping[str, Any], answer: Mapping[str, Any] | None, lang: str
) -> str:
    """Return in words why a question is open, and who has taken on to find out by when (if anyone has)."""
    _ = _translator(lang)
    reason = _summary(question, result, lang)
    owner = str(answer.get("unknown_owner") or "") if answer is not None else ""
    if owner:
        due = answer.get("unknown_due") if answer is not None else None
        found = (
            _("Tas fram av %(owner)s senast %(due)s.") % {"owner": owner, "due": due}
            if due
            else _("Tas fram av %(owner)s.") % {"owner": owner}
        )
        reason = f"{reason} {found}".strip()
    return reason


def _references(result: Mapping[str, Any]) -> tuple[report.Reference, ...]:
    return tuple(report.Reference(str(r["text"]), bool(r.get("verify", False))) for r in result.get("references", ()))


def _question(
    ruleset: rules.RuleSet,
    question: rules.Question,
    result: Mapping[str, Any],
    answer: Mapping[str, Any] | None,
    overridden: bool,
    lang: str = RECORD_LANGUAGE,
) -> report.Question:
    value = answer.get("value") if answer is not None else None
    answered = value is not None and value != ""
    return report.Question(
        id=question.id,
        title=question.title.get(lang),
        text=question.text.get(lang),
        answer=_answer_label(question, value, lang) if answered else None,
        evidence=cast(report.Evidence, answer["evidence"]) if answered and answer is not None else None,
        outcome=cast(report.Outcome, result["outcome"]),
        reason=_reason(result, lang),
        summary=_summary(question, result, lang),
        motivation=str(answer.get("motivation") or "") if answer is not None else "",
        evidence_reference=str(answer.get("evidence_ref") or "") if answer is not None else "",
        references=_references(result),
        mitigations=tuple(_mitigation(ruleset, str(m), lang) for m in result.get("mitigations", ())),
        answered_by=cast(report.AnsweredBy, result.get("answered_by")),
        overridden=overridden,
    )


def _rule_of(question: rules.Question, result: Mapping[str, Any] | None) -> rules.Rule | None:
    """Return the rule a stored result names: its `rule` number, or for an older evaluation the rule its trace
    quotes (the result is never re-scored)."""
    if result is None:
        return None
    number = result.get("rule")
    if isinstance(number, int) and not isinstance(number, bool):
        return next((rule for rule in question.rules if rule.number == number), None)
    text = _reason(result)
    matches = [rule for rule in question.rules if rule.explained.sv in text]
    return max(matches, key=lambda rule: len(rule.explained.sv), default=None)


def _matched_rule(question: rules.Question, result: Mapping[str, Any] | None) -> rules.Rule | None:
    """Return the knock-out rule of a stored result (the rule it names, when that is a knock-out rule)."""
    rule = _rule_of(question, result)
    if rule is not None and rule.outcome == "KO":
        return rule
    if result is None:
        return None
    text = _reason(result)  # an older trace that names a knock-out rule beside another (not re-scored)
    matches = [rule for rule in question.rules if rule.outcome == "KO" and rule.explained.sv in text]
    return max(matches, key=lambda rule: len(rule.explained.sv), default=None)


def _mitigation(
    ruleset: rules.RuleSet, mitigation_id: str, lang: str = RECORD_LANGUAGE, **terms: Any
) -> report.Mitigation:
    found = ruleset.mitigations_by_id.get(mitigation_id)
    return report.Mitigation(id=mitigation_id, text=found.text.get(lang) if found is not None else "", **terms)


def _knockout(ruleset: rules.RuleSet, qid: str, result: Mapping[str, Any], lang: str) -> report.Knockout:
    question = ruleset.question(qid)
    rule = _matched_rule(question, result)
    return report.Knockout(
        question_id=qid,
        title=question.title.get(lang),
        reason=_sentence(rule.reason.get(lang)) if rule is not None else _summary(question, result, lang),
        references=_references(result),
        fixes=tuple(_mitigation(ruleset, mid, lang) for mid in (rule.fix if rule is not None else ())),
    )


def _override(
    ruleset: rules.RuleSet, item: Mapping[str, Any], result: Mapping[str, Any] | None, lang: str
) -> report.Override:
    qid = str(item["question"])
    question = ruleset.by_id.get(qid)
    rule = _matched_rule(question, result) if question is not None else None
    kind = item.get("kind")
    return report.Override(
        question_id=qid,
        title=question.title.get(lang) if question is not None else qid,
        reference=str(item["reference"]),
        author=str(item["author"]),
        date=date.fromisoformat(str(item["date"])),
        kind=cast(report.OverrideKind, kind) if kind in ("legal", "technical") else None,
        review_date=date.fromisoformat(str(item["review_date"])) if item.get("review_date") else None,
        original_reason=_sentence(rule.reason.get(lang)) if rule is not None else "",
    )


def _gate(item: Mapping[str, Any], tr: Translate) -> str:
    _ = tr
    if item.get("gate") == "within_months" and item.get("gate_months"):
        return _("Inom %(months)s månader") % {"months": item["gate_months"]}
    return str(item.get("gate") or "")


def _conditions(
    ruleset: rules.RuleSet,
    evaluation: Mapping[str, Any],
    decided: Sequence[Mapping[str, Any]],
    fulfilled: Mapping[str, bool],
    lang: str = RECORD_LANGUAGE,
    today: date | None = None,
) -> tuple[report.Condition, ...]:
    """Return the conditions: as the decision set them (owner, one deadline: a date or a gate), else as the
    evaluation has them; a date passed by `today` without the condition verified is marked overdue."""
    overridden = set(evaluation.get("overrides", ()))
    _ = _translator(lang)

    def title(qid: str) -> str:
        return ruleset.question(qid).title.get(lang) if qid in ruleset.by_id else qid

    def stated(qid: str) -> tuple[report.Mitigation, ...]:
        """Return a condition without a catalogue mitigation as the rule states it (its reason in words)."""
        result = evaluation.get("questions", {}).get(qid)
        text = _summary(ruleset.by_id.get(qid), result, lang) if result is not None else ""
        return (report.Mitigation("", text),) if text else ()

    if not decided:
        return tuple(
            report.Condition(
                question_id=str(item["question"]),
                title=title(str(item["question"])),
                mitigations=tuple(_mitigation(ruleset, str(mid), lang) for mid in item["mitigations"])
                or stated(str(item["question"])),
                overridden=item["question"] in overridden,
            )
            for item in evaluation.get("conditions", ())
        )
    result = []
    for item in decided:
        qid = str(item["question"])
        deadline = date.fromisoformat(str(item["deadline"])) if item.get("deadline") else None
        done = fulfilled.get(qid, False)
        terms: dict[str, Any] = {
            "owner": str(item.get("owner") or ""),
            "deadline": deadline,
            "gate": _gate(item, _) or None,
            "fulfilled": done,
            "overdue": not done and deadline is not None and today is not None and deadline < today,
        }
        mitigations = tuple(_mitigation(ruleset, str(mid), lang, **terms) for mid in item.get("mitigations") or ())
        if not mitigations:  # a non-blocking unknown: the condition is to find out
            mitigations = (report.Mitigation("", _(UNKNOWN_CONDITION), **terms),)
        result.append(report.Condition(qid, title(qid), mitigations, overridden=qid in overridden))
    return tuple(result)


def _comments(
    comments: Sequence[Mapping[str, Any]], requests: Sequence[Mapping[str, Any]], tr: Translate
) -> tuple[report.ReviewComment, ...]:
    _ = tr
    items = [
        report.ReviewComment(
            target=str(c.get("question") or _(WHOLE_ASSESSMENT)),
            author=str(c["author"]),
            time=_time(str(c["at"])),
            text=_("Svar: %(text)s") % {"text": c["text"]} if c.get("reply_to") else str(c["text"]),
        )
        for c in comments
    ]
    items += [
        report.ReviewComment(
            target=str(r["area"]),
            author=str(r["reviewer"]),
            time=_time(str(r["at"])),
            text=_("Begärde ändringar (granskningsomgång %(round)s): %(reason)s")
            % {"round": r["round"], "reason": r["reason"]},
        )
        for r in requests
    ]
    return tuple(sorted(items, key=lambda c: c.time))


def _approvals(
    approvals: Sequence[Mapping[str, Any]], requests: Sequence[Mapping[str, Any]], tr: Translate
) -> tuple[report.AreaApproval, ...]:
    """Return the approvals of the last review round (one per rule-set area the review area covers)."""
    _ = tr
    rounds = [int(a["round"]) for a in approvals] + [int(r["round"]) for r in requests]
    if not rounds:
        return ()
    last = max(rounds)
    if any(int(r["round"]) == last for r in requests):
        return ()  # sent back: the approvals of that round no longer stand
    result = []
    for item in approvals:
        if int(item["round"]) != last:
            continue
        review_area = ReviewArea(item["area"])
        for area in REVIEW_SCOPE[review_area]:
            result.append(
                report.AreaApproval(
                    area=_area(area),
                    reviewer=str(item["reviewer"]),
                    time=_time(str(item["at"])),
                    role=_("Granskare (%(area)s)") % {"area": _(AREA_LABELS.msgid(review_area))},
                )
            )
    order = {code: index for index, code in enumerate(report.AREAS)}
    return tuple(sorted(result, key=lambda a: order[a.area]))


def _decision(item: Mapping[str, Any] | None, tr: Translate) -> report.Decision | None:
    _ = tr
    if not item:
        return None
    return report.Decision(
        decision_maker=str(item["by"]),
        time=_time(str(item["at"])),
        approved=item["outcome"] == "approved",
        residual_risks=str(item.get("residual_risks") or ""),
        next_review=date.fromisoformat(str(item["next_review"])) if item.get("next_review") else None,
        role=_("Beslutsfattare"),
    )


# ---------------------------------------------------------------------------------------------------------
# The comparison report


def build_comparison_report(case_id: int, generated: datetime, lang: str | None = None) -> report.ComparisonReport:
    """Return the comparison of a case's alternatives and modules; decided ones from their frozen records."""
    lang = report_language(lang)
    _ = _translator(lang)
    case = db.session.scalar(
        select(Case)
        .where(Case.id == case_id)
        .options(selectinload(Case.alternatives).selectinload(Alternative.assessments))
    )
    if case is None:
        raise NotFound(_("Ärende %(id)s finns inte.") % {"id": case_id})
    by_alternative = alternative_modules(case.alternatives)
    modules = [
        (alternative, module) for alternative in case.alternatives for module in by_alternative[alternative.id]
    ]  # one row per module: its newest revision, with the decision that stands beside it
    assessments = [(alternative, module.current) for alternative, module in modules]
    ids = [a.id for _, a in assessments]
    records = {
        r.assessment_id: r for r in db.session.scalars(select(FrozenRecord).where(FrozenRecord.assessment_id.in_(ids)))
    }
    live = [a.id for _, a in assessments if a.id not in records]
    answers: dict[int, list[Answer]] = {i: [] for i in live}
    overrides: dict[int, dict[str, rules.Override]] = {i: {} for i in live}
    if live:
        for row in db.session.scalars(select(Answer).where(Answer.assessment_id.in_(live))):
            answers[row.assessment_id].append(row)
        for o in db.session.scalars(select(KnockoutOverride).where(KnockoutOverride.assessment_id.in_(live))):
            overrides[o.assessment_id][o.question_id] = rules.Override(
                o.reference, o.author, o.finding_date.isoformat(), o.kind.value, o.review_date.isoformat()
            )
    from assess.services.scenarios import scenarios_of

    scenarios = scenarios_of(ids)  # hypothetical rows under their module's row, evaluated live
    rows = []
    pins: set[tuple[str, str, str]] = set()
    for alternative, module in modules:
        assessment = module.current
        ruleset = ruleset_for(assessment)
        record = records.get(assessment.id)
        if record is not None:
            evaluation: Mapping[str, Any] = json.loads(record.canonical_json)["evaluation"]
        else:
            evaluation = evaluate_assessment(assessment, answers[assessment.id], overrides[assessment.id]).to_dict()
        pins.add((assessment.ruleset_id, str(assessment.ruleset_version), assessment.ruleset_sha256))
        compared = _comparison_row(alternative, assessment, ruleset, evaluation, lang, module)
        if scenarios[assessment.id]:
            compared = _with_scenarios(compared, alternative, assessment, ruleset, scenarios[assessment.id], lang)
        rows.append(compared)
    notes: tuple[str, ...] = ()
    if len(pins) > 1:
        versions = ", ".join(
            sorted(_("%(ruleset)s version %(version)s") % {"ruleset": i, "version": v} for i, v, _sha in pins)
        )
        notes = (
            _("Bedömningarna följer olika versioner av regelverket (%(versions)s); jämför med försiktighet.")
            % {"versions": versions},
        )
    if not rows:
        notes += (_("Ärendet har inga bedömningar ännu."),)
    only = next(iter(pins)) if len(pins) == 1 else None
    return report.ComparisonReport(
        case_title=case.title,
        generated=_local(generated),
        rows=tuple(rows),
        ruleset=report.RuleSetIdentity(*only) if only is not None else None,
        notes=notes,
        language=lang,
    )


def _comparison_row(
    alternative: Alternative,
    assessment: Assessment,
    ruleset: rules.RuleSet,
    evaluation: Mapping[str, Any],
    lang: str = RECORD_LANGUAGE,
    module: Module | None = None,
) -> report.ComparisonRow:
    questions: Mapping[str, Any] = evaluation["questions"]
    standing, decided_revision = None, None
    if module is not None and module.decision_stands and module.decided is not None:
        standing, decided_revision = module.decision, module.decided.revision

    def refs(ids: Iterable[str], answered_by: bool = False) -> tuple[report.QuestionRef, ...]:
        return tuple(
            report.QuestionRef(
                qid,
                ruleset.question(qid).title.get(lang) if qid in ruleset.by_id else qid,
                cast(report.AnsweredBy, questions.get(qid, {}).get("answered_by")) if answered_by else None,
            )
            for qid in ids
        )

    areas = evaluation["areas"]
    return report.ComparisonRow(
        alternative=alternative.name,
        module=_scope(assessment.scope, lang),
        status=assessment.status.value,
        verdict=cast(report.Verdict, evaluation["verdict"]),
        worst_case=cast(report.Verdict, evaluation["worst_case"]),
        area_results=report.AreaResults(*(cast(report.AreaResult, areas[area]["result"]) for area in report.AREAS)),
        knockouts=refs(evaluation["knockouts"]),
        decisive_unknowns=refs(evaluation["decisive_unknowns"], answered_by=True),
        conditions=refs(str(c["question"]) for c in evaluation["conditions"]),
        blocking_unknown_count=len(evaluation["blocking_unknowns"]),
        record_id=str(assessment.id),
        alternative_id=str(alternative.id),
        revision=assessment.revision,
        decided_revision=decided_revision,
        decided_verdict=cast(report.Verdict, standing.verdict) if standing is not None else None,
        decided_approved=standing.outcome.value == "approved" if standing is not None else None,
    )


def _with_scenarios(
    row: report.ComparisonRow,
    alternative: Alternative,
    assessment: Assessment,
    ruleset: rules.RuleSet,
    results: Sequence[Any],
    lang: str,
) -> report.ComparisonRow:
    """Return the row with its scenarios (ScenarioResult) as plain hypothetical rows for the renderer."""
    from dataclasses import replace

    scenario_rows = []
    for result in results:
        base = _comparison_row(alternative, assessment, ruleset, result.evaluation.to_dict(), lang)
        scenario_rows.append(
            report.ScenarioRow(
                name=result.scenario.name,
                verdict=base.verdict,
                worst_case=base.worst_case,
                area_results=base.area_results,
                knockouts=base.knockouts,
                decisive_unknowns=base.decisive_unknowns,
                conditions=base.conditions,
                changed=tuple(result.changed),
            )
        )
    return replace(row, scenarios=tuple(scenario_rows))


def comparison_pdf(case_id: int, generated: datetime, lang: str | None = None) -> bytes:
    """Return the comparison report of a case as PDF, in a language (default: the reader's)."""
    lang = report_language(lang)
    return render_comparison_report(build_comparison_report(case_id, generated, lang), _translator(lang))


def steering_pdf(case_id: int, generated: datetime, lang: str | None = None) -> bytes:
    """Return the steering group's brief (*Beslutsunderlag*) of a case as PDF, in a language (default: the reader's)."""
    from assess.pdf.steering import render_steering_report
    from assess.services.steering import steering_brief

    lang = report_language(lang)
    return render_steering_report(steering_brief(case_id, lang, generated), _translator(lang))


def download_name(kind: str, object_id: int) -> str:
    """Return an ASCII file name for a download, e.g. ``bedomning-5.pdf``."""
    return _FILENAME_SAFE.sub("-", f"{kind}-{object_id}.pdf")
