"""Account administration for admins: list and search, create local accounts, roles and areas, deactivate.

Every change goes through the account services, which record it in the audit trail with the admin as actor;
an account's page shows that history, so who granted the admin role is always visible. The group mapping of
the identity provider is shown read-only (it is a file the region keeps, ASSESS_OIDC_GROUP_MAPPING_FILE).
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from assess.extensions import db
from assess.forms.admin import ConfirmForm, NewAccountForm, RolesForm
from assess.i18n import _
from assess.labels import role_labels
from assess.models import Role, User
from assess.services import identity
from assess.services import users as user_service
from assess.services.errors import ValidationFailed
from assess.views.access import allow

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _account(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    return user


@bp.route("/")
@allow(Role.ADMIN)
def index() -> Response:
    return redirect(url_for("admin.accounts"))


@bp.route("/konton")
@allow(Role.ADMIN)
def accounts() -> str:
    query = request.args.get("q", "")[:200]
    raw_page = request.args.get("sida", "1")
    page = int(raw_page) if raw_page.isascii() and raw_page.isdigit() and len(raw_page) < 7 else 1
    result = identity.search_accounts(query, page)
    return render_template("admin/accounts.html", result=result, query=query)


@bp.route("/konton/nytt", methods=["GET", "POST"])
@allow(Role.ADMIN)
def new_account() -> str | Response | tuple[str, int]:
    form = NewAccountForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = user_service.create_user(
                username=form.username.data or "",
                display_name=form.display_name.data or "",
                password=form.password.data or "",
                roles=form.roles.data or [],
                areas=(form.areas.data or []) if Role.REVIEWER.value in (form.roles.data or []) else [],
                email=form.email.data or "",
                actor=current_user,
            )
        except ValidationFailed as exc:
            db.session.rollback()
            form.form_errors.extend(exc.problems)
            status = 400
        else:
            db.session.commit()
            flash(_("Kontot %(username)s är skapat.", username=user.username), "success")
            return redirect(url_for("admin.account", user_id=user.id))
    elif form.is_submitted():
        status = 400
    return render_template("admin/new_account.html", form=form), status


def _account_page(user: User, roles_form: RolesForm, status: int = 200) -> tuple[str, int]:
    html = render_template(
        "admin/account.html",
        user=user,
        roles_form=roles_form,
        confirm=ConfirmForm(formdata=None),
        history=identity.account_history(user.id),
        live_sessions=identity.live_session_count(user.id),
    )
    return html, status


@bp.route("/konton/<int:user_id>", methods=["GET", "POST"])
@allow(Role.ADMIN)
def account(user_id: int) -> str | Response | tuple[str, int]:
    user = _account(user_id)
    if request.method == "GET":
        form = RolesForm(
            formdata=None,
            roles=[r.value for r in user.roles],
            areas=[a.value for a in user.review_areas],
        )
        return _account_page(user, form)
    form = RolesForm()
    if not form.validate_on_submit():
        return _account_page(user, form, 400)
    try:
        identity.set_account_roles(user, form.roles.data or [], form.areas.data or [], actor=current_user)
    except ValidationFailed as exc:
        db.session.rollback()
        form.form_errors.extend(exc.problems)
        return _account_page(_account(user_id), form, 400)
    db.session.commit()
    flash(_("Rollerna för %(name)s är sparade.", name=user.display_name), "success")
    return redirect(url_for("admin.account", user_id=user.id))


@bp.route("/konton/<int:user_id>/avaktivera", methods=["POST"])
@allow(Role.ADMIN)
def deactivate(user_id: int) -> Response | tuple[str, int]:
    user = _account(user_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _account_page(user, RolesForm(formdata=None), 400)
    try:
        identity.deactivate_account(user, current_user)
    except ValidationFailed as exc:
        db.session.rollback()
        flash(" ".join(exc.problems), "error")
        return redirect(url_for("admin.account", user_id=user_id))
    db.session.commit()
    flash(_("%(name)s är avaktiverad och utloggad överallt.", name=user.display_name), "success")
    return redirect(url_for("admin.account", user_id=user_id))


@bp.route("/konton/<int:user_id>/aktivera", methods=["POST"])
@allow(Role.ADMIN)
def activate(user_id: int) -> Response | tuple[str, int]:
    user = _account(user_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _account_page(user, RolesForm(formdata=None), 400)
    identity.activate_user(user, current_user)
    db.session.commit()
    flash(_("%(name)s kan logga in igen.", name=user.display_name), "success")
    return redirect(url_for("admin.account", user_id=user_id))


@bp.route("/gruppmappning")
@allow(Role.ADMIN)
def group_mapping() -> str:
    config = current_app.config
    mapping = problem = None
    if config.get("OIDC_GROUP_MAPPING_FILE"):
        try:
            mapping = identity.load_group_mapping(config["OIDC_GROUP_MAPPING_FILE"])
        except identity.MappingError as exc:
            problem = str(exc)
    return render_template(
        "admin/group_mapping.html",
        mapping=mapping,
        rows=[
            (rule, role_labels({r.value for r in rule.roles}, {a.value for a in rule.areas}))
            for rule in (mapping.rules if mapping else ())
        ],
        problem=problem,
        issuer=config.get("OIDC_ISSUER"),
        claim=config.get("OIDC_GROUPS_CLAIM"),
        local_login=config.get("LOCAL_LOGIN"),
        emergency_admins=config.get("EMERGENCY_ADMINS") or (),
    )
