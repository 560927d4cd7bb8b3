"""The vendor's questionnaire as XLSX: export, fill it in with openpyxl as a vendor would, preview, confirm;
a conflict with an answer saved since the export; broken cells, each named."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

from assess.extensions import db
from assess.models import Answer, Assessment, AssessmentStatus, AuditEvent
from assess.services.assessments import AnswerInput, answer_input_of, save_answers
from assess.services.evaluation import ruleset_for
from tests.assess.helpers import answers_snapshot, demo_users, load_demo
from tests.conftest import csrf_token, login_as

PREVIEW_RE = re.compile(r'name="preview"[^>]*value="([^"]+)"')


@pytest.fixture
def demo(app: Flask, client: FlaskClient) -> dict[str, Any]:
    ids = load_demo(app)
    aid = next(i for i in ids.values() if db.session.get(Assessment, i).status == AssessmentStatus.DRAFT)
    users = demo_users()
    login_as(client, users["arkitekt"])
    return {"aid": aid, "users": users}


def _export(client: FlaskClient, aid: int, **args: str) -> Any:
    response = client.get(f"/bedomningar/{aid}/leverantorsformular.xlsx", query_string=args)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return load_workbook(io.BytesIO(response.data))


def _rows(sheet: Any) -> dict[str, int]:
    return {
        sheet.cell(row=r, column=1).value: r for r in range(2, sheet.max_row + 1) if sheet.cell(row=r, column=1).value
    }


def _other(aid: int, qid: str) -> tuple[str, str]:
    """Return an answer (id, Swedish label) that differs from the stored one."""
    return ("no", "Nej") if _stored(aid, qid).value == "yes" else ("yes", "Ja")


def _saved(book: Any) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _import(client: FlaskClient, aid: int, data: bytes) -> Any:
    token = csrf_token(client, f"/bedomningar/{aid}/underlag")
    return client.post(
        f"/bedomningar/{aid}/leverantorsformular",
        data={"csrf_token": token, "file": (io.BytesIO(data), "svar från leverantören.xlsx")},
        content_type="multipart/form-data",
    )


def _confirm(client: FlaskClient, aid: int, preview_html: str, take: list[str] | None = None) -> Any:
    match = PREVIEW_RE.search(preview_html)
    assert match, "no signed preview on the page"
    token = csrf_token(client, f"/bedomningar/{aid}/underlag")
    return client.post(
        f"/bedomningar/{aid}/leverantorsformular/bekrafta",
        data={"csrf_token": token, "preview": match.group(1).replace("&#34;", '"'), "ta": take or []},
    )


def _ynu_rows(aid: int, sheet: Any) -> list[str]:
    """Return two provider questions of the yes/no/unknown kind on the sheet."""
    ruleset = ruleset_for(db.session.get(Assessment, aid))
    return [qid for qid in _rows(sheet) if ruleset.by_id[qid].type == "ynu"][:2]


def _stored(aid: int, qid: str) -> AnswerInput:
    db.session.expire_all()
    row = db.session.scalar(select(Answer).where(Answer.assessment_id == aid, Answer.question_id == qid))
    return answer_input_of(row)


def test_the_export_has_the_provider_questions_drop_downs_a_hidden_id_and_a_guide(
    client: FlaskClient, demo: dict[str, Any]
) -> None:
    aid = demo["aid"]
    book = _export(client, aid)
    assert book.sheetnames[:2] == ["Så fyller du i", "Frågor"]
    sheet = book["Frågor"]
    ruleset = ruleset_for(db.session.get(Assessment, aid))
    provider = [q.id for q in ruleset.order if q.answered_by == "provider"]
    assert list(_rows(sheet)) == provider
    assert sheet.column_dimensions["A"].hidden
    assert sheet.cell(row=1, column=5).value == "Svar"
    row = _rows(sheet)[_ynu_rows(aid, sheet)[0]]
    validated = {str(cell) for dv in sheet.data_validations.dataValidation for cell in dv.sqref.ranges}
    assert f"E{row}" in validated  # the answer's drop-down
    assert f"F{row}" in validated  # the evidence level's drop-down
    lists = book["Listor"]
    assert lists.sheet_state == "hidden"
    assert [lists.cell(row=i, column=1).value[:2] for i in range(1, 6)] == ["E0", "E1", "E2", "E3", "E4"]
    assert "Underlagsnivåer" in [c.value for c in book["Så fyller du i"]["A"]]
    about = {r[0].value: r[1].value for r in book["Om filen"].iter_rows()}
    assert about["assessment_version"] == db.session.get(Assessment, aid).version
    # "Alla frågor": a chosen set.
    assert len(_rows(_export(client, aid, fragor="alla")["Frågor"])) == len(ruleset.by_id)


def test_the_export_is_in_english_for_an_english_reader(app: Flask, client: FlaskClient, demo: dict[str, Any]) -> None:
    user = demo["users"]["arkitekt"]
    user.language = "en"
    db.session.commit()
    book = _export(client, demo["aid"])
    assert book.sheetnames[:2] == ["How to fill it in", "Questions"]
    assert book["Questions"].cell(row=1, column=5).value == "Answer"


def test_round_trip_fill_preview_then_confirm_saves_through_the_service_and_audits_the_file(
    client: FlaskClient, demo: dict[str, Any]
) -> None:
    aid = demo["aid"]
    book = _export(client, aid)
    sheet = book["Frågor"]
    rows = _rows(sheet)
    first, second = _ynu_rows(aid, sheet)
    before_first, before_second = _stored(aid, first), _stored(aid, second)
    new_first = "no" if before_first.value == "yes" else "yes"
    label = {"yes": "Ja", "no": "Nej"}[new_first]
    # The vendor picks from the drop-downs and writes a motivation, as in Excel.
    sheet.cell(row=rows[first], column=5, value=label)
    sheet.cell(row=rows[first], column=6, value="E3 – Oberoende intyg")
    sheet.cell(row=rows[first], column=7, value="Se SOC 2 typ 2-rapporten, avsnitt 4.")
    data = _saved(book)

    snapshot = answers_snapshot(aid)
    response = _import(client, aid, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Förhandsgranska leverantörens svar" in html
    assert re.search(rf'data-question="{first}"', html)
    assert f'data-question="{second}"' not in html  # untouched rows are no change
    assert ("Nytt svar" if before_first.value is None else "Ändrat svar") in html
    assert answers_snapshot(aid) == snapshot  # the preview changed nothing

    response = _confirm(client, aid, html)
    assert response.status_code == 302
    saved = _stored(aid, first)
    assert saved.value == new_first
    assert saved.evidence == "E3"
    assert saved.motivation == "Se SOC 2 typ 2-rapporten, avsnitt 4."
    assert _stored(aid, second) == before_second
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "vendor_sheet.import"))
    assert event is not None
    assert event.assessment_id == aid
    assert event.after["source"] == "vendor_sheet"
    assert event.after["changed"] == [first]
    assert event.after["filename"] == "svar från leverantören.xlsx"
    assert db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "answer.save", AuditEvent.after["question"].as_string() == first)
    )


def test_an_answer_saved_since_the_export_is_a_conflict_kept_unless_taken_deliberately(
    client: FlaskClient, demo: dict[str, Any]
) -> None:
    aid = demo["aid"]
    book = _export(client, aid)
    sheet = book["Frågor"]
    rows = _rows(sheet)
    first, second = _ynu_rows(aid, sheet)
    # Someone at the region answers the first question after the export.
    assessment = db.session.get(Assessment, aid)
    ours = AnswerInput(value="unknown", evidence="E1", motivation="Vi frågar leverantören.")
    save_answers(assessment, {first: ours}, assessment.version, demo["users"]["arkitekt"])
    db.session.commit()
    # The vendor answers both.
    vendor_second = _other(aid, second)
    for qid in (first, second):
        sheet.cell(row=rows[qid], column=5, value=_other(aid, qid)[1])
        sheet.cell(row=rows[qid], column=6, value="E2")
    response = _import(client, aid, _saved(book))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    conflict_row = html[html.index(f'data-question="{first}"') :]
    conflict_row = conflict_row[: conflict_row.index("</tr>")]
    assert "Konflikt" in conflict_row
    assert "efter exporten" in conflict_row
    assert "sheet-change--conflict" in html
    before_second = _stored(aid, second)

    assert _confirm(client, aid, html).status_code == 302
    assert _stored(aid, first).value == "unknown"  # ours, kept
    assert _stored(aid, first).motivation == "Vi frågar leverantören."
    assert _stored(aid, second).value == vendor_second[0]  # the vendor's other answer is saved
    assert before_second != _stored(aid, second)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "vendor_sheet.import"))
    assert event.after["conflicts_skipped"] == [first]


def test_a_conflict_taken_deliberately_overwrites(client: FlaskClient, demo: dict[str, Any]) -> None:
    aid = demo["aid"]
    book = _export(client, aid)
    sheet = book["Frågor"]
    first = _ynu_rows(aid, sheet)[0]
    assessment = db.session.get(Assessment, aid)
    save_answers(assessment, {first: AnswerInput(value="unknown")}, assessment.version, demo["users"]["arkitekt"])
    db.session.commit()
    sheet.cell(row=_rows(sheet)[first], column=5, value="Nej")
    html = _import(client, aid, _saved(book)).get_data(as_text=True)
    assert _confirm(client, aid, html, take=[first]).status_code == 302
    assert _stored(aid, first).value == "no"


def test_a_save_between_preview_and_confirm_stops_the_confirm_with_nothing_saved(
    client: FlaskClient, demo: dict[str, Any]
) -> None:
    aid = demo["aid"]
    book = _export(client, aid)
    sheet = book["Frågor"]
    first = _ynu_rows(aid, sheet)[0]
    sheet.cell(row=_rows(sheet)[first], column=5, value="Nej")
    html = _import(client, aid, _saved(book)).get_data(as_text=True)
    assessment = db.session.get(Assessment, aid)
    save_answers(assessment, {first: AnswerInput(value="unknown")}, assessment.version, demo["users"]["arkitekt"])
    db.session.commit()
    snapshot = answers_snapshot(aid)
    response = _confirm(client, aid, html)
    assert response.status_code == 302
    assert answers_snapshot(aid) == snapshot
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "inget från filen är sparat" in page


def test_a_broken_workbook_gets_one_message_per_cell_and_changes_nothing(
    client: FlaskClient, demo: dict[str, Any]
) -> None:
    aid = demo["aid"]
    book = _export(client, aid)
    sheet = book["Frågor"]
    rows = _rows(sheet)
    first, second = _ynu_rows(aid, sheet)
    sheet.cell(row=rows[first], column=5, value="Kanske")
    sheet.cell(row=rows[second], column=6, value="E7")
    sheet.cell(row=rows[second], column=5, value="Ja")
    snapshot = answers_snapshot(aid)
    response = _import(client, aid, _saved(book))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    items = re.findall(r"<li>(.*?)</li>", html[html.index('id="sheet-problems"') :], re.S)
    assert len(items) == 2
    assert items[0].startswith(f"Blad Frågor, cell E{rows[first]}: «Kanske» finns inte bland svarsalternativen")
    assert items[1].startswith(f"Blad Frågor, cell F{rows[second]}: «E7» är ingen underlagsnivå")
    assert answers_snapshot(aid) == snapshot


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda data: b"not a zip at all", "inte en Excel-arbetsbok"),
        (lambda data: _renamed(data), "saknar bladet Frågor"),
    ],
)
def test_a_file_that_is_no_such_workbook_is_refused_whole(
    client: FlaskClient, demo: dict[str, Any], mangle: Any, message: str
) -> None:
    aid = demo["aid"]
    response = client.get(f"/bedomningar/{aid}/leverantorsformular.xlsx")
    snapshot = answers_snapshot(aid)
    result = _import(client, aid, mangle(response.data))
    assert result.status_code == 400
    assert message in result.get_data(as_text=True)
    assert answers_snapshot(aid) == snapshot


def _renamed(data: bytes) -> bytes:
    book = load_workbook(io.BytesIO(data))
    book["Frågor"].title = "Blad1"
    return _saved(book)


def test_a_forged_preview_is_refused(client: FlaskClient, demo: dict[str, Any]) -> None:
    aid = demo["aid"]
    snapshot = answers_snapshot(aid)
    token = csrf_token(client, f"/bedomningar/{aid}/underlag")
    response = client.post(
        f"/bedomningar/{aid}/leverantorsformular/bekrafta", data={"csrf_token": token, "preview": "eyJhIjo1fQ.forged"}
    )
    assert response.status_code == 302
    assert answers_snapshot(aid) == snapshot
    assert "Läs in filen igen" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_viewer_may_export_but_not_import(app: Flask, client: FlaskClient, demo: dict[str, Any]) -> None:
    from tests import factories

    aid = demo["aid"]
    data = client.get(f"/bedomningar/{aid}/leverantorsformular.xlsx").data
    viewer = factories.create_user("viewer")
    db.session.commit()
    login_as(client, viewer)
    assert client.get(f"/bedomningar/{aid}/leverantorsformular.xlsx").status_code == 200
    assert _import(client, aid, data).status_code == 403
