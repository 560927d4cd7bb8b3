"""Paged, searchable lists and task lists selected in SQL: what a user sees on page 1, page 2 and with filters."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from assess.extensions import db
from assess.models import Answer, Assessment, AuditEvent, CaseContact, EvaluationSummary
from assess.services import cases as case_service
from assess.services import review_queries
from tests import factories
from tests.assess.helpers import demo_users, load_demo
from tests.conftest import login_as


@pytest.fixture
def demo(app: Flask) -> dict[str, Any]:
    return {"ids": load_demo(app), "users": demo_users()}


def _rows(html: str) -> list[str]:
    """Return the case titles listed in the case table, in order."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return re.findall(r'<th scope="row"><a href="/arenden/\d+">([^<]*)</a>', body)


def _items(section: str) -> int:
    """Return how many items the section's task list shows (the pager's links are not items)."""
    return section.split('<ul class="task-list">', 1)[1].split("</ul>", 1)[0].count("<li>")


def test_the_case_list_is_paged_newest_first_and_keeps_the_filters_in_its_links(
    client: FlaskClient, demo: dict[str, Any]
) -> None:
    architect = demo["users"]["arkitekt"]
    for n in range(case_service.PAGE_SIZE + 4):
        factories.create_case(f"Tjänst {n:03d}")
    db.session.commit()
    login_as(client, architect)
    first = client.get("/arenden").get_data(as_text=True)
    titles = _rows(first)
    assert len(titles) == case_service.PAGE_SIZE
    assert titles[0] == "Tjänst 053"  # newest first
    assert "Sida 1 av 2" in first
    second = client.get("/arenden?sida=2").get_data(as_text=True)
    rest = _rows(second)
    assert len(rest) == 5
    assert set(rest).isdisjoint(titles)
    assert 'aria-current="page">2<' in second
    searched = client.get("/arenden?sok=tj%C3%A4nst+00").get_data(as_text=True)
    assert sorted(_rows(searched)) == [f"Tjänst 00{n}" for n in range(10)]
    assert "10 ärenden matchar." in searched
    # the search ignores case in every letter, not in ASCII alone (SQLite's own lower() folds A-Z only)
    factories.create_case("Ärende Östra Vårdcentralen")
    db.session.commit()
    for typed in ("ärende östra", "ÄRENDE ÖSTRA VÅRD", "vårdcentralen"):
        assert _rows(client.get("/arenden", query_string={"sok": typed}).get_data(as_text=True)) == [
            "Ärende Östra Vårdcentralen"
        ], typed
    # a search for a percent sign or an underscore finds those characters, not everything
    assert _rows(client.get("/arenden?sok=%25").get_data(as_text=True)) == []
    assert _rows(client.get("/arenden?sok=_").get_data(as_text=True)) == []


def test_the_case_list_filters_by_the_verdict_of_its_modules_and_says_why_a_filter_is_refused(
    client: FlaskClient, demo: dict[str, Any]
) -> None:
    factories.create_case("Ett ärende utan bedömningar")
    db.session.commit()
    login_as(client, demo["users"]["lasare"])
    every = _rows(client.get("/arenden").get_data(as_text=True))
    assert len(every) == 2
    not_suitable = client.get("/arenden?utfall=not_suitable").get_data(as_text=True)
    assert len(_rows(not_suitable)) == 1
    assert "Ett ärende utan bedömningar" not in _rows(not_suitable)
    assert "Ej lämplig" in not_suitable.split("<tbody>", 1)[1]
    assert _rows(client.get("/arenden?utfall=suitable").get_data(as_text=True)) == []
    refused = client.get("/arenden?utfall=nonsense&sida=x&status=%00")
    assert refused.status_code == 200
    html = refused.get_data(as_text=True)
    assert "Välj ett av alternativen i listan." in html
    assert len(_rows(html)) == 2  # a refused filter is not applied


def _case_table(html: str) -> str:
    return html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


