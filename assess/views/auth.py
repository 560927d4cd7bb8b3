"""Signing in and out, changing one's password, and picking up a form whose session ran out.

A session can end under a user's hands (idle too long, signed out in another tab, a new password). Nothing they
typed is lost: a post that arrives without a live session, or with an expired form token, is answered with a
page that keeps what was sent and asks them to sign in again; after signing in they send it again with one
click, to the same place, through the same checks (a save still notices what others changed meanwhile). The
page's own script gets the same answer as JSON and signs in again without leaving the page.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import generate_csrf
from werkzeug.wrappers import Response

from assess.extensions import db
from assess.forms.auth import LoginForm, PasswordForm, RemindersForm
from assess.i18n import N_, _
from assess.labels import FIELD
from assess.models import Role, User
from assess.models.types import utcnow
from assess.services import sessions
from assess.services import users as user_service
from assess.services.errors import Throttled, ValidationFailed
from assess.views.access import ANY_ROLE, allow

bp = Blueprint("auth", __name__)
#: Fields a resumed form carries back that no person typed (shown to nobody, sent back as they were).
TECHNICAL_FIELDS = {"csrf_token", "base_version", "base_digest", "loaded_at", "action"}
RESUME_PREFIX = "resume:"
_QUESTION_FIELD = re.compile(r"^q_([A-Z]-\d{2})(_[a-z]+)?$")
_SUFFIX_LABELS = {
    "": N_("svar"),
    "_motivation": N_("motivering"),
    "_ref": N_("underlagsreferens"),
    "_owner": N_("vem tar reda på det"),
    "_due": N_("senast"),
    "_evidence": N_("underlag"),
    "_unknown": N_("okänt ännu"),
}


def safe_next(target: str | None) -> str | None:
    """Return target when it is a path on this site (no scheme, host, backslash or control character)."""
    if not target or len(target) > 2000 or any(ord(c) < 0x20 or c in "\\\x7f" for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _wants_json() -> bool:
    from assess.views import wants_json

    return wants_json()


def _limits() -> dict[str, Any]:
    config = current_app.config
    return {
        "window": int(config["LOGIN_WINDOW_SECONDS"]),
        "max_account_ip": int(config["LOGIN_MAX_FAILURES_ACCOUNT_IP"]),
        "max_account": int(config["LOGIN_MAX_FAILURES_ACCOUNT"]),
        "max_ip": int(config["LOGIN_MAX_FAILURES_IP"]),
        "slowdown": float(config["LOGIN_SLOWDOWN_SECONDS"]),
    }


def _sign_in(username: str, password: str) -> tuple[User | None, str | None, int]:
    """Check the credentials and start a session; return (user, problem, HTTP status)."""
    from assess.services import identity

    ip = request.remote_addr or "-"
    config = current_app.config
    if not identity.local_login_allowed(username, config["LOCAL_LOGIN"], config["EMERGENCY_ADMINS"]):
        return None, _("Inloggning med lösenord är avstängd. Logga in med regionens konto."), 403
    try:
        ticket = user_service.begin_login(username, ip, **_limits())
    except Throttled as exc:
        db.session.rollback()
        return None, exc.problems[0], 429
    db.session.commit()  # the attempt counts (as failed) before the slow password check, which holds no lock
    ok = user_service.password_matches(ticket, password)
    user = user_service.finish_login(ticket, password, ok)
    if user is None:
        db.session.commit()
        if ticket.delay:
            time.sleep(ticket.delay)
        return None, _("Fel användarnamn eller lösenord."), 401
    if not config["LOCAL_LOGIN"] and not user.has_role(Role.ADMIN):  # an emergency account that is no admin
        db.session.rollback()
        return None, _("Inloggning med lösenord är avstängd. Logga in med regionens konto."), 403
    identity.record_local_sign_in(user)
    previous = session.get("sid")
    if isinstance(previous, str):
        sessions.end_session(previous, sessions.SIGNED_IN_AGAIN)
    lifetime = timedelta(seconds=int(current_app.config["PERMANENT_SESSION_LIFETIME"]))
    token = sessions.start_session(user, lifetime, ip, request.headers.get("User-Agent", ""))
    db.session.commit()
    _new_session(token)
    login_user(user)
    return user, None, 200


def _new_session(token: str) -> None:
    """Start the browser's side of a new session: nothing carried over, a new CSRF token."""
    session.clear()
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)  # Flask-WTF's per-request cache
    session["sid"] = token
    session["seen"] = int(utcnow().timestamp())


