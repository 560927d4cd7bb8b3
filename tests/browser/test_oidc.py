"""A whole sign-in through the region's identity provider in Chromium: Node's oidc-provider on 127.0.0.1.

The region's button, the provider's own login page, back in the app with the roles the groups give; a changed
group changes the roles at the next sign-in; signing out ends the session here and at the provider.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from werkzeug.serving import make_server

from assess import create_app
from tests.browser.conftest import DB_NAME, Demo, LiveServer, _copy_demo
from tests.conftest import TEST_CONFIG
from tests.oidc import harness
from tests.oidc.harness import NodeProvider, write_mapping

pytestmark = pytest.mark.load  # make test-load (and .ci/run): a long browser walk

start_provider = harness.start_provider  # fixture


def _placeholder(environ: object, start_response: Callable[..., object]) -> list[bytes]:
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"starting"]


@pytest.fixture
def region(
    demo: Demo, tmp_path: Path, start_provider: Callable[[str], NodeProvider]
) -> Iterator[tuple[LiveServer, NodeProvider]]:
    """The demo served on a socket with sign-in through a provider that knows the app's address."""
    server = make_server("127.0.0.1", 0, _placeholder, threaded=True)  # the port first: the provider needs it
    url = f"http://127.0.0.1:{server.server_port}"
    provider = start_provider(url)
    folder = _copy_demo(demo, tmp_path / "instance")
    config = {
        **TEST_CONFIG,
        "TESTING": False,
        "ENVIRONMENT": "test",
        "SECRET_KEY": secrets.token_hex(32),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / DB_NAME}",
        **provider.app_config(write_mapping(tmp_path)),
    }
    with pytest.MonkeyPatch.context() as mp:
        for name in list(os.environ):
            if name.startswith("ASSESS_"):
                mp.delenv(name)
        app = create_app(config)
    app.instance_path = str(folder)
    server.app = app
    live = LiveServer(app, server)
    yield live, provider
    live.stop()


def _sign_in_at_provider(page: Page, login: str) -> None:
    page.goto("/logga-in")
    buttons = page.locator("main").get_by_role("button")
    expect(buttons.first).to_have_text("Logga in med regionens konto")  # the region's button comes first
    page.get_by_role("button", name="Logga in med regionens konto").click()
    page.locator("input[name=login]").fill(login)  # the provider's own login page
    page.locator("input[name=password]").fill("valfritt")
    page.get_by_role("button", name="Sign-in").click()
    page.wait_for_url("**/arenden")


def test_sign_in_through_the_provider_roles_from_groups_and_sign_out_at_both_ends(
    new_page: Callable[..., Page], region: tuple[LiveServer, NodeProvider]
) -> None:
    server, provider = region
    provider.set_person("anna", name="Anna Regionsdóttir", groups=["molnbedomning-arkitekter"])
    page = new_page(server)

    _sign_in_at_provider(page, "anna")
    header = page.locator(".user-box")
    expect(header).to_contain_text("Anna Regionsdóttir")
    expect(header).to_contain_text("Arkitekt")
    expect(page.get_by_role("link", name="Administration")).to_have_count(0)

    # The region moves her to the admin group: the next sign-in gives her the admin role instead.
    provider.set_person("anna", name="Anna Regionsdóttir", groups=["molnbedomning-admin"])
    page.get_by_role("button", name="Logga ut").click()
    page.get_by_role("button", name="Yes, sign me out").click()  # the provider's page: signed out there too
    page.wait_for_url("**/logga-in")
    expect(page.get_by_text("Du är utloggad, även från regionens inloggning.")).to_be_visible()
    page.goto("/arenden")
    expect(page).to_have_url(re.compile(r"/logga-in\?next="))  # no session here

    _sign_in_at_provider(page, "anna")  # the provider asks for the login again: its session had ended
    expect(header).to_contain_text("Administratör")
    expect(header).not_to_contain_text("Arkitekt")
    page.get_by_role("link", name="Administration").click()
    row = page.get_by_role("row").filter(has_text="Anna Regionsdóttir")
    expect(row).to_contain_text("Regionens konto")
    expect(row).to_contain_text("Administratör")
    row.get_by_role("link", name="Anna Regionsdóttir").click()
    expect(page.locator(".account-history")).to_contain_text("gav administratörsrollen")


def test_a_person_whose_groups_give_no_role_sees_whom_to_ask(
    new_page: Callable[..., Page], region: tuple[LiveServer, NodeProvider]
) -> None:
    server, provider = region
    provider.set_person("olle", name="Olle Utan", groups=["ekonomi"])
    page = new_page(server)
    page.goto("/logga-in")
    page.get_by_role("button", name="Logga in med regionens konto").click()
    page.locator("input[name=login]").fill("olle")
    page.locator("input[name=password]").fill("valfritt")
    page.get_by_role("button", name="Sign-in").click()
    expect(page.get_by_role("heading", name="Ingen behörighet")).to_be_visible()
    expect(page.get_by_text("Regionens IT-servicedesk, telefon 010-100 00 00")).to_be_visible()
    expect(page.get_by_role("link", name="Ärenden")).to_have_count(0)
    page.goto("/arenden")
    expect(page).to_have_url(re.compile(r"/logga-in\?next="))
