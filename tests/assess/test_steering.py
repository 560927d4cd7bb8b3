"""The steering group's Beslutsunderlag of the demo case: per alternative, now, at worst, and what it takes."""

from __future__ import annotations

import datetime as dt
import re
import sys
from html import unescape as html_unescape
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from assess.extensions import db
from assess.models import Alternative, Answer, Assessment, Case, User
from assess.services.evaluation import evaluate_assessment, ruleset_for
from tests import factories
from tests.assess.helpers import count_queries, load_demo
from tests.conftest import login_as
from tests.pdf.helpers import all_text, squashed

VERDICT_WORDS = {
    "suitable": "Lämplig",
    "suitable_with_conditions": "Lämplig med villkor",
    "not_suitable": "Ej lämplig",
    "cannot_assess": "Kan ej bedömas ännu",
}


@pytest.fixture
def demo(app: Flask) -> dict[str, Any]:
    ids = load_demo(app)
    users = {u.username: u for u in db.session.scalars(select(User))}
    case_id = db.session.scalar(select(Alternative.case_id))
    return {"ids": ids, "users": users, "case_id": case_id}


def _page(client: FlaskClient, demo: dict[str, Any], user: str = "lasare") -> str:
    login_as(client, demo["users"][user])
    response = client.get(f"/arenden/{demo['case_id']}/beslutsunderlag")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _section(html: str, assessment_id: int) -> str:
    """Return the part of the page about one assessment (module)."""
    start = html.index(f'data-assessment="{assessment_id}"')
    end = html.find('<section class="steering-module"', start + 1)
    end2 = html.find('<section class="card"', start + 1)
    ends = [e for e in (end, end2) if e > 0]
    return html[start : min(ends)] if ends else html[start:]


