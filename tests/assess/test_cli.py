"""`flask --app assess users|cases ...`: behaviour, exit codes, and passwords never in argv."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from assess.extensions import db
from assess.models import AuditEvent, User
from assess.services import users as user_service
from tests import factories


def test_users_create_reads_password_from_environment(runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--username",
            "Jurist2",
            "--display-name",
            "Jane Jurist",
            "--role",
            "reviewer",
            "--area",
            "legal",
            "--area",
            "infosec",
        ],
        env={"ASSESS_NEW_PASSWORD": "a long enough password"},
    )
    assert result.exit_code == 0, result.output
    assert "Skapade jurist2" in result.output
    user = user_service.get_user("jurist2")
    assert {r.value for r in user.roles} == {"reviewer"}
    assert {a.value for a in user.review_areas} == {"legal", "infosec"}
    assert user_service.check_password(user, "a long enough password")


def test_users_create_prompts_for_password_with_confirmation(
    runner: FlaskCliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("assess.cli._stdin_is_terminal", lambda: True)
    result = runner.invoke(
        args=["users", "create", "--username", "anna", "--display-name", "Anna", "--role", "architect"],
        input="a long enough password\na long enough password\n",
    )
    assert result.exit_code == 0, result.output
    assert "a long enough password" not in result.output  # hidden input
    assert user_service.check_password(user_service.get_user("anna"), "a long enough password")


def test_users_create_without_password_source_fails_clearly(runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["users", "create", "--username", "anna", "--display-name", "Anna", "--role", "architect"]
    )
    assert result.exit_code == 1
    assert "ASSESS_NEW_PASSWORD" in result.output
    assert db.session.scalar(select(User).where(User.username == "anna")) is None


def test_users_create_has_no_password_option(runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--username",
            "x1",
            "--display-name",
            "X",
            "--role",
            "viewer",
            "--password",
            "secret-in-argv",
        ]
    )
    assert result.exit_code == 2
    assert "No such option" in result.output


def test_users_create_names_every_problem(runner: FlaskCliRunner) -> None:
    factories.create_user("viewer", username="taken")
    db.session.commit()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--username",
            "taken",
            "--display-name",
            " ",
            "--role",
            "wizard",
            "--role",
            "reviewer",
        ],
        env={"ASSESS_NEW_PASSWORD": "short"},
    )
    assert result.exit_code == 1
    out = result.output
    assert "'taken' är upptaget" in out
    assert "visningsnamn" in out
    assert "minst 12 tecken" in out
    assert "Okänd roll: 'wizard'" in out


def test_users_list_json_and_set_roles_and_deactivate(runner: FlaskCliRunner) -> None:
    factories.create_user("viewer", username="lisa")
    db.session.commit()
    result = runner.invoke(
        args=[
            "users",
            "set-roles",
            "lisa",
            "--role",
            "reviewer",
            "--area",
            "patient_safety",
            "--role",
            "decision_maker",
        ]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["users", "deactivate", "lisa"])
    assert result.exit_code == 0, result.output
    rows = json.loads(runner.invoke(args=["users", "list", "--json"]).output)
    assert rows == [
        {
            "username": "lisa",
            "display_name": rows[0]["display_name"],
            "email": "",
            "active": False,
            "roles": ["decision_maker", "reviewer"],
            "review_areas": ["patient_safety"],
        }
    ]
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["user.create", "user.set_roles", "user.deactivate"]


def test_set_roles_for_unknown_user_and_bad_area(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["users", "set-roles", "ghost", "--role", "viewer"])
    assert result.exit_code == 1
    assert "ghost" in result.output
    factories.create_user("viewer", username="lisa")
    db.session.commit()
    result = runner.invoke(args=["users", "set-roles", "lisa", "--role", "reviewer"])
    assert result.exit_code == 1
    assert "minst ett granskningsområde" in result.output
    result = runner.invoke(args=["users", "set-roles", "lisa", "--role", "viewer", "--area", "legal"])
    assert result.exit_code == 1
    assert "bara ges till rollen reviewer" in result.output


def test_cases_list_json(runner: FlaskCliRunner) -> None:
    case = factories.create_case("Ärende X")
    alt = factories.create_alternative(case, "Alt 1", operating_model="saas")
    a = factories.create_assessment(alt, scope="Modul 1")
    db.session.commit()
    data = json.loads(runner.invoke(args=["cases", "list", "--json"]).output)
    assert data[0]["title"] == "Ärende X"
    assert data[0]["alternatives"][0]["name"] == "Alt 1"
    assessment = data[0]["alternatives"][0]["assessments"][0]
    assert assessment["id"] == a.id
    assert assessment["scope"] == "Modul 1"
    assert assessment["status"] == "draft"
    assert assessment["ruleset"] == {"id": "molnlamplighet", "version": 1, "sha256": a.ruleset_sha256}
    assert len(a.ruleset_sha256) == 64


def test_users_set_password_refuses_a_weak_one_and_ends_every_session(runner: FlaskCliRunner, app: Flask) -> None:
    from sqlalchemy import select

    from assess.extensions import db
    from assess.models import UserSession
    from tests import factories
    from tests.conftest import login_as

    user = factories.create_user("architect", username="anna")
    db.session.commit()
    login_as(app.test_client(), user)
    weak = runner.invoke(args=["users", "set-password", "anna"], env={"ASSESS_NEW_PASSWORD": "sommarsommar"})
    assert weak.exit_code == 1
    assert "för lätt att gissa" in weak.output
    ok = runner.invoke(args=["users", "set-password", "anna"], env={"ASSESS_NEW_PASSWORD": "granit och lingon i juni"})
    assert ok.exit_code == 0, ok.output
    assert "alla dess sessioner är avslutade" in ok.output
    db.session.expire_all()
    assert all(s.ended_at is not None for s in db.session.scalars(select(UserSession)))
    assert runner.invoke(args=["users", "set-password", "ingen"], env={"ASSESS_NEW_PASSWORD": "x" * 20}).exit_code == 1
