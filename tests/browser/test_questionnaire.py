"""The questionnaire as the demo architect uses it: conditional questions, the live verdict, saving, conflicts."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Demo, LiveServer
from tests.browser.helpers import assert_accessible, expect_saved, focus_is_visible, tab_stops, tab_to

TYPED = "Admins motivering som inte får försvinna"
STEPS = ["context", "legal", "infosec", "patient_safety"]

#: Every q_* field of the questionnaire form: the checked option of a radio group (None if none), else the value.
FORM_STATE_JS = """form => {
  const out = {};
  for (const el of form.elements) {
    if (!el.name || !el.name.startsWith('q_')) continue;
    if (el.type === 'radio' || el.type === 'checkbox') {
      if (el.checked) out[el.name] = el.value;
      else if (!(el.name in out)) out[el.name] = null;
    } else {
      out[el.name] = el.value;
    }
  }
  return out;
}"""


def open_step(page: Page, assessment_id: int, step: str) -> None:
    page.goto(f"/bedomningar/{assessment_id}?steg={step}")
    expect(page.locator("form#questionnaire")).to_be_visible()


def form_state(page: Page) -> dict[str, Any]:
    state: dict[str, Any] = page.locator("form#questionnaire").evaluate(FORM_STATE_JS)
    return state


def verdict(page: Page) -> Any:
    return page.locator("#result-panel [data-verdict]")


def option(page: Page, qid: str, label: str) -> Any:
    """The radio button of one question, found by its Swedish label as a user would."""
    return page.locator(f"#q-{qid}").get_by_label(label, exact=True)


def test_unknown_answer_shows_a_hidden_question_changes_the_live_verdict_and_is_kept_after_reload(
    new_page: Callable[..., Page], login: Callable[[Page, str], Page], fresh_server: LiveServer, demo: Demo
) -> None:
    page = login(new_page(fresh_server), "arkitekt")
    d2 = demo.assessment_id("D2")
    before = {}
    for step in STEPS:
        open_step(page, d2, step)
        before[step] = form_state(page)
    assert sum(1 for v in before["context"].values() if v) > 10, "the demo's D2 answers are not in the form"
    assert before["context"]["q_G-22"] == "no"
    open_step(page, d2, "legal")
    expect(page.locator("#q-L-20")).to_have_attribute("hidden", re.compile(".*"))  # G-22 = no hides L-20

    open_step(page, d2, "context")
    expect(verdict(page)).to_have_attribute("data-verdict", "suitable_with_conditions")
    expect(verdict(page)).to_contain_text("Lämplig med villkor")
    option(page, "G-22", "Okänt").check()
    expect(verdict(page)).to_have_attribute("data-verdict", "cannot_assess")  # live, before any explicit save
    expect(verdict(page)).to_contain_text("Kan ej bedömas ännu")
    expect(page.locator("#save-status")).to_contain_text("Sparat")  # autosaved, announced in the live region
    # Who finds out is picked from the case team and its contacts (D's vendor contact here), never typed.
    page.locator('[name="q_G-22_owner"]').select_option(label="David Lund (Leverantören av D1–D3 (demo))")
    owner = page.locator('[name="q_G-22_owner"]').input_value()
    assert owner.startswith("c:")
    page.locator('[name="q_G-22_due"]').fill("2027-03-31")
    page.locator('button[name="action"][value="save"]').click()
    page.wait_for_load_state()
    expect_saved(page)
    expect(page.locator(".conflict")).to_have_count(0)

    open_step(page, d2, "legal")
    expect(page.locator("#q-L-20")).not_to_have_attribute("hidden", re.compile(".*"))
    expect(page.locator("#q-L-20")).to_be_visible()

    after = {}
    for step in reversed(STEPS):
        open_step(page, d2, step)
        after[step] = form_state(page)
    expected = {step: dict(fields) for step, fields in before.items()}
    expected["context"].update({"q_G-22": "unknown", "q_G-22_owner": owner, "q_G-22_due": "2027-03-31"})
    assert after == expected
    page.reload()  # on the context step
    expect(option(page, "G-22", "Okänt")).to_be_checked()
    expect(verdict(page)).to_have_attribute("data-verdict", "cannot_assess")
    expect(page.locator("#q-G-22-assignee")).to_contain_text("David Lund")


def test_without_javascript_a_save_shows_the_question_its_answer_made_relevant(
    new_page: Callable[..., Page], login: Callable[[Page, str], Page], fresh_server: LiveServer, demo: Demo
) -> None:
    page = login(new_page(fresh_server, java_script_enabled=False), "arkitekt")
    d2 = demo.assessment_id("D2")
    open_step(page, d2, "context")
    option(page, "G-22", "Okänt").check()
    expect(verdict(page)).to_have_attribute("data-verdict", "suitable_with_conditions")  # nothing live without JS
    page.locator('button[name="action"][value="save"]').click()
    page.wait_for_load_state()
    expect(verdict(page)).to_have_attribute("data-verdict", "cannot_assess")
    open_step(page, d2, "legal")
    expect(page.locator("#q-L-20")).to_be_visible()
    open_step(page, d2, "context")
    expect(option(page, "G-22", "Okänt")).to_be_checked()


def _first_saves_g22(
    new_page: Callable[..., Page], login: Callable[[Page, str], Page], server: LiveServer, assessment_id: int
) -> Page:
    """Two people open the same step; the first answers G-22 and saves. Return the second person's page."""
    first = login(new_page(server), "arkitekt")
    second = login(new_page(server), "admin")
    open_step(first, assessment_id, "context")
    open_step(second, assessment_id, "context")
    option(first, "G-22", "Okänt").check()
    expect(first.locator("#save-status")).to_contain_text("Sparat")  # autosaved
    first.locator('button[name="action"][value="save"]').click()
    first.wait_for_load_state()
    expect_saved(first, nothing_new=True)
    expect(first.locator(".conflict")).to_have_count(0)
    return second


