"""Sign-in through the region's identity provider: a real OpenID provider over HTTP, the app's own checks.

The app talks to Node's oidc-provider (and, for tokens with defects, to a small test-only issuer) over real
HTTP with Authlib; the browser's part is played by ``requests`` here and by Chromium in tests/browser/test_oidc.py.
"""

from __future__ import annotations

import itertools
import logging
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from assess.config import ConfigError
from assess.extensions import db
from assess.models import AuditEvent, User
from assess.services import identity
from tests import factories
from tests.conftest import csrf_token, make_app
from tests.oidc import harness
from tests.oidc.harness import FakeIssuer, NodeProvider, write_mapping

start_provider = harness.start_provider  # fixtures
fake_issuer = harness.fake_issuer

APP_URL = "http://localhost"  # the test client's address: the redirect URI registered at the provider
LOGIN_FORM = re.compile(r'<form[^>]*action="([^"]+)"[^>]*method="post"', re.S)


@pytest.fixture
def make_oidc_app(migrated_template: Path, tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """Return a function that creates an app on a fresh database with the given settings."""
    apps: list[Flask] = []
    numbers = itertools.count()

    def _make(**config: Any) -> Flask:
        folder = tmp_path / f"app-{next(numbers)}"
        folder.mkdir()
        shutil.copy(migrated_template, folder / "assess.sqlite3")
        app = make_app(folder / "assess.sqlite3", folder, **config)
        apps.append(app)
        return app

    yield _make
    for app in apps:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def provider(start_provider: Callable[[str], NodeProvider]) -> NodeProvider:
    return start_provider(APP_URL)


@pytest.fixture
def oidc_app(provider: NodeProvider, make_oidc_app: Callable[..., Flask], tmp_path: Path) -> Flask:
    return make_oidc_app(**provider.app_config(write_mapping(tmp_path)))


def begin(client: FlaskClient, next_path: str | None = None) -> str:
    """Press the region's button; return where the app sends the browser (the provider's authorization URL)."""
    token = csrf_token(client, "/logga-in")
    path = "/inloggning/oidc" + (f"?next={next_path}" if next_path else "")
    response = client.post(path, data={"csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def at_provider(browser: requests.Session, url: str, login: str | None) -> str:
    """Play the browser at the provider (its login page when asked) until it sends us back to the app."""
    for _ in range(12):
        response = browser.get(url, allow_redirects=False, timeout=10)
        while response.status_code == 200 and login is not None:
            match = LOGIN_FORM.search(response.text)
            assert match, response.text[:500]
            action = urljoin(url, match.group(1))
            response = browser.post(
                action, data={"prompt": "login", "login": login, "password": "any"}, allow_redirects=False, timeout=10
            )
            url = action
        assert response.status_code in (302, 303), (response.status_code, response.text[:500])
        url = urljoin(url, response.headers["Location"])
        if url.startswith(APP_URL + "/"):
            return url
    raise AssertionError("the provider never sent the browser back")


def sign_in(client: FlaskClient, browser: requests.Session, login: str | None) -> Any:
    """Sign in through the provider; return the app's answer to the callback."""
    back = at_provider(browser, begin(client), login)
    parts = urlsplit(back)
    return client.get(parts.path + "?" + parts.query)


def user_by_name(name: str) -> User:
    user = db.session.scalar(db.select(User).where(User.display_name == name))
    assert user is not None, name
    return user


# --- the group mapping ----------------------------------------------------------------------------------------


def test_mapping_file_errors_are_listed_all_at_once() -> None:
    text = """
groups:
  - group: a
    roles: [architekt]
  - group: a
    roles: [architect]
    areas: [legal]
  - group: r
    roles: [reviewer]
"""
    with pytest.raises(identity.MappingError) as caught:
        identity.parse_group_mapping(text, "groups.yaml")
    message = str(caught.value)
    assert "groups.yaml: groups[0]: roles: unknown 'architekt'" in message
    assert "groups[1]: group 'a' is listed twice" in message
    assert "groups[1]: areas are only for the reviewer role" in message
    assert "groups[2]: a reviewer needs areas" in message


def test_mapping_gives_the_union_of_the_groups_roles() -> None:
    mapping = identity.parse_group_mapping(write_mapping_text())
    roles, areas, matched = mapping.grants(["molnbedomning-arkitekter", "molnbedomning-granskare-juridik", "other"])
    assert [r.value for r in roles] == ["architect", "reviewer"]
    assert [a.value for a in areas] == ["legal"]
    assert matched == ["molnbedomning-arkitekter", "molnbedomning-granskare-juridik"]
    assert mapping.grants(["other"])[0] == []


def write_mapping_text() -> str:
    from tests.oidc.harness import MAPPING

    return MAPPING


def test_settings_that_cannot_work_stop_start_up(make_oidc_app: Callable[..., Flask], tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="ASSESS_OIDC_CLIENT_ID"):
        make_oidc_app(OIDC_ISSUER="https://idp.region.example")
    with pytest.raises(ConfigError, match="ASSESS_LOCAL_LOGIN=false"):
        make_oidc_app(LOCAL_LOGIN="false")
    with pytest.raises(ConfigError, match="https"):
        make_oidc_app(OIDC_ISSUER="http://idp.region.example", OIDC_CLIENT_ID="x", OIDC_CLIENT_SECRET="y")
    bad = tmp_path / "bad.yaml"
    bad.write_text("groups:\n  - group: g\n    roles: [boss]\n")
    with pytest.raises(ConfigError, match="unknown 'boss'"):
        make_oidc_app(
            OIDC_ISSUER="https://idp.region.example",
            OIDC_CLIENT_ID="x",
            OIDC_CLIENT_SECRET="y",
            OIDC_GROUP_MAPPING_FILE=str(bad),
        )
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    app = make_oidc_app(
        OIDC_ISSUER="https://idp.region.example/",
        OIDC_CLIENT_ID="x",
        OIDC_CLIENT_SECRET_FILE=str(secret),
        OIDC_GROUP_MAPPING_FILE=str(write_mapping(tmp_path)),
        LOCAL_LOGIN="false",
        EMERGENCY_ADMINS="Nod-Admin, other",
    )
    assert app.config["OIDC_CLIENT_SECRET"] == "from-a-file"
    assert app.config["OIDC_ISSUER"] == "https://idp.region.example"
    assert app.config["LOCAL_LOGIN"] is False
    assert app.config["EMERGENCY_ADMINS"] == ("nod-admin", "other")


# --- against the real provider --------------------------------------------------------------------------------


def test_first_sign_in_creates_the_account_with_its_mapped_roles(oidc_app: Flask, provider: NodeProvider) -> None:
    provider.set_person(
        "anna", name="Anna Andersson", groups=["molnbedomning-arkitekter", "molnbedomning-granskare-juridik"]
    )
    client = oidc_app.test_client()
    with oidc_app.app_context():
        authorize = begin(client, "/mina-uppgifter")
        query = parse_qs(urlsplit(authorize).query)
        assert authorize.startswith(provider.issuer + "/auth?")  # found by discovery
        assert query["code_challenge_method"] == ["S256"]
        assert query["code_challenge"][0]
        assert query["nonce"][0]
        assert query["state"][0]
        assert query["redirect_uri"] == [APP_URL + "/inloggning/oidc/callback"]
        back = at_provider(requests.Session(), authorize, "anna")
        parts = urlsplit(back)
        response = client.get(parts.path + "?" + parts.query)
        assert response.status_code == 302
        assert response.headers["Location"] == "/mina-uppgifter"
        page = client.get("/arenden").get_data(as_text=True)
        assert "Anna Andersson" in page
        user = user_by_name("Anna Andersson")
        assert (user.oidc_issuer, user.oidc_subject) == (provider.issuer, "anna")
        assert user.email == "anna@region.example"
        assert {r.value for r in user.roles} == {"architect", "reviewer"}
        assert {a.value for a in user.review_areas} == {"legal"}
        assert user.last_login_at is not None
        actions = set(db.session.scalars(db.select(AuditEvent.action).where(AuditEvent.entity_id == user.id)))
        assert {"user.create_from_idp", "user.roles_from_groups", "user.login"} <= actions


def test_a_changed_group_changes_the_roles_at_the_next_sign_in(oidc_app: Flask, provider: NodeProvider) -> None:
    provider.set_person("bo", name="Bo Berg", groups=["molnbedomning-arkitekter"])
    with oidc_app.app_context():
        first = oidc_app.test_client()
        assert sign_in(first, requests.Session(), "bo").status_code == 302
        assert first.get("/arenden").status_code == 200
        provider.set_person("bo", name="Bo Berg-Ek", email="bo.ek@region.example", groups=["molnbedomning-admin"])
        second = oidc_app.test_client()
        assert sign_in(second, requests.Session(), "bo").status_code == 302
        db.session.expire_all()
        users = list(db.session.scalars(db.select(User).where(User.oidc_subject == "bo")))
        assert len(users) == 1  # the same account, by (issuer, sub)
        (user,) = users
        assert (user.display_name, user.email) == ("Bo Berg-Ek", "bo.ek@region.example")
        assert {r.value for r in user.roles} == {"admin"}
        assert second.get("/admin/konton").status_code == 200
        # The session from before the change has ended: its roles are not the account's any more.
        assert first.get("/arenden").status_code == 302


def test_groups_that_give_no_role_get_a_page_saying_whom_to_ask_and_no_session(
    oidc_app: Flask, provider: NodeProvider
) -> None:
    provider.set_person("cissi", name="Cissi Ceder", groups=["ekonomi"])
    client = oidc_app.test_client()
    with oidc_app.app_context():
        response = sign_in(client, requests.Session(), "cissi")
        assert response.status_code == 403
        html = response.get_data(as_text=True)
        assert "ingen av dina grupper ger någon roll i Molnbedömning" in html
        assert "Regionens IT-servicedesk, telefon 010-100 00 00" in html
        assert client.get("/arenden").status_code == 302  # not signed in: no data
        user = user_by_name("Cissi Ceder")
        assert user.roles == set()  # the account exists, so an admin can find it


def test_accounts_are_matched_by_issuer_and_subject_never_by_email(oidc_app: Flask, provider: NodeProvider) -> None:
    with oidc_app.app_context():
        local = factories.create_user("admin", username="dora", display_name="Dora Lokal", email="dora@region.example")
        db.session.commit()
        provider.set_person(
            "dora", name="Dora Region", email="dora@region.example", groups=["molnbedomning-arkitekter"]
        )
        client = oidc_app.test_client()
        assert sign_in(client, requests.Session(), "dora").status_code == 302
        db.session.expire_all()
        region = user_by_name("Dora Region")
        assert region.id != local.id
        assert region.username != "dora"
        assert {r.value for r in region.roles} == {"architect"}  # not the local admin's roles
        assert {r.value for r in db.session.get(User, local.id).roles} == {"admin"}


def test_sign_out_ends_the_session_here_and_at_the_provider(oidc_app: Flask, provider: NodeProvider) -> None:
    provider.set_person("erik", name="Erik Ek", groups=["molnbedomning-arkitekter"])
    client = oidc_app.test_client()
    browser = requests.Session()
    with oidc_app.app_context():
        assert sign_in(client, browser, "erik").status_code == 302
        token = csrf_token(client, "/arenden")
        response = client.post("/logga-ut", data={"csrf_token": token})
        assert response.status_code == 302
        end = response.headers["Location"]
        assert end.startswith(provider.issuer + "/session/end?")
        assert "id_token_hint=" in end
        assert client.get("/arenden").status_code == 302  # signed out here already
        page = browser.get(end, timeout=10)
        assert "Do you want to sign out" in page.text
        form = re.search(r'<form[^>]*action="([^"]+)"', page.text)
        xsrf = re.search(r'name="xsrf" value="([^"]+)"', page.text)
        assert form
        assert xsrf
        done = browser.post(
            urljoin(end, form.group(1)), data={"xsrf": xsrf.group(1), "logout": "yes"}, allow_redirects=False
        )
        back = urljoin(end, done.headers["Location"])
        assert back.startswith(APP_URL + "/utloggad?")
        parts = urlsplit(back)
        landing = client.get(parts.path + "?" + parts.query, follow_redirects=True).get_data(as_text=True)
        assert "Du är utloggad, även från regionens inloggning." in landing
        # The provider asks for the login again: its session has ended too.
        again = browser.get(begin(client), allow_redirects=True, timeout=10)
        assert LOGIN_FORM.search(again.text)
        assert 'name="login"' in again.text


def test_local_sign_in_can_be_switched_off_except_for_emergency_admins(
    provider: NodeProvider, make_oidc_app: Callable[..., Flask], tmp_path: Path
) -> None:
    app = make_oidc_app(**provider.app_config(write_mapping(tmp_path)), LOCAL_LOGIN=False, EMERGENCY_ADMINS="nodadmin")
    client = app.test_client()
    with app.app_context():
        factories.create_user("architect", username="arkitekt")
        factories.create_user("admin", username="nodadmin")
        db.session.commit()
        html = client.get("/logga-in").get_data(as_text=True)
        assert html.index("Logga in med regionens konto") < html.index("Nödinloggning för utsedda administratörer")
        token = csrf_token(client)
        refused = client.post(
            "/logga-in", data={"csrf_token": token, "username": "arkitekt", "password": factories.PASSWORD}
        )
        assert refused.status_code == 403
        assert "Inloggning med lösenord är avstängd" in refused.get_data(as_text=True)
        allowed = client.post(
            "/logga-in", data={"csrf_token": token, "username": "nodadmin", "password": factories.PASSWORD}
        )
        assert allowed.status_code == 302
        assert client.get("/admin/konton").status_code == 200


# --- tokens the app must refuse (test-only issuer) ---------------------------------------------------------------


def _fake_sign_in(app: Flask, issuer: FakeIssuer) -> Any:
    client = app.test_client()
    authorize = begin(client)
    assert authorize.startswith(issuer.url + "/authorize?")
    back = requests.get(authorize, allow_redirects=False, timeout=10).headers["Location"]
    parts = urlsplit(back)
    return client, client.get(parts.path + "?" + parts.query)


@pytest.fixture
def fake_app(fake_issuer: FakeIssuer, make_oidc_app: Callable[..., Flask], tmp_path: Path) -> Flask:
    return make_oidc_app(**fake_issuer.app_config(write_mapping(tmp_path)), OIDC_CLOCK_SKEW_SECONDS=60)


def test_a_correct_token_from_the_test_issuer_is_taken(fake_app: Flask, fake_issuer: FakeIssuer) -> None:
    fake_issuer.clock_offset = 40  # the provider's clock is 40 s ahead: within the allowed skew
    with fake_app.app_context():
        client, response = _fake_sign_in(fake_app, fake_issuer)
        assert response.status_code == 302
        assert client.get("/arenden").status_code == 200
        assert len(fake_issuer.seen_verifiers) == 1  # PKCE: the verifier matched the challenge
        assert {r.value for r in user_by_name("Fia Fejk").roles} == {"architect"}


@pytest.mark.parametrize("defect", ["signature", "audience", "nonce", "issuer", "expired"])
def test_a_token_with_a_defect_is_refused(
    fake_app: Flask,
    fake_issuer: FakeIssuer,
    defect: str,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_issuer.defect = defect
    # Alembic's logging set-up (the migrated template) disables the loggers that existed before it ran.
    monkeypatch.setattr(logging.getLogger("assess.views.oidc"), "disabled", False)
    with fake_app.app_context(), caplog.at_level(logging.INFO):
        client, response = _fake_sign_in(fake_app, fake_issuer)
        assert response.status_code == 400
        assert "Svaret från regionens inloggning kunde inte godtas" in response.get_data(as_text=True)
        assert client.get("/arenden").status_code == 302
        assert db.session.scalar(db.select(User).where(User.oidc_subject.is_not(None))) is None
    assert "oidc sign-in refused" in caplog.text
    assert fake_issuer.client_secret not in caplog.text


def test_a_callback_with_a_foreign_state_is_refused(fake_app: Flask, fake_issuer: FakeIssuer) -> None:
    with fake_app.app_context():
        client = fake_app.test_client()
        authorize = begin(client)
        back = requests.get(authorize.replace("state=", "state=x"), allow_redirects=False, timeout=10)
        parts = urlsplit(back.headers["Location"])
        response = client.get(parts.path + "?" + parts.query)
        assert response.status_code == 400
        assert client.get("/arenden").status_code == 302


def test_an_unreachable_provider_gives_a_clear_page(make_oidc_app: Callable[..., Flask], tmp_path: Path) -> None:
    app = make_oidc_app(
        OIDC_ISSUER="http://127.0.0.1:9",
        OIDC_CLIENT_ID="x",
        OIDC_CLIENT_SECRET="y",
        OIDC_TIMEOUT=2,
        OIDC_GROUP_MAPPING_FILE=str(write_mapping(tmp_path)),
    )
    client = app.test_client()
    with app.app_context():
        token = csrf_token(client)
        response = client.post("/inloggning/oidc", data={"csrf_token": token})
        assert response.status_code == 503
        assert "Regionens inloggning svarar inte just nu" in response.get_data(as_text=True)
