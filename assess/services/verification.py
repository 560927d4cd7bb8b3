"""Verifying the database: the audit chain, every frozen record and its report, and that nothing is missing.

`verify_all` never trusts one table alone. It walks the audit chain from its first event (each hash recomputed,
each link checked, the head compared), then checks every frozen record against its own hash, its report, its
freeze event in the chain and the rows it was frozen from, then checks that every decided assessment has its
record, that every freeze event still has its record, and that each assessment's status and each condition's
follow-up agree with the audit trail. It reports what it finds and never stops at the first problem: a database
that cannot be read at all is a problem to report, not a traceback.

Everything is read as plain rows in batches by keyset (events by seq, records by id): a batch of records comes
with its reports in one query and with the live rows it was frozen from in one query per table, so the cost
is parsing and hashing plus a few statements per batch, and memory stays bounded however many records there are.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import String, Text, select, type_coerce
from sqlalchemy import cast as sql_cast
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
    Scenario,
)
from assess.services import jsontext
from assess.services.audit import GENESIS, event_hash
from assess.services.records import FORMAT, FORMATS, sha256_hex, stored_report

#: A row of selected columns, read by attribute (SQLAlchemy types rows by their column types, one by one).
_Row = Any
#: A select of columns, before the batch's filter and order are added.
_Select = Any

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
    # What was alive before the walk (the app, the rule sets, caches) is set aside from the garbage collector's
    # scans for the walk's duration: the walk makes millions of short-lived objects, and each full collection
    # would otherwise scan the whole process again (in a long-lived process, a third of verify's time). In a gunicorn
    # worker, which froze what it loaded (assess/gunicorn_config.py), the walk leaves that as it was.
    frozen_before = gc.get_freeze_count() > 0
    gc.freeze()
    try:
        _guarded(result, "auditkedjan", lambda: _verify_chain(result, facts))
        _guarded(result, "beslutsposterna", lambda: _verify_records(result, facts, instance))
        _guarded(result, "bedömningarnas status", lambda: _verify_statuses(result, facts))
        _guarded(result, "villkorens uppföljning", lambda: _verify_conditions(result, facts))
    finally:
        if not frozen_before:
            gc.unfreeze()
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


class _Unreadable:
    """A stored JSON value that is not JSON (written past the guards): equal to nothing, so it reads as a change."""

    def __eq__(self, other: object) -> bool:
        return False

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        return "<ogiltig JSON>"


def _decode(raw: str | None) -> Any:
    """Return a JSON column's stored text decoded, or an `_Unreadable` when the text is not JSON."""
    if raw is None:
        return None
    try:
        return jsontext.loads(raw)
    except ValueError:
        return _Unreadable()


#: The audit event's columns the chain walk reads (what its hash covers, and its place in the chain). The JSON
#: columns are read as their stored text and decoded here, so one event whose text is not JSON is named as such
#: instead of stopping the walk (the driver would raise while fetching the whole batch).
_EVENT_COLUMNS = (
    AuditEvent.seq,
    AuditEvent.prev_hash,
    AuditEvent.hash,
    AuditEvent.at,
    AuditEvent.actor_id,
    AuditEvent.actor_name,
    AuditEvent.entity_type,
    AuditEvent.entity_id,
    AuditEvent.assessment_id,
    AuditEvent.action,
    sql_cast(AuditEvent.before, Text).label("before"),
    sql_cast(AuditEvent.after, Text).label("after"),
)


def _read(statement: Any) -> Any:
    """Run a select of columns on the session's connection: plain rows, none of the ORM's per-row work."""
    return db.session.connection().execute(statement)


def _events() -> Iterator[_Row]:
    # Plain rows by keyset on seq, BATCH at a time: bounded memory and no ORM objects to build and forget.
    last = 0
    while True:
        batch = _read(select(*_EVENT_COLUMNS).where(AuditEvent.seq > last).order_by(AuditEvent.seq).limit(BATCH)).all()
        if not batch:
            return
        yield from batch
        last = batch[-1].seq


