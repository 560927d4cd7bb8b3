"""Reviews in place (issue 12): the reviewers' comments and requested changes at the questions of the questionnaire."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from assess.extensions import db
from assess.models import Assessment, AssessmentStatus, ReviewComment, User
from assess.services import review as review_service
from assess.services import workflow
from assess.services.review_in_place import questionnaire_review
from tests.assess.helpers import count_queries, demo_users, load_demo
from tests.conftest import login_as

QUESTION = "L-05"
COMMENT = "L-05: bifoga underbiträdesbilagan <b>före</b> beslut."
REASON = "Bifoga avtalet med bilagorna."
GENERAL = "Hela bedömningen: ange vilken region tjänsten driftas i."


@pytest.fixture
def changes_requested(app: Flask) -> dict[str, Any]:
    """D2 submitted; the legal reviewer comments on L-05 and on the whole assessment, then asks for changes."""
    ids = load_demo(app)
    users = demo_users()
    d2 = db.session.get(Assessment, ids["D2"])
    assert d2 is not None
    workflow.submit(d2, users["arkitekt"])
    comment = review_service.add_comment(d2, users["jurist"], COMMENT, QUESTION)
    general = review_service.add_comment(d2, users["jurist"], GENERAL)
    review_service.request_changes(d2, users["jurist"], "legal", REASON)
    db.session.commit()
    return {"id": d2.id, "users": users, "comment": comment.id, "general": general.id}


def _url(assessment_id: int, step: str = "legal") -> str:
    return f"/bedomningar/{assessment_id}?steg={step}"


def _question_block(html: str, qid: str) -> str:
    """Return the HTML of one question of the questionnaire (its `#q-<id>` block, up to the next question)."""
    start = html.index(f'id="q-{qid}"')
    following = re.compile(r'<div class="question[ "]').search(html, start)
    return html[start : following.start() if following else len(html)]


def _questionnaire_form(html: str) -> str:
    start = html.index('<form id="questionnaire"')
    return html[start : html.index("</form>", start)]


def _form(html: str, form_id: str) -> tuple[str, dict[str, str]]:
    """Return a form's action and its hidden fields, by the form's id."""
    match = re.search(rf'<form id="{re.escape(form_id)}"[^>]*action="([^"]+)"[^>]*>(.*?)</form>', html, re.S)
    assert match, f"no form #{form_id}"
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', match.group(2)))
    return match.group(1), fields


def test_the_architect_sees_the_comment_at_its_question_and_the_banner_with_the_reason(
    client: FlaskClient, changes_requested: dict[str, Any]
) -> None:
    d2 = changes_requested["id"]
    login_as(client, changes_requested["users"]["arkitekt"])
    html = client.get(_url(d2)).get_data(as_text=True)

    block = _question_block(html, QUESTION)
    assert f'aria-label="Granskarens kommentar till {QUESTION}"' in block
    assert "Granskarens kommentar</h4>" in block
    assert "L-05: bifoga underbiträdesbilagan &lt;b&gt;före&lt;/b&gt; beslut." in block  # printed literally
    assert "Johan Jurist" in block
    # The reply's text and button are tied to a form of their own outside the questionnaire's form.
    reply = f"reply-{changes_requested['comment']}"
    assert f'form="{reply}"' in block
    assert "<form" not in _questionnaire_form(html)[1:]

    banner = html[html.index('id="review-banner"') : html.index('<div class="questionnaire-layout"')]
    assert "Ändringar begärda" in banner
    assert REASON in banner
    assert "Juridik, Johan Jurist" in banner
    assert f'href="/bedomningar/{d2}?steg=legal#q-{QUESTION}"' in banner
    assert GENERAL in banner  # the comment on the whole assessment is shown there
    action, fields = _form(html, reply)
    assert action == f"/bedomningar/{d2}/kommentarer"
    assert fields["csrf_token"]
    start = re.search(r'<form method="post" action="/bedomningar/\d+/ateruppta"[^>]*>(.*?)</form>', banner, re.S)
    assert start, "no 'Börja ändra' form"
    assert "Börja ändra" in start.group(1)
    assert 'name="csrf_token" value="' in start.group(1)


def test_a_reply_from_the_questionnaire_is_stored_and_lands_back_at_the_question(
    client: FlaskClient, changes_requested: dict[str, Any]
) -> None:
    d2, parent = changes_requested["id"], changes_requested["comment"]
    architect = changes_requested["users"]["arkitekt"]
    login_as(client, architect)
    html = client.get(_url(d2)).get_data(as_text=True)
    action, fields = _form(html, f"reply-{parent}")

    response = client.post(action, data={**fields, "text": "Bilagan är bifogad i avtalsbilaga 3."})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/bedomningar/{d2}?steg=legal#q-{QUESTION}"
    reply = db.session.scalar(select(ReviewComment).where(ReviewComment.parent_id == parent))
    assert reply is not None
    assert (reply.question_id, reply.author_id, reply.text) == (
        QUESTION,
        architect.id,
        "Bilagan är bifogad i avtalsbilaga 3.",
    )

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Kommentaren är sparad." in page
    block = _question_block(page, QUESTION)
    assert "Bilagan är bifogad i avtalsbilaga 3." in block
    assert 'class="thread thread--replies"' in block


def test_a_reply_to_the_general_comment_lands_back_at_the_banner(
    client: FlaskClient, changes_requested: dict[str, Any]
) -> None:
    d2, parent = changes_requested["id"], changes_requested["general"]
    login_as(client, changes_requested["users"]["arkitekt"])
    action, fields = _form(client.get(_url(d2)).get_data(as_text=True), f"reply-{parent}")
    response = client.post(action, data={**fields, "text": "Sverige, två datacenter."})
    assert response.headers["Location"] == f"/bedomningar/{d2}?steg=legal#review-banner"
    reply = db.session.scalar(select(ReviewComment).where(ReviewComment.parent_id == parent))
    assert reply is not None
    assert reply.question_id is None


def test_an_empty_reply_stores_nothing_and_says_why(client: FlaskClient, changes_requested: dict[str, Any]) -> None:
    d2, parent = changes_requested["id"], changes_requested["comment"]
    login_as(client, changes_requested["users"]["arkitekt"])
    action, fields = _form(client.get(_url(d2)).get_data(as_text=True), f"reply-{parent}")
    response = client.post(action, data={**fields, "text": "  "})
    assert response.status_code == 400
    assert "Skriv en kommentar." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ReviewComment.id)).where(ReviewComment.parent_id == parent)) == 0


def test_a_reply_without_the_csrf_token_is_refused(client: FlaskClient, changes_requested: dict[str, Any]) -> None:
    d2, parent = changes_requested["id"], changes_requested["comment"]
    login_as(client, changes_requested["users"]["arkitekt"])
    action, fields = _form(client.get(_url(d2)).get_data(as_text=True), f"reply-{parent}")
    fields.pop("csrf_token")
    response = client.post(action, data={**fields, "text": "Utan token."})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(ReviewComment.id)).where(ReviewComment.parent_id == parent)) == 0


def test_borja_andra_reopens_and_returns_to_the_questionnaire(
    client: FlaskClient, changes_requested: dict[str, Any]
) -> None:
    d2 = changes_requested["id"]
    login_as(client, changes_requested["users"]["arkitekt"])
    html = client.get(_url(d2)).get_data(as_text=True)
    start = re.search(r'<form method="post" action="(/bedomningar/\d+/ateruppta)"[^>]*>(.*?)</form>', html, re.S)
    assert start
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', start.group(2)))
    response = client.post(start.group(1), data=fields)
    assert response.status_code == 302
    assert response.headers["Location"] == _url(d2)
    db.session.expire_all()
    assert db.session.get(Assessment, d2).status == AssessmentStatus.DRAFT  # type: ignore[union-attr]
    # A draft now: the questions can be answered, and what was asked stays at the top (without the button).
    page = client.get(_url(d2)).get_data(as_text=True)
    assert "Bedömningen är ett utkast igen" in page
    assert REASON in page
    assert "Börja ändra" not in page
    assert COMMENT.replace("<b>", "&lt;b&gt;").replace("</b>", "&lt;/b&gt;") in _question_block(page, QUESTION)


@pytest.mark.parametrize("target", ["https://evil.example/bedomningar/1", "//evil.example/", "/arenden"])
def test_a_next_that_is_not_this_questionnaire_goes_to_the_review_page(
    client: FlaskClient, changes_requested: dict[str, Any], target: str
) -> None:
    d2 = changes_requested["id"]
    login_as(client, changes_requested["users"]["arkitekt"])
    action, fields = _form(client.get(_url(d2)).get_data(as_text=True), f"reply-{changes_requested['comment']}")
    response = client.post(action, data={**fields, "next": target, "text": "Svar."})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/bedomningar/{d2}/granskning"


def test_a_viewer_sees_the_thread_but_no_reply_form(client: FlaskClient, changes_requested: dict[str, Any]) -> None:
    d2 = changes_requested["id"]
    login_as(client, changes_requested["users"]["lasare"])
    html = client.get(_url(d2)).get_data(as_text=True)
    block = _question_block(html, QUESTION)
    assert "L-05: bifoga underbiträdesbilagan" in block
    assert 'form="reply-' not in html
    assert 'id="reply-' not in html
    assert "Skicka svar" not in html
    assert REASON in html
    assert "Börja ändra" not in html


def test_the_questionnaire_reads_the_review_in_a_fixed_number_of_queries(
    app: Flask, client: FlaskClient, changes_requested: dict[str, Any]
) -> None:
    d2 = changes_requested["id"]
    users: dict[str, User] = changes_requested["users"]
    login_as(client, users["arkitekt"])
    client.get(_url(d2))  # warm: whatever is loaded once per process

    with count_queries(app) as few:
        assert client.get(_url(d2)).status_code == 200
    assessment = db.session.get(Assessment, d2)
    assert assessment is not None
    authors = [users["jurist"], users["arkitekt"], users["infosak"], users["beslutsfattare"]]
    for i in range(28):  # 30 in all: on questions of every area, replies, and the whole assessment
        parent = changes_requested["comment"] if i % 3 == 0 else None
        question = None if i % 7 == 0 else ("L-05", "L-01", "S-01", "G-01")[i % 4]
        review_service.add_comment(assessment, authors[i % 4], f"Kommentar {i}", question, parent)
    db.session.commit()
    with count_queries(app) as many:
        page = client.get(_url(d2)).get_data(as_text=True)
    assert '<p class="comment__text">Kommentar 1</p>' in _question_block(page, "L-01")
    assert len(many) == len(few), "\n".join(many)


def test_the_review_in_place_groups_replies_under_their_thread_in_order(changes_requested: dict[str, Any]) -> None:
    users = changes_requested["users"]
    assessment = db.session.get(Assessment, changes_requested["id"])
    assert assessment is not None
    first = review_service.add_comment(assessment, users["arkitekt"], "Svar 1", None, changes_requested["comment"])
    review_service.add_comment(assessment, users["jurist"], "Svar på svaret", None, first.id)
    db.session.commit()
    review = questionnaire_review(assessment)
    (thread,) = review.threads[QUESTION]
    assert thread.comment.text == COMMENT
    assert [(r.author, r.text) for r in thread.replies] == [
        ("Anna Arkitekt", "Svar 1"),
        ("Johan Jurist", "Svar på svaret"),
    ]
    assert [t.comment.text for t in review.general] == [GENERAL]
    assert review.comments_at(QUESTION) == 3
    assert review.changes_requested
    ((request,),) = [review.change_requests]
    assert (request.reviewer, request.area, request.reason) == ("Johan Jurist", "juridik", REASON)
    assert thread.comment.at.tzinfo is not None  # UTC, shown in Stockholm time
    assert request.at.tzinfo is not None
