"""The schema comes from migrations only, and they match the models."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from assess.extensions import db
from tests.assess.helpers import heard
from tests.conftest import make_app


def test_upgrade_empty_database_then_check_reports_no_drift(tmp_path: Path) -> None:
    app = make_app(tmp_path / "fresh.sqlite3", tmp_path)
    with app.app_context():
        upgrade()
        tables = set(sa.inspect(db.engine).get_table_names())
        assert {
            "users",
            "user_roles",
            "cases",
            "alternatives",
            "assessments",
            "answers",
            "audit_events",
        } <= tables
        db.engine.dispose()
    env = {
        **os.environ,
        "ASSESS_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
        "ASSESS_SECRET_KEY": "k",
        "ASSESS_ENVIRONMENT": "test",
    }
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "assess", "db", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "No new upgrade operations detected" in result.stdout


def test_the_indexes_made_by_ddl_are_the_same_from_the_models_as_from_the_migrations(tmp_path: Path) -> None:
    """`flask db check` leaves the indexes that differ by database (INDEXES_BY_DDL) out of its comparison, so this
    compares them: a database made from the models has each, with the columns and WHERE the migrations gave it."""
    from assess.extensions import INDEXES_BY_DDL

    def indexes(path: Path) -> dict[str, str]:
        engine = sa.create_engine(f"sqlite:///{path}")
        with engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'index'").all()
        engine.dispose()
        return {name: " ".join(sql.split()) for name, sql in rows if name in INDEXES_BY_DDL}

    app = make_app(tmp_path / "migrated.sqlite3", tmp_path)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    made = tmp_path / "made.sqlite3"
    engine = sa.create_engine(f"sqlite:///{made}")
    db.metadata.create_all(engine)
    engine.dispose()
    migrated = indexes(tmp_path / "migrated.sqlite3")
    assert set(migrated) == INDEXES_BY_DDL
    assert indexes(made) == migrated


def test_downgrade_to_base_removes_every_table(tmp_path: Path) -> None:
    app = make_app(tmp_path / "fresh.sqlite3", tmp_path)
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_every_foreign_key_is_indexed(app: object) -> None:
    inspector = sa.inspect(db.engine)
    missing = []
    for table in inspector.get_table_names():
        indexed = {tuple(ix["column_names"])[0] for ix in inspector.get_indexes(table)}
        indexed |= {tuple(uq["column_names"])[0] for uq in inspector.get_unique_constraints(table)}
        indexed |= set(inspector.get_pk_constraint(table)["constrained_columns"][:1])  # a primary key is an index
        for fk in inspector.get_foreign_keys(table):
            column = fk["constrained_columns"][0]
            if column not in indexed:
                missing.append(f"{table}.{column}")
    assert missing == []


def test_database_refuses_to_change_audit_events(app: object) -> None:
    # An event that does not follow the head of the chain is refused; one that does is taken.
    insert = (
        "INSERT INTO audit_events (at, actor_name, entity_type, action, seq, prev_hash, hash) "
        "VALUES ('2026-01-01 00:00:00', 'x', 'user', 'test', :seq, :prev, :hash)"
    )
    with pytest.raises(sa.exc.DatabaseError, match="follow the head"), db.engine.begin() as conn:
        conn.execute(sa.text(insert), {"seq": 7, "prev": "0" * 64, "hash": "1" * 64})
    with db.engine.begin() as conn:
        conn.execute(sa.text(insert), {"seq": 1, "prev": "0" * 64, "hash": "1" * 64})
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit_events SET action = 'forged'"))
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_events"))
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT action FROM audit_events")).scalar_one() == "test"


def test_a_database_with_format_1_records_upgrades_and_still_verifies(tmp_path: Path) -> None:
    """A database made before migration 0003 (tests/data/records-v1): its events are chained, its record verifies."""
    import gzip
    import json
    import shutil

    from flask_migrate import upgrade

    from assess.models import Assessment, AssessmentStatus, AuditEvent, FrozenRecord, User
    from assess.services import workflow
    from assess.services.verification import verify_all
    from tests.conftest import make_app

    data = Path(__file__).resolve().parents[1] / "data" / "records-v1"
    database = tmp_path / "assess.sqlite3"
    database.write_bytes(gzip.decompress((data / "assess.sqlite3.gz").read_bytes()))
    shutil.copytree(data / "reports", tmp_path / "reports")
    app = make_app(database, tmp_path)
    with app.app_context():
        upgrade()
        record = db.session.scalar(sa.select(FrozenRecord))
        assert record is not None
        assert json.loads(record.canonical_json)["format"] == "molnbedomning-record/1"
        # Migration 0004 moved the report file into the record's row, with the hash it had.
        import hashlib

        assert record.report_path is None
        assert record.report_pdf == (data / "reports" / "bedomning-5-c8425075fd1c.pdf").read_bytes()
        assert hashlib.sha256(record.report_pdf).hexdigest() == record.report_sha256
        events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.seq)).all()
        assert [e.seq for e in events] == list(range(1, len(events) + 1))  # the old events are chained
        result = verify_all(tmp_path)
        assert result.problems == []
        assert (result.records, result.head_seq) == (1, len(events))
        # Work goes on: a revision of the old decision, and the chain and the record still hold.
        architect = db.session.scalar(sa.select(User).where(User.username == "arkitekt"))
        decided = db.session.get(Assessment, record.assessment_id)
        assert decided.status == AssessmentStatus.DECIDED
        workflow.revise(decided, architect, "Ny leverantörsinformation")
        db.session.commit()
        assert verify_all(tmp_path).problems == []
        # And a change behind the app's back is found in the old record too.
        db.session.execute(sa.text("DROP TRIGGER answers_update"))
        db.session.execute(
            sa.text("UPDATE answers SET motivation = 'ändrad' WHERE assessment_id = :id"), {"id": decided.id}
        )
        db.session.commit()
        assert any("ändrats efter beslutet" in p for p in verify_all(tmp_path).problems)
        db.session.remove()
        db.engine.dispose()


def test_a_report_file_missing_at_the_upgrade_stays_named_and_verify_reports_it(tmp_path: Path) -> None:
    import gzip

    from flask_migrate import upgrade

    from assess.models import FrozenRecord
    from assess.services.verification import verify_all

    data = Path(__file__).resolve().parents[1] / "data" / "records-v1"
    database = tmp_path / "assess.sqlite3"
    database.write_bytes(gzip.decompress((data / "assess.sqlite3.gz").read_bytes()))
    app = make_app(database, tmp_path)  # no reports/ folder: the file is gone
    with app.app_context():
        upgrade()
        record = db.session.scalar(sa.select(FrozenRecord))
        assert record.report_path == "reports/bedomning-5-c8425075fd1c.pdf"
        assert record.report_pdf is None
        problems = verify_all(tmp_path).problems
        assert problems == [f"post {record.id} (bedömning 5): den lagrade rapporten {record.report_path} saknas"]
        db.session.remove()
        db.engine.dispose()


def test_free_text_owners_are_matched_once_to_users_and_cases_get_a_team(tmp_path: Path) -> None:
    """Migration 0006: a draft's free-text owner that is a user's name becomes that user; others stay text."""
    from assess.models import Answer, CaseMember

    app = make_app(tmp_path / "old.sqlite3", tmp_path)
    now = "2026-11-01 10:00:00.000000"
    with app.app_context():
        upgrade(revision="0005")
        statements = [
            "INSERT INTO users (id, username, display_name, email, password_hash, active, language, created_at) "
            f"VALUES (1, 'jurist', 'Johan Jurist', '', 'x', 1, '', '{now}'), "
            f"(2, 'orjan', 'Örjan Öberg', '', 'x', 1, '', '{now}')",
            "INSERT INTO cases (id, title, need_statement, information_owner, decision_maker, decision_maker_id,"
            f" status, created_at, updated_at) VALUES (1, 'Ärende', '', '', '', 1, 'open', '{now}', '{now}')",
            "INSERT INTO alternatives (id, case_id, name, description, operating_model, provider, position, created_at,"
            f" updated_at) VALUES (1, 1, 'A', '', '', '', 0, '{now}', '{now}')",
            "INSERT INTO assessments (id, alternative_id, scope, scope_description, position, revision, ruleset_id,"
            " ruleset_version, ruleset_sha256, status, owner_id, version, created_at, updated_at) VALUES "
            f"(1, 1, 'Hela alternativet', '', 0, 1, 'molnlamplighet', 1, 'x', 'draft', 2, 1, '{now}', '{now}')",
            "INSERT INTO answers (assessment_id, question_id, value, evidence, motivation, evidence_ref, unknown_owner,"
            f" changed_in_version, updated_at) VALUES (1, 'L-01', '\"unknown\"', 'E1', '', '', ' johan JURIST ', 1, "
            f"'{now}'), (1, 'L-03', '\"unknown\"', 'E1', '', '', 'Juristen (Johan)', 1, '{now}')",
        ]
        with db.engine.begin() as conn:
            for statement in statements:
                conn.execute(sa.text(statement))
        upgrade()
        rows = {a.question_id: a for a in db.session.scalars(sa.select(Answer))}
        assert rows["L-01"].assignee_user_id == 1
        assert rows["L-03"].assignee_user_id is None
        assert rows["L-03"].unknown_owner == "Juristen (Johan)"  # kept as written: shown as "ej tilldelad"
        team = {(m.user_id, m.role.value) for m in db.session.scalars(sa.select(CaseMember))}
        assert team == {(2, "architect"), (1, "decision_maker")}
        db.session.remove()
        db.engine.dispose()


def test_a_migration_run_in_the_app_s_process_leaves_its_logs_on(tmp_path: Path) -> None:
    """Alembic's env.py reads the logging configuration of alembic.ini; with fileConfig's default it disabled every
    logger that existed before, the app's own "assess" too (which names unexpected errors): after an upgrade in the
    same process (the tests' fixtures, an embedded upgrade) nothing the app logged was written anywhere."""
    import logging

    with heard("assess") as messages:
        app = make_app(tmp_path / "log.sqlite3", tmp_path / "instance")
        with app.app_context():
            upgrade()
            db.session.remove()
            db.engine.dispose()
        logging.getLogger("assess").warning("still heard after a migration")
    assert messages == ["still heard after a migration"]
