"""Evidence files of an assessment, and the vendor's questionnaire as an Excel workbook (export, preview, apply)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response
from wtforms import HiddenField

from assess.extensions import db
from assess.i18n import _, language, ngettext
from assess.services import evidence as service
from assess.services import vendor_sheet
from assess.services.assessments import SaveConflict, SaveRaced, get_assessment
from assess.services.errors import Conflict, PermissionDenied, ValidationFailed
from assess.services.evaluation import ruleset_for
from assess.services.team import may_edit_all
from assess.views.access import ANY_ROLE, EDITORS, allow
from assess.views.assessments import ANSWERERS

bp = Blueprint("evidence", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: How long a preview may be confirmed (seconds): a working day.
PREVIEW_MAX_AGE = 8 * 3600


class UploadForm(FlaskForm):
    """One file for one question."""

    question = HiddenField()
    file = FileField()


class SheetForm(FlaskForm):
    """A filled vendor workbook."""

    file = FileField()


class ConfirmForm(FlaskForm):
    """A preview to apply: the parsed changes, signed."""

    preview = HiddenField()


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="assess.vendor-sheet")


def _storage() -> service.Storage:
    return service.storage_of(current_app.config)


def _max_bytes() -> int:
    return int(current_app.config["EVIDENCE_MAX_BYTES"])


def _page(assessment_id: int, errors: dict[str, list[str]] | None = None, status: int = 200) -> tuple[str, int]:
    assessment = get_assessment(assessment_id)
    ruleset = ruleset_for(assessment)
    files = service.files_by_question(assessment.id)
    uploadable = service.uploadable_questions(current_user, assessment)
    return render_template(
        "evidence/list.html",
        a=assessment,
        ruleset=ruleset,
        files=files,
        uploadable=uploadable,
        may_remove=service.may_remove(current_user, assessment),
        may_import=may_edit_all(current_user) and assessment.status.value == "draft",
        form=UploadForm(formdata=None),
        sheet_form=SheetForm(formdata=None),
        errors=errors or {},
        max_size=service.human_size(_max_bytes()),
        human_size=service.human_size,
        focus=request.args.get("fraga", ""),
    ), status


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge) -> tuple[str, int]:
    db.session.rollback()
    assessment_id = (request.view_args or {}).get("assessment_id")
    message = _("Filen är för stor. Största tillåtna storlek är %(max)s. Inget har sparats.", max=_max_bytes_text())
    if not isinstance(assessment_id, int) or not current_user.is_authenticated:
        from assess.views import render_error

        return render_error(413, [message])
    question = request.args.get("fraga", "")
    return _page(assessment_id, {question or "_sheet": [message]}, 413)


def _max_bytes_text() -> str:
    return service.human_size(_max_bytes())


@bp.route("/bedomningar/<int:assessment_id>/underlag", methods=["GET"])
@allow(*ANY_ROLE)
def list_files(assessment_id: int) -> tuple[str, int]:
    return _page(assessment_id)


@bp.route("/bedomningar/<int:assessment_id>/underlag", methods=["POST"])
@allow(*ANSWERERS)
def upload(assessment_id: int) -> Response | tuple[str, int]:
    form = UploadForm()
    question = (form.question.data or "").strip()
    if not form.validate():
        return _page(assessment_id, {question or "_form": [_("Formuläret hade gått ut. Försök igen.")]}, 400)
    assessment = get_assessment(assessment_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _page(assessment_id, {question: [_("Välj en fil att ladda upp.")]}, 400)
    data = upload.stream.read(_max_bytes() + 1)
    try:
        row = service.add_evidence(assessment, question, upload.filename, data, current_user, _max_bytes(), _storage())
    except ValidationFailed as exc:
        db.session.rollback()
        return _page(assessment_id, {question: [str(m) for m in exc.fields.values()] or exc.problems}, 400)
    name = row.filename
    db.session.commit()
    flash(_("Filen %(name)s är uppladdad till %(question)s.", name=name, question=question), "success")
    return redirect(url_for("evidence.list_files", assessment_id=assessment_id, _anchor=f"q-{question}"))


def _download_name(name: str) -> str:
    ascii_name = "".join(c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in name)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


@bp.route("/bedomningar/<int:assessment_id>/underlag/<int:file_id>", methods=["GET"])
@allow(*ANY_ROLE)
def download(assessment_id: int, file_id: int) -> Response:
    row = service.get_evidence(assessment_id, file_id)
    data = service.content_of(row, _storage())
    response = Response(data, mimetype=None, content_type=row.media_type)
    response.headers["Content-Disposition"] = _download_name(row.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    # A file is never shown inside the app's pages, and never runs anything.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/bedomningar/<int:assessment_id>/underlag/<int:file_id>/ta-bort", methods=["POST"])
@allow(*EDITORS)
def remove(assessment_id: int, file_id: int) -> Response:
    form = ConfirmForm()
    if not form.validate():
        flash(_("Formuläret hade gått ut. Försök igen."), "error")
        return redirect(url_for("evidence.list_files", assessment_id=assessment_id))
    assessment = get_assessment(assessment_id)
    row = service.get_evidence(assessment_id, file_id)
    name, question = row.filename, row.question_id
    service.remove_evidence(assessment, row, current_user)
    db.session.commit()
    flash(_("Filen %(name)s är borttagen från %(question)s.", name=name, question=question), "success")
    return redirect(url_for("evidence.list_files", assessment_id=assessment_id, _anchor=f"q-{question}"))


@bp.route("/bedomningar/<int:assessment_id>/leverantorsformular.xlsx", methods=["GET"])
@allow(*ANY_ROLE)
def export_sheet(assessment_id: int) -> Response:
    assessment = get_assessment(assessment_id)
    chosen = None
    if request.args.get("fragor") == "alla":
        chosen = list(ruleset_for(assessment).by_id)
    elif request.args.get("fragor") not in (None, "", "leverantor"):
        chosen = [q.strip() for q in request.args.get("fragor", "").split(",") if q.strip()]
    data = vendor_sheet.export_vendor_sheet(assessment, language(), chosen)
    name = _(
        "Frågeformulär %(alternative)s %(scope)s.xlsx", alternative=assessment.alternative.name, scope=assessment.scope
    )
    response = Response(data, content_type=XLSX)
    response.headers["Content-Disposition"] = _download_name(name)
    return response


@bp.route("/bedomningar/<int:assessment_id>/leverantorsformular", methods=["POST"])
@allow(*EDITORS)
def import_sheet(assessment_id: int) -> Response | tuple[str, int]:
    form = SheetForm()
    if not form.validate():
        return _page(assessment_id, {"_sheet": [_("Formuläret hade gått ut. Försök igen.")]}, 400)
    assessment = get_assessment(assessment_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _page(assessment_id, {"_sheet": [_("Välj den ifyllda arbetsboken (.xlsx).")]}, 400)
    data = upload.stream.read(_max_bytes() + 1)
    if len(data) > _max_bytes():
        return _page(
            assessment_id,
            {"_sheet": [_("Filen är för stor. Största tillåtna storlek är %(max)s.", max=_max_bytes_text())]},
            400,
        )
    try:
        preview = vendor_sheet.read_vendor_sheet(assessment, data)
    except ValidationFailed as exc:
        db.session.rollback()
        return render_template("evidence/sheet_problems.html", a=assessment, problems=exc.problems), 400
    db.session.rollback()  # reading changes nothing
    signed = _serializer().dumps(
        {
            "a": assessment.id,
            "v": preview.export_version,
            "sha": preview.sha256,
            "name": service.clean_filename(upload.filename),
            "c": preview.payload,
            "x": [c.question_id for c in preview.conflicts],
        }
    )
    return render_template(
        "evidence/sheet_preview.html",
        a=assessment,
        preview=preview,
        filename=service.clean_filename(upload.filename),
        form=ConfirmForm(formdata=None, preview=signed),
    ), 200


@bp.route("/bedomningar/<int:assessment_id>/leverantorsformular/bekrafta", methods=["POST"])
@allow(*EDITORS)
def confirm_sheet(assessment_id: int) -> Response | tuple[str, int]:
    form = ConfirmForm()
    back = url_for("evidence.list_files", assessment_id=assessment_id, _anchor="leverantor")
    if not form.validate():
        flash(_("Formuläret hade gått ut. Läs in filen igen."), "error")
        return redirect(back)
    try:
        data: dict[str, Any] = _serializer().loads(form.preview.data or "", max_age=PREVIEW_MAX_AGE)
    except BadSignature:
        flash(_("Förhandsvisningen har gått ut eller ändrats. Läs in filen igen."), "error")
        return redirect(back)
    if data.get("a") != assessment_id:
        flash(_("Förhandsvisningen hör till en annan bedömning. Läs in filen igen."), "error")
        return redirect(back)
    assessment = get_assessment(assessment_id)
    take = [qid for qid in request.form.getlist("ta") if qid in data["x"]]
    try:
        result = vendor_sheet.apply_vendor_sheet(
            assessment, data["c"], int(data["v"]), data["sha"], data["name"], current_user, data["x"], take
        )
    except (SaveConflict, SaveRaced) as exc:
        db.session.rollback()
        flash(
            _(
                "Någon har sparat svar under tiden: inget från filen är sparat. Läs in filen igen. (%(why)s)",
                why=str(exc),
            ),
            "error",
        )
        return redirect(back)
    except (ValidationFailed, PermissionDenied, Conflict) as exc:
        db.session.rollback()
        flash(" ".join(exc.problems), "error")
        return redirect(back)
    db.session.commit()
    flash(
        ngettext(
            "Leverantörens fil är inläst: %(num)s svar sparat.",
            "Leverantörens fil är inläst: %(num)s svar sparade.",
            len(result.changed),
        ),
        "success",
    )
    return redirect(url_for("assessments.view", assessment_id=assessment_id))
