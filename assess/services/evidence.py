"""Evidence files attached to answers: the type read from the content, the SHA-256 kept, stored once.

A file is accepted only when its bytes are one of the kinds the region archives (PDF, Office Open XML and
OpenDocument files, PNG, JPEG, GIF, WebP, UTF-8 text); the name the uploader gave is kept for display only. The
content is stored in the row (``EVIDENCE_STORAGE = "database"``) or in a folder shared by every instance, under
its SHA-256 (``storage_key`` ``"ab/abcdef..."``), written atomically so that two instances storing the same file
at once both end with the whole file. Removing a file removes the row; a stored blob stays (it is addressed by
its hash and another row may name it).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import filetype  # type: ignore[import-untyped]
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from assess.extensions import db
from assess.i18n import _
from assess.models import Assessment, AssessmentStatus, EvidenceFile, User
from assess.services.audit import record_event
from assess.services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from assess.services.evaluation import ruleset_for
from assess.services.team import answerable_questions, may_edit_all

DATABASE = "database"
#: No file is added once the assessment is decided or replaced by a newer revision (its record is frozen).
UPLOAD_CLOSED = frozenset({AssessmentStatus.DECIDED, AssessmentStatus.SUPERSEDED})
#: A file is removed only while the assessment is being worked on: once submitted, the reviewers have seen it.
REMOVABLE = frozenset({AssessmentStatus.DRAFT, AssessmentStatus.CHANGES_REQUESTED})
MAX_NAME = 255

PDF = "application/pdf"
TEXT = "text/plain; charset=utf-8"
IMAGES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
#: The main part's content type in an OOXML package's [Content_Types].xml, and the file's media type.
OOXML = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    ),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    ),
}
ODF = frozenset(
    {
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
    }
)
#: The legacy Office container (doc, xls, ppt): refused, with a hint to save it in a current format.
OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
#: The most of a package's [Content_Types].xml or mimetype entry that is read (a bomb is not unpacked).
MAX_MANIFEST = 1024 * 1024
_CONTENT_TYPE = re.compile(rb'ContentType="([^"]+)"')
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f\\/:*?\"<>|]")


@dataclass(frozen=True)
class Storage:
    """Where evidence content goes: the database, or a folder every instance shares."""

    location: str = DATABASE

    @property
    def in_database(self) -> bool:
        """Tell whether content is kept in the row."""
        return self.location == DATABASE

    def path_of(self, key: str) -> Path:
        """Return the file of a storage key under the folder (refusing keys that leave it)."""
        if not re.fullmatch(r"[0-9a-f]{2}/[0-9a-f]{64}", key):
            raise NotFound(_("Filen finns inte i lagringen."))
        return Path(self.location) / key

    def put(self, sha256: str, data: bytes) -> str:
        """Store the content under its hash (atomically, once) and return its storage key."""
        key = f"{sha256[:2]}/{sha256}"
        path = self.path_of(key)
        if path.is_file() and path.stat().st_size == len(data):
            return key
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        return key

    def get(self, key: str) -> bytes:
        """Return the stored content of a key."""
        path = self.path_of(key)
        if not path.is_file():
            raise NotFound(_("Filen finns inte i lagringen."))
        return path.read_bytes()


def storage_of(config: Any) -> Storage:
    """Return the storage a configuration names (EVIDENCE_STORAGE: "database" or a folder path)."""
    location = str(config.get("EVIDENCE_STORAGE") or DATABASE).strip()
    return Storage(location or DATABASE)


def media_type_of(data: bytes) -> str | None:
    """Return the media type of an accepted file from its content, or None when it is not a kind we accept."""
    kind = filetype.guess(data)
    mime = kind.mime if kind is not None else None
    if mime == PDF or mime in IMAGES:
        return str(mime)
    if data[:4] == b"PK\x03\x04":
        return _package_type(data)
    if kind is not None:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    # Text is what a person can read: no NUL and no other control characters but tab and line breaks.
    if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text):
        return None
    return TEXT


def _package_type(data: bytes) -> str | None:
    """Return the media type of an Office Open XML or OpenDocument package, read from its manifest."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = set(package.namelist())
            if "[Content_Types].xml" in names:
                info = package.getinfo("[Content_Types].xml")
                if info.file_size > MAX_MANIFEST:
                    return None
                types = _CONTENT_TYPE.findall(package.read(info))
                for found in types:
                    media = OOXML.get(found.decode("ascii", "replace"))
                    if media is not None:
                        return media
                return None
            if "mimetype" in names:
                info = package.getinfo("mimetype")
                if info.file_size > 200:
                    return None
                mime = package.read(info).decode("ascii", "replace").strip()
                return mime if mime in ODF else None
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, NotImplementedError):
        return None
    return None


