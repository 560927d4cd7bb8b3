"""Cases: the list, one case's page, editing cases, alternatives and modules, and the comparison."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from assess import texts
from assess.extensions import db
from assess.forms.cases import AlternativeForm, CaseForm, ModuleForm
from assess.i18n import _
from assess.services import assessments as assessment_service
from assess.services import cases as case_service
from assess.services.errors import Conflict, ValidationFailed
from assess.views.access import ANY_ROLE, EDITORS, allow

bp = Blueprint("cases", __name__)


def _form_values(form: CaseForm | AlternativeForm) -> dict[str, str]:
    return {name: (field.data or "") for name, field in form._fields.items() if name not in ("csrf_token", "loaded_at")}


def _refused(form: CaseForm | AlternativeForm | ModuleForm, exc: ValidationFailed | Conflict) -> int:
    """Put a refused save's messages on the form; return the status to answer with."""
    db.session.rollback()
    for name, message in exc.fields.items():
        if name in form:
            form[name].errors = [*form[name].errors, message]
    if not exc.fields:
        form.form_errors.extend(exc.problems)
    return exc.status_code


@bp.route("/")
@allow(*ANY_ROLE)
def index() -> Response:
    return redirect(url_for("cases.list_cases"))


@bp.route("/arenden")
@allow(*ANY_ROLE)
def list_cases() -> str:
    return render_template("cases/list.html", cases=case_service.list_cases())


@bp.route("/arenden/<int:case_id>")
@allow(*ANY_ROLE)
def view_case(case_id: int) -> str:
    case = case_service.get_case(case_id)
    modules = case_service.case_modules(case)
    evaluations = case_service.case_evaluations(case, (m.current for items in modules.values() for m in items))
    return render_template("cases/view.html", case=case, modules=modules, evaluations=evaluations)


@bp.route("/arenden/ny", methods=["GET", "POST"])
@allow(*EDITORS)
def new_case() -> Response | tuple[str, int]:
    form = CaseForm()
    if form.validate_on_submit():
        case = case_service.create_case(_form_values(form), current_user)
        db.session.commit()
        flash(_("Ärendet är skapat. Lägg till alternativen."), "success")
        return redirect(url_for("cases.view_case", case_id=case.id))
    return render_template("cases/form.html", form=form, case=None), 400 if form.errors else 200


@bp.route("/arenden/<int:case_id>/redigera", methods=["GET", "POST"])
@allow(*EDITORS)
def edit_case(case_id: int) -> Response | tuple[str, int]:
    case = case_service.get_case(case_id)
    form = CaseForm(obj=case)
    status = 200
    if form.validate_on_submit():
        try:
            case_service.update_case(case, _form_values(form), current_user, form.loaded_at.data)
        except (ValidationFailed, Conflict) as exc:
            status = _refused(form, exc)
        else:
            db.session.commit()
            flash(_("Ärendet är sparat."), "success")
            return redirect(url_for("cases.view_case", case_id=case.id))
    elif form.errors:
        status = 400
    if not form.is_submitted():
        form.loaded_at.data = case.updated_at.isoformat()
    return render_template("cases/form.html", form=form, case=case), status


@bp.route("/arenden/<int:case_id>/alternativ/nytt", methods=["GET", "POST"])
@allow(*EDITORS)
def new_alternative(case_id: int) -> Response | tuple[str, int]:
    case = case_service.get_case(case_id)
    form = AlternativeForm()
    status = 200
    if form.validate_on_submit():
        try:
            alternative = case_service.create_alternative(case, _form_values(form), current_user)
            assessment_service.start_assessment(alternative, texts.WHOLE_ALTERNATIVE, current_user)
        except (ValidationFailed, Conflict) as exc:
            status = _refused(form, exc)
        else:
            db.session.commit()
            flash(_("Alternativet är skapat med en bedömning av hela alternativet."), "success")
            return redirect(url_for("cases.view_case", case_id=case.id))
    elif form.errors:
        status = 400
    return render_template("cases/alternative_form.html", form=form, case=case, alternative=None), status


@bp.route("/alternativ/<int:alternative_id>/redigera", methods=["GET", "POST"])
@allow(*EDITORS)
def edit_alternative(alternative_id: int) -> Response | tuple[str, int]:
    alternative = case_service.get_alternative(alternative_id)
    form = AlternativeForm(obj=alternative)
    status = 200
    if form.validate_on_submit():
        try:
            case_service.update_alternative(alternative, _form_values(form), current_user, form.loaded_at.data)
        except (ValidationFailed, Conflict) as exc:
            status = _refused(form, exc)
        else:
            db.session.commit()
            flash(_("Alternativet är sparat."), "success")
            return redirect(url_for("cases.view_case", case_id=alternative.case_id))
    elif form.errors:
        status = 400
    if not form.is_submitted():
        form.loaded_at.data = alternative.updated_at.isoformat()
    return render_template(
        "cases/alternative_form.html", form=form, case=alternative.case, alternative=alternative
    ), status


@bp.route("/alternativ/<int:alternative_id>/moduler/ny", methods=["GET", "POST"])
@allow(*EDITORS)
def new_module(alternative_id: int) -> Response | tuple[str, int]:
    alternative = case_service.get_alternative(alternative_id)
    form = ModuleForm()
    status = 200
    if form.validate_on_submit():
        try:
            assessment = assessment_service.start_assessment(
                alternative, form.scope.data or "", current_user, form.description.data or ""
            )
        except (ValidationFailed, Conflict) as exc:
            status = _refused(form, exc)
        else:
            db.session.commit()
            flash(_("Bedömningen av %(scope)s är påbörjad.", scope=assessment.scope), "success")
            return redirect(url_for("assessments.view", assessment_id=assessment.id))
    elif form.errors:
        status = 400
    return render_template("cases/module_form.html", form=form, alternative=alternative), status


@bp.route("/arenden/<int:case_id>/jamforelse")
@allow(*ANY_ROLE)
def compare(case_id: int) -> str:
    case, rows = case_service.comparison(case_id)
    return render_template("cases/comparison.html", case=case, rows=rows)
