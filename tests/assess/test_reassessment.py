"""The portfolio impact of a changed fact, watches, *Omprövning krävs* and "Starta omprövning" (issue 13).

"An invalid transfer basis" on the demo: L-08 (Tredjelandsöverföring) = scc_measures_ineffective, standard
contractual clauses without effective supplementary measures (what is left when the DPF falls): a knock-out
wherever L-08 is shown. In the demo L-08 is shown in A, B, C, D1 and D3 (third-country support is possible or
certain) and hidden in D2 (EU-only storage and support, S-17 yes).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from assess.extensions import db
from assess.models import Answer, Assessment, AssessmentStatus, AuditEvent, Evidence, ReassessmentFlag
from assess.services import impact, reassessment, workflow
from assess.services.errors import PermissionDenied, ValidationFailed
from tests import factories
from tests.assess.helpers import approve_use, count_queries, demo_users, load_demo, submit_and_approve
from tests.conftest import csrf_token, login_as

TODAY = dt.date(2026, 11, 29)
INVALID_TRANSFER = {"L-08": "scc_measures_ineffective"}
S = AssessmentStatus


def _use_dpf(assessment: Assessment) -> None:
    """Let a draft's support come from the US under the DPF (G-15 adequate, L-08 adequacy incl. DPF, both E2)."""
    rows = {a.question_id: a for a in assessment.answers}
    rows["G-15"].value = "third_country_adequate"
    rows["G-15"].evidence = Evidence.E2
    db.session.add(
        Answer(
            assessment_id=assessment.id,
            question_id="L-08",
            value="adequacy_incl_dpf",
            evidence=Evidence.E2,
            motivation="Supporten i USA, DPF-certifierad mottagare.",
            changed_in_version=assessment.version,
        )
    )
    db.session.flush()
    db.session.expire(assessment)


def _decide(assessment: Assessment, users: dict[str, Any]) -> None:
    submit_and_approve(assessment, users, "Inga anmärkningar.")
    approve_use(assessment, users, TODAY)


@pytest.fixture
def demo(app: Flask) -> dict[str, Any]:
    """The demo, with D2 relying on the DPF for its US support and decided (Lämplig med villkor)."""
    app.config["TODAY"] = TODAY
    ids = load_demo(app)
    users = demo_users()
    d2 = db.session.get(Assessment, ids["D2"])
    assert d2 is not None
    _use_dpf(d2)
    _decide(d2, users)
    db.session.commit()
    assert d2.status == S.DECIDED
    return {"ids": ids, "users": users, "d2": d2}


def _watch(users: dict[str, Any]) -> Any:
    watch = reassessment.create_watch("DPF ogiltigförklaras", INVALID_TRANSFER, users["admin"])
    db.session.commit()
    return watch


# --- impact -----------------------------------------------------------------------------------------------------


def test_impact_of_an_invalid_transfer_basis_on_the_plain_demo(app: Flask) -> None:
    ids = load_demo(app)
    rows = impact.impact(INVALID_TRANSFER)
    # A, B, C and D3 have L-08 shown and open (unknown, or DPF in D3): the knock-out settles them as Ej lämplig.
    # D1 is Ej lämplig already (L-04 cleartext exposure), D2 does not show L-08: neither changes.
    assert [r.assessment_id for r in rows] == [ids["A"], ids["B"], ids["C"], ids["D3"]]
    for row in rows:
        assert row.status == S.DRAFT
        assert (row.verdict_before, row.verdict_after) == ("cannot_assess", "not_suitable")
        assert (row.worst_before, row.worst_after) == ("not_suitable", "not_suitable")
        assert row.why() == ["L-08: KO"]
        assert row.why_words() == ["L-08: Stoppträff"]
    d2 = db.session.get(Assessment, ids["D2"])
    hidden = impact.evaluate_change(d2, INVALID_TRANSFER)
    assert hidden.hidden == ["L-08"]
    assert hidden.verdict_before == hidden.verdict_after == "suitable_with_conditions"


