"""Account administration at /admin: only admins, every change audited, bad input gives field errors."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from assess.extensions import db
from assess.models import AuditEvent, User
from tests import factories
from tests.conftest import csrf_token, login_as


@pytest.fixture
def admin(client: FlaskClient, app: object) -> Any:
    user = factories.create_user("admin", username="adam", display_name="Adam Admin")
    db.session.commit()
    return login_as(client, user)


@pytest.mark.parametrize("role", ["architect", "reviewer", "decision_maker", "viewer"])
def test_only_admins_reach_the_administration(client: FlaskClient, login: Any, role: str) -> None:
    login(role)
    for path in ("/admin/konton", "/admin/konton/nytt", "/admin/gruppmappning", "/admin/konton/1"):
        assert client.get(path).status_code == 403, path
    assert "Administration" not in client.get("/arenden").get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient, app: object) -> None:
    response = client.get("/admin/konton")
    assert response.status_code == 302
    assert "/logga-in" in response.headers["Location"]


def test_the_list_is_searchable_and_paged(client: FlaskClient, admin: Any) -> None:
    for n in range(30):
        factories.create_user("viewer", username=f"person{n:02d}", display_name=f"Person {n:02d}")
    factories.create_user("architect", username="zelda", display_name="Zelda Zorn", email="zelda@region.example")
    db.session.commit()
    first = client.get("/admin/konton").get_data(as_text=True)
    assert "32 konton" in first
    assert "Sida 1 av 2" in first
    assert "Administration" in first  # the admin's menu link
    second = client.get("/admin/konton?sida=2").get_data(as_text=True)
    assert "Sida 2 av 2" in second
    assert "Zelda Zorn" in second
    found = client.get("/admin/konton?q=zelda@region").get_data(as_text=True)
    assert "1 konto" in found
    assert "Zelda Zorn" in found
    assert "Person 01" not in found
    assert "Aldrig" in found  # never signed in
    assert client.get("/admin/konton?sida=abc&q=%25_").status_code == 200
    factories.create_user("viewer", username="asa", display_name="Åsa Öberg", email="asa@region.example")
    db.session.commit()
    for typed in ("åsa", "ÅSA ÖBERG", "öberg"):
        found = client.get("/admin/konton", query_string={"q": typed}).get_data(as_text=True)
        assert "1 konto" in found, typed
        assert "Åsa Öberg" in found, typed


def test_create_a_local_account_with_roles(client: FlaskClient, admin: Any) -> None:
    token = csrf_token(client, "/admin/konton/nytt")
    response = client.post(
        "/admin/konton/nytt",
        data={
            "csrf_token": token,
            "username": "greta",
            "display_name": "Greta Granskare",
            "email": "greta@region.example",
            "password": "lagom lång fras om molnet och havet",
            "roles": ["reviewer"],
            "areas": ["legal", "infosec"],
        },
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Greta Granskare" in page
    assert "Lokalt konto" in page
    greta = db.session.scalar(db.select(User).where(User.username == "greta"))
    assert greta is not None
    assert {a.value for a in greta.review_areas} == {"legal", "infosec"}
    event = db.session.scalar(
        db.select(AuditEvent).where(AuditEvent.action == "user.create", AuditEvent.entity_id == greta.id)
    )
    assert event is not None
    assert event.actor_name == "Adam Admin"


def test_bad_input_gives_field_errors_and_never_a_500(client: FlaskClient, admin: Any) -> None:
    token = csrf_token(client, "/admin/konton/nytt")
    response = client.post(
        "/admin/konton/nytt",
        data={
            "csrf_token": token,
            "username": "Ä B",
            "display_name": "",
            "email": "not-an-address",
            "password": "kort",
            "roles": ["emperor"],
        },
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Ange personens namn." in html
    assert "Ange en giltig e-postadress." in html
    assert "Okänt val." in html
    response = client.post(
        "/admin/konton/nytt",
        data={
            "csrf_token": token,
            "username": "Ä B",
            "display_name": "X",
            "password": "kort",
            "roles": ["architect"],
        },
    )
    assert response.status_code == 400
    assert "Användarnamnet får bara innehålla" in response.get_data(as_text=True)
    assert client.post("/admin/konton/nytt", data={"username": "x"}).status_code == 400  # no CSRF token
    assert client.get("/admin/konton/99999").status_code == 404
    assert db.session.scalar(db.select(db.func.count(User.id))) == 1


def test_granting_admin_is_audited_with_who_granted_it(client: FlaskClient, admin: Any) -> None:
    other = factories.create_user("architect", username="hugo", display_name="Hugo Holm")
    db.session.commit()
    token = csrf_token(client, f"/admin/konton/{other.id}")
    response = client.post(f"/admin/konton/{other.id}", data={"csrf_token": token, "roles": ["architect", "admin"]})
    assert response.status_code == 302
    page = client.get(f"/admin/konton/{other.id}").get_data(as_text=True)
    assert "gav administratörsrollen" in page
    assert "Adam Admin" in page
    db.session.expire_all()
    assert {r.value for r in db.session.get(User, other.id).roles} == {"architect", "admin"}
    # A reviewer without an area is a field error, not a 500.
    response = client.post(f"/admin/konton/{other.id}", data={"csrf_token": token, "roles": ["reviewer"]})
    assert response.status_code == 400
    assert "En granskare behöver minst ett granskningsområde." in response.get_data(as_text=True)


def test_an_admin_cannot_lock_themselves_out(client: FlaskClient, admin: Any) -> None:
    token = csrf_token(client, f"/admin/konton/{admin.id}")
    response = client.post(f"/admin/konton/{admin.id}", data={"csrf_token": token, "roles": ["viewer"]})
    assert response.status_code == 400
    assert "Du kan inte ta bort administratörsrollen från dig själv." in response.get_data(as_text=True)
    response = client.post(f"/admin/konton/{admin.id}/avaktivera", data={"csrf_token": token}, follow_redirects=True)
    assert "Du kan inte avaktivera ditt eget konto." in response.get_data(as_text=True)
    assert client.get("/admin/konton").status_code == 200


def test_deactivating_ends_the_users_sessions(client: FlaskClient, admin: Any, app: Any) -> None:
    ivar = factories.create_user("architect", username="ivar", display_name="Ivar Ist")
    db.session.commit()
    theirs = app.test_client()
    login_as(theirs, ivar)
    assert theirs.get("/arenden").status_code == 200
    token = csrf_token(client, f"/admin/konton/{ivar.id}")
    response = client.post(f"/admin/konton/{ivar.id}/avaktivera", data={"csrf_token": token}, follow_redirects=True)
    assert "Ivar Ist är avaktiverad och utloggad överallt." in response.get_data(as_text=True)
    assert theirs.get("/arenden").status_code == 302  # signed out at once
    assert "Avaktiverat" in client.get(f"/admin/konton/{ivar.id}").get_data(as_text=True)
    response = client.post(f"/admin/konton/{ivar.id}/aktivera", data={"csrf_token": token}, follow_redirects=True)
    assert "Ivar Ist kan logga in igen." in response.get_data(as_text=True)
    actions = list(
        db.session.scalars(db.select(AuditEvent.action).where(AuditEvent.entity_id == ivar.id).order_by(AuditEvent.seq))
    )
    assert actions[-2:] == ["user.deactivate", "user.activate"]


def test_last_sign_in_is_shown(client: FlaskClient, admin: Any, app: Any) -> None:
    factories.create_user("viewer", username="jonna", display_name="Jonna Jul")
    db.session.commit()
    theirs = app.test_client()
    token = csrf_token(theirs)
    theirs.post("/logga-in", data={"csrf_token": token, "username": "jonna", "password": factories.PASSWORD})
    jonna = db.session.scalar(db.select(User).where(User.username == "jonna"))
    db.session.refresh(jonna)
    assert jonna.last_login_at is not None
    listed = client.get("/admin/konton?q=jonna").get_data(as_text=True)
    assert "Aldrig" not in listed


def test_the_group_mapping_is_shown_read_only(client: FlaskClient, admin: Any, app: Any, tmp_path: Any) -> None:
    from tests.oidc.harness import write_mapping

    app.config["OIDC_GROUP_MAPPING_FILE"] = str(write_mapping(tmp_path))
    html = client.get("/admin/gruppmappning").get_data(as_text=True)
    assert "molnbedomning-granskare-juridik" in html
    assert "Granskare (juridik)" in html
    assert "Molnbedömning – arkitekter" in html
    assert '<form method="post"' not in html.split("<main", 1)[1].split("</main>")[0]