def test_the_case_list_shows_the_same_verdicts_and_marks_when_summaries_were_lost_or_stale(
    client: FlaskClient, demo: dict[str, Any]
) -> None:
    """Summaries deleted or made stale outside the app: the case list computes them again and shows each case's
    row as before; a question that became late shows its mark on its own case's row only."""
    from datetime import date, timedelta

    from sqlalchemy import delete, update

    ids = demo["ids"]
    login_as(client, demo["users"]["arkitekt"])
    before = _case_table(client.get("/arenden").get_data(as_text=True))
    assert "verdict--" in before
    verdict = db.session.scalar(select(EvaluationSummary.verdict).where(EvaluationSummary.assessment_id == ids["A"]))
    assert verdict is not None
    wrong = "not_suitable" if verdict != "not_suitable" else "suitable"
    db.session.execute(delete(EvaluationSummary).where(EvaluationSummary.assessment_id != ids["A"]))
    # A's summary stale, with a verdict it does not have: shown as stored, the row would differ
    db.session.execute(update(EvaluationSummary).values(cache_key="0:stale:0", verdict=wrong))
    db.session.commit()
    assert _case_table(client.get("/arenden").get_data(as_text=True)) == before
    assert "Uppgift försenad" not in before
    rows = db.session.scalars(select(Answer).where(Answer.assessment_id == ids["A"]).order_by(Answer.id))
    unknown = next(r for r in rows if r.value == "unknown")
    unknown.unknown_due = date.today() - timedelta(days=3)
    db.session.commit()
    a = db.session.get(Assessment, ids["A"])
    assert a is not None
    after = _case_table(client.get("/arenden").get_data(as_text=True))
    marked = [row for row in after.split("<tr>") if "Uppgift försenad (1)" in row]
    assert len(marked) == 1
    assert f'href="/arenden/{a.alternative.case_id}"' in marked[0]


def test_a_saved_answer_moves_its_case_between_the_verdict_filters_at_once(
    client: FlaskClient, demo: dict[str, Any]
) -> None:
    """The stored summary is written with the save: the list never shows the verdict from before it."""
    ids = demo["ids"]
    d2 = db.session.get(Assessment, ids["D2"])
    assert d2 is not None
    summary = db.session.get(EvaluationSummary, d2.id)
    assert summary is not None
    assert summary.cache_key.startswith(f"{d2.version}:")
    before = summary.verdict
    row = db.session.scalar(select(Answer).where(Answer.assessment_id == d2.id, Answer.question_id == "L-01"))
    assert row is not None
    row.value = "unknown"  # a write through the ORM (as the services write) refreshes the summary in its commit
    db.session.commit()
    summary = db.session.get(EvaluationSummary, d2.id)
    assert summary is not None
    assert summary.verdict != before
    assert summary.cache_key.startswith(f"{d2.version}:")


