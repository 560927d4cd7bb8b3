"""Reports from the database: the CLI, the download buttons, and the report stored at decision time."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from assess.extensions import db
from assess.i18n import translator
from assess.models import Alternative, Assessment, FrozenRecord, User
from assess.models.types import utcnow
from assess.pdf import render_assessment_report
from assess.services import records, reports
from assess.services import review as review_service
from assess.services.evaluation import evaluate_assessment, ruleset_for
from tests.assess.helpers import approve_use, count_queries, load_demo, submit_and_approve
from tests.conftest import login_as
from tests.pdf.helpers import (
    all_text,
    content_lines,
    mostly_blank_pages,
    notation_in,
    pdf_language,
    pdf_title,
    split_at_trace,
    squashed,
)

TODAY = dt.date(2026, 11, 29)


@pytest.fixture
def demo(app: Flask) -> dict[str, Any]:
    ids = load_demo(app)
    return {"ids": ids, "users": {u.username: u for u in db.session.scalars(select(User))}}


def _decide_d2(app: Flask, demo: dict[str, Any]) -> Assessment:
    users = demo["users"]
    d2 = db.session.get(Assessment, demo["ids"]["D2"])
    assert d2 is not None
    submit_and_approve(d2, users, "Inga anmärkningar.")
    review_service.add_comment(d2, users["jurist"], "Avtalsbilagan om underbiträden ska bifogas.", "L-05")
    # The decision maker reads the pages in English; the stored report is in the record's language, Swedish.
    with app.test_request_context(headers={"Accept-Language": "en"}):
        approve_use(d2, users, TODAY, "Kvarstående risk <accepteras> & följs upp.")
    db.session.commit()
    return d2


def test_cli_case_report_holds_every_alternative(app: Flask, demo: dict[str, Any], tmp_path: Path) -> None:
    case_id = db.session.scalar(select(Alternative.case_id))
    out = tmp_path / "jamforelse.pdf"
    result = app.test_cli_runner().invoke(args=["report", "case", str(case_id), "-o", str(out)])
    assert result.exit_code == 0, result.output
    pdf = out.read_bytes()
    text = squashed(all_text(pdf))
    for alternative in db.session.scalars(select(Alternative)):
        assert squashed(alternative.name) in text, alternative.name
    for scope in ("D1", "D2", "D3"):
        assert scope in text
    # Four alternatives, one of them (D) assessed in three modules.
    assert "4 alternativ, 6 bedömningar" in all_text(pdf)
    assert notation_in(all_text(pdf)) == []
    assert mostly_blank_pages(pdf) == []


def test_cli_assessment_report_shows_verdict_and_every_shown_question(
    app: Flask, demo: dict[str, Any], tmp_path: Path
) -> None:
    d1 = db.session.get(Assessment, demo["ids"]["D1"])
    assert d1 is not None
    out = tmp_path / "d1.pdf"
    result = app.test_cli_runner().invoke(args=["report", "assessment", str(d1.id), "-o", str(out)])
    assert result.exit_code == 0, result.output
    pdf = out.read_bytes()
    text = all_text(pdf)
    assert "Ej lämplig" in text
    assert "UTKAST" not in text  # the draft's watermark is drawn as outlines, not as text
    assert "Utkast" in text  # the status, in every page's header
    evaluation = evaluate_assessment(d1)
    for qid, q in evaluation.questions.items():
        if q.shown:
            assert qid in text, qid
    assert evaluation.knockouts == ("L-01", "L-04")


def test_cli_report_of_a_missing_object_fails_clearly(app: Flask, demo: dict[str, Any], tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["report", "assessment", "9999", "-o", str(tmp_path / "x.pdf")])
    assert result.exit_code == 1
    assert "9999" in result.output
    assert not (tmp_path / "x.pdf").exists()
    result = runner.invoke(args=["report", "case", "9999", "-o", str(tmp_path / "y.pdf")])
    assert result.exit_code == 1
    assert not (tmp_path / "y.pdf").exists()


def test_download_buttons_serve_pdfs_to_every_role(app: Flask, client: FlaskClient, demo: dict[str, Any]) -> None:
    login_as(client, demo["users"]["lasare"])
    d2 = demo["ids"]["D2"]
    page = client.get(f"/bedomningar/{d2}").get_data(as_text=True)
    assert f"/bedomningar/{d2}/rapport.pdf" in page
    response = client.get(f"/bedomningar/{d2}/rapport.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert "attachment" in response.headers["Content-Disposition"]
    case_id = db.session.scalar(select(Alternative.case_id))
    compare = client.get(f"/arenden/{case_id}/jamforelse").get_data(as_text=True)
    assert f"/arenden/{case_id}/jamforelse.pdf" in compare
    response = client.get(f"/arenden/{case_id}/jamforelse.pdf")
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")
    assert client.get("/bedomningar/9999/rapport.pdf").status_code == 404


def test_decided_report_is_stored_once_and_served_as_stored(
    app: Flask, client: FlaskClient, demo: dict[str, Any]
) -> None:
    d2 = _decide_d2(app, demo)
    record = db.session.scalar(select(FrozenRecord).where(FrozenRecord.assessment_id == d2.id))
    assert record is not None
    assert record.report_path is None  # in the database, in the record's own row
    stored = record.report_pdf
    assert stored is not None
    assert hashlib.sha256(stored).hexdigest() == record.report_sha256
    login_as(client, demo["users"]["lasare"])
    served = client.get(f"/bedomningar/{d2.id}/rapport.pdf").data
    assert served == stored
    text = all_text(stored)
    assert "UTKAST" not in text
    assert "Lämplig med villkor" in text
    # Rendered in Swedish, the record's language, though the decision maker read the pages in English; it says so.
    assert pdf_language(stored) == ("sv-SE", ["sv-SE"])
    assert "Svenska: beslutspostens språk. Detta är rapporten som arkiverades med posten." in text
    assert notation_in(split_at_trace(stored)[0]) == []
    for name in ("Johan Jurist", "Ingrid Informationssäkerhet", "Per Patientsäkerhet", "Beata Beslutsfattare"):
        assert squashed(name) in squashed(text), name
    # The report shows the hash of the record's content; the record's own hash covers that and the report's.
    content = json.loads(record.canonical_json)
    assert content["report"] == {"sha256": record.report_sha256}
    assert records.content_sha256(content) in squashed(text)
    assert record.sha256 == hashlib.sha256(record.canonical_json.encode()).hexdigest()
    assert "<accepteras> & följs upp" in text
    assert "Avtalsbilagan om underbiträden" in text


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_demo_reports_are_words_outside_the_rule_trace(app: Flask, demo: dict[str, Any], lang: str) -> None:
    tr = translator(lang)
    for key in ("A", "B", "C", "D1", "D2", "D3") if lang == "sv" else ("A", "D1"):
        assessment = db.session.get(Assessment, demo["ids"][key])
        assert assessment is not None
        pdf = reports.assessment_pdf(assessment.id, None, utcnow(), lang)
        running, trace = split_at_trace(pdf)
        assert trace, "the rule trace is the report's last appendix"
        assert notation_in(running) == [], key
        assert "→" in trace  # the trace keeps the rules module's notation
        assert tr("Sammanfattning") in running
        assert pdf_language(pdf) == ({"sv": "sv-SE", "en": "en-GB"}[lang], [{"sv": "sv-SE", "en": "en-GB"}[lang]])
        _info, title = pdf_title(pdf)
        assert tr(assessment.scope) in title  # the default scope ("Hela alternativet") in the report's language
        assert assessment.alternative.name in title
        # No mostly blank page (module A's long tables of unknowns once left two behind).
        assert mostly_blank_pages(pdf) == [], (key, content_lines(pdf))
    ruleset = ruleset_for(assessment)
    title = ruleset.question("L-04").title.get(lang)
    assert title in all_text(pdf)  # the rule set's own texts, in the report's language


def test_an_evaluation_stored_before_summaries_still_reads_as_words(app: Flask, demo: dict[str, Any]) -> None:
    d1 = db.session.get(Assessment, demo["ids"]["D1"])
    assert d1 is not None
    data = records.build_record(d1, evaluate_assessment(d1))
    for result in data["evaluation"]["questions"].values():
        result.pop("summary", None)
        result.pop("rule", None)
    report = reports._assessment_report(d1, ruleset_for(d1), data, None, {}, utcnow(), "sv")
    questions = [q for section in report.areas for q in section.questions]
    assert all(notation_in(q.summary) == [] for q in questions)
    assert all(notation_in(u.reason) == [] and u.reason for u in report.blocking_unknowns)
    assert {k.question_id for k in report.knockouts} == {"L-01", "L-04"}
    assert all(k.reason and notation_in(k.reason) == [] for k in report.knockouts)
    running, _trace = split_at_trace(render_assessment_report(report))
    assert notation_in(running) == []


def test_a_decided_report_in_english_is_rendered_and_points_to_the_archived_one(
    app: Flask, client: FlaskClient, demo: dict[str, Any]
) -> None:
    d2 = _decide_d2(app, demo)
    record = db.session.scalar(select(FrozenRecord).where(FrozenRecord.assessment_id == d2.id))
    assert record is not None
    assert record.report_pdf is not None
    login_as(client, demo["users"]["lasare"])
    english = client.get(f"/bedomningar/{d2.id}/rapport.pdf?lang=en").data
    assert english.startswith(b"%PDF")
    assert english != record.report_pdf
    assert pdf_language(english) == ("en-GB", ["en-GB"])
    text = all_text(english)
    tr = translator("en")
    assert squashed(tr("%(language)s. Beslutsposten och rapporten som arkiverades med den är på svenska.")
                    % {"language": tr("engelska").capitalize()}) in squashed(text)  # fmt: skip
    assert ruleset_for(d2).question("L-05").title.en in text
    assert notation_in(split_at_trace(english)[0]) == []
    swedish = client.get(f"/bedomningar/{d2.id}/rapport.pdf?lang=sv").data
    assert swedish == record.report_pdf
    compare = client.get(f"/arenden/{d2.alternative.case_id}/jamforelse.pdf?lang=en").data
    assert pdf_language(compare) == ("en-GB", ["en-GB"])


def test_report_queries_are_bounded(app: Flask, demo: dict[str, Any]) -> None:
    case_id = db.session.scalar(select(Alternative.case_id))
    d1 = demo["ids"]["D1"]
    db.session.expire_all()
    with count_queries(app) as one:
        reports.build_assessment_report(d1, utcnow())
    db.session.expire_all()
    with count_queries(app) as case_queries:
        reports.build_comparison_report(case_id, utcnow())
    # Six assessments, each with ~70 answers: a query per row would be hundreds.
    assert len(one) <= 20, one
    assert len(case_queries) <= 20, case_queries