def clean_filename(name: str | None) -> str:
    """Return a display name without a path or characters a file system refuses ("underlag" when none is left)."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE_NAME.sub("_", base).strip(" .")
    if len(base) > MAX_NAME:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: MAX_NAME - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else base[:MAX_NAME]
    return base or "underlag"


def may_upload(user: User, assessment: Assessment, question_id: str) -> bool:
    """Tell whether the user may attach a file to the question now."""
    if assessment.status in UPLOAD_CLOSED:
        return False
    if may_edit_all(user):
        return True
    return question_id in answerable_questions(user, assessment, ruleset_for(assessment))


def uploadable_questions(user: User, assessment: Assessment) -> set[str]:
    """Return the questions the user may attach files to now (one computation for a whole page)."""
    if assessment.status in UPLOAD_CLOSED:
        return set()
    ruleset = ruleset_for(assessment)
    if may_edit_all(user):
        return set(ruleset.by_id)
    return answerable_questions(user, assessment, ruleset)


def may_remove(user: User, assessment: Assessment) -> bool:
    """Tell whether the user may remove files of the assessment now (architects and admins, while worked on)."""
    return may_edit_all(user) and assessment.status in REMOVABLE


def add_evidence(
    assessment: Assessment,
    question_id: str,
    filename: str | None,
    data: bytes,
    actor: User,
    max_bytes: int,
    storage: Storage,
) -> EvidenceFile:
    """Check and store a file for an answer, with its SHA-256; audit the upload."""
    ruleset = ruleset_for(assessment)
    if question_id not in ruleset.by_id:
        raise ValidationFailed(
            _("Okänd fråga %(question)s.", question=question_id), fields={"question": _("Okänd fråga.")}
        )
    if assessment.status in UPLOAD_CLOSED:
        raise Conflict(_("Bedömningen är beslutad eller ersatt: inga fler filer kan läggas till."))
    if not may_upload(actor, assessment, question_id):
        raise PermissionDenied(
            _("Bara arkitekter och administratörer, eller den som frågan är tilldelad, kan lägga till underlag.")
        )
    problem = None
    media_type = None
    if not data:
        problem = _("Filen är tom.")
    elif len(data) > max_bytes:
        problem = _(
            "Filen är för stor (%(size)s). Största tillåtna storlek är %(max)s.",
            size=human_size(len(data)),
            max=human_size(max_bytes),
        )
    elif data[:8] == OLE_MAGIC:
        problem = _(
            "Äldre Office-format (.doc, .xls, .ppt) tas inte emot. Spara filen som .docx, .xlsx, .pptx eller PDF."
        )
    else:
        media_type = media_type_of(data)
        if media_type is None:
            problem = _(
                "Filtypen tas inte emot. Tillåtet: PDF, Word, Excel, PowerPoint (docx, xlsx, pptx), OpenDocument, "
                "bilder (PNG, JPEG, GIF, WebP) och text (UTF-8). Typen avgörs av innehållet, inte av filnamnet."
            )
    if problem is not None or media_type is None:
        message = problem or _("Filtypen tas inte emot.")
        raise ValidationFailed(message, fields={"file": message})
    sha256 = hashlib.sha256(data).hexdigest()
    row = EvidenceFile(
        assessment_id=assessment.id,
        question_id=question_id,
        filename=clean_filename(filename),
        media_type=media_type,
        size=len(data),
        sha256=sha256,
        uploaded_by_id=actor.id,
    )
    if storage.in_database:
        row.content = data
    else:
        row.storage_key = storage.put(sha256, data)
    db.session.add(row)
    db.session.flush()
    record_event(actor, "evidence_file", row.id, "evidence.upload", None, _event_of(row), assessment_id=assessment.id)
    return row


def remove_evidence(assessment: Assessment, row: EvidenceFile, actor: User) -> None:
    """Remove a file of an assessment that is still being worked on; audit the removal."""
    if row.assessment_id != assessment.id:
        raise NotFound(_("Filen finns inte."))
    if not may_edit_all(actor):
        raise PermissionDenied(_("Bara arkitekter och administratörer kan ta bort underlag."))
    if assessment.status not in REMOVABLE:
        raise Conflict(
            _(
                "Underlag kan inte tas bort när bedömningen är inskickad, granskad, beslutad eller ersatt. "
                "Det går bara medan bedömningen är ett utkast eller ändringar har begärts."
            )
        )
    before = _event_of(row)
    file_id = row.id
    db.session.delete(row)
    db.session.flush()
    record_event(actor, "evidence_file", file_id, "evidence.remove", before, None, assessment_id=assessment.id)


def get_evidence(assessment_id: int, file_id: int) -> EvidenceFile:
    """Return a file of the assessment (with its uploader), or raise NotFound."""
    row = db.session.scalar(
        select(EvidenceFile)
        .where(EvidenceFile.id == file_id, EvidenceFile.assessment_id == assessment_id)
        .options(joinedload(EvidenceFile.uploaded_by))
    )
    if row is None:
        raise NotFound(_("Filen finns inte."))
    return row


def content_of(row: EvidenceFile, storage: Storage) -> bytes:
    """Return a file's content, checked against its stored SHA-256."""
    if row.content is not None:
        data = row.content
    elif row.storage_key:
        data = storage.get(row.storage_key)
    else:
        raise NotFound(_("Filens innehåll saknas."))
    if hashlib.sha256(data).hexdigest() != row.sha256:
        raise Conflict(
            _("Filens innehåll stämmer inte med sin SHA-256 %(sha)s. Kontakta förvaltningen.", sha=row.sha256)
        )
    return data


