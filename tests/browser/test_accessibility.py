"""axe-core (WCAG 2.1 A and AA) finds no serious or critical violation on the pages people use."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.browser.conftest import Demo
from tests.browser.helpers import assert_accessible


def test_login_page_has_no_serious_accessibility_violations(page: Page) -> None:
    page.goto("/logga-in")
    assert_accessible(page)


def test_login_page_with_errors_has_no_serious_accessibility_violations(page: Page) -> None:
    page.goto("/logga-in")
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert_accessible(page)


def test_case_list_has_no_serious_accessibility_violations(page: Page, login: Callable[[Page, str], Page]) -> None:
    login(page, "arkitekt")
    assert_accessible(page)


def test_case_page_has_no_serious_accessibility_violations(
    page: Page, login: Callable[[Page, str], Page], demo: Demo
) -> None:
    login(page, "arkitekt")
    page.goto(f"/arenden/{demo.case['id']}")
    expect(page.get_by_role("heading", level=1)).to_have_text(demo.case["title"])
    assert_accessible(page)