def _verify_chain(result: Verification, facts: ChainFacts) -> None:
    expected_seq, prev = 1, GENESIS
    for row in _events():
        result.events += 1
        fields = dict(row._mapping)
        fields["before"], fields["after"] = _decode(row.before), _decode(row.after)
        event: Any = SimpleNamespace(**fields)  # its columns by attribute, the JSON ones decoded
        unreadable = isinstance(event.before, _Unreadable) or isinstance(event.after, _Unreadable)
        if unreadable:
            result.problems.append(
                f"auditkedjan: händelse {event.seq} ({event.action}) har ett innehåll som inte är giltig JSON "
                "(ändrat utanför programmet)"
            )
        if event.seq != expected_seq:
            missing = f"{expected_seq}" if event.seq == expected_seq + 1 else f"{expected_seq}–{event.seq - 1}"
            result.problems.append(
                f"auditkedjan: händelse {missing} saknas (borttagen ur kedjan)"
                if event.seq > expected_seq
                else f"auditkedjan: händelse {event.seq} finns två gånger"
            )
        if event.prev_hash != prev:
            result.problems.append(f"auditkedjan: händelse {event.seq} pekar inte på händelsen före den")
        if not unreadable and event_hash(event.prev_hash, event.seq, fields) != event.hash:
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


def _learn(facts: ChainFacts, event: Any) -> None:
    after = event.after if isinstance(event.after, Mapping) else {}
    if event.action == "record.freeze" and event.assessment_id is not None:
        facts.frozen[event.assessment_id] = (after.get("sha256"), after.get("report_sha256"))
    if event.entity_type == "assessment" and event.entity_id is not None and "status" in after:
        facts.status[event.entity_id] = str(after["status"])
    if event.entity_type == "condition" and event.entity_id is not None and "fulfilled" in after:
        facts.fulfilled[event.entity_id] = bool(after["fulfilled"])
    if event.entity_type == "condition" and event.entity_id is not None and "claimed" in after:
        facts.claimed[event.entity_id] = bool(after["claimed"])


#: Records are checked this many at a time: one query for the records (reports included) and one per table of
#: live facts for the whole batch, so the number of statements grows with the batches, not with the records.
RECORD_BATCH = 200

_RECORD_COLUMNS = (
    FrozenRecord.id,
    FrozenRecord.assessment_id,
    FrozenRecord.canonical_json,
    FrozenRecord.sha256,
    FrozenRecord.report_path,
    FrozenRecord.report_sha256,
    FrozenRecord.report_pdf,
)


def _verify_records(result: Verification, facts: ChainFacts, instance: Path | None) -> None:
    seen: set[int] = set()
    last = 0
    while True:
        ids = _read(
            select(FrozenRecord.id, FrozenRecord.assessment_id)
            .where(FrozenRecord.id > last)
            .order_by(FrozenRecord.id)
            .limit(RECORD_BATCH)
        ).all()
        if not ids:
            break
        last = ids[-1].id
        for record_id, assessment_id, problems in _check_batch(ids, facts, instance):
            result.records += 1
            seen.add(assessment_id)
            label = f"post {record_id} (bedömning {assessment_id})"
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


def _check_batch(ids: Sequence[_Row], facts: ChainFacts, instance: Path | None) -> Iterator[tuple[int, int, list[str]]]:
    """Yield (record id, assessment id, problems) for one batch, read in one pass; record by record if it fails."""
    try:
        records = {
            r.id: r for r in _read(select(*_RECORD_COLUMNS).where(FrozenRecord.id.in_([i.id for i in ids]))).all()
        }
        live = _LiveBatch([i.assessment_id for i in ids])
    except (SQLAlchemyError, ValueError):
        # One record that cannot even be read does not hide the others: read this batch one record at a time.
        db.session.rollback()
        for record_id, assessment_id in ids:
            yield record_id, assessment_id, _check_alone(record_id, assessment_id, facts, instance)
        return
    for record_id, assessment_id in ids:
        record = records.get(record_id)
        yield (
            record_id,
            assessment_id,
            (_check_record(record, facts, instance, live) if record is not None else ["posten försvann"]),
        )


