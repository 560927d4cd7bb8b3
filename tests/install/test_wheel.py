"""The production path, end to end: the README's production section, step by step (`make test-install`).

Build the wheel; install it with its `prod` and `postgres` extras into a fresh virtual environment outside the
checkout; migrate one PostgreSQL database; start two gunicorn instances on it, each with its own instance
folder; take an assessment from answer to decision through instance 1; fetch its stored report and its record
from instance 2; take a backup while the app serves and restore it into a new database that verifies; and see
both instances report not ready once the database stops answering.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.soak.live import FETCH, Browser, csrf_of, digests_of, form_of, free_port

ROOT = Path(__file__).resolve().parents[2]
ADMIN_URL = os.environ.get("MOLNBEDOMNING_TEST_POSTGRES_URL", "")

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def run(cmd: list[str], env: dict[str, str] | None = None, cwd: Path | None = None, timeout: int = 900) -> str:
    result = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result.stdout


@pytest.fixture(scope="module")
def databases() -> Iterator[tuple[str, str]]:
    if not ADMIN_URL:
        if os.environ.get("CI"):
            pytest.fail("MOLNBEDOMNING_TEST_POSTGRES_URL is not set on CI: .ci/run starts PostgreSQL")
        pytest.skip("PostgreSQL not configured: set MOLNBEDOMNING_TEST_POSTGRES_URL (see .ci/postgres)")
    token = secrets.token_hex(3)
    names = [f"assess_install_{token}", f"assess_restore_{token}"]
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield names[0], names[1]
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def url_of(name: str) -> str:
    return make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from the checkout and installed with its extras into a fresh virtual environment."""
    work = tmp_path_factory.mktemp("install")
    dist = work / "dist"
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(dist), str(ROOT)])
    (wheel,) = dist.glob("molnbedomning-*.whl")
    venv = work / "venv"
    run([sys.executable, "-m", "venv", str(venv)])
    run([str(venv / "bin" / "pip"), "install", "--quiet", f"{wheel}[prod,postgres]"])
    return venv


def serve(venv: Path, env: dict[str, str], folder: Path) -> tuple[subprocess.Popen[bytes], int, Path]:
    port = free_port()
    log = folder / f"gunicorn-{port}.log"
    with log.open("wb") as handle:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(  # noqa: S603
            [str(venv / "bin" / "gunicorn"), "-c", "python:assess.gunicorn_config", "assess:create_app()"],
            env={**env, "ASSESS_BIND": f"127.0.0.1:{port}", "ASSESS_WORKERS": "2"},
            cwd=folder,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=3):  # noqa: S310
                return process, port, log
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.3)
    raise AssertionError(f"gunicorn did not start:\n{log.read_text(errors='replace')}")


def ready(port: int) -> tuple[int, dict[str, Any]]:
    browser = Browser(f"http://127.0.0.1:{port}")
    reply = browser.get("/readyz")
    return reply.status, reply.json()


