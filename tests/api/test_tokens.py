"""Personal API tokens: the page (shown once), the CLI (secret printed once, never from argv), hashing."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from assess.extensions import db
from assess.models import ApiToken
from assess.services import tokens
from tests.conftest import csrf_token


def test_page_shows_the_token_once_and_stores_only_its_hash(client: FlaskClient, login) -> None:
    user = login("architect")
    token = csrf_token(client, "/konto/api-nycklar")
    created = client.post(
        "/konto/api-nycklar", data={"csrf_token": token, "name": "Katalogen", "scopes": "read write", "days": "30"}
    )
    assert created.status_code == 200
    secret = re.search(r'<code id="new-token">([^<]+)</code>', created.get_data(as_text=True)).group(1)
    row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert row.token_hash == tokens.hash_secret(secret)
    assert secret not in row.prefix + row.name
    again = client.get("/konto/api-nycklar").get_data(as_text=True)
    assert secret not in again
    assert "Katalogen" in again
    assert client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {secret}"}).status_code == 200

    revoked = client.post(f"/konto/api-nycklar/{row.id}/aterkalla", data={"csrf_token": token})
    assert revoked.status_code == 302
    assert client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_page_refuses_a_year_and_a_day(client: FlaskClient, login) -> None:
    login("viewer")
    token = csrf_token(client, "/konto/api-nycklar")
    refused = client.post(
        "/konto/api-nycklar", data={"csrf_token": token, "name": "x", "scopes": "read", "days": "366"}
    )
    assert refused.status_code == 400
    assert db.session.scalar(select(ApiToken)) is None


def test_cli_create_list_revoke(app: Flask, runner) -> None:
    from tests import factories

    factories.create_user(role="architect", username="anna")
    db.session.commit()
    made = runner.invoke(args=["tokens", "create", "anna", "--name", "Skript", "--write"])
    assert made.exit_code == 0, made.output
    secret = made.stdout.strip().splitlines()[-1]
    assert secret.startswith("mb_")
    listed = runner.invoke(args=["tokens", "list", "anna"])
    assert "Skript" in listed.output
    assert secret not in listed.output
    token_id = db.session.scalar(select(ApiToken.id))
    assert runner.invoke(args=["tokens", "revoke", "anna", str(token_id)]).exit_code == 0
    db.session.expire_all()
    assert tokens.find_token(secret) is None
    assert runner.invoke(args=["tokens", "create", "nobody", "--name", "x"]).exit_code != 0