def _check_alone(record_id: int, assessment_id: int, facts: ChainFacts, instance: Path | None) -> list[str]:
    try:
        record = _read(select(*_RECORD_COLUMNS).where(FrozenRecord.id == record_id)).one_or_none()
        if record is None:
            return ["posten försvann"]
        return _check_record(record, facts, instance, _LiveBatch([assessment_id]))
    except (SQLAlchemyError, ValueError) as exc:
        db.session.rollback()
        reason = str(getattr(exc, "orig", None) or type(exc).__name__).splitlines()[0][:200]
        return [f"posten kunde inte läsas: {reason}"]


def _check_record(record: _Row, facts: ChainFacts, instance: Path | None, live: _LiveBatch) -> list[str]:
    problems: list[str] = []
    if sha256_hex(record.canonical_json) != record.sha256:
        return ["den lagrade posten stämmer inte med sin SHA-256 (posten eller hashen har ändrats)"]
    try:
        data = jsontext.loads(record.canonical_json)
    except ValueError:
        return ["den lagrade posten är inte giltig JSON"]
    if not isinstance(data, dict) or data.get("format") not in FORMATS:
        return [f"okänt postformat {data.get('format') if isinstance(data, dict) else '?'}"]
    if data["format"] == FORMAT and (record.report_sha256 or data.get("report")):
        inside = (data.get("report") or {}).get("sha256")
        if inside != record.report_sha256:
            problems.append("rapportens SHA-256 i tabellen stämmer inte med den i posten")
    _content, problem = stored_report(record.report_pdf, record.report_path, record.report_sha256, instance)
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
    assessment = live.assessments.get(record.assessment_id)
    if assessment is None:
        problems.append("bedömningen som posten gäller finns inte längre")
        return problems
    if assessment.status not in SEALED:
        problems.append(f"bedömningen har status {assessment.status.value}, inte beslutad")
    now = live.facts(assessment)
    changed = sorted(k for k, v in _frozen_facts(data).items() if now.get(k) != v)
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