def _party_rows(section: str) -> dict[str, tuple[str, str, str]]:
    """Return the facts table's rows by party: (count, earliest due, who)."""
    rows = {}
    for match in re.finditer(r'<tr data-party="(\w+)">(.*?)</tr>', section, re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", match.group(2), re.S)]
        rows[match.group(1)] = (cells[0], cells[1], cells[2])
    return rows


def _expected_open_by_party(assessment: Assessment) -> dict[str, int]:
    """Count, from the stored answers and the rule set, the shown questions still to find out, per party."""
    ruleset = ruleset_for(assessment)
    evaluation = evaluate_assessment(assessment)
    stored = {row.question_id: row for row in db.session.scalars(select(Answer).filter_by(assessment_id=assessment.id))}
    counts: dict[str, int] = {}
    for qid, question in ruleset.by_id.items():
        result = evaluation.questions[qid]
        if not result.shown:
            continue
        row = stored.get(qid)
        unanswered = row is None or row.value in (None, "", "unknown")
        if unanswered or result.outcome in ("UB", "UN"):
            counts[question.answered_by] = counts.get(question.answered_by, 0) + 1
    return counts


def test_each_alternative_has_its_verdict_in_words(client: FlaskClient, demo: dict[str, Any]) -> None:
    html = _page(client, demo)
    assert "<h1>Beslutsunderlag</h1>" in html
    for key, assessment_id in demo["ids"].items():
        assessment = db.session.get(Assessment, assessment_id)
        assert assessment is not None
        assert assessment.alternative.name in html
        section = _section(html, assessment_id)
        verdict = evaluate_assessment(assessment).verdict
        assert f"<strong>{VERDICT_WORDS[verdict]}</strong>" in section, key
        assert "not_suitable" not in re.sub(r"<[^>]+>", "", section)  # words, not codes
    summary = html[html.index('id="summary"') : html.index('<section class="card"')]
    assert "Kan vara lämpliga nu:" in summary
    assert "D – Hybrid/modulär: D2 – Patientens e-tjänster" in summary
    assert "Ej lämpliga:" in summary
    assert "D – Hybrid/modulär: D1 – AI-diktering" in summary
    assert "Kan ej bedömas ännu; det som krävs:" in summary
    assert "27 öppna frågor att ta reda på (14 från leverantören, 10 från juristen, 3 från regionen)" in summary


def test_counts_per_party_match_the_answers_for_a(client: FlaskClient, demo: dict[str, Any]) -> None:
    a = db.session.get(Assessment, demo["ids"]["A"])
    assert a is not None
    expected = _expected_open_by_party(a)
    assert set(expected) == {"provider", "legal", "region"}
    rows = _party_rows(_section(_page(client, demo), a.id))
    assert {party: int(count) for party, (count, _due, _who) in rows.items()} == expected
    # The named people: the alternative's contact for the provider, the team's legal reviewer, the architect.
    assert "Olivia Ek" in rows["provider"][2]
    assert rows["legal"][2] == "Johan Jurist"
    assert rows["region"][2] == "Anna Arkitekt"
    assert rows["provider"][1] == "inget datum satt"


def test_the_earliest_due_date_is_shown_per_party(client: FlaskClient, demo: dict[str, Any]) -> None:
    a_id = demo["ids"]["A"]
    rows = {r.question_id: r for r in db.session.scalars(select(Answer).filter_by(assessment_id=a_id))}
    rows["S-05"].unknown_due = dt.date(2027, 3, 1)
    rows["G-15"].unknown_due = dt.date(2027, 1, 15)
    rows["L-04"].unknown_due = dt.date(2027, 2, 2)
    db.session.commit()
    parties = _party_rows(_section(_page(client, demo), a_id))
    assert parties["provider"][1] == "2027-01-15"
    assert parties["legal"][1] == "2027-02-02"
    assert parties["region"][1] == "inget datum satt"


def test_knockouts_of_d1_are_named_with_their_reason(client: FlaskClient, demo: dict[str, Any]) -> None:
    section = _section(_page(client, demo), demo["ids"]["D1"])
    knockouts = section[section.index('class="steering-knockouts"') :]
    knockouts = knockouts[: knockouts.index("</ul>")]
    assert '<span class="qid">L-01</span> <strong>Sekretessbrytande grund</strong>' in knockouts
    assert '<span class="qid">L-04</span> <strong>Tredjelandsåtkomst till klartext</strong>' in knockouts
    assert "10 kap. 2 a § OSL" in knockouts  # the rule's own reason, in one line
    assert "→" not in knockouts


def test_the_favourable_completion_is_its_sentence(client: FlaskClient, demo: dict[str, Any]) -> None:
    completion = pytest.importorskip("assess.services.completion")
    a = db.session.get(Assessment, demo["ids"]["A"])
    assert a is not None
    expected = completion.sentence(completion.favourable(a))
    section = _section(_page(client, demo), a.id)
    favourable = re.search(r'class="steering-favourable">(.*?)</dd>', section, re.S)
    assert favourable is not None
    assert html_unescape(favourable.group(1).strip()) == expected


def test_missing_parts_read_not_available(
    client: FlaskClient, demo: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # While the favourable completion or the scenarios cannot be imported, the page says so and still works.
    import assess.services

    for name in ("completion", "scenarios"):
        monkeypatch.setitem(sys.modules, f"assess.services.{name}", None)
        monkeypatch.delattr(assess.services, name, raising=False)
    section = _section(_page(client, demo), demo["ids"]["A"])
    favourable = re.search(r'class="steering-favourable">(.*?)</dd>', section, re.S)
    assert favourable is not None
    assert favourable.group(1).strip() == "(ej tillgängligt)"
    scenarios = section[section.index("Sparade scenarier (hypotetiska)") :]
    assert "(ej tillgängligt)" in scenarios


def test_a_saved_scenario_is_shown_as_hypothetical(client: FlaskClient, demo: dict[str, Any]) -> None:
    scenarios = pytest.importorskip("assess.services.scenarios")
    a = db.session.get(Assessment, demo["ids"]["A"])
    assert a is not None
    scenarios.create_scenario(a, "Leverantören svarar ja", demo["users"]["arkitekt"])
    db.session.commit()
    section = _section(_page(client, demo), a.id)
    assert "Scenario »Leverantören svarar ja«:" in section
    assert "hypotetiskt, inget svar är ändrat" in section


def test_the_case_page_links_to_the_brief_and_the_brief_to_its_pdf(client: FlaskClient, demo: dict[str, Any]) -> None:
    login_as(client, demo["users"]["lasare"])
    case_page = client.get(f"/arenden/{demo['case_id']}").get_data(as_text=True)
    assert f'href="/arenden/{demo["case_id"]}/beslutsunderlag"' in case_page
    html = _page(client, demo)
    assert f'href="/arenden/{demo["case_id"]}/beslutsunderlag.pdf"' in html
    assert 'class="table table--stack steering-facts"' in html
    assert "data-label=" in html
    assert "<caption" in html


def test_a_viewer_reads_the_pdf_in_both_languages(client: FlaskClient, demo: dict[str, Any]) -> None:
    login_as(client, demo["users"]["lasare"])
    response = client.get(f"/arenden/{demo['case_id']}/beslutsunderlag.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = squashed(all_text(response.data))
    assert squashed("Beslutsunderlag") in text
    for alternative in db.session.scalars(select(Alternative)):
        assert squashed(alternative.name) in text
    english = client.get(f"/arenden/{demo['case_id']}/beslutsunderlag.pdf?lang=en")
    assert english.status_code == 200
    assert b"/Lang (en-GB)" in english.data or b"en-GB" in english.data


def test_cli_writes_the_brief(app: Flask, demo: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "beslutsunderlag.pdf"
    result = app.test_cli_runner().invoke(args=["report", "steering", str(demo["case_id"]), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Beslutsunderlag" in all_text(out.read_bytes())
    missing = app.test_cli_runner().invoke(args=["report", "steering", "9999", "-o", str(tmp_path / "x.pdf")])
    assert missing.exit_code == 1
    assert not (tmp_path / "x.pdf").exists()


def test_queries_do_not_grow_with_alternatives(client: FlaskClient, demo: dict[str, Any], app: Flask) -> None:
    login_as(client, demo["users"]["lasare"])
    url = f"/arenden/{demo['case_id']}/beslutsunderlag"
    client.get(url)
    with count_queries(app) as before:
        assert client.get(url).status_code == 200
    case = db.session.get(Case, demo["case_id"])
    assert case is not None
    for n in range(3):
        alternative = factories.create_alternative(case, name=f"Extra {n}")
        factories.create_assessment(alternative, owner=demo["users"]["arkitekt"])
    db.session.commit()
    with count_queries(app) as after:
        assert client.get(url).status_code == 200
    assert len(after) <= len(before), after[len(before) :]
    assert len(before) < 40