def test_the_installed_package_serves_two_instances_on_one_postgresql(
    installed: Path, databases: tuple[str, str], tmp_path: Path
) -> None:
    venv = installed
    database, restored = databases
    srv = tmp_path / "srv"  # the service's working directory: nowhere near the checkout
    srv.mkdir()
    secret = srv / "secret_key"
    secret.write_text(secrets.token_hex(32))
    secret.chmod(0o600)
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSESS_", "PYTHON"))}
    base_env["PATH"] = f"{venv / 'bin'}:{base_env.get('PATH', '')}"

    def env_for(n: int) -> dict[str, str]:
        return {
            **base_env,
            "ASSESS_SECRET_KEY_FILE": str(secret),
            "ASSESS_DATABASE_URL": url_of(database),
            "ASSESS_INSTANCE_PATH": str(srv / f"instance{n}"),
            "ASSESS_TRUSTED_PROXIES": "1",  # as behind nginx: the test sends what nginx would (X-Forwarded-Proto)
        }

    flask = [str(venv / "bin" / "flask"), "--app", "assess"]
    # The package is the installed one, and it finds its templates and migrations there.
    where = run(
        [str(venv / "bin" / "python"), "-c", "import assess; print(assess.__file__, assess.template_folder())"], cwd=srv
    )
    assert str(venv) in where
    assert str(ROOT) not in where
    run([*flask, "db", "upgrade"], env=env_for(1), cwd=srv)
    run([*flask, "demo", "load"], env=env_for(1), cwd=srv)
    passwords = {
        line.split()[0]: line.split()[1] for line in (srv / "instance1" / "demo-accounts.txt").read_text().splitlines()
    }
    one, port1, log1 = serve(venv, env_for(1), srv)
    two, port2, log2 = serve(venv, env_for(2), srv)
    try:
        status, body = ready(port1)
        assert (status, body["status"]) == (200, "ready")
        assert ready(port2)[0] == 200
        d2 = _decide_d2_on(port1, passwords)
        # Instance 2 serves the stored report and the record, byte for byte what the database holds.
        viewer = Browser(f"http://127.0.0.1:{port2}", behind_tls=True)
        viewer.sign_in("lasare", passwords["lasare"])  # the session lives in the database: any instance takes it
        pdf = viewer.get(f"/bedomningar/{d2}/rapport.pdf")
        assert pdf.status == 200
        assert pdf.body.startswith(b"%PDF")
        engine = create_engine(url_of(database))
        with engine.connect() as conn:
            stored = conn.execute(
                text("SELECT report_pdf FROM frozen_records WHERE assessment_id = :id"), {"id": d2}
            ).scalar_one()
        engine.dispose()
        assert pdf.body == bytes(stored)
        record = viewer.get(f"/bedomningar/{d2}/protokoll").text()
        assert "Postens SHA-256" in record
        assert "Beata Beslutsfattare" in record
        # A backup taken while the app serves restores into a new database that verifies.
        stop = time.monotonic() + 5
        architect = Browser(f"http://127.0.0.1:{port1}", behind_tls=True)
        architect.sign_in("arkitekt", passwords["arkitekt"])
        d1 = _assessment_id(architect, "D1")
        backup = srv / "assess.dump"
        writer = subprocess.Popen(
            [*flask, "backup", "-o", str(backup)], env=env_for(1), cwd=srv, stdout=subprocess.PIPE, text=True
        )  # noqa: S603
        n = 0
        while writer.poll() is None and time.monotonic() < stop:
            n += 1
            _autosave(architect, d1, "G-03", f"Ändamål medan kopian tas {n}")
        out, _ = writer.communicate(timeout=120)
        assert writer.returncode == 0, out
        assert "Auditkedjans huvud vid kopieringen" in out
        target = make_url(url_of(restored))
        run(
            [
                "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--dbname",
                target.database or "",
                str(backup),
            ],
            env={**base_env, "PGHOST": str(target.query.get("host", ""))},
        )
        verified = run(
            [*flask, "records", "verify"], env={**env_for(1), "ASSESS_DATABASE_URL": url_of(restored)}, cwd=srv
        )
        assert "Allt stämmer. 1 beslutspost" in verified
        # The access log names paths, never query strings.
        architect.get(f"/bedomningar/{d1}?steg=context&hemligt=personnummer")
        time.sleep(0.5)
        logged = log1.read_text(errors="replace")
        assert f"GET /bedomningar/{d1} HTTP/1.1" in logged
        assert "personnummer" not in logged
        # The database stops answering: both instances say they are not ready (and still alive).
        admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false'))
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :d"), {"d": database}
            )
        admin.dispose()
        for port in (port1, port2):
            status, body = ready(port)
            assert status == 503
            assert "databasen svarar inte" in body["reason"]
            assert Browser(f"http://127.0.0.1:{port}").get("/healthz").status == 200
    finally:
        for process in (one, two):
            process.terminate()
            process.wait(timeout=30)
        print(log1.read_text(errors="replace")[-2000:], log2.read_text(errors="replace")[-2000:])


