"""A new revision in the browser: it asks why and for a confirmation, and the case keeps showing the decision."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from assess.extensions import db
from assess.models import Assessment
from tests.assess.helpers import approve_use, demo_users, submit_and_approve
from tests.browser.conftest import Demo, LiveServer
from tests.browser.helpers import assert_accessible

pytestmark = pytest.mark.load  # make test-load (and .ci/run): keeps make test under ten minutes

REASON = "Leverantören byter underbiträde för driften."
CONFIRM = "Jag förstår att beslutet står kvar tills den nya revisionen är beslutad"
DECIDED = "Beslutad rev 1: Lämplig med villkor"


def test_a_new_revision_asks_why_and_the_case_keeps_showing_the_decision(
    new_page: Callable[..., Page], login: Callable[[Page, str], Page], fresh_server: LiveServer, demo: Demo
) -> None:
    d2 = demo.assessment_id("D2")
    with fresh_server.app.app_context():  # D2 decided through the services (the review path has its own test)
        users = demo_users()
        assessment = db.session.get(Assessment, d2)
        assert assessment is not None
        scope = assessment.scope
        submit_and_approve(assessment, users, "Inga anmärkningar.")
        approve_use(assessment, users, dt.date.today())
        db.session.commit()
        db.session.remove()

    page = login(new_page(fresh_server), "arkitekt")
    page.goto(f"/bedomningar/{d2}/granskning")
    expect(page.get_by_role("heading", level=1)).to_contain_text("rev 1")
    page.locator("#revise > summary").click()
    create = page.get_by_role("button", name="Skapa revision 2")
    # Neither reason nor confirmation: both are named, at the field and in the summary.
    create.click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_contain_text("Ange varför en ny revision behövs.")
    expect(summary).to_contain_text("Bekräfta att beslutet står kvar")
    expect(page.locator("#revise-reason-error")).to_be_visible()
    expect(page.locator("#revise-confirm-error")).to_be_visible()
    assert_accessible(page)
    # A reason without the confirmation: the reason is kept.
    page.get_by_label("Varför behövs en ny revision?").fill(REASON)
    page.get_by_role("button", name="Skapa revision 2").click()
    expect(page.locator("#revise-confirm-error")).to_be_visible()
    expect(page.locator("#revise-reason-error")).to_have_count(0)
    expect(page.get_by_label("Varför behövs en ny revision?")).to_have_value(REASON)
    page.get_by_label(CONFIRM).check()
    page.get_by_role("button", name="Skapa revision 2").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("rev 2")

    # The case page and the comparison: one row for D2, with the decision that stands.
    case_id = demo.case["id"]
    for url in (f"/arenden/{case_id}", f"/arenden/{case_id}/jamforelse"):
        page.goto(url)
        row = page.locator("tbody tr", has_text=scope)
        expect(row).to_have_count(1)
        expect(row).to_contain_text(DECIDED)
        expect(row).to_contain_text("rev 2 pågår")
        assert_accessible(page)
