"""*Mina uppgifter* searched in a real browser at phone width: typed and sent by keyboard, the lists narrowed, Back
and a second tab with their own search, the page accessible (axe) with and without a refused search."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.browser.helpers import assert_accessible

PHONE = {"width": 390, "height": 844}


def _count(page: Page, heading_id: str) -> int:
    text = page.locator(f"#{heading_id}").inner_text()
    found = re.search(r"\((\d+)\)", text)
    assert found is not None, text
    return int(found.group(1))


def test_the_legal_reviewer_narrows_the_lists_by_keyboard_at_phone_width(
    new_page: Callable[..., Page], login: Callable[[Page, str], Page]
) -> None:
    page = login(new_page(viewport=PHONE), "jurist")
    page.goto("/mina-uppgifter")
    whole = _count(page, "t-unknowns")
    assert whole > 0, "the demo gives the legal reviewer open questions"
    assert_accessible(page)

    search = page.get_by_label("Sök i ärende, alternativ och modul")
    search.fill("D3")
    search.press("Enter")  # a search box is sent with Enter
    page.wait_for_url(re.compile(r"/mina-uppgifter\?sok=D3"))
    expect(page.locator("#task-filter-status")).to_have_text("Listorna visar bara det som matchar filtret.")
    narrowed = _count(page, "t-unknowns")
    assert narrowed < whole
    modules = page.locator("#t-unknowns ~ ul.task-list li .muted").all_inner_texts()
    assert len(modules) == min(narrowed, 20) > 0
    for text in modules:
        assert "D3" in text, text  # every question listed is of the module searched for
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scrolling"
    assert_accessible(page)

    # 'only late' on top: the box keeps the text, the checkbox is sent by keyboard too
    page.get_by_label(re.compile("^Bara försenat")).check()
    page.get_by_role("button", name="Visa").press("Enter")
    page.wait_for_url(re.compile(r"forsenat=y"))
    expect(page.get_by_label("Sök i ärende, alternativ och modul")).to_have_value("D3")
    assert _count(page, "t-unknowns") <= narrowed

    # a second tab keeps a search of its own; Back in the first returns to the earlier search
    other = page.context.new_page()
    other.goto("/mina-uppgifter?sok=finns-inte")
    expect(other.locator("#t-unknowns ~ p").first).to_have_text("Inget matchar filtret.")
    page.go_back()
    expect(page.get_by_label("Sök i ärende, alternativ och modul")).to_have_value("D3")
    assert _count(page, "t-unknowns") == narrowed

    # a search longer than allowed is named at the field, the lists whole, the page still accessible
    page.goto("/mina-uppgifter?sok=" + "x" * 201)
    expect(page.locator("#sok-error")).to_be_visible()
    expect(page.get_by_label("Sök i ärende, alternativ och modul")).to_have_attribute("aria-invalid", "true")
    assert _count(page, "t-unknowns") == whole
    assert_accessible(page)
    expect(page.locator("#task-filter-status")).to_have_count(0)  # a refused search narrows nothing
