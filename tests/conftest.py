"""App fixtures: a fresh, migrated SQLite file per test (copied from one migrated template)."""

from __future__ import annotations

import contextvars
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from assess import create_app
from assess.extensions import db
from tests import factories

TEST_CONFIG: dict[str, Any] = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key-not-for-production",
    "PASSWORD_HASH_TIME_COST": 1,
    "PASSWORD_HASH_MEMORY_KIB": 1024,
    "PASSWORD_HASH_PARALLELISM": 1,
}


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in its own app context, as in production.

    The tests hold an app context for the factories; without this, requests would share it
    (and with it ``g`` and the database session) with the test and with each other.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        return contextvars.Context().run(super().open, *args, **kwargs)


def make_app(db_path: Path, instance: Path, **overrides: Any) -> Flask:
    """Create an app on the given SQLite file with the test configuration."""
    config = {**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}", **overrides}
    app = create_app(config)
    app.instance_path = str(instance)
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's ASSESS_* variables out of the tests."""
    import os

    for name in list(os.environ):
        if name.startswith("ASSESS_"):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate an empty database once per session with `flask db upgrade`."""
    from flask_migrate import upgrade

    folder = tmp_path_factory.mktemp("template")
    path = folder / "template.sqlite3"
    app = make_app(path, folder)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return path


@pytest.fixture
def app(migrated_template: Path, tmp_path: Path) -> Iterator[Flask]:
    """Return an app on a fresh copy of the migrated database."""
    db_path = tmp_path / "assess.sqlite3"
    shutil.copy(migrated_template, db_path)
    instance = tmp_path / "instance"
    instance.mkdir()
    application = make_app(db_path, instance)
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """Return a test client."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """Return a CLI runner."""
    return app.test_cli_runner()


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str = "/logga-in") -> str:
    """Return a CSRF token for the client's session, taken from a page's form."""
    html = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login_as(client: FlaskClient, user: Any) -> Any:
    """Sign the client in as user: a live server-side session and its cookie, without the password form.

    Commits the test's session (the request must see the new session row).
    """
    import time
    from datetime import timedelta

    from assess.services import sessions

    token = sessions.start_session(user, timedelta(hours=8))
    user_id = user.id
    db.session.commit()
    with client.session_transaction() as session:
        session.clear()
        session["_user_id"] = str(user_id)
        session["_fresh"] = True
        session["sid"] = token
        session["seen"] = int(time.time())
    return user


@pytest.fixture
def login(client: FlaskClient) -> Any:
    """Return a function that creates a user with a role and signs the client in as them."""

    def _login(role: str = "architect", **kwargs: Any) -> Any:
        user = factories.create_user(role=role, **kwargs)
        db.session.commit()
        return login_as(client, user)

    return _login
