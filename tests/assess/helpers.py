"""Helpers for view tests: the demo case, forms as a browser would post them, query counting."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from assess.extensions import db
from assess.models import Answer, Assessment

INPUT_RE = re.compile(r"<(input|textarea|select)\b([^>]*)>(.*?)(?=</textarea>|</select>|$)?", re.S)


def load_demo(app: Flask) -> dict[str, int]:
    """Load the demo data; return assessment ids by module key (A, B, C, D1, D2, D3)."""
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    ids = {}
    for a in db.session.scalars(select(Assessment).order_by(Assessment.id)):
        key = a.scope[:2] if a.scope.startswith("D") else a.alternative.name[0]
        ids[key] = a.id
    return ids


def page_form(client: FlaskClient, url: str) -> dict[str, Any]:
    """Return the questionnaire form's fields as a browser would post them (checked radios, selected options)."""
    html = client.get(url).get_data(as_text=True)
    form_html = html[
        html.index('<form id="questionnaire"') : html.index("</form>", html.index('<form id="questionnaire"'))
    ]
    data: dict[str, Any] = {}
    for match in re.finditer(r"<input\b([^>]*)>", form_html):
        attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', match.group(1)))
        flags = set(re.findall(r"\s(checked|disabled)(?=[\s>/]|$)", match.group(1)))
        name, kind = attrs.get("name"), attrs.get("type", "text")
        if not name or "disabled" in flags:
            continue
        if kind in ("radio", "checkbox"):
            if "checked" in flags:
                data[name] = attrs.get("value", "y")
        else:
            data[name] = _unescape(attrs.get("value", ""))
    for match in re.finditer(r"<textarea\b([^>]*)>(.*?)</textarea>", form_html, re.S):
        if re.search(r"\sdisabled(?=[\s>/=]|$)", match.group(1)):
            continue
        name = dict(re.findall(r'([\w-]+)="([^"]*)"', match.group(1))).get("name")
        if name:
            data[name] = _unescape(match.group(2).lstrip("\n"))
    for match in re.finditer(r"<select\b([^>]*)>(.*?)</select>", form_html, re.S):
        if re.search(r"\sdisabled(?=[\s>/=]|$)", match.group(1)):
            continue  # a browser does not send a disabled field
        name = dict(re.findall(r'([\w-]+)="([^"]*)"', match.group(1))).get("name")
        selected = re.search(
            r'<option\b[^>]*selected[^>]*value="([^"]*)"|<option\b[^>]*value="([^"]*)"[^>]*selected', match.group(2)
        )
        if name:
            data[name] = next((g for g in selected.groups() if g is not None), "") if selected else ""
    return data


def _unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#34;", '"')
        .replace("&quot;", '"')
        .replace("&#39;", "'")
        .replace("&amp;", "&")
    )


def answers_snapshot(assessment_id: int) -> list[tuple[Any, ...]]:
    """Return every stored answer of an assessment, for 'nothing changed' checks."""
    db.session.expire_all()
    rows = db.session.scalars(select(Answer).where(Answer.assessment_id == assessment_id).order_by(Answer.question_id))
    return [
        (r.question_id, r.value, r.evidence.value, r.motivation, r.evidence_ref, r.unknown_owner, r.unknown_due)
        for r in rows
    ]


def version_of(assessment_id: int) -> int:
    """Return the assessment's current version, fresh from the database."""
    db.session.expire_all()
    return db.session.get(Assessment, assessment_id).version  # type: ignore[union-attr]


@contextmanager
def count_queries(app: Flask) -> Iterator[list[str]]:
    """Count the SQL statements executed inside the block."""
    statements: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


REVIEWERS = (("jurist", "legal"), ("infosak", "infosec"), ("patientsak", "patient_safety"))


def demo_users() -> dict[str, Any]:
    """Return the demo accounts by username."""
    from assess.models import User

    return {u.username: u for u in db.session.scalars(select(User))}


def submit_and_approve(assessment: Assessment, users: dict[str, Any], note: str = "") -> None:
    """Submit as the demo architect and approve every area as the demo reviewers (not committed)."""
    from assess.services import review as review_service
    from assess.services import workflow

    workflow.submit(assessment, users["arkitekt"])
    for username, area in REVIEWERS:
        review_service.approve_area(assessment, users[username], area, note)


def approve_use(
    assessment: Assessment,
    users: dict[str, Any],
    today: Any,
    residual_risks: str = "Kvarstående risk, accepterad.",
    gate: str = "before_go_live",
) -> None:
    """Decide as the demo decision maker: approve, every condition owned by the architect (not committed).

    Each condition's one deadline is the gate, or with ``gate="date"`` a date 90 days ahead.
    """
    import datetime as dt

    from assess.services import decisions, workflow
    from assess.services.review_queries import decide_and_store

    evaluation = workflow.evaluation_with_overrides(assessment)
    deadline = today + dt.timedelta(days=90) if gate == decisions.DATE else None
    conditions = [
        decisions.ConditionInput(qid, users["arkitekt"].id, deadline, gate)
        for qid, _kind, _mitigations in decisions.conditions_to_set(evaluation)
    ]
    decide_and_store(
        assessment, users["beslutsfattare"], "approved", residual_risks, today + dt.timedelta(days=365),
        conditions, today,
    )  # fmt: skip


@contextmanager
def heard(logger_name: str = "assess") -> Iterator[list[str]]:
    """Collect the messages (warning and above) a logger writes inside the block, from a handler on the logger
    itself: a migration's fileConfig replaces the root logger's handlers (pytest's caplog among them)."""
    import logging

    messages: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    logger = logging.getLogger(logger_name)
    handler = Keep(logging.WARNING)
    logger.addHandler(handler)
    try:
        yield messages
    finally:
        logger.removeHandler(handler)
