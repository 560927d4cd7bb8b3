"""Scenarios: hypothetical answers to open questions, evaluated beside the real ones, never written as answers."""

from __future__ import annotations

import importlib.util
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from assess.extensions import db
from assess.models import Assessment, AssessmentStatus, AuditEvent
from assess.models.support import Scenario
from assess.services import scenarios as service
from assess.services.errors import Conflict, PermissionDenied, ValidationFailed
from assess.services.evaluation import evaluate_assessment, ruleset_for
from tests import factories
from tests.assess.helpers import answers_snapshot, count_queries, load_demo, version_of
from tests.conftest import csrf_token, login_as
from tests.pdf.helpers import all_text

NAME = "Om leverantören bekräftar EU-drift och HYOK"


def _choice_questions(assessment: Assessment, count: int = 2) -> list[tuple[str, Any]]:
    """Return open questions with options, each with its first real option (not "unknown")."""
    ruleset = ruleset_for(assessment)
    found = []
    for qid in evaluate_assessment(assessment).open_questions:
        options = [o.id for o in ruleset.question(qid).options if o.id != "unknown"]
        if options and ruleset.question(qid).type != "text":
            found.append((qid, options[0]))
        if len(found) == count:
            break
    assert len(found) == count, "the demo assessment has too few open questions"
    return found


@pytest.fixture
def demo(app: Flask) -> dict[str, Any]:
    ids = load_demo(app)
    assessment = db.session.get(Assessment, ids["B"])
    assert assessment is not None
    architect = factories.create_user("architect", display_name="Anna Arkitekt")
    other = factories.create_user("architect", display_name="Bo Bengtsson")
    viewer = factories.create_user("viewer")
    db.session.commit()
    return {"ids": ids, "b": assessment, "architect": architect, "other": other, "viewer": viewer}


def _answers(pairs: list[tuple[str, Any]], evidence: str = "E3") -> dict[str, dict[str, Any]]:
    return {qid: {"value": str(value), "evidence": evidence} for qid, value in pairs}


def test_evaluation_beside_the_real_one_never_changes_an_answer(demo: dict[str, Any]) -> None:
    b = demo["b"]
    pairs = _choice_questions(b)
    before, version = answers_snapshot(b.id), version_of(b.id)
    real = evaluate_assessment(b)
    scenario = service.create_scenario(b, NAME, demo["architect"], answers=_answers(pairs))
    db.session.commit()
    result = service.evaluate_scenario(b, scenario)
    assert result.changed == tuple(qid for qid, _v in pairs)
    for qid, value in pairs:
        assert result.evaluation.questions[qid].answer is not None
        assert result.evaluation.questions[qid].answer.value == value
        assert qid in evaluate_assessment(b).open_questions  # still open for real
    assert answers_snapshot(b.id) == before
    assert version_of(b.id) == version
    assert evaluate_assessment(b).to_dict() == real.to_dict()
    assert result.conditions == len(result.evaluation.conditions)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "scenario")).one()
    assert (event.action, event.entity_id, event.assessment_id) == ("scenario.create", scenario.id, b.id)
    assert event.after["answers"] == {qid: {"value": value, "evidence": "E3"} for qid, value in pairs}


def test_every_problem_at_once_per_field(demo: dict[str, Any]) -> None:
    b = demo["b"]
    (qid, _value), (qid2, value2) = _choice_questions(b)
    answered = next(row.question_id for row in b.answers if row.value not in (None, "", "unknown"))
    raw = {
        qid: {"value": "no-such-option", "evidence": "E2"},
        qid2: {"value": str(value2), "evidence": "E9"},
        answered: {"value": "yes", "evidence": "E2"},
    }
    with pytest.raises(ValidationFailed) as caught:
        service.create_scenario(b, "x" * 201, demo["architect"], answers=raw)
    fields = caught.value.fields
    assert set(fields) == {"name", f"q_{qid}", f"q_{qid2}_evidence", f"q_{answered}"}
    assert "200" in fields["name"]
    assert "inte en öppen fråga" in fields[f"q_{answered}"]
    assert "E0" in fields[f"q_{qid2}_evidence"]
    with pytest.raises(ValidationFailed) as caught:
        service.create_scenario(b, "   ", demo["architect"])
    assert "namn" in caught.value.fields["name"]
    db.session.rollback()
    assert db.session.scalars(select(Scenario)).all() == []


