"""Frozen decision records: everything the decision rests on, as canonical JSON with its SHA-256.

Format 2 (`molnbedomning-record/2`) holds everything it claims, as it was at the decision: the names and titles
of the case, the alternative and every person it names, the head of the audit chain when it was frozen, and the
SHA-256 of its report. The report shows the hash of the record's *content* (everything but the report's own
hash); the stored `sha256` covers the content and the report's hash together, so neither can be swapped alone.
Format 1 (before 2026-12) is read and verified as it was written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
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
    User,
)
from assess.services.audit import chain_head, record_event
from assess.services.workflow import answer_json, evaluation_with_overrides

#: Renders the report of a just-built (not yet stored) record; returns the PDF.
ReportWriter = Callable[[Assessment, FrozenRecord], bytes]


def canonical_json(data: Any) -> str:
    """Return data as canonical JSON: sorted keys, no insignificant whitespace, UTF-8 characters kept."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def sha256_hex(text: str) -> str:
    """Return the SHA-256 of the UTF-8 text, in hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


FORMAT_V1 = "molnbedomning-record/1"
FORMAT = "molnbedomning-record/2"
FORMATS = (FORMAT_V1, FORMAT)


def build_record(assessment: Assessment, evaluation: rules.Evaluation | None = None) -> dict[str, Any]:
    """Return the content of the record from the live tables, as plain JSON data (format 2, without the report)."""
    evaluation = evaluation or evaluation_with_overrides(assessment)
    alternative = assessment.alternative
    case = alternative.case
    decision = db.session.scalar(select(Decision).where(Decision.assessment_id == assessment.id))
    comments = list(
        db.session.scalars(
            select(ReviewComment).where(ReviewComment.assessment_id == assessment.id).order_by(ReviewComment.id)
        )
    )
    approvals = list(
        db.session.scalars(
            select(AreaApproval).where(AreaApproval.assessment_id == assessment.id).order_by(AreaApproval.id)
        )
    )
    requests = list(
        db.session.scalars(
            select(ChangeRequest).where(ChangeRequest.assessment_id == assessment.id).order_by(ChangeRequest.id)
        )
    )
    conditions = list(
        db.session.scalars(
            select(DecisionCondition)
            .where(DecisionCondition.assessment_id == assessment.id)
            .order_by(DecisionCondition.id)
        )
    )
    answers = sorted(assessment.answers, key=lambda a: a.question_id)
    people: dict[int, User] = {}
    for user in [
        assessment.owner,
        *(a.updated_by for a in answers),
        *(o.recorded_by for o in assessment.overrides),
        *(c.author for c in comments),
        *(r.reviewer for r in requests),
        *(a.reviewer for a in approvals),
        *(c.owner for c in conditions),
        decision.decided_by if decision is not None else None,
    ]:
        if user is not None:
            people[user.id] = user
    return {
        "format": FORMAT,
        "assessment": {
            "id": assessment.id,
            "scope": assessment.scope,
            "scope_description": assessment.scope_description,
            "revision": assessment.revision,
            "revision_of": assessment.revision_of_id,
            "owner_id": assessment.owner_id,
        },
        "case": {
            "id": case.id,
            "title": case.title,
            "information_owner": case.information_owner,
            "decision_maker": case.decision_maker,
        },
        "alternative": {
            "id": alternative.id,
            "name": alternative.name,
            "provider": alternative.provider,
            "operating_model": alternative.operating_model,
        },
        "people": {
            str(user.id): {"name": user.display_name, "username": user.username, "roles": user.role_labels()}
            for user in sorted(people.values(), key=lambda u: u.id)
        },
        "ruleset": {
            "id": assessment.ruleset_id,
            "version": assessment.ruleset_version,
            "sha256": assessment.ruleset_sha256,
        },
        "answers": {
            a.question_id: {**answer_json(a), "by_id": a.updated_by_id, "at": a.updated_at.isoformat()} for a in answers
        },
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
                "recorded_by_id": o.recorded_by_id,
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
                "author_id": c.author_id,
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
                "reviewer_id": r.reviewer_id,
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
                "reviewer_id": a.reviewer_id,
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
                "owner": c.owner_label,
                "owner_id": c.owner_id,
                "owner_contact_id": c.owner_contact_id,
                "deadline": c.deadline.isoformat() if c.deadline is not None else None,
                "gate": c.gate.value if c.gate is not None else None,
                "gate_months": c.gate_months,
            }
            for c in conditions
        ],
        "decision": None
        if decision is None
        else {
            "outcome": decision.outcome.value,
            "by": decision.decided_by.display_name,
            "by_id": decision.decided_by_id,
            "at": decision.decided_at.isoformat(),
            "verdict": decision.verdict,
            "worst_case": decision.worst_case,
            "residual_risks": decision.residual_risks,
            "next_review": decision.next_review.isoformat() if decision.next_review else None,
        },
    }


def content_of(data: Mapping[str, Any]) -> dict[str, Any]:
    """Return a stored record without the report's hash: what the report itself shows the hash of."""
    return {k: v for k, v in data.items() if k != "report"}


