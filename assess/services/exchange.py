"""Exchanging assessments as JSON: export one, import one as a new assessment of an alternative, all or nothing.

The file is the answer set `python -m rules evaluate` reads (``answers``, ``overrides``) with what the engine does
not need beside it: each answer's motivation, evidence reference and open-question assignment (by name and kind,
never by id, so it means something on another installation), the evidence files' names and hashes (not their
bytes), the rule-set pin and a format version.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

import rules
from assess.extensions import db
from assess.i18n import _
from assess.models import Alternative, Answer, Assessment, Evidence, EvidenceFile, User
from assess.models.types import utcnow
from assess.rulesets import registry
from assess.services.assessments import MAX_OWNER, MAX_REF, MAX_TEXT
from assess.services.audit import record_event
from assess.services.errors import ValidationFailed
from assess.services.team import team_of

FORMAT = "molnbedomning-assessment/1"


def export_assessment(assessment: Assessment, actor: User | None) -> dict[str, Any]:
    """Return the assessment as exchange JSON data and record who exported it."""
    files = list(
        db.session.scalars(
            select(EvidenceFile).where(EvidenceFile.assessment_id == assessment.id).order_by(EvidenceFile.id)
        )
    )
    answers: dict[str, Any] = {}
    details: dict[str, Any] = {}
    for row in sorted(assessment.answers, key=lambda a: a.question_id):
        if row.value is not None and row.value != "":
            answers[row.question_id] = {
                "value": row.value,
                "evidence": row.evidence.value,
                "note": row.motivation or None,
            }
        details[row.question_id] = {
            "motivation": row.motivation,
            "evidence_ref": row.evidence_ref,
            "unknown_owner": row.unknown_owner,
            "unknown_due": row.unknown_due.isoformat() if row.unknown_due else None,
            "assignee": _assignee_of(row),
        }
    overrides = {
        o.question_id: {
            "reference": o.reference,
            "author": o.author,
            "date": o.finding_date.isoformat(),
            "kind": o.kind.value,
            "review_date": o.review_date.isoformat(),
        }
        for o in assessment.overrides
    }
    alternative = assessment.alternative
    data = {
        "format": FORMAT,
        "exported_at": utcnow().isoformat(timespec="seconds"),
        "source": {
            "assessment_id": assessment.id,
            "case": alternative.case.title,
            "alternative": alternative.name,
            "provider": alternative.provider,
            "scope": assessment.scope,
            "scope_description": assessment.scope_description,
            "revision": assessment.revision,
            "status": assessment.status.value,
        },
        "ruleset": {
            "id": assessment.ruleset_id,
            "version": assessment.ruleset_version,
            "sha256": assessment.ruleset_sha256,
        },
        "answers": answers,
        "overrides": overrides,
        "details": details,
        "evidence_files": [
            {
                "question": f.question_id,
                "name": f.filename,
                "media_type": f.media_type,
                "size": f.size,
                "sha256": f.sha256,
            }
            for f in files
        ],
    }
    record_event(
        actor,
        "assessment",
        assessment.id,
        "assessment.export",
        None,
        {"format": FORMAT, "answers": len(answers), "evidence_files": len(files)},
        assessment_id=assessment.id,
    )
    return data


def _assignee_of(row: Answer) -> dict[str, str] | None:
    if row.assignee_user is not None:
        return {"kind": "user", "username": row.assignee_user.username, "name": row.assignee_user.display_name}
    if row.assignee_contact is not None:
        contact = row.assignee_contact
        return {"kind": "contact", "name": contact.name, "organisation": contact.organisation}
    return None


def dumps(data: dict[str, Any]) -> str:
    """Return exchange data as readable JSON text (UTF-8 characters kept)."""
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


@dataclass
class ImportPlan:
    """A checked import: what would be stored, and the notices for the person importing."""

    ruleset: rules.RuleSet | None
    scope: str
    description: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


def parse_file(raw: bytes) -> Any:
    """Decode an uploaded file as JSON; raise ValidationFailed when it is not UTF-8 JSON."""
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationFailed(_("Filen är inte JSON i UTF-8: %(problem)s", problem=str(exc))) from None


def check_import(data: Any, alternative: Alternative, scope: str = "") -> ImportPlan:
    """Check an exchange file against this installation and the alternative; raise ValidationFailed listing all."""
    if not isinstance(data, dict):
        raise ValidationFailed(_("Filen måste vara ett JSON-objekt med format, ruleset och answers."))
    problems: list[str] = []
    if data.get("format") != FORMAT:
        problems.append(
            _("Okänt format %(found)s (väntat %(expected)s).", found=repr(data.get("format")), expected=FORMAT)
        )
    ruleset = _pinned_ruleset(data.get("ruleset"), problems)
    source = _mapping(data.get("source"))
    scope = (scope or str(source.get("scope") or "")).strip()
    found = source.get("scope_description")
    description = found if isinstance(found, str) else ""
    if not scope:
        problems.append(_("Ange omfattningen (modulen) som bedöms."))
    elif len(scope) > 200:
        problems.append(_("Omfattningen: högst %(max)s tecken.", max=200))
    elif any(a.scope.casefold() == scope.casefold() for a in alternative.assessments):
        problems.append(_("Alternativet har redan en bedömning med omfattningen %(scope)s.", scope=repr(scope)))
    plan = ImportPlan(ruleset, scope, description[:MAX_TEXT])
    answers = _object(data, "answers", problems)
    details = _object(data, "details", problems)
    if ruleset is not None:
        plan.rows = _rows(ruleset, answers, details, alternative, problems, plan.notices)
    overrides = _object(data, "overrides", problems)
    if overrides:
        plan.notices.append(
            _(
                "%(num)s hävda stoppträffar (%(questions)s) importeras inte: hävningar görs av granskarna här.",
                num=len(overrides),
                questions=", ".join(sorted(overrides)),
            )
        )
    files = data.get("evidence_files") or []
    if not isinstance(files, list):
        problems.append(_("evidence_files måste vara en lista."))
    elif files:
        names = ", ".join(str(f.get("name")) for f in files if isinstance(f, dict))
        plan.notices.append(
            _(
                "Filen listar %(num)s underlagsfiler (%(names)s) men innehåller inte filerna: ladda upp dem igen.",
                num=len(files),
                names=names,
            )
        )
    if problems:
        raise ValidationFailed(*problems)
    return plan


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _object(data: dict[str, Any], key: str, problems: list[str]) -> dict[str, Any]:
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append(_("%(key)s måste vara ett JSON-objekt.", key=key))
        return {}
    return value


def _pinned_ruleset(pin: Any, problems: list[str]) -> rules.RuleSet | None:
    if not isinstance(pin, dict) or not isinstance(pin.get("id"), str) or not isinstance(pin.get("version"), int):
        problems.append(_("ruleset måste ange id, version och sha256."))
        return None
    try:
        return registry().get(
            pin["id"], pin["version"], pin.get("sha256") if isinstance(pin.get("sha256"), str) else None
        )
    except LookupError:
        published = ", ".join(r.key for r in registry().all())
        problems.append(
            _(
                "Regelverket %(id)s v%(version)s (sha256 %(sha)s) finns inte publicerat här "
                "(publicerade: %(published)s).",
                id=pin["id"],
                version=pin["version"],
                sha=str(pin.get("sha256"))[:16],
                published=published,
            )
        )
        return None


def _rows(
    ruleset: rules.RuleSet,
    answers: dict[str, Any],
    details: dict[str, Any],
    alternative: Alternative,
    problems: list[str],
    notices: list[str],
) -> list[dict[str, Any]]:
    team = team_of(alternative.case)
    users = {m.user.username: m.user for m in team.members if m.user.active}
    contacts = {c.name.casefold(): c for c in team.contacts_for(alternative.id)}
    rows: list[dict[str, Any]] = []
    for qid in sorted(set(answers) | set(details)):
        question = ruleset.by_id.get(qid)
        if question is None:
            problems.append(
                _("Okänd fråga %(question)s (finns inte i %(ruleset)s).", question=qid, ruleset=ruleset.key)
            )
            continue
        raw = answers.get(qid)
        value = raw.get("value") if isinstance(raw, dict) else raw
        evidence = (raw.get("evidence") if isinstance(raw, dict) else None) or "E1"
        if rules.answers.check_value(question, value) is not None:
            options = ", ".join(str(o.id) for o in question.options)
            message = _(
                "%(question)s: %(value)s är inget svarsalternativ (alternativ: %(options)s).",
                question=qid,
                value=repr(value),
                options=options or "–",
            )
            problems.append(message)
        elif question.type == "text" and isinstance(value, str) and len(value) > MAX_TEXT:
            problems.append(_("%(question)s: svaret har fler än %(max)s tecken.", question=qid, max=MAX_TEXT))
        if evidence not in Evidence.__members__:
            problems.append(
                _("%(question)s: underlagsnivån %(value)s är inte E0–E4.", question=qid, value=repr(evidence))
            )
        extra = details.get(qid) or {}
        if not isinstance(extra, dict):
            problems.append(_("details.%(question)s måste vara ett JSON-objekt.", question=qid))
            extra = {}
        row = _detail_row(qid, extra, problems)
        row.update(question_id=qid, value=value, evidence=evidence)
        if isinstance(raw, dict) and not row["motivation"] and isinstance(raw.get("note"), str):
            row["motivation"] = raw["note"]
        _assign(row, extra.get("assignee"), users, contacts, notices)
        rows.append(row)
    return rows


def _detail_row(qid: str, extra: dict[str, Any], problems: list[str]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for key, limit in (("motivation", MAX_TEXT), ("evidence_ref", MAX_REF), ("unknown_owner", MAX_OWNER)):
        text = extra.get(key) or ""
        if not isinstance(text, str):
            problems.append(_("%(question)s: %(key)s måste vara en text.", question=qid, key=key))
            text = ""
        elif len(text) > limit:
            problems.append(_("%(question)s: %(key)s har fler än %(max)s tecken.", question=qid, key=key, max=limit))
        row[key] = text
    due = extra.get("unknown_due")
    row["unknown_due"] = None
    if due is not None:
        if rules.answers.is_iso_date(due):
            row["unknown_due"] = dt.date.fromisoformat(due)
        else:
            problems.append(_("%(question)s: %(value)s är inget datum ÅÅÅÅ-MM-DD.", question=qid, value=repr(due)))
    return row


def _assign(
    row: dict[str, Any], who: Any, users: dict[str, User], contacts: dict[str, Any], notices: list[str]
) -> None:
    row["assignee_user_id"] = row["assignee_contact_id"] = None
    if not isinstance(who, dict):
        return
    if who.get("kind") == "user" and who.get("username") in users:
        row["assignee_user_id"] = users[who["username"]].id
    elif who.get("kind") == "contact" and str(who.get("name", "")).casefold() in contacts:
        row["assignee_contact_id"] = contacts[str(who["name"]).casefold()].id
    else:
        row["unknown_owner"] = row["unknown_owner"] or str(who.get("name") or "")[:MAX_OWNER]
        notices.append(
            _(
                "%(question)s: %(name)s finns inte i ärendets team; frågan tilldelas teamets standard.",
                question=row["question_id"],
                name=str(who.get("name") or who.get("username") or "?"),
            )
        )


def import_assessment(
    alternative: Alternative, data: Any, actor: User, scope: str = ""
) -> tuple[Assessment, list[str]]:
    """Store an exchange file as a new draft of the alternative (everything or nothing); return it and the notices."""
    plan = check_import(data, alternative, scope)
    ruleset = plan.ruleset
    assert ruleset is not None  # check_import refuses a file without a published rule set
    assessment = Assessment(
        alternative_id=alternative.id,
        scope=plan.scope,
        scope_description=plan.description,
        position=len(alternative.assessments),
        ruleset_id=ruleset.id,
        ruleset_version=ruleset.version,
        ruleset_sha256=ruleset.sha256,
        owner_id=actor.id,
    )
    db.session.add(assessment)
    db.session.flush()
    for row in plan.rows:
        db.session.add(
            Answer(
                assessment_id=assessment.id,
                question_id=row["question_id"],
                value=row["value"],
                evidence=Evidence(row["evidence"]),
                motivation=row["motivation"],
                evidence_ref=row["evidence_ref"],
                unknown_owner=row["unknown_owner"],
                unknown_due=row["unknown_due"],
                assignee_user_id=row["assignee_user_id"],
                assignee_contact_id=row["assignee_contact_id"],
                changed_in_version=1,
                updated_by_id=actor.id,
            )
        )
    db.session.flush()
    source = _mapping(data.get("source"))
    record_event(
        actor,
        "assessment",
        assessment.id,
        "assessment.import",
        None,
        {
            "scope": plan.scope,
            "ruleset": f"{ruleset.id} v{ruleset.version}",
            "alternative": alternative.name,
            "answers": len(plan.rows),
            "source": {k: source.get(k) for k in ("case", "alternative", "scope", "assessment_id") if k in source},
        },
        assessment_id=assessment.id,
    )
    db.session.expire(alternative, ["assessments"])
    return assessment, plan.notices