def test_tasks_list_a_page_of_each_list_with_the_whole_count_and_a_link_to_the_next(
    client: FlaskClient, demo: dict[str, Any]
) -> None:
    users, ids = demo["users"], demo["ids"]
    jurist = users["jurist"]
    picked = list(db.session.scalars(select(Answer).where(Answer.assessment_id.in_([ids["A"], ids["B"], ids["C"]]))))
    for row in picked:
        row.value, row.assignee_user_id = "unknown", jurist.id
    db.session.commit()
    mine = review_queries.my_open_questions(jurist)
    assert len(mine) >= len(picked) > 20
    login_as(client, jurist)
    page = client.get("/mina-uppgifter").get_data(as_text=True)
    section = page.split('id="t-unknowns"', 1)[1].split("</section>", 1)[0]
    assert f"({len(mine)})" in section.split("</h2>", 1)[0]
    assert _items(section) == 20
    assert "sida_fragor=2" in section
    second = client.get("/mina-uppgifter?sida_fragor=2").get_data(as_text=True)
    section2 = second.split('id="t-unknowns"', 1)[1].split("</section>", 1)[0]
    first_ids = set(re.findall(r"#q-([A-Z]-\d+)\"", section))
    assert _items(section2) == min(20, len(mine) - 20)
    assert re.findall(r"/bedomningar/(\d+)\?steg=\w+#q-([A-Z]-\d+)", section2) != re.findall(
        r"/bedomningar/(\d+)\?steg=\w+#q-([A-Z]-\d+)", section
    )
    assert first_ids  # the first page listed questions by their ids
    # A link to a page past the end (the list shrank since it was made) shows the last page, with the whole count.
    last = -(-len(mine) // 20)
    beyond = client.get(f"/mina-uppgifter?sida_fragor={last + 5}").get_data(as_text=True)
    section3 = beyond.split('id="t-unknowns"', 1)[1].split("</section>", 1)[0]
    assert f"({len(mine)})" in section3.split("</h2>", 1)[0]
    assert _items(section3) == len(mine) - 20 * (last - 1)


def test_the_architect_follows_up_the_questions_the_vendors_contacts_hold(
    client: FlaskClient, demo: dict[str, Any]
) -> None:
    """Olivia Ek (A's contact) holds A's open provider questions by the team's default; one is picked for her."""
    ids = demo["ids"]
    contact = db.session.scalar(select(CaseContact).where(CaseContact.name.like("Olivia%")))
    assert contact is not None
    rows = list(db.session.scalars(select(Answer).where(Answer.assessment_id == ids["A"])))
    unknown = [r for r in rows if r.value == "unknown"]
    assert unknown
    picked = unknown[0]
    picked.assignee_contact_id = contact.id
    db.session.commit()
    login_as(client, demo["users"]["arkitekt"])
    page = client.get("/mina-uppgifter").get_data(as_text=True)
    assert "Frågor som leverantörens kontakter ska ta reda på" in page
    section = page.split('id="t-contact-unknowns"', 1)[1].split("</section>", 1)[0]
    item = section.split(f'id="task-contact-q-{picked.id}"', 1)[1].split("</li>", 1)[0]
    assert f"#q-{picked.question_id}" in item
    assert contact.label in item
    assert "ärendets förval" not in item
    assert "ärendets förval" in section  # the questions she holds by the team's default are listed too
    login_as(client, demo["users"]["lasare"])
    assert "Frågor som leverantörens kontakter" not in client.get("/mina-uppgifter").get_data(as_text=True)


def _plan(query: Any) -> str:
    """Return SQLite's plan of a query, as its execution would run it (constants and parameters as sent)."""
    compiled = query.compile(db.engine, compile_kwargs={"render_postcompile": True})
    params = tuple(compiled.params[name] for name in compiled.positiontup or ())
    rows = db.session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", params)
    return "\n".join(str(row[-1]) for row in rows)


def test_the_team_default_and_contact_questions_are_read_through_their_partial_indexes(
    demo: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The unknowns nobody is picked for and those a contact holds are a few rows of the answers: each list's branch
    reads its partial index, so its cost follows those rows, not every answer of every module (issue 14)."""
    from assess.services import tasks

    users = demo["users"]
    legal = _plan(tasks.open_questions_query(users["jurist"]))
    assert "ix_answers_unassigned_unknown" in legal
    # the questions picked for the person: their own partial index, which holds all the list reads of them
    assert "COVERING INDEX ix_answers_picked_open" in legal
    region = _plan(tasks.open_questions_query(users["arkitekt"]))
    assert "ix_answers_unassigned_unknown" in region
    captured: list[Any] = []
    real = tasks.fetch_page

    def capture(query: Any, page: int) -> Any:
        captured.append(query)
        return real(query, page)

    monkeypatch.setattr(tasks, "fetch_page", capture)
    tasks.contact_questions(users["arkitekt"])
    contacts = _plan(captured[0])
    assert "ix_answers_contact_picked" in contacts
    assert "ix_answers_unassigned_unknown" in contacts


def test_the_reviewer_queue_walks_the_waiting_modules_in_one_index(demo: dict[str, Any]) -> None:
    """The queue reads every submitted and in-review module that is not the reviewer's own, in its order: from
    ix_assessments_queue alone, never the module's row, so that each waiting module costs an index entry (issue 14)."""
    from sqlalchemy import event

    from assess.services import tasks

    statements: list[tuple[str, Any]] = []

    def seen(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        tasks.to_review(demo["users"]["infosak"])
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    queue = [(s, p) for s, p in statements if "OVER ()" in s and "needs_infosec" in s]
    assert len(queue) == 1, [s for s, _p in statements]
    statement, parameters = queue[0]
    rows = db.session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
    plan = "\n".join(str(row[-1]) for row in rows)
    assert "SEARCH assessments USING COVERING INDEX ix_assessments_queue" in plan, plan


def test_a_late_question_is_found_in_the_open_questions_index(demo: dict[str, Any]) -> None:
    """Whether a module has a late question (the case list's mark and its *försenat* filter, the marks of *Mina
    uppgifter*) is a range in ix_answers_open_due, which holds only open questions with a date: not every answer
    with a date, each read to see whether it is still open (issue 14)."""
    from datetime import date

    from sqlalchemy import event

    from assess.services import team

    statements: list[tuple[str, Any]] = []

    def seen(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        if "unknown_due <" in statement:
            statements.append((statement, parameters))

    day = date(2030, 1, 1)
    ids = demo["ids"]
    rows = list(db.session.scalars(select(Answer).where(Answer.assessment_id == ids["A"]).order_by(Answer.id)))
    unknown = next(r for r in rows if r.value == "unknown")
    answered = next(r for r in rows if r.value not in (None, "unknown"))
    unknown.unknown_due = answered.unknown_due = date(2029, 12, 1)  # late; the answered one found out since
    db.session.commit()
    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        page = case_service.list_cases(today=day)
        case_service.list_cases(case_service.CaseFilter(overdue=True), today=day)
        late = team.overdue_question_assessment_ids(day, [a.id for a in db.session.scalars(select(Assessment))])
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert late == {ids["A"]}
    assert sum(row.late for row in page.rows.values()) == 1  # the list's mark: A's case, once
    # the rows' counts of both lists, the filtered list's count and page, the marks
    assert len(statements) == 5, [s for s, _p in statements]
    for statement, parameters in statements:
        rows = db.session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        plan = "\n".join(str(row[-1]) for row in rows)
        assert "SEARCH answers USING INDEX ix_answers_open_due" in plan, plan


def test_the_history_is_paged_oldest_first(client: FlaskClient, demo: dict[str, Any]) -> None:
    ids = demo["ids"]
    count = len(list(db.session.scalars(select(AuditEvent.id).where(AuditEvent.assessment_id == ids["A"]))))
    login_as(client, demo["users"]["lasare"])
    html = client.get(f"/bedomningar/{ids['A']}/historik").get_data(as_text=True)
    rows = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0].count("<tr>")
    assert rows == min(count, review_queries.HISTORY_PAGE)
    if count > review_queries.HISTORY_PAGE:
        assert "sida=2" in html
    assert client.get(f"/bedomningar/{ids['A']}/historik?sida=-4").status_code == 200


def test_summaries_refresh_fills_what_was_written_outside_the_app(app: Flask, demo: dict[str, Any]) -> None:
    from sqlalchemy import delete, func

    ids = demo["ids"]
    db.session.execute(delete(EvaluationSummary))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["summaries", "refresh", "--batch", "2"])
    assert result.exit_code == 0, result.output
    assert "Every summary is up to date." in result.output
    assert db.session.scalar(select(func.count()).select_from(EvaluationSummary)) == len(ids)
    d1 = db.session.get(EvaluationSummary, ids["D1"])
    assert d1 is not None
    assert d1.verdict == "not_suitable"
    assert d1.counts["knockouts"] >= 1


def contact_questions_as_the_team_says(user: Any) -> list[int]:
    """Return the answer ids of the architect's contact questions, found in Python from every row (the oracle of
    tasks.contact_questions): in an open module the architect owns, or in a case whose team has them as
    architect; picked for a contact and open, or an unknown nobody is picked for (and no free-text owner) of a
    question the provider answers, in a case with an active contact for the alternative (or for every
    alternative). Ordered as the list: earliest date first, no date last, then module and question."""
    from assess.models import CaseMember, TeamRole
    from assess.rulesets import registry
    from assess.services.team import OPEN_STATES

    provider = {qid for rs in registry().all() for qid, q in rs.by_id.items() if q.answered_by == "provider"}
    architect_of = {
        m.case_id
        for m in db.session.scalars(
            select(CaseMember).where(CaseMember.user_id == user.id, CaseMember.role == TeamRole.ARCHITECT)
        )
    }
    contacts = [c for c in db.session.scalars(select(CaseContact)) if c.active]
    found = []
    for answer in db.session.scalars(select(Answer)):
        module = answer.assessment
        case_id = module.alternative.case_id
        if module.status not in OPEN_STATES or not (module.owner_id == user.id or case_id in architect_of):
            continue
        open_value = answer.value is None or answer.value == "unknown"
        picked = answer.assignee_contact_id is not None and open_value
        by_default = (
            not answer.assignee_user_id
            and not answer.assignee_contact_id
            and answer.unknown_owner == ""
            and answer.value == "unknown"
            and answer.question_id in provider
            and any(c.case_id == case_id and c.alternative_id in (None, module.alternative_id) for c in contacts)
        )
        if picked or by_default:
            found.append(answer)
    found.sort(key=lambda a: (a.unknown_due is None, a.unknown_due or dt.date.min, a.assessment_id, a.question_id))
    return [a.id for a in found]


def check_contact_questions(users: dict[str, Any]) -> None:
    """Pick a contact for two of the demo's open questions (one in a module the architect neither owns nor has a
    team role in: a case of their own made for the test) and compare the architect's list with the oracle;
    flushed, never committed."""
    from assess.services import tasks

    architect = users["arkitekt"]
    contact = db.session.scalar(select(CaseContact).where(CaseContact.name.like("Olivia%")))
    assert contact is not None
    mine = [a for a in db.session.scalars(select(Answer).join(Assessment)) if a.value == "unknown"]
    assert len(mine) >= 2
    mine[0].assignee_contact_id = contact.id
    mine[1].assignee_contact_id = contact.id
    mine[1].unknown_due = dt.date(2026, 12, 24)
    other_case = factories.create_case(title="Ett ärende utan arkitekten")
    other = factories.create_assessment(factories.create_alternative(other_case), owner=users["jurist"])
    other_answer = Answer(assessment_id=other.id, question_id=mine[0].question_id, value="unknown")
    other_answer.assignee_contact_id = contact.id
    db.session.add(other_answer)
    db.session.flush()
    expected = contact_questions_as_the_team_says(architect)
    assert mine[0].id in expected
    assert mine[1].id in expected
    assert other_answer.id not in expected  # neither theirs nor in a case of theirs
    section, names = tasks.contact_questions(architect)
    assert section.total == len(expected)
    assert [u.answer.id for u in section] == expected[: tasks.TASK_PAGE]
    assert names[mine[1].id] == contact.label
    # a page past the end (the list shrank since the link was written) shows the last page: the count and the page
    # asked again, with the common table of the architect's modules in both statements
    last = -(-len(expected) // tasks.TASK_PAGE)
    beyond, _names = tasks.contact_questions(architect, page=last + 5)
    assert (beyond.page, beyond.total) == (last, len(expected))
    assert [u.answer.id for u in beyond] == expected[(last - 1) * tasks.TASK_PAGE :]


def test_the_architect_s_contact_questions_are_those_the_rows_say(demo: dict[str, Any]) -> None:
    """Every open question a contact holds in the architect's modules, picked or by the team's default, and no
    other: the list's SQL against the same rule written in Python over every answer."""
    try:
        check_contact_questions(demo["users"])
    finally:
        db.session.rollback()
