"""Decision conditions (issue 12): one owner (a team member or a contact) and one deadline, every error of the
decision form at once, and the follow-up: claimed by the owner, verified or sent back by someone else."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from assess.extensions import db
from assess.models import (
    Assessment,
    AssessmentStatus,
    AuditEvent,
    CaseContact,
    CaseMember,
    DecisionCondition,
    FrozenRecord,
    TeamRole,
    User,
)
from assess.services import decisions, workflow
from assess.services.errors import Conflict, PermissionDenied, ValidationFailed
from assess.services.review_queries import decide_and_store, my_tasks
from tests import factories
from tests.assess.helpers import REVIEWERS, approve_use, load_demo, submit_and_approve
from tests.conftest import csrf_token, login_as

TODAY = dt.date(2026, 11, 29)
AREA_REVIEWER = {area: username for username, area in REVIEWERS}


@pytest.fixture
def world(app: Flask) -> dict[str, Any]:
    """The demo with module D2 reviewed in every area, waiting for the decision; a contact for its alternative."""
    app.config["TODAY"] = TODAY
    ids = load_demo(app)
    users = {u.username: u for u in db.session.scalars(select(User))}
    d2 = db.session.get(Assessment, ids["D2"])
    assert d2 is not None
    submit_and_approve(d2, users)
    case_id = d2.alternative.case_id
    contact = CaseContact(
        case_id=case_id, alternative_id=d2.alternative_id, name="Vera Leverantör", organisation="Moln AB"
    )
    db.session.add(contact)
    members = {(m.user_id, m.role) for m in db.session.scalars(select(CaseMember).where(CaseMember.case_id == case_id))}
    for username, role in (("arkitekt", TeamRole.ARCHITECT), ("beslutsfattare", TeamRole.DECISION_MAKER)):
        if (users[username].id, role) not in members:  # the case's team, whatever the demo holds
            db.session.add(CaseMember(case_id=case_id, user_id=users[username].id, role=role))
    db.session.commit()
    assert d2.status == AssessmentStatus.REVIEWED
    to_set = [qid for qid, _kind, _m in decisions.conditions_to_set(workflow.evaluation_with_overrides(d2))]
    assert len(to_set) >= 3, "D2 is decided with several conditions"
    return {"users": users, "d2": d2, "contact": contact, "to_set": to_set}


def _owner_key(d2: Assessment, user: User) -> str:
    """Return the key the decision form offers for a user (a team member, or any user while there is no team)."""
    choice = next(c for c in decisions.owner_choices(d2).choices if c.user_id == user.id)
    return choice.key


def _decide(world: dict[str, Any], contact_for: str | None = None, dated: str | None = None) -> None:
    """Approve D2: every condition owned by the architect before go-live; one may go to the contact, one may
    have a date (30 days ahead) instead."""
    users, d2 = world["users"], world["d2"]
    conditions = []
    for qid in world["to_set"]:
        owner = users["arkitekt"].id if qid != contact_for else None
        contact = world["contact"].id if qid == contact_for else None
        if qid == dated:
            conditions.append(
                decisions.ConditionInput(qid, owner, TODAY + dt.timedelta(days=30), "date", None, contact)
            )
        else:
            conditions.append(decisions.ConditionInput(qid, owner, None, "before_go_live", None, contact))
    decide_and_store(
        d2, users["beslutsfattare"], "approved", "Kvarstående risk, accepterad.", TODAY + dt.timedelta(days=365),
        conditions, TODAY,
    )  # fmt: skip
    db.session.commit()


def _condition(world: dict[str, Any], qid: str) -> DecisionCondition:
    db.session.expire_all()
    condition = db.session.scalar(
        select(DecisionCondition).where(
            DecisionCondition.assessment_id == world["d2"].id, DecisionCondition.question_id == qid
        )
    )
    assert condition is not None
    return condition


def _area_of(condition: DecisionCondition) -> str:
    area = decisions.condition_area(condition)
    assert area is not None
    return area.value


def _page(client: FlaskClient, url: str) -> str:
    return html.unescape(client.get(url).get_data(as_text=True))


def _row(page: str, condition_id: int) -> str:
    start = page.index(f'id="condition-{condition_id}"')
    return page[start : page.index("</tr>", start)]


# --- the decision form --------------------------------------------------------------------------------------


def test_decision_form_shows_every_error_at_once_and_keeps_what_was_typed(
    app: Flask, client: FlaskClient, world: dict[str, Any]
) -> None:
    users, d2 = world["users"], world["d2"]
    first, second, third, *rest = world["to_set"]
    login_as(client, users["beslutsfattare"])
    review = f"/bedomningar/{d2.id}/granskning"
    page = client.get(review).get_data(as_text=True)
    # The owners offered: the case team and its contacts; never a viewer.
    assert f'value="c:{world["contact"].id}"' in page
    assert "Lisa Läsare" not in page[page.index('id="decision-form"') :]
    arkitekt = _owner_key(d2, users["arkitekt"])
    later = (TODAY + dt.timedelta(days=60)).isoformat()
    data = {
        "csrf_token": csrf_token(client, review),
        "outcome": "approved",
        "residual_risks": "   ",
        "next_review": (TODAY + dt.timedelta(days=365)).isoformat(),
        # a date and a gate: not both
        f"cond_{first}_owner": arkitekt,
        f"cond_{first}_gate": "before_contract",
        f"cond_{first}_deadline": later,
        # nobody, and no deadline
        f"cond_{second}_owner": "",
        f"cond_{second}_gate": "",
        # within N months, without the months
        f"cond_{third}_owner": f"c:{world['contact'].id}",
        f"cond_{third}_gate": "within_months",
        f"cond_{third}_months": "",
    }
    for qid in rest:  # a date that is not a date
        data |= {f"cond_{qid}_owner": arkitekt, f"cond_{qid}_gate": "date", f"cond_{qid}_deadline": "31/12"}
    response = client.post(f"/bedomningar/{d2.id}/beslut", data=data)
    assert response.status_code == 400
    body = html.unescape(response.get_data(as_text=True))
    expected = {
        f"decide-cond_{first}_deadline": f"{first}: ange antingen ett datum eller en grind, inte båda.",
        f"decide-cond_{second}_owner": f"{second}: välj en ansvarig.",
        f"decide-cond_{second}_gate": f"{second}: välj när villkoret ska vara uppfyllt",
        f"decide-cond_{third}_months": f"{third}: ange antal månader (1–120).",
        "decide-residual_risks": "Beskriv de kvarstående risker du accepterar.",
        **{f"decide-cond_{qid}_deadline": "Ange ett giltigt datum som ÅÅÅÅ-MM-DD." for qid in rest},
    }
    summary = body[body.index("data-error-summary") : body.index("</div>", body.index("data-error-summary"))]
    for field_id, message in expected.items():
        # Each error is in the summary, linked to its field, and next to the field, which says it is invalid.
        assert re.search(rf'<a href="#{re.escape(field_id)}">[^<]*{re.escape(message)}', summary), field_id
        assert re.search(rf'id="{re.escape(field_id)}-error">[^<]*{re.escape(message)}', body), field_id
        tag = re.search(rf'<(?:input|select|textarea)[^>]*id="{re.escape(field_id)}"[^>]*>', body)
        assert tag is not None, field_id
        assert 'aria-invalid="true"' in tag.group(0)
        assert f"{field_id}-error" in tag.group(0)
    # What was typed is kept.
    assert re.search(rf'<option selected value="{arkitekt}">|<option value="{arkitekt}" selected>', body)
    assert f'value="{later}"' in body
    contact = f"c:{world['contact'].id}"
    assert re.search(rf'<option selected value="{contact}">|<option value="{contact}" selected>', body)
    assert 'value="31/12"' in body
    db.session.expire_all()
    assert db.session.get(Assessment, d2.id).status == AssessmentStatus.REVIEWED  # type: ignore[union-attr]


def test_a_date_and_a_gate_or_neither_is_refused_for_that_condition(app: Flask, world: dict[str, Any]) -> None:
    users, d2 = world["users"], world["d2"]
    first, second, *rest = world["to_set"]
    owner = users["arkitekt"].id
    conditions = [
        decisions.ConditionInput(first, owner, TODAY + dt.timedelta(days=30), "before_go_live"),
        decisions.ConditionInput(second, owner, None, ""),
        *(decisions.ConditionInput(qid, owner, None, "before_contract") for qid in rest),
    ]
    with pytest.raises(ValidationFailed) as caught:
        decide_and_store(
            d2, users["beslutsfattare"], "approved", "Risk.", TODAY + dt.timedelta(days=90), conditions, TODAY
        )
    fields = caught.value.fields
    assert "inte båda" in fields[f"cond_{first}_deadline"]
    assert "välj när villkoret ska vara uppfyllt" in fields[f"cond_{second}_gate"]
    assert not any(qid in key for key in fields for qid in rest)  # the others are right
    db.session.rollback()


def test_approving_a_verdict_that_is_not_suitable_is_one_of_the_errors(app: Flask, world: dict[str, Any]) -> None:
    users = world["users"]
    d1 = db.session.scalar(select(Assessment).where(Assessment.scope.startswith("D1")))
    assert d1 is not None
    submit_and_approve(d1, users)
    with pytest.raises(ValidationFailed) as caught:
        decide_and_store(d1, users["beslutsfattare"], "approved", "", None, [], TODAY)
    assert "kan bara godkännas" in caught.value.fields["outcome"]
    db.session.rollback()


def test_a_viewer_or_someone_outside_the_team_cannot_own_a_condition(app: Flask, world: dict[str, Any]) -> None:
    users, d2 = world["users"], world["d2"]
    offered = decisions.owner_choices(d2)
    assert offered.from_team
    assert {c.label for c in offered.choices} >= {"Vera Leverantör (Moln AB)"}
    assert all(c.user_id != users["lasare"].id for c in offered.choices)
    outsider = factories.create_user("architect")
    db.session.commit()
    first, *rest = world["to_set"]
    conditions = [
        decisions.ConditionInput(first, users["lasare"].id, None, "before_go_live"),
        *(decisions.ConditionInput(qid, outsider.id, None, "before_go_live") for qid in rest),
    ]
    with pytest.raises(ValidationFailed) as caught:
        decide_and_store(
            d2, users["beslutsfattare"], "approved", "Risk.", TODAY + dt.timedelta(days=90), conditions, TODAY
        )
    for qid in world["to_set"]:
        assert (
            caught.value.fields[f"cond_{qid}_owner"]
            == f"{qid}: välj en ansvarig ur listan (ärendets team och kontakter)."
        )
    db.session.rollback()


def test_without_a_team_every_active_user_but_viewers_can_own_and_the_form_says_so(
    app: Flask, client: FlaskClient, world: dict[str, Any]
) -> None:
    users, d2 = world["users"], world["d2"]
    for member in db.session.scalars(select(CaseMember).where(CaseMember.case_id == d2.alternative.case_id)):
        db.session.delete(member)
    db.session.commit()
    offered = decisions.owner_choices(d2)
    assert not offered.from_team
    labels = {c.label for c in offered.choices}
    assert {"Anna Arkitekt", "Johan Jurist", "Vera Leverantör (Moln AB)"} <= labels
    assert "Lisa Läsare" not in labels
    login_as(client, users["beslutsfattare"])
    page = _page(client, f"/bedomningar/{d2.id}/granskning")
    form = page[page.index('id="decision-form"') :]
    assert "Ärendet har inget team ännu, så alla aktiva användare utom läsare kan väljas." in form
    assert "Lisa Läsare" not in form
    _decide(world)  # the architect still owns the conditions
    assert {c.owner_label for c in db.session.scalars(select(DecisionCondition))} == {"Anna Arkitekt"}


# --- the owner: a contact ---------------------------------------------------------------------------------------


def test_a_contact_owns_a_condition_and_an_architect_of_the_case_claims_for_them(
    app: Flask, client: FlaskClient, world: dict[str, Any]
) -> None:
    users, d2, contact = world["users"], world["d2"], world["contact"]
    qid = world["to_set"][0]
    _decide(world, contact_for=qid)
    condition = _condition(world, qid)
    assert condition.owner_id is None
    assert condition.owner_contact_id == contact.id
    assert condition.owner_label == "Vera Leverantör (Moln AB)"
    record = json.loads(db.session.scalar(select(FrozenRecord.canonical_json)) or "{}")
    frozen = next(c for c in record["conditions"] if c["question"] == qid)
    assert (frozen["owner"], frozen["owner_id"], frozen["owner_contact_id"]) == (
        "Vera Leverantör (Moln AB)",
        None,
        contact.id,
    )
    assert (frozen["deadline"], frozen["gate"]) == (None, "before_go_live")

    # Someone who is not an architect of the case cannot claim it; an architect of the team can.
    stranger = factories.create_user("architect", display_name="Sven Annan")
    colleague = factories.create_user("architect", display_name="Cecilia Kollega")
    db.session.add(CaseMember(case_id=d2.alternative.case_id, user_id=colleague.id, role=TeamRole.ARCHITECT))
    db.session.commit()
    with pytest.raises(PermissionDenied, match="bara ärendets arkitekter"):
        decisions.claim_condition(condition, stranger, "Klart.", "")
    with pytest.raises(PermissionDenied, match="Läsare"):
        decisions.claim_condition(condition, users["lasare"], "Klart.", "")
    login_as(client, colleague)
    page = _page(client, f"/bedomningar/{d2.id}/granskning")
    row = _row(page, condition.id)
    assert "Vera Leverantör (Moln AB)" in row
    assert "Före driftstart" in row
    assert "Du anmäler för Vera Leverantör (Moln AB) räkning." in row
    response = client.post(
        f"/villkor/{condition.id}/anmal",
        data={
            "csrf_token": csrf_token(client, "/mina-uppgifter"),
            "note": "Avtalet är signerat.",
            "evidence": "Dnr 12",
        },
    )
    assert response.status_code == 302
    condition = _condition(world, qid)
    assert condition.claimed
    assert condition.claimed_by_id == colleague.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "condition.claim"))
    assert event is not None
    assert event.actor_name == "Cecilia Kollega"
    assert event.after["on_behalf_of"] == "Vera Leverantör (Moln AB)"
    row = _row(_page(client, f"/bedomningar/{d2.id}/granskning"), condition.id)
    assert "Anmält som uppfyllt av Cecilia Kollega" in row
    assert "Avtalet är signerat." in row


# --- claim, verify, send back -----------------------------------------------------------------------------------


def test_the_owner_claims_and_only_a_reviewer_of_the_area_or_a_decision_maker_verifies(
    app: Flask, world: dict[str, Any]
) -> None:
    users = world["users"]
    _decide(world)
    legal = next(qid for qid in world["to_set"] if _area_of(_condition(world, qid)) == "legal")
    other = next(qid for qid in world["to_set"] if _area_of(_condition(world, qid)) != "legal")
    condition = _condition(world, legal)

    # Only the owner claims, with a note.
    with pytest.raises(PermissionDenied, match="Bara villkorets ansvarige, Anna Arkitekt"):
        decisions.claim_condition(condition, users["jurist"], "Klart.", "")
    with pytest.raises(ValidationFailed) as caught:
        decisions.claim_condition(condition, users["arkitekt"], "  ", "x" * 501)
    assert set(caught.value.fields) == {"note", "evidence"}
    decisions.claim_condition(condition, users["arkitekt"], "Underbiträdesavtalet är bilagt.", "Avtal bilaga 4")
    db.session.commit()
    assert condition.claimed
    assert not condition.fulfilled
    with pytest.raises(Conflict, match="redan anmält"):
        decisions.claim_condition(condition, users["arkitekt"], "Igen.", "")

    # Never the claimant, a viewer, or a reviewer of another area.
    with pytest.raises(PermissionDenied, match="själv anmält"):
        decisions.verify_condition(condition, users["arkitekt"])
    with pytest.raises(PermissionDenied, match="Läsare kan inte"):
        decisions.verify_condition(condition, users["lasare"])
    with pytest.raises(PermissionDenied, match="granskare av området juridik"):
        decisions.verify_condition(condition, users["infosak"])
    with pytest.raises(PermissionDenied, match="granskare av området juridik"):
        decisions.return_condition(condition, users["patientsak"], "Saknas.")
    assert not _condition(world, legal).fulfilled

    # The area's reviewer verifies.
    decisions.verify_condition(_condition(world, legal), users["jurist"], "Kontrollerat mot avtalet.")
    db.session.commit()
    verified = _condition(world, legal)
    assert verified.fulfilled
    assert verified.fulfilled_by_id == users["jurist"].id
    assert verified.claimed_by_id == users["arkitekt"].id
    with pytest.raises(Conflict, match="redan verifierat"):
        decisions.verify_condition(verified, users["beslutsfattare"])

    # A decision maker verifies a condition of any area; nothing is verified before it is claimed.
    second = _condition(world, other)
    with pytest.raises(Conflict, match="inte anmält"):
        decisions.verify_condition(second, users["beslutsfattare"])
    decisions.claim_condition(second, users["arkitekt"], "Införd.", "")
    decisions.verify_condition(second, users["beslutsfattare"])
    db.session.commit()
    assert _condition(world, other).fulfilled_by_id == users["beslutsfattare"].id


def test_a_condition_sent_back_is_open_again_and_can_be_claimed_again(
    app: Flask, client: FlaskClient, world: dict[str, Any]
) -> None:
    users, d2 = world["users"], world["d2"]
    _decide(world)
    qid = world["to_set"][0]
    condition = _condition(world, qid)
    decisions.claim_condition(condition, users["arkitekt"], "Loggningen är på.", "Skärmbild")
    db.session.commit()
    with pytest.raises(ValidationFailed) as caught:
        decisions.return_condition(condition, users["beslutsfattare"], "  ")
    assert "reason" in caught.value.fields
    db.session.rollback()
    decisions.return_condition(_condition(world, qid), users["beslutsfattare"], "Skärmbilden visar testmiljön.")
    db.session.commit()
    condition = _condition(world, qid)
    assert (condition.claimed, condition.claimed_at, condition.claimed_by_id) == (False, None, None)
    assert condition.returned_reason == "Skärmbilden visar testmiljön."

    # The owner sees why on the review page and on their tasks, with the claim form again.
    login_as(client, users["arkitekt"])
    row = _row(_page(client, f"/bedomningar/{d2.id}/granskning"), condition.id)
    assert "Återskickat: Skärmbilden visar testmiljön." in " ".join(re.sub(r"<[^>]+>", " ", row).split())
    assert f'action="/villkor/{condition.id}/anmal"' in row
    tasks = _page(client, "/mina-uppgifter")
    mine = tasks[tasks.index('id="t-conditions"') : tasks.index('id="t-verify"')]
    assert "Skärmbilden visar testmiljön." in mine
    response = client.post(
        f"/villkor/{condition.id}/anmal",
        data={
            "csrf_token": csrf_token(client, "/mina-uppgifter"),
            "note": "Loggningen är på i produktion.",
            "evidence": "Logg 2026-12-02",
            "next": "/mina-uppgifter",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/mina-uppgifter")
    condition = _condition(world, qid)
    assert condition.claimed
    assert condition.returned_reason == ""
    actions = list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.entity_type == "condition", AuditEvent.entity_id == condition.id)
            .order_by(AuditEvent.seq)
        )
    )
    assert actions == ["condition.claim", "condition.return", "condition.claim"]


def test_every_step_is_an_audit_event_of_the_assessment_shown_in_its_history(
    app: Flask, client: FlaskClient, world: dict[str, Any]
) -> None:
    users, d2 = world["users"], world["d2"]
    _decide(world)
    condition = _condition(world, world["to_set"][1])
    decisions.claim_condition(condition, users["arkitekt"], "Klart.", "Dnr 7")
    decisions.return_condition(condition, users["beslutsfattare"], "Dnr saknas i diariet.")
    decisions.claim_condition(condition, users["arkitekt"], "Klart, med rätt dnr.", "Dnr 8")
    decisions.verify_condition(condition, users["beslutsfattare"], "Ok.")
    db.session.commit()
    events = list(
        db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "condition").order_by(AuditEvent.seq))
    )
    assert [(e.action, e.actor_name) for e in events] == [
        ("condition.claim", "Anna Arkitekt"),
        ("condition.return", "Beata Beslutsfattare"),
        ("condition.claim", "Anna Arkitekt"),
        ("condition.verify", "Beata Beslutsfattare"),
    ]
    assert {(e.entity_id, e.assessment_id) for e in events} == {(condition.id, d2.id)}
    assert events[1].after["reason"] == "Dnr saknas i diariet."
    assert condition.audit_seq == events[-1].seq
    login_as(client, users["lasare"])
    history = _page(client, f"/bedomningar/{d2.id}/historik")
    for label in ("Villkor anmält som uppfyllt", "Villkor återskickat", "Villkor verifierat", "Dnr saknas i diariet."):
        assert label in history


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE decision_conditions SET claimed_at = '2026-12-01 10:00:00', claimed_by_id = owner_id",
        "UPDATE decision_conditions SET returned_reason = 'skickat tillbaka utan händelse'",
        "UPDATE decision_conditions SET fulfilled = 1, fulfilled_by_id = owner_id",
        "UPDATE decision_conditions SET fulfilled_note = 'ändrad', audit_seq = audit_seq",
    ],
)
def test_the_database_refuses_a_follow_up_change_without_its_audit_event(
    app: Flask, world: dict[str, Any], statement: str
) -> None:
    _decide(world)
    with pytest.raises(DatabaseError, match="changes only with its audit event"):
        db.session.execute(text(statement))
    db.session.rollback()
    with pytest.raises(DatabaseError, match="cannot change"):
        db.session.execute(text("UPDATE decision_conditions SET gate = 'before_contract', deadline = NULL"))
    db.session.rollback()


def test_records_verify_still_passes_after_the_follow_up_and_the_record_is_unchanged(
    app: Flask, world: dict[str, Any]
) -> None:
    users = world["users"]
    _decide(world, contact_for=world["to_set"][2], dated=world["to_set"][0])
    record = db.session.scalar(select(FrozenRecord))
    assert record is not None
    frozen = (record.canonical_json, record.sha256)
    first, second, third = (_condition(world, q) for q in world["to_set"][:3])
    decisions.claim_condition(first, users["arkitekt"], "Klart.", "")
    decisions.verify_condition(first, users["beslutsfattare"])
    decisions.claim_condition(second, users["arkitekt"], "Klart.", "")
    decisions.return_condition(second, users["beslutsfattare"], "Underlag saknas.")
    decisions.claim_condition(third, users["arkitekt"], "Klart för kontakten.", "")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["records", "verify"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    record = db.session.scalar(select(FrozenRecord))
    assert record is not None
    assert (record.canonical_json, record.sha256) == frozen
    # Switching the guard off and claiming without an event is found.
    db.session.execute(text("DROP TRIGGER decision_conditions_followup"))
    db.session.execute(
        text("UPDATE decision_conditions SET claimed_at = NULL, claimed_by_id = NULL WHERE id = :id"), {"id": third.id}
    )
    db.session.commit()
    bad = app.test_cli_runner().invoke(args=["records", "verify"])
    assert bad.exit_code == 1
    assert f"villkor {third.id}: uppföljningen stämmer inte med auditkedjan" in bad.output


# --- the pages: what each person sees and may do ----------------------------------------------------------------


def test_the_review_page_offers_each_person_only_the_forms_they_may_use(
    app: Flask, client: FlaskClient, world: dict[str, Any]
) -> None:
    users, d2 = world["users"], world["d2"]
    _decide(world)
    legal = next(qid for qid in world["to_set"] if _area_of(_condition(world, qid)) == "legal")
    condition = _condition(world, legal)
    review = f"/bedomningar/{d2.id}/granskning"
    claim, verify, back = (f'action="/villkor/{condition.id}/{p}"' for p in ("anmal", "verifiera", "skicka-tillbaka"))

    login_as(client, users["arkitekt"])
    row = _row(_page(client, review), condition.id)
    assert "Öppet" in row
    assert "Anna Arkitekt" in row
    assert "Före driftstart" in row
    assert claim in row
    assert verify not in row
    login_as(client, users["jurist"])
    assert claim not in _row(_page(client, review), condition.id)

    decisions.claim_condition(_condition(world, legal), users["arkitekt"], "Avtalet är uppdaterat.", "Bilaga 4")
    db.session.commit()
    for username, may in (("jurist", True), ("beslutsfattare", True), ("infosak", False), ("lasare", False),
                          ("arkitekt", False)):  # fmt: skip
        login_as(client, users[username])
        row = _row(_page(client, review), condition.id)
        assert "Anmält som uppfyllt av Anna Arkitekt" in row, username
        assert "väntar på verifiering" in row
        assert "Avtalet är uppdaterat." in row
        assert "underlag: Bilaga 4" in row
        assert (verify in row, back in row) == (may, may), username
        assert claim not in row

    # The legal reviewer's tasks list it to verify; the infosec reviewer's do not.
    login_as(client, users["jurist"])
    tasks = _page(client, "/mina-uppgifter")
    section = tasks[tasks.index('id="t-verify"') :]
    assert "Villkor att verifiera (1)" in section
    assert verify in section
    login_as(client, users["infosak"])
    tasks = _page(client, "/mina-uppgifter")
    assert "Villkor att verifiera (0)" in tasks

    # Verified over HTTP from the tasks page: the row names the verifier.
    login_as(client, users["jurist"])
    response = client.post(
        f"/villkor/{condition.id}/verifiera",
        data={"csrf_token": csrf_token(client, "/mina-uppgifter"), "note": "Ok.", "next": "/mina-uppgifter"},
    )
    assert response.status_code == 302
    row = _row(_page(client, review), condition.id)
    assert "Verifierat av Johan Jurist" in row
    assert verify not in row
    assert back not in row


def test_a_failed_claim_on_my_tasks_says_why_at_the_field_and_keeps_what_was_typed(
    app: Flask, client: FlaskClient, world: dict[str, Any]
) -> None:
    users = world["users"]
    _decide(world)
    condition = _condition(world, world["to_set"][0])
    login_as(client, users["arkitekt"])
    response = client.post(
        f"/villkor/{condition.id}/anmal",
        data={"csrf_token": csrf_token(client, "/mina-uppgifter"), "note": " ", "evidence": "Dnr 99",
              "next": "/mina-uppgifter"},
    )  # fmt: skip
    assert response.status_code == 400
    body = html.unescape(response.get_data(as_text=True))
    assert "<h1>Mina uppgifter</h1>" in body
    assert f'<a href="#claim-{condition.id}-note">' in body
    assert re.search(rf'id="claim-{condition.id}-note-error">Beskriv hur villkoret är uppfyllt\.', body)
    assert re.search(
        rf'id="claim-{condition.id}-evidence"[^>]*value="Dnr 99"|value="Dnr 99"[^>]*id="claim-{condition.id}-evidence"',
        body,
    )
    # Someone else's condition: refused, and the page says why.
    login_as(client, users["jurist"])
    response = client.post(
        f"/villkor/{condition.id}/anmal",
        data={"csrf_token": csrf_token(client, "/mina-uppgifter"), "note": "Klart.", "next": "/mina-uppgifter"},
    )
    assert response.status_code == 403
    assert "Bara villkorets ansvarige, Anna Arkitekt, kan anmäla det som uppfyllt." in html.unescape(
        response.get_data(as_text=True)
    )
    assert not _condition(world, world["to_set"][0]).claimed


def test_overdue_conditions_are_marked_on_the_review_page_and_on_my_tasks(
    app: Flask, client: FlaskClient, world: dict[str, Any]
) -> None:
    users, d2 = world["users"], world["d2"]
    dated, gated = world["to_set"][0], world["to_set"][1]
    _decide(world, dated=dated)
    app.config["TODAY"] = TODAY + dt.timedelta(days=31)
    login_as(client, users["arkitekt"])
    page = _page(client, f"/bedomningar/{d2.id}/granskning")
    late = _row(page, _condition(world, dated).id)
    assert (TODAY + dt.timedelta(days=30)).isoformat() in late
    assert "försenat" in late
    assert "försenat" not in _row(page, _condition(world, gated).id)  # a gate has no date to pass
    tasks = _page(client, "/mina-uppgifter")
    mine = tasks[tasks.index('id="t-conditions"') : tasks.index('id="t-verify"')]
    assert mine.count("försenat") == 1
    # Claimed is not verified: still overdue, for the verifier too.
    decisions.claim_condition(_condition(world, dated), users["arkitekt"], "Klart.", "")
    db.session.commit()
    login_as(client, users["beslutsfattare"])
    tasks = _page(client, "/mina-uppgifter")
    assert "försenat" in tasks[tasks.index('id="t-verify"') :]
    assert my_tasks(users["beslutsfattare"], TODAY).to_verify[0].question_id == dated


def test_an_approval_with_helpers_still_decides(app: Flask, world: dict[str, Any]) -> None:
    """The shared test helper decides with a gate only (one deadline), as every other test relies on."""
    approve_use(world["d2"], world["users"], TODAY)
    db.session.commit()
    conditions = list(db.session.scalars(select(DecisionCondition)))
    assert conditions
    assert {(c.deadline, c.gate.value if c.gate else None) for c in conditions} == {(None, "before_go_live")}


def test_sending_back_without_a_reason_on_the_review_page_says_so_at_the_field(
    app: Flask, client: FlaskClient, world: dict[str, Any]
) -> None:
    users, d2 = world["users"], world["d2"]
    _decide(world)
    condition = _condition(world, world["to_set"][0])
    decisions.claim_condition(condition, users["arkitekt"], "Klart.", "")
    db.session.commit()
    review = f"/bedomningar/{d2.id}/granskning"
    login_as(client, users["beslutsfattare"])
    response = client.post(
        f"/villkor/{condition.id}/skicka-tillbaka",
        data={"csrf_token": csrf_token(client, review), "reason": "   ", "next": review},
    )
    assert response.status_code == 400
    body = html.unescape(response.get_data(as_text=True))
    assert f'<a href="#send_back-{condition.id}-reason">' in body
    assert re.search(rf'id="send_back-{condition.id}-reason-error">Ange varför villkoret skickas tillbaka', body)
    assert _condition(world, world["to_set"][0]).claimed  # nothing changed
    response = client.post(
        f"/villkor/{condition.id}/skicka-tillbaka",
        data={"csrf_token": csrf_token(client, review), "reason": "Protokollet saknas.", "next": review},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{review}#conditions")
    assert _condition(world, world["to_set"][0]).returned_reason == "Protokollet saknas."


@pytest.mark.parametrize("language", ["sv", "en"])
def test_my_tasks_writes_each_condition_as_the_review_pages_macros_do(
    app: Flask, world: dict[str, Any], language: str
) -> None:
    """*Mina uppgifter* writes its condition rows in Python (assess/views/listing.py) and the review page with the
    macros of review/_conditions.html: in every state, with every form and with a failed post's errors, both
    write the same markup (whitespace aside), in both languages."""
    from flask import get_template_attribute

    from assess.forms.review import ClaimForm, SendBackForm, VerifyForm, with_ids
    from assess.views import listing

    users = world["users"]
    first, second, third, *rest = world["to_set"]
    d2 = world["d2"]
    conditions = [
        decisions.ConditionInput(first, users["arkitekt"].id, TODAY + dt.timedelta(days=3), "date"),
        decisions.ConditionInput(second, users["arkitekt"].id, None, "within_months", 3),
        decisions.ConditionInput(third, None, None, "before_contract", None, world["contact"].id),
    ] + [decisions.ConditionInput(qid, users["arkitekt"].id, None, "before_go_live") for qid in rest]
    decide_and_store(
        d2, users["beslutsfattare"], "approved", "Kvarstående risk.", TODAY + dt.timedelta(days=365), conditions, TODAY
    )
    db.session.commit()
    decisions.claim_condition(_condition(world, first), users["arkitekt"], "Loggar <på>.", "Dnr 1 & 2")
    decisions.claim_condition(_condition(world, second), users["arkitekt"], "Klart.", "")
    decisions.verify_condition(_condition(world, second), users["beslutsfattare"], "Sett.")
    if rest:
        decisions.claim_condition(_condition(world, rest[0]), users["arkitekt"], "Först.", "")
        decisions.return_condition(_condition(world, rest[0]), users["beslutsfattare"], "Visar testmiljön <igen>.")
    db.session.commit()
    forms = {"claim": ClaimForm, "verify": VerifyForm, "send_back": SendBackForm}
    with app.test_request_context("/mina-uppgifter", headers={"Accept-Language": language}):
        macro = {name: get_template_attribute("review/_conditions.html", name) for name in ("deadline", "status")}
        actions = get_template_attribute("review/_conditions.html", "actions")
        failed = with_ids(ClaimForm(formdata=None, next="/mina-uppgifter"), "claim-0-")
        failed.note.errors = ["Beskriv hur <villkoret> är uppfyllt."]
        posted: list[int] = []
        memo: dict[Any, Any] = {}

        def form_for(name: str, condition_id: int) -> Any:
            if name == "claim" and condition_id in posted:
                return failed
            return with_ids(forms[name](formdata=None, next="/mina-uppgifter"), f"{name}-{condition_id}-")

        def same(a: Any, b: Any) -> None:
            assert " ".join(str(a).split()) == " ".join(str(b).split())

        listed = list(db.session.scalars(select(DecisionCondition).where(DecisionCondition.assessment_id == d2.id)))
        assert {bool(c.fulfilled) for c in listed} == {True, False}
        for today in (TODAY, TODAY + dt.timedelta(days=4)):  # the dated condition overdue on the second day
            for c in listed:
                same(listing.deadline(c, today), macro["deadline"](c, today))
                same(listing.status(c), macro["status"](c))
                allowed = ("claim", "verify", "send_back")
                same(listing.actions(c, allowed, form_for), actions(c, allowed, form_for))
                # a page's memo, filled by the conditions before: each condition's forms with its own ids
                same(listing.actions(c, allowed, form_for, memo), actions(c, allowed, form_for))
        assert memo, "a page writes its fresh forms once"
        verified = next(c for c in listed if c.fulfilled)
        with db.session.no_autoflush:  # as marked fulfilled without a claim (never flushed: the database refuses)
            verified.claimed_at = None
            same(listing.status(verified), macro["status"](verified))
            assert "markerat av" in listing.status(verified) or "marked by" in listing.status(verified)
        posted.append(listed[0].id)  # the failed post's form, with its errors
        written = listing.actions(listed[0], ("claim",), form_for)
        same(written, actions(listed[0], ("claim",), form_for))
        assert 'id="claim-0-note-error"' in written
        assert "&lt;villkoret&gt;" in written
        same(listing.actions(listed[0], ("claim",), form_for, memo), written)  # never from the memo
        # refused without a field error (the service's own), with what was typed: written as it was sent
        failed.note.errors, failed.note.data = [], "Loggar <sparas>"
        failed.form_errors.append("Villkoret är redan verifierat.")
        typed = listing.actions(listed[0], ("claim",), form_for, memo)
        same(typed, actions(listed[0], ("claim",), form_for))
        assert "Loggar &lt;sparas&gt;" in typed
        failed.form_errors.clear()  # nothing but what was typed: still never the fresh form's markup
        assert "Loggar &lt;sparas&gt;" in listing.actions(listed[0], ("claim",), form_for, memo)
    db.session.rollback()


def test_a_claim_from_a_searched_task_page_comes_back_to_that_search_failed_or_done(
    client: FlaskClient, world: dict[str, Any]
) -> None:
    """The claim form of a condition on *Mina uppgifter*, searched for the module, posts back to the same search:
    a refused claim shows the page with the search box as it was and the lists still narrowed, and links to other
    pages that are pages of *Mina uppgifter*; a done claim leads back to it; a forged address leads nowhere else."""
    users, d2 = world["users"], world["d2"]
    _decide(world)
    condition = _condition(world, world["to_set"][0])
    login_as(client, users["arkitekt"])
    searched = "/mina-uppgifter?sok=Hybrid"
    page = _page(client, searched)
    start = page.index(f'id="task-condition-{condition.id}"')
    row = page[start : page.index("</tr>", start)]
    assert f'value="{searched}"' in row  # the form comes back to this search
    refused = client.post(
        f"/villkor/{condition.id}/anmal",
        data={"csrf_token": csrf_token(client, searched), "note": " ", "evidence": "", "next": searched},
    )
    assert refused.status_code == 400
    shown = html.unescape(refused.get_data(as_text=True))
    assert 'value="Hybrid"' in shown  # the search box as it was
    assert "Listorna visar bara det som matchar filtret." in shown
    assert f'id="task-condition-{condition.id}"' in shown  # D2's condition is still listed, with the error
    links = re.findall(r'<a[^>]+href="([^"]*sida_[^"]*)"', shown)
    assert links, "the architect's lists of the search have more than one page"
    for href in links:
        assert href.startswith("/mina-uppgifter?"), href  # a page link of the tasks, never the POST route
    done = client.post(
        f"/villkor/{condition.id}/anmal",
        data={"csrf_token": csrf_token(client, searched), "note": "Klart.", "evidence": "", "next": searched},
    )
    assert done.status_code == 302
    assert done.headers["Location"] == "/mina-uppgifter?sok=Hybrid"
    other = _condition(world, world["to_set"][1])
    forged = client.post(
        f"/villkor/{other.id}/anmal",
        data={
            "csrf_token": csrf_token(client, searched),
            "note": "Klart.",
            "evidence": "",
            "next": "//evil.example/mina-uppgifter?sok=x",
        },
    )
    assert forged.status_code == 302
    assert forged.headers["Location"] == "/mina-uppgifter?sok=x"
    assert _condition(world, other.question_id).claimed
    # served under a prefix (SCRIPT_NAME /mb), the forms come back to the prefixed page
    third = _condition(world, world["to_set"][2])
    prefixed = html.unescape(client.get(searched, base_url="http://localhost/mb").get_data(as_text=True))
    start = prefixed.index(f'id="task-condition-{third.id}"')
    assert 'value="/mb/mina-uppgifter?sok=Hybrid"' in prefixed[start : prefixed.index("</tr>", start)]
    back = client.post(
        f"/villkor/{third.id}/anmal",
        base_url="http://localhost/mb",
        data={"csrf_token": csrf_token(client, searched), "note": "Klart.", "next": "/mb/mina-uppgifter?sok=Hybrid"},
    )
    assert back.headers["Location"] == "/mb/mina-uppgifter?sok=Hybrid"
    assert d2.status == AssessmentStatus.DECIDED
