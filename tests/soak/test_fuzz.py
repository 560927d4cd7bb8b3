"""Fuzz every route of the app (tests/soak/fuzz.py): whatever is sent, no answer is a server error (>= 500).

The budget is MOLNBEDOMNING_FUZZ_REQUESTS (default 900) and the seed MOLNBEDOMNING_FUZZ_SEED (default fixed), so a
soak run is ``MOLNBEDOMNING_FUZZ_REQUESTS=20000 pytest tests/soak``. The PostgreSQL variant needs
MOLNBEDOMNING_TEST_POSTGRES_URL (see .ci/postgres); without it it skips, on CI it fails.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from assess.extensions import db
from tests.assess.helpers import load_demo
from tests.conftest import make_app
from tests.soak import fuzz

#: Share of all fuzz requests that must get into a view (past routing, sign-in, role check and CSRF).
MIN_REACHED_SHARE = 0.3
#: Share of the POST endpoints that must have answered 200/302/409 from the view at least once.
#: 0.6 while the forms were the app's only writes; the uploads (evidence, vendor workbook, JSON import) and the
#: admin forms added 11 form posts the fuzzer reaches less often, each with deep tests of its own: 0.55 now.
MIN_POST_ENDPOINTS_REACHED = 0.55

pytestmark = pytest.mark.slow


@pytest.fixture
def demo_app(app: Flask) -> Flask:
    """The test app on its fresh SQLite copy with `flask demo load` run and D2 decided (records, conditions)."""
    load_demo(app)
    db.session.remove()
    fuzz.decide_demo_assessment(app)
    return app


@pytest.fixture
def pg_demo_app(tmp_path: Path) -> Iterator[Flask]:
    """An app on a fresh PostgreSQL database of its own, migrated, with the demo data; dropped afterwards."""
    admin_url = os.environ.get("MOLNBEDOMNING_TEST_POSTGRES_URL", "")
    if not admin_url:
        if os.environ.get("CI"):
            pytest.fail("MOLNBEDOMNING_TEST_POSTGRES_URL is not set on CI: .ci/run starts PostgreSQL")
        pytest.skip("PostgreSQL not configured: set MOLNBEDOMNING_TEST_POSTGRES_URL (see .ci/postgres)")
    with fuzz.postgres_database(admin_url) as url, fuzz.demo_app(url, tmp_path) as app:
        yield app


def check(report: fuzz.FuzzReport, budget: int, app: Flask) -> None:
    """Fail with a readable report on any server error, or when the run did not get deep enough to count."""
    problems = []
    if report.requests != budget:
        problems.append(f"made {report.requests} fuzz requests, not the {budget} asked for")
    reached_share = report.kinds["reached the view"] / max(report.requests, 1)
    if reached_share < MIN_REACHED_SHARE:
        problems.append(f"only {reached_share:.0%} of the requests got into a view (want {MIN_REACHED_SHARE:.0%})")
    # The JSON API's writes answer 401/412/428 without a valid token and ETag by design (tests/api and Schemathesis
    # go deep there), so the share of form posts that got into their view is counted without them.
    posts = {e for e in report.endpoints("POST") if not e.startswith("api.")}
    reached = {e: n for e, n in report.reached("POST").items() if not e.startswith("api.")}
    if len(reached) < MIN_POST_ENDPOINTS_REACHED * len(posts):
        problems.append(
            f"only {len(reached)} of {len(posts)} POST endpoints answered 200/302/409 from the view: "
            f"{sorted(reached)}; never: {sorted(posts - reached.keys())}"
        )
    fuzzed = {(r.endpoint, r.method) for r in fuzz.routes(app)}
    sent = {(e, m) for (e, m, _), n in report.statuses.items() if n}
    if missing := fuzzed - sent:
        problems.append(f"routes never fuzzed: {sorted(missing)}")
    if report.failures:
        problems.append(
            f"{len(report.failures)} distinct server errors (endpoint, status, exception):\n"
            + report.describe_failures()
        )
    if problems:
        pytest.fail(report.summary() + "\n" + "\n".join(problems), pytrace=False)


def test_every_route_is_fuzzed(app: Flask) -> None:
    endpoints = {r.endpoint for r in fuzz.routes(app)}
    assert endpoints == {rule.endpoint for rule in app.url_map.iter_rules()} - {"static"}
    assert {r.method for r in fuzz.routes(app) if r.endpoint == "cases.new_case"} == {"GET", "POST"}


@pytest.mark.load
def test_a_run_is_reproduced_by_its_seed(app: Flask, migrated_template: Path, tmp_path: Path) -> None:
    """Two runs with the same seed on the same starting data send the same requests and get the same answers."""
    load_demo(app)
    db.session.remove()
    fuzz.decide_demo_assessment(app)
    first = fuzz.run_fuzz(app, budget=40, seed=7)
    copy = tmp_path / "second"
    copy.mkdir()
    shutil.copy(migrated_template, copy / "assess.sqlite3")
    second_app = make_app(copy / "assess.sqlite3", copy)
    with second_app.app_context():
        load_demo(second_app)
        db.session.remove()
        fuzz.decide_demo_assessment(second_app)
        second = fuzz.run_fuzz(second_app, budget=40, seed=7)
        db.engine.dispose()
    assert first.requests == second.requests == 40
    assert first.fingerprint == second.fingerprint
    assert first.statuses == second.statuses


@pytest.mark.load
def test_no_request_gets_a_server_error_on_sqlite(demo_app: Flask) -> None:
    budget = fuzz.budget_from_env()
    report = fuzz.run_fuzz(demo_app, budget, database="sqlite")
    check(report, budget, demo_app)


@pytest.mark.postgres
@pytest.mark.load
def test_no_request_gets_a_server_error_on_postgresql(pg_demo_app: Flask) -> None:
    budget = fuzz.budget_from_env()
    report = fuzz.run_fuzz(pg_demo_app, budget, database="postgresql")
    check(report, budget, pg_demo_app)