def _conflict(
    new_page: Callable[..., Page], login: Callable[[Page, str], Page], server: LiveServer, assessment_id: int
) -> tuple[Page, Any]:
    """The second person, whose page still shows the old G-22, changes G-22 too (its motivation) and saves."""
    second = _first_saves_g22(new_page, login, server, assessment_id)
    motivation = second.locator('[name="q_G-22_motivation"]')
    motivation.fill(TYPED)
    second.locator('button[name="action"][value="save"]').click()
    second.wait_for_load_state()
    return second, motivation


def test_a_stale_page_saving_another_question_stores_it_and_leaves_the_other_answer_alone(
    new_page: Callable[..., Page], login: Callable[[Page, str], Page], fresh_server: LiveServer, demo: Demo
) -> None:
    d2 = demo.assessment_id("D2")
    second = _first_saves_g22(new_page, login, fresh_server, d2)
    other = second.locator("#questionnaire [data-question]:not([hidden]):not(#q-G-22)").first.get_attribute("id")
    assert other, "no other question shown on the context step"
    motivation = second.locator(f'[name="q_{other.removeprefix("q-")}_motivation"]')
    motivation.fill(TYPED)
    second.locator('button[name="action"][value="save"]').click()
    second.wait_for_load_state()
    expect_saved(second)
    expect(second.locator(".conflict")).to_have_count(0)
    expect(motivation).to_have_value(TYPED)
    expect(option(second, "G-22", "Okänt")).to_be_checked()  # the first person's answer stands


def test_second_session_saving_the_same_question_gets_the_conflict_message_and_keeps_its_text(
    new_page: Callable[..., Page], login: Callable[[Page, str], Page], fresh_server: LiveServer, demo: Demo
) -> None:
    second, motivation = _conflict(new_page, login, fresh_server, demo.assessment_id("D2"))
    conflict = second.locator(".conflict")
    expect(conflict).to_contain_text("Någon annan har ändrat samma fråga")
    expect(conflict).to_contain_text("Anna Arkitekt")  # who
    expect(conflict).to_contain_text(re.compile(r"G-22"))  # what
    expect(motivation).to_have_value(TYPED)


