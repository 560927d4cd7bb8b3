"""Verify an archive package with nothing but the standard library (zipfile, hashlib, json).

Usage: ``python -m assess.archive verify FILE.zip``, or with this file alone: ``python verify.py FILE.zip``.
Checks every file against the manifest (present, size, SHA-256, nothing extra), the frozen record against its hash
and the report's, the rule-set pin, and every audit event against its own hash. Exit 0 when everything holds,
1 naming every problem, 2 when the package cannot be read at all. Keep this file free of any other import: it is
meant to be copied beside a package and run on any machine with Python 3, years from now.
"""

from __future__ import annotations

import hashlib
import json
import sys
import zipfile
from typing import Any

ARCHIVE_FORMAT = "molnbedomning-archive/1"
MANIFEST = "manifest.json"
RECORD_FORMATS = ("molnbedomning-record/1", "molnbedomning-record/2")


def canonical(data: Any) -> str:
    """Return data as canonical JSON, exactly as the app hashes it (sorted keys, no spaces, UTF-8 kept)."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def sha256_hex(data: bytes) -> str:
    """Return the SHA-256 of bytes, in hex."""
    return hashlib.sha256(data).hexdigest()


def event_hash(event: dict[str, Any]) -> str:
    """Recompute an audit event's hash from its fields (the chain's format 1)."""
    payload = {
        "v": 1,
        "seq": event.get("seq"),
        "prev": event.get("prev_hash"),
        "at": event.get("at"),
        "actor_id": event.get("actor_id"),
        "actor_name": event.get("actor_name"),
        "entity_type": event.get("entity_type"),
        "entity_id": event.get("entity_id"),
        "assessment_id": event.get("assessment_id"),
        "action": event.get("action"),
        "before": event.get("before"),
        "after": event.get("after"),
    }
    return sha256_hex(canonical(payload).encode("utf-8"))


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _safe_path(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return bool(name) and not name.startswith(("/", "\\")) and ".." not in parts and ":" not in parts[0]


def verify_archive(path: str) -> tuple[list[str], list[str]]:
    """Return (what was checked, every problem) for the package at path; raise OSError/BadZipFile if unreadable."""
    checked: list[str] = []
    problems: list[str] = []
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        for name in sorted({n for n in names if names.count(n) > 1}):
            problems.append(f"{name}: står flera gånger i paketet")
        for name in names:
            if not _safe_path(name):
                problems.append(f"{name}: otillåten sökväg i paketet")
        if MANIFEST not in names:
            return checked, [*problems, f"{MANIFEST}: saknas"]
        try:
            manifest = json.loads(archive.read(MANIFEST).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            return checked, [*problems, f"{MANIFEST}: inte giltig JSON ({exc})"]
        if not isinstance(manifest, dict):
            return checked, [*problems, f"{MANIFEST}: inte ett JSON-objekt"]
        if manifest.get("format") != ARCHIVE_FORMAT:
            problems.append(f"{MANIFEST}: okänt format {manifest.get('format')!r} (väntat {ARCHIVE_FORMAT})")
        contents = _check_files(archive, names, manifest, checked, problems)
        _check_record(manifest, contents, checked, problems)
        _check_audit(manifest, contents, checked, problems)
    return checked, problems


def _check_files(
    archive: zipfile.ZipFile, names: list[str], manifest: dict[str, Any], checked: list[str], problems: list[str]
) -> dict[str, bytes]:
    """Check each listed file's presence, size and SHA-256; return the contents of those that match."""
    files = manifest.get("files")
    if not isinstance(files, list) or not files:
        problems.append(f"{MANIFEST}: files saknas eller är tom")
        return {}
    contents: dict[str, bytes] = {}
    listed: set[str] = set()
    for entry in files:
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            problems.append(f"{MANIFEST}: en post i files saknar path")
            continue
        name = entry["path"]
        if name in listed:
            problems.append(f"{MANIFEST}: {name} listas flera gånger")
        listed.add(name)
        for key in ("size", "sha256", "media_type"):
            if key not in entry:
                problems.append(f"{MANIFEST}: {name} saknar {key}")
        if name not in names:
            problems.append(f"{name}: listas i {MANIFEST} men saknas i paketet")
            continue
        data = archive.read(name)
        ok = True
        if entry.get("size") != len(data):
            problems.append(f"{name}: storleken är {len(data)} byte, manifestet säger {entry.get('size')}")
            ok = False
        digest = sha256_hex(data)
        if entry.get("sha256") != digest:
            problems.append(f"{name}: SHA-256 är {digest}, manifestet säger {entry.get('sha256')}")
            ok = False
        if ok:
            contents[name] = data
            checked.append(f"{name}: {len(data)} byte, SHA-256 stämmer")
    for name in names:
        if name != MANIFEST and name not in listed:
            problems.append(f"{name}: finns i paketet men inte i {MANIFEST}")
    return contents


