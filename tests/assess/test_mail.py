"""Reminders and notices by e-mail, sent to a real SMTP server (aiosmtpd) started by the test and read back."""

from __future__ import annotations

import datetime as dt
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, func, select

from assess import create_app
from assess.config import ConfigError
from assess.extensions import db
from assess.models import (
    Answer,
    Assessment,
    AssessmentStatus,
    AuditEvent,
    Case,
    CaseMember,
    DecisionCondition,
    SentNotification,
    TeamRole,
    User,
)
from assess.services import decisions, notifications, workflow
from assess.services import review as review_service
from assess.services import team as team_service
from assess.services.evaluation import evaluate_assessment
from assess.services.review_queries import decide_and_store
from tests import factories
from tests.assess.helpers import load_demo, submit_and_approve
from tests.conftest import csrf_token, login_as

BASE = "https://molnbedomning.region.example/app"
TODAY = dt.date(2026, 11, 29)


@dataclass
class Inbox:
    """What the SMTP server received (each mail has one recipient: the envelope's and the To header's)."""

    port: int
    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        message = message_from_bytes(envelope.content, policy=default_policy)
        if not isinstance(message, EmailMessage) or envelope.rcpt_tos != [message["To"]]:
            return "554 one recipient per mail, the same in the envelope and the To header"
        self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def addresses(self) -> list[str]:
        return sorted(str(m["To"]) for m in self.messages)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[Inbox]:
    """Start an SMTP server on 127.0.0.1 that keeps every message it receives."""
    inbox = Inbox(_free_port())
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def mail_app(app: Flask, smtp: Inbox) -> Flask:
    """The app, sending its mail to the test's SMTP server."""
    app.config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp.port,
        MAIL_FROM="Molnbedömning <molnbedomning@region.example>",
        MAIL_TIMEOUT=5,
        BASE_URL=BASE,
    )
    return app


@pytest.fixture
def demo(mail_app: Flask) -> dict[str, Any]:
    """The demo data with a team on its case: the architect, the three reviewers and the decision maker (the legal
    reviewer reads English)."""
    ids = load_demo(mail_app)
    users = {u.username: u for u in db.session.scalars(select(User))}
    case = db.session.scalars(select(Case)).one()
    db.session.execute(delete(CaseMember).where(CaseMember.case_id == case.id))  # a known team, whatever the demo's
    team_service.add_default_members(
        case,
        [
            (users["arkitekt"], TeamRole.ARCHITECT),
            (users["jurist"], TeamRole.LEGAL),
            (users["infosak"], TeamRole.INFOSEC),
            (users["patientsak"], TeamRole.PATIENT_SAFETY),
            (users["beslutsfattare"], TeamRole.DECISION_MAKER),
        ],
    )
    users["jurist"].language = "en"
    db.session.commit()
    return {"ids": ids, "users": users, "case": case}


def _decide(assessment: Assessment, users: dict[str, User], contact_id: int | None = None) -> None:
    """Approve the use as the decision maker: every condition due TODAY + 90 days, owned by the architect (the
    first by the contact, when given); the next review in a year (not committed)."""
    evaluation = workflow.evaluation_with_overrides(assessment)
    terms = []
    for n, (qid, _kind, _mitigations) in enumerate(decisions.conditions_to_set(evaluation)):
        owner, contact = (None, contact_id) if n == 0 and contact_id else (users["arkitekt"].id, None)
        terms.append(decisions.ConditionInput(qid, owner, TODAY + dt.timedelta(days=90), "date", None, contact))
    assert len(terms) >= 2
    decide_and_store(
        assessment, users["beslutsfattare"], "approved", "Kvarstående risk, accepterad.",
        TODAY + dt.timedelta(days=365), terms, TODAY,
    )  # fmt: skip


def _get(assessment_id: int) -> Assessment:
    assessment = db.session.get(Assessment, assessment_id)
    assert assessment is not None
    return assessment


