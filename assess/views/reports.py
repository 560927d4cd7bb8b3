"""PDF downloads: an assessment's report and a case's comparison of alternatives.

A report is in the reader's language; `?lang=sv` or `?lang=en` asks for one. In Swedish, a decided assessment's
report is the one stored at the decision.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, make_response, request
from werkzeug.wrappers import Response

from assess.i18n import LANGUAGES
from assess.models.types import utcnow
from assess.services import reports as service
from assess.views.access import ANY_ROLE, allow

bp = Blueprint("reports", __name__)


def _language() -> str | None:
    """Return the language asked for with ?lang= (None: the reader's)."""
    lang = request.args.get("lang")
    return lang if lang in LANGUAGES else None


def _pdf(content: bytes, filename: str) -> Response:
    response = make_response(content)
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/bedomningar/<int:assessment_id>/rapport.pdf")
@allow(*ANY_ROLE)
def assessment_pdf(assessment_id: int) -> Response:
    content = service.assessment_pdf(assessment_id, Path(current_app.instance_path), utcnow(), _language())
    return _pdf(content, service.download_name("bedomning", assessment_id))


@bp.route("/arenden/<int:case_id>/jamforelse.pdf")
@allow(*ANY_ROLE)
def comparison_pdf(case_id: int) -> Response:
    content = service.comparison_pdf(case_id, utcnow(), _language())
    return _pdf(content, service.download_name("jamforelse-arende", case_id))


@bp.route("/arenden/<int:case_id>/beslutsunderlag.pdf")
@allow(*ANY_ROLE)
def steering_pdf(case_id: int) -> Response:
    content = service.steering_pdf(case_id, utcnow(), _language())
    return _pdf(content, service.download_name("beslutsunderlag-arende", case_id))
