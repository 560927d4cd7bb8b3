"""The steering group's *Beslutsunderlag*, read as a decision maker and as a viewer, in Swedish and in English.

An architect first builds a scenario for alternative B in the scenario editor ("Fyll i det gynnsammaste", then
"Spara"); a due date is set on two of A's open provider questions. Then each reader goes from the case page to the
brief, as a person would, and finds per alternative the verdict now, the worst case, the favourable completion,
the facts to find per party with the earliest due date, the knock-outs, the conditions and the scenario marked
hypothetical; the PDF behind the download link holds the same verdicts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from sqlalchemy import select

from tests.browser.conftest import TIMEOUT_MS, Demo, LiveServer, _copy_demo, _serve
from tests.browser.helpers import assert_accessible
from tests.pdf.helpers import all_text, squashed

pytestmark = pytest.mark.load  # make test-load (and .ci/run): a long browser walk

SCENARIO = "Om leverantören bekräftar EU-drift och HYOK"
#: The demo's verdicts now and at worst (scoring.md worked example).
NOW = {"A": "cannot_assess", "B": "cannot_assess", "C": "cannot_assess", "D1": "not_suitable"}
NOW |= {"D2": "suitable_with_conditions", "D3": "cannot_assess"}
WORST = {key: "not_suitable" for key in NOW} | {"D2": "suitable_with_conditions"}
#: What the reader sees, per language (the catalogue's words).
WORDS = {
    "sv": {
        "suitable": "Lämplig",
        "suitable_with_conditions": "Lämplig med villkor",
        "not_suitable": "Ej lämplig",
        "cannot_assess": "Kan ej bedömas ännu",
        "brief": "Beslutsunderlag",
        "download": "Ladda ner beslutsunderlaget (PDF)",
        "favourable": "Med gynnsamma besked:",
        "nothing_open": "Inga öppna frågor",
        "provider": "Leverantören",
        "no_date": "inget datum satt",
        "hypothetical": "hypotetiskt, inget svar är ändrat",
        "could_be": "Kan vara lämpliga nu:",
        "scenarios": "Sparade scenarier (hypotetiska)",
    },
    "en": {
        "suitable": "Suitable",
        "suitable_with_conditions": "Suitable with conditions",
        "not_suitable": "Not suitable",
        "cannot_assess": "Cannot be assessed yet",
        "brief": "Decision brief",
        "download": "Download the decision brief (PDF)",
        "favourable": "With favourable answers:",
        "nothing_open": "No open questions",
        "provider": "The provider",
        "no_date": "no date set",
        "hypothetical": "hypothetical, no answer is changed",
        "could_be": "Could be suitable now:",
        "scenarios": "Saved scenarios (hypothetical)",
    },
}
LOCALES = {"sv": "sv-SE", "en": "en-GB"}


def _sign_in(page: Page, demo: Demo, username: str) -> None:
    """Sign in through the real form (by field id: the labels are in the page's language)."""
    page.goto("/logga-in")
    page.locator("#username").fill(username)
    page.locator("#password").fill(demo.passwords[username])
    page.locator("#password").press("Enter")
    page.wait_for_url(re.compile(r"/arenden"))


def _set_due_dates(server: LiveServer, demo: Demo) -> None:
    """Give two of A's open provider questions a due date (the earlier one must show as the earliest)."""
    from assess.extensions import db
    from assess.models import Answer

    with server.app.app_context():
        rows = {
            r.question_id: r
            for r in db.session.scalars(select(Answer).filter_by(assessment_id=demo.assessment_id("A")))
        }
        rows["S-05"].unknown_due = dt.date(2027, 3, 1)
        rows["G-15"].unknown_due = dt.date(2027, 1, 15)
        db.session.commit()


def _build_scenario_for_b(page: Page, demo: Demo) -> str:
    """Build the scenario through the editor, as the architect would; return its verdict as the editor shows it."""
    _sign_in(page, demo, "arkitekt")
    page.goto(f"/arenden/{demo.case['id']}")
    page.locator(f"a[href$='/bedomningar/{demo.assessment_id('B')}']").first.click()
    page.get_by_role("link", name="Lägg till ett scenario").click()
    page.get_by_label("Namn").fill(SCENARIO)
    page.get_by_role("button", name="Skapa scenario").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Scenario (hypotetiskt):")
    page.get_by_role("button", name="Fyll i det gynnsammaste").click()
    page.get_by_role("button", name="Spara", exact=True).click()
    expect(page.locator(".flash")).to_contain_text("Scenariot är sparat")
    verdict = page.locator("[data-scenario-verdict]")
    expect(verdict).to_be_visible()
    code = verdict.get_attribute("data-scenario-verdict")
    assert code in WORDS["sv"], code
    return code


@pytest.fixture(scope="module")
def brief_server(
    demo: Demo, browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveServer, str]]:
    """The demo with A's due dates and a saved scenario for B, served for this module; with the scenario's verdict."""
    server = _serve(_copy_demo(demo, tmp_path_factory.mktemp("steering")))
    _set_due_dates(server, demo)
    context = browser.new_context(base_url=server.url, locale="sv-SE")
    context.set_default_timeout(TIMEOUT_MS)
    try:
        verdict = _build_scenario_for_b(context.new_page(), demo)
    finally:
        context.close()
    yield server, verdict
    server.stop()


