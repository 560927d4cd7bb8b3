"""Operating the app: health checks, behind a proxy, backups, purging, and a configuration that cannot work.

The whole installed path (a wheel in a fresh environment, two gunicorn instances on one PostgreSQL) is
tests/install/test_wheel.py, run by `make test-install`.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text

from assess.extensions import db
from assess.models import AuditEvent, LoginAttempt, UserSession
from assess.models.types import utcnow
from tests import factories
from tests.assess.helpers import approve_use, demo_users, load_demo, submit_and_approve
from tests.conftest import csrf_token, make_app

ROOT = Path(__file__).resolve().parents[2]


def test_healthz_and_readyz_answer_without_signing_in_and_say_nothing_sensitive(client: FlaskClient) -> None:
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["status"] == "ready"
    assert "Set-Cookie" not in ready.headers  # no session started for a probe
    assert "sqlite" not in ready.get_data(as_text=True)


def test_readyz_is_503_when_the_schema_is_behind_the_code(tmp_path: Path) -> None:
    from flask_migrate import downgrade, upgrade

    app = make_app(tmp_path / "behind.sqlite3", tmp_path)
    with app.app_context():
        upgrade()
        downgrade(revision="0003")
        response = app.test_client().get("/readyz")
        assert response.status_code == 503
        assert "flask db upgrade" in response.get_json()["reason"]
        upgrade()
        assert app.test_client().get("/readyz").status_code == 200
        db.engine.dispose()


def test_readyz_is_503_when_the_database_does_not_answer(tmp_path: Path) -> None:
    app = make_app(tmp_path / "no" / "such" / "folder" / "db.sqlite3", tmp_path)
    with app.app_context():
        response = app.test_client().get("/readyz")
        assert response.status_code == 503
        assert "databasen svarar inte" in response.get_json()["reason"]
        assert app.test_client().get("/healthz").status_code == 200  # the process itself is fine


def _proxied_app(migrated_template: Path, tmp_path: Path, hops: int) -> Flask:
    import shutil

    db_path = tmp_path / f"proxy{hops}.sqlite3"
    shutil.copy(migrated_template, db_path)
    app = make_app(db_path, tmp_path, TRUSTED_PROXIES=hops)
    from assess.views.access import PUBLIC_ENDPOINTS

    @app.route("/var-ar-jag")
    def where() -> str:
        from flask import request, url_for

        return f"{request.remote_addr} {url_for('cases.list_cases', _external=True)}"

    PUBLIC_ENDPOINTS.add("where")
    return app


@pytest.mark.parametrize(
    ("hops", "client_address", "external"),
    [(1, "203.0.113.9", "https://bedomning.region.example/arenden"), (0, "127.0.0.1", "http://localhost/arenden")],
)
def test_behind_a_trusted_proxy_the_client_address_and_scheme_come_from_x_forwarded(
    migrated_template: Path, tmp_path: Path, hops: int, client_address: str, external: str
) -> None:
    app = _proxied_app(migrated_template, tmp_path, hops)
    forwarded = {
        "X-Forwarded-For": "203.0.113.9",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "bedomning.region.example",
        "Referer": "https://bedomning.region.example/logga-in",  # over https, the CSRF check compares it
    }
    with app.app_context():
        client = app.test_client()
        assert client.get("/var-ar-jag", headers=forwarded).get_data(as_text=True) == f"{client_address} {external}"
        # The sign-in throttle counts the client's address, not the proxy's.
        token = csrf_token(client)
        client.post("/logga-in", data={"csrf_token": token, "username": "x", "password": "y"}, headers=forwarded)
        assert db.session.scalar(select(LoginAttempt.ip)) == client_address
        db.session.remove()
        db.engine.dispose()


def test_a_sqlite_backup_taken_while_answers_are_saved_is_whole_and_verifies(app: Flask, tmp_path: Path) -> None:
    from assess.models import Assessment
    from assess.services.verification import verify_all

    ids = load_demo(app)
    users = demo_users()
    d2 = db.session.get(Assessment, ids["D2"])
    submit_and_approve(d2, users)
    approve_use(d2, users, dt.date.today())
    db.session.commit()
    stop = threading.Event()
    architect_id = users["arkitekt"].id

    def keep_writing() -> None:  # someone works on another assessment all along (in a session of its own)
        from assess.models import User
        from assess.services import assessments as service

        with app.app_context():
            architect = db.session.get(User, architect_id)
            n = 0
            while not stop.is_set():
                n += 1
                a = service.get_assessment(ids["D1"])
                given = service.AnswerInput(value=f"Ändamål {n}", evidence="E4")
                service.save_answers(a, {"G-03": given}, a.version, architect)
                db.session.commit()
            db.session.remove()

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        result = app.test_cli_runner().invoke(args=["backup", "-o", str(tmp_path / "kopia.sqlite3")])
    finally:
        stop.set()
        writer.join()
    assert result.exit_code == 0, result.output
    assert "Auditkedjans huvud vid kopieringen: händelse" in result.output
    copy = tmp_path / "kopia.sqlite3"
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    restored = make_app(copy, tmp_path)
    with restored.app_context():
        result = verify_all(tmp_path)
        assert result.problems == []
        assert result.records == 1
        db.session.remove()
        db.engine.dispose()


@pytest.mark.postgres
def test_a_postgresql_backup_restores_into_a_new_database_that_verifies(tmp_path: Path) -> None:
    import secrets
    import shutil

    from flask_migrate import upgrade
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from assess import create_app
    from assess.models import Assessment
    from assess.services.verification import verify_all
    from tests.conftest import TEST_CONFIG

    admin_url = os.environ.get("MOLNBEDOMNING_TEST_POSTGRES_URL", "")
    if not admin_url:
        if os.environ.get("CI"):
            pytest.fail("MOLNBEDOMNING_TEST_POSTGRES_URL is not set on CI: .ci/run starts PostgreSQL")
        pytest.skip("PostgreSQL not configured: set MOLNBEDOMNING_TEST_POSTGRES_URL (see .ci/postgres)")
    if shutil.which("pg_restore") is None:
        pytest.fail("pg_restore is missing: apt-get install postgresql-client")
    names = [f"assess_backup_{secrets.token_hex(3)}", f"assess_restored_{secrets.token_hex(3)}"]
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    urls = [make_url(admin_url).set(database=n).render_as_string(hide_password=False) for n in names]
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": urls[0]})
        app.instance_path = str(tmp_path)
        with app.app_context():
            upgrade()
            ids = load_demo(app)
            users = demo_users()
            d2 = db.session.get(Assessment, ids["D2"])
            submit_and_approve(d2, users)
            approve_use(d2, users, dt.date.today())
            db.session.commit()
            result = app.test_cli_runner().invoke(args=["backup", "-o", str(tmp_path / "assess.dump")])
            assert result.exit_code == 0, result.output
            db.session.remove()
            db.engine.dispose()
        target = make_url(urls[1])
        restore = subprocess.run(
            [
                "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--dbname",
                target.database or "",
                str(tmp_path / "assess.dump"),
            ],
            env={**os.environ, "PGHOST": str(target.query.get("host", ""))},
            capture_output=True,
            text=True,
            check=False,
        )
        assert restore.returncode == 0, restore.stderr
        restored = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": urls[1]})
        restored.instance_path = str(tmp_path)
        with restored.app_context():
            outcome = verify_all(tmp_path)
            assert outcome.problems == []
            assert outcome.records == 1
            assert restored.test_client().get("/readyz").status_code == 200
            # The restored database keeps its guards: a decided answer still cannot change.
            with pytest.raises(Exception, match="draft"):
                db.session.execute(
                    text("UPDATE answers SET motivation = 'x' WHERE assessment_id = :id"), {"id": ids["D2"]}
                )
            db.session.rollback()
            db.session.remove()
            db.engine.dispose()
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_purge_deletes_old_login_attempts_and_ended_sessions_but_never_audit_events(app: Flask) -> None:
    from assess.services import sessions

    user = factories.create_user("viewer", username="anna")
    long_ago = utcnow() - dt.timedelta(days=3)
    db.session.add(LoginAttempt(username="anna", ip="10.0.0.1", success=False, at=long_ago))
    db.session.add(LoginAttempt(username="anna", ip="10.0.0.1", success=False, at=utcnow()))
    old = sessions.start_session(user, dt.timedelta(hours=8))
    sessions.end_session(old)
    db.session.execute(text("UPDATE user_sessions SET ended_at = :t"), {"t": long_ago.replace(tzinfo=None)})
    sessions.start_session(user, dt.timedelta(hours=8))
    db.session.commit()
    events = db.session.scalar(select(func.count(AuditEvent.id)))
    result = app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "Rensade 1 gamla inloggningsförsök och 1 avslutade sessioner." in result.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count(LoginAttempt.id))) == 1
    assert db.session.scalar(select(func.count(UserSession.id))) == 1
    assert db.session.scalar(select(func.count(AuditEvent.id))) == events


def _flask(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ASSESS_")}
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "assess", *args],
        env={**clean, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("command", [["db", "upgrade"], ["records", "verify"], ["users", "list"], ["routes"]])
def test_any_command_without_a_secret_key_outside_development_says_so_on_one_line(
    tmp_path: Path, command: list[str]
) -> None:
    result = _flask({"ASSESS_INSTANCE_PATH": str(tmp_path)}, *command)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "hemlig nyckel" in lines[0]
    assert "secret key" in lines[0]
    assert "Traceback" not in result.stderr


def test_the_secret_key_can_come_from_a_file(tmp_path: Path) -> None:
    key = tmp_path / "secret_key"
    key.write_text("a" * 64 + "\n")
    env = {"ASSESS_INSTANCE_PATH": str(tmp_path), "ASSESS_SECRET_KEY_FILE": str(key)}
    assert _flask(env, "db", "upgrade").returncode == 0
    missing = _flask({**env, "ASSESS_SECRET_KEY_FILE": str(tmp_path / "nope")}, "users", "list")
    assert missing.returncode == 1
    assert missing.stderr.strip().splitlines() == [
        "ASSESS_SECRET_KEY_FILE går inte att läsa (No such file or directory). / "
        "ASSESS_SECRET_KEY_FILE cannot be read (No such file or directory)."
    ]
