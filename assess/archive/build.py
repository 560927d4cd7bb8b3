"""Building the archive package of a decided record (the app's side; `verify.py` is the package reader's side).

The package holds the stored PDF/A report, the frozen record exactly as stored (so its SHA-256 is the record's),
every evidence file of the assessment, the assessment's audit events with their chain hashes, and
``manifest.json`` naming each file's path, size, SHA-256 and media type, the record's hashes, the rule-set pin
and the head of the audit chain when the package was made.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from assess.archive.verify import ARCHIVE_FORMAT, MANIFEST
from assess.extensions import db
from assess.i18n import _
from assess.models import Assessment, AuditEvent, AuditHead, EvidenceFile, FrozenRecord, User
from assess.models.types import utcnow
from assess.services.audit import record_event, timestamp
from assess.services.errors import Conflict, DomainError, NotFound
from assess.services.evidence import content_of as evidence_content
from assess.services.evidence import storage_of
from assess.services.records import content_sha256, stored_report_of

RECORD_PATH = "record.json"
REPORT_PATH = "report.pdf"
EVENTS_PATH = "audit-events.json"
_UNSAFE = re.compile(r"[^\w.\-]+")


@dataclass(frozen=True)
class Package:
    """A built archive package: the ZIP's bytes, a file name for it and its manifest."""

    data: bytes
    filename: str
    manifest: dict[str, Any]


def _json_bytes(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def _safe_name(name: str) -> str:
    return _UNSAFE.sub("_", name.replace("\\", "/").rsplit("/", 1)[-1]).strip("._") or "fil"


def event_json(event: AuditEvent) -> dict[str, Any]:
    """Return an audit event as the package stores it: every field its hash covers, the time as hashed."""
    return {
        "seq": event.seq,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
        "at": timestamp(event.at),
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "entity_type": event.entity_type,
        "entity_id": event.entity_id,
        "assessment_id": event.assessment_id,
        "action": event.action,
        "before": event.before,
        "after": event.after,
    }


def build_package(
    assessment_id: int, actor: User | None, instance: Path | None = None, config: Mapping[str, Any] | None = None
) -> Package:
    """Build the archive package of a decided assessment's frozen record and record that it left the system.

    ``config`` names the evidence storage (EVIDENCE_STORAGE); every file is checked against its SHA-256."""
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None:
        raise NotFound(_("Bedömning %(id)s finns inte.", id=assessment_id))
    record = db.session.scalar(select(FrozenRecord).where(FrozenRecord.assessment_id == assessment_id))
    if record is None:
        raise NotFound(_("Bedömningen har ingen fryst beslutspost ännu (den skapas vid beslut)."))
    problems: list[str] = []
    if hashlib.sha256(record.canonical_json.encode("utf-8")).hexdigest() != record.sha256:
        problems.append(_("Den frysta posten stämmer inte med sin SHA-256; den packas inte."))
    report, why = stored_report_of(record, instance)
    if report is None:
        problems.append(why or _("Beslutsposten har ingen lagrad rapport."))
    files: list[tuple[str, bytes, str]] = []
    for evidence in db.session.scalars(
        select(EvidenceFile).where(EvidenceFile.assessment_id == assessment_id).order_by(EvidenceFile.id)
    ):
        try:
            content = evidence_content(evidence, storage_of(config or {}))
        except DomainError as exc:
            problems.extend(f"{evidence.filename}: {p}" for p in exc.problems)
        else:
            path = f"evidence/{evidence.question_id}/{evidence.id}-{_safe_name(evidence.filename)}"
            files.append((path, content, evidence.media_type))
    if problems:
        raise Conflict(*problems)
    assert report is not None
    events = list(
        db.session.scalars(select(AuditEvent).where(AuditEvent.assessment_id == assessment_id).order_by(AuditEvent.seq))
    )
    head = db.session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).one()
    stored = json.loads(record.canonical_json)
    entries = [
        (REPORT_PATH, report, "application/pdf"),
        (RECORD_PATH, record.canonical_json.encode("utf-8"), "application/json"),
        *files,
        (EVENTS_PATH, _json_bytes([event_json(e) for e in events]), "application/json"),
    ]
    alternative = assessment.alternative
    manifest = {
        "format": ARCHIVE_FORMAT,
        "created_at": utcnow().isoformat(timespec="seconds"),
        "assessment": {
            "id": assessment.id,
            "case": alternative.case.title,
            "alternative": alternative.name,
            "scope": assessment.scope,
            "revision": assessment.revision,
        },
        "record": {
            "id": record.id,
            "path": RECORD_PATH,
            "sha256": record.sha256,
            "content_sha256": content_sha256(stored),
            "report_path": REPORT_PATH,
            "report_sha256": record.report_sha256,
            "frozen_at": record.created_at.isoformat(),
        },
        "ruleset": stored.get("ruleset"),
        "audit": {
            "events_path": EVENTS_PATH,
            "at_freeze": stored.get("audit"),
            "chain_head": {"seq": int(head.seq), "hash": str(head.hash)},
        },
        "files": [
            {"path": path, "size": len(data), "sha256": hashlib.sha256(data).hexdigest(), "media_type": media}
            for path, data, media in entries
        ],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, _json_bytes(manifest))
        for path, data, _media in entries:
            archive.writestr(path, data)
    record_event(
        actor,
        "record",
        record.id,
        "record.export",
        None,
        {"sha256": record.sha256, "files": len(entries), "chain_head": int(head.seq)},
        assessment_id=assessment.id,
    )
    return Package(buffer.getvalue(), f"arkivpaket-{assessment.id}-rev{assessment.revision}.zip", manifest)