def test_viewer_and_decided_assessment_are_refused(demo: dict[str, Any]) -> None:
    b = demo["b"]
    with pytest.raises(PermissionDenied):
        service.create_scenario(b, NAME, demo["viewer"])
    scenario = service.create_scenario(b, NAME, demo["architect"])
    db.session.commit()
    # Decided in memory only (the database lets the status change through the workflow alone).
    with db.session.no_autoflush:
        b.status = AssessmentStatus.DECIDED
        with pytest.raises(Conflict, match="beslutad"):
            service.create_scenario(b, "Till", demo["architect"])
        with pytest.raises(Conflict):
            service.update_scenario(scenario, "Nytt", "", {}, scenario.version, demo["architect"])
        with pytest.raises(Conflict):
            service.delete_scenario(scenario, demo["architect"])
        assert not service.may_edit(demo["architect"], b)
    db.session.rollback()


def test_update_and_delete_are_audited(demo: dict[str, Any]) -> None:
    b = demo["b"]
    pairs = _choice_questions(b)
    scenario = service.create_scenario(b, NAME, demo["architect"])
    service.update_scenario(scenario, NAME, "Leverantörens svar väntas", _answers(pairs), 1, demo["other"])
    service.delete_scenario(scenario, demo["architect"])
    db.session.commit()
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity_type == "scenario").order_by(AuditEvent.seq)
    ).all()
    assert [e.action for e in events] == ["scenario.create", "scenario.update", "scenario.delete"]
    assert events[1].actor_name == "Bo Bengtsson"
    assert events[1].before["answers"] == {}
    assert set(events[1].after["answers"]) == {q for q, _v in pairs}
    assert events[2].before["name"] == NAME
    assert events[2].after is None


def _post(client: FlaskClient, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data={"csrf_token": csrf_token(client, "/arenden"), **data})


def test_views_create_edit_and_show_the_hypothetical_result(client: FlaskClient, demo: dict[str, Any]) -> None:
    b = demo["b"]
    pairs = _choice_questions(b)
    before = answers_snapshot(b.id)
    login_as(client, demo["architect"])
    response = _post(client, f"/bedomningar/{b.id}/scenarier", {"name": ""})
    assert response.status_code == 400
    assert "Ge scenariot ett namn." in response.get_data(as_text=True)
    response = _post(client, f"/bedomningar/{b.id}/scenarier", {"name": NAME})
    assert response.status_code == 302
    scenario_id = int(response.headers["Location"].rsplit("/", 1)[1])
    editor = client.get(f"/scenarier/{scenario_id}").get_data(as_text=True)
    assert "Scenario (hypotetiskt)" in editor
    assert "Som nu (öppen)" in editor
    for qid, _value in pairs:
        assert f'name="q_{qid}"' in editor
    form = {"name": NAME, "version": "1", "action": "save"}
    form.update({f"q_{qid}": str(v) for qid, v in pairs})
    form.update({f"q_{qid}_evidence": "E3" for qid, _v in pairs})
    response = _post(client, f"/scenarier/{scenario_id}", form)
    assert response.status_code == 302, response.get_data(as_text=True)
    editor = client.get(f"/scenarier/{scenario_id}").get_data(as_text=True)
    result = service.evaluate_scenario(b, db.session.get(Scenario, scenario_id))
    assert f'data-scenario-verdict="{result.verdict}"' in editor
    assert "Bedömningens verkliga resultat" in editor
    page = client.get(f"/bedomningar/{b.id}").get_data(as_text=True)
    assert "Scenario (hypotetiskt):" in page
    assert NAME in page
    assert answers_snapshot(b.id) == before
    # A question that is not open is refused by the view too (nothing saved).
    answered = next(row.question_id for row in b.answers if row.value not in (None, "", "unknown"))
    response = _post(client, f"/scenarier/{scenario_id}", {**form, "version": "2", f"q_{answered}": "yes"})
    assert response.status_code == 400
    assert f"{answered} är inte en öppen fråga" in response.get_data(as_text=True)
    # Removal asks first, then removes.
    response = _post(client, f"/scenarier/{scenario_id}/ta-bort", {})
    assert response.status_code == 200
    assert "Ja, ta bort scenariot" in response.get_data(as_text=True)
    response = _post(client, f"/scenarier/{scenario_id}/ta-bort", {"confirm": "yes"})
    assert response.status_code == 302
    assert db.session.get(Scenario, scenario_id) is None


