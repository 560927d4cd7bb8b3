"""Issue 9, finding by finding: saves, restored pages, expired sessions, bad input, sessions, throttling, hardening.

Each test reproduces what was found (the lost update through a no-change autosave, the 500s, the cookie that
outlived its sign-out, ...) and asserts what a user or an operator would notice now.
"""

from __future__ import annotations

import logging
import socket
import stat
import threading
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from assess.extensions import db
from assess.models import Answer, AuditEvent, LoginAttempt, User
from tests import factories
from tests.assess.helpers import answers_snapshot, load_demo, page_form
from tests.conftest import csrf_token, login_as

AUTOSAVE = "/bedomningar/{id}/autospara?steg=context"
FETCH = {"X-Requested-With": "fetch", "Accept": "application/json"}


@pytest.fixture
def demo(app: Flask) -> dict[str, int]:
    return load_demo(app)


def _architect(app: Flask, name: str) -> tuple[FlaskClient, Any]:
    user = factories.create_user("architect", display_name=name)
    db.session.commit()
    client = app.test_client()
    login_as(client, user)
    return client, user


def _page(client: FlaskClient, assessment_id: int) -> dict[str, Any]:
    return page_form(client, f"/bedomningar/{assessment_id}?steg=context")


def _autosave(client: FlaskClient, assessment_id: int, form: dict[str, Any]) -> Any:
    return client.post(AUTOSAVE.format(id=assessment_id), data=form, headers=FETCH)


def _adopt(form: dict[str, Any], response: Any) -> None:
    """Do what the page's script does with a save's answer: take the fingerprints, and the version if given."""
    data = response.get_json()
    form["base_digest"] = data["digest"]
    if data["version"] is not None:
        form["base_version"] = str(data["version"])


def _stored(assessment_id: int) -> dict[str, tuple[Any, ...]]:
    return {row[0]: row for row in answers_snapshot(assessment_id)}


# --- 1. the silent lost update through a no-change autosave ---------------------------------------------------


def test_a_no_change_autosave_on_a_stale_page_never_makes_it_revert_what_someone_else_saved(
    app: Flask, demo: dict[str, int]
) -> None:
    d2 = demo["D2"]
    x, _ = _architect(app, "Xena X")
    y, _ = _architect(app, "Yngve Y")
    x_form = _page(x, d2)  # X opens the step
    y_form = _page(y, d2)
    y_form["q_G-05"] = "unknown"  # Y changes G-05 and saves
    assert _autosave(y, d2, y_form).status_code == 200
    response = _autosave(x, d2, x_form)  # X's page autosaves with nothing changed
    assert response.status_code == 200
    data = response.get_json()
    assert data["changed"] == []
    assert data["version"] is None  # X's page still shows the old G-05: it must not take the new version
    assert data["stale"] == ["G-05"]
    assert "Yngve Y" in data["stale_html"]  # and the page is told who changed what
    _adopt(x_form, response)
    x_form["q_G-10_motivation"] = "Xenas motivering"  # X edits only G-10's motivation
    response = _autosave(x, d2, x_form)
    assert response.status_code == 200
    assert response.get_json()["changed"] == ["G-10"]  # not G-05
    stored = _stored(d2)
    assert stored["G-05"][1] == "unknown"  # Y's answer stands
    assert stored["G-10"][3] == "Xenas motivering"


def test_changing_the_question_someone_else_changed_is_a_conflict_that_names_them(
    app: Flask, demo: dict[str, int]
) -> None:
    d2 = demo["D2"]
    x, _ = _architect(app, "Xena X")
    y, _ = _architect(app, "Yngve Y")
    x_form, y_form = _page(x, d2), _page(y, d2)
    y_form["q_G-05"] = "unknown"
    assert _autosave(y, d2, y_form).status_code == 200
    x_form["q_G-05_motivation"] = "Xena ändrar också G-05"
    response = _autosave(x, d2, x_form)
    assert response.status_code == 409
    data = response.get_json()
    assert data["reason"] == "conflict"
    assert set(data["conflicts"]) == {"G-05"}
    assert "Någon annan har ändrat samma fråga" in data["conflict_html"]
    assert "Yngve Y" in data["conflict_html"]
    assert _stored(d2)["G-05"][1] == "unknown"  # nothing written
    # Keeping her value deliberately: the page starts from the stored fingerprint the conflict named.
    digests = dict(part.split(":") for part in x_form["base_digest"].split(";"))
    digests.update(data["conflicts"])
    x_form["base_digest"] = ";".join(f"{k}:{v}" for k, v in sorted(digests.items()))
    assert _autosave(x, d2, x_form).status_code == 200
    assert _stored(d2)["G-05"][3] == "Xena ändrar också G-05"