def _module(page: Page, demo: Demo, key: str) -> Locator:
    return page.locator(f"section.steering-module[data-assessment='{demo.assessment_id(key)}']")


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("username", ["beslutsfattare", "lasare"])
def test_a_steering_group_member_reads_the_brief_and_its_pdf(
    brief_server: tuple[LiveServer, str],
    new_page: Callable[..., Page],
    demo: Demo,
    username: str,
    language: str,
    tmp_path: Path,
) -> None:
    server, scenario_verdict = brief_server
    w = WORDS[language]
    page = new_page(server, locale=LOCALES[language])
    _sign_in(page, demo, username)

    # From the case page, as a reader would.
    page.goto(f"/arenden/{demo.case['id']}")
    page.get_by_role("link", name=w["brief"], exact=True).click()
    expect(page).to_have_url(re.compile(rf"/arenden/{demo.case['id']}/beslutsunderlag$"))
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.get_by_role("heading", level=1)).to_have_text(w["brief"])
    for alternative in demo.case["alternatives"]:
        expect(page.get_by_role("heading", level=2, name=alternative["name"])).to_be_visible()

    # The summary names the one module that could be suitable now.
    expect(page.locator("#summary-suitable")).to_contain_text(w["could_be"])
    expect(page.locator("#summary-suitable")).to_contain_text("D2")
    expect(page.locator("#summary-unsuitable")).to_contain_text("D1")

    for key in NOW:
        module = _module(page, demo, key)
        expect(module).to_have_count(1)
        verdict = module.locator(".steering-verdict strong")
        expect(verdict).to_have_text(w[NOW[key]])
        expect(module.locator(".steering-worst")).to_have_text(w[WORST[key]])
        favourable = module.locator(".steering-favourable")
        if key == "D2":  # nothing open: the result stands
            expect(favourable).to_contain_text(w["nothing_open"])
            expect(module.locator("table.steering-facts")).to_have_count(0)
        else:
            expect(favourable).not_to_be_empty()
            expect(module.locator("table.steering-facts tbody tr").first).to_be_visible()

    # B: what it could reach, and how many answers it needs from the provider.
    b_favourable = _module(page, demo, "B").locator(".steering-favourable")
    if language == "sv":
        expect(b_favourable).to_have_text(
            re.compile(r"^Med gynnsamma besked: .+ – kräver besked i \d+ frågor, \d+ från")
        )

    # A: the facts per party, with the earliest of the due dates set on the provider's questions.
    provider = _module(page, demo, "A").locator("tr[data-party='provider']")
    expect(provider.locator("th")).to_have_text(w["provider"])
    expect(provider.locator(".steering-due")).to_have_text("2027-01-15")
    expect(provider).to_contain_text("Olivia Ek")
    expect(_module(page, demo, "A").locator("tr[data-party='legal'] .steering-due")).to_have_text(w["no_date"])

    # D1's knock-outs and D2's conditions.
    knockouts = _module(page, demo, "D1").locator(".steering-knockouts li")
    expect(knockouts).to_have_count(2)
    expect(knockouts.nth(0)).to_contain_text("L-01")
    expect(knockouts.nth(1)).to_contain_text("L-04")
    conditions = _module(page, demo, "D2").locator(".steering-conditions li")
    expect(conditions.first).to_be_visible()
    assert {c.split()[0] for c in conditions.all_inner_texts()} >= {"S-01", "S-09"}
    expect(_module(page, demo, "D3").locator(".steering-knockouts")).to_have_count(0)

    # The scenario for B, marked hypothetical, with its own verdict; no other alternative has one.
    scenario = _module(page, demo, "B").locator(".steering-scenarios li")
    expect(scenario).to_have_count(1)
    expect(scenario).to_contain_text(SCENARIO)
    expect(scenario).to_contain_text(w["hypothetical"])
    expect(scenario.locator("strong")).to_contain_text(w[scenario_verdict])
    expect(_module(page, demo, "A").locator(".steering-scenarios")).to_have_count(0)
    assert_accessible(page)

    # The PDF behind the download link: the same verdicts, the scenario, hypothetical.
    with page.expect_download() as download:
        page.get_by_role("link", name=w["download"]).click()
    target = tmp_path / "brief.pdf"
    download.value.save_as(target)
    pdf = target.read_bytes()
    assert pdf.startswith(b"%PDF")
    text = squashed(all_text(pdf))
    for alternative in demo.case["alternatives"]:
        assert squashed(alternative["name"]) in text
    for key, code in NOW.items():
        assert squashed(w[code]) in text, (key, w[code])
    assert squashed(SCENARIO) in text
    assert squashed(w["scenarios"]) in text
    assert squashed(w[scenario_verdict]) in text
    assert "2027-01-15" in text
    assert "cannot_assess" not in text
    assert "not_suitable" not in text
