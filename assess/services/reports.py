"""Report data for the PDF renderers: the assessment record and the comparison of a case's alternatives.

A decided assessment is reported from its frozen record (the stored evaluation is never re-scored); any other
assessment from its live tables, evaluated now. Both go through the same record shape (`records.build_record`),
so a draft report and the decided report print the same things the same way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import select, union
from sqlalchemy.orm import selectinload

import rules
from assess.extensions import db
from assess.labels import REVIEW_AREA as AREA_LABELS
from assess.models import (
    Alternative,
    Answer,
    AreaApproval,
    Assessment,
    AssessmentStatus,
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
from assess.services.errors import NotFound
from assess.services.evaluation import evaluate_assessment, ruleset_for
from assess.services.records import build_record, stored_report_of
from assess.services.workflow import REVIEW_SCOPE

STOCKHOLM = ZoneInfo("Europe/Stockholm")
WHOLE_ASSESSMENT = "Hela bedömningen"
UNKNOWN_CONDITION = ("Klargör", "svaret är okänt och ska tas fram (icke blockerande okänd).")
_FILENAME_SAFE = re.compile(r"[^A-Za-z0-9._-]")


# ---------------------------------------------------------------------------------------------------------
# The assessment report


def build_assessment_report(assessment_id: int, generated: datetime) -> report.AssessmentReport:
    """Return the report data of one assessment: from its frozen record when decided, else evaluated now."""
    assessment = get_assessment(assessment_id)
    record = db.session.scalar(select(FrozenRecord).where(FrozenRecord.assessment_id == assessment_id))
    return _report_of(assessment, record, generated)


def render_record_report(assessment: Assessment, record: FrozenRecord, generated: datetime) -> bytes:
    """Render the report of a just-frozen record (not yet stored: its hash goes into the record's row)."""
    with db.session.no_autoflush:
        return render_assessment_report(_report_of(assessment, record, generated))


def stored_report(assessment_id: int, instance: Path | None = None) -> bytes | None:
    """Return the report stored at decision time when it exists and matches its SHA-256 in the record."""
    record = db.session.scalar(select(FrozenRecord).where(FrozenRecord.assessment_id == assessment_id))
    if record is None:
        return None
    content, _problem = stored_report_of(record, instance)
    return content


def assessment_pdf(assessment_id: int, instance: Path | None, generated: datetime) -> bytes:
    """Return the assessment report as PDF: the stored decision-time file if intact, else rendered now."""
    stored = stored_report(assessment_id, instance)
    if stored is not None:
        return stored
    return render_assessment_report(build_assessment_report(assessment_id, generated))


def _report_of(assessment: Assessment, record: FrozenRecord | None, generated: datetime) -> report.AssessmentReport:
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
    )


