"""Cases: the list and one case's page."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from werkzeug.wrappers import Response

from assess.services import cases as case_service
from assess.views.access import ANY_ROLE, allow

bp = Blueprint("cases", __name__)


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
    return render_template("cases/view.html", case=case, evaluations=case_service.case_evaluations(case))
