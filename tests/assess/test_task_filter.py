"""*Mina uppgifter* searched and filtered: a text in the case, alternative or module, and only what is late."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from assess.extensions import db
from assess.models import Answer
from assess.services import review_queries
from tests.assess.helpers import demo_users, load_demo
from tests.conftest import csrf_token, login_as

TODAY = dt.date(2026, 12, 6)


@pytest.fixture
def jurist_world(app: Flask, client: FlaskClient) -> dict[str, Any]:
    """The demo, with every answer of A, B and C unknown and picked for the legal reviewer: A's were due
    yesterday (late), B's are due next month, C's have no date."""
    app.config["TODAY"] = TODAY
    ids = load_demo(app)
    users = demo_users()
    jurist = users["jurist"]
    due = {ids["A"]: TODAY - dt.timedelta(days=1), ids["B"]: TODAY + dt.timedelta(days=30), ids["C"]: None}
    for row in db.session.scalars(select(Answer).where(Answer.assessment_id.in_(list(due)))):
        row.value, row.assignee_user_id, row.unknown_due = "unknown", jurist.id, due[row.assessment_id]
    db.session.commit()
    login_as(client, jurist)
    per_module = {key: len(_questions_of(jurist, ids[key])) for key in ("A", "B", "C")}
    assert all(n > 0 for n in per_module.values())
    assert per_module["A"] > 20, "A's questions fill more than a page"
    whole = len(review_queries.my_open_questions(jurist))  # the D modules' by the team's default too
    return {"ids": ids, "users": users, "per_module": per_module, "whole": whole}


def _questions_of(user: Any, assessment_id: int) -> list[Any]:
    return [q for q in review_queries.my_open_questions(user) if q.assessment_id == assessment_id]


def _section(page: str, anchor: str) -> str:
    return page.split(f'id="{anchor}"', 1)[1].split("</section>", 1)[0]


def _count(section: str) -> int:
    heading = section.split("</h2>", 1)[0]
    found = re.search(r"\((\d+)\)", heading)
    assert found is not None, heading
    return int(found.group(1))


def _listed_modules(section: str) -> set[int]:
    return {int(n) for n in re.findall(r'href="/bedomningar/(\d+)\?steg=', section)}


def test_a_search_narrows_every_list_to_the_cases_alternatives_and_modules_it_names(
    client: FlaskClient, jurist_world: dict[str, Any]
) -> None:
    ids, per_module = jurist_world["ids"], jurist_world["per_module"]
    whole = client.get("/mina-uppgifter").get_data(as_text=True)
    assert _count(_section(whole, "t-unknowns")) == jurist_world["whole"]
    assert "Rensa filtren" not in whole
    assert 'id="task-filter-status"' not in whole

    # the alternative's name, in any letter's case
    for typed in ("oracle", "ORACLE CLOUD", "Oracle/Millennium"):
        page = client.get("/mina-uppgifter", query_string={"sok": typed}).get_data(as_text=True)
        unknowns = _section(page, "t-unknowns")
        assert _count(unknowns) == per_module["A"], typed
        assert _listed_modules(unknowns) == {ids["A"]}, typed
        assert 'id="task-filter-status"' in page
        assert 'href="/mina-uppgifter">Rensa filtren</a>' in page
        assert f'value="{typed}"' in page  # the search box keeps what was typed
    # the case's title matches every module of the case: all three listed
    everything = _section(client.get("/mina-uppgifter?sok=V%C3%85RDINFORMATION").get_data(as_text=True), "t-unknowns")
    assert _count(everything) == jurist_world["whole"]
    # the default module by its name in the reader's language: A, B and C are "Hela alternativet" (the whole
    # alternative); the D modules have names of their own
    for typed, language in (("hela alternativet", "sv"), ("WHOLE ALTERNATIVE", "en")):
        client.post("/sprak", data={"lang": language, "csrf_token": csrf_token(client, "/mina-uppgifter")})
        found = _section(
            client.get("/mina-uppgifter", query_string={"sok": typed}).get_data(as_text=True), "t-unknowns"
        )
        assert _count(found) == sum(per_module.values()), typed
    client.post("/sprak", data={"lang": "sv", "csrf_token": csrf_token(client, "/mina-uppgifter")})
    # a text found nowhere: each list says that nothing matches, not that nothing waits
    nothing = client.get("/mina-uppgifter?sok=finns-inte").get_data(as_text=True)
    assert _count(_section(nothing, "t-unknowns")) == 0
    assert "Inget matchar filtret." in _section(nothing, "t-unknowns")
    assert "Inga okända svar står på dig." not in nothing
    # % and _ are themselves, not wildcards
    assert _count(_section(client.get("/mina-uppgifter?sok=%25").get_data(as_text=True), "t-unknowns")) == 0


def test_only_late_keeps_the_questions_past_their_date_and_the_pages_keep_the_filter(
    client: FlaskClient, jurist_world: dict[str, Any]
) -> None:
    ids, per_module = jurist_world["ids"], jurist_world["per_module"]
    page = client.get("/mina-uppgifter?forsenat=y").get_data(as_text=True)
    unknowns = _section(page, "t-unknowns")
    assert _count(unknowns) == per_module["A"]  # B's are due next month, C's have no date
    assert _listed_modules(unknowns) == {ids["A"]}
    assert unknowns.count("<li") - unknowns.count('<li aria-hidden="true">') - _pager_items(unknowns) == 20
    assert unknowns.count('class="overdue"') == 20  # each listed question is marked late
    assert 'id="forsenat" name="forsenat" value="y" checked' in page
    # the next page of the filtered list keeps the filter
    links = re.findall(r'href="([^"]*sida_fragor=2[^"]*)"', unknowns)
    assert links
    assert all("forsenat=y" in link for link in links)
    second = _section(client.get(links[0].replace("&amp;", "&")).get_data(as_text=True), "t-unknowns")
    assert _listed_modules(second) == {ids["A"]}
    # both at once: late and in B's alternative is nothing
    both = client.get("/mina-uppgifter?forsenat=y&sok=nordisk").get_data(as_text=True)
    assert _count(_section(both, "t-unknowns")) == 0
    later = client.get("/mina-uppgifter?sok=nordisk").get_data(as_text=True)
    assert _count(_section(later, "t-unknowns")) == per_module["B"]


def _pager_items(section: str) -> int:
    """Return the <li> of the section's pagers (not items of the list)."""
    return sum(nav.count("<li") for nav in re.findall(r'<nav class="pager".*?</nav>', section, re.S))