def test_stale_save_names_who_saved_and_keeps_what_was_typed(client: FlaskClient, demo: dict[str, Any]) -> None:
    b = demo["b"]
    (qid, value), _second = _choice_questions(b)
    scenario = service.create_scenario(b, NAME, demo["architect"])
    service.update_scenario(scenario, NAME, "", {}, 1, demo["architect"])
    service.update_scenario(scenario, "Bos namn", "", {}, 1, demo["other"])  # version 1 -> 2
    db.session.commit()
    assert scenario.version == 2
    login_as(client, demo["architect"])
    typed = {"name": "Mitt nya namn", "version": "1", "action": "save", f"q_{qid}": str(value)}
    response = _post(client, f"/scenarier/{scenario.id}", typed)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Bo Bengtsson har sparat scenariot" in html
    assert 'value="Mitt nya namn"' in html
    assert re.search(rf'<option value="{re.escape(str(value))}" selected>', html)
    db.session.expire_all()
    assert db.session.get(Scenario, scenario.id).name == "Bos namn"


def test_viewer_is_refused(client: FlaskClient, demo: dict[str, Any]) -> None:
    b = demo["b"]
    scenario = service.create_scenario(b, NAME, demo["architect"])
    db.session.commit()
    login_as(client, demo["viewer"])
    assert _post(client, f"/bedomningar/{b.id}/scenarier", {"name": "x"}).status_code == 403
    assert _post(client, f"/scenarier/{scenario.id}", {"name": "x", "version": "1"}).status_code == 403
    assert _post(client, f"/scenarier/{scenario.id}/ta-bort", {"confirm": "yes"}).status_code == 403
    editor = client.get(f"/scenarier/{scenario.id}").get_data(as_text=True)
    assert "Scenario (hypotetiskt)" in editor
    assert ">Spara<" not in editor


