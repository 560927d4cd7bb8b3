"""The history page says each event in words: the same words however many events share a page.

history_rows writes each value and field name once per page (a memo) and reads the events as selected columns;
these tests compare it with each event written on its own from the loaded AuditEvent objects.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale
from sqlalchemy import select

from assess.extensions import db
from assess.models import Assessment, AuditEvent, User
from assess.services import review_queries as queries
from assess.services.evaluation import ruleset_for
from assess.views import review
from tests.assess.helpers import approve_use, load_demo, page_form, submit_and_approve
from tests.conftest import login_as


@pytest.fixture
def d2(app: Flask, client: FlaskClient) -> int:
    ids = load_demo(app)
    users = {u.username: u for u in db.session.scalars(select(User))}
    login_as(client, users["admin"])
    # Two saves of the legal step: the same question changed twice, a level and a reference (with markup) set.
    url = f"/bedomningar/{ids['D2']}?steg=legal"
    for level, ref in (("E3", "Avtal bilaga 7"), ("E2", "Avtal bilaga 8 <b>")):
        posted = page_form(client, url)
        for name in [n for n in sorted(posted) if n.endswith("_evidence")][:3]:
            posted[name] = level
            posted[name.removesuffix("_evidence") + "_ref"] = ref
        assert client.post(url, data=posted).status_code in (302, 303)
    # The same level on two questions whose levels are named differently (G-09: "2 Betydande", S-12: "2
    # Dokumenterad"): a value is said by its question.
    forms = {step: page_form(client, f"/bedomningar/{ids['D2']}?steg={step}") for step in ("context", "infosec")}
    level = next(v for v in "1234" if v not in (forms["context"].get("q_G-09"), forms["infosec"].get("q_S-12")))
    was = {step: dict(form) for step, form in forms.items()}
    for step, name in (("context", "q_G-09"), ("infosec", "q_S-12")):
        forms[step][name] = level
        assert client.post(f"/bedomningar/{ids['D2']}?steg={step}", data=forms[step]).status_code in (302, 303)
    for step, name in (("context", "q_G-09"), ("infosec", "q_S-12")):  # back, so that the module can be decided
        posted = {**page_form(client, f"/bedomningar/{ids['D2']}?steg={step}"), name: was[step][name]}
        assert client.post(f"/bedomningar/{ids['D2']}?steg={step}", data=posted).status_code in (302, 303)
    assessment = db.session.get(Assessment, ids["D2"])
    assert assessment is not None
    submit_and_approve(assessment, users)
    approve_use(assessment, users, date.today())
    db.session.commit()
    return ids["D2"]


def _question(event: Any) -> str | None:
    for side in (event.after, event.before):
        if isinstance(side, dict) and isinstance(side.get("question"), str):
            return str(side["question"])
    return None


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_each_event_is_said_as_it_is_said_on_its_own(app: Flask, d2: int, lang: str) -> None:
    # The test's app context (and Flask-Babel's choice on it) outlives the request: the language is forced.
    with app.test_request_context(), force_locale(lang):
        assessment, listing = queries.history(d2)
        loaded = list(
            db.session.scalars(select(AuditEvent).where(AuditEvent.assessment_id == d2).order_by(AuditEvent.id))
        )
        assert len(listing.events) == len(loaded) > 10
        rows = review.history_rows(assessment, listing.events)
        ruleset = ruleset_for(assessment)
        # Each event on its own, with an empty memo, from the loaded object.
        alone = [review._changes(event, ruleset, _question(event)) for event in loaded]
        assert [row.changes for row in rows] == alone
        assert rows == review.history_rows(assessment, loaded)
        said = [f"{c.label}: {c.before} -> {c.after}" for row in rows for c in row.changes]
    # What the saves changed, in the reader's language: the level from E3 to E2, the reference from one to the other.
    level = "Underlag" if lang == "sv" else "Evidence"
    assert any(s.startswith(level) and "E3" in s.split("->")[0] and "E2" in s.split("->")[1] for s in said), said
    assert any("Avtal bilaga 7 -> Avtal bilaga 8" in s for s in said), said
    with app.test_request_context(), force_locale(lang):
        ruleset = ruleset_for(assessment)
        level = next(int(v) for v in "1234" if f"-> {v} " in " ".join(said))
        for qid in ("G-09", "S-12"):
            named = ruleset.by_id[qid].label(level, lang)
            assert any(s.endswith(f"-> {named}") for s in said), (qid, named)


def test_the_history_page_shows_the_changes(client: FlaskClient, d2: int) -> None:
    page = client.get(f"/bedomningar/{d2}/historik").get_data(as_text=True)
    assert "Avtal bilaga 7 till Avtal bilaga 8 &lt;b&gt;" in page  # what a user typed, escaped
    assert "bilaga 8 <b>" not in page
    assert page.count('<ul class="history__changes">') > 5
