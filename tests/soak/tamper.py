"""The tamper table: what someone with write access to the database might do, and how each is met.

Every row is run on its own fresh copy of a database holding a decided assessment (D2, with its frozen record,
stored report and conditions) and a draft (D1). A row is *refused* when the database raises, or *detected* when
`records verify` (``verify_all``) then reports a problem. A row that is neither is a hole. Rows that first
switch the guards off (drop a trigger, ``session_replication_role = replica``) stand for an administrator or an
attacker with full rights: nothing in the database can refuse them, so they must be detected.

`run_table` is shared by the tests (`tests/assess/test_tamper.py`) and `make soak`, which prints the figures.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

Params = dict[str, Any]


@dataclass(frozen=True)
class Tamper:
    """One attempt: SQL per dialect ('any' for both), run in order in one transaction."""

    name: str
    sql: dict[str, list[str]]

    def statements(self, dialect: str) -> list[str] | None:
        """Return the statements for a dialect, or None when the row does not apply to it."""
        return self.sql.get(dialect, self.sql.get("any"))


def _both(*statements: str) -> dict[str, list[str]]:
    return {"any": list(statements)}


SQLITE_DROP_ANSWER_GUARDS = [f"DROP TRIGGER answers_{verb}" for verb in ("update", "delete", "insert")]
PG_REPLICA = "SET LOCAL session_replication_role = replica"


TAMPERS: list[Tamper] = [
    # --- refused by the database itself -------------------------------------------------------------------
    Tamper(
        "ändra ett svar i en beslutad bedömning", _both("UPDATE answers SET value = '\"no\"' WHERE assessment_id = :d2")
    ),
    Tamper("radera svaren i en beslutad bedömning", _both("DELETE FROM answers WHERE assessment_id = :d2")),
    Tamper(
        "lägga till ett svar i en beslutad bedömning",
        _both(
            "INSERT INTO answers (assessment_id, question_id, value, evidence, motivation, evidence_ref, "
            "unknown_owner, changed_in_version, updated_at) VALUES (:d2, 'X-99', '\"yes\"', 'E1', '', '', '', 1, "
            "'2026-01-01 00:00:00')"
        ),
    ),
    Tamper(
        "flytta ett svar från den beslutade till ett utkast",
        _both("UPDATE answers SET assessment_id = :d1 WHERE assessment_id = :d2 AND question_id = 'G-03'"),
    ),
    Tamper(
        "flytta ett svar från ett utkast till den beslutade",
        _both(
            "UPDATE answers SET assessment_id = :d2, question_id = 'X-98' WHERE assessment_id = :d1 "
            "AND question_id = 'G-01'"
        ),
    ),
    Tamper("ändra den frysta posten", _both("UPDATE frozen_records SET canonical_json = '{}'")),
    Tamper("radera den frysta posten", _both("DELETE FROM frozen_records")),
    Tamper("ändra beslutet", _both("UPDATE decisions SET residual_risks = 'inga'")),
    Tamper("radera beslutet", _both("DELETE FROM decisions")),
    Tamper(
        "ersätta den beslutade utan ny revision", _both("UPDATE assessments SET status = 'superseded' WHERE id = :d2")
    ),
    Tamper("göra den beslutade till utkast", _both("UPDATE assessments SET status = 'draft' WHERE id = :d2")),
    Tamper("byta omfattning på den beslutade", _both("UPDATE assessments SET scope = 'annat' WHERE id = :d2")),
    Tamper("byta regelverk på den beslutade", _both("UPDATE assessments SET ruleset_version = 99 WHERE id = :d2")),
    Tamper("hoppa från utkast till beslutad", _both("UPDATE assessments SET status = 'decided' WHERE id = :d1")),
    Tamper("hoppa från utkast till granskad", _both("UPDATE assessments SET status = 'reviewed' WHERE id = :d1")),
    Tamper("radera den beslutade bedömningen", _both("DELETE FROM assessments WHERE id = :d2")),
    Tamper("radera ärendet med allt i", _both("DELETE FROM cases")),
    Tamper("markera ett villkor uppfyllt utan händelse", _both("UPDATE decision_conditions SET fulfilled = true")),
    Tamper("flytta ett villkors sista dag", _both("UPDATE decision_conditions SET deadline = '2020-01-01'")),
    Tamper("byta ansvarig för ett villkor", _both("UPDATE decision_conditions SET owner_id = owner_id + 1")),
    Tamper("radera ett villkor", _both("DELETE FROM decision_conditions")),
    Tamper(
        "lägga till ett villkor i efterhand",
        _both(
            "INSERT INTO decision_conditions (decision_id, assessment_id, question_id, outcome, mitigations, owner_id, "
            "deadline, gate, fulfilled, fulfilled_note, fulfilled_evidence) SELECT decision_id, assessment_id, "
            "'X-97', outcome, mitigations, owner_id, deadline, gate, false, '', '' FROM decision_conditions LIMIT 1"
        ),
    ),
    Tamper("ändra ett godkännande", _both("UPDATE area_approvals SET note = 'ändrad'")),
    Tamper("radera ett godkännande", _both("DELETE FROM area_approvals")),
    Tamper(
        "lägga till ett godkännande i efterhand",
        _both(
            "INSERT INTO area_approvals (assessment_id, round, area, reviewer_id, approved_at, note) "
            "SELECT assessment_id, round + 1, area, reviewer_id, approved_at, '' FROM area_approvals LIMIT 1"
        ),
    ),
    Tamper("radera granskningens inskickning", _both("DELETE FROM submissions")),
    Tamper("ändra vad som skickades in", _both("UPDATE submissions SET answers = '{}'")),
    Tamper("ändra en kommentar", _both("UPDATE review_comments SET text = 'ändrad'")),
    Tamper(
        "lägga in en auditrad utanför kedjan",
        _both(
            "INSERT INTO audit_events (at, actor_name, entity_type, action, seq, prev_hash, hash) "
            "VALUES ('2026-01-01 00:00:00', 'x', 'user', 'forged', 1, 'x', 'y')"
        ),
    ),
    Tamper("ändra en auditrad", _both("UPDATE audit_events SET actor_name = 'någon annan'")),
    Tamper("radera auditraderna", _both("DELETE FROM audit_events")),
    Tamper("flytta kedjans huvud", _both("UPDATE audit_head SET seq = seq + 1")),
    Tamper("radera kedjans huvud", _both("DELETE FROM audit_head")),
    Tamper("tömma (TRUNCATE) de frysta posterna", {"postgresql": ["TRUNCATE frozen_records CASCADE"]}),
    Tamper("tömma (TRUNCATE) auditspåret", {"postgresql": ["TRUNCATE audit_events"]}),
    Tamper("tömma (TRUNCATE) besluten", {"postgresql": ["TRUNCATE decisions CASCADE"]}),
    Tamper("tömma (TRUNCATE) svaren", {"postgresql": ["TRUNCATE answers"]}),
    Tamper("tömma (TRUNCATE) ärendena med allt i", {"postgresql": ["TRUNCATE cases CASCADE"]}),
    # --- the guards switched off first: detected by records verify -------------------------------------------
    Tamper(
        "stänga av skydden och ändra ett svar",
        {
            "sqlite": [
                *SQLITE_DROP_ANSWER_GUARDS,
                "UPDATE answers SET motivation = 'ändrad' WHERE assessment_id = :d2",
            ],
            "postgresql": [PG_REPLICA, "UPDATE answers SET motivation = 'ändrad' WHERE assessment_id = :d2"],
        },
    ),
    Tamper(
        "stänga av skydden och radera ett svar",
        {
            "sqlite": [
                *SQLITE_DROP_ANSWER_GUARDS,
                "DELETE FROM answers WHERE assessment_id = :d2 AND question_id = 'G-03'",
            ],
            "postgresql": [PG_REPLICA, "DELETE FROM answers WHERE assessment_id = :d2 AND question_id = 'G-03'"],
        },
    ),
    Tamper(
        "stänga av skydden och radera den frysta posten",
        {
            "sqlite": ["DROP TRIGGER frozen_records_no_delete", "DELETE FROM frozen_records"],
            "postgresql": [PG_REPLICA, "DELETE FROM frozen_records"],
        },
    ),
    Tamper(
        "stänga av skydden, radera posten och göra bedömningen till utkast igen",
        {
            "sqlite": [
                "DROP TRIGGER frozen_records_no_delete",
                "DROP TRIGGER assessments_sealed",
                "DELETE FROM frozen_records",
                "UPDATE assessments SET status = 'draft' WHERE id = :d2",
            ],
            "postgresql": [
                PG_REPLICA,
                "DELETE FROM frozen_records",
                "UPDATE assessments SET status = 'draft' WHERE id = :d2",
            ],
        },
    ),
    Tamper(
        "stänga av skydden och skriva om posten med ny hash",
        {
            "sqlite": [
                "DROP TRIGGER frozen_records_no_update",
                "UPDATE frozen_records SET canonical_json = replace(canonical_json, 'Beata', 'Bertil')",
                "UPDATE frozen_records SET sha256 = :rehash",
            ],
            "postgresql": [
                PG_REPLICA,
                "UPDATE frozen_records SET canonical_json = replace(canonical_json, 'Beata', 'Bertil')",
                "UPDATE frozen_records SET sha256 = :rehash",
            ],
        },
    ),
    Tamper(
        "stänga av skydden och byta rapporten",
        {
            "sqlite": ["DROP TRIGGER frozen_records_no_update", "UPDATE frozen_records SET report_pdf = :swapped_pdf"],
            "postgresql": [PG_REPLICA, "UPDATE frozen_records SET report_pdf = :swapped_pdf"],
        },
    ),
    Tamper(
        "stänga av skydden och byta rapporten och dess hash i tabellen",
        {
            "sqlite": [
                "DROP TRIGGER frozen_records_no_update",
                "UPDATE frozen_records SET report_pdf = :swapped_pdf, report_sha256 = :swapped",
            ],
            "postgresql": [PG_REPLICA, "UPDATE frozen_records SET report_pdf = :swapped_pdf, report_sha256 = :swapped"],
        },
    ),
    Tamper(
        "stänga av skydden och radera en auditrad",
        {
            "sqlite": ["DROP TRIGGER audit_events_no_delete", "DELETE FROM audit_events WHERE seq = 3"],
            "postgresql": [PG_REPLICA, "DELETE FROM audit_events WHERE seq = 3"],
        },
    ),
    Tamper(
        "stänga av skydden och ändra vad en auditrad säger",
        {
            "sqlite": ["DROP TRIGGER audit_events_no_update", "UPDATE audit_events SET actor_name = 'x' WHERE seq = 2"],
            "postgresql": [PG_REPLICA, "UPDATE audit_events SET actor_name = 'x' WHERE seq = 2"],
        },
    ),
    Tamper(
        "lägga in en auditrad som följer huvudet men har fel hash",
        _both(
            "INSERT INTO audit_events (at, actor_name, entity_type, action, seq, prev_hash, hash) "
            "SELECT '2026-01-01 00:00:00', 'x', 'user', 'forged', seq + 1, hash, :bogus FROM audit_head"
        ),
    ),
    Tamper(
        "stänga av skydden och ersätta den beslutade utan revision",
        {
            "sqlite": [
                "DROP TRIGGER assessments_sealed",
                "UPDATE assessments SET status = 'superseded' WHERE id = :d2",
            ],
            "postgresql": [PG_REPLICA, "UPDATE assessments SET status = 'superseded' WHERE id = :d2"],
        },
    ),
    Tamper(
        "skicka in ett utkast utan arbetsflödet", _both("UPDATE assessments SET status = 'submitted' WHERE id = :d1")
    ),
    Tamper(
        "stänga av skydden och markera ett villkor uppfyllt",
        {
            "sqlite": ["DROP TRIGGER decision_conditions_followup", "UPDATE decision_conditions SET fulfilled = 1"],
            "postgresql": [PG_REPLICA, "UPDATE decision_conditions SET fulfilled = true"],
        },
    ),
    # Text that is not JSON in a JSON column (SQLite stores it; PostgreSQL's json type refuses it): verify names
    # the record or the event instead of giving up on the whole check.
    Tamper(
        "stänga av skydden och skriva något som inte är JSON i ett svar",
        {
            "sqlite": [
                *SQLITE_DROP_ANSWER_GUARDS,
                "UPDATE answers SET value = '{trasig' WHERE assessment_id = :d2 AND question_id = 'G-03'",
            ],
            "postgresql": [
                PG_REPLICA,
                "UPDATE answers SET value = '{trasig' WHERE assessment_id = :d2 AND question_id = 'G-03'",
            ],
        },
    ),
    Tamper(
        "stänga av skydden och skriva något som inte är JSON i en auditrad",
        {
            "sqlite": [
                "DROP TRIGGER audit_events_no_update",
                "UPDATE audit_events SET after = '{trasig' WHERE seq = 2",
            ],
            "postgresql": [PG_REPLICA, "UPDATE audit_events SET after = '{trasig' WHERE seq = 2"],
        },
    ),
    Tamper(
        "stänga av skydden och skriva något som inte är JSON i ett villkors åtgärder",
        {
            "sqlite": [
                "DROP TRIGGER decision_conditions_terms",
                "UPDATE decision_conditions SET mitigations = '[trasig'",
            ],
            "postgresql": [PG_REPLICA, "UPDATE decision_conditions SET mitigations = '[trasig'"],
        },
    ),
    Tamper(
        "stänga av allt och radera den beslutade bedömningen helt",
        {
            "sqlite": [
                "PRAGMA foreign_keys = OFF",
                "DROP TRIGGER frozen_records_no_delete",
                "DROP TRIGGER assessments_delete",
                "DELETE FROM frozen_records",
                "DELETE FROM assessments WHERE id = :d2",
            ],
            "postgresql": [PG_REPLICA, "DELETE FROM frozen_records", "DELETE FROM assessments WHERE id = :d2"],
        },
    ),
    Tamper(
        "stänga av allt och tömma auditspåret",
        {
            "sqlite": [
                "DROP TRIGGER audit_events_no_delete",
                "DROP TRIGGER audit_head_no_delete",
                "DELETE FROM audit_events",
                "DELETE FROM audit_head",
            ],
            "postgresql": [PG_REPLICA, "DELETE FROM audit_events", "DELETE FROM audit_head"],
        },
    ),
    Tamper(
        "stänga av allt och ta bort tabellen med frysta poster",
        {"sqlite": ["DROP TABLE frozen_records"], "postgresql": ["DROP TABLE frozen_records CASCADE"]},
    ),
]


@dataclass
class Outcome:
    """How one row went."""

    name: str
    refused: bool = False
    detected: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def met(self) -> bool:
        """Tell whether the attempt was refused or detected (an attempt that changed nothing is not a test)."""
        return self.refused or (bool(self.detected) and not self.error)


@dataclass
class Setting:
    """A database with the decided D2 to copy for each row, and the ids and values the rows refer to."""

    dialect: str
    fresh_copy: Callable[[str], tuple[str, Path]]
    params: Params


def run_table(setting: Setting, verify: Callable[[str, Path], list[str]]) -> list[Outcome]:
    """Run every row that applies to the dialect on its own copy; return how each was met."""
    outcomes = []
    for n, tamper in enumerate(TAMPERS):
        statements = tamper.statements(setting.dialect)
        if statements is None:
            continue
        url, instance = setting.fresh_copy(f"t{n}")
        outcome = Outcome(tamper.name)
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                params = {**setting.params, **_computed(conn)}
                conn.rollback()
                try:
                    with conn.begin():
                        for statement in statements:
                            result = conn.execute(text(statement), _used(statement, params))
                            if _changes_rows(statement) and result.rowcount == 0:
                                outcome.error = f"no row to change: {statement}"  # a row of the table is wrong
                except DBAPIError as exc:
                    outcome.refused = True
                    outcome.error = str(exc.orig).splitlines()[0][:160]
        finally:
            engine.dispose()
        if not outcome.refused:
            outcome.detected = verify(url, instance)
        outcomes.append(outcome)
    return outcomes


def _changes_rows(statement: str) -> bool:
    return statement.split()[0].upper() in ("UPDATE", "DELETE", "INSERT")


def _computed(conn: Connection) -> Params:
    """Values some rows need: the hash a rewritten record would have, a bogus event hash."""
    import hashlib

    row = conn.execute(text("SELECT canonical_json, report_pdf FROM frozen_records")).one()
    rewritten = row[0].replace("Beata", "Bertil")
    swapped = bytes(row[1]) + b"\n% a report swapped for another"
    return {
        "rehash": hashlib.sha256(rewritten.encode("utf-8")).hexdigest(),
        "bogus": "f" * 64,
        "swapped_pdf": swapped,
        "swapped": hashlib.sha256(swapped).hexdigest(),
    }


def _used(statement: str, params: Params) -> Params:
    return {k: v for k, v in params.items() if f":{k}" in statement}


# --- building the setting -------------------------------------------------------------------------------------


def decided_demo(app: Any) -> Params:
    """In the app's context: load the demo, decide D2 (record and report stored); return ids and the report path."""
    import datetime as dt

    from assess.extensions import db
    from assess.models import Assessment
    from assess.services import review, workflow
    from tests.assess.helpers import REVIEWERS, approve_use, demo_users, load_demo

    ids = load_demo(app)
    users = demo_users()
    d2 = db.session.get(Assessment, ids["D2"])
    workflow.submit(d2, users["arkitekt"])
    review.add_comment(d2, users["jurist"], "Underbiträdeslistan är kontrollerad.", "L-05")
    for username, area in REVIEWERS:
        review.approve_area(d2, users[username], area, "Godkänt.")
    approve_use(d2, users, dt.date.today())
    db.session.commit()
    params = {"d1": ids["D1"], "d2": ids["D2"]}
    db.session.remove()
    db.engine.dispose()
    return params


