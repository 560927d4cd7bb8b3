"""The questionnaire: one step per area, a live result panel, explicit save and autosave."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from assess import labels
from assess.extensions import db
from assess.forms.questionnaire import (
    QuestionnaireForm,
    area_form_class,
    base_digest_of,
    base_of,
    field_names,
    form_data,
    inputs_from_form,
    keep_mine,
    set_assignee_choices,
)
from assess.i18n import _, ngettext
from assess.models import Role
from assess.services import assessments as service
from assess.services import review_in_place, workflow
from assess.services.assessments import encode_digests
from assess.services.errors import ValidationFailed
from assess.services.evaluation import ruleset_for
from assess.services.scenarios import scenarios_of
from assess.services.team import answerable_questions
from assess.views.access import ANY_ROLE, allow
from assess.views.security import done_writing

bp = Blueprint("assessments", __name__)
#: Who may post answers: architects and admins any, the others (not viewers) the questions assigned to them.
ANSWERERS = (Role.ADMIN, Role.ARCHITECT, Role.REVIEWER, Role.DECISION_MAKER)
AREAS = ("context", "legal", "infosec", "patient_safety")


def _step() -> str:
    step = request.args.get("steg", "context")
    if step not in AREAS:
        abort(404)
    return step


def _check_posted_fields(form_class: type[QuestionnaireForm]) -> None:
    """Refuse a post that names questions this step does not have (a forged or stale form): 400, nothing saved."""
    allowed = field_names(form_class.ruleset, form_class.area_id)
    forged = [k for k in request.form if k.startswith("q_") and k not in allowed]
    if forged:
        abort(400)


def _apply_errors(form: QuestionnaireForm, exc: ValidationFailed) -> None:
    for name, message in exc.fields.items():
        if name in form:
            form[name].errors = [*form[name].errors, message]
        else:
            form.form_errors.append(message)


def _page(
    data: service.QuestionnaireData,
    step: str,
    form: QuestionnaireForm,
    status: int = 200,
    conflict: service.SaveConflict | None = None,
) -> tuple[str, int]:
    set_assignee_choices(form, data)
    answerable = data.answerable(current_user)
    return render_template(
        "assessments/view.html",
        data=data,
        a=data.assessment,
        ruleset=data.ruleset,
        ev=data.evaluation,
        step=step,
        form=form,
        # The page is editable when the user may answer any question; each question says whether it is theirs.
        editable=bool(answerable),
        full_editor=service.can_edit(current_user, data.assessment),
        answerable=answerable,
        conflict=conflict,
        # The review in place: comment threads at their questions, and what the reviewers asked for.
        review=review_in_place.questionnaire_review(data.assessment),
        may_comment=review_in_place.may(data.assessment, workflow.Action.COMMENT, current_user),
        may_reopen=review_in_place.may(data.assessment, workflow.Action.REOPEN, current_user),
        # The assessment's scenarios (hypothetical, never its answers): templates/scenarios/_list.html calls it.
        scenarios_of=scenarios_of,
    ), status


@bp.route("/bedomningar/<int:assessment_id>", methods=["GET"])
@allow(*ANY_ROLE)
def view(assessment_id: int) -> tuple[str, int]:
    step = _step()
    data = service.load_questionnaire(assessment_id)
    form_class = area_form_class(data.ruleset, step)
    form = form_class(
        formdata=None, data=form_data(data.ruleset, step, data.assessment.answers, data.assessment.version)
    )
    return _page(data, step, form)


#: How many times a save is tried when another save of the same assessment committed in between.
SAVE_ATTEMPTS = 3


def _save_posted(
    assessment_id: int, step: str
) -> tuple[service.SaveResult | None, QuestionnaireForm, service.QuestionnaireData | None, Exception | None]:
    """Validate the posted step and save it, trying again when another save raced it.

    Return (result, form, data, problem): `problem` is the form's invalidity (a ValidationFailed), a
    SaveConflict, or None; `data` is the questionnaire as loaded for the save (None when saved).
    """
    problem: Exception | None = None
    for _attempt in range(SAVE_ATTEMPTS):
        assessment = service.get_assessment(assessment_id)
        ruleset = ruleset_for(assessment)
        form_class = area_form_class(ruleset, step)
        _check_posted_fields(form_class)
        form = form_class()
        if not form.validate():
            return None, form, service.questionnaire_data(assessment), ValidationFailed()
        try:
            result = service.save_answers(
                assessment,
                _mine_only(assessment, ruleset, inputs_from_form(form)),
                int(form.base_version.data),
                current_user,
                base_of(form),
            )
        except service.SaveRaced as exc:
            db.session.rollback()
            problem = exc
            continue
        except (service.SaveConflict, ValidationFailed) as exc:
            db.session.rollback()
            return None, form, service.load_questionnaire(assessment_id), exc
        return result, form, None, None
    return None, form, service.load_questionnaire(assessment_id), problem


def _mine_only(assessment: Any, ruleset: Any, inputs: dict[str, service.AnswerInput]) -> dict[str, service.AnswerInput]:
    """Keep, for someone who answers only the questions assigned to them, just those questions (their page shows
    the others disabled, and a browser does not send disabled fields), with the assignee as stored."""
    if service.can_edit(current_user, assessment):
        return inputs
    mine = answerable_questions(current_user, assessment, ruleset)
    stored = {row.question_id: row for row in assessment.answers}
    kept = {}
    for qid, given in inputs.items():
        if qid in mine:
            now = service.answer_input_of(stored.get(qid))
            kept[qid] = replace(given, unknown_owner=now.unknown_owner, unknown_due=now.unknown_due)
    return kept


@bp.route("/bedomningar/<int:assessment_id>", methods=["POST"])
@allow(*ANSWERERS)
def save(assessment_id: int) -> Response | tuple[str, int]:
    step = _step()
    result, form, data, problem = _save_posted(assessment_id, step)
    if result is None:
        assert data is not None
        if isinstance(problem, service.SaveConflict):
            # Show the answers as they are now, with the user's own changes kept on top: saving again then
            # keeps the user's values deliberately and never writes their stale view of the other answers back.
            rebuilt = type(form)(
                formdata=None,
                data=form_data(data.ruleset, step, data.assessment.answers, problem.current_version),
            )
            keep_mine(rebuilt, form, problem.mine)
            return _page(data, step, rebuilt, 409, problem)
        if isinstance(problem, ValidationFailed) and problem.fields:
            _apply_errors(form, problem)
        elif problem is not None and not isinstance(problem, ValidationFailed):
            form.form_errors.append(str(problem))
        return _page(data, step, form, 409 if isinstance(problem, service.SaveRaced) else 400)
    db.session.commit()
    flash(
        ngettext("Sparat (%(num)s fråga ändrad).", "Sparat (%(num)s frågor ändrade).", len(result.changed))
        if result.changed
        else _("Inga ändringar att spara."),
        "success",
    )
    # "Spara och gå till nästa steg": only after a successful save (any problem above stays on the step).
    if request.form.get("action") == "save_next":
        step = service.next_step(type(form).ruleset, step) or step
    return redirect(url_for("assessments.view", assessment_id=assessment_id, steg=step))


@bp.route("/bedomningar/<int:assessment_id>/autospara", methods=["POST"])
@allow(*ANSWERERS)
def autosave(assessment_id: int) -> tuple[Response, int]:
    step = _step()
    result, form, data, problem = _save_posted(assessment_id, step)
    if result is None:
        assert data is not None
        if isinstance(problem, service.SaveConflict):
            html = render_template(
                "assessments/_conflict.html", conflict=problem, a=data.assessment, step=step, live=True
            )
            return jsonify(
                ok=False,
                reason="conflict",
                conflict_html=html,
                conflicts=problem.current_digests,
                mine=sorted(problem.mine),
            ), 409
        if isinstance(problem, service.SaveRaced):
            return jsonify(ok=False, reason="raced", message=str(problem)), 409
        # The messages are in the user's language (the form's lazily translated ones are made text here).
        errors: dict[str, list[str]] = {k: [str(m) for m in v] for k, v in form.errors.items()}
        if isinstance(problem, ValidationFailed):
            for name, message in problem.fields.items():
                errors.setdefault(name, []).append(str(message))
        return jsonify(ok=False, reason="invalid", errors=errors), 400
    db.session.commit()
    done_writing()
    fresh = service.load_questionnaire(assessment_id)
    page = base_of(form)
    if page is None:
        digest = base_digest_of(fresh.ruleset, step, fresh.assessment.answers)
    else:
        digest = encode_digests({**page, **result.digests})
    stale_html = (
        render_template("assessments/_stale.html", stale=result.stale, a=fresh.assessment, step=step)
        if result.stale
        else ""
    )
    return (
        jsonify(
            **_live(fresh, step),
            ok=True,
            changed=list(result.changed),
            # The page takes the new version only when it shows every stored answer of its step.
            version=result.version if result.in_sync else None,
            digest=digest,
            stale=[c.question_id for c in result.stale],
            stale_html=stale_html,
            announce=_announcement(fresh, result.changed),
        ),
        200,
    )


def _announcement(data: service.QuestionnaireData, changed: tuple[str, ...]) -> str:
    """Say what a screen reader user needs after a save: the verdict, and the outcome of each question saved."""
    ev = data.evaluation
    parts = [_("Resultat: %(verdict)s.", verdict=labels.VERDICT[ev.verdict])]
    for qid in changed:
        q = ev.questions.get(qid)
        if q is not None and q.shown and q.outcome:
            parts.append(_("%(question)s: %(outcome)s.", question=qid, outcome=labels.OUTCOME[q.outcome]))
    return " ".join(parts)


def _live(data: service.QuestionnaireData, step: str) -> dict[str, Any]:
    """Return what the page updates after a save: panel, step navigator, visibility and outcomes."""
    ev = data.evaluation
    return {
        "panel_html": render_template(
            "assessments/_panel.html", data=data, a=data.assessment, ruleset=data.ruleset, ev=ev, step=step
        ),
        "nav_html": render_template("assessments/_steps.html", data=data, a=data.assessment, step=step),
        "visible": {qid: q.shown for qid, q in ev.questions.items()},
        "outcomes": {
            qid: render_template("assessments/_outcome.html", qr=q, ruleset=data.ruleset, a=data.assessment)
            for qid, q in ev.questions.items()
            if data.ruleset.by_id[qid].area == step
        },
    }
