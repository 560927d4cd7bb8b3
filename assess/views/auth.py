"""Signing in and out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from assess.extensions import db
from assess.forms.auth import LoginForm
from assess.services import users as user_service
from assess.services.errors import Throttled
from assess.views.access import ANY_ROLE, allow

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("cases.list_cases")


@bp.route("/logga-in", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("cases.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        limits = {
            "window": current_app.config["LOGIN_WINDOW_SECONDS"],
            "max_account_ip": current_app.config["LOGIN_MAX_FAILURES_ACCOUNT_IP"],
            "max_account": current_app.config["LOGIN_MAX_FAILURES_ACCOUNT"],
            "max_ip": current_app.config["LOGIN_MAX_FAILURES_IP"],
        }
        try:
            user = user_service.authenticate(
                form.username.data or "", form.password.data or "", request.remote_addr or "-", limits
            )
        except Throttled as exc:
            form.form_errors.append(exc.problems[0])
            status = 429
        else:
            db.session.commit()
            if user is not None:
                login_user(user)
                return redirect(_safe_next(request.args.get("next")))
            form.form_errors.append("Fel användarnamn eller lösenord.")
            status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logga-ut", methods=["POST"])
@allow(*ANY_ROLE)
def logout() -> Response:
    logout_user()
    flash("Du är utloggad.", "info")
    return redirect(url_for("auth.login"))
