"""The questionnaire on the server: visibility, progress, saving, conflicts, garbage input, query counts."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from assess.extensions import db
from assess.models import Answer, AuditEvent
from tests import factories
from tests.assess.helpers import answers_snapshot, count_queries, load_demo, page_form, version_of
from tests.conftest import login_as


@pytest.fixture
def demo(app: Flask) -> dict[str, int]:
    return load_demo(app)


@pytest.fixture
def architect(client: FlaskClient, app: Flask) -> Any:
    user = factories.create_user("architect", display_name="Arne Arkitekt")
    db.session.commit()
    return login_as(client, user)


def url(assessment_id: int, step: str = "context") -> str:
    return f"/bedomningar/{assessment_id}?steg={step}"


def test_hidden_question_is_hidden_until_its_condition_is_unknown(
    client: FlaskClient, demo: dict[str, int], architect: Any
) -> None:
    d2 = demo["D2"]
    legal = client.get(url(d2, "legal")).get_data(as_text=True)
    assert 'id="q-L-20" data-question="L-20" data-type="choice" hidden' in legal
    assert 'data-verdict="suitable_with_conditions"' in legal
    form = page_form(client, url(d2))
    form["q_G-22"] = "unknown"
    response = client.post(url(d2), data=form)
    assert response.status_code == 302
    legal = client.get(url(d2, "legal")).get_data(as_text=True)
    assert 'id="q-L-20" data-question="L-20" data-type="choice">' in legal  # shown: its ask_if is unknown
    assert 'data-verdict="cannot_assess"' in legal
    assert "Besvaras av: <strong>juristen</strong>" in legal


def test_answer_to_hidden_question_is_kept_but_not_counted(
    client: FlaskClient, demo: dict[str, int], architect: Any
) -> None:
    d2 = demo["D2"]
    form = page_form(client, url(d2, "legal"))
    form["q_L-20"] = "needs_new_procurement"  # a knock-out, but L-20 is hidden (G-22 = no)
    form["q_L-20_evidence"] = "E2"
    assert client.post(url(d2, "legal"), data=form).status_code == 302
    html = client.get(url(d2, "legal")).get_data(as_text=True)
    assert 'data-verdict="suitable_with_conditions"' in html
    assert "Sparade svar på frågor som inte visas" in html
    assert 'Kräver ny upphandling <span class="muted">(räknas inte)</span>' in html
    stored = db.session.scalar(select(Answer).where(Answer.assessment_id == d2, Answer.question_id == "L-20"))
    assert stored is not None
    assert stored.value == "needs_new_procurement"


def steps_nav(html: str) -> str:
    """Return the step navigator's HTML (the progress line and the step cards)."""
    return html[html.index('id="step-nav"') : html.index("</nav>", html.index('id="step-nav"'))]


def step_card(html: str, step: str) -> str:
    """Return one step card of the navigator, its tags stripped and its whitespace collapsed."""
    nav = steps_nav(html)
    card = nav[nav.index(f"steg={step}") :]
    card = card[: card.index("</li>")]
    return " ".join(re.sub(r"<[^>]+>", " ", card.split(">", 1)[1]).split()).replace(" :", ":").replace(" .", ".")


def progress_line(html: str) -> str:
    """Return the progress line above the steps as read aloud: its text, tags stripped, whitespace collapsed."""
    nav = steps_nav(html)
    line = nav[nav.index('id="progress-label"') : nav.index("</p>", nav.index('id="progress-label"'))]
    return " ".join(re.sub(r"<[^>]+>", " ", line.split(">", 1)[1]).split()).replace(" .", ".")