def content_sha256(data: Mapping[str, Any]) -> str:
    """Return the SHA-256 of a record's content (for format 1 this is the record's own SHA-256)."""
    return sha256_hex(canonical_json(content_of(data)))


def freeze_record(
    assessment: Assessment, evaluation: rules.Evaluation | None = None, write_report: ReportWriter | None = None
) -> FrozenRecord:
    """Store the record with its report's SHA-256 inside, and the SHA-256 of both; write the freeze event.

    The report is rendered from the record's content (it shows the content's hash) before the row is stored,
    because the database refuses any later change to the row.
    """
    seq, head = chain_head()
    content = build_record(assessment, evaluation)
    from assess.services.scenarios import scenarios_considered

    # The scenarios considered: an annex beside the answers, never answers (absent in records without any).
    annex = scenarios_considered(assessment)
    if annex:
        content["scenarios_considered"] = annex
    from assess.services.evidence import evidence_manifest

    # The evidence files as they were at the decision, each with its SHA-256 (the content stays in storage).
    content["evidence_files"] = evidence_manifest(assessment.id)
    content["audit"] = {"seq": seq, "hash": head}
    text = canonical_json(content)
    record = FrozenRecord(assessment_id=assessment.id, canonical_json=text, sha256=sha256_hex(text))
    if write_report is not None:
        pdf = write_report(assessment, record)
        record.report_pdf = pdf
        record.report_sha256 = hashlib.sha256(pdf).hexdigest()
        content["report"] = {"sha256": record.report_sha256}
        record.canonical_json = canonical_json(content)
        record.sha256 = sha256_hex(record.canonical_json)
    db.session.add(record)
    db.session.flush()
    record_event(
        None,
        "record",
        record.id,
        "record.freeze",
        None,
        {"sha256": record.sha256, "content_sha256": sha256_hex(text), "report_sha256": record.report_sha256},
        assessment_id=assessment.id,
    )
    return record


def stored_report_of(record: FrozenRecord, instance: Path | None) -> tuple[bytes | None, str | None]:
    """Return (report, None) when the record's stored report matches its SHA-256, else (None, why).

    The report is in the record's row; records frozen before reports moved into the database may still name a
    file under the instance folder. (None, None) when the record has no report at all.
    """
    return stored_report(record.report_pdf, record.report_path, record.report_sha256, instance)


def stored_report(
    pdf: bytes | None, path: str | None, sha256: str | None, instance: Path | None
) -> tuple[bytes | None, str | None]:
    """Return (report, None) when a record's stored report (its row's three report columns) matches, else (None, why).

    The same check as `stored_report_of`, on the columns alone (verification reads them in batches, not as rows).
    """
    if pdf is not None:
        if hashlib.sha256(pdf).hexdigest() != (sha256 or ""):
            return None, f"den lagrade rapporten matchar inte sin SHA-256 {sha256}"
        return pdf, None
    if path:
        if instance is None:
            return None, None
        return read_report_file(instance, path, sha256 or "")
    if sha256:
        return None, "den lagrade rapporten saknas"
    return None, None


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
