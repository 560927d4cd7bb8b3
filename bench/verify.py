"""Time `flask --app assess records verify` on N decided records against parsing and hashing the same data alone.

The database: the demo with D2 decided through the services (record and report stored, as in the tamper table),
then D2 copied N - 1 times as the services would have left it: every row of the assessment with new ids (its
answers, submission, comment, approvals, decision, conditions), its record with the new ids and its SHA-256
recomputed, and its ten audit events appended to the chain with their hashes recomputed. The copies are written
with SQL on a throwaway file whose guard triggers are dropped first (they would refuse rows written outside the
workflow); verification only reads, so the triggers cost it nothing.

The floor: what verification cannot avoid, done alone on data already in memory: every record's JSON hashed and
parsed, every report hashed, every audit event's hash recomputed.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import inspect, select, text

from assess.extensions import db
from assess.models import AuditEvent
from assess.services.audit import event_hash, fields_of
from assess.services.jsontext import loads as json_loads
from assess.services.records import canonical_json, content_sha256, sha256_hex
from tests.conftest import make_app
from tests.soak.tamper import decided_demo

#: Records verified (the demo's decided D2 and its copies); BENCH_VERIFY_RECORDS overrides.
RECORDS = int(os.environ.get("BENCH_VERIFY_RECORDS", "2000"))
#: The issue's scale and goals.
SCALE, GOAL_RATIO, GOAL_SECONDS = 10_000, 3.0, 30.0
#: Tables whose rows belong to one assessment and are copied with it (those present in the database).
OWNED = ("answers", "submissions", "review_comments", "change_requests", "area_approvals", "overrides")
DECIDED = ("decisions", "decision_conditions", "scenarios")
#: Columns that point at a copied row, per table: (column, table pointed at).
POINTERS = {
    "review_comments": [("parent_id", "review_comments")],
    "decision_conditions": [("decision_id", "decisions")],
}
#: Audit entities whose ids are remapped to the copies' rows.
ENTITY_TABLE = {
    "assessment": "assessments",
    "comment": "review_comments",
    "approval": "area_approvals",
    "condition": "decision_conditions",
    "record": "frozen_records",
}


def _columns(table: str) -> list[str]:
    return [c["name"] for c in inspect(db.engine).get_columns(table)]


def _rows(table: str, where: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    # Raw values (text SQL), so that every stored value is written back byte for byte.
    return [dict(r._mapping) for r in db.session.execute(text(f"SELECT * FROM {table} WHERE {where}"), params)]  # noqa: S608


def _insert(table: str, rows: list[dict[str, Any]]) -> None:
    if rows:
        names = list(rows[0])
        statement = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(':' + n for n in names)})"  # noqa: S608
        db.session.execute(text(statement), rows)


def _next_id(table: str) -> int:
    return int(db.session.execute(text(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")).scalar_one())  # noqa: S608


def copy_decided(source: int, copies: int) -> None:
    """Copy the decided assessment `source` (rows, record, audit events) `copies` times, as the services would."""
    for (name,) in db.session.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).all():
        db.session.execute(text(f'DROP TRIGGER "{name}"'))
    present = set(inspect(db.engine).get_table_names())
    tables = [t for t in (*OWNED, *DECIDED) if t in present]
    source_rows = {t: _rows(t, "assessment_id = :a", {"a": source}) for t in tables}
    (assessment,) = _rows("assessments", "id = :a", {"a": source})
    (record,) = _rows("frozen_records", "assessment_id = :a", {"a": source})
    events = list(
        db.session.scalars(select(AuditEvent).where(AuditEvent.assessment_id == source).order_by(AuditEvent.seq))
    )
    raw_events = {r["id"]: r for r in _rows("audit_events", "assessment_id = :a", {"a": source})}
    content = json.loads(record["canonical_json"])
    comment_ids = [(c["id"], c["reply_to"]) for c in content["comments"]]
    report_member = "," + canonical_json({"report": content["report"]})[1:-1]
    assert content_sha256(content) == sha256_hex(record["canonical_json"].replace(report_member, "", 1))
    next_ids = {t: _next_id(t) for t in (*tables, "assessments", "frozen_records", "audit_events")}
    head = db.session.execute(text("SELECT seq, hash FROM audit_head WHERE id = 1")).one()
    seq, prev_hash = int(head.seq), str(head.hash)
    out: dict[str, list[dict[str, Any]]] = {t: [] for t in (*tables, "assessments", "frozen_records", "audit_events")}
    for n in range(1, copies + 1):
        ids: dict[str, dict[Any, Any]] = {t: {} for t in out}
        new_id = next_ids["assessments"]
        next_ids["assessments"] += 1
        ids["assessments"][source] = new_id
        out["assessments"].append({**assessment, "id": new_id, "scope": f"{assessment['scope']} (kopia {n})"})
        for table in tables:
            for row in source_rows[table]:
                ids[table][row["id"]] = next_ids[table]
                next_ids[table] += 1
        for table in tables:
            for row in source_rows[table]:
                copy = {**row, "id": ids[table][row["id"]], "assessment_id": new_id}
                for column, target in POINTERS.get(table, []):
                    if copy.get(column) is not None:
                        copy[column] = ids[target][copy[column]]
                out[table].append(copy)
        # The same content each time but for the fields set here, so one parsed copy is changed in place.
        content["assessment"].update(id=new_id, scope=f"{assessment['scope']} (kopia {n})")
        for comment, (comment_id, reply_to) in zip(content["comments"], comment_ids, strict=True):
            comment["id"] = ids["review_comments"][comment_id]
            comment["reply_to"] = None if reply_to is None else ids["review_comments"][reply_to]
        record_text = canonical_json(content)
        # What the report shows the hash of: the same text without the report's hash (canonical JSON sorts keys,
        # and "report" is never the first key), as content_sha256 computes it.
        content_text = record_text.replace(report_member, "", 1)
        record_id = next_ids["frozen_records"]
        next_ids["frozen_records"] += 1
        ids["frozen_records"][record["id"]] = record_id
        out["frozen_records"].append(
            {
                **record,
                "id": record_id,
                "assessment_id": new_id,
                "canonical_json": record_text,
                "sha256": sha256_hex(record_text),
            }
        )
        for event in events:
            fields = fields_of(event)
            fields["assessment_id"] = new_id
            entity = ENTITY_TABLE.get(event.entity_type)
            if entity is not None and event.entity_id is not None:
                fields["entity_id"] = ids[entity].get(event.entity_id, event.entity_id)
            if event.action == "record.freeze":
                fields["after"] = {
                    "sha256": sha256_hex(record_text),
                    "content_sha256": sha256_hex(content_text),
                    "report_sha256": record["report_sha256"],
                }
            seq += 1
            digest = event_hash(prev_hash, seq, fields)
            raw = raw_events[event.id]
            out["audit_events"].append(
                {
                    **raw,
                    "id": next_ids["audit_events"],
                    "seq": seq,
                    "prev_hash": prev_hash,
                    "hash": digest,
                    "entity_id": fields["entity_id"],
                    "assessment_id": new_id,
                    "after": raw["after"] if event.action != "record.freeze" else json.dumps(fields["after"]),
                }
            )
            next_ids["audit_events"] += 1
            prev_hash = digest
    # A throwaway file: no journal, no waiting for the disk.
    db.session.execute(text("PRAGMA synchronous = OFF"))
    for table in ("assessments", *tables, "frozen_records", "audit_events"):
        _insert(table, out[table])
    db.session.execute(text("UPDATE audit_head SET seq = :s, hash = :h WHERE id = 1"), {"s": seq, "h": prev_hash})
    db.session.commit()


def _setup(folder: Path) -> Flask:
    app = make_app(folder / "bench.sqlite3", folder)
    with app.app_context():
        upgrade()
        params = decided_demo(app)
        copy_decided(params["d2"], RECORDS - 1)
        db.session.remove()
        db.engine.dispose()
    return app


def floor(app: Flask) -> tuple[float, float, int, int]:
    """Time hashing and parsing every record, hashing every report and re-hashing every event, from memory.

    Return (seconds, CPU seconds, records, events).
    """
    with app.app_context():
        records = db.session.execute(text("SELECT canonical_json, report_pdf FROM frozen_records")).all()
        events = [(e.prev_hash, e.seq, fields_of(e)) for e in db.session.scalars(select(AuditEvent))]
        db.session.remove()
    started, cpu = time.perf_counter(), time.process_time()
    for record_text, pdf in records:
        sha256_hex(record_text)
        json_loads(record_text)  # the parser verification uses
        hashlib.sha256(pdf).hexdigest()
    for prev_hash, seq, fields in events:
        event_hash(prev_hash, seq, fields)
    return time.perf_counter() - started, time.process_time() - cpu, len(records), len(events)


def verify(app: Flask) -> tuple[float, float, str]:
    """Time the `records verify` command; return (seconds, CPU seconds, its first line)."""
    runner = app.test_cli_runner()
    with app.app_context():
        started, cpu = time.perf_counter(), time.process_time()
        result = runner.invoke(args=["records", "verify"])
        elapsed, used = time.perf_counter() - started, time.process_time() - cpu
        db.session.remove()
    if result.exit_code != 0 or not result.output.startswith("Allt stämmer."):
        raise SystemExit(f"records verify failed:\n{result.output[-2000:]}")
    return elapsed, used, result.output.splitlines()[0]


def main() -> None:
    """Print `records verify` on the generated records beside the parse-and-hash floor, with the ratio."""
    import assess.services.verification  # noqa: F401  (imported before the clock starts, as the CLI has it)

    with tempfile.TemporaryDirectory(prefix="bench-verify-") as tmp:
        started = time.perf_counter()
        app = _setup(Path(tmp))
        built = time.perf_counter() - started
        seconds, cpu, line = verify(app)
        alone, alone_cpu, records, events = floor(app)
        with app.app_context():
            db.engine.dispose()
    # CPU time is the figure to compare: on a busy machine wall time also counts the other processes' turns.
    print(f"   {records} decided records, {events} audit events (generated in {built:.1f} s)")
    print(f"   records verify: {seconds:6.2f} s ({cpu:6.2f} s CPU), {records / cpu:5.0f} records per CPU second")
    print(
        f"   floor, parsing and hashing the records, reports and events alone: {alone:6.2f} s ({alone_cpu:6.2f} s CPU)"
    )
    print(f"   ratio verify / floor: {cpu / alone_cpu:.2f}x CPU, {seconds / alone:.2f}x wall (goal <= {GOAL_RATIO:g}x)")
    print(
        f"   extrapolated to {SCALE} records: {cpu * SCALE / records:5.1f} s CPU, {seconds * SCALE / records:5.1f} s "
        f"wall (goal < {GOAL_SECONDS:g} s)"
    )
    print(f"   ({line[:70]}...)")
