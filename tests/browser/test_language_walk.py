"""Every role walks its pages in Swedish and in English: plain words, no engine notation, nothing untranslated.

The walk covers the questionnaire (every step), the review page, the decision form and the review form with their
errors showing, the frozen record, the history and the task pages. On each page axe-core must find no serious or
critical violation, and the text a person reads must contain none of the engine's notation and, in English, no
Swedish text of the catalogue.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from playwright.sync_api import Page, expect

from tests.browser.conftest import Demo, LiveServer
from tests.browser.helpers import assert_accessible, put_demo_in_every_state

#: Every role's pages in two languages is a long walk: it runs in `make test-load` (and .ci/run).
pytestmark = pytest.mark.load

NOTATION = (
    "→",
    "regel 1",
    "rule 1",
    "(UB)",
    "(UN)",
    "C[",
    "[verify]",
    "[verifiera]",
    "answer.save",
    "unknown_owner",
    "suitable_with_conditions",
    "not_suitable",
    "cannot_assess",
)
CATALOGUE = Path(__file__).resolve().parents[2] / "assess" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
STEPS = ("context", "legal", "infosec", "patient_safety")


def _swedish_catalogue_texts() -> list[str]:
    """The Swedish texts of the catalogue whose English differs (what must not show on an English page)."""
    with CATALOGUE.open("rb") as f:
        catalog = read_po(f)
    english = " ".join(str(m.string) for m in catalog if m.id and isinstance(m.string, str))
    found = []
    for message in catalog:
        if not message.id or isinstance(message.id, tuple) or message.string == message.id:
            continue
        # the fixed part of a text with placeholders: its longest piece between them
        piece = max(re.split(r"%\([a-z_]+\)[sd]", message.id), key=len).strip(" .,:;–()")
        if len(piece) >= 12 and " " in piece and piece not in english:
            found.append(piece)
    return found


SWEDISH = _swedish_catalogue_texts()


@pytest.fixture
def walk_server(fresh_server: LiveServer) -> LiveServer:
    """The demo with D2 decided (a record, history, conditions), D1 reviewed (to decide), D3 submitted (to review)."""
    put_demo_in_every_state(fresh_server.app)
    return fresh_server


def _sign_in(page: Page, demo: Demo, username: str) -> None:
    page.goto("/logga-in")
    page.locator("#username").fill(username)
    page.locator("#password").fill(demo.passwords[username])
    page.locator("#password").press("Enter")
    page.wait_for_url(re.compile(r"/arenden"))


def _post_empty(page: Page, form: str) -> None:
    """Post a form with nothing filled in: the error summary shows, and each of its links points at a field."""
    page.locator(f"{form} button[type=submit]").first.click()
    expect(page.locator("[data-error-summary]")).to_be_visible()
    for link in page.locator("[data-error-summary] a").all():
        target = (link.get_attribute("href") or "#").lstrip("#")
        assert page.locator(f"[id='{target}']").count() == 1, f"error link #{target} points to nothing"


def _check(page: Page, language: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", language)
    shown = page.locator("body").inner_text()
    found = [mark for mark in NOTATION if mark in shown]
    assert not found, f"{page.url} ({language}) shows notation {found}"
    if language == "en":
        swedish = [text for text in SWEDISH if text in shown]
        assert not swedish, f"{page.url} shows Swedish catalogue texts in English: {swedish[:5]}"
    assert_accessible(page)


@pytest.mark.parametrize(("language", "locale"), [("sv", "sv-SE"), ("en", "en-GB")])
def test_every_role_reads_its_pages_in_plain_words(
    new_page: Callable[..., Page], walk_server: LiveServer, demo: Demo, language: str, locale: str
) -> None:
    ids = demo.assessment_ids()

    architect = new_page(walk_server, locale=locale)
    _sign_in(architect, demo, "arkitekt")
    _check(architect, language)
    architect.goto(f"/arenden/{demo.case['id']}")
    _check(architect, language)
    for step in STEPS:
        architect.goto(f"/bedomningar/{ids['A']}?steg={step}")
        _check(architect, language)
    architect.goto(f"/bedomningar/{ids['A']}/regelspar/L-04")  # the trace page itself may show notation
    expect(architect.locator("h1")).to_contain_text("L-04")
    assert_accessible(architect)
    architect.goto(f"/bedomningar/{ids['D2']}/historik")
    _check(architect, language)
    architect.goto("/mina-uppgifter")
    _check(architect, language)

    reviewer = new_page(walk_server, locale=locale)
    _sign_in(reviewer, demo, "jurist")
    reviewer.goto(f"/bedomningar/{ids['D3']}/granskning")
    _check(reviewer, language)
    # Asking for changes without saying what: the error is shown at the field and in the summary.
    _post_empty(reviewer, "#request-changes-form")
    _check(reviewer, language)
    reviewer.goto("/mina-uppgifter")
    _check(reviewer, language)

    decider = new_page(walk_server, locale=locale)
    _sign_in(decider, demo, "beslutsfattare")
    decider.goto(f"/bedomningar/{ids['D1']}/granskning")
    _check(decider, language)
    _post_empty(decider, "#decision-form")
    _check(decider, language)
    decider.goto(f"/bedomningar/{ids['D2']}/protokoll")
    _check(decider, language)
    decider.goto(f"/arenden/{demo.case['id']}/jamforelse")
    _check(decider, language)
    decider.goto("/mina-uppgifter")
    _check(decider, language)