def test_progress_counts_answered_of_shown(client: FlaskClient, architect: Any, app: Flask) -> None:
    a = factories.create_assessment(owner=architect)
    db.session.commit()
    html = client.get(url(a.id)).get_data(as_text=True)
    # Nothing answered: only the questions whose ask_if is always, or still unknown, are shown.
    line = progress_line(html)
    before = re.fullmatch(r"Av (\d+) frågor som visas: 0 besvarade · \1 obesvarade\. \d+ frågor blockerar .*", line)
    assert before, line
    assert "Klar" not in step_card(html, "context")
    form = page_form(client, url(a.id))
    form["q_G-04"] = "no"
    form["q_G-04_evidence"] = "E4"
    client.post(url(a.id), data=form)
    html = client.get(url(a.id)).get_data(as_text=True)
    card = step_card(html, "context")
    assert re.fullmatch(r"1\. Förutsättningar: 1 besvarad · \d+ obesvarade\. \d+ frågor blockerar bedömningen\.", card)
    after = re.match(r"Av (\d+) frågor som visas: 1 besvarad · ", progress_line(html))
    assert after, progress_line(html)
    assert 'data-question="G-05" data-type="ynu" hidden' in html  # G-04 = no hides G-05, G-07, G-08
    assert int(after[1]) < int(before[1]) <= 74


def test_every_step_of_d2_is_done_with_a_check_mark_and_the_word(
    client: FlaskClient, demo: dict[str, int], architect: Any
) -> None:
    html = client.get(url(demo["D2"])).get_data(as_text=True)
    assert progress_line(html) == "Av 61 frågor som visas: 61 besvarade. ✓ Alla steg är klara."
    assert step_card(html, "context") == "1. Förutsättningar: ✓ Klar · 21 besvarade"
    assert step_card(html, "legal") == "2. Juridik: ✓ Klar · 12 besvarade"
    assert step_card(html, "infosec") == "3. Informationssäkerhet: ✓ Klar · 18 besvarade"
    assert step_card(html, "patient_safety") == "4. Patientsäkerhet: ✓ Klar · 10 besvarade"
    nav = steps_nav(html)
    assert nav.count("steps__item--done") == 4
    # The mark is for the eye only; a screen reader hears "Klar" (and never a bare symbol).
    assert nav.count("✓") == nav.count('<span class="steps__check" aria-hidden="true">✓</span>') == 5
    assert '<progress class="progress" max="61" value="61"' in nav


def test_many_unknowns_are_counted_and_no_step_is_done(
    client: FlaskClient, demo: dict[str, int], architect: Any
) -> None:
    html = client.get(url(demo["A"])).get_data(as_text=True)
    # Every shown question has an answer, but 24 of them are "unknown" and 14 block the assessment: not done.
    assert progress_line(html) == "Av 72 frågor som visas: 48 besvarade · 24 okända. 14 frågor blockerar bedömningen."
    assert step_card(html, "context") == "1. Förutsättningar: 22 besvarade · 1 okänd. 1 fråga blockerar bedömningen."
    assert step_card(html, "legal") == "2. Juridik: 8 besvarade · 11 okända. 10 frågor blockerar bedömningen."
    # Every own answer of patient safety but three is known; one more blocks on an unknown answer it depends on.
    assert step_card(html, "patient_safety") == (
        "4. Patientsäkerhet: 8 besvarade · 3 okända. 1 fråga blockerar bedömningen."
    )
    nav = steps_nav(html)
    assert "✓" not in nav
    assert "Klar" not in nav
    assert "steps__item--done" not in nav
    assert '<progress class="progress" max="72" value="48"' in nav


def test_answered_known_but_blocked_by_another_step_is_not_done(
    client: FlaskClient, demo: dict[str, int], architect: Any
) -> None:
    html = client.get(url(demo["D3"])).get_data(as_text=True)
    # All 8 own answers are known, but one outcome is a blocking unknown (it reads an unknown answer elsewhere).
    assert step_card(html, "patient_safety") == "4. Patientsäkerhet: 8 besvarade. 1 fråga blockerar bedömningen."
    assert step_card(html, "infosec") == "3. Informationssäkerhet: ✓ Klar · 18 besvarade"


