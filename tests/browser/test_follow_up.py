"""The follow-up walk (issue 12's "done when"), in a real browser, as the people who do it.

The architect picks who finds out two open questions (the vendor's contact and the second legal reviewer); that
reviewer finds it on *Mina uppgifter* and answers it in the questionnaire; the owner of a decided condition
claims it, and neither the claimant nor a viewer can verify it (no form, and the server refuses a forged post),
the area's reviewer verifies it; a new revision is made and the comparison still shows the decided one.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from playwright.sync_api import Page, expect
from sqlalchemy import select

from assess.extensions import db
from assess.models import Answer, Assessment, DecisionCondition
from tests.assess.helpers import approve_use, demo_users, submit_and_approve
from tests.browser.conftest import Demo, LiveServer
from tests.browser.helpers import assert_accessible, expect_saved

CONTACT = "Olivia Ek (Cerner Sverige AB (Oracle))"
REVIEWER = "Klara Jurist (Granskare juridik)"


def _forged_post(page: Page, path: str, fields: dict[str, str]) -> int:
    """Post a form the page does not offer (with the page's own CSRF token), as a user could with devtools."""
    return int(
        page.evaluate(
            """async ([path, fields]) => {
                const body = new URLSearchParams(fields);
                body.set('csrf_token', document.querySelector('input[name="csrf_token"]').value);
                const response = await fetch(path, {method: 'POST', body, redirect: 'manual'});
                return response.status;
            }""",
            [path, fields],
        )
    )


def test_questions_reach_the_people_and_conditions_are_verified_by_someone_else(
    new_page: Callable[..., Page], login: Callable[[Page, str], Page], fresh_server: LiveServer, demo: Demo
) -> None:
    a, d2 = demo.assessment_id("A"), demo.assessment_id("D2")
    with fresh_server.app.app_context():  # D2 decided through the services (the decision form has its own tests)
        users = demo_users()
        decided = db.session.get(Assessment, d2)
        assert decided is not None
        scope = decided.scope
        submit_and_approve(decided, users, "Inga anmärkningar.")
        approve_use(decided, users, dt.date.today())
        db.session.commit()
        condition = db.session.scalar(
            select(DecisionCondition).where(
                DecisionCondition.assessment_id == d2, DecisionCondition.question_id == "L-16"
            )
        )
        assert condition is not None
        condition_id = condition.id
        db.session.remove()

    # 1. The architect picks who finds out two of A's legal unknowns.
    architect = login(new_page(fresh_server), "arkitekt")
    architect.goto(f"/bedomningar/{a}?steg=legal")
    for qid, who in (("L-03", CONTACT), ("L-04", REVIEWER)):
        block = architect.locator(f"#q-{qid}")
        details = block.locator("details.unknown-extra")
        if details.get_attribute("open") is None:  # an unknown opens it already
            details.locator("> summary").click()
        block.locator(f'[name="q_{qid}_owner"]').select_option(label=who)
    architect.locator('[name="q_L-04_due"]').fill("2027-02-01")
    architect.locator('button[name="action"][value="save"]').click()
    architect.wait_for_load_state()
    expect_saved(architect)
    expect(architect.locator("#q-L-03-assignee")).to_contain_text("Olivia Ek")
    expect(architect.locator("#q-L-04-assignee")).to_contain_text("Klara Jurist")
    expect(architect.locator("#q-L-05-assignee")).to_contain_text("Johan Jurist")  # the team's default
    expect(architect.locator("#q-L-05-assignee")).to_contain_text("standard enligt ärendets team")

    # 2. Klara finds the question on her tasks and answers it in the questionnaire; the others stay read-only.
    reviewer = login(new_page(fresh_server), "jurist2")
    reviewer.goto("/mina-uppgifter")
    task = reviewer.locator("#t-unknowns").locator("..").get_by_role("link", name=re.compile("L-04"))
    expect(task).to_have_count(1)
    expect(reviewer.locator("#t-unknowns").locator("..")).to_contain_text("senast 2027-02-01")
    task.click()
    reviewer.wait_for_url(re.compile(rf"/bedomningar/{a}\?steg=legal#q-L-04"))
    expect(reviewer.locator(".notice", has_text="tilldelad dig")).to_be_visible()
    expect(reviewer.locator("#q-L-05 input[type=radio]").first).to_be_disabled()
    expect(reviewer.locator('[name="q_L-04_owner"]')).to_be_disabled()  # she answers, the architect assigns
    choice = reviewer.locator('#q-L-04 input[type=radio]:not([value="unknown"])').first
    chosen = choice.get_attribute("value")
    choice.check()
    expect(reviewer.locator("#save-status")).to_contain_text("Sparat")
    assert_accessible(reviewer)
    reviewer.reload()
    expect(reviewer.locator(f'#q-L-04 input[value="{chosen}"]')).to_be_checked()
    with fresh_server.app.app_context():
        row = db.session.scalar(select(Answer).where(Answer.assessment_id == a, Answer.question_id == "L-04"))
        assert row is not None
        assert row.value == chosen
        assert row.updated_by is not None
        assert row.updated_by.username == "jurist2"
        db.session.remove()

    # 3. The condition's owner (the architect) claims it; she cannot verify her own claim.
    architect.goto(f"/bedomningar/{d2}/granskning")
    claim = architect.locator(f"#claim-form-{condition_id}")
    claim.get_by_label(re.compile("Hur är villkoret uppfyllt|Beskriv")).fill("Avtalsbilaga 4 undertecknad.")
    claim.get_by_role("button", name=re.compile("Anmäl som uppfyllt")).click()
    architect.wait_for_load_state()
    expect(architect.locator("main")).to_contain_text("Anmält som uppfyllt av Anna Arkitekt")
    expect(architect.locator(f"#verify-form-{condition_id}")).to_have_count(0)
    assert _forged_post(architect, f"/villkor/{condition_id}/verifiera", {"note": "själv"}) == 403

    # A viewer sees the claim but has no form, and the server refuses her too.
    viewer = login(new_page(fresh_server), "lasare")
    viewer.goto(f"/bedomningar/{d2}/granskning")
    expect(viewer.locator("main")).to_contain_text("väntar på verifiering")
    expect(viewer.locator(f"#verify-form-{condition_id}")).to_have_count(0)
    assert _forged_post(viewer, f"/villkor/{condition_id}/verifiera", {"note": "läsare"}) == 403

    # The legal reviewer (the area of L-16) verifies it.
    jurist = login(new_page(fresh_server), "jurist")
    jurist.goto(f"/bedomningar/{d2}/granskning")
    verify = jurist.locator(f"#verify-form-{condition_id}")
    verify.get_by_role("button", name=re.compile("Verifiera som uppfyllt")).click()
    jurist.wait_for_load_state()
    expect(jurist.locator("main")).to_contain_text("Verifierat av Johan Jurist")
    assert_accessible(jurist)

    # 4. A new revision of D2: the comparison still shows the decided revision beside the one in progress.
    architect.goto(f"/bedomningar/{d2}/granskning")
    architect.locator("#revise > summary").click()
    architect.get_by_label("Varför behövs en ny revision?").fill("Nytt underbiträde hos leverantören.")
    architect.get_by_label(re.compile("Jag förstår att beslutet står kvar")).check()
    architect.get_by_role("button", name="Skapa revision 2").click()
    expect(architect.get_by_role("heading", level=1)).to_contain_text("rev 2")
    architect.goto(f"/arenden/{demo.case['id']}/jamforelse")
    row = architect.locator("tbody tr", has_text=scope)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Beslutad rev 1: Lämplig med villkor")
    expect(row).to_contain_text("rev 2 pågår")
