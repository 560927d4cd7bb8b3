"""A scenario for alternative B: hypothetical answers, its verdict, and its marked row in the comparison and PDF."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.browser.conftest import Demo, LiveServer
from tests.browser.helpers import assert_accessible
from tests.pdf.helpers import all_text

NAME = "Om leverantören bekräftar EU-drift och HYOK"


def test_a_scenario_for_b_is_marked_hypothetical_in_the_comparison_and_its_pdf(
    fresh_server: LiveServer, new_page: Callable[..., Page], login: Callable[[Page, str], Page], demo: Demo
) -> None:
    page = login(new_page(fresh_server), "arkitekt")
    page.goto(f"/bedomningar/{demo.assessment_id('B')}/scenarier")
    page.get_by_label("Namn").fill(NAME)
    page.get_by_role("button", name="Skapa scenario").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Scenario (hypotetiskt):")

    # Two open questions get a hypothetical answer: the first real option of each (not "unknown").
    answers = page.locator("form#scenario select[name^='q_']:not([name$='_evidence'])")
    assert answers.count() >= 2
    for select in answers.all()[:2]:
        value = select.evaluate("s => [...s.options].map(o => o.value).find(v => v !== '' && v !== 'unknown')")
        select.select_option(value)
    page.get_by_role("button", name="Spara", exact=True).click()
    expect(page.locator(".flash")).to_contain_text("Scenariot är sparat")
    verdict = page.locator("[data-scenario-verdict]")
    expect(verdict).to_be_visible()
    verdict_words = verdict.locator(".verdict").first.inner_text().strip()
    expect(page.get_by_role("heading", name="Scenario (hypotetiskt)", exact=True)).to_be_visible()
    assert_accessible(page)

    page.goto(f"/arenden/{demo.case['id']}/jamforelse")
    row = page.locator("tr.comparison__scenario")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(f"Scenario (hypotetiskt): {NAME}")
    expect(row).to_contain_text(verdict_words)

    response = page.request.get(f"/arenden/{demo.case['id']}/jamforelse.pdf")
    assert response.ok
    assert response.headers["content-type"].startswith("application/pdf")
    text = " ".join(all_text(response.body()).split())
    assert "Scenario (hypotetiskt)" in text
    assert "HYOK" in text
    assert "Om leverantören" in text