def _body(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def _links(message: EmailMessage) -> list[str]:
    return [line for line in _body(message).splitlines() if line.startswith("http")]


def test_submit_mails_the_teams_reviewers_after_the_commit_in_their_language(
    mail_app: Flask, client: FlaskClient, smtp: Inbox, demo: dict[str, Any]
) -> None:
    users, d2, case = demo["users"], _get(demo["ids"]["D2"]), demo["case"]
    outsider = factories.create_user(role="reviewer", areas=["legal"], email="annan.granskare@region.example")
    db.session.commit()
    login_as(client, users["arkitekt"])
    token = csrf_token(client, f"/bedomningar/{d2.id}/granskning")
    response = client.post(f"/bedomningar/{d2.id}/skicka-in", data={"csrf_token": token})
    assert response.status_code == 302

    assert smtp.addresses() == sorted(users[u].email for u in ("jurist", "infosak", "patientsak"))
    assert not smtp.to(users["arkitekt"].email)  # the one who submitted gets nothing
    assert not smtp.to(outsider.email)  # a reviewer outside the case's team neither

    link = f"{BASE}/bedomningar/{d2.id}/granskning"
    english = smtp.to(users["jurist"].email)[0]
    assert english["Content-Language"] == "en"
    assert f"Case: {case.title}" in _body(english)
    assert "Ärende" not in _body(english)
    assert _links(english) == [link]
    swedish = smtp.to(users["infosak"].email)[0]
    assert swedish["Content-Language"] == "sv"
    assert swedish["Subject"] == f"Bedömning att granska: {case.title}"
    assert "En bedömning i ärendet har skickats in och väntar på granskning." in _body(swedish)
    assert f"Ärende: {case.title}" in _body(swedish)
    assert _links(swedish) == [link]
    # Only the title and the link: no alternative, no answers, nobody's name.
    for message in smtp.messages:
        body = _body(message)
        assert d2.alternative.name not in body
        assert users["arkitekt"].display_name not in body
        assert not any(a.motivation and a.motivation in body for a in d2.answers)
    # Every mail sent is recorded.
    assert db.session.scalar(select(func.count()).select_from(SentNotification)) == 3


def test_a_team_without_reviewers_has_every_reviewer_told(mail_app: Flask, smtp: Inbox, demo: dict[str, Any]) -> None:
    users, d2, case = demo["users"], _get(demo["ids"]["D2"]), demo["case"]
    reviewer_roles = [TeamRole.LEGAL, TeamRole.INFOSEC, TeamRole.PATIENT_SAFETY]
    db.session.execute(delete(CaseMember).where(CaseMember.case_id == case.id, CaseMember.role.in_(reviewer_roles)))
    db.session.commit()
    workflow.submit(d2, users["arkitekt"])
    db.session.commit()
    reviewers = sorted(u.email for u in db.session.scalars(select(User)) if u.has_role("reviewer") and u.email)
    assert len(reviewers) >= 3
    assert smtp.addresses() == reviewers


def test_a_rolled_back_step_sends_nothing(mail_app: Flask, smtp: Inbox, demo: dict[str, Any]) -> None:
    users, d2 = demo["users"], _get(demo["ids"]["D2"])
    workflow.submit(d2, users["arkitekt"])
    assert smtp.messages == []  # nothing leaves before the commit
    db.session.rollback()
    db.session.commit()
    assert smtp.messages == []
    assert _get(d2.id).status == AssessmentStatus.DRAFT


def test_a_user_who_turned_reminders_off_gets_nothing(
    mail_app: Flask, client: FlaskClient, smtp: Inbox, demo: dict[str, Any]
) -> None:
    users, d2 = demo["users"], _get(demo["ids"]["D2"])
    login_as(client, users["infosak"])
    page = client.get("/konto/losenord").get_data(as_text=True)
    assert "Skicka påminnelser till mig med e-post" in page
    assert " checked" in _checkbox(page)
    token = csrf_token(client, "/konto/losenord")
    refused = client.post("/konto/paminnelser", data={})  # no CSRF token: refused, nothing changes
    assert refused.status_code == 400
    db.session.expire_all()
    assert db.session.get(User, users["infosak"].id).email_reminders is True  # type: ignore[union-attr]
    response = client.post("/konto/paminnelser", data={"csrf_token": token}, follow_redirects=True)
    assert "Du får inte längre påminnelser med e-post." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, users["infosak"].id).email_reminders is False  # type: ignore[union-attr]
    assert " checked" not in _checkbox(client.get("/konto/losenord").get_data(as_text=True))
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.email_reminders")).one()
    assert event.after == {"email_reminders": False}

    workflow.submit(_get(d2.id), db.session.get(User, users["arkitekt"].id))
    db.session.commit()
    assert smtp.addresses() == sorted([users["jurist"].email, users["patientsak"].email])

    # Turned on again, the next notices reach them.
    response = client.post("/konto/paminnelser", data={"csrf_token": token, "email_reminders": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, users["infosak"].id).email_reminders is True  # type: ignore[union-attr]


def _checkbox(page: str) -> str:
    match = re.search(r'<input[^>]*name="email_reminders"[^>]*>', page)
    assert match, "no reminders checkbox"
    return match.group(0)


def test_each_step_mails_the_people_it_concerns(mail_app: Flask, smtp: Inbox, demo: dict[str, Any]) -> None:
    users, d2 = demo["users"], _get(demo["ids"]["D2"])
    workflow.submit(d2, users["arkitekt"])
    review_service.request_changes(d2, users["jurist"], "legal", "Komplettera personuppgiftsbiträdesavtalet.")
    db.session.commit()
    changes = [m for m in smtp.messages if m["Subject"].startswith("Ändringar begärda")]
    assert [m["To"] for m in changes] == [users["arkitekt"].email]
    assert "Komplettera" not in _body(changes[0])  # the reason stays in the tool

    smtp.messages.clear()
    workflow.reopen(d2, users["arkitekt"])
    db.session.commit()
    assert smtp.messages == []  # back to draft: nobody to tell

    submit_and_approve(d2, users)
    db.session.commit()
    to_decide = [m for m in smtp.messages if m["Subject"].startswith("Bedömning att besluta")]
    assert [m["To"] for m in to_decide] == [users["beslutsfattare"].email]
    assert _links(to_decide[0]) == [f"{BASE}/bedomningar/{d2.id}/granskning"]

    smtp.messages.clear()
    _decide(d2, users)
    db.session.commit()
    team = sorted(users[u].email for u in ("arkitekt", "jurist", "infosak", "patientsak"))
    assert smtp.addresses() == team  # the whole team but the decision maker, who decided
    english = smtp.to(users["jurist"].email)[0]
    assert _links(english) == [f"{BASE}/bedomningar/{d2.id}/protokoll"]


def _open_questions(assessment: Assessment, count: int) -> list[Answer]:
    """Make `count` shown, stored answers of a draft Okänt and return them."""
    evaluation = evaluate_assessment(assessment)
    rows = [a for a in assessment.answers if evaluation.questions[a.question_id].shown][:count]
    assert len(rows) == count
    for row in rows:
        row.value = "unknown"
    db.session.flush()
    shown = evaluate_assessment(assessment).questions
    return [row for row in rows if shown[row.question_id].shown]


def _draft(demo: dict[str, Any]) -> Assessment:
    for assessment_id in demo["ids"].values():
        assessment = _get(assessment_id)
        if assessment.status == AssessmentStatus.DRAFT and assessment.id != demo["ids"]["D2"]:
            return assessment
    raise AssertionError("no draft in the demo")


def _count_sent() -> int:
    return int(db.session.scalar(select(func.count()).select_from(SentNotification)) or 0)


def test_notify_sends_each_reminder_once(mail_app: Flask, smtp: Inbox, demo: dict[str, Any]) -> None:
    users, d2 = demo["users"], _get(demo["ids"]["D2"])
    contact = team_service.add_contact(demo["case"], "Lena Leverantör", "Molnleverantören AB", "", None, users["admin"])
    # A decided record: its conditions are due TODAY + 90 days (one owned by the contact, the others by the
    # architect, who owns the assessment), the next review in a year.
    submit_and_approve(d2, users)
    _decide(d2, users, contact.id)
    db.session.commit()
    smtp.messages.clear()

    day = TODAY + dt.timedelta(days=70)  # the conditions are due in 20 days
    draft = _draft(demo)
    due_soon, overdue = _open_questions(draft, 2)
    due_soon.assignee_user_id, due_soon.unknown_due = users["jurist"].id, day + dt.timedelta(days=3)
    overdue.assignee_contact_id, overdue.unknown_due = contact.id, day - dt.timedelta(days=2)
    draft.owner_id = users["arkitekt"].id
    db.session.commit()
    recorded = _count_sent()  # the notices of the steps above

    runner = mail_app.test_cli_runner()
    dry = runner.invoke(args=["notify", "--today", day.isoformat(), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "assignment.due7  jurist" in dry.output
    assert smtp.messages == []
    assert _count_sent() == recorded

    first = runner.invoke(args=["notify", "--today", day.isoformat()])
    assert first.exit_code == 0, first.output
    title = demo["case"].title
    assert _received(smtp.messages) == sorted(
        [
            ("jurist", _subject("assignment.due7", "en", title)),
            ("arkitekt", _subject("assignment.overdue", "sv", title)),  # for the contact
            ("arkitekt", _subject("condition.due30", "sv", title)),  # their own conditions
            ("arkitekt", _subject("condition.due30", "sv", title)),  # the contact's condition
        ]
    )
    jurist = smtp.to(users["jurist"].email)[0]
    assert jurist["Content-Language"] == "en"
    question = f"{BASE}/bedomningar/{draft.id}?steg={_area(draft, due_soon)}#q-{due_soon.question_id}"
    assert _links(jurist) == [question]
    to_architect = smtp.to(users["arkitekt"].email)
    for_contact = [m for m in to_architect if "kontakt utanför regionen" in _body(m)]
    assert len(for_contact) == 2  # the contact's question and condition, said to be on their behalf
    assert all("Lena" not in _body(m) for m in to_architect)  # the contact is not named
    own = next(m for m in to_architect if m not in for_contact and "villkor" in m["Subject"])
    mine = db.session.scalar(
        select(func.count()).select_from(DecisionCondition).where(DecisionCondition.owner_id == users["arkitekt"].id)
    )
    assert mine is not None
    assert mine >= 1
    assert _body(own).startswith(
        f"{mine} villkor i ett beslut i ärendet ska vara uppfyllda inom 30 dagar."
        if mine > 1
        else "Ett villkor i ett beslut i ärendet ska vara uppfyllt inom 30 dagar."
    )
    assert _links(own) == [f"{BASE}/mina-uppgifter"]
    assert f"Skickade 4 e-postmeddelanden för {day.isoformat()}" in first.output
    for line in ("assignment.due7  jurist", "assignment.overdue  arkitekt", "condition.due30"):
        assert line in first.output

    second = runner.invoke(args=["notify", "--today", day.isoformat()])
    assert second.exit_code == 0, second.output
    assert len(smtp.messages) == 4  # nothing twice
    assert "Skickade 0 e-postmeddelanden" in second.output

    # A year on: the next review has come, the question and the conditions are overdue (new reminders, once;
    # the contact's question was overdue already and is not reminded of again).
    later = TODAY + dt.timedelta(days=366)
    third = runner.invoke(args=["notify", "--today", later.isoformat()])
    recorded = _count_sent()
    fourth = runner.invoke(args=["notify", "--today", later.isoformat()])
    assert third.exit_code == 0, third.output
    assert fourth.exit_code == 0, fourth.output
    assert _received(smtp.messages[4:]) == sorted(
        [
            ("jurist", _subject("assignment.overdue", "en", title)),
            ("arkitekt", _subject("condition.overdue", "sv", title)),
            ("arkitekt", _subject("condition.overdue", "sv", title)),
            ("arkitekt", _subject("review.due", "sv", title)),
            ("beslutsfattare", _subject("review.due", "sv", title)),
        ]
    )
    review = next(m for m in smtp.messages if m["Subject"] == _subject("review.due", "sv", title))
    assert _links(review) == [f"{BASE}/bedomningar/{d2.id}/protokoll"]
    assert "Skickade 0 e-postmeddelanden" in fourth.output
    assert _count_sent() == recorded


def _received(messages: list[EmailMessage]) -> list[tuple[str, str]]:
    return sorted((str(m["To"]).split("@")[0], str(m["Subject"])) for m in messages)


def _subject(kind: str, language: str, title: str) -> str:
    from assess.i18n import translator

    return f"{translator(language)(notifications.SUBJECTS[kind])}: {title}"


def _area(assessment: Assessment, row: Answer) -> str:
    from assess.services.evaluation import ruleset_for

    return ruleset_for(assessment).by_id[row.question_id].area


def test_an_assignment_is_mailed_to_the_assignee_or_for_a_contact_to_the_owner(
    mail_app: Flask, smtp: Inbox, demo: dict[str, Any]
) -> None:
    users = demo["users"]
    draft = _draft(demo)
    draft.owner_id = users["arkitekt"].id
    contact = team_service.add_contact(demo["case"], "Lena Leverantör", "Molnleverantören AB", "", None, users["admin"])
    questions = [a.question_id for a in draft.answers][:3]
    db.session.commit()
    admin = users["admin"]
    notifications.on_assignment(draft, questions[0], users["infosak"].id, None, admin)
    notifications.on_assignment(draft, questions[1], users["infosak"].id, None, admin)
    notifications.on_assignment(draft, questions[2], None, contact.id, admin)
    notifications.on_assignment(draft, questions[2], users["admin"].id, None, admin)  # to oneself: no mail
    assert smtp.messages == []
    db.session.commit()
    assert smtp.addresses() == sorted([users["infosak"].email, users["arkitekt"].email])
    assignee = smtp.to(users["infosak"].email)[0]
    assert "Du har fått 2 frågor att ta reda på i en bedömning i ärendet." in _body(assignee)
    assert _links(assignee)[0].startswith(f"{BASE}/bedomningar/{draft.id}?steg=")
    owner = smtp.to(users["arkitekt"].email)[0]
    assert "har tilldelats en kontakt utanför regionen" in _body(owner)
    assert "Lena" not in _body(owner)


def test_without_mail_configured_nothing_is_sent_and_the_app_works(
    app: Flask, client: FlaskClient, smtp: Inbox
) -> None:
    ids = load_demo(app)
    users = {u.username: u for u in db.session.scalars(select(User))}
    d2 = _get(ids["D2"])
    login_as(client, users["arkitekt"])
    token = csrf_token(client, f"/bedomningar/{d2.id}/granskning")
    assert client.post(f"/bedomningar/{d2.id}/skicka-in", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert _get(d2.id).status == AssessmentStatus.SUBMITTED
    assert smtp.messages == []
    assert _count_sent() == 0
    result = app.test_cli_runner().invoke(args=["notify"])
    assert result.exit_code != 0
    assert "e-post är inte konfigurerad" in result.output
    dry = app.test_cli_runner().invoke(args=["notify", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Torrkörning" in dry.output


def test_a_mail_server_that_is_down_breaks_nothing_and_notify_says_so(
    mail_app: Flask,
    smtp: Inbox,
    demo: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(notifications.log, "disabled", False)  # `flask db upgrade` in the fixtures silenced it
    users, d2 = demo["users"], _get(demo["ids"]["D2"])
    mail_app.config.update(MAIL_PORT=_free_port(), MAIL_PASSWORD="hemligt-lösenord", MAIL_USERNAME="")
    workflow.submit(d2, users["arkitekt"])
    db.session.commit()  # the step is committed though no mail could go out
    db.session.expire_all()
    assert _get(d2.id).status == AssessmentStatus.SUBMITTED
    assert "not sent" in caplog.text
    assert "hemligt" not in caplog.text
    draft = _draft(demo)
    (row,) = _open_questions(draft, 1)
    row.assignee_user_id, row.unknown_due = users["jurist"].id, TODAY
    db.session.commit()
    result = mail_app.test_cli_runner().invoke(args=["notify", "--today", TODAY.isoformat()])
    assert result.exit_code == 1
    assert "e-postservern" in result.output
    assert "hemligt" not in result.output
    assert _count_sent() == 0  # nothing recorded: the reminder goes out on the next run


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"MAIL_SERVER": "smtp.region.example"}, "ASSESS_MAIL_FROM"),
        ({"MAIL_SERVER": "smtp.region.example", "MAIL_FROM": "a@b.example", "BASE_URL": "molnbedomning"}, "BASE_URL"),
        (
            {"MAIL_SERVER": "s", "MAIL_FROM": "a@b.example", "BASE_URL": BASE, "MAIL_USE_TLS": True, "MAIL_USE_SSL": 1},
            "not both",
        ),
        ({"MAIL_SERVER": "s", "MAIL_FROM": "a@b.example", "BASE_URL": BASE, "MAIL_PORT": "smtp"}, "ASSESS_MAIL_PORT"),
    ],
)
def test_mail_settings_that_cannot_work_stop_start_up(settings: dict[str, Any], problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        create_app({"TESTING": True, "SECRET_KEY": "x", **settings})


def test_mail_settings_from_the_environment_and_a_password_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secret = tmp_path / "mail_password"
    secret.write_text("s3cret\n")
    for name, value in {
        "ASSESS_MAIL_SERVER": "smtp.region.example",
        "ASSESS_MAIL_USE_TLS": "true",
        "ASSESS_MAIL_FROM": "molnbedomning@region.example",
        "ASSESS_MAIL_PASSWORD_FILE": str(secret),
        "ASSESS_BASE_URL": BASE + "/",
    }.items():
        monkeypatch.setenv(name, value)
    app = create_app({"TESTING": True, "SECRET_KEY": "x"})
    assert app.config["MAIL_PORT"] == 587  # STARTTLS
    assert app.config["MAIL_PASSWORD"] == "s3cret"
    assert app.config["BASE_URL"] == BASE
    with app.app_context():
        from assess.services.mail import mail_settings

        settings = mail_settings()
        assert settings is not None
        assert "s3cret" not in repr(settings)
    off = create_app({"TESTING": True, "SECRET_KEY": "x", "MAIL_SERVER": ""})
    with off.app_context():
        from assess.services.mail import is_configured

        assert not is_configured()
