"""Cases: the list, one case's page, editing cases, alternatives and modules, and the comparison."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from assess import texts
from assess.extensions import db
from assess.forms.cases import (
    AlternativeForm,
    CaseFilterForm,
    CaseForm,
    ContactForm,
    ModuleForm,
    RemoveForm,
    TeamMemberForm,
)
from assess.i18n import _
from assess.models import Role
from assess.services import assessments as assessment_service
from assess.services import cases as case_service
from assess.services import team as team_service
from assess.services import users as user_service
from assess.services.errors import Conflict, DomainError, ValidationFailed
from assess.views.access import ANY_ROLE, EDITORS, allow
from assess.views.paging import page_number, today

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
    form = CaseFilterForm(request.args, meta={"csrf": False})
    form.validate()
    wanted = case_service.CaseFilter(
        page=page_number(),
        text=(form.sok.data or "").strip() if not form.sok.errors else "",
        status=form.status.data if not form.status.errors else "",
        verdict=form.utfall.data if not form.utfall.errors else "",
        owner=(form.agare.data or "").strip() if not form.agare.errors else "",
        overdue=bool(form.forsenat.data),
    )
    listing = case_service.list_cases(wanted, today())
    return render_template("cases/list.html", listing=listing, cases=listing.cases, form=form, wanted=wanted)


@bp.route("/arenden/<int:case_id>")
@allow(*ANY_ROLE)
def view_case(case_id: int) -> str:
    case = case_service.get_case(case_id)
    modules = case_service.case_modules(case)
    evaluations = case_service.case_evaluations(case, (m.current for items in modules.values() for m in items))
    return render_template(
        "cases/view.html",
        case=case,
        modules=modules,
        evaluations=evaluations,
        team=team_service.team_of(case),
        TEAM_ROLE_LABELS=team_service.TEAM_ROLE_LABELS,
    )


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


# --- the case team --------------------------------------------------------------------------------------------


def _id(value: object) -> int | None:
    """Return a picked id ("12"), or None for the empty choice or anything that is not one."""
    text = value if isinstance(value, str) else ""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 10 else None


def _team_forms(case: case_service.Case) -> tuple[TeamMemberForm, ContactForm]:
    member_form, contact_form = TeamMemberForm(prefix="member"), ContactForm(prefix="contact")
    people = [u for u in user_service.list_users() if u.active and (u.roles - {Role.VIEWER})]
    member_form.user.choices = [
        SelectChoice("", _("Välj person")),
        *(SelectChoice(str(u.id), f"{u.display_name} ({', '.join(u.role_labels())})") for u in people),
    ]
    member_form.role.choices = [
        SelectChoice("", _("Välj roll")),
        *(SelectChoice(r.value, _(label)) for r, label in team_service.TEAM_ROLE_LABELS.items()),
    ]
    contact_form.alternative.choices = [
        SelectChoice("", _("Hela ärendet")),
        *(SelectChoice(str(a.id), a.name) for a in case.alternatives),
    ]
    return member_form, contact_form


def _team_page(
    case: case_service.Case, member_form: TeamMemberForm, contact_form: ContactForm, status: int = 200
) -> tuple[str, int]:
    team = team_service.team_of(case)
    return render_template(
        "cases/team.html",
        case=case,
        team=team,
        member_form=member_form,
        contact_form=contact_form,
        remove_form=RemoveForm(),
        can_manage=team_service.may_manage(current_user, case, team),
        role_labels=team_service.TEAM_ROLE_LABELS,
    ), status


def _put_errors(form: TeamMemberForm | ContactForm, exc: DomainError, names: dict[str, str]) -> int:
    db.session.rollback()
    for key, message in exc.fields.items():
        name = names.get(key, key)
        if name in form:
            form[name].errors = [*form[name].errors, message]
        else:
            form.form_errors.append(message)
    if not exc.fields:
        form.form_errors.extend(exc.problems)
    return exc.status_code


@bp.route("/arenden/<int:case_id>/team")
@allow(*ANY_ROLE)
def team(case_id: int) -> tuple[str, int]:
    case = case_service.get_case(case_id)
    return _team_page(case, *_team_forms(case))


@bp.route("/arenden/<int:case_id>/team/medlem", methods=["POST"])
@allow(*EDITORS)
def add_member(case_id: int) -> Response | tuple[str, int]:
    case = case_service.get_case(case_id)
    member_form, contact_form = _team_forms(case)
    if not member_form.validate_on_submit():
        return _team_page(case, member_form, contact_form, 400)
    try:
        team_service.add_member(case, _id(member_form.user.data), member_form.role.data or "", current_user)
    except DomainError as exc:
        return _team_page(case, member_form, contact_form, _put_errors(member_form, exc, {}))
    db.session.commit()
    flash(_("Personen är tillagd i teamet."), "success")
    return redirect(url_for("cases.team", case_id=case.id))


@bp.route("/arenden/<int:case_id>/team/medlem/<int:member_id>/ta-bort", methods=["POST"])
@allow(*EDITORS)
def remove_member(case_id: int, member_id: int) -> Response | tuple[str, int]:
    case = case_service.get_case(case_id)
    if not RemoveForm().validate_on_submit():
        return _team_page(case, *_team_forms(case), status=400)
    team_service.remove_member(case, member_id, current_user)
    db.session.commit()
    flash(_("Personen är borttagen ur teamet."), "success")
    return redirect(url_for("cases.team", case_id=case.id))


@bp.route("/arenden/<int:case_id>/team/kontakt", methods=["POST"])
@allow(*EDITORS)
def add_contact(case_id: int) -> Response | tuple[str, int]:
    case = case_service.get_case(case_id)
    member_form, contact_form = _team_forms(case)
    if not contact_form.validate_on_submit():
        return _team_page(case, member_form, contact_form, 400)
    alternative = contact_form.alternative.data or ""
    try:
        team_service.add_contact(
            case,
            contact_form.name.data or "",
            contact_form.organisation.data or "",
            contact_form.email.data or "",
            _id(alternative),
            current_user,
        )
    except DomainError as exc:
        return _team_page(case, member_form, contact_form, _put_errors(contact_form, exc, {}))
    db.session.commit()
    flash(_("Kontakten är tillagd."), "success")
    return redirect(url_for("cases.team", case_id=case.id))


@bp.route("/arenden/<int:case_id>/team/kontakt/<int:contact_id>/ta-bort", methods=["POST"])
@allow(*EDITORS)
def remove_contact(case_id: int, contact_id: int) -> Response | tuple[str, int]:
    case = case_service.get_case(case_id)
    if not RemoveForm().validate_on_submit():
        return _team_page(case, *_team_forms(case), status=400)
    team_service.remove_contact(case, contact_id, current_user)
    db.session.commit()
    flash(_("Kontakten är borttagen."), "success")
    return redirect(url_for("cases.team", case_id=case.id))
