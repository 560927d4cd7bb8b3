"""The reliability scenarios, each against gunicorn on SQLite or PostgreSQL: concurrent writers, and writers while
workers are killed with SIGKILL. The tests run them small; `make soak` runs them large and prints the figures.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.soak.live import accounts, app_env, flask, gunicorn
from tests.soak.writers import Figures, run_writers


@dataclass(frozen=True)
class Database:
    """Where a scenario's data lives."""

    kind: str
    url: str


@contextmanager
def database(kind: str, folder: Path, admin_url: str = "") -> Iterator[Database]:
    """A new, empty database of the kind (sqlite, or postgresql through admin_url), dropped afterwards."""
    if kind == "sqlite":
        yield Database(kind, f"sqlite:///{folder / 'assess.sqlite3'}")
        return
    name = f"assess_soak_{secrets.token_hex(4)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield Database(kind, make_url(admin_url).set(database=name).render_as_string(hide_password=False))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def prepared(db: Database, folder: Path) -> tuple[dict[str, str], int, list[tuple[str, str]]]:
    """Migrate and load the demo with the CLI; return the app's environment, D2's id and the editors' accounts."""
    instance = folder / "instance"
    instance.mkdir(parents=True, exist_ok=True)
    env = app_env(db.url, instance)
    flask(env, "db", "upgrade")
    flask(env, "demo", "load")
    listed = json.loads(flask(env, "cases", "list", "--json"))
    d2 = next(a["id"] for alt in listed[0]["alternatives"] for a in alt["assessments"] if a["scope"].startswith("D2"))
    passwords = accounts(instance)
    return env, d2, [("arkitekt", passwords["arkitekt"]), ("admin", passwords["admin"])]


def concurrent_writers(db: Database, folder: Path, writers: int, saves: int, workers: int = 4) -> Figures:
    """Many writers on one assessment through gunicorn; the figures say what was stored and what was lost."""
    env, d2, editors = prepared(db, folder)
    with gunicorn(env, folder, workers=workers) as server:
        return run_writers(server.url, db.url, editors, d2, writers, saves)


def writers_while_killing(db: Database, folder: Path, writers: int, saves: int, kills: int) -> tuple[Figures, str]:
    """Writers while gunicorn's workers are killed with SIGKILL; then the database's own checks.

    Return the figures and the output of `records verify` (which must pass).
    """
    env, d2, editors = prepared(db, folder)
    killed: list[int] = []
    with gunicorn(env, folder, workers=4) as server:

        def chaos(stop: threading.Event) -> None:
            n = 0
            while not stop.wait(0.4) and len(killed) < kills:
                pid = server.kill_a_worker(n)
                n += 1
                if pid:
                    killed.append(pid)

        figures = run_writers(server.url, db.url, editors, d2, writers, saves, chaos=chaos)
    figures.kills = len(killed)
    if db.kind == "sqlite":
        path = make_url(db.url).database or ""
        with sqlite3.connect(path) as conn:
            check = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            figures.problems.append(f"SQLite integrity_check: {check}")
    verified = flask(env, "records", "verify")
    return figures, verified


def admin_url() -> str:
    """The PostgreSQL admin URL the tests use (empty when not configured)."""
    return os.environ.get("MOLNBEDOMNING_TEST_POSTGRES_URL", "")