def test_impact_lists_decided_and_drafts_never_superseded(demo: dict[str, Any]) -> None:
    ids, users, d2 = demo["ids"], demo["users"], demo["d2"]
    rows = {r.assessment_id: r for r in impact.impact(INVALID_TRANSFER)}
    assert set(rows) == {ids["A"], ids["B"], ids["C"], ids["D2"], ids["D3"]}
    assert rows[ids["D2"]].status == S.DECIDED
    assert (rows[ids["D2"]].verdict_before, rows[ids["D2"]].verdict_after) == (
        "suitable_with_conditions",
        "not_suitable",
    )
    assert (rows[ids["D2"]].worst_before, rows[ids["D2"]].worst_after) == ("suitable_with_conditions", "not_suitable")
    new = reassessment.start_reassessment(d2, users["arkitekt"], "DPF-domen.")
    db.session.commit()
    rows = {r.assessment_id: r for r in impact.impact(INVALID_TRANSFER)}
    assert ids["D2"] not in rows  # superseded
    assert rows[new.id].status == S.DRAFT
    assert rows[new.id].revision == 2


def test_the_dry_run_reads_the_portfolio_in_batches_and_pages_its_rows(
    client: FlaskClient, demo: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches of two give the rows one big batch gives; the page shows two rows a page, the heading all of them,
    and the next page's link keeps the picked answers."""
    import re

    from assess.services import tasks

    whole = [r.assessment_id for r in impact.impact(INVALID_TRANSFER)]
    monkeypatch.setattr(impact, "IMPACT_BATCH", 2)
    assert [r.assessment_id for r in impact.impact(INVALID_TRANSFER)] == whole
    assert len(whole) == 5
    monkeypatch.setattr(tasks, "TASK_PAGE", 2)
    login_as(client, demo["users"]["admin"])
    url = "/omprovning?change=L-08%3Dscc_measures_ineffective&evidence=E2"
    shown: list[int] = []
    for number in (1, 2, 3):
        html = client.get(f"{url}&sida_rader={number}").get_data(as_text=True)
        assert "Bedömningar som skulle ändras (5)" in html
        on_page = [int(i) for i in re.findall(r'<tr id="impact-(\d+)"', html)]
        assert len(on_page) == (2 if number < 3 else 1)
        shown += on_page
        if number < 3:
            nxt = re.search(r'<a rel="next" href="([^"]+)"', html)
            assert nxt is not None
            assert "change=L-08" in nxt.group(1)
            assert "evidence=E2" in nxt.group(1)
    assert shown == whole


def test_page_links_keep_every_value_of_a_repeated_argument(app: Flask) -> None:
    from assess.views import page_url

    with app.test_request_context("/omprovning?change=L-08%3Da&change=L-09%3Db&sida_rader=1"):
        link = page_url(2, "sida_rader")
    assert "change=L-08%3Da" in link
    assert "change=L-09%3Db" in link
    assert "sida_rader=2" in link


def test_impact_validation(app: Flask) -> None:
    with pytest.raises(ValidationFailed) as caught:
        impact.impact({"X-99": "yes", "L-08": "dpf_gone", "G-09": "7"})
    text = " ".join(caught.value.problems)
    assert "X-99" in text
    assert "L-08" in text
    assert "dpf_gone" in text
    assert "G-09" in text


# --- CLI --------------------------------------------------------------------------------------------------------


def test_cli_impact_json_matches_the_service(demo: dict[str, Any]) -> None:
    from flask import current_app

    runner = current_app.test_cli_runner()
    result = runner.invoke(args=["scenario", "impact", "--set", "L-08=scc_measures_ineffective", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [r["assessment"] for r in data] == [r.assessment_id for r in impact.impact(INVALID_TRANSFER)]
    d2 = next(r for r in data if r["assessment"] == demo["ids"]["D2"])
    assert d2["status"] == "decided"
    assert d2["verdict"] == {"before": "suitable_with_conditions", "after": "not_suitable"}
    assert d2["questions"] == [{"question": "L-08", "shown": True, "before": "C", "after": "KO"}]
    text = runner.invoke(args=["scenario", "impact", "--set", "L-08=scc_measures_ineffective"])
    assert text.exit_code == 0
    assert "L-08: Stoppträff" in text.output
    assert "suitable_with_conditions -> not_suitable" in text.output


def test_cli_impact_names_every_bad_set(app: Flask) -> None:
    load_demo(app)
    result = app.test_cli_runner().invoke(
        args=["scenario", "impact", "--set", "X-99=yes", "--set", "L-08=bogus", "--set", "junk"]
    )
    assert result.exit_code == 2
    assert "X-99" in result.output
    assert "bogus" in result.output
    assert "junk" in result.output


def test_cli_watch_and_fact_change(demo: dict[str, Any]) -> None:
    from flask import current_app

    runner = current_app.test_cli_runner()
    created = runner.invoke(
        args=["scenario", "watch", "create", "--name", "DPF faller", "--set", "L-08=scc_measures_ineffective"]
    )
    assert created.exit_code == 0, created.output
    assert "(rörlig)" in created.output
    listed = json.loads(runner.invoke(args=["scenario", "watch", "list", "--json"]).output)
    assert listed[0]["name"] == "DPF faller"
    assert listed[0]["volatile"] == ["L-08"]
    changed = runner.invoke(
        args=["scenario", "fact-changed", str(listed[0]["id"]), "--date", "2026-11-28", "--reference", "T-553/23"]
    )
    assert changed.exit_code == 0, changed.output
    assert f"#{demo['ids']['D2']} " in changed.output
    assert "1 beslutade" in changed.output


# --- fact changes and flags ---------------------------------------------------------------------------------------


def test_fact_change_flags_exactly_the_decided_assessments_it_changes(demo: dict[str, Any]) -> None:
    ids, users = demo["ids"], demo["users"]
    watch = _watch(users)
    change, flags = reassessment.record_fact_change(watch, dt.date(2026, 11, 28), "Tribunalen T-553/23", users["admin"])
    db.session.commit()
    assert [f.assessment_id for f in flags] == [ids["D2"]]  # the drafts change too, but only decisions are flagged
    assert flags[0].source == "fact"
    assert flags[0].fact_change_id == change.id
    assert flags[0].reason == "DPF ogiltigförklaras (Tribunalen T-553/23, 2026-11-28): Lämplig med villkor → Ej lämplig"
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"fact_watch.create", "fact_change.record", "reassessment.flag"} <= actions
    _again, flags_again = reassessment.record_fact_change(watch, dt.date(2026, 11, 29), "Samma dom", users["admin"])
    db.session.commit()
    assert flags_again == []
    assert len(db.session.scalars(select(ReassessmentFlag)).all()) == 1


def test_only_an_admin_records_a_fact_change(demo: dict[str, Any]) -> None:
    users = demo["users"]
    watch = _watch(users)
    with pytest.raises(PermissionDenied):
        reassessment.record_fact_change(watch, TODAY, "PM", users["arkitekt"])
    with pytest.raises(PermissionDenied):
        reassessment.create_watch("x", INVALID_TRANSFER, users["jurist"])


@pytest.mark.parametrize("username", ["lasare", "jurist"])
def test_viewer_and_reviewer_cannot_record_a_fact_change(
    client: FlaskClient, demo: dict[str, Any], username: str
) -> None:
    users = demo["users"]
    user = users[username]
    watch = _watch(users)
    login_as(client, user)
    token = csrf_token(client, "/arenden")
    response = client.post(
        f"/omprovning/bevakningar/{watch.id}/andrad",
        data={"csrf_token": token, f"w{watch.id}-changed_on": "2026-11-28", f"w{watch.id}-reference": "PM"},
    )
    assert response.status_code == 403
    assert db.session.scalars(select(ReassessmentFlag)).all() == []


def test_the_page_records_a_fact_change_with_errors_at_the_fields(client: FlaskClient, demo: dict[str, Any]) -> None:
    users = demo["users"]
    watch = _watch(users)
    login_as(client, users["admin"])
    page = client.get("/omprovning?change=L-08%3Dscc_measures_ineffective&evidence=E2")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'id="impact-{demo["ids"]["D2"]}"' in html
    assert "Spara som bevakning" in html
    assert 'value="L-08=scc_measures_ineffective"' in html  # picked from the list, not typed
    token = csrf_token(client, "/omprovning")
    bad = client.post(
        f"/omprovning/bevakningar/{watch.id}/andrad",
        data={"csrf_token": token, f"w{watch.id}-changed_on": "28/11", f"w{watch.id}-reference": ""},
    )
    body = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert f'id="w{watch.id}-changed_on-error"' in body
    assert f'id="w{watch.id}-reference-error"' in body
    good = client.post(
        f"/omprovning/bevakningar/{watch.id}/andrad",
        data={"csrf_token": token, f"w{watch.id}-changed_on": "2026-11-28", f"w{watch.id}-reference": "T-553/23"},
    )
    assert good.status_code == 302
    assert [f.assessment_id for f in db.session.scalars(select(ReassessmentFlag))] == [demo["ids"]["D2"]]


def test_the_page_saves_a_watch(client: FlaskClient, demo: dict[str, Any]) -> None:
    login_as(client, demo["users"]["admin"])
    token = csrf_token(client, "/omprovning")
    response = client.post(
        "/omprovning/bevakningar",
        data={"csrf_token": token, "name": "DPF faller", "change": "L-08=scc_measures_ineffective"},
    )
    assert response.status_code == 302
    watch = reassessment.list_watches()[0]
    assert watch.watch.changes == INVALID_TRANSFER
    assert watch.volatile == {"L-08"}
    missing = client.post("/omprovning/bevakningar", data={"csrf_token": token, "name": "", "change": "X-1=y"})
    assert missing.status_code == 400
    assert 'id="name-error"' in missing.get_data(as_text=True)


def test_the_mark_shows_in_every_list_and_on_the_tasks(client: FlaskClient, demo: dict[str, Any]) -> None:
    ids, users = demo["ids"], demo["users"]
    login_as(client, users["lasare"])
    assert "Omprövning krävs" not in client.get("/arenden").get_data(as_text=True)
    reassessment.record_fact_change(_watch(users), dt.date(2026, 11, 28), "T-553/23", users["admin"])
    db.session.commit()
    case_id = demo["d2"].alternative.case.id
    login_as(client, users["lasare"])
    assert "Omprövning krävs (1)" in client.get("/arenden").get_data(as_text=True)
    assert "Omprövning krävs" in client.get(f"/arenden/{case_id}").get_data(as_text=True)
    assert "Omprövning krävs" in client.get(f"/arenden/{case_id}/jamforelse").get_data(as_text=True)
    for username in ("arkitekt", "beslutsfattare"):
        login_as(client, users[username])
        html = client.get("/mina-uppgifter").get_data(as_text=True)
        assert f'id="task-reassess-{ids["D2"]}"' in html, username
        assert "Lämplig med villkor → Ej lämplig" in html
    login_as(client, users["jurist"])
    assert 'id="task-reassess-' not in client.get("/mina-uppgifter").get_data(as_text=True)


def test_a_page_asks_the_marks_of_its_modules_in_one_statement_that_agrees_with_each_mark_s_own_query(
    app: Flask, client: FlaskClient
) -> None:
    """A condition overdue (D2's, decided with dated conditions), a question late (A's, a draft) and a
    re-assessment required (D2): the page's one statement of marks finds what each mark's own query finds, and the
    page shows each mark."""
    from sqlalchemy import event

    from assess.services import decisions, marks, team

    app.config["TODAY"] = TODAY
    ids, users = load_demo(app), demo_users()
    d2 = db.session.get(Assessment, ids["D2"])
    assert d2 is not None
    _use_dpf(d2)
    submit_and_approve(d2, users, "Inga anmärkningar.")
    approve_use(d2, users, TODAY, gate=decisions.DATE)  # each condition due 90 days ahead
    rows = db.session.scalars(select(Answer).where(Answer.assessment_id == ids["A"]).order_by(Answer.id))
    unknown = next(r for r in rows if r.value == "unknown")
    day = TODAY + dt.timedelta(days=100)
    unknown.unknown_due = day - dt.timedelta(days=1)
    db.session.commit()
    app.config["TODAY"] = day
    app.config["VOLATILE_RECHECK_DAYS"] = 30
    assert [f.assessment_id for f in reassessment.check_due(day)] == [ids["D2"]]
    db.session.commit()

    every = sorted(ids.values())
    found = marks.marks_of(day, every)
    assert found.overdue == decisions.overdue_assessment_ids(day, every) == {ids["D2"]}
    assert found.late == team.overdue_question_assessment_ids(day, every) == {ids["A"]}
    assert found.flagged == reassessment.flagged_assessment_ids(every) == {ids["D2"]}
    assert marks.marks_of(day, [ids["B"], ids["C"]]) == marks.NONE
    assert marks.marks_of(day, []) == marks.NONE

    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    login_as(client, users["arkitekt"])
    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        page = client.get("/mina-uppgifter").get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    # the marks: a condition past its deadline, a question past its date, an open flag of a decided module
    overdue = [s for s in statements if "deadline <" in s]
    late = [s for s in statements if "unknown_due <" in s]
    assert len(overdue) == 1, overdue
    assert late == overdue
    assert "reassessment_flags.resolved_at IS NULL" in overdue[0]
    assert "Villkor förfallet" in page
    assert "Uppgift försenad" in page
    assert 'class="overdue reassessment">Omprövning krävs' in page


# --- due dates and aged answers -----------------------------------------------------------------------------------


def test_check_due_flags_the_next_review_and_aged_volatile_answers_once(app: Flask, demo: dict[str, Any]) -> None:
    d2 = demo["d2"]
    assert reassessment.check_due(TODAY + dt.timedelta(days=100)) == []
    app.config["VOLATILE_RECHECK_DAYS"] = 30
    flags = reassessment.check_due(TODAY + dt.timedelta(days=100))
    assert [(f.assessment_id, f.source) for f in flags] == [(d2.id, "volatile")]
    assert "L-07" in flags[0].reason  # volatile questions answered in D2
    assert "L-08" in flags[0].reason
    assert reassessment.check_due(TODAY + dt.timedelta(days=100)) == []
    # The decision's next review is a year after TODAY (approve_use).
    flags = reassessment.check_due(TODAY + dt.timedelta(days=365))
    assert [(f.assessment_id, f.source) for f in flags] == [(d2.id, "next_review")]
    assert reassessment.check_due(TODAY + dt.timedelta(days=366)) == []
    db.session.commit()


def test_cli_reassessment_check(app: Flask, demo: dict[str, Any]) -> None:
    result = app.test_cli_runner().invoke(args=["reassessment", "check", "--today", "2027-11-29"])
    assert result.exit_code == 0, result.output
    assert f"#{demo['d2'].id} (next_review)" in result.output
    again = app.test_cli_runner().invoke(args=["reassessment", "check", "--today", "2027-11-29"])
    assert "0 nya markeringar" in again.output


# --- starting the re-assessment -----------------------------------------------------------------------------------


def test_starting_the_reassessment_makes_the_revision(client: FlaskClient, demo: dict[str, Any]) -> None:
    ids, users, d2 = demo["ids"], demo["users"], demo["d2"]
    _change, flags = reassessment.record_fact_change(_watch(users), dt.date(2026, 11, 28), "T-553/23", users["admin"])
    db.session.commit()
    before = sorted((a.question_id, a.value) for a in d2.answers)
    login_as(client, users["arkitekt"])
    page = client.get(f"/bedomningar/{ids['D2']}/granskning").get_data(as_text=True)
    assert 'id="reassessment"' in page
    assert "Starta omprövning" in page
    assert "Lämplig med villkor → Ej lämplig</textarea>" in page  # the reason, prefilled from the flag
    token = csrf_token(client, f"/bedomningar/{ids['D2']}/granskning")
    empty = client.post(f"/omprovning/bedomningar/{ids['D2']}/starta", data={"csrf_token": token, "reason": " "})
    assert empty.status_code == 400
    assert 'id="reason-error"' in empty.get_data(as_text=True)
    response = client.post(
        f"/omprovning/bedomningar/{ids['D2']}/starta", data={"csrf_token": token, "reason": flags[0].reason}
    )
    assert response.status_code == 302
    db.session.expire_all()
    new = db.session.scalars(select(Assessment).where(Assessment.revision_of_id == ids["D2"])).one()
    assert response.headers["Location"].endswith(f"/bedomningar/{new.id}")
    assert new.revision == 2
    assert new.status == S.DRAFT
    assert sorted((a.question_id, a.value) for a in new.answers) == before
    assert db.session.get(Assessment, ids["D2"]).status == S.SUPERSEDED
    revise = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "assessment.revise", AuditEvent.entity_id == new.id)
    ).one()
    assert flags[0].reason in json.dumps(revise.after, ensure_ascii=False)
    flag = db.session.get(ReassessmentFlag, flags[0].id)
    assert flag.resolved_at is not None
    assert flag.revision_id == new.id
    assert flag.resolved_by_id == users["arkitekt"].id
    assert "Omprövning krävs" not in client.get("/arenden").get_data(as_text=True)


