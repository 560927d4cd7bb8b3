"""Verifying the database: the audit chain, every frozen record and its report, and that nothing is missing.

`verify_all` never trusts one table alone. It walks the audit chain from its first event (each hash recomputed,
each link checked, the head compared), then checks every frozen record against its own hash, its report, its
freeze event in the chain and the rows it was frozen from, then checks that every decided assessment has its
record, that every freeze event still has its record, and that each assessment's status and each condition's
follow-up agree with the audit trail. It reports what it finds and never stops at the first problem: a database
that cannot be read at all is a problem to report, not a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from assess.extensions import db
from assess.models import (
    Answer,
    AreaApproval,
    Assessment,
    AssessmentStatus,
    AuditEvent,
    AuditHead,
    ChangeRequest,
    Decision,
    DecisionCondition,
    FrozenRecord,
    KnockoutOverride,
    ReviewComment,
)
from assess.services.audit import GENESIS, hash_of
from assess.services.records import FORMAT, FORMATS, canonical_json, sha256_hex, stored_report_of
from assess.services.scenarios import scenario_facts
from assess.services.workflow import answer_json

SEALED = (AssessmentStatus.DECIDED, AssessmentStatus.SUPERSEDED)
#: Events are read this many at a time, so a long chain is walked in bounded memory.
BATCH = 2000


@dataclass
class ChainFacts:
    """What the walk of the audit chain learned, for the checks that follow it."""

    #: Per assessment: (record sha256, report sha256) of its freeze event.
    frozen: dict[int, tuple[str | None, str | None]] = field(default_factory=dict)
    #: Per assessment: its status after the last event that set one.
    status: dict[int, str] = field(default_factory=dict)
    #: Per condition: whether the last follow-up event left it fulfilled (verified).
    fulfilled: dict[int, bool] = field(default_factory=dict)
    #: Per condition: whether the last event that claimed it or sent it back left it claimed.
    claimed: dict[int, bool] = field(default_factory=dict)


@dataclass
class Verification:
    """The outcome of `verify_all`."""

    problems: list[str] = field(default_factory=list)
    records: int = 0
    events: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS

    @property
    def ok(self) -> bool:
        """Tell whether nothing was found."""
        return not self.problems


def verify_all(instance: Path | None = None) -> Verification:
    """Check the audit chain, every frozen record and its report, and what must exist; return every problem.

    The report files are looked for under `instance` when given.
    """
    result = Verification()
    facts = ChainFacts()
    _guarded(result, "auditkedjan", lambda: _verify_chain(result, facts))
    _guarded(result, "beslutsposterna", lambda: _verify_records(result, facts, instance))
    _guarded(result, "bedömningarnas status", lambda: _verify_statuses(result, facts))
    _guarded(result, "villkorens uppföljning", lambda: _verify_conditions(result, facts))
    return result


def _guarded(result: Verification, what: str, check: Callable[[], None]) -> None:
    """Run one check; a database that cannot be read is reported as a problem, never raised."""
    try:
        check()
    except (SQLAlchemyError, ValueError, KeyError, TypeError, AttributeError) as exc:
        db.session.rollback()
        # The database's own words (no parameters: the engine hides them), e.g. "no such table: frozen_records".
        reason = str(getattr(exc, "orig", None) or type(exc).__name__).splitlines()[0][:200]
        result.problems.append(f"{what} kunde inte kontrolleras: {type(exc).__name__}: {reason}")


def _events() -> Iterator[AuditEvent]:
    last = 0
    while True:
        batch = list(
            db.session.scalars(select(AuditEvent).where(AuditEvent.seq > last).order_by(AuditEvent.seq).limit(BATCH))
        )
        if not batch:
            return
        yield from batch
        last = batch[-1].seq
        for event in batch:  # keep memory bounded; nothing else of the session is touched
            db.session.expunge(event)


def _verify_chain(result: Verification, facts: ChainFacts) -> None:
    expected_seq, prev = 1, GENESIS
    for event in _events():
        result.events += 1
        if event.seq != expected_seq:
            missing = f"{expected_seq}" if event.seq == expected_seq + 1 else f"{expected_seq}–{event.seq - 1}"
            result.problems.append(
                f"auditkedjan: händelse {missing} saknas (borttagen ur kedjan)"
                if event.seq > expected_seq
                else f"auditkedjan: händelse {event.seq} finns två gånger"
            )
        if event.prev_hash != prev:
            result.problems.append(f"auditkedjan: händelse {event.seq} pekar inte på händelsen före den")
        if hash_of(event) != event.hash:
            result.problems.append(
                f"auditkedjan: händelse {event.seq} ({event.action}) stämmer inte med sin SHA-256 "
                "(ändrad eller förfalskad)"
            )
        _learn(facts, event)
        expected_seq, prev = event.seq + 1, event.hash
    head = db.session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).one_or_none()
    if head is None:
        result.problems.append("auditkedjan: kedjans huvud saknas")
        result.head_seq, result.head_hash = expected_seq - 1, prev
        return
    result.head_seq, result.head_hash = int(head.seq), str(head.hash)
    if (head.seq, head.hash) != (expected_seq - 1, prev):
        result.problems.append(
            f"auditkedjan: huvudet säger händelse {head.seq} men kedjan slutar vid {expected_seq - 1} "
            "(händelser har tagits bort eller lagts till utanför kedjan)"
        )


def _learn(facts: ChainFacts, event: AuditEvent) -> None:
    after = event.after if isinstance(event.after, Mapping) else {}
    if event.action == "record.freeze" and event.assessment_id is not None:
        facts.frozen[event.assessment_id] = (after.get("sha256"), after.get("report_sha256"))
    if event.entity_type == "assessment" and event.entity_id is not None and "status" in after:
        facts.status[event.entity_id] = str(after["status"])
    if event.entity_type == "condition" and event.entity_id is not None and "fulfilled" in after:
        facts.fulfilled[event.entity_id] = bool(after["fulfilled"])
    if event.entity_type == "condition" and event.entity_id is not None and "claimed" in after:
        facts.claimed[event.entity_id] = bool(after["claimed"])


def _verify_records(result: Verification, facts: ChainFacts, instance: Path | None) -> None:
    seen: set[int] = set()
    rows = list(db.session.execute(select(FrozenRecord.id, FrozenRecord.assessment_id).order_by(FrozenRecord.id)))
    for record_id, assessment_id in rows:
        result.records += 1
        seen.add(assessment_id)
        label = f"post {record_id} (bedömning {assessment_id})"
        try:  # one record that cannot even be read does not hide the others
            record = db.session.get(FrozenRecord, record_id)
            problems = _check_record(record, facts, instance) if record is not None else ["posten försvann"]
        except SQLAlchemyError as exc:
            db.session.rollback()
            reason = str(getattr(exc, "orig", None) or type(exc).__name__).splitlines()[0][:200]
            problems = [f"posten kunde inte läsas: {reason}"]
        result.problems.extend(f"{label}: {p}" for p in problems)
    for assessment_id in sorted(set(facts.frozen) - seen):
        result.problems.append(
            f"bedömning {assessment_id}: beslutsposten saknas, fast auditkedjan visar att den frystes"
        )
    sealed = db.session.execute(
        select(Assessment.id, Assessment.status).where(Assessment.status.in_(SEALED)).order_by(Assessment.id)
    )
    for assessment_id, status in sealed:
        if assessment_id not in seen:
            result.problems.append(f"bedömning {assessment_id} har status {status.value} men ingen beslutspost")


def _check_record(record: FrozenRecord, facts: ChainFacts, instance: Path | None) -> list[str]:
    problems: list[str] = []
    if sha256_hex(record.canonical_json) != record.sha256:
        return ["den lagrade posten stämmer inte med sin SHA-256 (posten eller hashen har ändrats)"]
    try:
        data = json.loads(record.canonical_json)
    except ValueError:
        return ["den lagrade posten är inte giltig JSON"]
    if not isinstance(data, dict) or data.get("format") not in FORMATS:
        return [f"okänt postformat {data.get('format') if isinstance(data, dict) else '?'}"]
    if data["format"] == FORMAT and (record.report_sha256 or data.get("report")):
        inside = (data.get("report") or {}).get("sha256")
        if inside != record.report_sha256:
            problems.append("rapportens SHA-256 i tabellen stämmer inte med den i posten")
    _content, problem = stored_report_of(record, instance)
    if problem:
        problems.append(problem)
    frozen = facts.frozen.get(record.assessment_id)
    if frozen is None:
        problems.append("auditkedjan har ingen händelse om att posten frystes")
    else:
        if frozen[0] != record.sha256:
            problems.append("posten är inte den som frystes enligt auditkedjan (SHA-256 skiljer sig)")
        if (frozen[1] or None) != (record.report_sha256 or None):
            problems.append("rapporten är inte den som lagrades enligt auditkedjan (SHA-256 skiljer sig)")
    assessment = db.session.get(Assessment, record.assessment_id)
    if assessment is None:
        problems.append("bedömningen som posten gäller finns inte längre")
        return problems
    if assessment.status not in SEALED:
        problems.append(f"bedömningen har status {assessment.status.value}, inte beslutad")
    changed = sorted(k for k, v in _frozen_facts(data).items() if _live_facts(assessment).get(k) != v)
    if changed:
        problems.append(f"databasen har ändrats efter beslutet ({', '.join(changed)})")
    return problems


def _frozen_facts(data: Mapping[str, Any]) -> dict[str, Any]:
    """Return what a record says that the live tables must still say (names may change; these may not)."""
    decision = data.get("decision")
    return {
        "assessment": {k: data["assessment"].get(k) for k in ("id", "scope", "revision", "revision_of")},
        "ruleset": data["ruleset"],
        "answers": {qid: {k: a.get(k) for k in _ANSWER_KEYS} for qid, a in data["answers"].items()},
        "overrides": [{k: o.get(k) for k in _OVERRIDE_KEYS} for o in data["overrides"]],
        "comments": [{k: c.get(k) for k in _COMMENT_KEYS} for c in data["comments"]],
        "change_requests": [{k: r.get(k) for k in _REQUEST_KEYS} for r in data["change_requests"]],
        "approvals": [{k: a.get(k) for k in _APPROVAL_KEYS} for a in data["approvals"]],
        "conditions": [{k: c.get(k) for k in _CONDITION_KEYS} for c in data["conditions"]],
        "decision": None if decision is None else {k: decision.get(k) for k in _DECISION_KEYS},
        # The annex of scenarios considered; a record without the key (older ones) considered none.
        "scenarios_considered": [
            {"name": sc.get("name"), "answers": sc.get("answers")} for sc in data.get("scenarios_considered") or []
        ],
    }


_ANSWER_KEYS = ("value", "evidence", "motivation", "evidence_ref", "unknown_owner", "unknown_due")
_OVERRIDE_KEYS = ("question", "kind", "reference", "author", "date", "review_date", "recorded_at")
_COMMENT_KEYS = ("id", "question", "reply_to", "at", "text")
_REQUEST_KEYS = ("round", "area", "at", "reason")
_APPROVAL_KEYS = ("round", "area", "at", "note")
_CONDITION_KEYS = ("question", "outcome", "mitigations", "deadline", "gate", "gate_months")
_DECISION_KEYS = ("outcome", "at", "verdict", "worst_case", "residual_risks", "next_review")


def _live_facts(assessment: Assessment) -> dict[str, Any]:
    """Return the same facts from the live tables, in the same shape."""
    aid = assessment.id
    answers = db.session.scalars(select(Answer).where(Answer.assessment_id == aid).order_by(Answer.question_id))
    overrides = db.session.scalars(
        select(KnockoutOverride).where(KnockoutOverride.assessment_id == aid).order_by(KnockoutOverride.id)
    )
    comments = db.session.scalars(
        select(ReviewComment).where(ReviewComment.assessment_id == aid).order_by(ReviewComment.id)
    )
    requests = db.session.scalars(
        select(ChangeRequest).where(ChangeRequest.assessment_id == aid).order_by(ChangeRequest.id)
    )
    approvals = db.session.scalars(
        select(AreaApproval).where(AreaApproval.assessment_id == aid).order_by(AreaApproval.id)
    )
    conditions = db.session.scalars(
        select(DecisionCondition).where(DecisionCondition.assessment_id == aid).order_by(DecisionCondition.id)
    )
    decision = db.session.scalar(select(Decision).where(Decision.assessment_id == aid))
    facts: dict[str, Any] = json.loads(
        canonical_json(
            {
                "assessment": {
                    "id": aid,
                    "scope": assessment.scope,
                    "revision": assessment.revision,
                    "revision_of": assessment.revision_of_id,
                },
                "ruleset": {
                    "id": assessment.ruleset_id,
                    "version": assessment.ruleset_version,
                    "sha256": assessment.ruleset_sha256,
                },
                "answers": {a.question_id: answer_json(a) for a in answers},
                "overrides": [
                    {
                        "question": o.question_id,
                        "kind": o.kind.value,
                        "reference": o.reference,
                        "author": o.author,
                        "date": o.finding_date.isoformat(),
                        "review_date": o.review_date.isoformat(),
                        "recorded_at": o.recorded_at.isoformat(),
                    }
                    for o in overrides
                ],
                "comments": [
                    {
                        "id": c.id,
                        "question": c.question_id,
                        "reply_to": c.parent_id,
                        "at": c.created_at.isoformat(),
                        "text": c.text,
                    }
                    for c in comments
                ],
                "change_requests": [
                    {"round": r.round, "area": r.area.value, "at": r.created_at.isoformat(), "reason": r.reason}
                    for r in requests
                ],
                "approvals": [
                    {"round": a.round, "area": a.area.value, "at": a.approved_at.isoformat(), "note": a.note}
                    for a in approvals
                ],
                "conditions": [
                    {
                        "question": c.question_id,
                        "outcome": c.outcome,
                        "mitigations": c.mitigations,
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
                    "at": decision.decided_at.isoformat(),
                    "verdict": decision.verdict,
                    "worst_case": decision.worst_case,
                    "residual_risks": decision.residual_risks,
                    "next_review": decision.next_review.isoformat() if decision.next_review else None,
                },
                "scenarios_considered": scenario_facts(aid),
            }
        )
    )

    return facts


def _verify_statuses(result: Verification, facts: ChainFacts) -> None:
    rows = db.session.execute(select(Assessment.id, Assessment.status).order_by(Assessment.id))
    for assessment_id, status in rows:
        expected = facts.status.get(assessment_id, AssessmentStatus.DRAFT.value)
        if status.value != expected:
            result.problems.append(
                f"bedömning {assessment_id} har status {status.value}, men enligt auditkedjan {expected} "
                "(statusen har ändrats utanför arbetsflödet)"
            )


def _verify_conditions(result: Verification, facts: ChainFacts) -> None:
    rows = db.session.execute(
        select(DecisionCondition.id, DecisionCondition.fulfilled, DecisionCondition.claimed_at).order_by(
            DecisionCondition.id
        )
    )
    for condition_id, fulfilled, claimed_at in rows:
        if bool(fulfilled) != facts.fulfilled.get(condition_id, False) or (claimed_at is not None) != facts.claimed.get(
            condition_id, False
        ):
            result.problems.append(
                f"villkor {condition_id}: uppföljningen stämmer inte med auditkedjan (ändrad utan händelse)"
            )
