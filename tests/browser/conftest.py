"""Browser fixtures: Debian's Chromium driven by Playwright against the app served on a real socket.

* Every test in this folder is marked ``browser``. Without ``/usr/bin/chromium`` they skip with a visible
  reason; with ``CI`` set in the environment they fail instead (CI must always run them).
* One migrated database with the demo data is built per session (``demo``). ``live_server`` serves a copy of it
  for the whole session (read-only tests); ``fresh_server`` serves a private copy for one test (tests that save).
  The servers share nothing with the test process but their SQLite file, so pytest-randomly's order cannot matter.
* ``page`` is a new browser context per test on the session server; ``new_page(server)`` opens more (each its own
  context: its own cookies, i.e. its own signed-in user). ``login(page, username)`` signs in through the real form.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright
from werkzeug.serving import BaseWSGIServer, make_server

from assess import create_app
from assess.extensions import db
from tests.conftest import TEST_CONFIG

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_MISSING = "Chromium saknas: apt-get install chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Playwright's waits (expect, click, goto) give up after this many milliseconds.
TIMEOUT_MS = 10_000
HERE = Path(__file__).resolve().parent
DB_NAME = "assess.sqlite3"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test of this folder ``browser`` (``-m "not browser"`` leaves them out)."""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session", autouse=True)
def _require_chromium() -> None:
    """Skip (fail on CI) before anything is started when Debian's Chromium is not installed."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM_MISSING} (CI kör alltid webbläsartesterna)", pytrace=False)
        pytest.skip(CHROMIUM_MISSING)


# --- the app on a socket ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Demo:
    """The demo data every server starts from: the accounts and the demo case as `cases list --json` shows it."""

    folder: Path
    passwords: dict[str, str]
    roles: dict[str, str]
    case: dict[str, Any]

    def assessment_id(self, key: str) -> int:
        """Return the id of an assessment by its short key: A, B, C (one module each) or D1, D2, D3."""
        return self.assessment_ids()[key]

    def assessment_ids(self) -> dict[str, int]:
        ids = {}
        for alt in self.case["alternatives"]:
            for a in alt["assessments"]:
                key = a["scope"][:2] if len(alt["assessments"]) > 1 else alt["name"][0]
                ids[key] = a["id"]
        return ids


@dataclass
class LiveServer:
    """The app served by werkzeug in a daemon thread on 127.0.0.1 and a free port."""

    app: Flask
    server: BaseWSGIServer
    thread: threading.Thread = field(init=False)

    def __post_init__(self) -> None:
        self.thread = threading.Thread(target=self.server.serve_forever, name="live-server", daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)
        with self.app.app_context():
            db.engine.dispose()


def _make_app(folder: Path) -> Flask:
    """An app on folder/assess.sqlite3 with folder as its instance; like production but for cookies and argon2."""
    config = {
        **TEST_CONFIG,
        "TESTING": False,  # errors go through the app's own handlers, as in production
        "ENVIRONMENT": "test",  # session cookies without Secure: the server speaks plain http
        "SECRET_KEY": secrets.token_hex(32),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / DB_NAME}",
    }
    with pytest.MonkeyPatch.context() as mp:  # the developer's ASSESS_* variables stay out
        for name in list(os.environ):
            if name.startswith("ASSESS_"):
                mp.delenv(name)
        app = create_app(config)
    app.instance_path = str(folder)
    return app


def _serve(folder: Path) -> LiveServer:
    app = _make_app(folder)
    return LiveServer(app, make_server("127.0.0.1", 0, app, threaded=True))


def _copy_demo(demo: Demo, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(demo.folder / DB_NAME, folder / DB_NAME)
    shutil.copy(demo.folder / "demo-accounts.txt", folder / "demo-accounts.txt")
    return folder


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """Migrate an empty database with `flask db upgrade` and run `flask demo load` on it, once per session."""
    from flask_migrate import upgrade

    folder = tmp_path_factory.mktemp("demo")
    app = _make_app(folder)
    with app.app_context():
        upgrade()
        runner = app.test_cli_runner()
        loaded = runner.invoke(args=["demo", "load"])
        assert loaded.exit_code == 0, loaded.output
        listed = runner.invoke(args=["cases", "list", "--json"])
        assert listed.exit_code == 0, listed.output
        db.session.remove()
        db.engine.dispose()
    (case,) = json.loads(listed.output)
    lines = [line.split() for line in (folder / "demo-accounts.txt").read_text().splitlines() if line.strip()]
    return Demo(
        folder=folder,
        passwords={username: password for username, password, _ in lines},
        roles={username: role for username, _, role in lines},
        case=case,
    )


@pytest.fixture(scope="session")
def live_server(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The demo served for the whole session. Tests on it must not change data (use fresh_server for that)."""
    server = _serve(_copy_demo(demo, tmp_path_factory.mktemp("live")))
    yield server
    server.stop()


@pytest.fixture
def fresh_server(demo: Demo, tmp_path: Path) -> Iterator[LiveServer]:
    """The demo served on a private copy of the database for one test, which may change what it likes."""
    server = _serve(_copy_demo(demo, tmp_path / "instance"))
    yield server
    server.stop()


# --- the browser -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's Chromium, headless; Playwright never downloads a browser here."""
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
    expect.set_options(timeout=TIMEOUT_MS)
    yield browser
    browser.close()


@pytest.fixture
def new_page(browser: Browser, live_server: LiveServer) -> Iterator[Callable[..., Page]]:
    """Return a function that opens a page in a new context (own cookies) on a server (default: live_server).

    Keyword arguments go to ``browser.new_context`` (e.g. ``java_script_enabled=False``).
    """
    contexts: list[BrowserContext] = []
    problems: list[str] = []

    def _new_page(server: LiveServer | None = None, **options: Any) -> Page:
        options.setdefault("locale", "sv-SE")
        context = browser.new_context(base_url=(server or live_server).url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        _watch(page, problems)
        return page

    yield _new_page
    for context in contexts:
        context.close()
    if problems:
        pytest.fail("the browser saw problems:\n" + "\n".join(problems), pytrace=False)


def _watch(page: Page, problems: list[str]) -> None:
    """Record what no user should meet: server errors, uncaught script errors, Content-Security-Policy blocks."""
    page.on(
        "response",
        lambda r: problems.append(f"HTTP {r.status} {r.request.method} {r.url}") if r.status >= 500 else None,
    )
    page.on("pageerror", lambda error: problems.append(f"script error on {page.url}: {error}"))
    page.on(
        "console",
        lambda m: (
            problems.append(f"console on {page.url}: {m.text}")
            if m.type == "error" and "Content Security Policy" in m.text
            else None
        ),
    )


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    """A page on the session server, in a context of its own."""
    return new_page()


@pytest.fixture
def login(demo: Demo) -> Callable[[Page, str], Page]:
    """Return a function that signs a page in as a demo account through the real login form."""

    def _login(page: Page, username: str) -> Page:
        page.goto("/logga-in")
        page.get_by_label("Användarnamn").fill(username)
        page.get_by_label("Lösenord").fill(demo.passwords[username])
        page.get_by_role("button", name="Logga in").click()
        page.wait_for_url("**/arenden")
        return page

    return _login