def test_keeping_my_value_after_a_conflict_saves_it_deliberately(
    new_page: Callable[..., Page], login: Callable[[Page, str], Page], fresh_server: LiveServer, demo: Demo
) -> None:
    second, motivation = _conflict(new_page, login, fresh_server, demo.assessment_id("D2"))
    expect(second.locator(".conflict")).to_contain_text("Okänt")  # the stored answer is named in the box ...
    expect(motivation).to_have_value(TYPED)  # ... and the form keeps my version of the question
    second.locator('button[name="action"][value="save"]').click()  # keep my value, deliberately
    second.wait_for_load_state()
    expect_saved(second)
    expect(second.locator(".conflict")).to_have_count(0)
    second.reload()
    expect(motivation).to_have_value(TYPED)


def test_conflict_message_has_no_serious_accessibility_violations(
    new_page: Callable[..., Page], login: Callable[[Page, str], Page], fresh_server: LiveServer, demo: Demo
) -> None:
    second, _ = _conflict(new_page, login, fresh_server, demo.assessment_id("D2"))
    expect(second.locator(".conflict")).to_be_visible()
    assert_accessible(second)


@pytest.mark.parametrize("step", STEPS)
def test_questionnaire_step_has_no_serious_accessibility_violations(
    page: Page, login: Callable[[Page, str], Page], demo: Demo, step: str
) -> None:
    login(page, "arkitekt")
    open_step(page, demo.assessment_id("D2"), step)
    expect(verdict(page)).to_be_visible()
    assert_accessible(page)


def test_the_architect_reaches_each_assessment_from_the_case_page_by_its_links(
    page: Page, login: Callable[[Page, str], Page], demo: Demo
) -> None:
    login(page, "arkitekt")
    page.get_by_role("link", name=demo.case["title"]).click()
    hrefs = page.locator("main a[href]").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    linked = {int(m.group(1)) for h in hrefs if (m := re.search(r"/bedomningar/(\d+)(?:[?#].*)?$", h))}
    assert linked == set(demo.assessment_ids().values())
    page.locator(f'main a[href$="/bedomningar/{demo.assessment_id("D2")}"]').first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("D2")
    expect(page.locator("form#questionnaire")).to_be_visible()
    expect(verdict(page)).to_contain_text("Lämplig med villkor")


def test_a_viewer_reads_the_questionnaire_but_cannot_change_it(
    page: Page, login: Callable[[Page, str], Page], demo: Demo
) -> None:
    login(page, "lasare")
    open_step(page, demo.assessment_id("D2"), "context")
    expect(option(page, "G-22", "Nej")).to_be_checked()
    expect(option(page, "G-22", "Okänt")).to_be_disabled()
    expect(page.locator('button[name="action"][value="save"]')).to_have_count(0)
    expect(verdict(page)).to_have_attribute("data-verdict", "suitable_with_conditions")


def test_every_tab_stop_on_the_questionnaire_shows_focus(
    page: Page, login: Callable[[Page, str], Page], demo: Demo
) -> None:
    login(page, "arkitekt")
    page.goto(f"/bedomningar/{demo.assessment_id('D2')}?steg=context")
    stops = tab_stops(page)
    assert stops[0]["text"] == "Hoppa till innehållet"
    assert any(s["name"] == "q_G-22" for s in stops), "the answer of G-22 is not reachable with Tab"
    assert any(s["tag"] == "button" and s["text"] == "Spara" for s in stops), "Spara is not reachable with Tab"
    invisible = [s for s in stops if not focus_is_visible(s)]
    assert not invisible, invisible


def test_a_question_can_be_answered_and_saved_with_the_keyboard_only(
    new_page: Callable[..., Page], login: Callable[[Page, str], Page], fresh_server: LiveServer, demo: Demo
) -> None:
    page = login(new_page(fresh_server), "arkitekt")
    page.goto(f"/bedomningar/{demo.assessment_id('D2')}?steg=context")
    verdict = page.locator("#result-panel [data-verdict]")
    expect(verdict).to_have_attribute("data-verdict", "suitable_with_conditions")
    tab_to(page, lambda f: f["name"] == "q_G-22")  # Tab enters the radio group on the checked option: Nej
    page.keyboard.press("ArrowDown")  # ... and the arrow keys choose another: Okänt
    expect(page.locator("#q-G-22").get_by_label("Okänt", exact=True)).to_be_checked()
    expect(verdict).to_have_attribute("data-verdict", "cannot_assess")
    expect(page.locator("#save-status")).to_contain_text("Sparat")  # autosaved
    tab_to(page, lambda f: f["tag"] == "button" and f["text"] == "Spara")
    # the full save is a post and a redirect: wait for that page, not the autosave's "Sparat" still on this one
    # (reloading while the post was under way aborted it: a flaky net::ERR_ABORTED on a busy machine)
    with page.expect_navigation(wait_until="load"):
        page.keyboard.press("Enter")
    expect_saved(page, nothing_new=True)
    page.reload()
    expect(page.locator("#q-G-22").get_by_label("Okänt", exact=True)).to_be_checked()


