"""Every demo account signs in through the login form and finds the demo case with its four alternatives."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Demo

pytestmark = pytest.mark.load  # make test-load (and .ci/run): keeps make test under ten minutes

DEMO_CASE = "Framtida vårdinformationssystem"
DEMO_ACCOUNTS = ["arkitekt", "jurist", "jurist2", "infosak", "patientsak", "beslutsfattare", "admin", "lasare"]


def test_demo_accounts_are_the_ones_the_tests_sign_in_with(demo: Demo) -> None:
    assert list(demo.passwords) == DEMO_ACCOUNTS


@pytest.mark.parametrize("username", DEMO_ACCOUNTS)
def test_each_demo_account_sees_the_demo_case_and_its_four_alternatives(
    page: Page, login: Callable[[Page, str], Page], username: str
) -> None:
    login(page, username)
    expect(page).to_have_title(re.compile("^Ärenden"))
    page.get_by_role("link", name=DEMO_CASE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(DEMO_CASE)
    alternatives = [
        name for name in page.get_by_role("heading", level=3).all_inner_texts() if re.match(r"^[A-Z] – ", name)
    ]
    assert [name[:3] for name in alternatives] == ["A –", "B –", "C –", "D –"], alternatives


def test_a_wrong_password_is_refused_in_swedish_next_to_the_form(page: Page) -> None:
    page.goto("/logga-in")
    page.get_by_label("Användarnamn").fill("arkitekt")
    page.get_by_label("Lösenord").fill("fel-lösenord")
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("alert")).to_contain_text("Fel användarnamn eller lösenord.")
    assert page.url.endswith("/logga-in")


def test_signed_out_visitor_is_sent_to_the_login_page(page: Page) -> None:
    page.goto("/arenden")
    expect(page).to_have_url(re.compile(r"/logga-in"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Logga in")
