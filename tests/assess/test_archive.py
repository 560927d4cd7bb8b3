"""The archive package of a decided record: built by the app, verified by a reader that needs only the stdlib."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from assess.archive import verify as verifier
from assess.extensions import db
from assess.models import Assessment, AuditEvent, AuditHead, EvidenceFile, FrozenRecord
from tests.assess.helpers import approve_use, demo_users, load_demo, submit_and_approve
from tests.conftest import login_as

ROOT = Path(__file__).resolve().parents[2]
ARCHIVE_DIR = ROOT / "assess" / "archive"
TODAY = dt.date(2026, 12, 1)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DPA = "Personuppgiftsbiträdesavtal, bilaga 2: underbiträden i EU/EES.\n".encode()


def _evidence(assessment: Assessment, question: str, name: str, data: bytes, media_type: str) -> None:
    db.session.add(
        EvidenceFile(
            assessment_id=assessment.id, question_id=question, filename=name, media_type=media_type,
            size=len(data), sha256=hashlib.sha256(data).hexdigest(), content=data,
        )
    )  # fmt: skip


@pytest.fixture
def decided(app: Flask) -> dict[str, Any]:
    """D2 of the demo with two evidence files, submitted, approved and decided (its record frozen)."""
    ids = load_demo(app)
    users = demo_users()
    d2 = db.session.get(Assessment, ids["D2"])
    assert d2 is not None
    question = sorted(a.question_id for a in d2.answers)[0]
    _evidence(d2, question, "dpa.txt", DPA, "text/plain")
    _evidence(d2, question, "iso27001.pdf", PDF, "application/pdf")
    db.session.flush()
    submit_and_approve(d2, users)
    approve_use(d2, users, TODAY)
    db.session.commit()
    return {"id": d2.id, "users": users, "question": question, "undecided": ids["D1"]}


def _export(app: Flask, assessment_id: int, path: Path) -> Any:
    return app.test_cli_runner().invoke(args=["records", "export", str(assessment_id), "-o", str(path)])


def _rewrite(source: Path, target: Path, change: dict[str, bytes]) -> None:
    """Copy a ZIP, replacing the named members' content."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            new.writestr(info.filename, change.get(info.filename, old.read(info.filename)))