def test_save_and_go_to_the_next_step_moves_on_with_the_answers_saved(
    new_page: Callable[..., Page], login: Callable[[Page, str], Page], fresh_server: LiveServer, demo: Demo
) -> None:
    page = login(new_page(fresh_server), "arkitekt")
    d2 = demo.assessment_id("D2")
    open_step(page, d2, "context")
    expect(page.locator("#progress-label")).to_contain_text("Av 61 frågor som visas: 61 besvarade.")
    expect(page.locator("#progress-label")).to_contain_text("Alla steg är klara.")
    page.locator('[name="q_G-03_motivation"]').fill(TYPED)
    page.get_by_role("button", name="Spara och gå till nästa steg").click()
    page.wait_for_url(re.compile(rf"/bedomningar/{d2}\?steg=legal$"))
    expect_saved(page, nothing_new=True)  # the autosave may have stored the text before the click
    expect(page.locator("form#questionnaire")).to_have_attribute("data-step", "legal")
    expect(page.locator("h2.step-title")).to_have_text("Juridik")
    expect(page.locator('#step-nav a[aria-current="step"]')).to_contain_text("2. Juridik")
    # Answering G-22 "unknown" on the way: the first step is no longer "Klar", and says why in words.
    open_step(page, d2, "context")
    expect(page.locator('[name="q_G-03_motivation"]')).to_have_value(TYPED)
    option(page, "G-22", "Okänt").check()
    expect(page.locator("#save-status")).to_contain_text("Sparat")
    page.get_by_role("button", name="Spara och gå till nästa steg").click()
    page.wait_for_url(re.compile(r"\?steg=legal$"))
    first = page.locator("#step-nav .steps__item").first
    expect(first).not_to_contain_text("Klar")
    expect(first).to_contain_text("20 besvarade · 1 okänd")
    expect(page.locator("#progress-label")).to_contain_text("fråga blockerar bedömningen")
    # Step by step to the last, which has no such button.
    for step in ("infosec", "patient_safety"):
        page.get_by_role("button", name="Spara och gå till nästa steg").click()
        page.wait_for_url(re.compile(rf"\?steg={step}$"))
    expect(page.get_by_role("button", name="Spara och gå till nästa steg")).to_have_count(0)
    expect(page.locator('button[name="action"][value="save"]')).to_be_visible()


def test_a_save_that_finds_nothing_new_right_after_a_save_never_leaves_saving_on_screen(
    new_page: Callable[..., Page], login: Callable[[Page, str], Page], fresh_server: LiveServer, demo: Demo
) -> None:
    """A text typed and taken back (or a queued autosave after one that saved) goes out and changes nothing; the
    status line must then say the answers are saved, not "Sparar …" for as long as the page is open (a user would
    think the answer was never stored)."""
    page = login(new_page(fresh_server), "arkitekt")
    d2 = demo.assessment_id("D2")
    open_step(page, d2, "context")
    status = page.locator("#save-status")
    field = page.locator('[name="q_G-03"]')
    field.fill(TYPED)
    expect(status).to_contain_text("Sparat")
    with page.expect_response(lambda r: r.request.method == "POST" and "/bedomningar/" in r.url) as sent:
        field.press("End")
        field.press("x")  # typed, and taken back before the autosave goes out: the field is as it was saved
        field.press("Backspace")
    assert sent.value.status == 200
    expect(status).to_contain_text("Sparat")
    expect(status).not_to_contain_text("Sparar")
    expect(field).to_have_value(TYPED)
