"""Every page on PostgreSQL, production's database: the demo and a generated scale database side by side
(`make bench-postgres`; skipped by `make bench` unless BENCH_POSTGRES is set).

The plans PostgreSQL chooses are its own: it guesses the rows of each step from its statistics, and where it cannot
(a partial index over a JSON value's text) a plan that is fine on SQLite can grow with the square of the data. Two
such plans were found this way (issue 14): the architect's contact questions (a nested loop over the architect's
modules, 104 ms at 1,000 cases) and the case list's late questions (a hashed IN over every late question, 14 ms).

The scale database is generated once per size, seed, generator version and migration head into a database of its
own on the server (named after them, renamed from `..._partial` only when complete), and reused; the demo is
loaded into a fresh database each run and dropped after. The server is BENCH_POSTGRES_URL, else
MOLNBEDOMNING_TEST_POSTGRES_URL, else the one `.ci/postgres` starts. Rows loaded are counted on SQLite only.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from assess.extensions import db
from bench import scale, scale_data


def admin_url() -> str:
    """Return the URL of a database on the server with the right to create databases."""
    url = os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("MOLNBEDOMNING_TEST_POSTGRES_URL")
    if url:
        return url
    script = Path(__file__).resolve().parent.parent / ".ci" / "postgres"
    return subprocess.run([str(script)], check=True, capture_output=True, text=True).stdout.strip()


def _with_database(admin: str, name: str) -> str:
    return make_url(admin).set(database=name).render_as_string(hide_password=False)


def _databases(admin: str) -> set[str]:
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            return set(conn.scalars(text("SELECT datname FROM pg_database")))
    finally:
        engine.dispose()


def _run(admin: str, *statements: str) -> None:
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        engine.dispose()


def scale_database(admin: str, cases: int, per_case: int, seed: int) -> tuple[str, str]:
    """Return the URL of the generated scale database of these sizes (generated first when missing) and a note."""
    head = scale_data.alembic_head()
    name = f"molnbedomning_bench_s{seed}_c{cases}_a{per_case}_g{scale_data.GENERATOR_VERSION}_{head}".lower()
    if name in _databases(admin):
        return _with_database(admin, name), f"reused database {name}"
    partial = f"{name}_partial"
    _run(admin, f'DROP DATABASE IF EXISTS "{partial}" WITH (FORCE)', f'CREATE DATABASE "{partial}"')
    with tempfile.TemporaryDirectory() as tmp:
        result = scale_data.generate(
            _with_database(admin, partial), cases, per_case, seed, instance=Path(tmp), progress=True
        )
    _run(admin, f'ALTER DATABASE "{partial}" RENAME TO "{name}"')
    scale_engine = create_engine(_with_database(admin, name))
    try:
        with scale_engine.connect() as conn:
            conn.execute(text("ANALYZE"))  # as autovacuum would have by the time anyone reads the lists
            conn.commit()
    finally:
        scale_engine.dispose()
    return _with_database(admin, name), scale_data.describe(result)


def main() -> None:
    """Print every page's figures on the demo and on the scale database, both on PostgreSQL."""
    if not os.environ.get("BENCH_POSTGRES"):
        print("skipped: `make bench-postgres` measures the pages on PostgreSQL (it generates its data first)")
        return
    cases, per_case, seed = scale_data.sizes_from_env()
    repeats = int(os.environ.get("BENCH_REPEATS", "15"))
    admin = admin_url()
    started = time.perf_counter()
    scale_url, note = scale_database(admin, cases, per_case, seed)
    print(f"scale database on PostgreSQL: {cases} cases x {per_case} modules, seed {seed}: {note}", flush=True)
    print(f"   ready in {time.perf_counter() - started:.1f} s", flush=True)
    demo_name = f"molnbedomning_bench_demo_{secrets.token_hex(4)}"
    _run(admin, f'CREATE DATABASE "{demo_name}"')
    try:
        with tempfile.TemporaryDirectory() as tmp:
            demo_app = scale.prepare_demo(Path(tmp), _with_database(admin, demo_name))
            demo = scale.measure(demo_app, scale.pages_for(demo_app, demo=True), repeats)
            with demo_app.app_context():
                db.engine.dispose()
            big_app = scale_data.make_bench_app(scale_url, Path(tmp) / "scale-instance")
            big = scale.measure(big_app, scale.pages_for(big_app, demo=False), repeats)
            with big_app.app_context():
                version = db.session.scalar(text("SHOW server_version"))
                db.session.remove()
                db.engine.dispose()
    finally:
        _run(admin, f'DROP DATABASE IF EXISTS "{demo_name}" WITH (FORCE)')
    print(f"PostgreSQL {version}; server time: median of {repeats} requests after a warm-up; statements of one")
    print("request (rows loaded are counted on SQLite only: 0 here)")
    for line in scale.report(demo, big):
        print(line)
    misses = sum(
        1 for label in demo if big[label].ms > scale.GOAL_MS or big[label].ms > scale.GOAL_RATIO * demo[label].ms
    )
    print(f"{misses} of {len(demo)} pages miss a goal (≤ {scale.GOAL_RATIO}x the demo and < {scale.GOAL_MS:.0f} ms)")


if __name__ == "__main__":
    main()
