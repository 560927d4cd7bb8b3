"""Narrow screens (a 390 px mobile phone): no page scrolls sideways, and the questionnaire keeps its verdict in view.

Every page type is opened at 390×844 as the role that uses it, in Swedish and in English. The page itself must
never be wider than the window (``scrollWidth <= innerWidth``); a wide data table may scroll inside its own box
(a focusable, labelled region), which the check allows. axe-core runs on every page as it looks at that width.

On the questionnaire a compact bar at the top of the questions shows the verdict (and the worst case) with a link
to the full result panel, which on a narrow screen sits below the questions. The bar follows the autosave and
is not a live region (the save status is the page's only one). On a wide screen the panel is beside the
questions and the bar is not shown.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Demo, LiveServer, _copy_demo, _serve
from tests.browser.helpers import assert_accessible, put_demo_in_every_state

#: Every page at phone width in two languages (with axe) is a long walk: it runs in `make test-load` (.ci/run).
pytestmark = pytest.mark.load

NARROW = {"width": 390, "height": 844}
WIDE = {"width": 1280, "height": 900}
LOCALES = [("sv", "sv-SE"), ("en", "en-GB")]
STEPS = ("context", "legal", "infosec", "patient_safety")

#: How wide the page is, and the elements that stick out of the window: the outermost ones (whose parent does
#: not stick out too), widest first. Elements inside a box that scrolls or clips sideways are that box's business.
OVERFLOW_JS = """() => {
  const limit = window.innerWidth;
  const contained = el => {
    for (let p = el.parentElement; p && p !== document.body && p !== document.documentElement; p = p.parentElement) {
      if (['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(p).overflowX)) return true;
    }
    return false;
  };
  const sticksOut = el => {
    const r = el.getBoundingClientRect();
    return (r.width > 0 || r.height > 0) && r.right > limit + 0.5 && !contained(el);
  };
  const describe = (el, right) => {
    let name = el.tagName.toLowerCase();
    if (el.id) name += '#' + el.id;
    const classes = typeof el.className === 'string' ? el.className.trim() : '';
    if (classes) name += '.' + classes.split(/\\s+/).join('.');
    const text = (el.innerText || '').trim().replace(/\\s+/g, ' ').slice(0, 50);
    return `${name} (right ${Math.round(right)}px)` + (text ? ` "${text}"` : '');
  };
  const found = new Map();  // element -> how far right it (or its text) reaches
  for (const el of document.body.querySelectorAll('*')) {
    if (sticksOut(el) && !(el.parentElement && el.parentElement !== document.body && sticksOut(el.parentElement))) {
      found.set(el, el.getBoundingClientRect().right);
    }
  }
  // Text that runs out of its box (a long word, a hash) while the box itself fits: name the box.
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.trim() || !el || found.has(el) || contained(node)) continue;
    range.selectNodeContents(node);
    const right = Math.max(0, ...Array.from(range.getClientRects(), r => r.right));
    if (right > limit + 0.5 && ![...found.keys()].some(f => f.contains(el))) found.set(el, right);
  }
  const widest = [...found.entries()].sort((a, b) => b[1] - a[1]);
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: limit,
    offenders: widest.slice(0, 6).map(([el, right]) => describe(el, right)),
  };
}"""

#: Every element that scrolls sideways: it must be a focusable, named region (keyboard users scroll it with the
#: arrow keys, a screen reader says what it is). And every element that cuts off what is wider than itself
#: (overflow hidden): a page must not fit by hiding its content (the 1 px boxes of visually hidden text excepted).
SCROLL_BOXES_JS = """() => Array.from(document.querySelectorAll('body *')).filter(el => {
  const overflow = getComputedStyle(el).overflowX;
  return overflow !== 'visible' && el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 1
    && !el.matches('input, textarea, select');  // a field scrolls its own long value
}).map(el => ({
  tag: el.tagName.toLowerCase(), cls: el.className, overflow: getComputedStyle(el).overflowX,
  role: el.getAttribute('role'), tabindex: el.getAttribute('tabindex'),
  named: !!(el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')),
}))"""


@pytest.fixture(scope="module")
def narrow_server(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The demo with D2 decided (record, history, conditions), D1 reviewed (to decide), D3 submitted (to review).

    Shared by the read-only tests of this module (one server, one set of states).
    """
    server = _serve(_copy_demo(demo, tmp_path_factory.mktemp("narrow")))
    put_demo_in_every_state(server.app)
    yield server
    server.stop()


def _sign_in(page: Page, demo: Demo, username: str) -> None:
    page.goto("/logga-in")
    page.locator("#username").fill(username)
    page.locator("#password").fill(demo.passwords[username])
    page.locator("#password").press("Enter")
    page.wait_for_url(re.compile(r"/arenden"))


def _overflow(page: Page, name: str) -> str | None:
    """None when the page fits the window; else a line naming the page and what sticks out."""
    found: dict[str, Any] = page.evaluate(OVERFLOW_JS)
    problems = []
    if found["scrollWidth"] > found["innerWidth"]:
        offenders = "; ".join(found["offenders"]) or "no element sticks out (a text run or a margin?)"
        problems.append(
            f"{name} ({page.url}) is {found['scrollWidth']}px wide in a {found['innerWidth']}px window: {offenders}"
        )
    for box in page.evaluate(SCROLL_BOXES_JS):
        if box["overflow"] not in ("auto", "scroll"):
            problems.append(f"{name} ({page.url}): a box cuts off its content instead of fitting it: {box}")
        elif box["role"] != "region" or box["tabindex"] != "0" or not box["named"]:
            problems.append(f"{name} ({page.url}): a box that scrolls sideways is not a focusable named region: {box}")
    return "\n".join(problems) or None


@dataclass(frozen=True)
class Visit:
    """A page to open: its name in a failure, its address, the answer expected, and optionally the submit button
    to press to see it again with its errors showing."""

    name: str
    url: str
    status: int = 200
    submit: str | None = None


def _visits(demo: Demo) -> dict[str, list[Visit]]:
    """Every page type, by the account that uses it ("-": not signed in)."""
    ids = demo.assessment_ids()
    case_id = demo.case["id"]
    alternative_id = demo.case["alternatives"][0]["id"]
    questionnaires = [
        Visit(f"questionnaire {key}, step {step}", f"/bedomningar/{ids[key]}?steg={step}")
        for key in ("A", "D2")
        for step in STEPS
    ]
    return {
        "-": [
            Visit("login page", "/logga-in", submit="main form.form button[type=submit]"),
            Visit("accessibility statement", "/tillganglighet"),
            Visit("error page (404)", "/finns-inte", status=404),
        ],
        "arkitekt": [
            Visit("case list", "/arenden"),
            Visit("case page", f"/arenden/{case_id}"),
            Visit("new case form", "/arenden/ny", submit="main form.form button[type=submit]"),
            Visit("edit case form", f"/arenden/{case_id}/redigera"),
            Visit("new alternative form", f"/arenden/{case_id}/alternativ/nytt"),
            Visit("edit alternative form", f"/alternativ/{alternative_id}/redigera"),
            Visit("new module form", f"/alternativ/{alternative_id}/moduler/ny"),
            Visit(
                "case team (with its forms)",
                f"/arenden/{case_id}/team",
                submit="form[action$='/team/kontakt'] button[type=submit]",
            ),
            *questionnaires,
            Visit("scenarios of B", f"/bedomningar/{ids['B']}/scenarier"),
            Visit("re-assessment and impact", "/omprovning"),
            Visit("decision brief (Beslutsunderlag)", f"/arenden/{case_id}/beslutsunderlag"),
            Visit("rule trace", f"/bedomningar/{ids['A']}/regelspar/G-02"),
            Visit("rule trace (D2)", f"/bedomningar/{ids['D2']}/regelspar/L-04"),
            Visit("review page (draft)", f"/bedomningar/{ids['A']}/granskning"),
            Visit("history", f"/bedomningar/{ids['D2']}/historik"),
            Visit("my tasks (with conditions to fulfil)", "/mina-uppgifter"),
            Visit("password page", "/konto/losenord", submit="main form.form button[type=submit]"),
            Visit("error page (404, signed in)", "/bedomningar/999999", status=404),
        ],
        "jurist": [
            Visit(
                "review page (to review)",
                f"/bedomningar/{ids['D3']}/granskning",
                submit="#request-changes-form button[type=submit]",
            ),
            Visit("my tasks (reviewer)", "/mina-uppgifter"),
            Visit("questionnaire as the jurist (her questions open)", f"/bedomningar/{ids['A']}?steg=legal"),
        ],
        "beslutsfattare": [
            Visit(
                "review page with the decision form",
                f"/bedomningar/{ids['D1']}/granskning",
                submit="#decision-form button[type=submit]",
            ),
            Visit("review page (decided)", f"/bedomningar/{ids['D2']}/granskning"),
            Visit("decision record", f"/bedomningar/{ids['D2']}/protokoll"),
            Visit("comparison", f"/arenden/{case_id}/jamforelse"),
            Visit("my tasks (decision maker)", "/mina-uppgifter"),
        ],
    }


def _look(page: Page, name: str, problems: list[str], axe: bool = True) -> None:
    """Collect what is wrong with the page as it is now: too wide, or an axe-core violation."""
    # After a form's post the error summary can be in the DOM before the stylesheet has been applied (seen once
    # on a loaded CI machine: the stacked tables measured at their unstyled width); measure the page once loaded.
    page.wait_for_load_state("load")
    problem = _overflow(page, name)
    if problem:
        problems.append(problem)
    if not axe:
        return
    try:
        assert_accessible(page)
    except AssertionError as error:
        problems.append(f"{name}: {error}")


@pytest.mark.parametrize("username", ["-", "arkitekt", "jurist", "beslutsfattare"])
@pytest.mark.parametrize(("language", "locale"), LOCALES)
def test_no_page_scrolls_sideways_on_a_narrow_screen(
    new_page: Callable[..., Page], narrow_server: LiveServer, demo: Demo, language: str, locale: str, username: str
) -> None:
    page = new_page(narrow_server, locale=locale, viewport=NARROW)
    if username != "-":
        _sign_in(page, demo, username)
    problems: list[str] = []
    for visit in _visits(demo)[username]:
        response = page.goto(visit.url)
        assert response is not None
        assert response.status == visit.status, f"{visit.name}: {visit.url} answered {response.status}"
        expect(page.locator("html")).to_have_attribute("lang", language)
        # axe at phone width in Swedish; the English pages have the same markup, and the language walk runs axe
        # on them (tests/browser/test_language_walk.py), which keeps make test under ten minutes.
        axe = language == "sv"
        _look(page, visit.name, problems, axe)
        if visit.submit:
            page.locator(visit.submit).first.click()
            expect(page.locator("[data-error-summary]")).to_be_visible()
            _look(page, f"{visit.name} with errors", problems, axe)
    assert not problems, f"at {NARROW['width']} px ({language}, {username}):\n" + "\n".join(problems)


# --- the questionnaire's compact verdict bar ---------------------------------------------------------------------


def _bar(page: Page) -> Any:
    return page.locator("#verdict-bar")


def _panel_verdict(page: Page) -> Any:
    return page.locator("#result-panel [data-verdict]")


@pytest.mark.parametrize(("language", "locale"), LOCALES)
def test_the_narrow_questionnaire_keeps_a_compact_verdict_at_the_top(
    new_page: Callable[..., Page], narrow_server: LiveServer, demo: Demo, language: str, locale: str
) -> None:
    page = new_page(narrow_server, locale=locale, viewport=NARROW)
    _sign_in(page, demo, "arkitekt")
    for key in ("A", "D2"):  # an editable draft and a decided, locked assessment
        page.goto(f"/bedomningar/{demo.assessment_id(key)}?steg=legal")
        bar = _bar(page)
        expect(bar).to_be_visible()
        # The verdict and the worst case, as the panel says them.
        panel_says = " ".join(_panel_verdict(page).inner_text().split())
        expect(bar.locator("[data-verdict-bar]")).to_have_text(panel_says)
        expect(bar.locator(".verdict")).to_have_count(1)
        # It is above the questions, and stays at the top of the window while the questions scroll by.
        top = bar.bounding_box()
        first = page.locator(".question:not([hidden])").first.bounding_box()
        assert top is not None
        assert first is not None
        assert top["y"] < first["y"]
        page.mouse.wheel(0, 1500)
        page.wait_for_function("() => window.scrollY > 1000")
        stuck = bar.bounding_box()
        assert stuck is not None
        assert -1 <= stuck["y"] <= 1, f"the bar is not at the top of the window: {stuck}"
        assert stuck["height"] < 120, f"the bar is not compact: {stuck['height']}px high"
        # Its link leads to the full result panel.
        link = bar.get_by_role("link")
        expect(link).to_have_attribute("href", "#result-panel")
        link.click()
        expect(page.locator("#result-panel")).to_be_in_viewport()
        # One live region in main: the save status (the bar is replaced silently).
        assert page.locator("main [aria-live]").count() == (1 if key == "A" else 0)
        assert bar.get_attribute("aria-live") is None
        assert bar.get_attribute("role") is None
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)


