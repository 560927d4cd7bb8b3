"""Creating and editing cases, alternatives and modules through the forms."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from assess.extensions import db
from assess.models import Alternative, Assessment, AuditEvent, Case
from assess.rulesets import registry
from tests import factories
from tests.conftest import csrf_token, login_as


@pytest.fixture
def architect(client: FlaskClient, app: Flask) -> Any:
    user = factories.create_user("architect")
    db.session.commit()
    return login_as(client, user)


def test_create_case_then_alternative_starts_a_pinned_assessment(client: FlaskClient, architect: Any) -> None:
    token = csrf_token(client, "/arenden/ny")
    response = client.post(
        "/arenden/ny",
        data={
            "csrf_token": token,
            "title": "Nytt journalsystem",
            "need_statement": "Behov",
            "information_owner": "HSD",
        },
    )
    assert response.status_code == 302
    case = db.session.scalars(select(Case)).one()
    response = client.post(
        f"/arenden/{case.id}/alternativ/nytt",
        data={
            "csrf_token": token,
            "name": "E – Egen utveckling",
            "operating_model": "region_on_prem",
            "provider": "Regionen",
        },
    )
    assert response.status_code == 302
    alternative = db.session.scalars(select(Alternative)).one()
    (assessment,) = db.session.scalars(select(Assessment)).all()
    pin = registry().newest_pin()
    assert (assessment.scope, assessment.ruleset_id, assessment.ruleset_version, assessment.ruleset_sha256) == (
        "Hela alternativet",
        pin.id,
        pin.version,
        pin.sha256,
    )
    assert assessment.alternative_id == alternative.id
    html = client.get(f"/arenden/{case.id}").get_data(as_text=True)
    assert "E – Egen utveckling" in html
    assert "Hela alternativet" in html
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-4:] == ["case.create", "team.add", "alternative.create", "assessment.create"]


def test_new_module_with_duplicate_scope_is_refused_next_to_the_field(client: FlaskClient, architect: Any) -> None:
    alt = factories.create_alternative(factories.create_case())
    factories.create_assessment(alt, scope="Hela alternativet")
    db.session.commit()
    token = csrf_token(client, "/arenden")
    response = client.post(f"/alternativ/{alt.id}/moduler/ny", data={"csrf_token": token, "scope": "hela alternativet"})
    assert response.status_code == 400
    assert "Alternativet har redan en bedömning med omfattningen" in response.get_data(as_text=True)
    response = client.post(f"/alternativ/{alt.id}/moduler/ny", data={"csrf_token": token, "scope": "D4 – Bokning"})
    assert response.status_code == 302
    assert db.session.scalars(select(Assessment.scope).order_by(Assessment.id)).all() == [
        "Hela alternativet",
        "D4 – Bokning",
    ]


@pytest.mark.parametrize(
    ("url", "data", "message"),
    [
        ("/arenden/ny", {"title": ""}, "Ange ett namn på ärendet."),
        ("/arenden/ny", {"title": "x" * 201}, "Högst 200 tecken."),
        ("/arenden/ny", {"title": "T", "need_statement": "y" * 5001}, "Högst 5000 tecken."),
    ],
)
def test_case_form_garbage_names_the_field(
    client: FlaskClient, architect: Any, url: str, data: dict[str, str], message: str
) -> None:
    response = client.post(url, data={"csrf_token": csrf_token(client, "/arenden"), **data})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalars(select(Case)).all() == []


def test_alternative_with_forged_operating_model_is_refused(client: FlaskClient, architect: Any) -> None:
    case = factories.create_case()
    db.session.commit()
    response = client.post(
        f"/arenden/{case.id}/alternativ/nytt",
        data={"csrf_token": csrf_token(client, "/arenden"), "name": "X", "operating_model": "mainframe"},
    )
    assert response.status_code == 400
    assert "Välj ett av alternativen i listan." in response.get_data(as_text=True)
    assert db.session.scalars(select(Alternative)).all() == []


def test_editing_a_case_someone_else_saved_is_refused(client: FlaskClient, app: Flask, architect: Any) -> None:
    case = factories.create_case("Original")
    db.session.commit()
    token = csrf_token(client, "/arenden")
    page = client.get(f"/arenden/{case.id}/redigera").get_data(as_text=True)
    loaded_at = page.split('name="loaded_at" type="hidden" value="')[1].split('"')[0]
    other = app.test_client()
    login_as(other, factories.create_user("admin"))
    db.session.commit()
    assert (
        other.post(
            f"/arenden/{case.id}/redigera",
            data={"csrf_token": csrf_token(other, "/arenden"), "title": "Deras titel", "loaded_at": loaded_at},
        ).status_code
        == 302
    )
    response = client.post(
        f"/arenden/{case.id}/redigera", data={"csrf_token": token, "title": "Min titel", "loaded_at": loaded_at}
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Någon annan har sparat ärendet" in html
    assert 'value="Min titel"' in html
    db.session.expire_all()
    assert db.session.get(Case, case.id).title == "Deras titel"  # type: ignore[union-attr]
