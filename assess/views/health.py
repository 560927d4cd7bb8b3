"""Health checks for the load balancer and the service manager; public, and they say nothing sensitive.

`/healthz`: the process answers. `/readyz`: the database answers and its schema is at the migrations' head; 503
with the reason otherwise (so a new instance takes no traffic before `flask db upgrade` has run, and an instance
that lost its database is taken out of rotation).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, Response, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from assess.extensions import db

bp = Blueprint("health", __name__)
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


@cache
def migrations_head() -> str | None:
    """Return the newest migration the code has (read once per process)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head: str | None = ScriptDirectory.from_config(config).get_current_head()
    return head


def _plain(body: dict[str, str], status: int) -> tuple[Response, int]:
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response, status


@bp.route("/healthz")
def healthz() -> tuple[Response, int]:
    return _plain({"status": "ok"}, 200)


@bp.route("/readyz")
def readyz() -> tuple[Response, int]:
    head = migrations_head()
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            current = MigrationContext.configure(conn).get_current_revision()
    except SQLAlchemyError:
        return _plain({"status": "unavailable", "reason": "databasen svarar inte / the database does not answer"}, 503)
    if current != head:
        return _plain(
            {
                "status": "unavailable",
                "reason": f"databasen är på migrering {current or 'ingen'}, koden på {head} (kör flask db upgrade) / "
                f"the database is at migration {current or 'none'}, the code at {head} (run flask db upgrade)",
            },
            503,
        )
    return _plain({"status": "ready", "migration": head or ""}, 200)