def test_the_verdict_bar_is_not_shown_beside_the_panel_on_a_wide_screen(
    new_page: Callable[..., Page], narrow_server: LiveServer, demo: Demo
) -> None:
    page = new_page(narrow_server, viewport=WIDE)
    _sign_in(page, demo, "arkitekt")
    page.goto(f"/bedomningar/{demo.assessment_id('A')}?steg=context")
    expect(page.locator("#result-panel")).to_be_visible()
    expect(_bar(page)).to_be_hidden()


def test_the_verdict_bar_follows_the_autosave(
    new_page: Callable[..., Page], fresh_server: LiveServer, demo: Demo
) -> None:
    page = new_page(fresh_server, viewport=NARROW)
    _sign_in(page, demo, "arkitekt")
    page.goto(f"/bedomningar/{demo.assessment_id('D2')}?steg=context")
    expect(_bar(page)).to_contain_text("Lämplig med villkor")
    page.locator("#q-G-22").get_by_label("Okänt", exact=True).check()
    expect(_panel_verdict(page)).to_have_attribute("data-verdict", "cannot_assess")
    expect(_bar(page).locator(".verdict")).to_have_text(re.compile("Kan ej bedömas ännu"))
    expect(page.locator("#save-status")).to_contain_text("Sparat")
    expect(_bar(page)).to_be_visible()
    assert page.locator("main [aria-live]").count() == 1
