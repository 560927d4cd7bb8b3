"""Keyboard use: the skip link comes first, the login form works with Tab and Enter, focus is always visible."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.browser.conftest import Demo
from tests.browser.helpers import focus_is_visible, focused, tab_stops, tab_to


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_the_content(page: Page) -> None:
    page.goto("/logga-in")
    page.keyboard.press("Tab")
    first = focused(page)
    assert first is not None
    assert (first["tag"], first["text"], first["href"]) == ("a", "Hoppa till innehållet", "#main")
    assert focus_is_visible(first), first
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    after = focused(page)
    assert after is not None
    assert after["id"] == "username", after  # the header's links were skipped


def test_login_form_can_be_filled_and_submitted_with_tab_and_enter_only(page: Page, demo: Demo) -> None:
    page.goto("/logga-in")
    info = tab_to(page, lambda f: f["id"] == "username", limit=10)
    assert focus_is_visible(info), info
    page.keyboard.type("arkitekt")
    page.keyboard.press("Tab")
    info = focused(page)
    assert info is not None
    assert info["id"] == "password", info
    assert focus_is_visible(info), info
    page.keyboard.type(demo.passwords["arkitekt"])
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/arenden$"))
    expect(page.get_by_text("Anna Arkitekt")).to_be_visible()


def test_every_tab_stop_on_the_login_page_shows_focus(page: Page) -> None:
    page.goto("/logga-in")
    stops = tab_stops(page)
    assert [s["id"] for s in stops if s["id"] in ("username", "password")] == ["username", "password"]
    assert any(s["tag"] == "button" and s["text"] == "Logga in" for s in stops), stops
    invisible = [s for s in stops if not focus_is_visible(s)]
    assert not invisible, invisible


def test_every_tab_stop_on_the_case_page_shows_focus(
    page: Page, login: Callable[[Page, str], Page], demo: Demo
) -> None:
    login(page, "arkitekt")
    page.goto(f"/arenden/{demo.case['id']}")
    stops = tab_stops(page)
    assert stops[0]["text"] == "Hoppa till innehållet"
    assert any(s["text"] == "Logga ut" for s in stops), stops
    invisible = [s for s in stops if not focus_is_visible(s)]
    assert not invisible, invisible