def test_an_answer_below_the_evidence_it_needs_counts_as_evidence_missing(
    client: FlaskClient, demo: dict[str, int], architect: Any
) -> None:
    # The demo's B: L-01 "only technical data" rests on the provider's word (E1), the question needs E2.
    html = client.get(url(demo["B"], "legal")).get_data(as_text=True)
    assert step_card(html, "legal") == (
        "2. Juridik: 3 besvarade · 14 okända · 1 underlag saknas. 13 frågor blockerar bedömningen."
    )
    # D2: G-01 needs E3 for any answer; at E2 it no longer counts and the step is no longer done.
    d2 = demo["D2"]
    form = page_form(client, url(d2))
    assert form["q_G-01_evidence"] == "E3"
    form["q_G-01_evidence"] = "E2"
    assert client.post(url(d2), data=form).status_code == 302
    html = client.get(url(d2)).get_data(as_text=True)
    assert step_card(html, "context").startswith("1. Förutsättningar: 20 besvarade · 1 underlag saknas")
    assert "Klar" not in step_card(html, "context")
    assert progress_line(html).startswith("Av 61 frågor som visas: 60 besvarade · 1 underlag saknas.")
    # E0 (no evidence at all) is evidence missing too; "unknown" is unknown; an unanswered question is unanswered.
    form = page_form(client, url(d2))
    form["q_G-17_evidence"] = "E0"
    form["q_G-22"] = "unknown"
    del form["q_G-04"]
    assert client.post(url(d2), data=form).status_code == 302
    card = step_card(client.get(url(d2)).get_data(as_text=True), "context")
    assert re.match(r"1\. Förutsättningar: \d+ besvarade · 1 okänd · 2 underlag saknas · 1 obesvarad", card), card


