"""The JSON API with personal tokens: read, write with If-Match, stale writes, scopes, problems."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from assess.extensions import db
from assess.models import Assessment, AssessmentStatus, AuditEvent
from assess.services import tokens
from tests.assess.helpers import demo_users, load_demo


def make_token(username: str, scopes: str = tokens.READ_WRITE) -> str:
    secret = tokens.create_token(demo_users()[username], "test", scopes).secret
    db.session.commit()
    return secret


def bearer(secret: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}", **headers}


@pytest.fixture
def demo(app: Flask) -> dict[str, int]:
    return load_demo(app)


def draft_of(owner: str) -> Assessment:
    users = demo_users()
    return db.session.scalars(
        select(Assessment).where(Assessment.status == AssessmentStatus.DRAFT, Assessment.owner_id == users[owner].id)
    ).first()


def choice_question(client: FlaskClient, secret: str, assessment_id: int) -> tuple[str, Any, Any]:
    """Return a shown choice question of the assessment and two of its options."""
    rs = client.get("/api/v1/ruleset", headers=bearer(secret)).get_json()
    shown = client.get(f"/api/v1/assessments/{assessment_id}", headers=bearer(secret)).get_json()["evaluation"]
    for q in rs["questions"]:
        ids = [o["id"] for o in q["options"] if o["id"] not in ("unknown", "na")]
        if len(ids) >= 2 and shown["questions"].get(q["id"], {}).get("shown"):
            return q["id"], ids[0], ids[1]
    raise AssertionError("no choice question")


def test_token_reads_writes_and_is_refused_when_stale(client: FlaskClient, demo: dict[str, int]) -> None:
    draft = draft_of("arkitekt")
    assert draft is not None
    secret = make_token("arkitekt")
    case = client.get(f"/api/v1/cases/{draft.alternative.case_id}", headers=bearer(secret))
    assert case.status_code == 200
    assert any(a["id"] == draft.id for alt in case.get_json()["alternatives"] for a in alt["assessments"])
    assert "Set-Cookie" not in case.headers

    read = client.get(f"/api/v1/assessments/{draft.id}", headers=bearer(secret))
    assert read.status_code == 200
    etag = read.headers["ETag"]
    assert read.get_json()["evaluation"]["verdict"]
    qid, first, second = choice_question(client, secret, draft.id)

    saved = client.put(
        f"/api/v1/assessments/{draft.id}/answers/{qid}",
        json={"value": first, "evidence": "E2", "motivation": "Via API"},
        headers=bearer(secret, **{"If-Match": etag}),
    )
    assert saved.status_code == 200, saved.get_data(as_text=True)
    assert saved.get_json()["changed"] == [qid]
    new_etag = saved.headers["ETag"]
    assert new_etag != etag
    answers = client.get(f"/api/v1/assessments/{draft.id}/answers", headers=bearer(secret)).get_json()["items"]
    assert {"question_id": qid, "value": first, "motivation": "Via API"}.items() <= next(
        a for a in answers if a["question_id"] == qid
    ).items()

    # A write based on the old ETag is refused with the current state, and changes nothing.
    stale = client.patch(
        f"/api/v1/assessments/{draft.id}/answers",
        json={"answers": {qid: {"value": second}}},
        headers=bearer(secret, **{"If-Match": etag}),
    )
    assert stale.status_code == 412
    assert stale.mimetype == "application/problem+json"
    body = stale.get_json()
    assert body["current"]["version"] == int(new_etag.strip('"'))
    assert next(a for a in body["current"]["answers"] if a["question_id"] == qid)["value"] == first

    missing = client.patch(
        f"/api/v1/assessments/{draft.id}/answers", json={"answers": {qid: {"value": second}}}, headers=bearer(secret)
    )
    assert missing.status_code == 428

    # The write is in the audit trail, naming the token beside the answer's own event.
    events = [e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "api_token"))]
    assert "token.write" in events
    assert "token.use" in events


def test_read_token_is_refused_writes(client: FlaskClient, demo: dict[str, int]) -> None:
    draft = draft_of("arkitekt")
    secret = make_token("arkitekt", tokens.READ)
    etag = client.get(f"/api/v1/assessments/{draft.id}", headers=bearer(secret)).headers["ETag"]
    refused = client.patch(
        f"/api/v1/assessments/{draft.id}/answers",
        json={"answers": {"G-01": {"motivation": "x"}}},
        headers=bearer(secret, **{"If-Match": etag}),
    )
    assert refused.status_code == 403
    assert refused.mimetype == "application/problem+json"
    assert refused.get_json()["problems"]


def test_token_grants_no_more_than_its_user(client: FlaskClient, demo: dict[str, int]) -> None:
    """A viewer's read-write token still cannot write: the user's roles decide, as on the pages."""
    users = demo_users()
    viewer = next(u for u in users.values() if u.roles and all(r.value == "viewer" for r in u.roles))
    secret = make_token(viewer.username)
    draft = draft_of("arkitekt")
    etag = client.get(f"/api/v1/assessments/{draft.id}", headers=bearer(secret)).headers["ETag"]
    refused = client.post(f"/api/v1/assessments/{draft.id}/submit", headers=bearer(secret, **{"If-Match": etag}))
    assert refused.status_code == 403
    assert refused.mimetype == "application/problem+json"


def test_no_revoked_or_deactivated_or_cookie_writes(client: FlaskClient, demo: dict[str, int]) -> None:
    from tests.conftest import login_as

    users = demo_users()
    secret = make_token("arkitekt")
    assert client.get("/api/v1/cases", headers=bearer(secret)).status_code == 200
    token = tokens.find_token(secret)
    tokens.revoke_token(users["arkitekt"], token.id)
    db.session.commit()
    gone = client.get("/api/v1/cases", headers=bearer(secret))
    assert gone.status_code == 401
    assert gone.mimetype == "application/problem+json"

    other = make_token("arkitekt")
    users["arkitekt"].active = False
    db.session.commit()
    assert client.get("/api/v1/cases", headers=bearer(other)).status_code == 401
    users["arkitekt"].active = True
    db.session.commit()

    # A signed-in browser may read, but a write with only the session cookie is refused (no CSRF through the API).
    login_as(client, users["arkitekt"])
    assert client.get("/api/v1/cases").status_code == 200
    draft = draft_of("arkitekt")
    write = client.post(f"/api/v1/assessments/{draft.id}/comments", json={"text": "hej"})
    assert write.status_code == 401
    assert client.get("/api/v1/cases", headers={"Authorization": "Bearer nonsense"}).status_code == 401


def test_problems_for_bad_input(client: FlaskClient, demo: dict[str, int]) -> None:
    draft = draft_of("arkitekt")
    secret = make_token("arkitekt")
    etag = client.get(f"/api/v1/assessments/{draft.id}", headers=bearer(secret)).headers["ETag"]
    url = f"/api/v1/assessments/{draft.id}/answers"
    broken = client.patch(
        url, data="{not json", content_type="application/json", headers=bearer(secret, **{"If-Match": etag})
    )
    assert broken.status_code == 400
    wrong = client.patch(url, json={"answers": {"G-01": {"evidence": 5}}}, headers=bearer(secret, **{"If-Match": etag}))
    assert wrong.status_code == 422
    assert "answers.G-01.evidence" in wrong.get_json()["fields"]
    unknown = client.patch(
        url, json={"answers": {"ZZ-99": {"value": "yes"}, "G-01": {"evidence": "E9"}}},
        headers=bearer(secret, **{"If-Match": etag}),
    )  # fmt: skip
    assert unknown.status_code == 400
    fields = unknown.get_json()["fields"]
    assert "q_ZZ-99" in fields
    assert "q_G-01_evidence" in fields
    assert client.get("/api/v1/cases?per_page=101", headers=bearer(secret)).status_code == 422
    paged = client.get("/api/v1/cases?per_page=1&page=1", headers=bearer(secret)).get_json()
    assert paged["per_page"] == 1
    assert len(paged["items"]) == 1
    beyond = client.get(f"/api/v1/cases?per_page=1&page={paged['total'] + 1}", headers=bearer(secret)).get_json()
    assert beyond["items"] == []
    assert client.get("/api/v1/nothing", headers=bearer(secret)).mimetype == "application/problem+json"


def test_openapi_document_and_reference_page(client: FlaskClient) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    assert "/api/v1/assessments/{assessment_id}/answers" in doc["paths"]
    page = client.get("/api/v1/").get_data(as_text=True)
    assert "PATCH /api/v1/assessments/{assessment_id}/answers" in page
    assert "cdn" not in page.lower()


def test_task_lists_page_through_every_entry_once(client: FlaskClient, demo: dict[str, int]) -> None:
    from tests import factories

    users = demo_users()
    architect = users["arkitekt"]
    alternative = draft_of("arkitekt").alternative
    for n in range(25):
        factories.create_assessment(alternative, scope=f"Modul {n}", owner=architect)
    db.session.commit()
    mine = select(Assessment.id).where(Assessment.status == AssessmentStatus.DRAFT, Assessment.owner_id == architect.id)
    drafts_in_db = set(db.session.scalars(mine))
    assert len(drafts_in_db) > 25
    secret = make_token("arkitekt")

    first = client.get("/api/v1/tasks", headers=bearer(secret)).get_json()["sections"]["drafts"]
    assert first["total"] == len(drafts_in_db)
    assert first["pages"] == -(-len(drafts_in_db) // 20) >= 2
    assert len(first["items"]) == 20

    seen: list[int] = []
    for page in range(1, first["pages"] + 1):
        body = client.get(f"/api/v1/tasks/drafts?page={page}", headers=bearer(secret)).get_json()
        assert (body["page"], body["per_page"], body["total"]) == (page, 20, len(drafts_in_db))
        seen += [item["assessment_id"] for item in body["items"]]
    assert sorted(seen) == sorted(drafts_in_db), "every draft once, none twice, none missing"
    assert [i["assessment_id"] for i in first["items"]] == seen[:20], "the overview shows the list's first page"

    beyond = client.get("/api/v1/tasks/drafts?page=99", headers=bearer(secret)).get_json()
    assert beyond["page"] == first["pages"]
    assert [i["assessment_id"] for i in beyond["items"]] == seen[20 * (first["pages"] - 1) :]

    zero = client.get("/api/v1/tasks/drafts?page=0", headers=bearer(secret))
    assert zero.status_code == 422
    assert "page" in zero.get_json()["fields"]
    assert client.get("/api/v1/tasks/drafts?per_page=5", headers=bearer(secret)).status_code == 422
    missing = client.get("/api/v1/tasks/nonsense", headers=bearer(secret))
    assert missing.status_code == 404
    assert missing.mimetype == "application/problem+json"

    viewer = client.get("/api/v1/tasks/drafts", headers=bearer(make_token("lasare"))).get_json()
    assert (viewer["total"], viewer["items"]) == (0, [])


def test_each_task_list_s_first_page_is_the_overview_s(client: FlaskClient, demo: dict[str, int]) -> None:
    shown = 0
    for username in ("arkitekt", "jurist", "infosak", "patientsak", "beslutsfattare", "lasare"):
        secret = make_token(username)
        overview = client.get("/api/v1/tasks", headers=bearer(secret)).get_json()["sections"]
        for name, section in overview.items():
            body = client.get(f"/api/v1/tasks/{name}", headers=bearer(secret)).get_json()
            assert (body["total"], body["pages"], body["items"]) == (
                section["total"],
                section["pages"],
                section["items"],
            ), (username, name)
            shown += len(body["items"])
    assert shown > 0, "the demo gives its people something to do"
    contacts = client.get("/api/v1/tasks/contact_questions", headers=bearer(make_token("arkitekt"))).get_json()
    assert contacts["items"], "the demo's vendor contacts have questions the architect chases"
    assert all(item["contact"] and item["question_id"] for item in contacts["items"])


def test_the_task_lists_are_searched_and_filtered_as_on_the_page(client: FlaskClient, demo: dict[str, int]) -> None:
    from tests import factories

    users = demo_users()
    alternative = draft_of("arkitekt").alternative
    for n in range(3):
        factories.create_assessment(alternative, scope=f"Åtkomstloggning {n}", owner=users["arkitekt"])
    db.session.commit()
    secret = make_token("arkitekt")
    whole = client.get("/api/v1/tasks", headers=bearer(secret)).get_json()["sections"]["drafts"]
    assert whole["total"] > 3
    for query in ("q=%C3%85TKOMSTLOGGNING", "q=%C3%A5tkomst"):  # in any letter's case
        found = client.get(f"/api/v1/tasks?{query}", headers=bearer(secret)).get_json()["sections"]["drafts"]
        assert found["total"] == 3, query
        page = client.get(f"/api/v1/tasks/drafts?{query}&page=1", headers=bearer(secret)).get_json()
        assert [i["assessment_id"] for i in page["items"]] == [i["assessment_id"] for i in found["items"]]
    # on a day before every date of the demo, one draft with a question due the day before is all that is late
    import datetime as dt

    from assess.models import Answer

    client.application.config["TODAY"] = dt.date(2001, 1, 1)
    assert client.get("/api/v1/tasks?overdue=1", headers=bearer(secret)).get_json()["sections"]["drafts"]["total"] == 0
    target = draft_of("arkitekt")
    answer = db.session.scalar(select(Answer).where(Answer.assessment_id == target.id).order_by(Answer.id))
    assert answer is not None
    answer.value, answer.unknown_due = "unknown", dt.date(2000, 12, 31)
    db.session.commit()
    late = client.get("/api/v1/tasks?overdue=true", headers=bearer(secret)).get_json()["sections"]
    assert [i["assessment_id"] for i in late["drafts"]["items"]] == [target.id]
    too_long = client.get("/api/v1/tasks?q=" + "x" * 201, headers=bearer(secret))
    assert too_long.status_code == 422
    assert "q" in too_long.get_json()["fields"]
    misspelt = client.get("/api/v1/tasks/drafts?sok=x", headers=bearer(secret))
    assert misspelt.status_code == 422
    assert "sok" in misspelt.get_json()["fields"]
    assert client.get("/api/v1/tasks?overdue=maybe", headers=bearer(secret)).status_code == 422


def test_bad_input_is_named_per_field_in_the_reader_s_language(client: FlaskClient, demo: dict[str, int]) -> None:
    secret = make_token("arkitekt")
    draft = draft_of("arkitekt")
    for language, limit, unknown, whole in (
        ("sv", "Får vara högst 100.", "Okänt fält.", "Måste vara ett heltal."),
        ("en", "Must be at most 100.", "Unknown field.", "Must be a whole number."),
    ):
        headers = bearer(secret, **{"Accept-Language": language})
        body = client.get("/api/v1/cases?per_page=101&sort=x", headers=headers).get_json()
        assert body["fields"] == {"per_page": limit, "sort": unknown}
        assert body["problems"] == [f"per_page: {limit}", f"sort: {unknown}"]
        page = client.get("/api/v1/tasks/drafts?page=två", headers=headers).get_json()
        assert page["fields"] == {"page": whole}
        etag = client.get(f"/api/v1/assessments/{draft.id}", headers=headers).headers["ETag"]
        comment = client.post(
            f"/api/v1/assessments/{draft.id}/comments", json={"text": 5}, headers={**headers, "If-Match": etag}
        )
        assert comment.status_code == 422
        assert comment.get_json()["fields"]["text"] == ("Måste vara text." if language == "sv" else "Must be text.")
