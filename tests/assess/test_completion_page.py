"""What it would take (issue 13): the favourable completion on the questionnaire panel and the comparison."""

from __future__ import annotations

import html as html_lib
import json
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from assess.extensions import db
from assess.models import Assessment
from assess.services.completion import favourable, sentence
from tests import factories
from tests.assess.helpers import load_demo, page_form
from tests.conftest import csrf_token, login_as

B_SENTENCE = (
    "Med gynnsamma besked: Lämplig med villkor (2 villkor) – kräver besked i 47 frågor, "
    "29 från leverantören, 9 från juristen, 9 från regionen."
)
NOTHING_OPEN = "Inga öppna frågor: resultatet ovan är det som gäller."


def _demo(app: Flask, runner: FlaskCliRunner, client: FlaskClient) -> dict[str, int]:
    """Load the demo, sign in as the viewer and return the assessment ids by module key (A, B, C, D1-D3)."""
    runner.invoke(args=["demo", "load"])
    username, password, _ = (Path(app.instance_path) / "demo-accounts.txt").read_text().splitlines()[-1].split()
    client.post("/logga-in", data={"csrf_token": csrf_token(client), "username": username, "password": password})
    (case,) = json.loads(runner.invoke(args=["cases", "list", "--json"]).output)
    ids = {
        a["scope"][:2] if a["scope"].startswith("D") else alt["name"][0]: a["id"]
        for alt in case["alternatives"]
        for a in alt["assessments"]
    }
    ids["case"] = case["id"]
    return ids


def _text(page: str) -> str:
    return html_lib.unescape(page)


def test_b_states_what_it_could_reach_and_what_it_needs_per_party(
    app: Flask, runner: FlaskCliRunner, client: FlaskClient
) -> None:
    ids = _demo(app, runner, client)
    fav = favourable(db.session.get(Assessment, ids["B"]))
    # computed by hand from the worked example: 49 open questions, L-08/L-09 hidden once G-15 = sweden, S-17 = yes
    assert (fav.verdict, fav.worst_case) == ("suitable_with_conditions", "not_suitable")
    assert (fav.conditions, fav.needed, fav.still_open) == (2, 47, 0)
    assert fav.by_party == {"provider": 29, "legal": 9, "region": 9}
    assert sentence(fav) == B_SENTENCE
    page = _text(client.get(f"/bedomningar/{ids['B']}").get_data(as_text=True))
    assert B_SENTENCE in page
    assert 'id="favourable" data-favourable-verdict="suitable_with_conditions" data-needed="47"' in page
    # the explanation lists the proposals per party, linked to their steps
    assert "Besvaras av leverantören (29)" in page
    assert "Besvaras av juristen (9)" in page
    assert f"/bedomningar/{ids['B']}?steg=legal#q-L-05" in page


def test_d2_says_no_question_is_open(app: Flask, runner: FlaskCliRunner, client: FlaskClient) -> None:
    ids = _demo(app, runner, client)
    fav = favourable(db.session.get(Assessment, ids["D2"]))
    assert (fav.needed, fav.still_open, fav.by_party) == (0, 0, {"provider": 0, "legal": 0, "region": 0})
    assert fav.verdict == fav.worst_case == "suitable_with_conditions"
    page = _text(client.get(f"/bedomningar/{ids['D2']}").get_data(as_text=True))
    assert NOTHING_OPEN in page
    assert "Med gynnsamma besked:" not in page


def test_the_comparison_states_one_sentence_per_row(app: Flask, runner: FlaskCliRunner, client: FlaskClient) -> None:
    ids = _demo(app, runner, client)
    page = _text(client.get(f"/arenden/{ids['case']}/jamforelse").get_data(as_text=True))
    assert page.count('class="small comparison__favourable"') == 6  # A, B, C, D1, D2, D3
    expected: dict[str, Any] = {key: favourable(db.session.get(Assessment, ids[key])) for key in ids if key != "case"}
    for key, fav in expected.items():
        assert sentence(fav) in page, key
    assert B_SENTENCE in page
    assert page.count(NOTHING_OPEN) == 1  # D2
    assert expected["D1"].verdict == "not_suitable"  # a knock-out stays a knock-out


def test_the_panel_after_an_autosave_states_the_new_completion(app: Flask, client: FlaskClient) -> None:
    ids = load_demo(app)
    login_as(client, factories.create_user("architect", display_name="Arne Arkitekt"))
    d2 = ids["D2"]
    form = page_form(client, f"/bedomningar/{d2}?steg=context")
    form["q_G-22"] = "unknown"  # scoring.md §10: L-20 is shown, unanswered, a blocking unknown
    response = client.post(f"/bedomningar/{d2}/autospara?steg=context", data=form)
    assert response.status_code == 200
    panel = _text(response.get_json()["panel_html"])
    # G-22 = yes (the first of the mildest answers) and L-20 = within_contract: D2's four conditions again
    assert (
        "Med gynnsamma besked: Lämplig med villkor (4 villkor) – kräver besked i 2 frågor, "
        "1 från juristen, 1 från regionen." in panel
    )
    assert f"/bedomningar/{d2}?steg=legal#q-L-20" in panel
