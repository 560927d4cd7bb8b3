"""The review pages do a bounded number of database queries, whatever the number of comments or assessments."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from assess.extensions import db
from assess.models import Assessment, User
from assess.services import review as review_service
from assess.services import workflow
from tests.assess.helpers import count_queries, load_demo
from tests.conftest import login_as


@pytest.fixture
def demo(app: Flask) -> dict[str, Any]:
    ids = load_demo(app)
    return {"ids": ids, "users": {u.username: u for u in db.session.scalars(select(User))}}


def _queries(app: Flask, client: FlaskClient, url: str) -> int:
    db.session.expire_all()
    with count_queries(app) as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)


def test_review_record_and_history_pages_do_not_grow_with_comments(
    app: Flask, client: FlaskClient, demo: dict[str, Any]
) -> None:
    users = demo["users"]
    d2 = db.session.get(Assessment, demo["ids"]["D2"])
    assert d2 is not None
    workflow.submit(d2, users["arkitekt"])
    review_service.add_comment(d2, users["jurist"], "En första kommentar", "L-05")
    db.session.commit()
    login_as(client, users["lasare"])
    pages = [f"/bedomningar/{d2.id}/granskning", f"/bedomningar/{d2.id}/historik"]
    few = {url: _queries(app, client, url) for url in pages}
    for n in range(25):
        author = users["jurist"] if n % 2 else users["infosak"]
        first = review_service.add_comment(d2, author, f"Kommentar {n}", ["L-05", "S-01", "P-01", None][n % 4])
        review_service.add_comment(d2, users["arkitekt"], f"Svar {n}", None, first.id)
    db.session.commit()
    many = {url: _queries(app, client, url) for url in pages}
    assert many == few


def test_tasks_page_does_not_grow_with_assessments_waiting(
    app: Flask, client: FlaskClient, demo: dict[str, Any]
) -> None:
    users = demo["users"]
    login_as(client, users["jurist"])
    ids = demo["ids"]
    workflow.submit(db.session.get(Assessment, ids["D2"]), users["arkitekt"])
    db.session.commit()
    one = _queries(app, client, "/mina-uppgifter")
    for key in ("A", "B", "C", "D1", "D3"):
        assessment = db.session.get(Assessment, ids[key])
        assert assessment is not None
        assessment.status = workflow.S.SUBMITTED  # answers may be open: only the list matters here
    db.session.commit()
    page = client.get("/mina-uppgifter").get_data(as_text=True)
    assert page.count("/granskning") >= 6
    assert _queries(app, client, "/mina-uppgifter") == one


def test_unknowns_reach_the_picked_person_and_never_a_free_text_name(
    app: Flask, client: FlaskClient, demo: dict[str, Any]
) -> None:
    """Who finds out is picked (an id), so a name typed in any letters routes nothing, silently or not."""
    from assess.models import Answer
    from tests import factories

    orjan = factories.create_user("architect", username="orjan", display_name="Örjan Öberg")
    d3 = demo["ids"]["D3"]
    unknown = [a for a in db.session.scalars(select(Answer).where(Answer.assessment_id == d3)) if a.value == "unknown"]
    assert len(unknown) >= 2
    row, other = unknown[0], unknown[1]
    row.assignee_user_id = orjan.id
    row.unknown_owner = "Örjan Öberg"
    other.unknown_owner = "ÖRJAN ÖBERG "  # free text from before assignees were picked: "ej tilldelad"
    db.session.commit()
    login_as(client, orjan)
    page = client.get("/mina-uppgifter").get_data(as_text=True)
    section = page[page.index('id="t-unknowns"') : page.index('id="t-conditions"')]
    assert f"#q-{row.question_id}" in section
    assert f"#q-{other.question_id}" not in section


def test_an_area_approved_in_its_own_round_leaves_the_reviewer_queue_whatever_round_others_are_in(
    app: Flask, client: FlaskClient, demo: dict[str, Any]
) -> None:
    """The queue compares each assessment's approvals with its own latest round, not with the highest round of
    any assessment: the jurist approved D2 in its first round, while D3 went back and was submitted again."""
    users, ids = demo["users"], demo["ids"]
    d2, d3 = db.session.get(Assessment, ids["D2"]), db.session.get(Assessment, ids["D3"])
    assert d2 is not None
    assert d3 is not None
    workflow.submit(d3, users["arkitekt"])
    review_service.request_changes(d3, users["infosak"], "infosec", "Ange var loggarna lagras.")
    workflow.reopen(d3, users["arkitekt"])
    workflow.submit(d3, users["arkitekt"])
    workflow.submit(d2, users["arkitekt"])
    db.session.commit()
    assert workflow.current_round(d3) == 2
    assert workflow.current_round(d2) == 1
    login_as(client, users["jurist"])

    def queue() -> str:
        page = client.get("/mina-uppgifter").get_data(as_text=True)
        return page[page.index('id="t-review"') : page.index('id="t-decide"')]

    assert f"/bedomningar/{d2.id}/granskning" in queue()  # legal still to approve
    review_service.approve_area(d2, users["jurist"], "legal")
    db.session.commit()
    waiting = queue()
    assert f"/bedomningar/{d2.id}/granskning" not in waiting
    assert f"/bedomningar/{d3.id}/granskning" in waiting  # D3's legal area waits in its second round


def submit_every_module(architect: User) -> list[Assessment]:
    """Submit every module of the database that can be submitted, as the architect (not committed)."""
    from assess.services.errors import DomainError

    submitted = []
    for assessment in db.session.scalars(select(Assessment).order_by(Assessment.id)):
        try:
            workflow.submit(assessment, architect)
        except DomainError:
            continue  # a module that cannot be submitted stays out of the queue
        submitted.append(assessment)
    return submitted


def queue_areas_as_the_workflow_says(reviewers: list[User]) -> int:
    """Assert that every module each reviewer's queue lists names the areas the workflow says wait for them (needed
    by its summary, not approved in its current round, not blocked by four-eyes), and at least one; return how
    many listed modules wait in fewer areas than they need."""
    from assess.services import summaries, tasks

    partly = 0
    for reviewer in reviewers:
        items = list(tasks.to_review(reviewer))
        assert items, reviewer.username
        modules = [a for a, _areas in items]
        found = summaries.summaries_of(modules)
        approvals = workflow.approvals_by_assessment(modules)
        answered = workflow.answered_areas_by_assessment(modules)
        mine = [area for area in tasks.ReviewArea if area in reviewer.review_areas]
        for a, areas in items:
            summary = found[a.id]
            needed = [area for area in mine if getattr(summary, tasks._NEEDS[area].key)]
            approved = {x.area for x in approvals[a.id]}
            blocked = workflow.blocked_areas(a, reviewer, answered[a.id])
            expected = [area for area in needed if area not in approved and area not in blocked]
            assert areas == expected, (reviewer.username, a.id)
            assert areas, (reviewer.username, a.id)
            partly += len(areas) < len(needed)
    return partly


def test_the_queue_names_for_each_module_the_areas_the_workflow_says_wait_for_the_reviewer(
    app: Flask, demo: dict[str, Any]
) -> None:
    """The reviewer queue asks in SQL which of the reader's areas wait (needed, not approved in the current round,
    none of the area's questions answered by the reader); the workflow says it from the loaded rows. Both must
    name the same areas for every listed module, and no module is listed with none."""
    from tests import factories

    users = demo["users"]
    everything = factories.create_user(
        "reviewer", username="granskare-alla", areas=["legal", "infosec", "patient_safety"]
    )
    submitted = submit_every_module(users["arkitekt"])
    assert len(submitted) >= 3, "the demo needs modules that can be submitted"
    review_service.approve_area(submitted[0], users["jurist"], "legal")
    review_service.approve_area(submitted[1], users["infosak"], "infosec")
    db.session.commit()
    partly = queue_areas_as_the_workflow_says([everything, users["jurist"], users["infosak"], users["patientsak"]])
    assert partly, "an approved area must leave some module with fewer areas than it needs"


def test_the_queue_lists_the_same_modules_when_their_summaries_were_lost_or_went_stale_outside_the_app(
    app: Flask, demo: dict[str, Any]
) -> None:
    """The queue reads the stored evaluation summaries. Rows written outside the app (a summary deleted, one left
    from an earlier version of its module) must neither hide a module that waits nor list one that does not: the
    queue meets them in its one statement, computes them and asks again."""
    from sqlalchemy import delete, update

    from assess.models import EvaluationSummary
    from assess.services import tasks

    users = demo["users"]
    submit_every_module(users["arkitekt"])
    db.session.commit()
    reviewers = [users["jurist"], users["infosak"], users["patientsak"]]

    def queues() -> list[list[tuple[int, list[Any]]]]:
        db.session.expire_all()
        return [[(a.id, areas) for a, areas in tasks.to_review(r)] for r in reviewers]

    before = queues()
    assert all(before), "every demo reviewer has a module waiting"
    listed = sorted({assessment_id for queue in before for assessment_id, _areas in queue})
    db.session.execute(delete(EvaluationSummary).where(EvaluationSummary.assessment_id == listed[0]))
    db.session.execute(
        update(EvaluationSummary)
        .where(EvaluationSummary.assessment_id.in_(listed[1:]))
        .values(cache_key="0:stale:0", needs_legal=False, needs_infosec=False, needs_patient_safety=False)
    )
    db.session.commit()
    assert queues() == before
    assert db.session.get(EvaluationSummary, listed[0]) is not None  # computed again, and kept