def test_save_and_go_to_the_next_step(client: FlaskClient, demo: dict[str, int], architect: Any) -> None:
    d2 = demo["D2"]
    html = client.get(url(d2)).get_data(as_text=True)
    assert '<button type="submit" name="action" value="save_next"' in html
    assert "Spara och gå till nästa steg" in html
    assert "Nästa steg: Juridik" in html
    form = page_form(client, url(d2))
    form["q_G-03_motivation"] = "Ny motivering"
    response = client.post(url(d2), data={**form, "action": "save_next"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/bedomningar/{d2}?steg=legal")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Sparat (1 fråga ändrad)." in page
    assert 'data-step="legal"' in page
    stored = {r[0]: r for r in answers_snapshot(d2)}
    assert stored["G-03"][3] == "Ny motivering"
    # Plain "Spara" stays on the step.
    response = client.post(url(d2, "legal"), data={**page_form(client, url(d2, "legal")), "action": "save"})
    assert response.headers["Location"].endswith(f"/bedomningar/{d2}?steg=legal")
    response = client.post(url(d2, "infosec"), data={**page_form(client, url(d2, "infosec")), "action": "save_next"})
    assert response.headers["Location"].endswith(f"/bedomningar/{d2}?steg=patient_safety")


def test_the_last_step_has_no_next_button(client: FlaskClient, demo: dict[str, int], architect: Any) -> None:
    d2 = demo["D2"]
    html = client.get(url(d2, "patient_safety")).get_data(as_text=True)
    assert 'value="save_next"' not in html
    assert "Spara och gå till nästa steg" not in html
    assert '<button type="submit" name="action" value="save" class="button">Spara</button>' in html
    # A forged save_next on the last step saves and stays there.
    form = page_form(client, url(d2, "patient_safety"))
    response = client.post(url(d2, "patient_safety"), data={**form, "action": "save_next"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/bedomningar/{d2}?steg=patient_safety")


def test_save_and_next_with_a_conflict_or_an_error_stays_on_the_step_with_what_was_typed(
    client: FlaskClient, app: Flask, demo: dict[str, int], architect: Any
) -> None:
    d2 = demo["D2"]
    mine = page_form(client, url(d2))
    _another_architect_saves(app, d2, "q_G-22", "unknown")
    mine["q_G-22"] = "yes"
    mine["q_G-03"] = "Mitt nya ändamål"
    response = client.post(url(d2), data={**mine, "action": "save_next"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert 'data-step="context"' in html
    again = page_form_from_html(html)
    assert again["q_G-22"] == "yes"
    assert again["q_G-03"].strip() == "Mitt nya ändamål"
    again["q_G-03"] = "Mitt nya ändamål"
    stored = {r[0]: r for r in answers_snapshot(d2)}
    assert stored["G-22"][1] == "unknown"
    assert stored["G-03"][1] != "Mitt nya ändamål"  # nothing of the post is saved
    # Invalid input: 400, on the same step, with the typed text kept.
    bad = {**page_form(client, url(d2)), "q_G-04_due": "2026-13-45", "q_G-03": "Skrivet men inte sparat"}
    response = client.post(url(d2), data={**bad, "action": "save_next"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'data-step="context"' in html
    assert "Skrivet men inte sparat" in html
    # Deciding to keep mine, save_next then moves on.
    response = client.post(url(d2), data={**again, "action": "save_next"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("?steg=legal")


def test_save_writes_audit_events_and_raises_the_version(
    client: FlaskClient, demo: dict[str, int], architect: Any
) -> None:
    d2 = demo["D2"]
    before = version_of(d2)
    form = page_form(client, url(d2))
    form["q_G-03_motivation"] = "Ny motivering"
    client.post(url(d2), data=form)
    assert version_of(d2) == before + 1
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "answer.save")).one()
    assert event.assessment_id == d2
    assert event.actor_id == architect.id
    assert event.after["question"] == "G-03"
    assert event.after["motivation"] == "Ny motivering"


def _another_architect_saves(app: Flask, d2: int, field: str, value: str) -> None:
    """Olga Annan, a second architect, opens the page in her own session and saves one changed field."""
    other_user = factories.create_user("architect", display_name="Olga Annan")
    db.session.commit()
    other = app.test_client()
    login_as(other, other_user)
    theirs = page_form(other, url(d2))
    theirs[field] = value
    assert other.post(url(d2), data=theirs).status_code == 302


def test_save_on_a_stale_page_stores_only_my_change_and_never_writes_the_stale_rest_back(
    client: FlaskClient, app: Flask, demo: dict[str, int], architect: Any
) -> None:
    d2 = demo["D2"]
    mine = page_form(client, url(d2))
    _another_architect_saves(app, d2, "q_G-17", "no")
    mine["q_G-03"] = "Mitt nya ändamål"
    response = client.post(url(d2), data=mine)
    assert response.status_code == 302  # different questions: both changes stand
    stored = {r[0]: r for r in answers_snapshot(d2)}
    assert stored["G-03"][1] == "Mitt nya ändamål"
    assert stored["G-17"][1] == "no"  # I never touched G-17: my page's stale "yes" is not written back


def test_same_question_changed_by_both_keeps_mine_only_when_i_save_again(
    client: FlaskClient, app: Flask, demo: dict[str, int], architect: Any
) -> None:
    d2 = demo["D2"]
    mine = page_form(client, url(d2))
    _another_architect_saves(app, d2, "q_G-22", "unknown")
    mine["q_G-22"] = "yes"
    response = client.post(url(d2), data=mine)
    assert response.status_code == 409
    stored = {r[0]: r for r in answers_snapshot(d2)}
    assert stored["G-22"][1] == "unknown"  # refused: theirs stands until I decide
    again = page_form_from_html(response.get_data(as_text=True))
    assert again["q_G-22"] == "yes"  # the conflict page still shows my value
    assert client.post(url(d2), data=again).status_code == 302
    stored = {r[0]: r for r in answers_snapshot(d2)}
    assert stored["G-22"][1] == "yes"  # kept deliberately


def page_form_from_html(html: str) -> dict[str, Any]:
    from tests.assess import helpers

    class _Fake:
        def get(self, _url: str) -> Any:
            class R:
                def get_data(self, as_text: bool = True) -> str:
                    return html

            return R()

    return helpers.page_form(_Fake(), "")  # type: ignore[arg-type]


def test_autosave_returns_live_panel_visibility_and_version(
    client: FlaskClient, demo: dict[str, int], architect: Any
) -> None:
    d2 = demo["D2"]
    form = page_form(client, url(d2))
    form["q_G-22"] = "unknown"
    response = client.post(f"/bedomningar/{d2}/autospara?steg=context", data=form)
    assert response.status_code == 200
    data = response.get_json()
    assert data["ok"] is True
    assert data["changed"] == ["G-22"]
    assert data["version"] == version_of(d2)
    assert data["visible"]["L-20"] is True
    assert 'data-verdict="cannot_assess"' in data["panel_html"]
    assert "L-20" in data["panel_html"]
    # One announcement for a screen reader: the verdict and the outcome of the question saved, in words.
    assert data["announce"] == "Resultat: Kan ej bedömas ännu. G-22: Icke blockerande okänd."
    # The same page (or a second tab of it), still showing the old G-22, changes G-22 again: refused, as JSON,
    # and it says that it was the same user elsewhere.
    response = client.post(f"/bedomningar/{d2}/autospara?steg=context", data={**form, "q_G-22": "yes"})
    assert response.status_code == 409
    assert "Du har själv ändrat samma fråga i en annan flik" in response.get_json()["conflict_html"]
    assert response.get_json()["conflicts"].keys() == {"G-22"}


GARBAGE = [
    ("unknown question id", {"q_X-99": "yes"}),
    ("question of another step", {"q_L-05": "yes"}),
    ("invalid option", {"q_G-22": "perhaps"}),
    ("level out of range", {"q_G-09": "7"}),
    ("oversized text", {"q_G-03": "x" * 6000}),
    ("oversized motivation", {"q_G-04_motivation": "y" * 6000}),
    ("bad evidence", {"q_G-04_evidence": "E9"}),
    ("bad date", {"q_G-04_due": "31/12/2026"}),
    ("bad base version", {"base_version": "abc"}),
    ("missing base version", {"base_version": ""}),
]


@pytest.mark.parametrize(("label", "patch"), GARBAGE, ids=[g[0] for g in GARBAGE])
@pytest.mark.parametrize("endpoint", ["save", "autosave"])
def test_garbage_input_is_refused_and_changes_nothing(
    client: FlaskClient, demo: dict[str, int], architect: Any, label: str, patch: dict[str, str], endpoint: str
) -> None:
    d2 = demo["D2"]
    form = page_form(client, url(d2))
    form["q_G-03"] = "En ändring som inte får sparas"
    form.update(patch)
    before, version = answers_snapshot(d2), version_of(d2)
    target = url(d2) if endpoint == "save" else f"/bedomningar/{d2}/autospara?steg=context"
    response = client.post(target, data=form)
    assert response.status_code == 400
    assert answers_snapshot(d2) == before
    assert version_of(d2) == version
    if endpoint == "save" and label in ("invalid option", "bad date", "oversized text"):
        html = response.get_data(as_text=True)
        assert "Det finns problem att rätta" in html
        assert "En ändring som inte får sparas" in html or label == "oversized text"
    if endpoint == "autosave" and label not in ("unknown question id", "question of another step"):
        assert response.get_json()["errors"]


def test_swedish_messages_next_to_the_field(client: FlaskClient, demo: dict[str, int], architect: Any) -> None:
    d2 = demo["D2"]
    form = page_form(client, url(d2))
    form["q_G-22"] = "perhaps"
    form["q_G-04_due"] = "2026-13-45"
    html = client.post(url(d2), data=form).get_data(as_text=True)
    assert 'href="#q_G-22">Befintligt avtal: Välj ett av svarsalternativen.</a>' in html
    assert '<p class="field__error" id="q_G-04_due-error">Ange ett giltigt datum som ÅÅÅÅ-MM-DD. </p>' in html


def test_missing_csrf_token_is_refused(client: FlaskClient, demo: dict[str, int], architect: Any) -> None:
    d2 = demo["D2"]
    form = page_form(client, url(d2))
    del form["csrf_token"]
    form["q_G-03"] = "utan token"
    before = answers_snapshot(d2)
    assert client.post(url(d2), data=form).status_code == 400
    assert answers_snapshot(d2) == before


@pytest.mark.parametrize("role", ["viewer", "reviewer", "decision_maker"])
def test_readers_see_answers_but_cannot_save(client: FlaskClient, demo: dict[str, int], role: str) -> None:
    login_as(client, factories.create_user(role))
    db.session.commit()
    d2 = demo["D2"]
    html = client.get(url(d2)).get_data(as_text=True)
    assert "Du kan läsa bedömningen men inte ändra svaren." in html
    assert 'value="saas" disabled' in html or 'disabled id="q_G-02-0"' in html or "disabled" in html
    assert "questionnaire.js" not in html
    before = answers_snapshot(d2)
    form = page_form(client, url(d2))
    assert client.post(url(d2), data=form).status_code == 403
    assert client.post(f"/bedomningar/{d2}/autospara?steg=context", data=form).status_code == 403
    assert answers_snapshot(d2) == before


def test_unknown_step_is_404(client: FlaskClient, demo: dict[str, int], architect: Any) -> None:
    assert client.get(f"/bedomningar/{demo['D2']}?steg=nope").status_code == 404


def test_result_panel_lists_knockouts_unknowns_by_who_and_conditions(
    client: FlaskClient, demo: dict[str, int], architect: Any
) -> None:
    html = client.get(url(demo["D1"])).get_data(as_text=True)
    panel = html[html.index('id="result-panel"') :]
    assert 'data-verdict="not_suitable"' in panel
    assert "Stoppträffar (2)" in panel
    assert "Sakliga uppgifter omfattas inte av 10 kap. 2 a § OSL" in panel  # L-01's rule text
    assert "OSL (2009:400), 10 kap. 2 a §" in panel  # its reference
    assert "Besvaras av leverantören" in panel
    assert "Besvaras av juristen" in panel
    assert f'href="/bedomningar/{demo["D1"]}?steg=legal#q-L-01"' in panel
    html = client.get(url(demo["D2"])).get_data(as_text=True)
    assert "<strong>M-09</strong> Exitplan med dataförordningens bytesvillkor" in html


def test_the_page_has_one_live_region_so_an_autosave_is_announced_once(
    client: FlaskClient, demo: dict[str, int], architect: Any
) -> None:
    html = client.get(url(demo["D2"])).get_data(as_text=True)
    main = html[html.index('id="main"') :]
    assert main.count("aria-live") == 1
    assert 'id="save-status"' in main


def test_verify_mark_is_visible_on_references(client: FlaskClient, demo: dict[str, int], architect: Any) -> None:
    html = client.get(url(demo["D2"])).get_data(as_text=True)
    section = html[html.index('id="q-G-07"') : html.index('id="q-G-08"')]
    assert 'OSL (2009:400), 22 kap. 1 § <span class="verify"' in section
    assert "(att verifiera)" in section
    assert "[verifiera]" not in section


def _many_alternatives(architect: Any, alternatives: int, modules: int) -> tuple[int, int]:
    from rules.examples import example_modules

    answers = next(m["answers"] for m in example_modules() if m["key"] == "D2")
    case = factories.create_case("Stort ärende")
    first = None
    for i in range(alternatives):
        alt = factories.create_alternative(case, f"Alternativ {i}")
        for j in range(modules):
            a = factories.create_assessment(alt, scope=f"Modul {j}", owner=architect)
            first = first or a.id
            for qid, raw in answers.items():
                db.session.add(
                    Answer(assessment_id=a.id, question_id=qid, value=raw["value"], evidence=raw["evidence"])
                )
    db.session.commit()
    return case.id, first or 0


def test_pages_do_a_bounded_number_of_queries(client: FlaskClient, app: Flask, architect: Any) -> None:
    small_case, small_a = _many_alternatives(architect, 1, 1)
    big_case, big_a = _many_alternatives(architect, 8, 3)
    counts = {}
    for label, case_id, a_id in (("small", small_case, small_a), ("big", big_case, big_a)):
        pages = {
            "comparison": f"/arenden/{case_id}/jamforelse",
            "case": f"/arenden/{case_id}",
            "context": url(a_id),
            "legal": url(a_id, "legal"),
        }
        for kind, page in pages.items():
            with count_queries(app) as statements:
                assert client.get(page).status_code == 200
            counts[(label, kind)] = len(statements)
    for (label, page), n in counts.items():
        if label == "big":
            assert n == counts[("small", page)], (page, n, counts)
        # Flat in the data size (above), and small: the session, the assessment with its answers, the case team
        # and contacts, the review comments, the overdue marks of the lists.
        assert n <= 15, (page, n)


def test_autosave_without_csrf_token_is_refused(client: FlaskClient, demo: dict[str, int], architect: Any) -> None:
    before = answers_snapshot(demo["D2"])
    response = client.post(f"/bedomningar/{demo['D2']}/autospara?steg=context", data={"q_G-22": "yes"})
    assert response.status_code == 400
    assert answers_snapshot(demo["D2"]) == before