@bp.route("/logga-in", methods=["GET", "POST"])
def login() -> str | Response | tuple[Any, int]:
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("cases.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user, problem, status = _sign_in(form.username.data or "", form.password.data or "")
        if user is not None:
            if _wants_json():
                return jsonify(ok=True, user_id=user.id, csrf_token=generate_csrf()), 200
            return redirect(safe_next(request.args.get("next")) or url_for("cases.list_cases"))
        form.form_errors.append(problem or "")
    elif request.method == "POST":
        status = 400
    if _wants_json() and request.method == "POST":
        message = " ".join(form.form_errors) or _("Fyll i användarnamn och lösenord.")
        return jsonify(ok=False, message=message, errors=form.errors), status
    return render_template("auth/login.html", form=form), status


@bp.route("/logga-ut", methods=["POST"])
@allow(*ANY_ROLE)
def logout() -> Response:
    from assess.services import identity
    from assess.views import oidc

    token = session.get("sid")
    id_token = None
    if isinstance(token, str):
        id_token = identity.session_id_token(token)
        sessions.end_session(token, sessions.LOGOUT)
        db.session.commit()
    logout_user()
    session.clear()
    at_provider = oidc.logout_redirect(id_token)  # signed in through the region: sign out there as well
    if at_provider is not None:
        return at_provider
    flash(_("Du är utloggad."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/konto/losenord", methods=["GET", "POST"])
@allow(*ANY_ROLE)
def password() -> str | Response | tuple[str, int]:
    form = PasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            user_service.set_password(
                current_user, form.new_password.data or "", current_user, current=form.current_password.data or ""
            )
        except ValidationFailed as exc:
            db.session.rollback()
            form.new_password.errors = [*form.new_password.errors, *exc.problems]
            status = 400
        else:
            # Every session ended, this one too; the user goes on in a new one.
            lifetime = timedelta(seconds=int(current_app.config["PERMANENT_SESSION_LIFETIME"]))
            token = sessions.start_session(current_user, lifetime, request.remote_addr or "-", "")
            db.session.commit()
            user = current_user._get_current_object()
            _new_session(token)
            login_user(user)
            flash(_("Lösenordet är bytt. Du är utloggad överallt där du var inloggad förut."), "success")
            return redirect(url_for("cases.list_cases"))
    elif form.is_submitted():
        status = 400
    return render_template("auth/password.html", form=form, reminders=_reminders_form()), status


def _reminders_form() -> RemindersForm:
    return RemindersForm(formdata=None, email_reminders=current_user.email_reminders)


@bp.route("/konto/paminnelser", methods=["POST"])
@allow(*ANY_ROLE)
def reminders() -> Response:
    """Turn the signed-in user's reminders by e-mail on or off."""
    form = RemindersForm()
    if not form.validate_on_submit():
        from werkzeug.exceptions import BadRequest

        raise BadRequest()
    enabled = bool(form.email_reminders.data)
    user_service.set_email_reminders(current_user, enabled)
    db.session.commit()
    if enabled:
        flash(_("Du får påminnelser med e-post."), "success")
    else:
        flash(_("Du får inte längre påminnelser med e-post."), "success")
    return redirect(url_for("auth.password"))


@bp.route("/sprak", methods=["POST"])
def choose_language() -> Response:
    """Switch the interface's language: saved on the account when signed in, else in the session."""
    from assess.i18n import LANGUAGES

    chosen = request.form.get("lang", "")
    if chosen not in LANGUAGES:
        from werkzeug.exceptions import BadRequest

        raise BadRequest()
    session["lang"] = chosen
    if current_user.is_authenticated:
        user_service.set_language(current_user, chosen)
        db.session.commit()
    return redirect(safe_next(request.form.get("next")) or url_for("cases.index"))


# --- resuming a post whose session or form token ran out -------------------------------------------------------


def _carried(form: Any) -> list[tuple[str, str]]:
    """Return the posted fields to carry back, in order: not the old token, and never a password."""
    return [(k, v) for k, values in form.lists() for v in values if k != "csrf_token" and "password" not in k]


def _unwrapped(form: Any) -> list[tuple[str, str]]:
    """Return the fields a resume page carried (under RESUME_PREFIX), with their own names again."""
    return [
        (k[len(RESUME_PREFIX) :], v)
        for k, values in form.lists()
        for v in values
        if k.startswith(RESUME_PREFIX) and "password" not in k
    ]


def _label(name: str) -> str:
    match = _QUESTION_FIELD.match(name)
    if match:
        suffix = match.group(2) or ""
        return f"{match.group(1)} {_(_SUFFIX_LABELS[suffix]) if suffix in _SUFFIX_LABELS else suffix}"
    return FIELD.get(name) or name.replace("_", " ")


def _typed(fields: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Return what a person typed among the carried fields, labelled, for them to see it is kept."""
    return [(_label(k), v) for k, v in fields if k not in TECHNICAL_FIELDS and v.strip() and len(v) > 1]


def resume_response(*, expired_form: bool) -> tuple[Any, int]:
    """Answer a post that cannot be taken now (no live session, or an expired form token) without losing it."""
    signed_in = current_user.is_authenticated
    status = 400 if signed_in else 401
    if request.endpoint == "auth.login" and not _wants_json():
        form = LoginForm(formdata=None, username=request.form.get("username", "")[:64])
        form.form_errors.append(_("Inloggningssidan hade gått ut. Försök igen."))
        return render_template("auth/login.html", form=form), 400
    if _wants_json():
        message = (
            _("Formulärets giltighetstid har gått ut. Dina ändringar finns kvar; de skickas igen.")
            if signed_in
            else _("Du har blivit utloggad. Dina ändringar finns kvar: logga in igen för att spara dem.")
        )
        return jsonify(
            ok=False,
            reason="csrf" if signed_in else "signed_out",
            message=message,
            csrf_token=generate_csrf(),
            login_url=url_for("auth.login"),
        ), status
    if request.endpoint == "auth.resume":  # the resume page itself had gone stale: keep what it carried
        fields = _unwrapped(request.form)
        target = safe_next(request.form.get("resume_target")) or url_for("cases.list_cases")
    else:
        fields = _carried(request.form)
        target = safe_next(request.full_path.rstrip("?")) or url_for("cases.list_cases")
    html = render_template(
        "auth/resume.html",
        form=LoginForm(formdata=None),
        fields=fields,
        typed=_typed(fields),
        target=target,
        signed_in=signed_in,
        expired_form=expired_form,
        prefix=RESUME_PREFIX,
    )
    return html, status


@bp.route("/logga-in/fortsatt", methods=["POST"])
def resume() -> str | tuple[str, int] | Response:
    """Sign in again from the resume page, then offer to send the kept post to where it was going."""
    fields = _unwrapped(request.form)
    target = safe_next(request.form.get("resume_target")) or url_for("cases.list_cases")
    form = LoginForm()
    if not current_user.is_authenticated:
        problem = None
        status = 400
        if form.validate_on_submit():
            user, problem, status = _sign_in(form.username.data or "", form.password.data or "")
            if user is not None:
                problem = None
        if not current_user.is_authenticated:
            if problem:
                form.form_errors.append(problem)
            html = render_template(
                "auth/resume.html",
                form=form,
                fields=fields,
                typed=_typed(fields),
                target=target,
                signed_in=False,
                expired_form=False,
                prefix=RESUME_PREFIX,
            )
            return html, status
    return render_template("auth/resend.html", fields=fields, typed=_typed(fields), target=target)