def _run_standalone(package: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run verify.py copied alone into an empty folder, in isolated mode (no site-packages, no PYTHONPATH)."""
    folder = tmp_path / "only-the-verifier"
    folder.mkdir(exist_ok=True)
    shutil.copy(ARCHIVE_DIR / "verify.py", folder / "verify.py")
    return subprocess.run(  # noqa: S603
        [sys.executable, "-I", str(folder / "verify.py"), str(package)],
        capture_output=True, text=True, cwd=folder, check=False, env={"PATH": os.environ.get("PATH", "")},
    )  # fmt: skip


def test_the_package_holds_report_record_files_events_and_a_manifest_that_verifies_standalone(
    app: Flask, decided: dict[str, Any], tmp_path: Path
) -> None:
    package = tmp_path / "arkiv.zip"
    result = _export(app, decided["id"], package)
    assert result.exit_code == 0, result.output
    record = db.session.scalar(select(FrozenRecord).where(FrozenRecord.assessment_id == decided["id"]))
    assert record is not None
    assert record.sha256 in result.output
    with zipfile.ZipFile(package) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
        assert archive.read("record.json").decode() == record.canonical_json
        assert archive.read("report.pdf") == record.report_pdf
        assert archive.read("report.pdf").startswith(b"%PDF")
        events = json.loads(archive.read("audit-events.json"))
    evidence = sorted(n for n in names if n.startswith("evidence/"))
    assert [n.rsplit("-", 1)[-1] for n in evidence] == ["dpa.txt", "iso27001.pdf"]
    assert names == {"manifest.json", "record.json", "report.pdf", "audit-events.json", *evidence}
    by_path = {f["path"]: f for f in manifest["files"]}
    assert set(by_path) == names - {"manifest.json"}
    dpa = next(n for n in evidence if n.endswith("dpa.txt"))
    assert by_path[dpa] == {
        "path": dpa, "size": len(DPA), "sha256": hashlib.sha256(DPA).hexdigest(), "media_type": "text/plain",
    }  # fmt: skip
    assert by_path["report.pdf"]["media_type"] == "application/pdf"
    assert manifest["record"]["sha256"] == record.sha256
    a = db.session.get(Assessment, decided["id"])
    assert a is not None
    assert manifest["ruleset"] == {"id": a.ruleset_id, "version": a.ruleset_version, "sha256": a.ruleset_sha256}
    head = db.session.get(AuditHead, 1)
    assert head is not None
    # The export itself is the newest event: the package names the head just before it.
    assert manifest["audit"]["chain_head"]["seq"] == head.seq - 1
    assert manifest["audit"]["at_freeze"] == json.loads(record.canonical_json)["audit"]
    assert "record.freeze" in {e["action"] for e in events}
    assert {e["assessment_id"] for e in events} == {decided["id"]}
    assert db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.seq.desc()).limit(1)) == "record.export"

    done = _run_standalone(package, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Paketet är intakt" in done.stdout
    # The same through the package's module, from the checkout.
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "assess.archive", "verify", str(package)],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def test_the_verifier_needs_only_the_standard_library(app: Flask, decided: dict[str, Any], tmp_path: Path) -> None:
    """With site-packages off and only the archive folder on the path, `-m verify` still checks a package."""
    package = tmp_path / "arkiv.zip"
    assert _export(app, decided["id"], package).exit_code == 0
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-S", "-m", "verify", "verify", str(package)],
        capture_output=True, text=True, cwd=tmp_path, check=False,
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ARCHIVE_DIR)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    imported = subprocess.run(  # noqa: S603
        [sys.executable, "-S", "-c", "import verify, sys; print(sorted(m for m in sys.modules if '.' not in m))"],
        capture_output=True, text=True, cwd=tmp_path, check=True,
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ARCHIVE_DIR)},
    )  # fmt: skip
    modules = set(json.loads(imported.stdout.replace("'", '"')))
    assert not modules & {"flask", "sqlalchemy", "assess", "rules", "pydantic", "yaml"}
    assert modules <= set(sys.stdlib_module_names) | {"verify", "__main__", "_distutils_hack"}


def test_one_changed_byte_in_a_file_is_caught_naming_that_file(
    app: Flask, decided: dict[str, Any], tmp_path: Path
) -> None:
    package = tmp_path / "arkiv.zip"
    assert _export(app, decided["id"], package).exit_code == 0
    with zipfile.ZipFile(package) as archive:
        dpa = next(n for n in archive.namelist() if n.endswith("dpa.txt"))
        data = bytearray(archive.read(dpa))
    data[0] ^= 0x01
    tampered = tmp_path / "andrad.zip"
    _rewrite(package, tampered, {dpa: bytes(data)})
    done = _run_standalone(tampered, tmp_path)
    assert done.returncode == 1
    problems = [line for line in done.stderr.splitlines() if line.startswith("FEL")]
    digest, original = hashlib.sha256(bytes(data)).hexdigest(), hashlib.sha256(DPA).hexdigest()
    assert problems == [
        f"FEL  {dpa}: SHA-256 är {digest}, manifestet säger {original}",
        f"FEL  record.json: underlagsfilen 'dpa.txt' ({original}) saknas i paketet",
    ]
    assert "2 problem: paketet är inte intakt." in done.stderr


def test_a_changed_manifest_or_a_file_swapped_with_its_manifest_entry_is_caught(
    app: Flask, decided: dict[str, Any], tmp_path: Path
) -> None:
    package = tmp_path / "arkiv.zip"
    assert _export(app, decided["id"], package).exit_code == 0
    with zipfile.ZipFile(package) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        events = json.loads(archive.read("audit-events.json"))

    # The manifest claims another record hash: the record no longer matches it.
    changed = json.loads(json.dumps(manifest))
    changed["record"]["sha256"] = "0" * 64
    target = tmp_path / "manifest.zip"
    _rewrite(package, target, {"manifest.json": json.dumps(changed).encode()})
    _checked, problems = verifier.verify_archive(str(target))
    assert problems == [f"record.json: postens SHA-256 {manifest['record']['sha256']} är inte manifestets {'0' * 64}",
                        f"audit-events.json: frysningen av posten {'0' * 64} saknas bland händelserna"]  # fmt: skip

    # Another report with its manifest entry changed to match: the record's own report hash still catches it.
    forged = b"%PDF-1.4 forged\n"
    changed = json.loads(json.dumps(manifest))
    entry = next(f for f in changed["files"] if f["path"] == "report.pdf")
    entry.update(size=len(forged), sha256=hashlib.sha256(forged).hexdigest())
    target = tmp_path / "report.zip"
    _rewrite(package, target, {"report.pdf": forged, "manifest.json": json.dumps(changed).encode()})
    _checked, problems = verifier.verify_archive(str(target))
    assert problems == ["report.pdf: rapporten är inte den som posten anger (SHA-256)"]

    # An audit event rewritten, its manifest entry updated: the event's own hash catches it.
    events[0]["actor_name"] = "Någon annan"
    text = json.dumps(events).encode()
    changed = json.loads(json.dumps(manifest))
    entry = next(f for f in changed["files"] if f["path"] == "audit-events.json")
    entry.update(size=len(text), sha256=hashlib.sha256(text).hexdigest())
    target = tmp_path / "events.zip"
    _rewrite(package, target, {"audit-events.json": text, "manifest.json": json.dumps(changed).encode()})
    _checked, problems = verifier.verify_archive(str(target))
    assert problems == [f"audit-events.json: händelse {events[0]['seq']} stämmer inte med sin SHA-256"]

    # A file added that the manifest does not list, and one listed that is gone.
    target = tmp_path / "extra.zip"
    with zipfile.ZipFile(package) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            if not info.filename.endswith("iso27001.pdf"):
                new.writestr(info.filename, old.read(info.filename))
        new.writestr("evidence/smuggled.txt", b"x")
    done = _run_standalone(target, tmp_path)
    assert done.returncode == 1
    assert "evidence/smuggled.txt: finns i paketet men inte i manifest.json" in done.stderr
    assert "iso27001.pdf: listas i manifest.json men saknas i paketet" in done.stderr
    assert "record.json: underlagsfilen 'iso27001.pdf'" in done.stderr


def test_not_a_zip_is_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "x.zip"
    bad.write_bytes(b"not a zip")
    assert verifier.main(["verify", str(bad)]) == 2


def test_the_record_page_offers_the_package_and_an_undecided_assessment_has_none(
    app: Flask, client: FlaskClient, decided: dict[str, Any]
) -> None:
    login_as(client, decided["users"]["jurist"])
    page = client.get(f"/bedomningar/{decided['id']}/protokoll").get_data(as_text=True)
    assert f'href="/bedomningar/{decided["id"]}/arkivpaket.zip"' in page
    response = client.get(f"/bedomningar/{decided['id']}/arkivpaket.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert "manifest.json" in archive.namelist()
    exports = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "record.export")
    assert db.session.scalar(exports) == 1
    assert client.get(f"/bedomningar/{decided['undecided']}/arkivpaket.zip").status_code == 404
    result = app.test_cli_runner().invoke(args=["records", "export", str(decided["undecided"]), "-o", "/dev/null"])
    assert result.exit_code == 1
    assert "ingen fryst beslutspost" in result.output
