"""Reviews in place: with changes requested, the architect reads what was asked and replies at the question."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from assess.extensions import db
from assess.models import Assessment
from assess.services import review as review_service
from assess.services import workflow
from tests.assess.helpers import demo_users
from tests.browser.conftest import Demo, LiveServer
from tests.browser.helpers import axe_violations, describe_violations

COMMENT = "Bifoga underbiträdesbilagan till avtalet."
REASON = "L-05: avtalet saknar bilagan om underbiträden."
REPLY = "Bilagan är bifogad som avtalsbilaga 3."


def test_the_architect_sees_the_requested_changes_and_replies_at_the_question(
    new_page: Callable[..., Page], login: Callable[[Page, str], Page], fresh_server: LiveServer, demo: Demo
) -> None:
    d2 = demo.assessment_id("D2")
    with fresh_server.app.app_context():  # the review through the services (the review page has its own test)
        users = demo_users()
        assessment = db.session.get(Assessment, d2)
        assert assessment is not None
        workflow.submit(assessment, users["arkitekt"])
        review_service.add_comment(assessment, users["jurist"], COMMENT, "L-05")
        review_service.request_changes(assessment, users["jurist"], "legal", REASON)
        db.session.commit()
        db.session.remove()

    page = login(new_page(fresh_server), "arkitekt")
    page.goto(f"/bedomningar/{d2}?steg=legal")
    banner = page.get_by_role("region", name="Ändringar begärda")
    expect(banner).to_contain_text(REASON)
    expect(banner.get_by_role("button", name="Börja ändra")).to_be_visible()
    banner.get_by_role("link", name="L-05").click()

    thread = page.get_by_role("region", name="Granskarens kommentar till L-05")
    expect(thread).to_contain_text(COMMENT)
    thread.locator("details.reply > summary").click()
    thread.get_by_label("Ditt svar").fill(REPLY)
    thread.get_by_role("button", name="Skicka svar").click()

    page.wait_for_url(f"**/bedomningar/{d2}?steg=legal#q-L-05")
    thread = page.get_by_role("region", name="Granskarens kommentar till L-05")
    expect(thread.locator(".thread--replies")).to_contain_text(REPLY)
    expect(thread.locator(".thread--replies")).to_contain_text("Anna Arkitekt")
    thread.locator("details.reply > summary").click()  # the reply form open too, for the scan
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)
