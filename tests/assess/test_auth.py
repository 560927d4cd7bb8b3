"""Signing in and out: success, failure, throttling, CSRF, deactivated accounts."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select

from assess.extensions import db
from assess.models import AuditEvent
from tests import factories
from tests.conftest import csrf_token


def _login(client: FlaskClient, username: str, password: str, **extra: str) -> tuple[int, str, str | None]:
    token = csrf_token(client)
    response = client.post("/logga-in", data={"csrf_token": token, "username": username, "password": password, **extra})
    return response.status_code, response.get_data(as_text=True), response.headers.get("Location")


def test_login_page_is_swedish_and_has_labelled_fields(client: FlaskClient) -> None:
    html = client.get("/logga-in").get_data(as_text=True)
    assert '<html lang="sv">' in html
    assert '<label class="field__label" for="username">Användarnamn</label>' in html
    assert '<label class="field__label" for="password">Lösenord</label>' in html


def test_login_success_redirects_and_shows_user(client: FlaskClient, app: object) -> None:
    user = factories.create_user("architect", username="anna", display_name="Anna A")
    db.session.commit()
    status, _, location = _login(client, "anna", factories.PASSWORD)
    assert status == 302
    assert location == "/arenden"
    page = client.get("/arenden").get_data(as_text=True)
    assert "Anna A" in page
    assert "Arkitekt" in page
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.login")).all()
    assert [e.actor_id for e in events] == [user.id]


def test_login_failure_says_so_and_does_not_sign_in(client: FlaskClient, app: object) -> None:
    factories.create_user("architect", username="anna")
    db.session.commit()
    status, html, _ = _login(client, "anna", "wrong password!")
    assert status == 401
    assert "Fel användarnamn eller lösenord." in html
    assert client.get("/arenden").status_code == 302


def test_unknown_user_gets_the_same_message(client: FlaskClient) -> None:
    status, html, _ = _login(client, "nobody", "whatever-password")
    assert status == 401
    assert "Fel användarnamn eller lösenord." in html


def test_empty_form_names_each_field(client: FlaskClient) -> None:
    status, html, _ = _login(client, "", "")
    assert status == 400
    assert 'href="#username">Användarnamn: Ange ditt användarnamn.' in html
    assert 'href="#password">Lösenord: Ange ditt lösenord.' in html


def test_throttling_per_account_and_ip_with_a_clear_message(client: FlaskClient, app: object) -> None:
    factories.create_user("architect", username="anna")
    factories.create_user("viewer", username="bertil")
    db.session.commit()
    for _ in range(5):
        assert _login(client, "anna", "wrong password!")[0] == 401
    status, html, _ = _login(client, "anna", factories.PASSWORD)  # even the right password waits
    assert status == 429
    assert "För många misslyckade inloggningar för kontot" in html
    # Another account from the same address is not locked out.
    assert _login(client, "bertil", factories.PASSWORD)[0] == 302


def test_failures_from_one_address_slow_it_down_but_never_lock_out_another_account(
    app: object, client: FlaskClient
) -> None:
    from assess.services import users as user_service

    app.config["LOGIN_MAX_FAILURES_IP"] = 3  # type: ignore[attr-defined]
    app.config["LOGIN_SLOWDOWN_SECONDS"] = 0.0  # type: ignore[attr-defined]
    factories.create_user("admin", username="admin")
    db.session.commit()
    for name in ("a1", "a2", "a3", "a4", "a5"):  # someone guesses at many accounts from the region's address
        assert _login(client, name, "wrong password!")[0] == 401
    # The admin's right password from the same address is not refused because of other accounts' failures.
    other = app.test_client()  # type: ignore[attr-defined]
    assert _login(other, "admin", factories.PASSWORD)[0] == 302
    # Wrong passwords from that address are answered more slowly; another address is not slowed.
    limits = {"window": 900, "max_account_ip": 5, "max_account": 20, "max_ip": 3}
    assert user_service.begin_login("a6", "127.0.0.1", **limits).delay > 0
    assert user_service.begin_login("a6", "10.0.0.9", **limits).delay == 0


def test_login_without_csrf_token_is_refused(client: FlaskClient, app: object) -> None:
    factories.create_user("architect", username="anna")
    db.session.commit()
    response = client.post("/logga-in", data={"username": "anna", "password": factories.PASSWORD})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Inloggningssidan hade gått ut. Försök igen." in html
    assert 'value="anna"' in html  # the username is kept; the password is never sent back
    assert client.get("/arenden").status_code == 302


def test_deactivated_account_cannot_sign_in_and_loses_its_session(client: FlaskClient, app: object) -> None:
    from assess.services import users as user_service

    user = factories.create_user("architect", username="anna")
    db.session.commit()
    assert _login(client, "anna", factories.PASSWORD)[0] == 302
    user_service.deactivate_user(user)
    db.session.commit()
    assert client.get("/arenden").status_code == 302  # signed out
    assert _login(client, "anna", factories.PASSWORD)[0] == 401


def test_logout_needs_post_with_csrf(client: FlaskClient, app: object) -> None:
    factories.create_user("architect", username="anna")
    db.session.commit()
    _login(client, "anna", factories.PASSWORD)
    assert client.get("/logga-ut").status_code == 405
    assert client.post("/logga-ut").status_code == 400
    assert client.get("/arenden").status_code == 200
    token = csrf_token(client, "/arenden")
    assert client.post("/logga-ut", data={"csrf_token": token}).status_code == 302
    assert client.get("/arenden").status_code == 302


def test_next_parameter_only_redirects_inside_the_app(client: FlaskClient, app: object) -> None:
    factories.create_user("architect", username="anna")
    db.session.commit()
    token = csrf_token(client)
    response = client.post(
        "/logga-in?next=https://evil.example/x",
        data={"csrf_token": token, "username": "anna", "password": factories.PASSWORD},
    )
    assert response.headers["Location"] == "/arenden"


def test_passwords_are_argon2id_hashes(app: object) -> None:
    user = factories.create_user("viewer")
    assert user.password_hash.startswith("$argon2id$")
    assert factories.PASSWORD not in user.password_hash
