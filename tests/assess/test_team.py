"""The case team: who finds out each open question, the reviewer who answers her own, four-eyes per area."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from assess.extensions import db
from assess.models import Answer, Assessment, AuditEvent, CaseContact, CaseMember, TeamRole, User
from assess.services import review as review_service
from assess.services import workflow
from assess.services.errors import PermissionDenied
from tests import factories
from tests.assess.helpers import demo_users, load_demo, page_form
from tests.conftest import csrf_token, login_as


@pytest.fixture
def demo(app: Flask) -> dict[str, Any]:
    ids = load_demo(app)
    return {"ids": ids, "users": demo_users()}


def _answer(assessment_id: int, qid: str) -> Answer | None:
    db.session.expire_all()
    return db.session.scalar(select(Answer).where(Answer.assessment_id == assessment_id, Answer.question_id == qid))


def _tasks_section(client: FlaskClient) -> str:
    page = client.get("/mina-uppgifter").get_data(as_text=True)
    return page[page.index('id="t-unknowns"') : page.index('id="t-conditions"')]


def _url(assessment_id: int, step: str) -> str:
    return f"/bedomningar/{assessment_id}?steg={step}"


def test_the_jurists_tasks_list_the_legal_unknowns_through_the_case_team(
    client: FlaskClient, demo: dict[str, Any]
) -> None:
    users, a = demo["users"], demo["ids"]["A"]
    login_as(client, users["jurist"])
    section = _tasks_section(client)
    # A has nine legal unknowns (L-01, L-03 …); each reaches Johan, the team's first legal reviewer, and says why.
    assert f'href="/bedomningar/{a}?steg=legal#q-L-01"' in section
    assert f'href="/bedomningar/{a}?steg=legal#q-L-03"' in section
    assert "din genom ärendets team" in section
    count = int(re.search(r"Frågor jag ska ta reda på \((\d+)\)", section).group(1))  # type: ignore[union-attr]
    assert count >= 9
    # Klara, the second legal reviewer, gets none of them by default.
    login_as(client, users["jurist2"])
    assert "#q-L-01" not in _tasks_section(client)
    assert "Inga okända svar står på dig." in _tasks_section(client)


def test_picking_someone_routes_the_question_to_them_and_nobody_else(client: FlaskClient, demo: dict[str, Any]) -> None:
    users, a = demo["users"], demo["ids"]["A"]
    login_as(client, users["arkitekt"])
    form = page_form(client, _url(a, "legal"))
    html = client.get(_url(a, "legal")).get_data(as_text=True)
    # The choices are the team's people and A's vendor contact; the first says who holds it by default.
    assert "Standard enligt teamet: Johan Jurist" in html
    assert "Klara Jurist (Granskare juridik)" in html
    assert "Olivia Ek (Cerner Sverige AB (Oracle))" in html
    assert "Lisa Läsare" not in html  # a viewer is never offered
    form["q_L-03_owner"] = f"u:{users['jurist2'].id}"
    form["q_L-03_due"] = "2027-01-15"
    response = client.post(_url(a, "legal"), data=form)
    assert response.status_code == 302
    row = _answer(a, "L-03")
    assert row is not None
    assert row.assignee_user_id == users["jurist2"].id
    assert row.unknown_owner == "Klara Jurist"  # the name, as records and reports show it
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "answer.save")).all()[-1]
    assert event.after["unknown_owner"] == "Klara Jurist"
    mine = f"/bedomningar/{a}?steg=legal#q-L-03"
    login_as(client, users["jurist2"])
    assert mine in _tasks_section(client)
    assert "senast 2027-01-15" in _tasks_section(client)
    login_as(client, users["jurist"])
    assert mine not in _tasks_section(client)
    assert f"/bedomningar/{a}?steg=legal#q-L-01" in _tasks_section(client)


def test_a_vendor_contact_can_be_picked_and_someone_outside_the_team_cannot(
    client: FlaskClient, demo: dict[str, Any]
) -> None:
    users, a = demo["users"], demo["ids"]["A"]
    contact = db.session.scalar(select(CaseContact).where(CaseContact.name == "Olivia Ek"))
    assert contact is not None
    login_as(client, users["arkitekt"])
    form = page_form(client, _url(a, "legal"))
    form["q_L-04_owner"] = f"c:{contact.id}"
    assert client.post(_url(a, "legal"), data=form).status_code == 302
    row = _answer(a, "L-04")
    assert row is not None
    assert row.assignee_contact_id == contact.id
    html = client.get(_url(a, "legal")).get_data(as_text=True)
    block = html[html.index('id="q-L-04"') : html.index('id="q-L-05"')]
    assert "Tar reda på:" in block
    assert "Olivia Ek (Cerner Sverige AB (Oracle))" in block
    # A stranger (not in the team) is refused at the field, and nothing is written.
    stranger = factories.create_user("reviewer", areas=["legal"], display_name="Sven Utanför")
    db.session.commit()
    form = page_form(client, _url(a, "legal"))
    form["q_L-05_owner"] = f"u:{stranger.id}"
    response = client.post(_url(a, "legal"), data=form)
    assert response.status_code == 400
    assert "Välj någon i ärendets team eller en av ärendets kontakter." in response.get_data(as_text=True)
    row = _answer(a, "L-05")
    assert row is not None
    assert row.assignee_user_id is None


def test_the_jurist_answers_her_question_and_then_another_jurist_must_approve_legal(
    client: FlaskClient, demo: dict[str, Any]
) -> None:
    users, a = demo["users"], demo["ids"]["A"]
    jurist = users["jurist"]
    login_as(client, jurist)
    html = client.get(_url(a, "legal")).get_data(as_text=True)
    assert "frågor som är tilldelade dig" in html
    # The notice links her questions of this step in the order the page shows them (not a set's order).
    notice = re.search(r"I det här steget:(.*?)</p>", html, re.S)
    assert notice is not None
    linked = re.findall(r'<a href="#q-([^"]+)">', notice.group(1))
    assert len(linked) > 2
    shown = [qid for qid in re.findall(r'<div class="question[^"]*" id="q-([^"]+)"', html) if qid in linked]
    assert linked == shown
    form = page_form(client, _url(a, "legal"))
    # Only her questions are open to her: L-01 is (team default), G-… questions of other steps are not here,
    # and a question the team gives to the vendor is disabled (not sent by the browser).
    assert "q_L-01" in form
    assert "q_L-01_owner" not in form  # she does not re-assign
    before_other = _answer(a, "L-02")
    form["q_L-01"] = "only_technical"
    form["q_L-01_motivation"] = "Juristens bedömning: inga sådana krav."
    response = client.post(_url(a, "legal"), data=form)
    assert response.status_code == 302
    row = _answer(a, "L-01")
    assert row is not None
    assert row.value == "only_technical"
    assert row.updated_by_id == jurist.id
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "answer.save")).all()[-1]
    assert event.actor_id == jurist.id
    assert event.after["question"] == "L-01"
    after_other = _answer(a, "L-02")
    assert (after_other.value if after_other else None) == (before_other.value if before_other else None)
    # Four-eyes: submitted, Johan may not approve the legal area he answered in; Klara may.
    assessment = db.session.get(Assessment, a)
    assert assessment is not None
    workflow.submit(assessment, users["arkitekt"])
    db.session.commit()
    with pytest.raises(PermissionDenied, match="besvarat frågor i området juridik"):
        review_service.approve_area(assessment, jurist, "legal")
    db.session.rollback()
    login_as(client, jurist)
    page = client.get(f"/bedomningar/{a}/granskning").get_data(as_text=True)
    assert "En annan granskare av området måste göra det." in page
    assert "Godkänn juridik" not in page
    assert "Fyra ögon: du har själv besvarat frågor i området juridik" in page
    review_service.approve_area(assessment, users["jurist2"], "legal")
    db.session.commit()
    assert {x.area.value for x in workflow.approvals_of(assessment)} == {"legal"}


def test_someone_may_not_change_a_question_that_is_not_theirs(client: FlaskClient, demo: dict[str, Any]) -> None:
    users, a = demo["users"], demo["ids"]["A"]
    assessment = db.session.get(Assessment, a)
    assert assessment is not None
    from assess.services import assessments as service

    with pytest.raises(PermissionDenied, match="tilldelade dig"):
        service.save_answers(
            assessment, {"G-22": service.AnswerInput(value="yes")}, assessment.version, users["jurist"]
        )
    # A viewer may not post answers at all.
    login_as(client, users["lasare"])
    form = {"csrf_token": csrf_token(client, _url(a, "legal")), "base_version": "1", "q_L-01": "no"}
    assert client.post(_url(a, "legal"), data=form).status_code == 403
    row = _answer(a, "L-01")
    assert row is not None
    assert row.value == "unknown"


def test_team_page_adds_people_with_the_right_role_and_contacts(client: FlaskClient, demo: dict[str, Any]) -> None:
    users = demo["users"]
    case_id = db.session.get(Assessment, demo["ids"]["A"]).alternative.case_id  # type: ignore[union-attr]
    login_as(client, users["arkitekt"])
    page = client.get(f"/arenden/{case_id}/team").get_data(as_text=True)
    assert "Johan Jurist" in page
    assert "Olivia Ek" in page
    token = csrf_token(client, f"/arenden/{case_id}/team")
    # A viewer cannot hold a team role; a reviewer of another area cannot be the legal reviewer.
    response = client.post(
        f"/arenden/{case_id}/team/medlem",
        data={"member-csrf_token": token, "member-user": str(users["infosak"].id), "member-role": "reviewer_legal"},
    )
    assert response.status_code == 400
    assert "har inte behörigheten som rollen Granskare juridik kräver" in response.get_data(as_text=True)
    # A contact with a malformed address is refused at the field, with what was typed kept.
    response = client.post(
        f"/arenden/{case_id}/team/kontakt",
        data={
            "contact-csrf_token": token,
            "contact-name": "Bo Berg",
            "contact-email": "bo@",
            "contact-alternative": "",
        },
    )
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Ange en giltig e-postadress" in body
    assert 'value="Bo Berg"' in body
    newcomer = factories.create_user("reviewer", areas=["infosec"], display_name="Nina Ny")
    db.session.commit()
    response = client.post(
        f"/arenden/{case_id}/team/medlem",
        data={"member-csrf_token": token, "member-user": str(newcomer.id), "member-role": "reviewer_infosec"},
    )
    assert response.status_code == 302
    assert db.session.scalar(
        select(CaseMember).where(CaseMember.user_id == newcomer.id, CaseMember.role == TeamRole.INFOSEC)
    )
    assert "Nina Ny" in client.get(f"/arenden/{case_id}").get_data(as_text=True)
    # A reviewer sees the team but cannot change it.
    login_as(client, users["jurist"])
    page = client.get(f"/arenden/{case_id}/team").get_data(as_text=True)
    assert "Lägg till i teamet" not in page
    token = csrf_token(client, f"/arenden/{case_id}/team")
    response = client.post(
        f"/arenden/{case_id}/team/medlem",
        data={
            "csrf_token": token,
            "member-csrf_token": token,
            "member-user": str(newcomer.id),
            "member-role": "architect",
        },
    )
    assert response.status_code == 403


def test_free_text_owners_are_shown_as_not_assigned(client: FlaskClient, demo: dict[str, Any]) -> None:
    users, a = demo["users"], demo["ids"]["A"]
    row = _answer(a, "L-06")
    assert row is not None
    row.unknown_owner = "Juristen (Johan)"
    db.session.commit()
    login_as(client, users["arkitekt"])
    html = client.get(_url(a, "legal")).get_data(as_text=True)
    block = html[html.index('id="q-L-06"') : html.index('id="q-L-08"')]
    assert "Ej tilldelad" in block
    assert "tidigare angivet som fritext: Juristen (Johan)" in block
    login_as(client, users["jurist"])
    assert f"/bedomningar/{a}?steg=legal#q-L-06" not in _tasks_section(client)
    assert db.session.scalar(select(User).where(User.username == "jurist")) is not None


def test_a_file_posted_in_place_of_a_text_is_refused_not_a_server_error(
    client: FlaskClient, demo: dict[str, Any]
) -> None:
    """No page takes files: a multipart post with a file part (in the contact's name here) gets 415, never a 500."""
    import io

    users = demo["users"]
    case_id = db.session.get(Assessment, demo["ids"]["A"]).alternative.case_id  # type: ignore[union-attr]
    login_as(client, users["arkitekt"])
    token = csrf_token(client, f"/arenden/{case_id}/team")
    response = client.post(
        f"/arenden/{case_id}/team/kontakt",
        data={"contact-csrf_token": token, "contact-name": (io.BytesIO(b"\xed\xa0\x80"), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 415
    assert db.session.scalar(select(CaseContact).where(CaseContact.name == "x.pdf")) is None


def test_the_empty_choices_of_the_team_forms_are_named_not_a_server_error(
    client: FlaskClient, demo: dict[str, Any]
) -> None:
    case_id = db.session.get(Assessment, demo["ids"]["A"]).alternative.case_id  # type: ignore[union-attr]
    login_as(client, demo["users"]["arkitekt"])
    token = csrf_token(client, f"/arenden/{case_id}/team")
    response = client.post(
        f"/arenden/{case_id}/team/medlem", data={"member-csrf_token": token, "member-user": "", "member-role": ""}
    )
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Välj en person." in body
    assert "Välj en roll i teamet." in body


def test_a_question_past_its_due_date_is_marked_late_on_the_questionnaire_as_on_the_case_page(
    app: Flask, client: FlaskClient, demo: dict[str, Any]
) -> None:
    users, a = demo["users"], demo["ids"]["A"]
    app.config["TODAY"] = dt.date(2026, 12, 1)
    assessment = db.session.get(Assessment, a)
    assert assessment is not None
    case_id = assessment.alternative.case_id
    open_row = next(r for r in assessment.answers if r.value == "unknown")
    answered = next(r for r in assessment.answers if r.value not in (None, "unknown"))
    login_as(client, users["arkitekt"])

    def marked() -> tuple[bool, bool]:
        db.session.expire_all()
        questionnaire = client.get(f"/bedomningar/{a}").get_data(as_text=True)
        case_page = client.get(f"/arenden/{case_id}").get_data(as_text=True)
        # The questionnaire reads its loaded answers; the case page asks the database: they must agree.
        return "Uppgift försenad" in questionnaire, "Uppgift försenad" in case_page

    assert marked() == (False, False)
    # An answered question's date does not count, nor a date still ahead, nor today's.
    answered.unknown_due = dt.date(2026, 11, 1)
    open_row.unknown_due = dt.date(2026, 12, 1)
    db.session.commit()
    assert marked() == (False, False)
    # The open question's date passes.
    open_row.unknown_due = dt.date(2026, 11, 30)
    db.session.commit()
    assert marked() == (True, True)
    # Answered, it is no longer open: the mark goes.
    open_row.value = answered.value if open_row.question_id == answered.question_id else _an_option(open_row)
    db.session.commit()
    assert marked() == (False, False)


def _an_option(row: Answer) -> Any:
    """Return a real option of the row's question other than Okänt (or a text, for a text question)."""
    from assess.services.evaluation import ruleset_for

    question = ruleset_for(row.assessment).by_id[row.question_id]
    options = [o.id for o in question.options if o.id != "unknown"]
    return options[0] if options else "Ett svar."