def test_the_same_user_in_two_tabs_is_told_so(app: Flask, demo: dict[str, int]) -> None:
    d2 = demo["D2"]
    client, _ = _architect(app, "Xena X")
    tab1, tab2 = _page(client, d2), _page(client, d2)
    tab1["q_G-03"] = "Från flik 1"
    assert _autosave(client, d2, tab1).status_code == 200
    tab2["q_G-03"] = "Från flik 2"
    response = _autosave(client, d2, tab2)
    assert response.status_code == 409
    assert "Du har själv ändrat samma fråga i en annan flik" in response.get_json()["conflict_html"]


def test_an_edit_post_without_its_loaded_at_is_refused_instead_of_skipping_the_stale_check(
    app: Flask, client: FlaskClient
) -> None:
    login_as(client, factories.create_user("architect"))
    case = factories.create_case(title="Ursprunglig titel")
    db.session.commit()
    token = csrf_token(client, f"/arenden/{case.id}/redigera")
    response = client.post(f"/arenden/{case.id}/redigera", data={"csrf_token": token, "title": "Ny titel"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Ladda om sidan" in html
    assert 'value="Ny titel"' in html  # what was typed is still in the form
    db.session.expire_all()
    assert case.title == "Ursprunglig titel"


# --- 2. restored pages ----------------------------------------------------------------------------------------


def test_every_page_forbids_caching_so_back_never_shows_an_old_form(app: Flask, demo: dict[str, int]) -> None:
    client, _ = _architect(app, "Xena X")
    for url in (f"/bedomningar/{demo['D2']}?steg=context", "/arenden", "/mina-uppgifter", "/logga-in"):
        assert client.get(url).headers.get("Cache-Control") == "no-store", url
    with client.get("/static/style.css") as static:
        assert "no-store" not in (static.headers.get("Cache-Control") or "")


# --- 3. an expired session loses nothing ----------------------------------------------------------------------


def _end_sessions(user: Any) -> None:
    from assess.services import sessions

    sessions.end_user_sessions(user.id, "test")
    db.session.commit()


def test_an_autosave_after_the_session_ended_says_sign_in_again_and_hands_a_fresh_token(
    app: Flask, demo: dict[str, int]
) -> None:
    d2 = demo["D2"]
    client, user = _architect(app, "Xena X")
    form = _page(client, d2)
    _end_sessions(user)
    form["q_G-03"] = "Skrivet när sessionen gått ut"
    before = answers_snapshot(d2)
    response = _autosave(client, d2, form)
    assert response.status_code == 401
    data = response.get_json()
    assert data["reason"] == "signed_out"
    assert data["csrf_token"]
    assert data["csrf_token"] != form["csrf_token"]
    assert answers_snapshot(d2) == before
    # Signing in again from the page (JSON), then the same save goes through.
    signin = client.post(
        "/logga-in",
        data={"csrf_token": data["csrf_token"], "username": user.username, "password": factories.PASSWORD},
        headers=FETCH,
    )
    assert signin.status_code == 200
    again = signin.get_json()
    assert again["ok"] is True
    assert again["user_id"] == user.id
    form["csrf_token"] = again["csrf_token"]
    assert _autosave(client, d2, form).status_code == 200
    assert _stored(d2)["G-03"][1] == "Skrivet när sessionen gått ut"


def test_a_full_save_after_the_session_ended_keeps_the_text_and_saves_after_signing_in(
    app: Flask, demo: dict[str, int]
) -> None:
    d2 = demo["D2"]
    client, user = _architect(app, "Xena X")
    form = _page(client, d2)
    _end_sessions(user)
    form["q_G-03"] = "Mitt ändamål <som inte får försvinna>"
    response = client.post(f"/bedomningar/{d2}?steg=context", data=form)
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert "Logga in igen" in html
    assert "Mitt ändamål &lt;som inte får försvinna&gt;" in html  # shown, escaped
    assert 'name="resume:q_G-03" value="Mitt ändamål &lt;som inte får försvinna&gt;"' in html
    carried = {k: v for k, v in form.items() if k != "csrf_token"}
    token = csrf_token(client, "/logga-in")
    resumed = client.post(
        "/logga-in/fortsatt",
        data={
            "csrf_token": token,
            "username": user.username,
            "password": factories.PASSWORD,
            "resume_target": f"/bedomningar/{d2}?steg=context",
            **{f"resume:{k}": v for k, v in carried.items()},
        },
    )
    assert resumed.status_code == 200
    page = resumed.get_data(as_text=True)
    assert "Du är inloggad igen" in page
    assert f'action="/bedomningar/{d2}?steg=context"' in page
    # The page sends the kept post back, with a fresh token, through the usual save.
    fresh = csrf_token(client, "/arenden")
    assert client.post(f"/bedomningar/{d2}?steg=context", data={**carried, "csrf_token": fresh}).status_code == 302
    assert _stored(d2)["G-03"][1] == "Mitt ändamål <som inte får försvinna>"


def test_a_resumed_form_never_carries_a_password(app: Flask) -> None:
    client = app.test_client()
    response = client.post("/konto/losenord", data={"current_password": "hemlig-gammal", "new_password": "x"})
    assert response.status_code == 401
    assert "hemlig-gammal" not in response.get_data(as_text=True)


# --- 4. bad input never gives a 500 ---------------------------------------------------------------------------


def test_two_first_answers_to_one_question_at_the_same_moment_are_a_conflict_or_a_merge_never_a_500(
    app: Flask, demo: dict[str, int]
) -> None:
    d1 = demo["D1"]
    db.session.execute(text("DELETE FROM answers WHERE assessment_id = :id AND question_id = 'G-03'"), {"id": d1})
    db.session.commit()
    clients = [_architect(app, f"Arkitekt {n}")[0] for n in range(8)]
    forms = [_page(c, d1) for c in clients]
    for n, form in enumerate(forms):
        form["q_G-03"] = f"Första svaret från {n}"
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def post(client: FlaskClient, form: dict[str, Any]) -> None:
        barrier.wait()
        statuses.append(_autosave(client, d1, form).status_code)

    threads = [threading.Thread(target=post, args=pair) for pair in zip(clients, forms, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(set(statuses)) in ([200, 409], [200])
    assert statuses.count(200) == 1  # one first answer is stored; the others are told, none overwrites it
    db.session.expire_all()
    rows = db.session.scalars(select(Answer).where(Answer.assessment_id == d1, Answer.question_id == "G-03")).all()
    assert len(rows) == 1
    assert rows[0].value.startswith("Första svaret från ")


@pytest.mark.parametrize("bad_id", ["2147483648", "99999999999999999999", "0", "1" * 400])
def test_ids_out_of_range_are_404_on_every_route_that_takes_one(app: Flask, bad_id: str) -> None:
    client = app.test_client()
    login_as(client, factories.create_user("admin"))
    token = csrf_token(client, "/arenden")
    routes = [r for r in app.url_map.iter_rules() if r.arguments and r.endpoint != "static"]
    assert len(routes) > 10
    for rule in routes:
        url = rule.rule
        for argument in rule.arguments:
            url = url.replace(f"<int:{argument}>", bad_id)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, data={"csrf_token": token} if method == "POST" else None)
            assert response.status_code == 404, (method, url, response.status_code)


def test_control_characters_in_text_are_removed_not_stored_and_never_a_500(app: Flask, demo: dict[str, int]) -> None:
    d2 = demo["D2"]
    client, _ = _architect(app, "Xena X")
    form = _page(client, d2)
    form["q_G-03"] = "Noll\x00byte och \x1b[31mfärg\x7f\nny rad\tflik"
    assert client.post(f"/bedomningar/{d2}?steg=context", data=form).status_code == 302
    assert _stored(d2)["G-03"][1] == "Nollbyte och [31mfärg\nny rad\tflik"


@pytest.mark.parametrize(
    "target",
    [
        "/arenden\r\nSet-Cookie: x=1",
        "//evil.example/",
        "/\\evil.example",
        "https://evil.example/",
        "/\x00/evil.example",
    ],
)
def test_a_valid_sign_in_with_a_bad_next_goes_to_a_safe_page(app: Flask, client: FlaskClient, target: str) -> None:
    factories.create_user("architect", username="anna")
    db.session.commit()
    token = csrf_token(client)
    response = client.post(
        "/logga-in",
        query_string={"next": target},
        data={"csrf_token": token, "username": "anna", "password": factories.PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/arenden"


def test_a_good_next_is_followed(app: Flask, client: FlaskClient) -> None:
    factories.create_user("architect", username="anna")
    db.session.commit()
    token = csrf_token(client)
    response = client.post(
        "/logga-in?next=/mina-uppgifter",
        data={"csrf_token": token, "username": "anna", "password": factories.PASSWORD},
    )
    assert response.headers["Location"] == "/mina-uppgifter"


def _serve(app: Flask) -> tuple[Any, int]:
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_port


def _raw(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(request)
        chunks = []
        while True:
            try:
                piece = conn.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not piece:
                break
            chunks.append(piece)
    return b"".join(chunks)


def _chunked(path: str, body: bytes) -> bytes:
    parts = b"".join(b"%x\r\n%s\r\n" % (len(body[i : i + 8192]), body[i : i + 8192]) for i in range(0, len(body), 8192))
    return (
        (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        ).encode()
        + parts
        + b"0\r\n\r\n"
    )


def test_a_chunked_body_over_the_limit_is_refused_with_413_not_cut_and_processed(app: Flask) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    server, port = _serve(app)
    try:
        body = b"username=anna&password=" + b"x" * (200 * 1024)
        answer = _raw(port, _chunked("/logga-in", body))
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        small = _raw(port, _chunked("/logga-in", b"username=anna&password=x"))
        assert small.split(b"\r\n", 1)[0] in (b"HTTP/1.1 400 BAD REQUEST", b"HTTP/1.1 400 Bad Request")
    finally:
        server.shutdown()
    assert db.session.scalar(select(LoginAttempt.id)) is None  # neither reached the sign-in


# --- 6. sessions really end -----------------------------------------------------------------------------------


def _sign_in(client: FlaskClient, username: str, password: str = factories.PASSWORD) -> Any:
    token = csrf_token(client)
    return client.post("/logga-in", data={"csrf_token": token, "username": username, "password": password})


def test_a_cookie_copied_before_signing_out_is_worthless_afterwards(app: Flask) -> None:
    factories.create_user("architect", username="anna")
    db.session.commit()
    client = app.test_client()
    assert _sign_in(client, "anna").status_code == 302
    copied = client.get_cookie("session")
    assert copied is not None
    token = csrf_token(client, "/arenden")
    assert client.post("/logga-ut", data={"csrf_token": token}).status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", copied.value)
    assert thief.get("/arenden").status_code == 302  # sent to sign in


@pytest.mark.parametrize("change", ["password", "deactivate", "roles"])
def test_a_new_password_deactivation_or_new_roles_end_every_session_of_that_user(app: Flask, change: str) -> None:
    from assess.services import users as user_service

    user = factories.create_user("architect", username="anna")
    db.session.commit()
    laptop, phone = app.test_client(), app.test_client()
    assert _sign_in(laptop, "anna").status_code == 302
    assert _sign_in(phone, "anna").status_code == 302
    assert laptop.get("/arenden").status_code == phone.get("/arenden").status_code == 200
    if change == "password":
        user_service.set_password(user, "ett helt nytt och långt lösenord")
    elif change == "deactivate":
        user_service.deactivate_user(user)
    else:
        user_service.set_roles(user, ["viewer"])
    db.session.commit()
    assert laptop.get("/arenden").status_code == 302
    assert phone.get("/arenden").status_code == 302


def test_changing_ones_password_on_the_page_ends_the_other_sessions_and_keeps_this_one(app: Flask) -> None:
    factories.create_user("architect", username="anna")
    db.session.commit()
    here, elsewhere = app.test_client(), app.test_client()
    _sign_in(here, "anna")
    _sign_in(elsewhere, "anna")
    token = csrf_token(here, "/konto/losenord")
    weak = here.post(
        "/konto/losenord",
        data={
            "csrf_token": token,
            "current_password": factories.PASSWORD,
            "new_password": "aaaaaaaaaaaa",
            "repeat_password": "aaaaaaaaaaaa",
        },
    )
    assert weak.status_code == 400
    assert "för lätt att gissa" in weak.get_data(as_text=True)
    new = "granit, lingon och en blå cykel"
    response = here.post(
        "/konto/losenord",
        data={"csrf_token": token, "current_password": factories.PASSWORD, "new_password": new, "repeat_password": new},
    )
    assert response.status_code == 302
    assert here.get("/arenden").status_code == 200
    assert elsewhere.get("/arenden").status_code == 302
    assert _sign_in(app.test_client(), "anna", new).status_code == 302


def test_the_session_and_the_csrf_token_are_new_after_signing_in(app: Flask) -> None:
    factories.create_user("architect", username="anna")
    db.session.commit()
    client = app.test_client()
    before = csrf_token(client)
    with client.session_transaction() as s:
        raw_before = s.get("csrf_token")
    assert _sign_in(client, "anna").status_code == 302
    with client.session_transaction() as s:
        assert s.get("csrf_token") != raw_before
        assert s.get("sid")
    assert csrf_token(client, "/arenden") != before


def test_an_idle_session_ends(app: Flask) -> None:
    factories.create_user("architect", username="anna")
    db.session.commit()
    client = app.test_client()
    _sign_in(client, "anna")
    with client.session_transaction() as s:
        s["seen"] -= app.config["SESSION_IDLE_SECONDS"] + 1
    assert client.get("/arenden").status_code == 302


# --- 7. throttling ----------------------------------------------------------------------------------------------


def test_a_burst_of_parallel_guesses_never_gets_past_the_per_account_limit(app: Flask) -> None:
    factories.create_user("architect", username="anna")
    db.session.commit()
    limit = app.config["LOGIN_MAX_FAILURES_ACCOUNT_IP"]
    clients = [app.test_client() for _ in range(3 * limit)]
    tokens = [csrf_token(c) for c in clients]
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def guess(client: FlaskClient, token: str) -> None:
        barrier.wait()
        response = client.post("/logga-in", data={"csrf_token": token, "username": "anna", "password": "fel gissning"})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=guess, args=pair) for pair in zip(clients, tokens, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count(401) == limit  # exactly the limit was checked against the password
    assert statuses.count(429) == len(clients) - limit


# --- 8. hardening ---------------------------------------------------------------------------------------------


def test_security_headers_include_hsts_and_permissions_policy(app: Flask, client: FlaskClient) -> None:
    headers = client.get("/logga-in").headers
    assert headers["Strict-Transport-Security"].startswith("max-age=")
    assert "camera=()" in headers["Permissions-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    "password", ["aaaaaaaaaaaa", "qwertyuiopas", "molnbedomning123", "Lösenord2026!", "anna-anna-anna"]
)
def test_common_and_trivial_passwords_are_refused_with_a_reason(app: Flask, password: str) -> None:
    from assess.services import users as user_service
    from assess.services.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        user_service.create_user(username="anna", display_name="Anna A", password=password, roles=["viewer"])
    assert any("för lätt att gissa" in p or "minst 12 tecken" in p for p in refused.value.problems)


def test_an_error_log_names_the_route_and_the_code_but_never_what_the_user_sent(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.logger, "disabled", False)  # another test may have silenced the app's logger
    from assess.views.access import ANY_ROLE, allow

    @app.route("/fel", methods=["POST"])
    @allow(*ANY_ROLE)
    def failing() -> str:
        from flask import request

        db.session.execute(text("SELECT * FROM no_such_table WHERE x = :x"), {"x": request.form["secret"]})
        return "never"

    app.config["PROPAGATE_EXCEPTIONS"] = False
    login_as(client, factories.create_user("viewer"))
    token = csrf_token(client, "/arenden")
    with caplog.at_level(logging.ERROR):
        response = client.post("/fel", data={"csrf_token": token, "secret": "personnummer 19121212-1212"})
    assert response.status_code == 500
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "OperationalError" in logged
    assert "POST /fel" in logged
    assert "19121212" not in logged


def test_what_the_app_writes_under_instance_is_readable_by_its_user_only(app: Flask, demo: dict[str, int]) -> None:
    instance = Path(app.instance_path)
    database = Path(db.engine.url.database or "")
    db.engine.dispose()
    database.chmod(0o644)
    with db.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    accounts = instance / "demo-accounts.txt"
    assert stat.S_IMODE(accounts.stat().st_mode) == 0o600
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700


def test_the_audit_trail_records_sign_ins_and_password_changes_by_name(app: Flask) -> None:
    from assess.services import users as user_service

    user = factories.create_user("architect", username="anna")
    db.session.commit()
    user_service.set_password(user, "granit, lingon och en blå cykel", actor=user)
    db.session.commit()
    actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == user.id)))
    assert actions[-1] == "user.set_password"
    assert db.session.scalar(select(User.password_hash).where(User.id == user.id)).startswith("$argon2id$")