def files_of(assessment_id: int) -> list[EvidenceFile]:
    """Return the assessment's files (without loading their content), by question and upload."""
    from sqlalchemy.orm import defer

    return list(
        db.session.scalars(
            select(EvidenceFile)
            .where(EvidenceFile.assessment_id == assessment_id)
            .options(defer(EvidenceFile.content), joinedload(EvidenceFile.uploaded_by))
            .order_by(EvidenceFile.question_id, EvidenceFile.id)
        )
    )


def files_by_question(assessment_id: int) -> dict[str, list[EvidenceFile]]:
    """Return the assessment's files grouped by question id."""
    grouped: dict[str, list[EvidenceFile]] = {}
    for row in files_of(assessment_id):
        grouped.setdefault(row.question_id, []).append(row)
    return grouped


def evidence_manifest(assessment_id: int) -> list[dict[str, Any]]:
    """Return every file of the assessment as plain data for its frozen record (name, type, size, SHA-256)."""
    return [
        {
            "id": row.id,
            "question": row.question_id,
            "filename": row.filename,
            "media_type": row.media_type,
            "size": row.size,
            "sha256": row.sha256,
            "uploaded_by_id": row.uploaded_by_id,
            "uploaded_at": row.uploaded_at.isoformat(),
        }
        for row in files_of(assessment_id)
    ]


def human_size(size: int) -> str:
    """Return a byte count as a person reads it (kB, MB: powers of 1024, Swedish decimal comma)."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} kB"
    text = f"{size / (1024 * 1024):.1f}".replace(".", ",").removesuffix(",0")
    return f"{text} MB"


def _event_of(row: EvidenceFile) -> dict[str, Any]:
    return {
        "question": row.question_id,
        "filename": row.filename,
        "media_type": row.media_type,
        "size": row.size,
        "sha256": row.sha256,
    }
