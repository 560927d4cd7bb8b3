"""The whole review path with the demo accounts: submit, review per area, decide with conditions, the record."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Demo, LiveServer
from tests.browser.helpers import assert_accessible

pytestmark = pytest.mark.load  # make test-load (and .ci/run): keeps make test under ten minutes

COMMENT = "L-05: bifoga underbiträdesbilagan till avtalet <b>före</b> beslut & arkivera den."
RISK = "Leverantörens supportåtkomst från tredje land kvarstår; begränsas med M-11."


def _review_page(page: Page, assessment_id: int) -> None:
    page.goto(f"/bedomningar/{assessment_id}/granskning")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Granskning och beslut")


def _flash(page: Page, text: str) -> None:
    expect(page.locator(".flash, [role=status]").filter(has_text=text).first).to_be_visible()


def test_architect_submits_reviewers_approve_decision_maker_decides_and_the_record_shows_hash_and_approvals(
    new_page: Callable[..., Page], login: Callable[[Page, str], Page], fresh_server: LiveServer, demo: Demo
) -> None:
    d2 = demo.assessment_id("D2")

    architect = login(new_page(fresh_server), "arkitekt")
    _review_page(architect, d2)
    architect.get_by_role("button", name="Skicka in för granskning").click()
    expect(architect.locator(".status-card")).to_contain_text("Inskickad")
    expect(architect.get_by_role("button", name="Skicka in för granskning")).to_have_count(0)

    legal = login(new_page(fresh_server), "jurist")
    _review_page(legal, d2)
    legal.get_by_label("Gäller fråga").select_option("L-05")
    legal.get_by_label("Kommentar", exact=True).fill(COMMENT)
    legal.get_by_role("button", name="Lägg till kommentar").click()
    expect(legal.locator(".comment__text").filter(has_text="underbiträdesbilagan")).to_have_text(COMMENT)
    legal.get_by_role("button", name="Godkänn juridik").click()
    expect(legal.locator("#area-approvals tr", has_text="Juridik")).to_contain_text("Johan Jurist")

    for username, area, name in (
        ("infosak", "informationssäkerhet", "Ingrid Informationssäkerhet"),
        ("patientsak", "patientsäkerhet", "Per Patientsäkerhet"),
    ):
        reviewer = login(new_page(fresh_server), username)
        _review_page(reviewer, d2)
        # Four-eyes and areas: a reviewer sees only their own area's buttons.
        expect(reviewer.get_by_role("button", name="Godkänn juridik")).to_have_count(0)
        reviewer.get_by_role("button", name=f"Godkänn {area}").click()
        expect(reviewer.locator("#area-approvals tr", has_text=area.capitalize())).to_contain_text(name)
    expect(reviewer.locator(".status-card")).to_contain_text("Granskad")

    # The architect sees the reviewer's comment, printed literally.
    _review_page(architect, d2)
    expect(architect.locator(".comment__text").filter(has_text="underbiträdesbilagan")).to_have_text(COMMENT)
    expect(architect.locator("#decision-form")).to_have_count(0)

    decider = login(new_page(fresh_server), "beslutsfattare")
    _review_page(decider, d2)
    form = decider.locator("#decision-form")
    expect(form).to_be_visible()
    # Deciding without the terms names every missing one and loses nothing typed.
    decider.get_by_label("Kvarstående risker som du accepterar").fill(RISK)
    decider.get_by_label("Godkänn användningen").check()
    decider.get_by_role("button", name="Fatta beslut").click()
    expect(decider.locator("[data-error-summary]")).to_contain_text("välj en ansvarig")
    expect(decider.get_by_label("Kvarstående risker som du accepterar")).to_have_value(RISK)

    deadline = (dt.date.today() + dt.timedelta(days=90)).isoformat()
    rows = decider.locator(".condition-row")
    assert rows.count() > 0
    for i in range(rows.count()):  # one deadline each: a date for the first, a gate for the others
        row = rows.nth(i)
        owner = row.get_by_label("Ansvarig")  # the architect, as a team member or (no team) a user
        owner.select_option(owner.locator("option", has_text="Anna Arkitekt").first.get_attribute("value"))
        if i == 0:
            row.get_by_label("När ska villkoret vara uppfyllt?").select_option("date")
            row.get_by_label("Senast").fill(deadline)
        else:
            row.get_by_label("När ska villkoret vara uppfyllt?").select_option("before_go_live")
    decider.get_by_label("Nästa omprövning").fill((dt.date.today() + dt.timedelta(days=365)).isoformat())
    decider.get_by_label("Godkänn användningen").check()
    decider.get_by_role("button", name="Fatta beslut").click()
    expect(decider.locator("#decision-title + p")).to_contain_text("Användningen är godkänd")
    expect(decider.locator(".status-card")).to_contain_text("Beslutad")

    decider.get_by_role("link", name="Beslutspost").first.click()
    expect(decider.locator("#record-hash")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    expect(decider.locator(".status-card, #hash-title + dl")).to_contain_text("stämmer med den lagrade posten")
    approvers = decider.locator("#approvals .approver")
    expect(approvers).to_have_text(["Johan Jurist", "Ingrid Informationssäkerhet", "Per Patientsäkerhet"])
    expect(decider.locator("main")).to_contain_text(RISK)
    assert_accessible(decider)

    # The decided assessment is read-only for its architect now.
    architect.goto(f"/bedomningar/{d2}?steg=context")
    expect(architect.locator('button[name="action"][value="save"]')).to_have_count(0)


def test_review_page_has_no_serious_accessibility_violations(
    page: Page, login: Callable[[Page, str], Page], demo: Demo
) -> None:
    login(page, "beslutsfattare")
    _review_page(page, demo.assessment_id("D1"))
    assert_accessible(page)
    page.goto("/mina-uppgifter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Mina uppgifter")
    assert_accessible(page)