def test_a_search_too_long_is_named_and_narrows_nothing(client: FlaskClient, jurist_world: dict[str, Any]) -> None:
    response = client.get("/mina-uppgifter", query_string={"sok": "x" * 201})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'aria-invalid="true" aria-describedby="sok-error"' in page
    assert 'id="sok-error"' in page
    assert "200" in page.split('id="sok-error"', 1)[1].split("</p>", 1)[0]  # says the limit
    assert _count(_section(page, "t-unknowns")) == jurist_world["whole"]


def test_the_reviewer_queue_is_searched_by_module_and_only_late_keeps_a_module_with_a_late_question(
    app: Flask, client: FlaskClient
) -> None:
    from tests.assess.test_review_queries import submit_every_module

    app.config["TODAY"] = TODAY
    ids = load_demo(app)
    users = demo_users()
    # D3 has an open question that was due three days ago (set while it is a draft)
    row = db.session.scalar(select(Answer).where(Answer.assessment_id == ids["D3"]).order_by(Answer.id))
    assert row is not None
    row.value, row.unknown_due = "unknown", TODAY - dt.timedelta(days=3)
    db.session.commit()
    submitted = {a.id for a in submit_every_module(users["arkitekt"])}
    db.session.commit()
    login_as(client, users["infosak"])
    whole = _section(client.get("/mina-uppgifter").get_data(as_text=True), "t-review")
    queue = _review_modules(whole)
    assert ids["D3"] in queue
    assert len(queue) >= 2, "the demo's people leave more than D3 waiting for information security"
    assert queue <= submitted
    only = _section(client.get("/mina-uppgifter?sok=PSEUDONYMISERADE").get_data(as_text=True), "t-review")
    assert _review_modules(only) == {ids["D3"]}
    assert _count(only) == 1
    late = client.get("/mina-uppgifter?forsenat=y").get_data(as_text=True)
    assert _review_modules(_section(late, "t-review")) == {ids["D3"]}
    assert "försenad" in _section(late, "t-review")  # its mark says why it is listed


def _review_modules(section: str) -> set[int]:
    return {int(n) for n in re.findall(r'href="/bedomningar/(\d+)/granskning"', section)}
