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
from assess.services.demo import NOTE_PREFIXES, demo_motivation, split_note, swedish_notes
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
        "reviewer:legal",
        "reviewer:infosec",
        "reviewer:patient_safety",
        "decision_maker",
        "admin",
        "viewer",
    ]
    assert db.session.scalar(select(func.count(User.id))) == 8
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


def _example_notes() -> set[str]:
    """Return the English text of every note of the worked example, as the demo loader reads it (after K/A/?)."""
    notes = set()
    for module in example_modules():
        for raw in module["answers"].values():
            entry = raw if isinstance(raw, dict) else {"value": raw}
            _code, text = split_note(entry.get("note"))
            if text:
                notes.add(text)
    return notes


#: Notes that read the same in Swedish: levels and Swedish statute references.
SAME_IN_SWEDISH = {"R3", "T3", "OSL 25 kap. 1 §", "OSL 25 kap. 1 § hälso- och sjukvårdssekretess"}


def test_every_note_of_the_example_has_a_swedish_translation() -> None:
    """demo_notes_sv.yaml holds every note of the example (and nothing else): no English is left in Swedish."""
    notes = _example_notes()
    translations = swedish_notes()
    assert len(notes) > 100
    assert sorted(notes - set(translations)) == []  # a note missing here would stay English in the demo
    assert sorted(set(translations) - notes) == []  # a translation of a note the example no longer has
    assert all(translations[note].strip() for note in notes)
    assert {note for note in notes if translations[note] == note} <= SAME_IN_SWEDISH


def test_demo_motivation_in_swedish_and_in_english() -> None:
    assert demo_motivation("A EU-only support") == "Antagande i exemplet: support enbart inom EU"
    assert demo_motivation("A EU-only support", language="sv") == "Antagande i exemplet: support enbart inom EU"
    assert demo_motivation("A EU-only support", language="en") == "Assumption in the example: EU-only support"
    assert demo_motivation("K US parent", language="en") == "Known (public sources): US parent"
    assert demo_motivation("? support location", language="en") == "Unknown today: support location"
    assert demo_motivation("K US parent") == "Känt (offentliga källor): amerikanskt moderbolag"
    assert demo_motivation("? support location") == "Okänt i dag: var supporten utförs"
    assert demo_motivation("K") == "Känt (offentliga källor)."
    assert demo_motivation("?", language="en") == "Unknown today."
    assert demo_motivation(None) == ""


def test_demo_motivations_spell_out_the_examples_note_codes(app: Flask, runner: FlaskCliRunner) -> None:
    """example-ehr.md codes each note K/A/?; the questionnaire shows words, not the bare code, in Swedish."""
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    d2 = next(m for m in example_modules() if m["key"] == "D2")
    motivations = list(db.session.scalars(select(Answer.motivation)))
    # Every motivation, of every module, starts with one of the three labels; none is a bare code.
    assert all(text.startswith(tuple(NOTE_PREFIXES["sv"].values())) for text in motivations)
    assert d2["answers"]["G-14"]["note"] == "A contractual EU residency"
    assert "Antagande i exemplet: avtalad lagring och behandling inom EU" in motivations
    assert db.session.scalar(select(func.count()).where(Answer.motivation.in_(["A", "K", "?"]))) == 0
    # No English note text is left in a motivation.
    english = {note for note in _example_notes() if note not in SAME_IN_SWEDISH}
    assert [m for m in motivations if m.partition(": ")[2] in english] == []


def test_demo_load_in_english_keeps_the_examples_notes(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["demo", "load", "--language", "en"])
    assert result.exit_code == 0, result.output
    motivations = list(db.session.scalars(select(Answer.motivation)))
    assert motivations
    assert all(
        text.startswith(("Known (public sources)", "Assumption in the example", "Unknown today"))
        for text in motivations
    )
    assert "Assumption in the example: contractual EU residency" in motivations
    assert not any("Antagande i exemplet" in text for text in motivations)


def test_demo_load_refuses_an_unknown_language(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["demo", "load", "--language", "de"])
    assert result.exit_code != 0
    assert db.session.scalar(select(func.count(Answer.id))) == 0
