"""`flask demo load`: accounts, the demo case with its alternatives and modules, idempotent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select

from assess.extensions import db
from assess.models import Answer, AuditEvent, User
from rules.examples import example_modules
from tests.conftest import csrf_token


def _snapshot(runner: FlaskCliRunner) -> dict[str, Any]:
    cases = json.loads(runner.invoke(args=["cases", "list", "--json"]).output)
    users = json.loads(runner.invoke(args=["users", "list", "--json"]).output)
    answers = db.session.execute(
        select(Answer.assessment_id, Answer.question_id, Answer.value, Answer.evidence).order_by(Answer.id)
    ).all()
    return {"cases": cases, "users": users, "answers": [tuple(a) for a in answers]}


def test_demo_load_twice_gives_the_same_data(app: Flask, runner: FlaskCliRunner) -> None:
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    snapshot = _snapshot(runner)
    events = db.session.scalar(select(func.count(AuditEvent.id)))
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0, second.output
    assert _snapshot(runner) == snapshot
    assert db.session.scalar(select(func.count(AuditEvent.id))) == events
    assert first.output == second.output  # same accounts and passwords printed


def test_demo_case_has_the_alternatives_and_modules_of_the_worked_example(app: Flask, runner: FlaskCliRunner) -> None:
    runner.invoke(args=["demo", "load"])
    (case,) = json.loads(runner.invoke(args=["cases", "list", "--json"]).output)
    assert case["title"] == "Framtida vårdinformationssystem"
    names = [alt["name"][0] for alt in case["alternatives"]]
    assert names == ["A", "B", "C", "D"]
    scopes = [[a["scope"][:2] for a in alt["assessments"]] for alt in case["alternatives"]]
    assert scopes[3] == ["D1", "D2", "D3"]
    assert all(
        a["status"] == "draft" and a["ruleset"]["id"] == "molnlamplighet"
        for alt in case["alternatives"]
        for a in alt["assessments"]
    )
    expected = {m["key"]: len(m["answers"]) for m in example_modules()}
    counts = dict(db.session.execute(select(Answer.assessment_id, func.count()).group_by(Answer.assessment_id)).all())
    ids = {
        a["scope"][:2] if a["scope"].startswith("D") else alt["name"][0]: a["id"]
        for alt in case["alternatives"]
        for a in alt["assessments"]
    }
    assert {key: counts[ids[key]] for key in expected} == expected


def test_demo_accounts_file_and_every_account_can_sign_in(app: Flask, runner: FlaskCliRunner) -> None:
    runner.invoke(args=["demo", "load"])
    lines = (Path(app.instance_path) / "demo-accounts.txt").read_text().splitlines()
    roles = [line.split()[2] for line in lines]
    assert roles == [
        "architect",
        "reviewer:legal",
        "reviewer:infosec",
        "reviewer:patient_safety",
        "decision_maker",
        "admin",
        "viewer",
    ]
    assert db.session.scalar(select(func.count(User.id))) == 7
    for line in lines:
        username, password, _ = line.split()
        client: FlaskClient = app.test_client()
        token = csrf_token(client)
        response = client.post("/logga-in", data={"csrf_token": token, "username": username, "password": password})
        assert response.status_code == 302, username
        page = client.get("/arenden").get_data(as_text=True)
        assert "Framtida vårdinformationssystem" in page


def test_case_page_shows_each_assessments_verdict(app: Flask, runner: FlaskCliRunner, client: FlaskClient) -> None:
    runner.invoke(args=["demo", "load"])
    username, password, _ = (Path(app.instance_path) / "demo-accounts.txt").read_text().splitlines()[-1].split()
    client.post("/logga-in", data={"csrf_token": csrf_token(client), "username": username, "password": password})
    (case,) = json.loads(runner.invoke(args=["cases", "list", "--json"]).output)
    html = client.get(f"/arenden/{case['id']}").get_data(as_text=True)
    assert html.count('Kan ej bedömas ännu</span> <span class="risk">– risk för <strong>Ej lämplig') == 4  # A B C D3
    assert html.count('verdict--not_suitable">Ej lämplig</span>') == 1  # D1
    assert html.count('verdict--suitable_with_conditions">Lämplig med villkor</span>') == 1  # D2


def test_demo_motivations_spell_out_the_examples_note_codes(app: Flask, runner: FlaskCliRunner) -> None:
    """example-ehr.md codes each note K/A/?; the questionnaire shows words, not the bare code."""
    runner.invoke(args=["demo", "load"])
    d2 = next(m for m in example_modules() if m["key"] == "D2")
    motivations = dict(db.session.execute(select(Answer.question_id, Answer.motivation)).all())
    # Every motivation, of every module, starts with one of the three labels; none is a bare code.
    assert all(
        text.startswith(("Känt (offentliga källor)", "Antagande i exemplet", "Okänt i dag"))
        for text in motivations.values()
    )
    assert d2["answers"]["G-14"]["note"] == "A contractual EU residency"
    d2_g14 = db.session.scalar(
        select(Answer.motivation).where(Answer.question_id == "G-14", Answer.motivation.contains("EU residency"))
    )
    assert d2_g14 == "Antagande i exemplet: contractual EU residency"
    assert db.session.scalar(select(func.count()).where(Answer.motivation.in_(["A", "K", "?"]))) == 0
