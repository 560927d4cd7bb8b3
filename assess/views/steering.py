"""The steering group's *Beslutsunderlag* of a case: one page, per alternative, in words."""

from __future__ import annotations

from flask import Blueprint, render_template

from assess.services import steering as service
from assess.services.cases import get_case
from assess.views.access import ANY_ROLE, allow

bp = Blueprint("steering", __name__)


@bp.route("/arenden/<int:case_id>/beslutsunderlag")
@allow(*ANY_ROLE)
def brief(case_id: int) -> str:
    brief = service.steering_brief(case_id)
    return render_template("cases/steering.html", case=get_case(case_id), brief=brief)