# --- bounded queries ----------------------------------------------------------------------------------------------


def _decided_copies(d2: Assessment, users: dict[str, Any], n: int) -> list[Assessment]:
    """Return n more decided modules beside D2 with D2's answers (each its own scope)."""
    made = []
    for i in range(n):
        copy = factories.create_assessment(d2.alternative, scope=f"D2-kopia {i}", owner=users["arkitekt"])
        for a in d2.answers:
            db.session.add(
                Answer(
                    assessment_id=copy.id,
                    question_id=a.question_id,
                    value=a.value,
                    evidence=a.evidence,
                    motivation=a.motivation,
                    changed_in_version=1,
                )
            )
        db.session.flush()
        db.session.expire(copy)
        _decide(copy, users)
        made.append(copy)
    db.session.commit()
    return made


def test_case_list_queries_do_not_grow_with_flags(client: FlaskClient, app: Flask, demo: dict[str, Any]) -> None:
    users = demo["users"]
    _decided_copies(demo["d2"], users, 4)
    watch = _watch(users)
    login_as(client, users["arkitekt"])

    def queries() -> int:
        with count_queries(app) as statements:
            assert client.get("/arenden").status_code == 200
        return len(statements)

    flag = ReassessmentFlag(assessment_id=demo["d2"].id, source="fact", reason="ett")
    db.session.add(flag)
    db.session.commit()
    one = queries()
    assert "Omprövning krävs (1)" in client.get("/arenden").get_data(as_text=True)
    db.session.delete(flag)
    db.session.commit()
    _change, flags = reassessment.record_fact_change(watch, TODAY, "T-553/23", users["admin"])
    db.session.commit()
    assert len(flags) == 5
    five = queries()
    assert "Omprövning krävs (5)" in client.get("/arenden").get_data(as_text=True)
    assert five == one