def _assessment_id(browser: Browser, module: str) -> int:
    page = browser.get("/arenden").text()
    case = re.search(r'href="/arenden/(\d+)"', page)
    assert case, "no case on the case list"
    listing = browser.get(f"/arenden/{case.group(1)}").text()
    for match in re.finditer(r'href="/bedomningar/(\d+)"[^>]*>([^<]*)', listing):
        if module in match.group(2):
            return int(match.group(1))
    raise AssertionError(f"no assessment {module} on the case page")


def _autosave(browser: Browser, assessment_id: int, question: str, value: str) -> None:
    form = form_of(browser.get(f"/bedomningar/{assessment_id}?steg=context").text())
    form[f"q_{question}_motivation"] = value
    reply = browser.post(f"/bedomningar/{assessment_id}/autospara?steg=context", form, FETCH)
    assert reply.status == 200, reply.text()[:500]
    assert question in reply.json()["changed"]
    assert digests_of(reply.json()["digest"])[question]


def _decide_d2_on(port: int, passwords: dict[str, str]) -> int:
    """Answer, submit, review and decide D2 through the web pages of one instance; return its id."""
    base = f"http://127.0.0.1:{port}"
    architect = Browser(base, behind_tls=True)
    architect.sign_in("arkitekt", passwords["arkitekt"])
    d2 = _assessment_id(architect, "D2")
    _autosave(architect, d2, "G-04", "Klassningen är gjord med informationsägaren.")
    review = f"/bedomningar/{d2}/granskning"
    token = csrf_of(architect.get(review).text())
    assert architect.post(f"/bedomningar/{d2}/skicka-in", {"csrf_token": token}).status == 302
    for username, area in (("jurist", "legal"), ("infosak", "infosec"), ("patientsak", "patient_safety")):
        reviewer = Browser(base, behind_tls=True)
        reviewer.sign_in(username, passwords[username])
        token = csrf_of(reviewer.get(review).text())
        reply = reviewer.post(f"/bedomningar/{d2}/godkann", {"csrf_token": token, "area": area, "note": "Godkänt."})
        assert reply.status == 302, reply.text()[:800]
    decider = Browser(base, behind_tls=True)
    decider.sign_in("beslutsfattare", passwords["beslutsfattare"])
    page = decider.get(review).text()
    owner = re.search(r'<option value="(u:\d+)"[^>]*>Anna Arkitekt[^<]*</option>', page)
    assert owner, "the architect is not offered as a condition owner"
    data: dict[str, str] = {
        "csrf_token": csrf_of(page),
        "outcome": "approved",
        "residual_risks": "Kvarstående risk accepterad inom mandatet.",
        "next_review": (dt.date.today() + dt.timedelta(days=365)).isoformat(),
    }
    for qid in sorted(set(re.findall(r'name="cond_([A-Z]-\d{2})_owner"', page))):
        data.update(
            {
                f"cond_{qid}_owner": owner.group(1),
                f"cond_{qid}_gate": "before_go_live",
            }
        )
    reply = decider.post(f"/bedomningar/{d2}/beslut", data)
    assert reply.status == 302, reply.text()[-1500:]
    return d2


def test_the_readme_production_section_is_what_this_test_does() -> None:
    """The README's production steps name exactly the commands the test above runs (and nothing else)."""
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Production") : readme.index("\n## ", readme.index("## Production") + 5)]
    for step in (
        "pip wheel --no-deps -w dist .",
        "python3 -m venv /opt/molnbedomning/venv",
        "/opt/molnbedomning/venv/bin/pip install dist/molnbedomning-*.whl[prod,postgres]",
        "ASSESS_SECRET_KEY_FILE",
        "ASSESS_DATABASE_URL",
        "ASSESS_INSTANCE_PATH",
        "flask --app assess db upgrade",
        'gunicorn -c python:assess.gunicorn_config "assess:create_app()"',
        "/readyz",
        "flask --app assess backup -o",
        "pg_restore --no-owner --no-privileges --exit-on-error --dbname",
        "flask --app assess records verify",
    ):
        assert step in section, step
    assert shutil.which("pg_restore"), "pg_restore is part of the documented restore"
