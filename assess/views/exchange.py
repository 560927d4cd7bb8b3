"""Open data out and in: an assessment as JSON (export, import), the archive package, CSV of lists.

CSV files are UTF-8 with a byte-order mark and ``;`` between fields: what Excel set to Swedish opens directly
(the comma is the decimal sign there). A cell that begins with = + - @ (or a tab or carriage return) gets a
leading ``'`` so that a spreadsheet shows it as text instead of running it as a formula.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import lazy_gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField
from wtforms.validators import Length, Optional

from assess import labels
from assess.archive.build import build_package
from assess.extensions import db, writing
from assess.forms.cases import CaseFilterForm
from assess.i18n import _, in_language, language
from assess.services import cases as case_service
from assess.services import exchange as service
from assess.services.assessments import get_assessment
from assess.services.errors import ValidationFailed
from assess.views import today
from assess.views.access import ANY_ROLE, EDITORS, allow

bp = Blueprint("exchange", __name__)

#: The import form's file field (the only file field this blueprint takes; see views/security.py).
FILE_FIELD = "fil"
#: The largest exchange file accepted (bytes), unless EXCHANGE_MAX_BYTES says otherwise.
MAX_IMPORT_BYTES = 1024 * 1024
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
DELIMITER = ";"


class ImportForm(FlaskForm):
    """Upload an exchanged assessment (JSON) as a new assessment of an alternative."""

    fil = FileField(lazy_gettext("Fil (JSON)"), validators=[FileRequired(lazy_gettext("Välj en fil."))])
    omfattning = StringField(lazy_gettext("Omfattning (tom: filens)"), validators=[Optional(), Length(max=200)])


def _committed_write(action: Any) -> Any:
    """Run an action that records an audit event from a read request (GET), with the write lock, and commit."""
    db.session.commit()
    with writing():
        result = action()
        db.session.commit()
    return result


@bp.route("/bedomningar/<int:assessment_id>/export.json")
@allow(*ANY_ROLE)
def export_assessment(assessment_id: int) -> Response:
    def run() -> str:
        return service.dumps(service.export_assessment(get_assessment(assessment_id), current_user))

    text = _committed_write(run)
    return Response(
        text,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="bedomning-{assessment_id}.json"'},
    )


@bp.route("/alternativ/<int:alternative_id>/importera", methods=["GET", "POST"])
@allow(*EDITORS)
def import_assessment(alternative_id: int) -> Any:
    alternative = case_service.get_alternative(alternative_id)
    form = ImportForm()
    problems: list[str] = []
    status = 200
    if form.validate_on_submit():
        limit = int(current_app.config.get("EXCHANGE_MAX_BYTES", MAX_IMPORT_BYTES))
        raw = form.fil.data.read(limit + 1)
        try:
            if len(raw) > limit:
                raise ValidationFailed(_("Filen är större än %(max)s kB.", max=limit // 1024))
            data = service.parse_file(raw)
            assessment, notices = service.import_assessment(alternative, data, current_user, form.omfattning.data or "")
        except ValidationFailed as exc:
            db.session.rollback()
            problems = exc.problems
            status = 400
        else:
            db.session.commit()
            flash(_("Bedömningen av %(scope)s är importerad som utkast.", scope=assessment.scope), "success")
            for notice in notices:
                flash(notice, "info")
            return redirect(url_for("assessments.view", assessment_id=assessment.id))
    elif form.is_submitted():
        status = 400
    return render_template("exchange/import.html", form=form, alternative=alternative, problems=problems), status


@bp.route("/bedomningar/<int:assessment_id>/arkivpaket.zip")
@allow(*ANY_ROLE)
def archive(assessment_id: int) -> Response:
    package = _committed_write(
        lambda: build_package(assessment_id, current_user, Path(current_app.instance_path), current_app.config)
    )
    return Response(
        package.data,
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{package.filename}"'},
    )


# --- CSV ----------------------------------------------------------------------------------------------------


def safe_cell(value: Any) -> str:
    """Return a value as a CSV cell a spreadsheet shows as text (a leading ' before a formula character)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_text(rows: Iterable[Iterable[Any]]) -> str:
    """Return rows as CSV text: ``;`` between cells, CRLF line ends, every cell guarded against formulas."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=DELIMITER, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return buffer.getvalue()


#: Makes the CSV rows of one page (1, 2, ...) and says how many pages there are.
PageRows = Callable[[int], tuple[list[list[Any]], int]]


def _csv_response(page_rows: PageRows, filename: str) -> Response:
    """Stream CSV with a byte-order mark, a page of rows at a time, each made in an app context of its own."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    lang = language()

    def generate() -> Iterator[bytes]:
        yield "\ufeff".encode()
        page, pages = 1, 1
        while page <= pages:
            # The context is pushed and popped within one step, so that the server may send the pieces from
            # wherever it runs the iterator (the request's context is gone by then).
            with app.app_context(), in_language(lang):
                rows, pages = page_rows(page)
                text = csv_text(rows)
            yield text.encode("utf-8")
            page += 1

    return Response(
        generate(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _wanted() -> case_service.CaseFilter:
    form = CaseFilterForm(request.args, meta={"csrf": False})
    form.validate()
    return case_service.CaseFilter(
        page=1,
        text=(form.sok.data or "").strip() if not form.sok.errors else "",
        status=form.status.data if not form.status.errors else "",
        verdict=form.utfall.data if not form.utfall.errors else "",
        owner=(form.agare.data or "").strip() if not form.agare.errors else "",
        overdue=bool(form.forsenat.data),
    )


def _case_rows(wanted: case_service.CaseFilter, day: Any, page: int) -> tuple[list[list[Any]], int]:
    rows: list[list[Any]] = []
    if page == 1:
        rows.append([
            _("Ärende-id"), _("Ärende"), _("Informationsägare"), _("Beslutsfattare"), _("Status"), _("Alternativ"),
            _("Bedömningar"), _("Utfall"), _("Villkor förfallna"), _("Uppgifter försenade"), _("Omprövning krävs"),
            _("Skapat"),
        ])  # fmt: skip
    listing = case_service.list_cases(dataclasses.replace(wanted, page=page), day)
    if listing.page != page:  # past the last page (cases removed meanwhile): list_cases gives the last one again
        return rows, listing.pages
    for case in listing.cases:
        row = listing.rows[case.id]
        verdicts = ", ".join(f"{labels.VERDICT[code]}: {n}" for code, n in row.verdicts.items())
        rows.append([
            case.id, case.title, case.information_owner, case.decision_maker, labels.CASE_STATUS[case.status],
            row.alternatives, row.assessments, verdicts, row.overdue, row.late, row.flagged,
            case.created_at.date().isoformat(),
        ])  # fmt: skip
    return rows, listing.pages


@bp.route("/arenden.csv")
@allow(*ANY_ROLE)
def cases_csv() -> Response:
    # The same filters as the list; its page is ignored: every matching case, a page of cases at a time.
    wanted, day = _wanted(), today()
    return _csv_response(lambda page: _case_rows(wanted, day, page), "arenden.csv")


AREAS = ("context", "legal", "infosec", "patient_safety")


def _comparison_rows(case_id: int) -> list[list[Any]]:
    case, rows = case_service.comparison(case_id)
    result: list[list[Any]] = [
        [
            _("Alternativ"), _("Leverantör"), _("Modul"), _("Revision"), _("Status"), _("Bedömning"), _("Värsta fall"),
            *(labels.AREA[a] for a in AREAS), _("Avgörande okända"), _("Regelverk"),
        ]
    ]  # fmt: skip
    for row in rows:
        ev = row.evaluation
        result.append(
            [
                row.alternative.name, row.alternative.provider, row.assessment.scope_label, row.assessment.revision,
                labels.STATUS[row.assessment.status], labels.VERDICT[ev.verdict], labels.VERDICT[ev.worst_case],
                *(labels.AREA_RESULT[ev.areas[a].result] if a in ev.areas else "" for a in AREAS),
                ", ".join(ev.decisive_unknowns), f"{row.ruleset.id} v{row.ruleset.version}",
            ]
        )  # fmt: skip
    return result


@bp.route("/arenden/<int:case_id>/jamforelse.csv")
@allow(*ANY_ROLE)
def comparison_csv(case_id: int) -> Response:
    rows = _comparison_rows(case_id)  # here, so that a case that does not exist is a 404 page
    return _csv_response(lambda page: (rows, 1), f"jamforelse-{case_id}.csv")
