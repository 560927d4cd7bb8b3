"""Exchanging assessments as JSON (export, import with a validation report) and the CSV lists."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from assess.extensions import db
from assess.models import Alternative, Assessment, AuditEvent
from assess.services.evaluation import evaluate_assessment, ruleset_for
from rules.answers import parse_answer_set
from tests import factories
from tests.assess.helpers import answers_snapshot, demo_users, load_demo
from tests.conftest import csrf_token, login_as

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def demo(app: Flask) -> dict[str, int]:
    return load_demo(app)


def _export(client: FlaskClient, assessment_id: int) -> dict[str, Any]:
    response = client.get(f"/bedomningar/{assessment_id}/export.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data: dict[str, Any] = json.loads(response.get_data(as_text=True))
    return data


def _post_import(client: FlaskClient, alternative_id: int, payload: bytes, scope: str = "", field: str = "fil") -> Any:
    url = f"/alternativ/{alternative_id}/importera"
    token = csrf_token(client, url)
    return client.post(
        url,
        data={"csrf_token": token, "omfattning": scope, field: (io.BytesIO(payload), "bedomning.json")},
        content_type="multipart/form-data",
    )


def _other_alternative(assessment: Assessment) -> Alternative:
    case = factories.create_case("Annan region: samma tjänst")
    alternative = factories.create_alternative(case, "Samma tjänst, annan region")
    db.session.commit()
    return alternative


def _without_ids(evaluation: Any) -> Any:
    return json.loads(json.dumps(evaluation.to_dict()))


def _events(action: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)) or 0


def test_export_then_import_gives_the_same_answers_and_the_same_evaluation(
    app: Flask, client: FlaskClient, demo: dict[str, int]
) -> None:
    users = demo_users()
    source = db.session.get(Assessment, demo["A"])
    assert source is not None
    target = _other_alternative(source)
    login_as(client, users["arkitekt"])
    data = _export(client, source.id)
    assert data["format"] == "molnbedomning-assessment/1"
    assert data["ruleset"] == {
        "id": source.ruleset_id,
        "version": source.ruleset_version,
        "sha256": source.ruleset_sha256,
    }
    # The answer set is the one the rules module reads.
    parsed = parse_answer_set(data, ruleset_for(source))
    assert set(parsed.answers) == {a.question_id for a in source.answers if a.value not in (None, "")}

    response = _post_import(client, target.id, json.dumps(data).encode())
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    imported = db.session.scalar(select(Assessment).where(Assessment.alternative_id == target.id))
    assert imported is not None
    assert response.headers["Location"].endswith(f"/bedomningar/{imported.id}")
    assert imported.scope == source.scope
    assert imported.owner_id == users["arkitekt"].id
    assert (imported.ruleset_id, imported.ruleset_version, imported.ruleset_sha256) == (
        source.ruleset_id, source.ruleset_version, source.ruleset_sha256,
    )  # fmt: skip
    assert [row[:5] + row[6:] for row in answers_snapshot(imported.id)] == [
        row[:5] + row[6:] for row in answers_snapshot(source.id)
    ]
    assert _without_ids(evaluate_assessment(imported)) == _without_ids(evaluate_assessment(source))
    assert _events("assessment.export") == 1
    assert _events("assessment.import") == 1
    page = client.get(f"/bedomningar/{imported.id}").get_data(as_text=True)
    assert "importerad som utkast" in page


def test_the_evaluate_command_reads_an_exported_file(
    app: Flask, client: FlaskClient, demo: dict[str, int], tmp_path: Path
) -> None:
    source = db.session.get(Assessment, demo["B"])
    assert source is not None
    login_as(client, demo_users()["granskare"] if "granskare" in demo_users() else demo_users()["jurist"])
    data = _export(client, source.id)
    path = tmp_path / "b.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    ruleset = f"{source.ruleset_id}@{source.ruleset_version}"
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "rules", "evaluate", "--ruleset", ruleset, str(path)],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["verdict"] == evaluate_assessment(source).verdict


def test_a_file_with_problems_is_refused_whole_listing_every_problem_and_nothing_changes(
    app: Flask, client: FlaskClient, demo: dict[str, int]
) -> None:
    users = demo_users()
    source = db.session.get(Assessment, demo["A"])
    assert source is not None
    target = _other_alternative(source)
    login_as(client, users["arkitekt"])
    data = _export(client, source.id)
    qid = next(q for q, a in data["answers"].items() if isinstance(a["value"], str) and a["value"] != "unknown"
               and ruleset_for(source).by_id[q].type != "text")  # fmt: skip
    data["answers"][qid]["value"] = "no_such_option"
    data["answers"]["X-99"] = "yes"
    data["details"][qid]["unknown_due"] = "31/12/2026"
    count = db.session.scalar(select(func.count()).select_from(Assessment))
    events = db.session.scalar(select(func.count()).select_from(AuditEvent))
    response = _post_import(client, target.id, json.dumps(data).encode())
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Filen importerades inte: 3 problem" in page
    for named in ("X-99", "no_such_option", "31/12/2026"):
        assert named in page
    # A rule-set version this installation has not published is named too.
    data = _export(client, source.id)
    data["ruleset"]["version"] = 999
    page = _post_import(client, target.id, json.dumps(data).encode()).get_data(as_text=True)
    assert "v999 (sha256" in page
    assert "finns inte publicerat här" in page
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Assessment)) == count
    # Only the two exports were recorded: no import, nothing half-stored.
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events + 1
    assert _events("assessment.import") == 0


def test_a_scope_the_alternative_already_has_and_broken_json_are_refused(
    app: Flask, client: FlaskClient, demo: dict[str, int]
) -> None:
    users = demo_users()
    source = db.session.get(Assessment, demo["A"])
    assert source is not None
    login_as(client, users["arkitekt"])
    data = _export(client, source.id)
    response = _post_import(client, source.alternative_id, json.dumps(data).encode())
    assert response.status_code == 400
    assert "har redan en bedömning med omfattningen" in response.get_data(as_text=True)
    response = _post_import(client, source.alternative_id, json.dumps(data).encode(), scope="Importerad kopia")
    assert response.status_code == 302
    response = _post_import(client, source.alternative_id, b"{not json")
    assert response.status_code == 400
    assert "inte JSON" in response.get_data(as_text=True)


def test_only_the_import_field_may_carry_a_file_and_only_up_to_the_limit(
    app: Flask, client: FlaskClient, demo: dict[str, int]
) -> None:
    users = demo_users()
    source = db.session.get(Assessment, demo["A"])
    assert source is not None
    login_as(client, users["arkitekt"])
    data = json.dumps(_export(client, source.id)).encode()
    assert _post_import(client, source.alternative_id, data, field="annat").status_code == 415
    app.config["EXCHANGE_MAX_BYTES"] = 1024
    response = _post_import(client, source.alternative_id, data, scope="Ny")
    assert response.status_code == 400
    assert "större än 1 kB" in response.get_data(as_text=True)


def test_a_viewer_may_export_but_not_import(app: Flask, client: FlaskClient, demo: dict[str, int]) -> None:
    source = db.session.get(Assessment, demo["A"])
    assert source is not None
    viewer = factories.create_user(role="viewer")
    db.session.commit()
    login_as(client, viewer)
    assert f'href="/bedomningar/{source.id}/export.json"' in client.get(f"/bedomningar/{source.id}").get_data(
        as_text=True
    )
    assert client.get(f"/bedomningar/{source.id}/export.json").status_code == 200
    assert client.get(f"/alternativ/{source.alternative_id}/importera").status_code == 403
    case_page = f"/arenden/{source.alternative.case_id}"
    assert f"/alternativ/{source.alternative_id}/importera" not in client.get(case_page).get_data(as_text=True)
    login_as(client, demo_users()["arkitekt"])
    assert f"/alternativ/{source.alternative_id}/importera" in client.get(case_page).get_data(as_text=True)
    form = client.get(f"/alternativ/{source.alternative_id}/importera").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in form
    assert 'type="file"' in form
    assert 'name="csrf_token"' in form


def test_the_command_line_exports_and_imports_and_refuses_a_bad_file_with_every_problem(
    app: Flask, demo: dict[str, int], tmp_path: Path
) -> None:
    runner = app.test_cli_runner()
    source = db.session.get(Assessment, demo["A"])
    assert source is not None
    target = _other_alternative(source)
    path = tmp_path / "a.json"
    result = runner.invoke(args=["assessments", "export", str(source.id), "-o", str(path)])
    assert result.exit_code == 0, result.output
    data = json.loads(path.read_text(encoding="utf-8"))
    data["answers"]["X-98"] = "yes"
    data["answers"]["X-99"] = "yes"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    result = runner.invoke(args=["assessments", "import", str(target.id), str(bad), "--as", "arkitekt"])
    assert result.exit_code == 1
    for named in ("X-98", "X-99", "ingenting importerades"):
        assert named in result.output
    result = runner.invoke(args=["assessments", "import", str(target.id), str(path), "--as", "arkitekt"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    imported = db.session.scalar(select(Assessment).where(Assessment.alternative_id == target.id))
    assert imported is not None
    assert _without_ids(evaluate_assessment(imported)) == _without_ids(evaluate_assessment(source))


# --- CSV ----------------------------------------------------------------------------------------------------


def _csv(response: Any) -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())  # Excel reads UTF-8 only with the byte-order mark
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def test_the_case_list_csv_has_every_matching_case_not_one_page_and_guards_formulas(
    app: Flask, client: FlaskClient
) -> None:
    for n in range(55):
        factories.create_case(f"Molnärende {n:02d}", information_owner="Region Öst")
    factories.create_case('=HYPERLINK("http://evil";"klicka")', information_owner="Region Öst")
    factories.create_case("Annat ärende", information_owner="Region Väst")
    login_as(client, factories.create_user(role="viewer"))
    rows = _csv(client.get("/arenden.csv?agare=%C3%96st&sida=2"))
    assert rows[0][:2] == ["Ärende-id", "Ärende"]
    titles = [r[1] for r in rows[1:]]
    assert len(titles) == 56
    assert "Annat ärende" not in titles
    assert '\'=HYPERLINK("http://evil";"klicka")' in titles
    list_page = client.get("/arenden?agare=%C3%96st").get_data(as_text=True)
    assert "/arenden.csv?agare=" in list_page


def test_the_comparison_csv_has_one_row_per_module(app: Flask, client: FlaskClient, demo: dict[str, int]) -> None:
    case_id = db.session.get(Assessment, demo["A"]).alternative.case_id  # type: ignore[union-attr]
    login_as(client, demo_users()["arkitekt"])
    rows = _csv(client.get(f"/arenden/{case_id}/jamforelse.csv"))
    assert rows[0][:3] == ["Alternativ", "Leverantör", "Modul"]
    assert len(rows) - 1 == len(demo)
    assert {r[5] for r in rows[1:]} <= {"Lämplig", "Lämplig med villkor", "Ej lämplig", "Kan ej bedömas ännu"}
    page = client.get(f"/arenden/{case_id}/jamforelse").get_data(as_text=True)
    assert f"/arenden/{case_id}/jamforelse.csv" in page