def test_fill_in_the_most_favourable(client: FlaskClient, demo: dict[str, Any]) -> None:
    if importlib.util.find_spec("rules.completion") is None:
        pytest.skip("rules/completion.py (favourable_completion) is not there yet: another engineer writes it")
    b = demo["b"]
    scenario = service.create_scenario(b, NAME, demo["architect"])
    db.session.commit()
    login_as(client, demo["architect"])
    response = _post(client, f"/scenarier/{scenario.id}", {"name": NAME, "version": "1", "action": "fill"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "inget sparas förrän" in html.lower() or "Inget är sparat" in html
    assert " selected>" in html.split('name="q_', 1)[1]
    db.session.expire_all()
    assert db.session.get(Scenario, scenario.id).answers == {}


def test_comparison_page_and_pdf_show_the_hypothetical_row(client: FlaskClient, demo: dict[str, Any]) -> None:
    b = demo["b"]
    scenario = service.create_scenario(b, NAME, demo["architect"], answers=_answers(_choice_questions(b)))
    db.session.commit()
    result = service.evaluate_scenario(b, scenario)
    case_id = b.alternative.case_id
    login_as(client, demo["viewer"])
    html = client.get(f"/arenden/{case_id}/jamforelse").get_data(as_text=True)
    row = re.search(rf'<tr class="comparison__scenario" data-scenario="{scenario.id}".*?</tr>', html, re.S)
    assert row is not None
    assert f"Scenario (hypotetiskt): {NAME}" in row.group(0)
    assert f"verdict--{result.verdict}" in row.group(0)
    assert "Hypotetiskt:" in row.group(0)
    pdf = client.get(f"/arenden/{case_id}/jamforelse.pdf")
    assert pdf.status_code == 200
    text = all_text(pdf.data)
    assert "Scenario (hypotetiskt)" in text
    assert NAME.split()[0] in text
    assert "HYOK" in text


def test_comparison_queries_do_not_grow_with_scenarios(app: Flask, client: FlaskClient, demo: dict[str, Any]) -> None:
    b = demo["b"]
    case_id = b.alternative.case_id
    service.create_scenario(b, "Ett", demo["architect"], answers=_answers(_choice_questions(b, 1)))
    db.session.commit()
    login_as(client, demo["viewer"])
    client.get(f"/arenden/{case_id}/jamforelse")
    with count_queries(app) as one:
        assert client.get(f"/arenden/{case_id}/jamforelse").status_code == 200
    with count_queries(app) as one_pdf:
        assert client.get(f"/arenden/{case_id}/jamforelse.pdf").status_code == 200
    other = db.session.get(Assessment, demo["ids"]["A"])
    for n in range(4):
        target = b if n % 2 else other
        service.create_scenario(target, f"Fler {n}", demo["architect"], answers=_answers(_choice_questions(target, 1)))
    db.session.commit()
    with count_queries(app) as five:
        html = client.get(f"/arenden/{case_id}/jamforelse").get_data(as_text=True)
    with count_queries(app) as five_pdf:
        assert client.get(f"/arenden/{case_id}/jamforelse.pdf").status_code == 200
    assert html.count('class="comparison__scenario"') == 5
    assert len(five) == len(one)
    assert len(five_pdf) == len(one_pdf)


def test_scenarios_of_returns_every_id(demo: dict[str, Any]) -> None:
    ids = demo["ids"]
    service.create_scenario(demo["b"], NAME, demo["architect"])
    db.session.commit()
    found = service.scenarios_of([ids["A"], ids["B"]])
    assert found[ids["A"]] == []
    assert [r.scenario.name for r in found[ids["B"]]] == [NAME]


def test_the_decision_record_keeps_the_scenarios_as_an_annex_that_verifies(app: Flask, demo: dict[str, Any]) -> None:
    import datetime as dt
    import json

    from sqlalchemy import text

    from assess.models import FrozenRecord
    from assess.services.verification import verify_all
    from tests.assess.helpers import approve_use, demo_users, submit_and_approve

    users = demo_users()
    d2 = db.session.get(Assessment, demo["ids"]["D2"])
    assert d2 is not None
    open_now = evaluate_assessment(d2).open_questions
    pairs = _choice_questions(d2, 1) if open_now else []
    scenario = service.create_scenario(d2, NAME, users["arkitekt"], answers=_answers(pairs))
    db.session.commit()
    expected = service.evaluate_scenario(d2, scenario)
    submit_and_approve(d2, users, "Inga anmärkningar.")
    approve_use(d2, users, dt.date(2026, 11, 29))
    db.session.commit()
    record = db.session.scalars(select(FrozenRecord).where(FrozenRecord.assessment_id == d2.id)).one()
    data = json.loads(record.canonical_json)
    assert data["scenarios_considered"] == [
        {
            "name": NAME,
            "answers": {qid: {"value": value, "evidence": "E3"} for qid, value in pairs},
            "verdict": expected.verdict,
            "worst_case": expected.worst_case,
        }
    ]
    for qid, _value in pairs:
        assert qid not in data["answers"]  # hypothetical answers never become the record's answers
    assert verify_all(None).problems == []
    # Read-only after the decision; a change behind the service's back is detected.
    with pytest.raises(Conflict):
        service.update_scenario(scenario, "Ändrat", "", {}, scenario.version, users["arkitekt"])
    db.session.rollback()
    db.session.execute(text("UPDATE scenarios SET name = 'Ändrat i efterhand'"))
    db.session.commit()
    problems = verify_all(None).problems
    assert any("scenarios_considered" in p for p in problems), problems
