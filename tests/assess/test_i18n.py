"""Languages: one catalogue, Swedish first, English too; the language from the account, the visitor, the browser."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import refresh

from assess import catalogs, labels, texts
from assess.extensions import db
from assess.i18n import format_time, in_language, translator
from rules import model as rules_model

from ..conftest import csrf_token
from .helpers import load_demo


def test_every_text_has_a_translation_in_both_catalogues_and_the_compiled_files_are_current() -> None:
    """A template string, flash message or label without an English translation fails here (make translations)."""
    assert catalogs.problems() == []


def test_the_catalogue_is_extracted_from_templates_code_and_the_pdf_room() -> None:
    extracted = {m.id for m in catalogs.extract() if m.id}
    assert "Hoppa till innehållet" in extracted  # templates/base.html
    assert "Stoppträff" in extracted  # assess/texts.py, shared by pages and reports
    assert "Visa regel" in extracted  # assess/views/questions.py (a question's outcome)


@pytest.mark.parametrize(
    ("app_table", "rules_table"),
    [
        (texts.VERDICT, rules_model.VERDICT_LABELS),
        (texts.AREA_RESULT, rules_model.AREA_RESULT_LABELS),
        (texts.OUTCOME, rules_model.OUTCOME_LABELS),
        (texts.ANSWERED_BY, rules_model.ANSWERED_BY_LABELS),
        (texts.EVIDENCE, rules_model.EVIDENCE_LABELS),
    ],
)
def test_the_app_and_the_rules_module_name_codes_the_same_in_both_languages(
    app: Flask, app_table: dict[str, str], rules_table: dict[str, tuple[str, str]]
) -> None:
    assert set(app_table) == set(rules_table)
    english = translator("en")
    for code, (sv, en) in rules_table.items():
        assert app_table[code] == sv, code
        assert english(app_table[code]) == en, code


def test_labels_follow_the_request_language(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert labels.VERDICT["suitable_with_conditions"] == "Suitable with conditions"
        assert labels.STATUS["superseded"] != texts.STATUS["superseded"]
    with app.test_request_context():
        refresh()  # the test's app context outlives the first request context; a real request has its own
        assert labels.VERDICT["suitable_with_conditions"] == "Lämplig med villkor"


def test_a_language_switch_inside_a_request_reaches_code_and_templates_and_ends_with_the_block(app: Flask) -> None:
    """Mails and reports switch language inside a request; the fast catalogue lookup must follow each switch."""
    from flask import render_template_string

    from assess.i18n import _, ngettext

    page = "{{ _('Hoppa till innehållet') }}|{{ ngettext('%(num)s villkor', '%(num)s villkor', 3) }}"
    with app.test_request_context():
        refresh()
        assert _("Hoppa till innehållet") == "Hoppa till innehållet"
        swedish = render_template_string(page)
        with in_language("en"):
            assert _("Hoppa till innehållet") == "Skip to content"
            assert render_template_string(page) == "Skip to content|3 conditions"
            assert ngettext("%(num)s villkor", "%(num)s villkor", 1) == "1 condition"
        assert _("Hoppa till innehållet") == "Hoppa till innehållet"
        assert render_template_string(page) == swedish
        assert swedish == "Hoppa till innehållet|3 villkor"


def test_times_are_shown_in_stockholm_with_the_zone_named(app: Flask) -> None:
    winter = datetime(2026, 1, 15, 7, 45, tzinfo=UTC)
    summer = datetime(2026, 6, 15, 7, 45, tzinfo=UTC)
    with app.test_request_context():
        assert format_time(winter) == "2026-01-15 08:45"
        assert format_time(winter, zone=True) == "2026-01-15 08:45 normaltid (Stockholm)"
        assert format_time(summer, zone=True) == "2026-06-15 09:45 sommartid (Stockholm)"
        with in_language("en"):
            assert format_time(summer, zone=True) == "2026-06-15 09:45 CEST (Stockholm)"


def test_swedish_unless_the_browser_asks_for_english(client: FlaskClient) -> None:
    swedish = client.get("/logga-in").get_data(as_text=True)
    assert '<html lang="sv">' in swedish
    assert "Logga in" in swedish
    english = client.get("/logga-in", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in english
    assert "Sign in" in english
    assert "Logga in" not in english
    other = client.get("/logga-in", headers={"Accept-Language": "de-DE"}).get_data(as_text=True)
    assert '<html lang="sv">' in other


def test_a_visitor_chooses_the_language_in_the_header(client: FlaskClient) -> None:
    token = csrf_token(client)
    response = client.post("/sprak", data={"csrf_token": token, "lang": "en", "next": "/logga-in"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/logga-in")
    assert '<html lang="en">' in client.get("/logga-in").get_data(as_text=True)
    bad = client.post("/sprak", data={"csrf_token": token, "lang": "xx"})
    assert bad.status_code == 400


def test_the_account_keeps_its_language_over_the_browser(app: Flask, client: FlaskClient, login) -> None:  # type: ignore[no-untyped-def]
    user = login("architect")
    token = csrf_token(client, "/arenden")
    client.post("/sprak", data={"csrf_token": token, "lang": "en", "next": "/arenden"})
    db.session.refresh(user)
    assert user.language == "en"
    # a new session (another browser) that asks for Swedish still gets the account's English
    with client.session_transaction() as session:
        session.pop("lang", None)
    page = client.get("/arenden", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Cases" in page


def test_the_questionnaire_in_english_shows_the_rule_sets_english_and_no_notation(
    app: Flask, client: FlaskClient, login
) -> None:  # type: ignore[no-untyped-def]
    ids = load_demo(app)
    login("viewer")
    page = client.get(f"/bedomningar/{ids['A']}?steg=legal", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Show rule" in page
    assert "Visa regel" not in page
    for mark in ("→", "regel 1", "(UB)", "(UN)", "C[", "[verify]", "[verifiera]"):
        assert mark not in page, mark
    assert "To be answered by" in page
    swedish = client.get(f"/bedomningar/{ids['A']}?steg=legal").get_data(as_text=True)
    assert "Ska besvaras av" in swedish
    assert "Visa regel" in swedish
    for mark in ("→", "regel 1", "(UB)", "(UN)", "C[", "[verify]", "[verifiera]"):
        assert mark not in swedish, mark


def test_the_rule_trace_is_one_link_away(app: Flask, client: FlaskClient, login) -> None:  # type: ignore[no-untyped-def]
    ids = load_demo(app)
    login("viewer")
    page = client.get(f"/bedomningar/{ids['D2']}/regelspar/G-02").get_data(as_text=True)
    assert "Regelspår för G-02" in page
    assert "→" in page  # the catalogue's notation lives here, for reviewers and auditors
    assert client.get(f"/bedomningar/{ids['D2']}/regelspar/X-99").status_code == 404
