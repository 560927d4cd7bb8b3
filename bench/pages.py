"""Page figures on a migrated SQLite database with the demo data, through the WSGI app in this process.

* Saving one answer and re-rendering the result: the autosave request the questionnaire sends on every change
  (validate, save with the optimistic lock, evaluate, render the result panel, the step navigator and the
  outcomes of the step). Median and 95th percentile over alternating answers.
* The questionnaire page (the context step of the demo's D2 module, fully answered): requests per second,
  one client after another, and the database statements per request.
"""

from __future__ import annotations

import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import event, select

from assess.extensions import db
from assess.models import Assessment, User
from tests.assess.helpers import page_form
from tests.conftest import login_as, make_app

SAVES = 200
PAGE_SECONDS = 5.0


def _setup(folder: Path) -> tuple[Flask, int]:
    app = make_app(folder / "bench.sqlite3", folder)
    with app.app_context():
        upgrade()
        result = app.test_cli_runner().invoke(args=["demo", "load"])
        assert result.exit_code == 0, result.output
        d2 = db.session.scalar(select(Assessment.id).where(Assessment.scope.like("D2%")))
        assert d2 is not None
    return app, d2


def _client(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        login_as(client, user)
    return client


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def bench_save(app: Flask, d2: int) -> None:
    client = _client(app, "admin")
    url = f"/bedomningar/{d2}?steg=context"
    form: dict[str, Any] = page_form(client, url)
    timings = []
    for n in range(SAVES):
        form["q_G-03_motivation"] = f"Mätning {n}"
        started = time.perf_counter()
        response = client.post(f"/bedomningar/{d2}/autospara?steg=context", data=form)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
        data = response.get_json()
        form["base_version"] = str(data["version"])
        form["base_digest"] = data["digest"]
    print(
        f"save one answer + re-render result: median {statistics.median(timings) * 1000:.1f} ms, "
        f"p95 {_percentile(timings, 0.95) * 1000:.1f} ms ({SAVES} saves)"
    )


def bench_page(app: Flask, d2: int) -> None:
    client = _client(app, "lasare")
    url = f"/bedomningar/{d2}?steg=context"
    assert client.get(url).status_code == 200
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def count(*_args: Any) -> None:
        statements.append("x")

    event.listen(engine, "before_cursor_execute", count)
    client.get(url)
    event.remove(engine, "before_cursor_execute", count)
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < PAGE_SECONDS:
        response = client.get(url)
        assert response.status_code == 200
        done += 1
    elapsed = time.perf_counter() - started
    size = len(response.data)
    title = re.search(rb"<title>(.*?)</title>", response.data)
    print(
        f"questionnaire page: {done / elapsed:.1f} requests/s, one client ({done} in {elapsed:.1f} s; "
        f"{len(statements)} SQL statements and {size // 1024} KiB per page; "
        f"{title.group(1).decode() if title else ''})"
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app, d2 = _setup(Path(tmp))
        bench_save(app, d2)
        bench_page(app, d2)
        with app.app_context():
            db.engine.dispose()
