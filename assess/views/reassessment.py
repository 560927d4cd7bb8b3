"""*Omprövning*: what a changed fact would do to every assessment, watches on facts, recorded changes, flags."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from assess.extensions import db
from assess.forms.reassessment import FactChangeForm, ImpactForm, StartForm, WatchForm
from assess.i18n import _, ngettext, text
from assess.models import Role
from assess.rulesets import registry
from assess.services import assessments as assessment_service
from assess.services import impact as impact_service
from assess.services import reassessment
from assess.services import tasks as task_lists
from assess.services.errors import DomainError, ValidationFailed
from assess.views.access import EDITORS, allow
from assess.views.paging import page_number

bp = Blueprint("reassessment", __name__)

#: Admins manage; architects and decision makers may look.
VIEWERS = (Role.ADMIN, Role.ARCHITECT, Role.DECISION_MAKER)


@bp.app_context_processor
def _flags_helper() -> dict[str, Any]:
    """Give the templates the open flags of one assessment (the review page's notice)."""
    return {"reassessment_flags": reassessment.open_flags_of_id}


def _choices() -> dict[str, list[SelectChoice]]:
    """Return the impact form's answers to pick, grouped by question, from the newest rule set."""
    ruleset = registry().newest()
    groups: dict[str, list[SelectChoice]] = {}
    for q in ruleset.questions:
        if q.type == "text":
            continue
        title = f"{q.id} {text(q.title)}"
        if q.volatile:
            title = f"{title} ({_('rörlig rätt')})"
        groups[title] = [SelectChoice(f"{q.id}={o.id}", f"{q.id}: {text(o.label)}") for o in q.options]
    return groups


def _selected(values: list[str]) -> tuple[dict[str, str], list[str]]:
    return impact_service.parse_assignments(values)


def _page(
    status: int = 200,
    impact_form: ImpactForm | None = None,
    watch_form: WatchForm | None = None,
    change_forms: dict[int, FactChangeForm] | None = None,
    rows: list[impact_service.ImpactRow] | None = None,
    changes: dict[str, object] | None = None,
    problems: list[str] | None = None,
) -> tuple[str, int]:
    impact_form = impact_form or ImpactForm(formdata=None)
    impact_form.change.choices = _choices()
    watches = reassessment.list_watches()
    answer_labels = {str(c.value): str(c.label) for group in impact_form.change.choices.values() for c in group}
    forms = change_forms or {}
    for view in watches:
        if view.watch.id not in forms:
            forms[view.watch.id] = FactChangeForm(formdata=None, prefix=f"w{view.watch.id}")
    return (
        render_template(
            "reassessment/index.html",
            impact_form=impact_form,
            watch_form=watch_form or WatchForm(formdata=None),
            change_forms=forms,
            watches=watches,
            rows=None if rows is None else _rows_page(rows),
            changes=changes or {},
            flags=reassessment.open_flags_page(page_number()),
            problems=problems or [],
            may_manage=current_user.has_role(Role.ADMIN),
            answer_labels=answer_labels,
        ),
        status,
    )


def _rows_page(rows: list[impact_service.ImpactRow]) -> task_lists.Section[impact_service.ImpactRow]:
    """Return the page of a dry run's rows asked for in ?sida_rader= (the whole count stays in the heading)."""
    param, size = "sida_rader", task_lists.TASK_PAGE
    pages = max(1, -(-len(rows) // size))
    page = min(page_number(param), pages)
    return task_lists.Section(rows[(page - 1) * size : page * size], len(rows), page, param)


@bp.route("/omprovning")
@allow(*VIEWERS)
def index() -> tuple[str, int]:
    """Show the impact form (and, when answers were picked, the dry run), the watches and the open flags."""
    if "change" not in request.args:
        return _page()
    form = ImpactForm(formdata=request.args)
    form.change.choices = _choices()
    changes, bad = _selected(form.change.data or [])
    problems = [_("Ogiltigt val: %(value)s", value=b) for b in bad]
    try:
        rows = impact_service.impact(changes, form.evidence.data or "E2")
        checked = impact_service.check_changes(changes, form.evidence.data or "E2")
    except ValidationFailed as exc:
        form.change.errors = [*problems, *exc.problems]
        return _page(400, impact_form=form)
    if problems:
        form.change.errors = problems
        return _page(400, impact_form=form)
    return _page(impact_form=form, rows=rows, changes=checked)


@bp.route("/omprovning/bevakningar", methods=["POST"])
@allow(Role.ADMIN)
def create_watch() -> Response | tuple[str, int]:
    """Save the picked answers as a named watch."""
    form = WatchForm()
    impact_form = ImpactForm(formdata=request.form)
    changes, bad = _selected(request.form.getlist("change"))
    valid = form.validate()
    if not valid or bad:
        if bad:
            impact_form.change.errors = [_("Ogiltigt val: %(value)s", value=b) for b in bad]
        return _page(400, impact_form=impact_form, watch_form=form)
    try:
        watch = reassessment.create_watch(form.name.data or "", changes, current_user, form.note.data or "")
    except ValidationFailed as exc:
        db.session.rollback()
        if "name" in exc.fields:
            form.name.errors = [exc.fields["name"]]
        impact_form.change.errors = [m for k, m in exc.fields.items() if k != "name"]
        return _page(400, impact_form=impact_form, watch_form=form)
    db.session.commit()
    flash(_("Bevakningen %(name)s är sparad.", name=watch.name), "success")
    return redirect(url_for("reassessment.index", _anchor=f"watch-{watch.id}"))


@bp.route("/omprovning/bevakningar/<int:watch_id>/andrad", methods=["POST"])
@allow(Role.ADMIN)
def fact_changed(watch_id: int) -> Response | tuple[str, int]:
    """Record that the watch's fact has changed; every decided assessment it changes is flagged."""
    watch = reassessment.get_watch(watch_id)
    form = FactChangeForm(prefix=f"w{watch_id}")
    if not form.validate():
        return _page(400, change_forms={watch_id: form})
    try:
        _change, flags = reassessment.record_fact_change(
            watch, form.changed_on.data, form.reference.data or "", current_user
        )
    except ValidationFailed as exc:
        db.session.rollback()
        for name, message in exc.fields.items():
            if name in form:
                form[name].errors = [message]
        return _page(400, change_forms={watch_id: form}, problems=[m for k, m in exc.fields.items() if k not in form])
    db.session.commit()
    flash(
        ngettext(
            "Ändringen är registrerad. En beslutad bedömning är märkt Omprövning krävs.",
            "Ändringen är registrerad. %(num)s beslutade bedömningar är märkta Omprövning krävs.",
            len(flags),
        ),
        "success",
    )
    return redirect(url_for("reassessment.index", _anchor="flags"))


@bp.route("/omprovning/bedomningar/<int:assessment_id>/starta", methods=["GET", "POST"])
@allow(*EDITORS)
def start(assessment_id: int) -> Response | tuple[str, int]:
    """Start the re-assessment of a flagged decided assessment and go to the new revision."""
    assessment = assessment_service.get_assessment(assessment_id)
    flags = reassessment.open_flags_of(assessment)
    if request.method == "GET":
        form = StartForm(formdata=None, reason=reassessment.default_reason(assessment))
        return render_template("reassessment/start.html", a=assessment, form=form, flags=flags), 200
    form = StartForm()
    problems: list[str] = []
    if form.validate():
        try:
            new = reassessment.start_reassessment(assessment, current_user, form.reason.data or "")
        except ValidationFailed as exc:
            db.session.rollback()
            form.reason.errors = [exc.fields.get("reason", "; ".join(exc.problems))]
        except DomainError as exc:
            db.session.rollback()
            return render_template(
                "reassessment/start.html", a=assessment, form=form, flags=flags, problems=exc.problems
            ), exc.status_code
        else:
            db.session.commit()
            flash(
                _(
                    "Omprövningen är startad: revision %(revision)s är ett utkast med svaren kopierade.",
                    revision=new.revision,
                ),
                "success",
            )
            return redirect(url_for("assessments.view", assessment_id=new.id))
    return render_template("reassessment/start.html", a=assessment, form=form, flags=flags, problems=problems), 400
