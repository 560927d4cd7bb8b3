"""The comparison of alternatives: the page a steering group looks at."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Demo
from tests.browser.helpers import assert_accessible

#: The demo's verdicts (scoring.md worked example), as the case page shows them too.
DEMO_VERDICTS = {
    "A": "Kan ej bedömas ännu",
    "B": "Kan ej bedömas ännu",
    "C": "Kan ej bedömas ännu",
    "D1": "Ej lämplig",
    "D2": "Lämplig med villkor",
    "D3": "Kan ej bedömas ännu",
}
ASSESSMENT_LINK = re.compile(r"/bedomningar/(\d+)(?:[?#].*)?$")


def _links(locator: Locator) -> list[str]:
    return locator.locator("a[href]").evaluate_all("links => links.map(a => a.getAttribute('href'))")


def _leads_to(page: Page, cell: Locator, assessment_id: int) -> bool:
    """Whether a cell links to the assessment, directly or through an in-page section that does."""
    for href in _links(cell):
        if (m := ASSESSMENT_LINK.search(href)) and int(m.group(1)) == assessment_id:
            return True
        if href.startswith("#") and len(href) > 1:
            target = page.locator(f'[id="{href[1:]}"]')
            if target.count() == 1:
                section = target.locator("xpath=ancestor-or-self::*[self::section or self::div][1]")
                if any(int(m.group(1)) == assessment_id for h in _links(section) if (m := ASSESSMENT_LINK.search(h))):
                    return True
    return False


def test_comparison_has_a_row_per_assessment_with_its_verdict_in_words_and_links_to_it(
    page: Page, login: Callable[[Page, str], Page], demo: Demo
) -> None:
    login(page, "beslutsfattare")
    page.goto(f"/arenden/{demo.case['id']}/jamforelse")
    table = page.locator("table#comparison")
    expect(table).to_be_visible()
    for alt in demo.case["alternatives"]:
        expect(table).to_contain_text(alt["name"])

    key_of = {assessment_id: key for key, assessment_id in demo.assessment_ids().items()}
    seen = {}
    for row in table.locator("tbody tr").all():
        hrefs = _links(row)
        ids = {int(m.group(1)) for href in hrefs if (m := ASSESSMENT_LINK.search(href))}
        assert len(ids) == 1, f"a row should link to exactly one assessment: {row.inner_text()!r} {hrefs}"
        (assessment_id,) = ids
        key = key_of[assessment_id]
        assert key not in seen, f"two rows for {key}"
        seen[key] = row.inner_text()
        for cell in row.locator("td").all():
            assert _leads_to(page, cell, assessment_id), (
                f"{key}: cell not linked to its assessment: {cell.inner_text()!r}"
            )
    assert sorted(seen) == sorted(DEMO_VERDICTS)
    for key, words in DEMO_VERDICTS.items():
        assert words in seen[key], f"{key}: {seen[key]!r}"
    assert "Kan ej bedömas ännu" not in seen["D1"]
    assert "Kan ej bedömas ännu" not in seen["D2"]

    page.locator("table#comparison tbody tr", has_text="D2").first.locator("td a[href]").first.click()
    expect(page).to_have_url(re.compile(rf"/bedomningar/{demo.assessment_id('D2')}\b"))
    expect(page.locator("form#questionnaire")).to_be_visible()


def test_comparison_page_has_no_serious_accessibility_violations(
    page: Page, login: Callable[[Page, str], Page], demo: Demo
) -> None:
    login(page, "arkitekt")
    page.goto(f"/arenden/{demo.case['id']}/jamforelse")
    expect(page.locator("table#comparison")).to_be_visible()
    assert_accessible(page)