def test_a_flag_mails_the_architects_and_the_decision_maker(app: Flask, demo: dict[str, Any]) -> None:
    from assess.services import notifications

    users = demo["users"]
    watch = _watch(users)
    app.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=9, MAIL_FROM="m@region.example", BASE_URL="https://molnbedomning.example"
    )
    reassessment.record_fact_change(watch, TODAY, "T-553/23", users["admin"])
    box = db.session.info.pop(notifications.OUTBOX, {})  # looked at, not sent
    db.session.rollback()
    notices = [n for n in box.values() if n.kind == "reassessment"]
    assert {n.recipient.username for n in notices} == {"arkitekt", "beslutsfattare"}
    mail = notifications.compose(notices[0])
    assert mail.subject.startswith("Omprövning krävs: ")
    assert f"/bedomningar/{demo['d2'].id}/granskning" in mail.body


def test_a_plain_new_revision_also_handles_the_flags(demo: dict[str, Any]) -> None:
    """ "Skapa ny revision" on a flagged decision is a re-assessment too: its open flags are resolved by it."""
    users, d2 = demo["users"], demo["d2"]
    _change, flags = reassessment.record_fact_change(_watch(users), dt.date(2026, 11, 28), "T-553/23", users["admin"])
    db.session.commit()
    assert flags
    new = workflow.revise(d2, users["arkitekt"], "Ny leverantörsinformation")
    db.session.commit()
    assert reassessment.open_flags_of(d2) == []
    assert all(f.revision_id == new.id and f.resolved_by_id == users["arkitekt"].id for f in flags)
