"""PDF downloads: an assessment's report and a case's comparison of alternatives."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, make_response
from werkzeug.wrappers import Response

from assess.models.types import utcnow
from assess.services import reports as service
from assess.views.access import ANY_ROLE, allow

bp = Blueprint("reports", __name__)


def _pdf(content: bytes, filename: str) -> Response:
    response = make_response(content)
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/bedomningar/<int:assessment_id>/rapport.pdf")
@allow(*ANY_ROLE)
def assessment_pdf(assessment_id: int) -> Response:
    content = service.assessment_pdf(assessment_id, Path(current_app.instance_path), utcnow())
    return _pdf(content, service.download_name("bedomning", assessment_id))


@bp.route("/arenden/<int:case_id>/jamforelse.pdf")
@allow(*ANY_ROLE)
def comparison_pdf(case_id: int) -> Response:
    content = service.comparison_pdf(case_id, utcnow())
    return _pdf(content, service.download_name("jamforelse-arende", case_id))
