"""Evidence files: upload checked by content, size limit, storage in the database or a folder, download headers,
removal rules, audit, and the frozen record's list of files."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from assess.extensions import db
from assess.models import AssessmentStatus, AuditEvent, EvidenceFile, FrozenRecord
from tests import factories
from tests.conftest import csrf_token, login_as, make_app

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def _docx(main: str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Override PartName="/word/document.xml" ContentType="{main}"/></Types>',
        )
        package.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def _plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("a.txt", "x")
    return out.getvalue()


@pytest.fixture
def setup(app: Flask) -> dict[str, Any]:
    architect = factories.create_user("architect", display_name="Anna Arkitekt")
    viewer = factories.create_user("viewer")
    case = factories.create_case()
    assessment = factories.create_assessment(factories.create_alternative(case), owner=architect)
    db.session.commit()
    return {"architect": architect, "viewer": viewer, "assessment_id": assessment.id}


def _upload(client: FlaskClient, aid: int, question: str, name: str, data: bytes) -> Any:
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    token = csrf_token(client, f"/bedomningar/{aid}/underlag")
    # Encoded in memory (the test client would spool a large body to a temporary file it never closes).
    boundary, body = encode_multipart(
        {"csrf_token": token, "question": question, "file": FileStorage(io.BytesIO(data), name)}
    )
    return client.post(
        f"/bedomningar/{aid}/underlag?fraga={question}",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def _files(aid: int) -> list[EvidenceFile]:
    db.session.expire_all()
    return list(db.session.scalars(select(EvidenceFile).where(EvidenceFile.assessment_id == aid)))


def test_an_upload_is_listed_with_its_type_size_hash_and_uploader_and_downloads_as_an_attachment(
    app: Flask, client: FlaskClient, setup: dict[str, Any]
) -> None:
    aid = setup["assessment_id"]
    login_as(client, setup["architect"])
    assert f'href="/bedomningar/{aid}/underlag"' in client.get(f"/bedomningar/{aid}").get_data(as_text=True)
    response = _upload(client, aid, "L-05", "Personuppgiftsbiträdesavtal å.pdf", PDF)
    assert response.status_code == 302
    page = client.get(f"/bedomningar/{aid}/underlag").get_data(as_text=True)
    import hashlib

    digest = hashlib.sha256(PDF).hexdigest()
    assert "Personuppgiftsbiträdesavtal å.pdf" in page
    assert digest in page
    assert "application/pdf" in page
    assert "Anna Arkitekt" in page
    (row,) = _files(aid)
    assert row.content == PDF
    assert row.storage_key is None
    assert row.sha256 == digest
    download = client.get(f"/bedomningar/{aid}/underlag/{row.id}")
    assert download.data == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Personuppgiftsbitr%C3%A4desavtal%20%C3%A5.pdf" in disposition
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "evidence.upload"))
    assert event is not None
    assert event.assessment_id == aid
    assert event.after["sha256"] == digest


@pytest.mark.parametrize(
    ("name", "data", "media_type"),
    [
        ("bild.png", PNG, "image/png"),
        ("avtal.docx", _docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("anteckning.txt", "Leverantören intygar att data stannar i EU.\n".encode(), "text/plain; charset=utf-8"),
    ],
)
def test_the_type_comes_from_the_content(
    client: FlaskClient, setup: dict[str, Any], name: str, data: bytes, media_type: str
) -> None:
    login_as(client, setup["architect"])
    assert _upload(client, setup["assessment_id"], "G-01", name, data).status_code == 302
    (row,) = _files(setup["assessment_id"])
    assert row.media_type == media_type


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("rapport.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200),  # an executable named .pdf
        ("avtal.docx", b"PK\x03\x04" + b"\x00" * 100),  # a broken zip named .docx
        ("makro.docm", _docx("application/vnd.ms-word.document.macroEnabled.main+xml")),
        ("arkiv.zip", _plain_zip()),
        ("text.txt", "Hej".encode("latin-1") + b"\xe5\xe4\xf6"),  # not UTF-8
    ],
)
def test_other_content_is_refused_with_a_message_at_the_field_and_nothing_stored(
    client: FlaskClient, setup: dict[str, Any], name: str, data: bytes
) -> None:
    login_as(client, setup["architect"])
    response = _upload(client, setup["assessment_id"], "G-01", name, data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Filtypen tas inte emot" in html
    assert 'id="file-G-01-error"' in html
    assert _files(setup["assessment_id"]) == []


def test_a_file_over_the_configured_limit_is_refused_clearly_and_nothing_is_stored(
    app: Flask, client: FlaskClient, setup: dict[str, Any]
) -> None:
    app.config["EVIDENCE_MAX_BYTES"] = 1000
    login_as(client, setup["architect"])
    response = _upload(client, setup["assessment_id"], "G-01", "stor.pdf", PDF + b"%" * 2000)
    assert response.status_code == 400
    assert "Filen är för stor" in response.get_data(as_text=True)
    # Far over the limit (the request itself is too large): the same clear message, not a bare error page.
    response = _upload(client, setup["assessment_id"], "G-01", "jättestor.pdf", PDF + b"%" * 200_000)
    assert response.status_code == 413
    assert "Filen är för stor" in response.get_data(as_text=True)
    assert _files(setup["assessment_id"]) == []
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "evidence.upload")) is None


def test_other_pages_still_refuse_files(client: FlaskClient, setup: dict[str, Any]) -> None:
    login_as(client, setup["architect"])
    token = csrf_token(client, f"/bedomningar/{setup['assessment_id']}/underlag")
    response = client.post(
        f"/bedomningar/{setup['assessment_id']}?steg=context",
        data={"csrf_token": token, "q_G-01": (io.BytesIO(PDF), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 415


def test_a_folder_storage_keeps_the_file_under_its_hash_and_a_second_instance_serves_it(
    migrated_template: Path, tmp_path: Path
) -> None:
    import shutil

    db_path = tmp_path / "shared.sqlite3"
    shutil.copy(migrated_template, db_path)
    store = tmp_path / "evidence-store"
    first = make_app(db_path, tmp_path, EVIDENCE_STORAGE=str(store))
    second = make_app(db_path, tmp_path, EVIDENCE_STORAGE=str(store))
    with first.app_context():
        architect = factories.create_user("architect")
        assessment = factories.create_assessment(factories.create_alternative(factories.create_case()))
        db.session.commit()
        client = first.test_client()
        login_as(client, architect)
        assert _upload(client, assessment.id, "G-01", "intyg.pdf", PDF).status_code == 302
        (row,) = _files(assessment.id)
        assert row.content is None
        assert row.storage_key == f"{row.sha256[:2]}/{row.sha256}"
        assert (store / row.storage_key).read_bytes() == PDF
        aid, fid, user_id = assessment.id, row.id, architect.id
        db.session.remove()
        db.engine.dispose()
    with second.app_context():
        from assess.models import User

        client = second.test_client()
        login_as(client, db.session.get(User, user_id))
        assert client.get(f"/bedomningar/{aid}/underlag/{fid}").data == PDF
        db.session.remove()
        db.engine.dispose()


def test_a_viewer_reads_and_downloads_but_cannot_upload_or_remove(client: FlaskClient, setup: dict[str, Any]) -> None:
    aid = setup["assessment_id"]
    login_as(client, setup["architect"])
    _upload(client, aid, "G-01", "a.pdf", PDF)
    (row,) = _files(aid)
    login_as(client, setup["viewer"])
    page = client.get(f"/bedomningar/{aid}/underlag").get_data(as_text=True)
    assert "a.pdf" in page
    assert 'type="file"' not in page
    assert "Ta bort" not in page
    assert client.get(f"/bedomningar/{aid}/underlag/{row.id}").status_code == 200
    token = csrf_token(client, f"/bedomningar/{aid}/underlag")
    assert client.post(f"/bedomningar/{aid}/underlag/{row.id}/ta-bort", data={"csrf_token": token}).status_code == 403
    assert _upload(client, aid, "G-01", "b.pdf", PDF).status_code == 403
    assert len(_files(aid)) == 1


def test_a_file_of_another_assessment_is_not_found(client: FlaskClient, setup: dict[str, Any]) -> None:
    login_as(client, setup["architect"])
    _upload(client, setup["assessment_id"], "G-01", "a.pdf", PDF)
    (row,) = _files(setup["assessment_id"])
    other = factories.create_assessment(factories.create_alternative(factories.create_case("Annat")))
    db.session.commit()
    assert client.get(f"/bedomningar/{other.id}/underlag/{row.id}").status_code == 404


def _demo_draft(app: Flask) -> tuple[int, dict[str, Any]]:
    from assess.models import Assessment
    from tests.assess.helpers import demo_users, load_demo

    ids = load_demo(app)
    aid = next(i for i in ids.values() if db.session.get(Assessment, i).status == AssessmentStatus.DRAFT)
    return aid, demo_users()


def test_removal_is_audited_and_refused_once_submitted(app: Flask, client: FlaskClient) -> None:
    from assess.models import Assessment
    from assess.services import workflow

    aid, users = _demo_draft(app)
    login_as(client, users["arkitekt"])
    _upload(client, aid, "G-01", "a.pdf", PDF)
    _upload(client, aid, "G-01", "b.pdf", PNG)
    first, second = sorted(_files(aid), key=lambda r: r.id)
    token = csrf_token(client, f"/bedomningar/{aid}/underlag")
    assert client.post(f"/bedomningar/{aid}/underlag/{first.id}/ta-bort", data={"csrf_token": token}).status_code == 302
    assert [r.id for r in _files(aid)] == [second.id]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "evidence.remove"))
    assert event is not None
    assert event.assessment_id == aid
    assert event.before["filename"] == "a.pdf"
    workflow.submit(db.session.get(Assessment, aid), users["arkitekt"])
    db.session.commit()
    response = client.post(f"/bedomningar/{aid}/underlag/{second.id}/ta-bort", data={"csrf_token": token})
    assert response.status_code == 409
    assert "kan inte tas bort" in response.get_data(as_text=True)
    assert [r.id for r in _files(aid)] == [second.id]
    # While it is reviewed a file can still be added (the reviewers see it; it is audited).
    assert _upload(client, aid, "G-01", "c.pdf", PDF).status_code == 302


def test_the_frozen_record_lists_each_file_with_its_hash_and_records_verify_passes(
    app: Flask, client: FlaskClient
) -> None:
    import datetime as dt
    import json

    from assess.models import Assessment
    from assess.services.review_queries import decide_and_store
    from tests.assess.helpers import submit_and_approve

    aid, users = _demo_draft(app)
    login_as(client, users["arkitekt"])
    assert _upload(client, aid, "G-01", "registerutdrag.pdf", PDF).status_code == 302
    (row,) = _files(aid)
    assessment = db.session.get(Assessment, aid)
    submit_and_approve(assessment, users)
    decide_and_store(
        assessment, users["beslutsfattare"], "rejected", "Avslås.", dt.date(2027, 12, 1), [], dt.date(2026, 12, 1)
    )
    db.session.commit()
    record = db.session.scalar(select(FrozenRecord).where(FrozenRecord.assessment_id == aid))
    listed = json.loads(record.canonical_json)["evidence_files"]
    assert listed == [
        {
            "id": row.id,
            "question": "G-01",
            "filename": "registerutdrag.pdf",
            "media_type": "application/pdf",
            "size": len(PDF),
            "sha256": row.sha256,
            "uploaded_by_id": users["arkitekt"].id,
            "uploaded_at": row.uploaded_at.isoformat(),
        }
    ]
    result = app.test_cli_runner().invoke(args=["records", "verify"])
    assert result.exit_code == 0, result.output
    token = csrf_token(client, f"/bedomningar/{aid}/underlag")
    response = client.post(f"/bedomningar/{aid}/underlag/{row.id}/ta-bort", data={"csrf_token": token})
    assert response.status_code == 409
    assert _upload(client, aid, "G-01", "sent.pdf", PDF).status_code == 409
    assert len(_files(aid)) == 1
    page = client.get(f"/bedomningar/{aid}/underlag").get_data(as_text=True)
    assert "registerutdrag.pdf" in page
    assert 'type="file"' not in page
    assert re.search(r"beslutad", page)


def test_a_file_larger_than_the_pages_form_limit_but_within_the_evidence_limit_is_accepted(
    app: Flask, client: FlaskClient, setup: dict[str, Any]
) -> None:
    assert app.config["MAX_CONTENT_LENGTH"] < 3 * 1024 * 1024 <= app.config["EVIDENCE_MAX_BYTES"]
    login_as(client, setup["architect"])
    big = PDF + b"%" * (3 * 1024 * 1024)
    assert _upload(client, setup["assessment_id"], "G-01", "stor-rapport.pdf", big).status_code == 302
    (row,) = _files(setup["assessment_id"])
    assert row.size == len(big)
