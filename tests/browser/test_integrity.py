"""No answer is lost, whatever the user does: Back after an autosave, a session that ran out, a second tab, a crash.

Each test ends by reading what the database holds (through the served app), not only what the page shows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Dialog, Page, Route, expect
from sqlalchemy import select

from assess.extensions import db
from assess.models import Answer, User
from assess.services import sessions
from tests.browser.conftest import Demo, LiveServer
from tests.browser.helpers import assert_accessible

pytestmark = pytest.mark.load  # make test-load (and .ci/run): keeps make test under ten minutes

FIRST = "Ändamålet skrivet före ett byte av steg"
SECOND = "Motivering skriven efter Bakåt"


def open_step(page: Page, assessment_id: int, step: str) -> None:
    page.goto(f"/bedomningar/{assessment_id}?steg={step}")
    expect(page.locator("form#questionnaire")).to_be_visible()


def stored(server: LiveServer, assessment_id: int, question_id: str) -> dict[str, Any]:
    """Return the stored answer of one question, read from the served app's database."""
    with server.app.app_context():
        row = db.session.scalar(
            select(Answer).where(Answer.assessment_id == assessment_id, Answer.question_id == question_id)
        )
        assert row is not None, question_id
        result = {"value": row.value, "motivation": row.motivation}
        db.session.remove()
        return result


def end_sessions(server: LiveServer, username: str) -> None:
    """End every session of a user on the server, as an idle timeout or a sign-out elsewhere would."""
    with server.app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        assert user is not None
        sessions.end_user_sessions(user.id, "test")
        db.session.commit()
        db.session.remove()


def saved(page: Page) -> None:
    # Twice the suite's default, for a loaded two-core CI machine. What once looked like a slow save after a conflict
    # was the status line left at "Sparar …" by a queued save that changed nothing (fixed in questionnaire.js, and
    # tested on its own in test_questionnaire.py); a save that never ends still fails here.
    expect(page.locator("#save-status")).to_contain_text("Sparat", timeout=20_000)


def test_back_after_an_autosave_then_editing_saves_and_shows_no_conflict(
    new_page: Callable[..., Page], login: Callable[[Page, str], Page], fresh_server: LiveServer, demo: Demo
) -> None:
    page = login(new_page(fresh_server), "arkitekt")
    d2 = demo.assessment_id("D2")
    open_step(page, d2, "context")
    page.locator('[name="q_G-03"]').fill(FIRST)
    saved(page)
    page.get_by_role("link", name="2. Juridik").click()
    expect(page.locator("form#questionnaire")).to_have_attribute("data-step", "legal")
    page.go_back()
    expect(page.locator('[name="q_G-03"]')).to_have_value(FIRST)  # the page is the stored one, not an old copy
    page.locator('[name="q_G-04_motivation"]').fill(SECOND)
    saved(page)
    expect(page.locator(".conflict")).to_have_count(0)
    assert stored(fresh_server, d2, "G-03")["value"] == FIRST
    assert stored(fresh_server, d2, "G-04")["motivation"] == SECOND


def test_editable_pages_are_never_served_from_a_cache(
    page: Page, login: Callable[[Page, str], Page], demo: Demo
) -> None:
    login(page, "arkitekt")
    response = page.goto(f"/bedomningar/{demo.assessment_id('D2')}?steg=context")
    assert response is not None
    assert response.headers["cache-control"] == "no-store"


def test_a_session_that_ran_out_asks_to_sign_in_on_the_page_and_then_saves_what_was_typed(
    new_page: Callable[..., Page], login: Callable[[Page, str], Page], fresh_server: LiveServer, demo: Demo
) -> None:
    page = login(new_page(fresh_server), "arkitekt")
    d2 = demo.assessment_id("D2")
    open_step(page, d2, "context")
    end_sessions(fresh_server, "arkitekt")
    page.locator('[name="q_G-03"]').fill(FIRST)
    dialog = page.locator("dialog#relogin")
    expect(dialog).to_be_visible()
    expect(page.locator("#save-status")).to_contain_text("logga in igen")
    assert_accessible(page)
    expect(page.locator('[name="q_G-03"]')).to_have_value(FIRST)  # still on the page, untouched
    dialog.get_by_label("Användarnamn").fill("arkitekt")
    dialog.get_by_label("Lösenord").fill(demo.passwords["arkitekt"])
    dialog.get_by_role("button", name="Logga in och spara").click()
    expect(dialog).to_be_hidden()
    saved(page)
    assert stored(fresh_server, d2, "G-03")["value"] == FIRST


