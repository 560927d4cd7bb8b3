"""Review and decision pages: submit, comment, request changes, approve, override, decide, revise, history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from assess.extensions import db
from assess.models import Role
from assess.services import assessments as assessment_service
from assess.services import decisions, workflow
from assess.services import review as review_service
from assess.services import review_queries as queries
from assess.services.errors import DomainError, ValidationFailed
from assess.views import today
from assess.views.access import ANY_ROLE, EDITORS, allow

bp = Blueprint("review", __name__)
REVIEWERS = (Role.REVIEWER,)
COMMENTERS = (Role.ARCHITECT, Role.ADMIN, Role.REVIEWER, Role.DECISION_MAKER)


def _date(name: str) -> dt.date | None:
    raw = (request.form.get(name) or "").strip()
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _int(name: str) -> int | None:
    raw = (request.form.get(name) or "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None


def _page(
    assessment_id: int,
    status: int = 200,
    errors: dict[str, str] | None = None,
    problems: list[str] | None = None,
    form_name: str | None = None,
) -> tuple[str, int]:
    page = queries.review_page(assessment_id, current_user, today())
    return render_template(
        "review/view.html",
        p=page,
        a=page.assessment,
        ev=page.evaluation,
        ruleset=page.ruleset,
        errors=errors or {},
        problems=problems or [],
        posted=request.form if request.method == "POST" else {},
        form_name=form_name,
        today=today(),
    ), status


def _act(assessment_id: int, form_name: str, do: Callable[[Any], Any], done: str) -> Response | tuple[str, int]:
    """Run one workflow action on the assessment, commit, and come back; show every problem on failure."""
    assessment = assessment_service.get_assessment(assessment_id)
    try:
        do(assessment)
    except ValidationFailed as exc:
        db.session.rollback()
        return _page(assessment_id, 400, exc.fields, [] if exc.fields else exc.problems, form_name)
    except DomainError as exc:
        db.session.rollback()
        return _page(assessment_id, exc.status_code, {}, exc.problems, form_name)
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("review.view", assessment_id=assessment_id))


def _reply_to() -> int | None:
    """Return the comment replied to; a given but malformed id becomes -1, which the service refuses by name."""
    if not (request.form.get("parent_id") or "").strip():
        return None
    parent = _int("parent_id")
    return parent if parent is not None else -1


@bp.route("/bedomningar/<int:assessment_id>/granskning")
@allow(*ANY_ROLE)
def view(assessment_id: int) -> tuple[str, int]:
    return _page(assessment_id)


@bp.route("/bedomningar/<int:assessment_id>/skicka-in", methods=["POST"])
@allow(*EDITORS)
def submit(assessment_id: int) -> Response | tuple[str, int]:
    return _act(
        assessment_id, "submit", lambda a: workflow.submit(a, current_user), "Bedömningen är inskickad för granskning."
    )


@bp.route("/bedomningar/<int:assessment_id>/kommentarer", methods=["POST"])
@allow(*COMMENTERS)
def comment(assessment_id: int) -> Response | tuple[str, int]:
    return _act(
        assessment_id,
        "comment",
        lambda a: review_service.add_comment(
            a, current_user, request.form.get("text", ""), request.form.get("question_id") or None, _reply_to()
        ),
        "Kommentaren är sparad.",
    )


@bp.route("/bedomningar/<int:assessment_id>/begar-andringar", methods=["POST"])
@allow(*REVIEWERS)
def request_changes(assessment_id: int) -> Response | tuple[str, int]:
    return _act(
        assessment_id,
        "request_changes",
        lambda a: review_service.request_changes(
            a, current_user, request.form.get("area", ""), request.form.get("reason", "")
        ),
        "Bedömningen är skickad tillbaka till arkitekten med dina ändringsönskemål.",
    )


@bp.route("/bedomningar/<int:assessment_id>/godkann", methods=["POST"])
@allow(*REVIEWERS)
def approve(assessment_id: int) -> Response | tuple[str, int]:
    return _act(
        assessment_id,
        "approve",
        lambda a: review_service.approve_area(
            a, current_user, request.form.get("area", ""), request.form.get("note", "")
        ),
        "Området är godkänt.",
    )


@bp.route("/bedomningar/<int:assessment_id>/havning", methods=["POST"])
@allow(*REVIEWERS)
def override(assessment_id: int) -> Response | tuple[str, int]:
    return _act(
        assessment_id,
        "override",
        lambda a: review_service.record_override(
            a,
            current_user,
            request.form.get("question_id", ""),
            request.form.get("reference", ""),
            request.form.get("author", ""),
            _date("finding_date"),
            _date("review_date"),
        ),
        "Stoppträffen är hävd och visas som villkor (hävd).",
    )


@bp.route("/bedomningar/<int:assessment_id>/ateruppta", methods=["POST"])
@allow(*EDITORS)
def reopen(assessment_id: int) -> Response | tuple[str, int]:
    return _act(
        assessment_id,
        "reopen",
        lambda a: workflow.reopen(a, current_user),
        "Bedömningen är ett utkast igen: gör ändringarna och skicka in den på nytt.",
    )


def _conditions() -> list[decisions.ConditionInput]:
    ids = {k[len("cond_") :].rsplit("_", 1)[0] for k in request.form if k.startswith("cond_")}
    return [
        decisions.ConditionInput(
            qid,
            _int(f"cond_{qid}_owner"),
            _date(f"cond_{qid}_deadline"),
            request.form.get(f"cond_{qid}_gate", ""),
            _int(f"cond_{qid}_months"),
        )
        for qid in sorted(ids)
    ]


@bp.route("/bedomningar/<int:assessment_id>/beslut", methods=["POST"])
@allow(Role.DECISION_MAKER)
def decide(assessment_id: int) -> Response | tuple[str, int]:
    def do(a: Any) -> None:
        raw_next = request.form.get("next_review", "").strip()
        if raw_next and _date("next_review") is None:
            raise ValidationFailed("Ange datum som ÅÅÅÅ-MM-DD.", fields={"next_review": "Ange datum som ÅÅÅÅ-MM-DD."})
        queries.decide_and_store(
            a,
            current_user,
            request.form.get("outcome", ""),
            request.form.get("residual_risks", ""),
            _date("next_review"),
            _conditions(),
            today(),
        )

    return _act(assessment_id, "decide", do, "Beslutet är fattat och posten är fryst.")


@bp.route("/bedomningar/<int:assessment_id>/ny-revision", methods=["POST"])
@allow(*EDITORS)
def revise(assessment_id: int) -> Response | tuple[str, int]:
    assessment = assessment_service.get_assessment(assessment_id)
    try:
        new = workflow.revise(assessment, current_user)
    except DomainError as exc:
        db.session.rollback()
        return _page(assessment_id, exc.status_code, {}, exc.problems, "revise")
    db.session.commit()
    flash("En ny revision är skapad som utkast med en kopia av svaren; den gamla är ersatt.", "success")
    return redirect(url_for("assessments.view", assessment_id=new.id))


@bp.route("/bedomningar/<int:assessment_id>/protokoll")
@allow(*ANY_ROLE)
def record(assessment_id: int) -> tuple[str, int]:
    data = queries.record_page(assessment_id)
    return render_template("review/record.html", **data), 200


@bp.route("/bedomningar/<int:assessment_id>/historik")
@allow(*ANY_ROLE)
def history(assessment_id: int) -> str:
    assessment, events = queries.history(assessment_id)
    return render_template("review/history.html", a=assessment, events=events)


@bp.route("/villkor/<int:condition_id>/uppfyllt", methods=["POST"])
@allow(*ANY_ROLE)
def fulfil(condition_id: int) -> Response | tuple[str, int]:
    condition = decisions.get_condition(condition_id)
    try:
        decisions.fulfil_condition(
            condition, current_user, request.form.get("note", ""), request.form.get("evidence", "")
        )
    except DomainError as exc:
        db.session.rollback()
        page = render_template(
            "review/tasks.html",
            t=queries.my_tasks(current_user, today()),
            today=today(),
            problems=exc.problems,
            failed=condition_id,
        )
        return page, exc.status_code
    db.session.commit()
    flash("Villkoret är markerat som uppfyllt.", "success")
    return redirect(url_for("review.tasks"))


@bp.route("/mina-uppgifter")
@allow(*ANY_ROLE)
def tasks() -> str:
    return render_template("review/tasks.html", t=queries.my_tasks(current_user, today()), today=today())
