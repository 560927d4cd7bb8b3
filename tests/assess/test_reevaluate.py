"""`flask rules reevaluate`: what a newer published rule set changes for open assessments, and moving drafts."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

import rules
from assess.extensions import db
from assess.models import Answer, Assessment, AssessmentStatus, AuditEvent, User
from assess.rulesets import Registry
from assess.services import workflow
from assess.services.verification import verify_all
from rules.loader import load_ruleset_bytes
from rules.registry import LOCK_FILE
from tests.assess.helpers import approve_use, load_demo, submit_and_approve
from tests.conftest import login_as

V1_PATH = LOCK_FILE.parent / "molnlamplighet" / "1.yaml"
TODAY = dt.date(2026, 11, 29)


def make_v2() -> rules.RuleSet:
    """Version 2: G-10 removed, a new question G-99 added (unanswered, so it blocks), G-08's wording changed."""
    text = V1_PATH.read_text(encoding="utf-8")
    text = re.sub(r"^version: 1$", "version: 2", text, count=1, flags=re.M)
    start = text.index("- id: G-10\n")
    end = text.index("- id: G-11\n")
    g10 = text[start:end]
    g99 = g10.replace("G-10", "G-99").replace("KLASSA riktighet", "KLASSA riktighet, ny fråga")
    text = text[:start] + g99 + text[end:]
    return load_ruleset_bytes(text.encode("utf-8"), "molnlamplighet/2.yaml")


@pytest.fixture
def v2(app: Flask) -> rules.RuleSet:
    v1 = rules.load_published("molnlamplighet", 1)
    newer = make_v2()
    app.extensions["rulesets"] = Registry({(v1.id, 1): v1, (newer.id, 2): newer})
    return newer


@pytest.fixture
def demo(app: Flask) -> dict[str, Any]:
    ids = load_demo(app)
    return {"ids": ids, "users": {u.username: u for u in db.session.scalars(select(User))}}


def _answers(assessment_id: int) -> dict[str, Any]:
    db.session.expire_all()
    return {
        a.question_id: a.value for a in db.session.scalars(select(Answer).where(Answer.assessment_id == assessment_id))
    }


def test_dry_run_lists_every_open_assessment_and_changes_nothing(
    app: Flask, demo: dict[str, Any], v2: rules.RuleSet
) -> None:
    before = {i: _answers(i) for i in demo["ids"].values()}
    result = app.test_cli_runner().invoke(args=["rules", "reevaluate", "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    plans = {p["assessment"]: p for p in json.loads(result.output)}
    assert set(plans) == set(demo["ids"].values())
    d2 = plans[demo["ids"]["D2"]]
    assert d2["from_version"] == 1
    assert d2["to_version"] == 2
    assert d2["questions_added"] == ["G-99"]
    assert d2["questions_removed"] == ["G-10"]
    assert d2["verdict"] == {"before": "suitable_with_conditions", "after": "cannot_assess"}
    assert {"question": "G-99", "before": None, "after": "UB"} in d2["outcomes"]
    assert "G-10" in d2["answers_dropped"]
    assert d2["moved"] is False
    # Nothing moved, nothing lost.
    assert {i: _answers(i) for i in demo["ids"].values()} == before
    assert {a.ruleset_version for a in db.session.scalars(select(Assessment))} == {1}
    text = app.test_cli_runner().invoke(args=["rules", "reevaluate", "--dry-run"])
    assert "Torrkörning: inget är ändrat." in text.output
    assert "borttagna frågor: G-10" in text.output


def test_reevaluate_moves_drafts_keeps_answers_and_audits(app: Flask, demo: dict[str, Any], v2: rules.RuleSet) -> None:
    users = demo["users"]
    d2 = db.session.get(Assessment, demo["ids"]["D2"])
    d3 = db.session.get(Assessment, demo["ids"]["D3"])
    assert d2 is not None
    assert d3 is not None
    workflow.submit(d3, users["arkitekt"])  # in review: listed, not moved
    db.session.commit()
    old = _answers(d2.id)
    result = app.test_cli_runner().invoke(args=["rules", "reevaluate"])
    assert result.exit_code == 0, result.output
    assert f"#{d3.id}" in result.output
    assert "flyttas inte (submitted)" in result.output
    db.session.expire_all()
    assert d2.ruleset_version == 2
    assert d2.ruleset_sha256 == v2.sha256
    assert d3.ruleset_version == 1
    kept = _answers(d2.id)
    assert kept == {q: v for q, v in old.items() if q != "G-10"}
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.assessment_id == d2.id, AuditEvent.action == "assessment.reevaluate")
    )
    assert event is not None
    assert event.before["dropped_answers"]["G-10"]["value"] == old["G-10"]
    assert event.after["ruleset"]["version"] == 2
    # Running it again moves nothing more.
    again = app.test_cli_runner().invoke(args=["rules", "reevaluate", "--dry-run", "--json"])
    assert d2.id not in {p["assessment"] for p in json.loads(again.output)}


def test_decided_records_keep_their_version(app: Flask, demo: dict[str, Any], v2: rules.RuleSet) -> None:
    users = demo["users"]
    d2 = db.session.get(Assessment, demo["ids"]["D2"])
    assert d2 is not None
    # Decide D2 while only v1 exists (approvals need the pinned rule set), then publish v2.
    submit_and_approve(d2, users)
    approve_use(d2, users, TODAY)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["rules", "reevaluate", "--json"])
    assert d2.id not in {p["assessment"] for p in json.loads(result.output)}
    db.session.expire_all()
    assert d2.status == AssessmentStatus.DECIDED
    assert d2.ruleset_version == 1
    assert verify_all().problems == []


def test_assessment_page_says_a_newer_version_exists(
    app: Flask, client: FlaskClient, demo: dict[str, Any], v2: rules.RuleSet
) -> None:
    login_as(client, demo["users"]["lasare"])
    page = client.get(f"/bedomningar/{demo['ids']['D2']}").get_data(as_text=True)
    assert "Det finns en nyare version av regelverket (molnlamplighet v2)" in page


def test_without_a_newer_version_nothing_is_listed(app: Flask, demo: dict[str, Any]) -> None:
    result = app.test_cli_runner().invoke(args=["rules", "reevaluate", "--dry-run"])
    assert result.exit_code == 0
    assert "använder redan den senaste publicerade versionen" in result.output
