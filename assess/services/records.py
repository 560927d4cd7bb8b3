"""Frozen decision records: canonical JSON and its hash, and verifying every record later."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select

import rules
from assess.extensions import db
from assess.models import (
    AreaApproval,
    Assessment,
    ChangeRequest,
    Decision,
    DecisionCondition,
    FrozenRecord,
    ReviewComment,
)
from assess.services.audit import record_event
from assess.services.workflow import answer_json, evaluation_with_overrides

#: Writes the report of a just-built (not yet stored) record; returns (path under instance/, SHA-256 of the file).
ReportWriter = Callable[[Assessment, FrozenRecord], tuple[str, str]]


def canonical_json(data: Any) -> str:
    """Return data as canonical JSON: sorted keys, no insignificant whitespace, UTF-8 characters kept."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def sha256_hex(text: str) -> str:
    """Return the SHA-256 of the UTF-8 text, in hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def build_record(assessment: Assessment, evaluation: rules.Evaluation | None = None) -> dict[str, Any]:
    """Return the whole decided record from the live tables, as plain JSON data."""
    evaluation = evaluation or evaluation_with_overrides(assessment)
    alternative = assessment.alternative
    decision = db.session.scalar(select(Decision).where(Decision.assessment_id == assessment.id))
    comments = db.session.scalars(
        select(ReviewComment).where(ReviewComment.assessment_id == assessment.id).order_by(ReviewComment.id)
    )
    approvals = db.session.scalars(
        select(AreaApproval).where(AreaApproval.assessment_id == assessment.id).order_by(AreaApproval.id)
    )
    requests = db.session.scalars(
        select(ChangeRequest).where(ChangeRequest.assessment_id == assessment.id).order_by(ChangeRequest.id)
    )
    conditions = db.session.scalars(
        select(DecisionCondition).where(DecisionCondition.assessment_id == assessment.id).order_by(DecisionCondition.id)
    )
    return {
        "format": "molnbedomning-record/1",
        "assessment": {
            "id": assessment.id,
            "scope": assessment.scope,
            "revision": assessment.revision,
            "revision_of": assessment.revision_of_id,
        },
        "case": {"id": alternative.case.id, "title": alternative.case.title},
        "alternative": {"id": alternative.id, "name": alternative.name},
        "ruleset": {
            "id": assessment.ruleset_id,
            "version": assessment.ruleset_version,
            "sha256": assessment.ruleset_sha256,
        },
        "answers": {a.question_id: answer_json(a) for a in sorted(assessment.answers, key=lambda a: a.question_id)},
        "evaluation": evaluation.to_dict(),
        "overrides": [
            {
                "question": o.question_id,
                "kind": o.kind.value,
                "reference": o.reference,
                "author": o.author,
                "date": o.finding_date.isoformat(),
                "review_date": o.review_date.isoformat(),
                "recorded_by": o.recorded_by.display_name,
                "recorded_at": o.recorded_at.isoformat(),
            }
            for o in assessment.overrides
        ],
        "comments": [
            {
                "id": c.id,
                "question": c.question_id,
                "reply_to": c.parent_id,
                "author": c.author.display_name,
                "at": c.created_at.isoformat(),
                "text": c.text,
            }
            for c in comments
        ],
        "change_requests": [
            {
                "round": r.round,
                "area": r.area.value,
                "reviewer": r.reviewer.display_name,
                "at": r.created_at.isoformat(),
                "reason": r.reason,
            }
            for r in requests
        ],
        "approvals": [
            {
                "round": a.round,
                "area": a.area.value,
                "reviewer": a.reviewer.display_name,
                "at": a.approved_at.isoformat(),
                "note": a.note,
            }
            for a in approvals
        ],
        "conditions": [
            {
                "question": c.question_id,
                "outcome": c.outcome,
                "mitigations": c.mitigations,
                "owner": c.owner.display_name,
                "deadline": c.deadline.isoformat(),
                "gate": c.gate.value,
                "gate_months": c.gate_months,
            }
            for c in conditions
        ],
        "decision": None
        if decision is None
        else {
            "outcome": decision.outcome.value,
            "by": decision.decided_by.display_name,
            "at": decision.decided_at.isoformat(),
            "verdict": decision.verdict,
            "worst_case": decision.worst_case,
            "residual_risks": decision.residual_risks,
            "next_review": decision.next_review.isoformat() if decision.next_review else None,
        },
    }


def freeze_record(
    assessment: Assessment, evaluation: rules.Evaluation | None = None, write_report: ReportWriter | None = None
) -> FrozenRecord:
    """Store the record as canonical JSON with its SHA-256, and the hash of its report when one is written.

    The report is written before the row is stored because the database refuses any later change to the row.
    """
    text = canonical_json(build_record(assessment, evaluation))
    record = FrozenRecord(assessment_id=assessment.id, canonical_json=text, sha256=sha256_hex(text))
    if write_report is not None:
        record.report_path, record.report_sha256 = write_report(assessment, record)
    db.session.add(record)
    db.session.flush()
    record_event(
        None,
        "record",
        record.id,
        "record.freeze",
        None,
        {"sha256": record.sha256, "report_sha256": record.report_sha256},
        assessment_id=assessment.id,
    )
    return record


def verify_records(instance: Path | None = None) -> list[str]:
    """Recompute every frozen record's hash, rebuild it from the live tables and check its stored report.

    Return every mismatch; the report file is checked when `instance` (the folder it lives under) is given.
    """
    from assess.services.assessments import get_assessment

    problems = []
    for record in db.session.scalars(select(FrozenRecord).order_by(FrozenRecord.id)):
        if instance is not None and record.report_path:
            _content, problem = read_report_file(instance, record.report_path, record.report_sha256 or "")
            if problem:
                problems.append(f"post {record.id} (bedömning {record.assessment_id}): {problem}")
        if sha256_hex(record.canonical_json) != record.sha256:
            problems.append(
                f"post {record.id} (bedömning {record.assessment_id}): den lagrade posten matchar inte "
                f"sin SHA-256 {record.sha256}"
            )
            continue
        stored = json.loads(record.canonical_json)
        live = json.loads(canonical_json(build_record(get_assessment(record.assessment_id), None)))
        if live != stored:
            changed = sorted(k for k in set(stored) | set(live) if stored.get(k) != live.get(k))
            problems.append(
                f"post {record.id} (bedömning {record.assessment_id}): databasen har ändrats efter "
                f"beslutet ({', '.join(changed)})"
            )
    return problems


def read_report_file(instance: Path, relative: str, expected: str) -> tuple[bytes | None, str | None]:
    """Return (content, None) when the stored report exists under instance and matches its SHA-256, else (None, why)."""
    base = instance.resolve()
    path = (base / relative).resolve()
    if not path.is_relative_to(base) or not path.is_file():
        return None, f"den lagrade rapporten {relative} saknas"
    content = path.read_bytes()
    if hashlib.sha256(content).hexdigest() != expected:
        return None, f"den lagrade rapporten {relative} matchar inte sin SHA-256 {expected}"
    return content, None
