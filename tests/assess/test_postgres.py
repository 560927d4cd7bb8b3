"""The same schema and the same guarantees on PostgreSQL (production's database), on a real server.

`.ci/run` starts Debian's PostgreSQL and sets MOLNBEDOMNING_TEST_POSTGRES_URL (an admin URL on the local socket).
Without it these tests skip with a visible reason; on CI they fail instead. Each run makes its own database.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DatabaseError

from assess.extensions import db
from assess.models import Assessment, AssessmentStatus, FrozenRecord, User
from assess.services import workflow
from assess.services.verification import verify_all
from tests.assess.helpers import approve_use, demo_users, heard, submit_and_approve
from tests.conftest import TEST_CONFIG, IsolatedClient

ADMIN_URL = os.environ.get("MOLNBEDOMNING_TEST_POSTGRES_URL", "")
TODAY = dt.date(2026, 11, 29)

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """Create a fresh database on the server for this module; drop it afterwards."""
    if not ADMIN_URL:
        if os.environ.get("CI"):
            pytest.fail("MOLNBEDOMNING_TEST_POSTGRES_URL is not set on CI: .ci/run starts PostgreSQL")
        pytest.skip("PostgreSQL not configured: set MOLNBEDOMNING_TEST_POSTGRES_URL (see .ci/postgres)")
    name = f"assess_test_{secrets.token_hex(4)}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module")
def pg_app(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """An app on the PostgreSQL database, migrated with `flask db upgrade`, with the demo data loaded."""
    from flask_migrate import upgrade

    from assess import create_app

    instance = tmp_path_factory.mktemp("pg-instance")
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": pg_url})
    app.instance_path = str(instance)
    app.test_client_class = IsolatedClient  # each request in its own app context, as in production
    with app.app_context():
        upgrade()
        result = app.test_cli_runner().invoke(args=["demo", "load"])
        assert result.exit_code == 0, result.output
        yield app
        db.session.remove()
        db.engine.dispose()


def test_migrations_leave_no_drift_on_postgresql(pg_app: Flask) -> None:
    result = pg_app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output
    assert db.engine.dialect.name == "postgresql"


def _decided_d2(app: Flask) -> Assessment:
    d2 = db.session.scalar(select(Assessment).where(Assessment.scope.like("D2%")))
    assert d2 is not None
    if d2.status in (AssessmentStatus.DECIDED, AssessmentStatus.SUPERSEDED):  # the tests run in any order
        return d2
    users = demo_users()
    submit_and_approve(d2, users)
    approve_use(d2, users, TODAY)
    db.session.commit()
    return d2


def test_decision_freezes_a_verifiable_record_on_postgresql(pg_app: Flask) -> None:
    d2 = _decided_d2(pg_app)
    record = db.session.scalar(select(FrozenRecord).where(FrozenRecord.assessment_id == d2.id))
    assert record is not None
    assert verify_all(Path(pg_app.instance_path)).problems == []
    result = pg_app.test_cli_runner().invoke(args=["records", "verify"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE answers SET motivation = 'ändrad' WHERE assessment_id = :id",
        "DELETE FROM answers WHERE assessment_id = :id",
        "INSERT INTO answers (assessment_id, question_id, value, evidence, motivation, evidence_ref, unknown_owner,"
        " changed_in_version, updated_at) VALUES (:id, 'X-01', '\"yes\"', 'E1', '', '', '', 1, now())",
        "UPDATE frozen_records SET canonical_json = '{}' WHERE assessment_id = :id",
        "DELETE FROM frozen_records WHERE assessment_id = :id",
        "UPDATE decisions SET residual_risks = 'inga' WHERE assessment_id = :id",
        "UPDATE assessments SET scope = 'annat' WHERE id = :id",
    ],
)
def test_the_database_refuses_changes_to_a_decided_record(pg_app: Flask, statement: str) -> None:
    d2 = _decided_d2(pg_app)
    params: dict[str, Any] = {"id": d2.id}
    try:
        with pytest.raises(DatabaseError, match="immutable|only while the assessment is a draft"):
            db.session.execute(text(statement), params)
    finally:
        db.session.rollback()


def test_a_revision_is_still_possible_on_postgresql(pg_app: Flask) -> None:
    d2 = _decided_d2(pg_app)
    architect = db.session.scalar(select(User).where(User.username == "arkitekt"))
    assert architect is not None
    if d2.status == AssessmentStatus.DECIDED:
        new = workflow.revise(d2, architect, "Ny leverantörsinformation")
        db.session.commit()
        assert new.status == AssessmentStatus.DRAFT
    assert d2.status == AssessmentStatus.SUPERSEDED
    assert verify_all().problems == []


def test_every_page_renders_on_postgresql(pg_app: Flask) -> None:
    from tests.conftest import login_as

    _decided_d2(pg_app)
    client = pg_app.test_client()
    viewer = db.session.scalar(select(User).where(User.username == "lasare"))
    login_as(client, viewer)
    d2 = db.session.scalar(select(Assessment).where(Assessment.scope.like("D2%"), Assessment.revision == 1))
    assert d2 is not None
    case_id = d2.alternative.case_id
    for url in (
        "/arenden",
        f"/arenden/{case_id}",
        f"/arenden/{case_id}/jamforelse",
        f"/bedomningar/{d2.id}",
        f"/bedomningar/{d2.id}/granskning",
        f"/bedomningar/{d2.id}/protokoll",
        f"/bedomningar/{d2.id}/historik",
        "/mina-uppgifter",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    # the lists' filters and the task lists are SQL of their own: each role's page, and the filters, on PostgreSQL
    filtered = client.get("/arenden?utfall=not_suitable&forsenat=&sok=%25&status=open").get_data(as_text=True)
    assert "0 ärenden matchar." in filtered
    assert f'href="/arenden/{case_id}"' in client.get("/arenden?utfall=not_suitable").get_data(as_text=True)
    # a search in capitals finds the title's å (PostgreSQL's lower() in a UTF-8 database, as SQLite's here)
    assert f'href="/arenden/{case_id}"' in client.get("/arenden?sok=V%C3%85RDINFORMATION").get_data(as_text=True)
    for username in ("jurist", "infosak", "arkitekt", "beslutsfattare", "admin"):
        login_as(client, db.session.scalar(select(User).where(User.username == username)))
        assert client.get("/mina-uppgifter?sida_fragor=2").status_code == 200, username
    report = client.get(f"/bedomningar/{d2.id}/rapport.pdf")
    assert report.data.startswith(b"%PDF")


def test_the_reviewer_queue_names_each_module_s_waiting_areas_on_postgresql(pg_app: Flask) -> None:
    """The queue's SQL (the waiting areas per module, the stale summaries met in its one statement) on PostgreSQL
    names the areas the workflow says, for every reviewer; nothing is committed (the module's other tests share
    the database)."""
    from assess.services import review as review_service
    from tests import factories
    from tests.assess.test_review_queries import queue_areas_as_the_workflow_says, submit_every_module

    users = demo_users()
    try:
        everything = factories.create_user("reviewer", username="pg-alla", areas=["legal", "infosec", "patient_safety"])
        submitted = submit_every_module(users["arkitekt"])
        assert len(submitted) >= 2
        review_service.approve_area(submitted[0], users["jurist"], "legal")
        db.session.flush()
        reviewers = [everything, users["jurist"], users["infosak"], users["patientsak"]]
        assert queue_areas_as_the_workflow_says(reviewers), "the approved area leaves a module with fewer areas"
    finally:
        db.session.rollback()


def test_the_architect_s_contact_questions_are_those_the_rows_say_on_postgresql(pg_app: Flask) -> None:
    """The contact questions' SQL on PostgreSQL, where the architect's modules are read as one array
    (sqlin.in_subquery: `= ANY(ARRAY(...))`), against the rule written in Python over every answer; nothing is
    committed."""
    from tests.assess.test_flat_lists import check_contact_questions

    try:
        check_contact_questions(demo_users())
    finally:
        db.session.rollback()


def test_bad_input_is_a_clear_answer_not_a_500_on_postgresql(pg_app: Flask) -> None:
    from tests.assess.helpers import page_form
    from tests.conftest import login_as

    architect = db.session.scalar(select(User).where(User.username == "arkitekt"))
    client = pg_app.test_client()
    login_as(client, architect)
    d1 = db.session.scalar(select(Assessment).where(Assessment.scope.like("D1%")))
    assert d1 is not None
    url = f"/bedomningar/{d1.id}?steg=context"
    form = page_form(client, url)
    form["q_G-03"] = "Noll\x00byte i text"
    form["q_G-03_ref"] = "ref\x00"
    response = client.post(url, data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]  # as on SQLite: the NUL goes
    db.session.expire_all()
    stored = {a.question_id: a for a in d1.answers}
    assert stored["G-03"].value == "Nollbyte i text"
    assert client.get("/arenden/2147483648").status_code == 404
    assert client.get("/bedomningar/99999999999999999999").status_code == 404


def test_the_impact_dry_run_reads_the_answers_as_each_assessment_holds_them_on_postgresql(pg_app: Flask) -> None:
    """The dry run reads answers as plain rows (JSON text, the evidence as stored): the same rows as the ORM."""
    from assess.services import impact

    change = {"L-08": "scc_measures_ineffective"}
    checked = impact.check_changes(change)
    rows = {r.assessment_id: r for r in impact.impact(change)}
    expected = {}
    for assessment in db.session.scalars(
        select(Assessment).where(Assessment.status != AssessmentStatus.SUPERSEDED).order_by(Assessment.id)
    ):
        row = impact.evaluate_change(assessment, checked)  # its ORM answers
        if (row.verdict_before, row.worst_before) != (row.verdict_after, row.worst_after):
            expected[assessment.id] = row
    assert rows, "the demo has assessments this change affects"
    assert rows.keys() == expected.keys()
    for assessment_id, row in rows.items():
        assert row == expected[assessment_id]


def test_a_database_whose_letters_fold_a_to_z_only_is_named_in_the_log(pg_url: str) -> None:
    """In a database created with LC_CTYPE C, PostgreSQL's lower() leaves Å as it is, so a search in capitals
    misses; the app says so in its log when it connects (and says nothing of the tests' UTF-8 database)."""
    name = f"assess_ctype_{secrets.token_hex(4)}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE \"{name}\" TEMPLATE template0 LOCALE 'C' ENCODING 'UTF8'"))
    try:
        for url, expected in ((make_url(pg_url), 0), (make_url(ADMIN_URL).set(database=name), 1)):
            with heard("assess") as messages:
                engine = create_engine(url)
                with engine.connect() as conn:
                    folded = conn.execute(text("SELECT lower('VÅRD') = 'vård'")).scalar()
                engine.dispose()
            warned = [m for m in messages if "LC_CTYPE" in m and f" {url.database} " in m]
            assert len(warned) == expected, (url.database, messages)
            assert folded is (expected == 0)  # the warning says what the database does
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
