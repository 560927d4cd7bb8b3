"""Scenarios on an assessment: the list, the editor with its live hypothetical result, and removal."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from assess.extensions import db
from assess.i18n import _
from assess.models import Assessment
from assess.models.support import Scenario
from assess.services import assessments as assessment_service
from assess.services import scenarios as service
from assess.services.errors import Conflict, ValidationFailed
from assess.services.evaluation import evaluate_assessment, ruleset_for
from assess.views.access import ANY_ROLE, EDITORS, allow

bp = Blueprint("scenarios", __name__)


def _posted_answers(questions: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """Read the editor's selects (q_<id> and q_<id>_evidence), also for questions no longer open (refused later)."""
    qids = dict.fromkeys(questions)
    for key in request.form:
        if key.startswith("q_") and not key.endswith("_evidence"):
            qids.setdefault(key[2:], None)
    return {
        qid: {"value": request.form.get(f"q_{qid}", ""), "evidence": request.form.get(f"q_{qid}_evidence", "")}
        for qid in qids
    }


def _version() -> int | None:
    raw = request.form.get("version", "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else None


def _list_page(assessment: Assessment, errors: dict[str, str] | None = None, status: int = 200) -> tuple[str, int]:
    results = service.scenarios_of([assessment.id])[assessment.id]
    return render_template(
        "scenarios/list.html",
        a=assessment,
        results=results,
        real=evaluate_assessment(assessment),
        may_edit=service.may_edit(current_user, assessment),
        errors=errors or {},
        typed={"name": request.form.get("name", ""), "description": request.form.get("description", "")},
    ), status


@bp.route("/bedomningar/<int:assessment_id>/scenarier", methods=["GET"])
@allow(*ANY_ROLE)
def list_scenarios(assessment_id: int) -> tuple[str, int]:
    return _list_page(assessment_service.get_assessment(assessment_id))


@bp.route("/bedomningar/<int:assessment_id>/scenarier", methods=["POST"])
@allow(*EDITORS)
def new_scenario(assessment_id: int) -> Response | tuple[str, int]:
    assessment = assessment_service.get_assessment(assessment_id)
    try:
        scenario = service.create_scenario(
            assessment, request.form.get("name", ""), current_user, request.form.get("description", "")
        )
    except ValidationFailed as exc:
        db.session.rollback()
        return _list_page(assessment_service.get_assessment(assessment_id), exc.fields, 400)
    db.session.commit()
    flash(_("Scenariot är skapat. Välj de hypotetiska svaren och spara."), "success")
    return redirect(url_for("scenarios.edit", scenario_id=scenario.id))


def _editor(
    scenario: Scenario,
    values: dict[str, dict[str, Any]] | None = None,
    errors: dict[str, str] | None = None,
    problems: list[str] | None = None,
    status: int = 200,
    version: int | None = None,
    name: str | None = None,
    description: str | None = None,
    filled: bool = False,
) -> tuple[str, int]:
    """Render the editor: the saved scenario's result beside the real one; `values` are what the form shows."""
    assessment = scenario.assessment
    real = evaluate_assessment(assessment)
    questions = tuple(real.open_questions)
    # Questions the scenario answers that are no longer open stay visible (marked) until saved again.
    extra = tuple(q for q in (scenario.answers or {}) if q not in questions)
    shown = {
        qid: {"value": str(item.get("value", "")), "evidence": str(item.get("evidence") or service.DEFAULT_EVIDENCE)}
        for qid, item in (values if values is not None else scenario.answers or {}).items()
    }
    return render_template(
        "scenarios/edit.html",
        a=assessment,
        scenario=scenario,
        ruleset=ruleset_for(assessment),
        real=real,
        result=service.evaluate_scenario(assessment, scenario),
        questions=questions,
        extra=extra,
        shown=shown,
        errors=errors or {},
        problems=problems or [],
        version=scenario.version if version is None else version,
        name=scenario.name if name is None else name,
        description=scenario.description if description is None else description,
        may_edit=service.may_edit(current_user, assessment),
        filled=filled,
        evidence_levels=service.EVIDENCE_LEVELS,
    ), status


@bp.route("/scenarier/<int:scenario_id>", methods=["GET"])
@allow(*ANY_ROLE)
def edit(scenario_id: int) -> tuple[str, int]:
    return _editor(service.get_scenario(scenario_id))


@bp.route("/scenarier/<int:scenario_id>", methods=["POST"])
@allow(*EDITORS)
def save(scenario_id: int) -> Response | tuple[str, int]:
    scenario = service.get_scenario(scenario_id)
    open_now = evaluate_assessment(scenario.assessment).open_questions
    posted = _posted_answers(open_now)
    name, description, version = request.form.get("name", ""), request.form.get("description", ""), _version()
    typed = {"name": name, "description": description, "version": version}
    if request.form.get("action") == "fill":
        chosen = {q: v for q, v in posted.items() if v["value"]}
        try:
            filled = service.favourable_answers(scenario.assessment, chosen)
        except Conflict as exc:
            return _editor(scenario, posted, problems=exc.problems, status=409, **typed)
        flash(_("Formuläret är ifyllt med det gynnsammaste utfallet. Inget är sparat förrän du väljer Spara."), "info")
        return _editor(scenario, filled, filled=True, **typed)
    try:
        service.update_scenario(scenario, name, description, posted, version, current_user)
    except ValidationFailed as exc:
        db.session.rollback()
        return _editor(service.get_scenario(scenario_id), posted, exc.fields, status=400, **typed)
    except Conflict as exc:
        db.session.rollback()
        return _editor(service.get_scenario(scenario_id), posted, problems=exc.problems, status=409, **typed)
    db.session.commit()
    flash(_("Scenariot är sparat. Bedömningens svar är oförändrade."), "success")
    return redirect(url_for("scenarios.edit", scenario_id=scenario_id))


@bp.route("/scenarier/<int:scenario_id>/ta-bort", methods=["POST"])
@allow(*EDITORS)
def delete(scenario_id: int) -> Response | tuple[str, int]:
    scenario = service.get_scenario(scenario_id)
    if request.form.get("confirm") != "yes":
        if not service.may_edit(current_user, scenario.assessment):
            raise Conflict(
                _("Bedömningen är beslutad: dess scenarier hör till det som övervägdes och kan inte längre ändras.")
            )
        return render_template("scenarios/delete.html", scenario=scenario, a=scenario.assessment), 200
    assessment_id = scenario.assessment_id
    service.delete_scenario(scenario, current_user)
    db.session.commit()
    flash(_("Scenariot är borttaget."), "success")
    return redirect(url_for("scenarios.list_scenarios", assessment_id=assessment_id))