@contextmanager
def sqlite_setting(app_factory: Callable[[Path, Path], Any], folder: Path) -> Iterator[Setting]:
    """A decided demo on SQLite; each row gets a copy of the file and of the instance folder."""
    from assess.extensions import db

    base = folder / "base"
    base.mkdir()
    app = app_factory(base / "assess.sqlite3", base)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        params = decided_demo(app)
        db.engine.dispose()

    def fresh_copy(name: str) -> tuple[str, Path]:
        target = folder / name
        shutil.copytree(base, target)
        return f"sqlite:///{target / 'assess.sqlite3'}", target

    yield Setting("sqlite", fresh_copy, params)


@contextmanager
def postgres_setting(
    admin_url: str, app_factory: Callable[[str, Path], Any], folder: Path, prefix: str
) -> Iterator[Setting]:
    """A decided demo on PostgreSQL; each row gets a database made from it as a template."""
    from assess.extensions import db

    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    created = [f"{prefix}_base"]
    url_of = lambda name: make_url(admin_url).set(database=name).render_as_string(hide_password=False)  # noqa: E731
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{prefix}_base"'))
    try:
        base = folder / "base"
        base.mkdir()
        app = app_factory(url_of(f"{prefix}_base"), base)
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
            params = decided_demo(app)
            db.engine.dispose()

        def fresh_copy(name: str) -> tuple[str, Path]:
            database = f"{prefix}_{name}"
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{database}" TEMPLATE "{prefix}_base"'))
            created.append(database)
            target = folder / name
            shutil.copytree(base, target)
            return url_of(database), target

        yield Setting("postgresql", fresh_copy, params)
    finally:
        with admin.connect() as conn:
            for database in reversed(created):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


def describe(outcomes: list[Outcome]) -> str:
    """One line per row: refused, detected (with the first problem) or NOT MET."""
    lines = []
    for o in outcomes:
        how = "avvisad" if o.refused else (f"upptäckt: {o.detected[0]}" if o.detected else "EJ UPPTÄCKT")
        if o.error and not o.refused:
            how += f" ({o.error})"
        lines.append(f"  {'ok ' if o.met else 'FEL'} {o.name}: {how}")
    return "\n".join(lines)


def summary(outcomes: list[Outcome]) -> dict[str, int]:
    """Return the counts of rows refused, detected and not met."""
    return {
        "rows": len(outcomes),
        "refused": sum(o.refused for o in outcomes),
        "detected": sum(bool(o.detected) and not o.refused for o in outcomes),
        "missed": sum(not o.met for o in outcomes),
    }