class _LiveBatch:
    """The live rows a batch of records was frozen from: one query per table for all of the batch's assessments."""

    def __init__(self, assessment_ids: list[int]) -> None:
        self.assessments: dict[int, _Row] = {
            a.id: a
            for a in _read(
                select(
                    Assessment.id,
                    Assessment.status,
                    Assessment.scope,
                    Assessment.revision,
                    Assessment.revision_of_id,
                    Assessment.ruleset_id,
                    Assessment.ruleset_version,
                    Assessment.ruleset_sha256,
                ).where(Assessment.id.in_(assessment_ids))
            )
        }
        ids = list(self.assessments)
        # Evidence and a date as stored (the enum's value; ISO text on SQLite, a date elsewhere): the answers are
        # most of the rows, and each would otherwise be parsed into an object only to be written out again.
        self.answers: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
        if ids:
            rows = _read(
                select(
                    Answer.assessment_id,
                    Answer.question_id,
                    sql_cast(Answer.value, Text),
                    type_coerce(Answer.evidence, String),
                    Answer.motivation,
                    Answer.evidence_ref,
                    Answer.unknown_owner,
                    type_coerce(Answer.unknown_due, String),
                )
                .where(Answer.assessment_id.in_(ids))
                .order_by(Answer.assessment_id, Answer.question_id)
            )
            # The value as its JSON text, decoded once per distinct text: a batch holds thousands of answers but
            # only a few hundred distinct values ("yes", "unknown", ...), and decoding each was most of the work.
            # Text that is not JSON reads as an `_Unreadable`, which equals nothing: the record names the change.
            texts = jsontext.Texts(unreadable=_Unreadable)
            for aid, qid, raw, evidence, motivation, evidence_ref, owner, due in rows:
                value = texts.decode(raw)
                # The shape of workflow.answer_json (what records store), from the stored values.
                self.answers[aid][qid] = {
                    "value": value,
                    "evidence": evidence,
                    "motivation": motivation,
                    "evidence_ref": evidence_ref,
                    "unknown_owner": owner,
                    "unknown_due": due if due is None or isinstance(due, str) else due.isoformat(),
                }
        self.overrides = _grouped(
            select(
                KnockoutOverride.assessment_id,
                KnockoutOverride.question_id,
                KnockoutOverride.kind,
                KnockoutOverride.reference,
                KnockoutOverride.author,
                KnockoutOverride.finding_date,
                KnockoutOverride.review_date,
                KnockoutOverride.recorded_at,
            ),
            KnockoutOverride,
            ids,
            KnockoutOverride.id,
        )
        self.comments = _grouped(
            select(
                ReviewComment.assessment_id,
                ReviewComment.id,
                ReviewComment.question_id,
                ReviewComment.parent_id,
                ReviewComment.created_at,
                ReviewComment.text,
            ),
            ReviewComment,
            ids,
            ReviewComment.id,
        )
        self.requests = _grouped(
            select(
                ChangeRequest.assessment_id,
                ChangeRequest.round,
                ChangeRequest.area,
                ChangeRequest.created_at,
                ChangeRequest.reason,
            ),
            ChangeRequest,
            ids,
            ChangeRequest.id,
        )
        self.approvals = _grouped(
            select(
                AreaApproval.assessment_id,
                AreaApproval.round,
                AreaApproval.area,
                AreaApproval.approved_at,
                AreaApproval.note,
            ),
            AreaApproval,
            ids,
            AreaApproval.id,
        )
        self.conditions = _grouped(
            select(
                DecisionCondition.assessment_id,
                DecisionCondition.question_id,
                DecisionCondition.outcome,
                sql_cast(DecisionCondition.mitigations, Text).label("mitigations"),
                DecisionCondition.deadline,
                DecisionCondition.gate,
                DecisionCondition.gate_months,
            ),
            DecisionCondition,
            ids,
            DecisionCondition.id,
        )
        decisions = _grouped(
            select(
                Decision.assessment_id,
                Decision.outcome,
                Decision.decided_at,
                Decision.verdict,
                Decision.worst_case,
                Decision.residual_risks,
                Decision.next_review,
            ),
            Decision,
            ids,
            Decision.id,
        )
        self.decisions = {aid: rows[0] for aid, rows in decisions.items()}
        self.scenarios = _grouped(
            select(Scenario.assessment_id, Scenario.name, sql_cast(Scenario.answers, Text).label("answers")),
            Scenario,
            ids,
            Scenario.id,
        )

    def facts(self, assessment: _Row) -> dict[str, Any]:
        """Return the facts `_frozen_facts` reads, from the live tables, in the same shape.

        Every value is already what JSON reads back (strings, numbers, None, and the JSON columns' own values),
        so the facts compare with the record's as they are, without a round trip through JSON.
        """
        aid = assessment.id
        decision = self.decisions.get(aid)
        return {
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
            "answers": self.answers.get(aid, {}),
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
                for o in self.overrides.get(aid, ())
            ],
            "comments": [
                {
                    "id": c.id,
                    "question": c.question_id,
                    "reply_to": c.parent_id,
                    "at": c.created_at.isoformat(),
                    "text": c.text,
                }
                for c in self.comments.get(aid, ())
            ],
            "change_requests": [
                {"round": r.round, "area": r.area.value, "at": r.created_at.isoformat(), "reason": r.reason}
                for r in self.requests.get(aid, ())
            ],
            "approvals": [
                {"round": a.round, "area": a.area.value, "at": a.approved_at.isoformat(), "note": a.note}
                for a in self.approvals.get(aid, ())
            ],
            "conditions": [
                {
                    "question": c.question_id,
                    "outcome": c.outcome,
                    "mitigations": _decode(c.mitigations),
                    "deadline": c.deadline.isoformat() if c.deadline is not None else None,
                    "gate": c.gate.value if c.gate is not None else None,
                    "gate_months": c.gate_months,
                }
                for c in self.conditions.get(aid, ())
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
            "scenarios_considered": [
                {"name": s.name, "answers": _decode(s.answers) or {}} for s in self.scenarios.get(aid, ())
            ],
        }


def _grouped(query: _Select, model: Any, ids: list[int], order: Any) -> dict[int, list[_Row]]:
    """Run query for the assessments' rows of model, in order; return them per assessment id."""
    grouped: dict[int, list[_Row]] = defaultdict(list)
    if ids:
        for row in _read(query.where(model.assessment_id.in_(ids)).order_by(model.assessment_id, order)):
            grouped[row.assessment_id].append(row)
    return grouped


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