def test_without_javascript_a_save_after_the_session_ran_out_keeps_the_text_and_saves_after_signing_in(
    new_page: Callable[..., Page], login: Callable[[Page, str], Page], fresh_server: LiveServer, demo: Demo
) -> None:
    page = login(new_page(fresh_server, java_script_enabled=False), "arkitekt")
    d2 = demo.assessment_id("D2")
    open_step(page, d2, "context")
    end_sessions(fresh_server, "arkitekt")
    page.locator('[name="q_G-03"]').fill(FIRST)
    page.locator('button[name="action"][value="save"]').click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Logga in igen")
    expect(page.locator(".kept")).to_contain_text(FIRST)  # what was typed is shown, kept
    page.get_by_label("Användarnamn").fill("arkitekt")
    page.get_by_label("Lösenord").fill(demo.passwords["arkitekt"])
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Du är inloggad igen")
    page.get_by_role("button", name="Skicka det du skrev").click()
    expect(page.get_by_role("status").filter(has_text="Sparat")).to_be_visible()
    expect(page.locator('[name="q_G-03"]')).to_have_value(FIRST)
    assert stored(fresh_server, d2, "G-03")["value"] == FIRST


def test_two_tabs_of_one_user_changing_one_question_say_so_and_keep_the_later_value_only_on_request(
    browser: Any, login: Callable[[Page, str], Page], fresh_server: LiveServer, demo: Demo
) -> None:
    context = browser.new_context(base_url=fresh_server.url, locale="sv-SE")
    try:
        first = login(context.new_page(), "arkitekt")
        second = context.new_page()  # the same user's second tab
        d2 = demo.assessment_id("D2")
        open_step(first, d2, "context")
        open_step(second, d2, "context")
        first.locator('[name="q_G-03"]').fill(FIRST)
        saved(first)
        second.locator('[name="q_G-03"]').fill(SECOND)
        conflict = second.locator(".conflict")
        expect(conflict).to_contain_text("Du har själv ändrat samma fråga i en annan flik")
        assert stored(fresh_server, d2, "G-03")["value"] == FIRST  # nothing overwritten silently
        conflict.get_by_role("button", name="Behåll mina värden och spara").click()
        saved(second)
        assert stored(fresh_server, d2, "G-03")["value"] == SECOND
    finally:
        context.close()


def test_edits_that_never_reached_the_server_come_back_when_the_page_is_opened_again(
    browser: Any, login: Callable[[Page, str], Page], fresh_server: LiveServer, demo: Demo
) -> None:
    context = browser.new_context(base_url=fresh_server.url, locale="sv-SE")
    try:
        page = login(context.new_page(), "arkitekt")
        d2 = demo.assessment_id("D2")
        open_step(page, d2, "context")

        def offline(route: Route) -> None:
            route.abort()

        page.route("**/autospara**", offline)  # the network (or the server) is gone
        field = page.locator('[name="q_G-03"]')
        field.click()
        field.fill(FIRST)
        expect(page.locator("#save-status")).to_contain_text("Inte sparat")
        with page.expect_event("dialog") as asked:
            page.close(run_before_unload=True)  # leaving with unsaved edits asks first
        dialog: Dialog = asked.value
        assert dialog.type == "beforeunload"
        dialog.accept()
        again = context.new_page()
        open_step(again, d2, "context")
        expect(again.locator('[name="q_G-03"]')).to_have_value(FIRST)
        saved(again)
        assert stored(fresh_server, d2, "G-03")["value"] == FIRST
    finally:
        context.close()


def test_the_password_page_explains_a_weak_password_accessibly(
    new_page: Callable[..., Page], login: Callable[[Page, str], Page], fresh_server: LiveServer, demo: Demo
) -> None:
    page = login(new_page(fresh_server), "lasare")
    page.get_by_role("link", name="Byt lösenord").click()
    page.get_by_label("Nuvarande lösenord").fill(demo.passwords["lasare"])
    page.get_by_label("Nytt lösenord", exact=True).fill("sommarsommar")
    page.get_by_label("Upprepa det nya lösenordet").fill("sommarsommar")
    page.get_by_role("button", name="Byt lösenord").click()
    expect(page.locator(".error-summary")).to_contain_text("för lätt att gissa")
    assert_accessible(page)


def test_the_sign_in_again_page_has_no_serious_accessibility_violations(
    new_page: Callable[..., Page], login: Callable[[Page, str], Page], fresh_server: LiveServer, demo: Demo
) -> None:
    page = login(new_page(fresh_server), "arkitekt")
    open_step(page, demo.assessment_id("D2"), "context")
    end_sessions(fresh_server, "arkitekt")
    page.locator('button[name="action"][value="save"]').click()  # a full post, as without the script
    expect(page.get_by_role("heading", level=1)).to_have_text("Logga in igen")
    assert_accessible(page)  # (axe needs the script: it cannot run on the page without JavaScript)
