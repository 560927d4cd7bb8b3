"""Revisions: a reason and a confirmation to make one, revision numbers on every page, one row per module."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from assess.extensions import db
from assess.models import Assessment, AssessmentStatus, AuditEvent
from assess.services import workflow
from assess.services.errors import ValidationFailed
from tests.assess.helpers import approve_use, demo_users, load_demo, submit_and_approve
from tests.conftest import csrf_token, login_as
from tests.pdf.helpers import all_text, squashed

TODAY = dt.date(2026, 11, 29)
REASON = "Leverantören byter underbiträde för drift."
DECIDED = "Beslutad rev 1: Lämplig med villkor"


@pytest.fixture
def decided(app: Flask) -> dict[str, Any]:
    """The demo with D2 decided (approved: Lämplig med villkor)."""
    ids = load_demo(app)
    users = demo_users()
    d2 = db.session.get(Assessment, ids["D2"])
    assert d2 is not None
    submit_and_approve(d2, users, "Inga anmärkningar.")
    approve_use(d2, users, TODAY)
    db.session.commit()
    assert d2.status == AssessmentStatus.DECIDED
    return {"ids": ids, "users": users, "d2": d2}


def _count(model: Any) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def _revision_events() -> int:
    query = select(func.count()).where(AuditEvent.action.in_(("assessment.revise", "assessment.supersede")))
    return int(db.session.scalar(query) or 0)


def _revise(client: FlaskClient, d2: Assessment, **data: str) -> Any:
    token = csrf_token(client, f"/bedomningar/{d2.id}/granskning")
    return client.post(f"/bedomningar/{d2.id}/ny-revision", data={"csrf_token": token, **data})


def _rows_naming(html: str, scope: str) -> list[str]:
    return [row for row in re.findall(r"<tr\b.*?</tr>", html, re.S) if scope in row]


def test_the_review_page_asks_for_a_reason_and_a_confirmation(client: FlaskClient, decided: dict[str, Any]) -> None:
    d2 = decided["d2"]
    login_as(client, decided["users"]["arkitekt"])
    page = client.get(f"/bedomningar/{d2.id}/granskning").get_data(as_text=True)
    form = page[page.index('id="revise-form"') : page.index("</form>", page.index('id="revise-form"'))]
    assert 'name="reason"' in form
    assert 'type="checkbox"' in form
    assert 'name="confirm"' in form
    assert "Jag förstår att beslutet står kvar tills den nya revisionen är beslutad" in form
    assert "rev 1" in page


@pytest.mark.parametrize(
    ("data", "missing"),
    [
        ({}, {"revise-reason", "revise-confirm"}),
        ({"confirm": "y"}, {"revise-reason"}),
        ({"reason": "   ", "confirm": "y"}, {"revise-reason"}),
        ({"reason": REASON}, {"revise-confirm"}),
    ],
)
def test_a_revision_without_reason_or_confirmation_is_refused_at_the_field(
    client: FlaskClient, decided: dict[str, Any], data: dict[str, str], missing: set[str]
) -> None:
    d2 = decided["d2"]
    before = (_count(Assessment), _revision_events())
    login_as(client, decided["users"]["arkitekt"])
    response = _revise(client, d2, **data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    db.session.expire_all()
    assert (_count(Assessment), _revision_events()) == before
    assert db.session.get(Assessment, d2.id).status == AssessmentStatus.DECIDED  # type: ignore[union-attr]
    # Each error is next to its field and in the summary, linked to it; the form is open; nothing typed is lost.
    assert "error-summary" in html
    assert re.search(r'<details class="revise" id="revise" open>', html)
    for field_id in missing:
        assert f'id="{field_id}-error"' in html
        assert f'href="#{field_id}"' in html
    for field_id in {"revise-reason", "revise-confirm"} - missing:
        assert f'id="{field_id}-error"' not in html
    if "revise-reason" in missing:
        assert "Ange varför en ny revision behövs." in html
    if "revise-confirm" in missing:
        assert "Bekräfta att beslutet står kvar tills den nya revisionen är beslutad." in html
    if data.get("reason", "").strip():
        assert REASON in html
    if data.get("confirm"):
        assert re.search(r'<input[^>]*checked[^>]*name="confirm"|<input[^>]*name="confirm"[^>]*checked', html)


def test_the_service_refuses_a_revision_without_reason(decided: dict[str, Any]) -> None:
    d2 = decided["d2"]
    count = _count(Assessment)
    with pytest.raises(ValidationFailed) as refused:
        workflow.revise(d2, decided["users"]["arkitekt"], "  ")
    assert "reason" in refused.value.fields
    db.session.rollback()
    assert _count(Assessment) == count


def test_a_revision_with_reason_and_confirmation_keeps_the_decision_visible(
    client: FlaskClient, decided: dict[str, Any]
) -> None:
    d2, users = decided["d2"], decided["users"]
    case_id = d2.alternative.case_id
    login_as(client, users["arkitekt"])
    response = _revise(client, d2, reason=REASON, confirm="y")
    assert response.status_code == 302
    db.session.expire_all()
    new = db.session.scalar(select(Assessment).where(Assessment.revision_of_id == d2.id))
    assert new is not None
    assert response.headers["Location"].endswith(f"/bedomningar/{new.id}")
    assert (new.revision, new.status) == (2, AssessmentStatus.DRAFT)
    assert db.session.get(Assessment, d2.id).status == AssessmentStatus.SUPERSEDED  # type: ignore[union-attr]
    # The reason is in the audit trail: on the new revision and on the old one.
    revise = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assessment.revise"))
    assert revise is not None
    assert (revise.assessment_id, revise.after["reason"], revise.after["revision"]) == (new.id, REASON, 2)
    supersede = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assessment.supersede"))
    assert supersede is not None
    assert (supersede.assessment_id, supersede.after["reason"]) == (d2.id, REASON)
    assert workflow.revision_reasons([new.id]) == {new.id: REASON}
    # The new revision's pages name it and say why it was made.
    questionnaire = client.get(f"/bedomningar/{new.id}").get_data(as_text=True)
    assert "rev 2" in questionnaire
    review = client.get(f"/bedomningar/{new.id}/granskning").get_data(as_text=True)
    assert "rev 2" in review
    assert REASON in review
    assert f'href="/bedomningar/{d2.id}/granskning">rev 1</a>' in review
    history = client.get(f"/bedomningar/{new.id}/historik").get_data(as_text=True)
    assert "rev 2" in history
    assert REASON in history
    assert "rev 1" in client.get(f"/bedomningar/{d2.id}/protokoll").get_data(as_text=True)
    # The case page: one row for D2, with the decision that stands beside the revision in progress.
    login_as(client, users["lasare"])
    case_page = client.get(f"/arenden/{case_id}").get_data(as_text=True)
    rows = _rows_naming(case_page, d2.scope)
    assert len(rows) == 1, rows
    assert DECIDED in rows[0]
    assert "rev 2 pågår" in rows[0]
    assert f'href="/bedomningar/{new.id}"' in rows[0]
    assert "tidigare revisioner" in rows[0]
    # The comparison: one row for D2, the same words.
    compare = client.get(f"/arenden/{case_id}/jamforelse").get_data(as_text=True)
    table = compare[compare.index('<table class="table comparison"') : compare.index("</table>")]
    rows = _rows_naming(table, d2.scope)
    assert len(rows) == 1, rows
    assert DECIDED in rows[0]
    assert "rev 2 pågår" in rows[0]
    assert f'data-assessment="{new.id}"' in rows[0]
    # The comparison PDF says it too.
    pdf = client.get(f"/arenden/{case_id}/jamforelse.pdf?lang=sv")
    assert pdf.status_code == 200
    text = squashed(all_text(pdf.data))
    assert squashed(DECIDED) in text
    assert squashed("rev 2 pågår") in text
    # Once the new revision is decided, it is the decision: no older decision is shown beside it.
    db.session.expire_all()
    new = db.session.get(Assessment, new.id)
    assert new is not None
    users = demo_users()
    submit_and_approve(new, users, "Inga anmärkningar.")
    approve_use(new, users, TODAY)
    db.session.commit()
    case_page = client.get(f"/arenden/{case_id}").get_data(as_text=True)
    rows = _rows_naming(case_page, d2.scope)
    assert len(rows) == 1, rows
    assert "Beslutad rev 1" not in rows[0]
    assert "rev 2" in rows[0]
    assert "Beslutad" in rows[0]


def test_the_assessment_report_carries_the_revision(app: Flask, decided: dict[str, Any]) -> None:
    from assess.models.types import utcnow
    from assess.services import reports

    d2 = decided["d2"]
    new = workflow.revise(d2, decided["users"]["arkitekt"], REASON)
    db.session.commit()
    data = reports.build_assessment_report(new.id, utcnow(), "sv")
    assert data.revision == 2
    text = squashed(all_text(reports.assessment_pdf(new.id, None, utcnow(), "sv")))
    assert squashed("rev 2") in text
    comparison = reports.build_comparison_report(d2.alternative.case_id, utcnow(), "sv")
    rows = [row for row in comparison.rows if row.record_id in (str(d2.id), str(new.id))]
    assert len(rows) == 1
    assert (rows[0].revision, rows[0].decided_revision, rows[0].decided_verdict) == (
        2,
        1,
        "suitable_with_conditions",
    )
