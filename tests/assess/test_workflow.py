"""The review and decision workflow: the transition table, four-eyes, overrides, the frozen record, follow-up."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from assess.extensions import db
from assess.models import (
    Answer,
    Assessment,
    AssessmentStatus,
    AuditEvent,
    DecisionCondition,
    FrozenRecord,
    User,
)
from assess.services import decisions, workflow
from assess.services import review as review_service
from assess.services.errors import Conflict, DomainError, PermissionDenied, ValidationFailed
from assess.services.review_queries import decide_and_store, my_tasks
from assess.services.verification import verify_all
from tests import factories
from tests.assess.helpers import load_demo
from tests.conftest import csrf_token, login_as

S = AssessmentStatus
A = workflow.Action
TODAY = dt.date(2026, 11, 29)

# The specification of issue 5, written out independently of the service's own table:
# (state, action) -> state afterwards, and who may act.
EXPECTED: dict[tuple[S, A], S] = {
    (S.DRAFT, A.SUBMIT): S.SUBMITTED,
    (S.SUBMITTED, A.START_REVIEW): S.IN_REVIEW,
    (S.SUBMITTED, A.REQUEST_CHANGES): S.CHANGES_REQUESTED,  # a reviewer's action starts the review on the way
    (S.SUBMITTED, A.APPROVE_AREA): S.IN_REVIEW,
    (S.SUBMITTED, A.OVERRIDE): S.IN_REVIEW,
    (S.IN_REVIEW, A.REQUEST_CHANGES): S.CHANGES_REQUESTED,
    (S.REVIEWED, A.REQUEST_CHANGES): S.CHANGES_REQUESTED,
    (S.IN_REVIEW, A.APPROVE_AREA): S.IN_REVIEW,
    (S.IN_REVIEW, A.OVERRIDE): S.IN_REVIEW,
    (S.CHANGES_REQUESTED, A.REOPEN): S.DRAFT,
    (S.REVIEWED, A.DECIDE): S.DECIDED,
    (S.DECIDED, A.REVISE): S.SUPERSEDED,
    **{(s, A.COMMENT): s for s in (S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.CHANGES_REQUESTED, S.REVIEWED)},
}
WHO: dict[A, set[str]] = {
    A.SUBMIT: {"architect", "admin"},
    A.START_REVIEW: {"reviewer"},
    A.COMMENT: {"architect", "admin", "reviewer", "decision_maker"},
    A.REQUEST_CHANGES: {"reviewer"},
    A.APPROVE_AREA: {"reviewer"},
    A.OVERRIDE: {"reviewer"},
    A.REOPEN: {"architect", "admin"},
    A.DECIDE: {"decision_maker"},
    A.REVISE: {"architect", "admin"},
}
ROLES = ["admin", "architect", "reviewer", "decision_maker", "viewer"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(A), ids=str)
@pytest.mark.parametrize("state", list(S), ids=str)
def test_transition_table(app: Flask, state: S, action: A, role: str) -> None:
    actor = factories.create_user(role, areas=["legal", "infosec", "patient_safety"] if role == "reviewer" else [])
    owner = actor if action in (A.SUBMIT,) and role in ("architect",) else factories.create_user("architect")
    assessment = factories.create_assessment(owner=owner)
    db.session.flush()
    # Only the service's answer is asked: the database would refuse this jump into any state (a trigger).
    assessment.status = state
    allowed = role in WHO[action] and (state, action) in EXPECTED
    if allowed:
        with db.session.no_autoflush:
            assert workflow.authorize(assessment, action, actor) == EXPECTED[(state, action)]
    else:
        with pytest.raises(DomainError) as caught, db.session.no_autoflush:
            workflow.authorize(assessment, action, actor)
        # The wrong role is a 403; the right role in the wrong state is a 409; both say why in Swedish.
        assert caught.value.status_code == (403 if role not in WHO[action] else 409)
        assert caught.value.problems
        assert all(p for p in caught.value.problems)


@pytest.fixture
def demo(app: Flask) -> dict[str, Any]:
    ids = load_demo(app)
    users = {u.username: u for u in db.session.scalars(select(User))}
    return {"ids": ids, "users": users}


def _get(assessment_id: int) -> Assessment:
    assessment = db.session.get(Assessment, assessment_id)
    assert assessment is not None
    return assessment


def _review_all(assessment: Assessment, users: dict[str, User]) -> None:
    workflow.submit(assessment, users["arkitekt"])
    for username, area in (("jurist", "legal"), ("infosak", "infosec"), ("patientsak", "patient_safety")):
        review_service.approve_area(assessment, users[username], area, f"Godkänt av {username}.")
    db.session.commit()


def _conditions(assessment: Assessment, owner: User) -> list[decisions.ConditionInput]:
    evaluation = workflow.evaluation_with_overrides(assessment)
    return [
        decisions.ConditionInput(qid, owner.id, TODAY + dt.timedelta(days=90), decisions.DATE)
        for qid, _kind, _m in decisions.conditions_to_set(evaluation)
    ]


def _decide(assessment: Assessment, users: dict[str, User]) -> None:
    decide_and_store(
        assessment,
        users["beslutsfattare"],
        "approved",
        "Kvarstående risk: leverantörens supportåtkomst från tredje land, begränsad med M-11.",
        TODAY + dt.timedelta(days=365),
        _conditions(assessment, users["arkitekt"]),
        TODAY,
    )
    db.session.commit()


def test_whole_path_freezes_a_verifiable_record_with_its_report(app: Flask, demo: dict[str, Any]) -> None:
    users, d2 = demo["users"], _get(demo["ids"]["D2"])
    _review_all(d2, users)
    assert d2.status == S.REVIEWED
    _decide(d2, users)
    assert d2.status == S.DECIDED
    record = db.session.scalar(select(FrozenRecord).where(FrozenRecord.assessment_id == d2.id))
    assert record is not None
    data = json.loads(record.canonical_json)
    assert {a["reviewer"] for a in data["approvals"]} == {
        "Johan Jurist",
        "Ingrid Informationssäkerhet",
        "Per Patientsäkerhet",
    }
    assert data["decision"]["by"] == "Beata Beslutsfattare"
    assert data["evaluation"]["verdict"] == "suitable_with_conditions"
    assert data["conditions"]
    assert all(c["owner"] == "Anna Arkitekt" for c in data["conditions"])
    # The report was rendered once, at decision, and stored in the record's row with its hash.
    import hashlib

    assert record.report_path is None
    assert record.report_pdf is not None
    assert record.report_pdf.startswith(b"%PDF")
    assert hashlib.sha256(record.report_pdf).hexdigest() == record.report_sha256
    assert verify_all(Path(app.instance_path)).problems == []


def test_four_eyes_refuses_the_author_as_reviewer_and_decider(app: Flask, demo: dict[str, Any]) -> None:
    users, d2 = demo["users"], _get(demo["ids"]["D2"])
    both = factories.create_user(roles=["architect", "reviewer", "decision_maker"], areas=["legal"])
    # `both` edits one answer: from now on they are an author of the assessment.
    row = db.session.scalar(select(Answer).where(Answer.assessment_id == d2.id, Answer.question_id == "G-01"))
    assert row is not None
    row.updated_by_id = both.id
    db.session.commit()
    workflow.submit(d2, users["arkitekt"])
    with pytest.raises(PermissionDenied, match="Fyra ögon"):
        review_service.approve_area(d2, both, "legal")
    with pytest.raises(PermissionDenied, match="Fyra ögon"):
        review_service.request_changes(d2, both, "legal", "Ändra")
    assert d2.status == S.SUBMITTED


def test_reviewer_only_approves_their_own_area(app: Flask, demo: dict[str, Any]) -> None:
    users, d2 = demo["users"], _get(demo["ids"]["D2"])
    workflow.submit(d2, users["arkitekt"])
    with pytest.raises(PermissionDenied, match="området"):
        review_service.approve_area(d2, users["jurist"], "infosec")


def test_submit_needs_every_shown_question_answered(app: Flask, demo: dict[str, Any]) -> None:
    users, d2 = demo["users"], _get(demo["ids"]["D2"])
    row = db.session.scalar(select(Answer).where(Answer.assessment_id == d2.id, Answer.question_id == "L-05"))
    assert row is not None
    db.session.delete(row)
    db.session.commit()
    db.session.refresh(d2)
    with pytest.raises(ValidationFailed, match="L-05"):
        workflow.submit(d2, users["arkitekt"])
    assert d2.status == S.DRAFT


def test_request_changes_goes_back_to_the_architect_with_the_reason(app: Flask, demo: dict[str, Any]) -> None:
    users, d2 = demo["users"], _get(demo["ids"]["D2"])
    workflow.submit(d2, users["arkitekt"])
    review_service.request_changes(d2, users["infosak"], "infosec", "S-04: ange vilken nyckelhantering som gäller.")
    db.session.commit()
    assert d2.status == S.CHANGES_REQUESTED
    tasks = my_tasks(users["arkitekt"], TODAY)
    assert [a.id for a in tasks.changes_requested] == [d2.id]
    workflow.reopen(d2, users["arkitekt"])
    assert d2.status == S.DRAFT
    # A new round: earlier approvals no longer count.
    workflow.submit(d2, users["arkitekt"])
    assert workflow.approvals_of(d2) == []


def test_override_only_by_the_right_area_and_with_a_reference(app: Flask, demo: dict[str, Any]) -> None:
    users, d1 = demo["users"], _get(demo["ids"]["D1"])
    workflow.submit(d1, users["arkitekt"])
    assert "L-04" in workflow.evaluation_with_overrides(d1).knockouts
    finding, review = TODAY - dt.timedelta(days=3), TODAY + dt.timedelta(days=180)
    with pytest.raises(PermissionDenied, match="juristen"):
        review_service.record_override(d1, users["infosak"], "L-04", "PM 2026:14", "Johan Jurist", finding, review)
    with pytest.raises(ValidationFailed) as caught:
        review_service.record_override(d1, users["jurist"], "L-04", "  ", "", finding, None)
    assert set(caught.value.fields) == {"reference", "author", "review_date"}
    review_service.record_override(d1, users["jurist"], "L-04", "PM 2026:14", "Johan Jurist", finding, review)
    db.session.commit()
    evaluation = workflow.evaluation_with_overrides(d1)
    assert "L-04" not in evaluation.knockouts
    assert "L-04" in evaluation.overrides
    assert any(c.question == "L-04" for c in evaluation.conditions)
    with pytest.raises(Conflict, match="ingen stoppträff"):
        review_service.record_override(d1, users["jurist"], "L-05", "PM 1", "Johan Jurist", finding, review)


def test_approve_is_refused_for_a_verdict_that_is_not_suitable(app: Flask, demo: dict[str, Any]) -> None:
    users, d1 = demo["users"], _get(demo["ids"]["D1"])
    _review_all(d1, users)
    with pytest.raises(ValidationFailed) as caught:
        decide_and_store(
            d1, users["beslutsfattare"], "approved", "risk", TODAY + dt.timedelta(days=30), [], TODAY
        )  # fmt: skip
    assert "Lämplig" in caught.value.fields["outcome"]
    db.session.rollback()
    decide_and_store(d1, users["beslutsfattare"], "rejected", "", None, [], TODAY)
    db.session.commit()
    assert d1.status == S.DECIDED


def test_decision_asks_for_every_condition_term(app: Flask, demo: dict[str, Any]) -> None:
    users, d2 = demo["users"], _get(demo["ids"]["D2"])
    _review_all(d2, users)
    with pytest.raises(ValidationFailed) as caught:
        decide_and_store(d2, users["beslutsfattare"], "approved", "", None, [], TODAY)
    fields = caught.value.fields
    assert "residual_risks" in fields
    assert "next_review" in fields
    to_set = decisions.conditions_to_set(workflow.evaluation_with_overrides(d2))
    assert to_set, "D2 has conditions"
    for qid, _kind, _m in to_set:
        assert f"cond_{qid}_owner" in fields
        assert f"cond_{qid}_gate" in fields
    db.session.rollback()
    assert _get(d2.id).status == S.REVIEWED


def test_decided_records_refuse_change_in_the_services(app: Flask, demo: dict[str, Any]) -> None:
    from assess.services import assessments as assessment_service

    users, d2 = demo["users"], _get(demo["ids"]["D2"])
    _review_all(d2, users)
    _decide(d2, users)
    with pytest.raises(DomainError):
        assessment_service.save_answers(d2, {}, d2.version, users["arkitekt"])
    with pytest.raises(DomainError):
        review_service.add_comment(d2, users["jurist"], "Sent tillägg")
    with pytest.raises(DomainError):
        review_service.approve_area(d2, users["jurist"], "legal")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE answers SET value = '\"no\"' WHERE assessment_id = :id AND question_id = 'L-05'",
        "DELETE FROM answers WHERE assessment_id = :id",
        "UPDATE frozen_records SET canonical_json = '{}' WHERE assessment_id = :id",
        "UPDATE decisions SET residual_risks = 'inga' WHERE assessment_id = :id",
        "UPDATE assessments SET scope = 'annat' WHERE id = :id",
        "DELETE FROM frozen_records WHERE assessment_id = :id",
    ],
)
def test_decided_records_refuse_change_in_the_database(app: Flask, demo: dict[str, Any], statement: str) -> None:
    users, d2 = demo["users"], _get(demo["ids"]["D2"])
    _review_all(d2, users)
    _decide(d2, users)
    with pytest.raises(DatabaseError, match="immutable|only while the assessment is a draft"):
        db.session.execute(text(statement), {"id": d2.id})
    db.session.rollback()


def test_records_verify_names_a_record_changed_behind_the_apps_back(app: Flask, demo: dict[str, Any]) -> None:
    users, d2 = demo["users"], _get(demo["ids"]["D2"])
    _review_all(d2, users)
    _decide(d2, users)
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["records", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "1 beslutspost och" in ok.output
    # Someone with database access drops the trigger and edits the stored record.
    db.session.execute(text("DROP TRIGGER frozen_records_no_update"))
    db.session.execute(
        text("UPDATE frozen_records SET canonical_json = replace(canonical_json, 'Beata', 'Bertil')"),
    )
    db.session.commit()
    record_id = db.session.scalar(select(FrozenRecord.id))
    bad = runner.invoke(args=["records", "verify"])
    assert bad.exit_code == 1
    assert f"post {record_id} (bedömning {d2.id})" in bad.output
    assert "SHA-256" in bad.output


def test_records_verify_names_a_changed_report(app: Flask, demo: dict[str, Any]) -> None:
    users, d2 = demo["users"], _get(demo["ids"]["D2"])
    _review_all(d2, users)
    _decide(d2, users)
    record = db.session.scalar(select(FrozenRecord))
    assert record is not None
    db.session.execute(text("DROP TRIGGER frozen_records_no_update"))
    db.session.execute(text("UPDATE frozen_records SET report_pdf = CAST(report_pdf || X'0A' AS BLOB)"))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["records", "verify"])
    assert result.exit_code == 1
    assert f"post {record.id} (bedömning {d2.id}): den lagrade rapporten matchar inte sin SHA-256" in result.output


def test_revision_copies_the_answers_and_supersedes_the_old(app: Flask, demo: dict[str, Any]) -> None:
    users, d2 = demo["users"], _get(demo["ids"]["D2"])
    _review_all(d2, users)
    _decide(d2, users)
    old_answers = {a.question_id: a.value for a in d2.answers}
    new = workflow.revise(d2, users["arkitekt"], "Leverantören byter underbiträde")
    db.session.commit()
    assert d2.status == S.SUPERSEDED
    assert new.status == S.DRAFT
    assert new.revision_of_id == d2.id
    assert new.revision == 2
    assert {a.question_id: a.value for a in new.answers} == old_answers
    assert verify_all().problems == []


def test_condition_past_its_deadline_shows_villkor_forfallet(
    app: Flask, client: FlaskClient, demo: dict[str, Any]
) -> None:
    users, d2 = demo["users"], _get(demo["ids"]["D2"])
    _review_all(d2, users)
    _decide(d2, users)
    condition = db.session.scalars(select(DecisionCondition)).first()
    assert condition is not None
    login_as(client, users["lasare"])
    case_page = client.get(f"/arenden/{d2.alternative.case_id}").get_data(as_text=True)
    assert "villkor förfallet" not in case_page.lower()
    # Conditions are part of the frozen record: the database refuses to move a deadline afterwards.
    with pytest.raises(DatabaseError, match="cannot change"):
        db.session.execute(
            text("UPDATE decision_conditions SET deadline = :d WHERE id = :id"),
            {"d": TODAY - dt.timedelta(days=1000), "id": condition.id},
        )
    db.session.rollback()
    # The deadline passes.
    app.config["TODAY"] = condition.deadline + dt.timedelta(days=1)
    for url in (
        f"/arenden/{d2.alternative.case_id}",
        f"/bedomningar/{d2.id}/granskning",
        "/arenden",
        f"/bedomningar/{d2.id}",  # the questionnaire's meta line
    ):
        assert "villkor förfallet" in client.get(url).get_data(as_text=True).lower(), url
    # The owner claims them fulfilled: still overdue until someone else verifies them.
    ids = list(db.session.scalars(select(DecisionCondition.id).where(DecisionCondition.assessment_id == d2.id)))
    login_as(client, users["arkitekt"])
    token = csrf_token(client, "/mina-uppgifter")
    for condition_id in ids:
        response = client.post(
            f"/villkor/{condition_id}/anmal",
            data={"csrf_token": token, "note": "Nyckelhantering införd", "evidence": "Protokoll 2026-12-01"},
        )
        assert response.status_code == 302
    assert "villkor förfallet" in client.get(f"/arenden/{d2.alternative.case_id}").get_data(as_text=True).lower()
    # Verifying them clears the status (every condition was due the same day).
    login_as(client, users["beslutsfattare"])
    token = csrf_token(client, "/mina-uppgifter")
    for condition_id in ids:
        response = client.post(f"/villkor/{condition_id}/verifiera", data={"csrf_token": token, "note": ""})
        assert response.status_code == 302
    db.session.expire_all()
    assert "villkor förfallet" not in client.get(f"/arenden/{d2.alternative.case_id}").get_data(as_text=True).lower()
    assert "villkor förfallet" not in client.get(f"/bedomningar/{d2.id}").get_data(as_text=True).lower()


def test_forbidden_transition_over_http_is_a_clear_409(app: Flask, client: FlaskClient, demo: dict[str, Any]) -> None:
    users, d2 = demo["users"], demo["ids"]["D2"]
    login_as(client, users["beslutsfattare"])
    token = csrf_token(client, f"/bedomningar/{d2}/granskning")
    response = client.post(f"/bedomningar/{d2}/beslut", data={"csrf_token": token, "outcome": "approved"})
    assert response.status_code == 409
    assert "Det går inte att besluta" in response.get_data(as_text=True)
    assert _get(d2).status == S.DRAFT


def test_every_step_is_in_the_history_page(app: Flask, client: FlaskClient, demo: dict[str, Any]) -> None:
    users, d2 = demo["users"], _get(demo["ids"]["D2"])
    _review_all(d2, users)
    _decide(d2, users)
    actions = list(
        db.session.scalars(select(AuditEvent.action).where(AuditEvent.assessment_id == d2.id).order_by(AuditEvent.id))
    )
    for expected in ("assessment.submit", "review.approve_area", "assessment.reviewed", "assessment.decide"):
        assert expected in actions
    login_as(client, users["lasare"])
    page = client.get(f"/bedomningar/{d2.id}/historik").get_data(as_text=True)
    for label in ("Inskickad för granskning", "Område godkänt", "Beslut fattat", "Beslutspost fryst"):
        assert label in page
    assert "Beata Beslutsfattare" in page
    assert "Johan Jurist" in page


def test_review_page_lists_the_reviewers_questions_with_answers(
    app: Flask, client: FlaskClient, demo: dict[str, Any]
) -> None:
    users, d2 = demo["users"], _get(demo["ids"]["D2"])
    workflow.submit(d2, users["arkitekt"])
    review_service.add_comment(d2, users["jurist"], "Underbiträdesbilagan?", "L-05")
    db.session.commit()
    login_as(client, users["jurist"])
    page = client.get(f"/bedomningar/{d2.id}/granskning").get_data(as_text=True)
    section = page[page.index('id="questions-legal"') : page.index("</section>", page.index('id="questions-legal"'))]
    assert "Frågor att granska: juridik" in section
    row = section[section.index("L-05") : section.index("</tr>", section.index("L-05"))]
    assert "Ja" in row
    assert "E2" in row
    assert '<td data-label="Kommentarer">1</td>' in row  # one comment on L-05
    assert 'id="questions-patient_safety"' not in page  # a legal reviewer sees their own area


REVIEW_GARBAGE = [
    ("jurist", "kommentarer", {"text": "", "question_id": "X-99"}),
    ("jurist", "kommentarer", {"text": "x" * 6000}),
    ("jurist", "kommentarer", {"text": "svar", "parent_id": "99999999999999"}),
    ("jurist", "kommentarer", {"text": "svar", "parent_id": "-1"}),
    ("jurist", "godkann", {"area": "nonsense"}),
    ("jurist", "godkann", {"area": "infosec"}),
    ("jurist", "begar-andringar", {"area": "legal", "reason": "   "}),
    ("jurist", "havning", {"question_id": "L-04", "reference": "PM", "author": "A", "finding_date": "igår"}),
    ("jurist", "havning", {"question_id": "Q-00", "reference": "PM", "author": "A", "finding_date": "2026-01-01"}),
    ("beslutsfattare", "beslut", {"outcome": "maybe"}),
    ("beslutsfattare", "beslut", {"outcome": "approved", "next_review": "31/12", "cond_L-16_months": "abc"}),
    ("beslutsfattare", "beslut", {"outcome": "approved", "cond_X_owner": "1", "cond_L-16_owner": "not-a-number"}),
]


@pytest.mark.parametrize(("username", "action", "form"), REVIEW_GARBAGE)
def test_garbage_review_posts_get_a_clear_answer_and_change_nothing(
    app: Flask, client: FlaskClient, demo: dict[str, Any], username: str, action: str, form: dict[str, str]
) -> None:
    users = demo["users"]
    d1, d2 = _get(demo["ids"]["D1"]), _get(demo["ids"]["D2"])
    workflow.submit(d1, users["arkitekt"])
    _review_all(d2, users)  # D2 is waiting for the decision
    target = d2 if action == "beslut" else d1
    before = (target.status, len(target.overrides))
    events = db.session.scalar(select(func.count(AuditEvent.id)))
    login_as(client, users[username])
    token = csrf_token(client, f"/bedomningar/{target.id}/granskning")
    response = client.post(f"/bedomningar/{target.id}/{action}", data={"csrf_token": token, **form})
    assert response.status_code in (400, 403, 409), response.status_code
    body = response.get_data(as_text=True)
    assert 'role="alert"' in body  # the page says what went wrong
    db.session.expire_all()
    assert (target.status, len(target.overrides)) == before
    assert db.session.scalar(select(func.count(AuditEvent.id))) == events


def test_review_post_without_csrf_token_is_refused(app: Flask, client: FlaskClient, demo: dict[str, Any]) -> None:
    users, d2 = demo["users"], _get(demo["ids"]["D2"])
    login_as(client, users["arkitekt"])
    response = client.post(f"/bedomningar/{d2.id}/skicka-in")
    assert response.status_code == 400
    assert _get(d2.id).status == S.DRAFT


def test_questionnaire_tells_the_architect_where_to_go_after_changes_are_requested(
    app: Flask, client: FlaskClient, demo: dict[str, Any]
) -> None:
    users, d2 = demo["users"], _get(demo["ids"]["D2"])
    workflow.submit(d2, users["arkitekt"])
    review_service.request_changes(d2, users["jurist"], "legal", "Bifoga avtalet.")
    db.session.commit()
    login_as(client, users["arkitekt"])
    page = client.get(f"/bedomningar/{d2.id}").get_data(as_text=True)
    assert "Granskarna har begärt ändringar" in page
    assert f'href="/bedomningar/{d2.id}/granskning"' in page
    review = client.get(f"/bedomningar/{d2.id}/granskning").get_data(as_text=True)
    assert "Bifoga avtalet." in review
    assert "Gör ändringarna" in review


def test_decision_maker_sees_mitigation_texts_and_unknowns(
    app: Flask, client: FlaskClient, demo: dict[str, Any]
) -> None:
    users = demo["users"]
    d2, d3 = _get(demo["ids"]["D2"]), _get(demo["ids"]["D3"])
    _review_all(d2, users)
    login_as(client, users["beslutsfattare"])
    page = client.get(f"/bedomningar/{d2.id}/granskning").get_data(as_text=True)
    form = page[page.index('id="decision-form"') :]
    assert "<strong>M-13</strong> Logger till regionens SIEM" in form
    # D3 still has unknowns: the page lists the decisive and blocking ones with who must answer.
    page = client.get(f"/bedomningar/{d3.id}/granskning").get_data(as_text=True)
    section = page[page.index('id="unknowns-title"') :]
    evaluation = workflow.evaluation_with_overrides(d3)
    assert evaluation.decisive_unknowns
    for qid in evaluation.decisive_unknowns:
        assert f"{qid}</span>" in section