def _people_of(assessment_id: int) -> list[User]:
    """Load in one query everyone a record names, so that reading their names costs no query per row."""
    ids = union(
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
) -> report.AssessmentReport:
    evaluation: Mapping[str, Any] = data["evaluation"]
    questions: Mapping[str, Any] = evaluation["questions"]
    answers: Mapping[str, Any] = data.get("answers", {})
    overridden = set(evaluation.get("overrides", ()))
    pin = data["ruleset"]

    def title(qid: str) -> str:
        return ruleset.question(qid).title.sv if qid in ruleset.by_id else qid

    sections = tuple(
        report.AreaSection(
            area=_area(area.id),
            result=cast(report.AreaResult, evaluation["areas"][area.id]["result"]),
            questions=tuple(
                _question(ruleset.question(qid), questions[qid], answers.get(qid), qid in overridden)
                for qid in area.questions
                if qid in questions and questions[qid]["shown"]
            ),
            ignored_answers=tuple(
                report.IgnoredAnswer(qid, title(qid), _answer_label(ruleset.question(qid), answers[qid]["value"]))
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
                reason=_unknown_reason(questions[qid], answers.get(qid)),
            )
            for qid in ids
        )

    alternative = assessment.alternative
    return report.AssessmentReport(
        case_title=alternative.case.title,
        alternative=alternative.name,
        scope=assessment.scope,
        status=assessment.status.value,
        generated=_local(generated),
        record_id=str(assessment.id),
        ruleset=report.RuleSetIdentity(str(pin["id"]), str(pin["version"]), str(pin["sha256"])),
        verdict=cast(report.Verdict, evaluation["verdict"]),
        worst_case=cast(report.Verdict, evaluation["worst_case"]),
        areas=sections,
        record_hash=record_hash,
        author=assessment.owner.display_name if assessment.owner is not None else "",
        knockouts=tuple(_knockout(ruleset, qid, questions[qid]) for qid in evaluation["knockouts"]),
        overrides=tuple(
            _override(ruleset, item, questions.get(item["question"])) for item in data.get("overrides", ())
        ),
        decisive_unknowns=unknowns(evaluation["decisive_unknowns"]),
        blocking_unknowns=unknowns(evaluation["blocking_unknowns"]),
        conditions=_conditions(ruleset, evaluation, data.get("conditions", ()), fulfilled),
        comments=_comments(data.get("comments", ()), data.get("change_requests", ())),
        approvals=_approvals(data.get("approvals", ()), data.get("change_requests", ())),
        decision=_decision(data.get("decision")),
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


def _answer_label(question: rules.Question, value: Any) -> str:
    """Return an answer as the reader knows it: the option's Swedish label, or the value itself."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return str(value)
    return question.label(value, "sv")


def _reason(result: Mapping[str, Any]) -> str:
    reason = result.get("reason")
    return str(reason.get("sv", "")) if isinstance(reason, Mapping) else ""


def _unknown_reason(result: Mapping[str, Any], answer: Mapping[str, Any] | None) -> str:
    """Return why a question is open, and who has taken on to find out by when (if anyone has)."""
    reason = _reason(result)
    owner = str(answer.get("unknown_owner") or "") if answer is not None else ""
    if owner:
        due = answer.get("unknown_due") if answer is not None else None
        reason += f" Tas fram av {owner}" + (f" senast {due}." if due else ".")
    return reason


def _references(result: Mapping[str, Any]) -> tuple[report.Reference, ...]:
    return tuple(report.Reference(str(r["text"]), bool(r.get("verify", False))) for r in result.get("references", ()))


def _question(
    question: rules.Question, result: Mapping[str, Any], answer: Mapping[str, Any] | None, overridden: bool
) -> report.Question:
    value = answer.get("value") if answer is not None else None
    answered = value is not None and value != ""
    return report.Question(
        id=question.id,
        title=question.title.sv,
        text=question.text.sv,
        answer=_answer_label(question, value) if answered else None,
        evidence=cast(report.Evidence, answer["evidence"]) if answered and answer is not None else None,
        outcome=cast(report.Outcome, result["outcome"]),
        reason=_reason(result),
        motivation=str(answer.get("motivation") or "") if answer is not None else "",
        evidence_reference=str(answer.get("evidence_ref") or "") if answer is not None else "",
        references=_references(result),
        mitigations=tuple(str(m) for m in result.get("mitigations", ())),
        answered_by=cast(report.AnsweredBy, result.get("answered_by")),
        overridden=overridden,
    )


def _matched_rule(question: rules.Question, result: Mapping[str, Any] | None) -> rules.Rule | None:
    """Return the knock-out rule a stored reason names (the reason quotes the rule; it is not re-scored)."""
    if result is None:
        return None
    text = _reason(result)
    matches = [rule for rule in question.rules if rule.outcome == "KO" and rule.explained.sv in text]
    return max(matches, key=lambda rule: len(rule.explained.sv), default=None)


def _mitigation(ruleset: rules.RuleSet, mitigation_id: str, **terms: Any) -> report.Mitigation:
    found = ruleset.mitigations_by_id.get(mitigation_id)
    return report.Mitigation(id=mitigation_id, text=found.text.sv if found is not None else "", **terms)


def _knockout(ruleset: rules.RuleSet, qid: str, result: Mapping[str, Any]) -> report.Knockout:
    question = ruleset.question(qid)
    rule = _matched_rule(question, result)
    return report.Knockout(
        question_id=qid,
        title=question.title.sv,
        reason=rule.reason.sv if rule is not None else _reason(result),
        references=_references(result),
        fixes=tuple(_mitigation(ruleset, mid) for mid in (rule.fix if rule is not None else ())),
    )


def _override(ruleset: rules.RuleSet, item: Mapping[str, Any], result: Mapping[str, Any] | None) -> report.Override:
    qid = str(item["question"])
    question = ruleset.by_id.get(qid)
    rule = _matched_rule(question, result) if question is not None else None
    kind = item.get("kind")
    return report.Override(
        question_id=qid,
        title=question.title.sv if question is not None else qid,
        reference=str(item["reference"]),
        author=str(item["author"]),
        date=date.fromisoformat(str(item["date"])),
        kind=cast(report.OverrideKind, kind) if kind in ("legal", "technical") else None,
        review_date=date.fromisoformat(str(item["review_date"])) if item.get("review_date") else None,
        original_reason=rule.reason.sv if rule is not None else "",
    )


def _gate(item: Mapping[str, Any]) -> str:
    if item.get("gate") == "within_months" and item.get("gate_months"):
        return f"Inom {item['gate_months']} månader"
    return str(item.get("gate") or "")


def _conditions(
    ruleset: rules.RuleSet,
    evaluation: Mapping[str, Any],
    decided: Sequence[Mapping[str, Any]],
    fulfilled: Mapping[str, bool],
) -> tuple[report.Condition, ...]:
    """Return the conditions: as the decision set them (owner, deadline, gate), else as the evaluation has them."""
    overridden = set(evaluation.get("overrides", ()))

    def title(qid: str) -> str:
        return ruleset.question(qid).title.sv if qid in ruleset.by_id else qid

    if not decided:
        return tuple(
            report.Condition(
                question_id=str(item["question"]),
                title=title(str(item["question"])),
                mitigations=tuple(_mitigation(ruleset, str(mid)) for mid in item["mitigations"]),
                overridden=item["question"] in overridden,
            )
            for item in evaluation.get("conditions", ())
        )
    result = []
    for item in decided:
        qid = str(item["question"])
        terms: dict[str, Any] = {
            "owner": str(item["owner"]),
            "deadline": date.fromisoformat(str(item["deadline"])),
            "gate": _gate(item),
            "fulfilled": fulfilled.get(qid, False),
        }
        mitigations = tuple(_mitigation(ruleset, str(mid), **terms) for mid in item.get("mitigations") or ())
        if not mitigations:  # a non-blocking unknown: the condition is to find out
            mitigations = (report.Mitigation(*UNKNOWN_CONDITION, **terms),)
        result.append(report.Condition(qid, title(qid), mitigations, overridden=qid in overridden))
    return tuple(result)


def _comments(
    comments: Sequence[Mapping[str, Any]], requests: Sequence[Mapping[str, Any]]
) -> tuple[report.ReviewComment, ...]:
    items = [
        report.ReviewComment(
            target=str(c.get("question") or WHOLE_ASSESSMENT),
            author=str(c["author"]),
            time=_time(str(c["at"])),
            text=("Svar: " if c.get("reply_to") else "") + str(c["text"]),
        )
        for c in comments
    ]
    items += [
        report.ReviewComment(
            target=str(r["area"]),
            author=str(r["reviewer"]),
            time=_time(str(r["at"])),
            text=f"Begärde ändringar (granskningsomgång {r['round']}): {r['reason']}",
        )
        for r in requests
    ]
    return tuple(sorted(items, key=lambda c: c.time))


def _approvals(
    approvals: Sequence[Mapping[str, Any]], requests: Sequence[Mapping[str, Any]]
) -> tuple[report.AreaApproval, ...]:
    """Return the approvals of the last review round (one per rule-set area the review area covers)."""
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
                    role=f"Granskare ({AREA_LABELS[review_area]})",
                )
            )
    order = {code: index for index, code in enumerate(report.AREAS)}
    return tuple(sorted(result, key=lambda a: order[a.area]))


def _decision(item: Mapping[str, Any] | None) -> report.Decision | None:
    if not item:
        return None
    return report.Decision(
        decision_maker=str(item["by"]),
        time=_time(str(item["at"])),
        approved=item["outcome"] == "approved",
        residual_risks=str(item.get("residual_risks") or ""),
        next_review=date.fromisoformat(str(item["next_review"])) if item.get("next_review") else None,
        role="Beslutsfattare",
    )


# ---------------------------------------------------------------------------------------------------------
# The comparison report


def build_comparison_report(case_id: int, generated: datetime) -> report.ComparisonReport:
    """Return the comparison of a case's alternatives and modules; decided ones from their frozen records."""
    case = db.session.scalar(
        select(Case)
        .where(Case.id == case_id)
        .options(selectinload(Case.alternatives).selectinload(Alternative.assessments))
    )
    if case is None:
        raise NotFound(f"Ärende {case_id} finns inte.")
    assessments = [
        (alternative, assessment)
        for alternative in case.alternatives
        for assessment in sorted(alternative.assessments, key=lambda a: (a.position, a.id))
        if assessment.status != AssessmentStatus.SUPERSEDED
    ]
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
    rows = []
    pins: set[tuple[str, str, str]] = set()
    for alternative, assessment in assessments:
        ruleset = ruleset_for(assessment)
        record = records.get(assessment.id)
        if record is not None:
            evaluation: Mapping[str, Any] = json.loads(record.canonical_json)["evaluation"]
        else:
            evaluation = evaluate_assessment(assessment, answers[assessment.id], overrides[assessment.id]).to_dict()
        pins.add((assessment.ruleset_id, str(assessment.ruleset_version), assessment.ruleset_sha256))
        rows.append(_comparison_row(alternative, assessment, ruleset, evaluation))
    notes: tuple[str, ...] = ()
    if len(pins) > 1:
        versions = ", ".join(sorted(f"{i} version {v}" for i, v, _ in pins))
        notes = (f"Bedömningarna följer olika versioner av regelverket ({versions}); jämför med försiktighet.",)
    if not rows:
        notes += ("Ärendet har inga bedömningar ännu.",)
    only = next(iter(pins)) if len(pins) == 1 else None
    return report.ComparisonReport(
        case_title=case.title,
        generated=_local(generated),
        rows=tuple(rows),
        ruleset=report.RuleSetIdentity(*only) if only is not None else None,
        notes=notes,
    )


def _comparison_row(
    alternative: Alternative, assessment: Assessment, ruleset: rules.RuleSet, evaluation: Mapping[str, Any]
) -> report.ComparisonRow:
    def refs(ids: Iterable[str]) -> tuple[report.QuestionRef, ...]:
        return tuple(
            report.QuestionRef(qid, ruleset.question(qid).title.sv if qid in ruleset.by_id else qid) for qid in ids
        )

    areas = evaluation["areas"]
    return report.ComparisonRow(
        alternative=alternative.name,
        module=assessment.scope,
        status=assessment.status.value,
        verdict=cast(report.Verdict, evaluation["verdict"]),
        worst_case=cast(report.Verdict, evaluation["worst_case"]),
        area_results=report.AreaResults(*(cast(report.AreaResult, areas[area]["result"]) for area in report.AREAS)),
        knockouts=refs(evaluation["knockouts"]),
        decisive_unknowns=refs(evaluation["decisive_unknowns"]),
        conditions=refs(str(c["question"]) for c in evaluation["conditions"]),
        blocking_unknown_count=len(evaluation["blocking_unknowns"]),
        record_id=str(assessment.id),
    )


def comparison_pdf(case_id: int, generated: datetime) -> bytes:
    """Return the comparison report of a case as PDF."""
    return render_comparison_report(build_comparison_report(case_id, generated))


def download_name(kind: str, object_id: int) -> str:
    """Return an ASCII file name for a download, e.g. ``bedomning-5.pdf``."""
    return _FILENAME_SAFE.sub("-", f"{kind}-{object_id}.pdf")