def _check_record(
    manifest: dict[str, Any], contents: dict[str, bytes], checked: list[str], problems: list[str]
) -> None:
    """Check the frozen record: its hash, its content hash, its report's hash and its rule-set pin."""
    meta = manifest.get("record")
    if not isinstance(meta, dict) or not isinstance(meta.get("path"), str):
        problems.append(f"{MANIFEST}: record saknas")
        return
    path = meta["path"]
    raw = contents.get(path)
    if raw is None:
        problems.append(f"{path}: den frysta posten kan inte kontrolleras")
        return
    if sha256_hex(raw) != meta.get("sha256"):
        problems.append(f"{path}: postens SHA-256 {sha256_hex(raw)} är inte manifestets {meta.get('sha256')}")
    try:
        record = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.append(f"{path}: inte giltig JSON ({exc})")
        return
    if not isinstance(record, dict) or record.get("format") not in RECORD_FORMATS:
        problems.append(f"{path}: inte en fryst beslutspost")
        return
    content = {k: v for k, v in record.items() if k != "report"}
    if meta.get("content_sha256") is not None and sha256_hex(canonical(content).encode()) != meta["content_sha256"]:
        problems.append(f"{path}: innehållets SHA-256 är inte manifestets {meta['content_sha256']}")
    report = record.get("report")
    if isinstance(report, dict):
        report_path = meta.get("report_path")
        if report.get("sha256") != meta.get("report_sha256"):
            problems.append(f"{path}: rapportens SHA-256 i posten är inte manifestets")
        if not isinstance(report_path, str) or report_path not in contents:
            problems.append(f"{report_path}: rapporten kan inte kontrolleras")
        elif sha256_hex(contents[report_path]) != report.get("sha256"):
            problems.append(f"{report_path}: rapporten är inte den som posten anger (SHA-256)")
        else:
            checked.append(f"{report_path}: är rapporten som posten anger")
    if record.get("ruleset") != manifest.get("ruleset"):
        problems.append(f"{path}: regelverket i posten är inte manifestets")
    assessment = _mapping(manifest.get("assessment"))
    if _mapping(record.get("assessment")).get("id") != assessment.get("id"):
        problems.append(f"{path}: posten gäller inte bedömningen i manifestet")
    audit = _mapping(manifest.get("audit"))
    if "audit" in record and record["audit"] != audit.get("at_freeze"):
        problems.append(f"{path}: auditkedjans huvud vid frysningen är inte manifestets")
    present = {sha256_hex(data) for data in contents.values()}
    for item in record.get("evidence_files") or []:
        if isinstance(item, dict) and item.get("sha256") not in present:
            name = item.get("filename") or item.get("name")
            problems.append(f"{path}: underlagsfilen {name!r} ({item.get('sha256')}) saknas i paketet")
    checked.append(f"{path}: den frysta posten, SHA-256 {meta.get('sha256')}")


def _check_audit(manifest: dict[str, Any], contents: dict[str, bytes], checked: list[str], problems: list[str]) -> None:
    """Check every audit event of the assessment against its own hash, and the freeze event against the record."""
    audit = manifest.get("audit")
    if not isinstance(audit, dict) or not isinstance(audit.get("events_path"), str):
        problems.append(f"{MANIFEST}: audit saknas")
        return
    path = audit["events_path"]
    raw = contents.get(path)
    if raw is None:
        problems.append(f"{path}: händelserna kan inte kontrolleras")
        return
    try:
        events = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.append(f"{path}: inte giltig JSON ({exc})")
        return
    if not isinstance(events, list):
        problems.append(f"{path}: inte en lista av händelser")
        return
    assessment_id = _mapping(manifest.get("assessment")).get("id")
    record_sha = _mapping(manifest.get("record")).get("sha256")
    frozen = False
    head = _mapping(audit.get("chain_head"))
    for event in events:
        if not isinstance(event, dict):
            problems.append(f"{path}: en händelse är inte ett JSON-objekt")
            continue
        seq = event.get("seq")
        if event_hash(event) != event.get("hash"):
            problems.append(f"{path}: händelse {seq} stämmer inte med sin SHA-256")
        if event.get("assessment_id") != assessment_id:
            problems.append(f"{path}: händelse {seq} gäller en annan bedömning")
        if isinstance(seq, int) and isinstance(head.get("seq"), int) and seq > head["seq"]:
            problems.append(f"{path}: händelse {seq} ligger efter kedjans huvud {head['seq']}")
        after = event.get("after")
        if event.get("action") == "record.freeze" and isinstance(after, dict) and after.get("sha256") == record_sha:
            frozen = True
    if not frozen:
        problems.append(f"{path}: frysningen av posten {record_sha} saknas bland händelserna")
    checked.append(f"{path}: {len(events)} händelser")


def main(argv: list[str] | None = None) -> int:
    """Run the verifier on the command line; return the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "verify":
        args = args[1:]
    if len(args) != 1:
        print("användning: python -m assess.archive verify PAKET.zip", file=sys.stderr)
        return 2
    try:
        checked, problems = verify_archive(args[0])
    except (OSError, zipfile.BadZipFile) as exc:
        print(f"FEL: {args[0]}: kan inte läsas som ZIP ({exc})", file=sys.stderr)
        return 2
    for line in checked:
        print(f"OK   {line}")
    for problem in problems:
        print(f"FEL  {problem}", file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem: paketet är inte intakt.", file=sys.stderr)
        return 1
    print("Paketet är intakt: varje fil stämmer med manifestet och posten.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
