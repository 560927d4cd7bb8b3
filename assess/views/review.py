"""Review and decision pages: submit, comment, request changes, approve, override, decide, revise, history."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from assess import labels
from assess.extensions import db
from assess.forms.review import (
    ApproveForm,
    CommentForm,
    DecisionForm,
    FulfilForm,
    OverrideForm,
    ReplyForm,
    RequestChangesForm,
    ReviseForm,
    Summary,
    add_errors,
    hidden_errors,
    unlink,
    with_ids,
)
from assess.i18n import LANGUAGES, _, language, text
from assess.models import AuditEvent, Role
from assess.services import assessments as assessment_service
from assess.services import decisions, workflow
from assess.services import review as review_service
from assess.services import review_queries as queries
from assess.services.errors import DomainError, ValidationFailed
from assess.services.evaluation import ruleset_for
from assess.views import today
from assess.views.access import ANY_ROLE, EDITORS, allow

bp = Blueprint("review", __name__)
REVIEWERS = (Role.REVIEWER,)
COMMENTERS = (Role.ARCHITECT, Role.ADMIN, Role.REVIEWER, Role.DECISION_MAKER)
A = workflow.Action


def _int(raw: Any) -> int | None:
    raw = (raw or "").strip() if isinstance(raw, str) else ""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None


# --- the forms of the review page ------------------------------------------------------------------------------


@dataclass
class Posted:
    """The form a failed post came from (with what was typed and its errors), and which of its kind it is."""

    name: str
    form: Any
    key: str = ""

    def __post_init__(self) -> None:
        with_ids(self.form, _prefix(self.name, self.key))


def _prefix(name: str, key: str = "") -> str:
    """Return the id prefix of a form on the review page: its kind, and the area or comment it belongs to."""
    return f"{name}-{key}-" if key else f"{name}-"


@dataclass
class ReviewForms:
    """Every form of the review page, each with its own ids; the posted one as the user sent it."""

    page: queries.ReviewPage
    posted: Posted | None = None
    comment: CommentForm = field(init=False)
    override: OverrideForm = field(init=False)
    decide: DecisionForm = field(init=False)
    revise: ReviseForm = field(init=False)

    def __post_init__(self) -> None:
        posted = self.posted
        if posted is not None and posted.name == "reply" and posted.key not in self._comment_ids():
            # A reply to a comment the page does not show: what was typed goes back in the main comment form.
            form = CommentForm(formdata=None, text=posted.form.text.data)
            form.text.errors = list(posted.form.text.errors)
            form.form_errors = list(posted.form.form_errors)
            self.posted = Posted("comment", form)
        if self.posted is not None and not self._shown(self.posted.name, self.posted.key):
            unlink(self.posted.form)  # its fields are not on the page: the summary names them without links
        self.comment = self._take("comment", "", lambda: CommentForm(formdata=None))
        self.comment.question_id.choices = [
            SelectChoice("", _("Hela bedömningen")),
            *(
                SelectChoice(q.id, f"{q.id} {text(q.title)}")
                for q in self.page.ruleset.questions
                if self.page.evaluation.questions[q.id].shown
            ),
        ]
        with_ids(self.comment, _prefix("comment"))
        self.override = self._take("override", "", lambda: OverrideForm(formdata=None))
        self.override.question_id.choices = [
            SelectChoice(qid, f"{qid} {text(self.page.ruleset.question(qid).title)}")
            for qid in self.page.knockouts_i_can_lift
        ]
        with_ids(self.override, _prefix("override"))
        self.decide = self._take("decide", "", lambda: decision_form(self.page.to_set, posted=False))
        _decision_choices(self.decide, self.page)
        with_ids(self.decide, _prefix("decide"))
        self.revise = self._take("revise", "", lambda: ReviseForm(formdata=None))
        with_ids(self.revise, _prefix("revise"))

    def _shown(self, name: str, key: str) -> bool:
        """Tell whether the page shows the form (the template's conditions, for the form a post came from)."""
        page = self.page
        allowed = page.allowed
        if name in ("comment", "reply"):
            return bool(allowed.get("comment"))
        if name in ("approve", "request_changes"):
            areas = [a.value for a in page.my_areas if a in page.required_areas and not page.approvals.get(a)]
            return bool(allowed.get("approve_area")) and key in areas
        if name == "override":
            return bool(page.knockouts_i_can_lift) and bool(page.evaluation.knockouts or page.evaluation.overrides)
        if name == "decide":
            return page.decision is None and bool(allowed.get("decide"))
        if name == "revise":
            return bool(allowed.get("revise"))
        return False

    def _comment_ids(self) -> set[str]:
        return {str(c.id) for items in self.page.comments.values() for c in items}

    def _take(self, name: str, key: str, fresh: Callable[[], Any]) -> Any:
        posted = self.posted
        if posted is not None and posted.name == name and posted.key == key:
            return posted.form
        return fresh()

    def reply(self, comment_id: int) -> ReplyForm:
        """Return the reply form of a comment."""
        form: ReplyForm = self._take("reply", str(comment_id), lambda: ReplyForm(formdata=None, parent_id=comment_id))
        return with_ids(form, _prefix("reply", str(comment_id)))

    def approve(self, area: str) -> ApproveForm:
        """Return the approval form of a review area."""
        form: ApproveForm = self._take("approve", area, lambda: ApproveForm(formdata=None, area=area))
        return with_ids(form, _prefix("approve", area))

    def request_changes(self, area: str) -> RequestChangesForm:
        """Return the change-request form of a review area."""
        form: RequestChangesForm = self._take(
            "request_changes", area, lambda: RequestChangesForm(formdata=None, area=area)
        )
        return with_ids(form, _prefix("request_changes", area))

    @property
    def summary(self) -> Summary | None:
        """Return what the error summary lists for the posted form (None when it has no error)."""
        return Summary(self.posted.form) if self.posted is not None and Summary(self.posted.form) else None

    def failed(self, name: str, key: str = "") -> bool:
        """Tell whether the failed post came from this form."""
        return self.posted is not None and self.posted.name == name and self.posted.key == key


def decision_form(to_set: list[tuple[str, str, tuple[str, ...]]], posted: bool) -> DecisionForm:
    """Return the decision form with one entry per condition to set (cond_<question>_owner, ...), as posted."""
    keys = [{"key": qid} for qid, _kind, _mits in to_set]
    return DecisionForm(cond=keys) if posted else DecisionForm(formdata=None, cond=keys)


def _decision_choices(form: DecisionForm, page: queries.ReviewPage) -> None:
    users = [SelectChoice("", _("Välj")), *(SelectChoice(str(u.id), u.display_name) for u in page.users)]
    gates = [SelectChoice("", _("Välj")), *(SelectChoice(g, labels.GATE[g]) for g in labels.GATE)]
    for entry in form.cond:
        entry.owner.choices = users
        entry.gate.choices = gates
    verdict = page.evaluation.verdict
    if verdict in ("suitable", "suitable_with_conditions"):
        approve = SelectChoice("approved", _("Godkänn användningen"))
    else:
        approve = SelectChoice(
            "approved",
            _("Godkänn användningen (inte möjligt: %(verdict)s)", verdict=labels.VERDICT[verdict]),
            render_kw={"disabled": True},
        )
    form.outcome.choices = [approve, SelectChoice("rejected", _("Avslå"))]


def _page(
    assessment_id: int, status: int = 200, problems: list[str] | None = None, posted: Posted | None = None
) -> tuple[str, int]:
    page = queries.review_page(assessment_id, current_user, today())
    return render_template(
        "review/view.html",
        p=page,
        a=page.assessment,
        revision_reason=workflow.revision_reasons([page.assessment.id]).get(page.assessment.id),
        revisions=workflow.revisions_of(page.assessment),
        ev=page.evaluation,
        ruleset=page.ruleset,
        problems=problems or [],
        forms=ReviewForms(page, posted),
        today=today(),
    ), status


def _act(
    assessment_id: int,
    action: workflow.Action,
    posted: Posted,
    do: Callable[[Any], Any],
    done: str,
) -> Response | tuple[str, int]:
    """Check the form, run one workflow action, commit, and come back; on failure show every problem.

    Who may act is told first, as the service would: a form's mistakes matter only to someone who may act.
    """
    assessment = assessment_service.get_assessment(assessment_id)
    form = posted.form
    if not form.validate():
        hidden_errors(form)
        try:
            workflow.authorize(assessment, action, current_user)
        except DomainError as exc:
            db.session.rollback()
            return _page(assessment_id, exc.status_code, exc.problems, posted)
        return _page(assessment_id, 400, None, posted)
    try:
        do(assessment)
    except ValidationFailed as exc:
        db.session.rollback()
        if exc.fields:
            add_errors(form, exc.fields)
            return _page(assessment_id, 400, None, posted)
        return _page(assessment_id, 400, exc.problems, posted)
    except DomainError as exc:
        db.session.rollback()
        return _page(assessment_id, exc.status_code, exc.problems, posted)
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("review.view", assessment_id=assessment_id))


def _reply_to() -> int | None:
    """Return the comment replied to; a given but malformed id becomes -1, which the service refuses by name."""
    if not (request.form.get("parent_id") or "").strip():
        return None
    parent = _int(request.form.get("parent_id"))
    return parent if parent is not None else -1


@bp.route("/bedomningar/<int:assessment_id>/granskning")
@allow(*ANY_ROLE)
def view(assessment_id: int) -> tuple[str, int]:
    return _page(assessment_id)


@bp.route("/bedomningar/<int:assessment_id>/skicka-in", methods=["POST"])
@allow(*EDITORS)
def submit(assessment_id: int) -> Response | tuple[str, int]:
    return _move(assessment_id, workflow.submit, _("Bedömningen är inskickad för granskning."))


@bp.route("/bedomningar/<int:assessment_id>/kommentarer", methods=["POST"])
@allow(*COMMENTERS)
def comment(assessment_id: int) -> Response | tuple[str, int]:
    parent = (request.form.get("parent_id") or "").strip()
    posted = Posted("reply", ReplyForm(), parent) if parent else Posted("comment", CommentForm())
    form = posted.form
    question = (request.form.get("question_id") if parent else form.question_id.data) or None
    return _act(
        assessment_id,
        A.COMMENT,
        posted,
        lambda a: review_service.add_comment(a, current_user, form.text.data or "", question, _reply_to()),
        _("Kommentaren är sparad."),
    )


@bp.route("/bedomningar/<int:assessment_id>/begar-andringar", methods=["POST"])
@allow(*REVIEWERS)
def request_changes(assessment_id: int) -> Response | tuple[str, int]:
    form = RequestChangesForm()
    return _act(
        assessment_id,
        A.REQUEST_CHANGES,
        Posted("request_changes", form, form.area.data or ""),
        lambda a: review_service.request_changes(a, current_user, form.area.data or "", form.reason.data or ""),
        _("Bedömningen är skickad tillbaka till arkitekten med dina ändringsönskemål."),
    )


@bp.route("/bedomningar/<int:assessment_id>/godkann", methods=["POST"])
@allow(*REVIEWERS)
def approve(assessment_id: int) -> Response | tuple[str, int]:
    form = ApproveForm()
    return _act(
        assessment_id,
        A.APPROVE_AREA,
        Posted("approve", form, form.area.data or ""),
        lambda a: review_service.approve_area(a, current_user, form.area.data or "", form.note.data or ""),
        _("Området är godkänt."),
    )


@bp.route("/bedomningar/<int:assessment_id>/havning", methods=["POST"])
@allow(*REVIEWERS)
def override(assessment_id: int) -> Response | tuple[str, int]:
    form = OverrideForm()
    return _act(
        assessment_id,
        A.OVERRIDE,
        Posted("override", form),
        lambda a: review_service.record_override(
            a,
            current_user,
            form.question_id.data or "",
            form.reference.data or "",
            form.author.data or "",
            form.finding_date.data,
            form.review_date.data,
        ),
        _("Stoppträffen är hävd och visas som villkor (hävd)."),
    )


@bp.route("/bedomningar/<int:assessment_id>/ateruppta", methods=["POST"])
@allow(*EDITORS)
def reopen(assessment_id: int) -> Response | tuple[str, int]:
    return _move(
        assessment_id, workflow.reopen, _("Bedömningen är ett utkast igen: gör ändringarna och skicka in den på nytt.")
    )


def _move(assessment_id: int, step: Any, done: str) -> Response | tuple[str, int]:
    """Take the assessment one step in the workflow (submit, reopen); on a refusal show the page with why."""
    assessment = assessment_service.get_assessment(assessment_id)
    try:
        step(assessment, current_user)
    except DomainError as exc:
        db.session.rollback()
        return _page(assessment_id, exc.status_code, exc.problems)
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("review.view", assessment_id=assessment_id))


def _conditions(form: DecisionForm) -> list[decisions.ConditionInput]:
    return [
        decisions.ConditionInput(
            entry.key,
            _int(entry.owner.data),
            entry.deadline.data,
            entry.gate.data or "",
            _int(entry.months.data),
        )
        for entry in form.cond
    ]


@bp.route("/bedomningar/<int:assessment_id>/beslut", methods=["POST"])
@allow(Role.DECISION_MAKER)
def decide(assessment_id: int) -> Response | tuple[str, int]:
    assessment = assessment_service.get_assessment(assessment_id)
    form = decision_form(decisions.conditions_to_set(workflow.evaluation_with_overrides(assessment)), posted=True)
    return _act(
        assessment_id,
        A.DECIDE,
        Posted("decide", form),
        lambda a: queries.decide_and_store(
            a,
            current_user,
            form.outcome.data or "",
            form.residual_risks.data or "",
            form.next_review.data,
            _conditions(form),
            today(),
        ),
        _("Beslutet är fattat och posten är fryst."),
    )


@bp.route("/bedomningar/<int:assessment_id>/ny-revision", methods=["POST"])
@allow(*EDITORS)
def revise(assessment_id: int) -> Response | tuple[str, int]:
    """Make a new revision: the reason and the confirmation first (who may act is told before the form's
    mistakes, as in `_act`); on success go to the new revision's questions."""
    assessment = assessment_service.get_assessment(assessment_id)
    form = ReviseForm()
    posted = Posted("revise", form)
    if not form.validate():
        hidden_errors(form)
        try:
            workflow.authorize(assessment, A.REVISE, current_user)
        except DomainError as exc:
            db.session.rollback()
            return _page(assessment_id, exc.status_code, exc.problems, posted)
        return _page(assessment_id, 400, None, posted)
    try:
        new = workflow.revise(assessment, current_user, form.reason.data or "")
    except ValidationFailed as exc:
        db.session.rollback()
        if exc.fields:
            add_errors(form, exc.fields)
            return _page(assessment_id, 400, None, posted)
        return _page(assessment_id, 400, exc.problems, posted)
    except DomainError as exc:
        db.session.rollback()
        return _page(assessment_id, exc.status_code, exc.problems, posted)
    db.session.commit()
    flash(
        _(
            "Revision %(revision)s är skapad som utkast med en kopia av svaren. Beslutet om revision %(decided)s "
            "står kvar tills den nya revisionen är beslutad.",
            revision=new.revision,
            decided=assessment.revision,
        ),
        "success",
    )
    return redirect(url_for("assessments.view", assessment_id=new.id))


def _moment(value: Any) -> datetime | None:
    """Return a time as the frozen record stores it (ISO 8601, UTC) as an aware datetime (None if it is none)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@bp.route("/bedomningar/<int:assessment_id>/protokoll")
@allow(*ANY_ROLE)
def record(assessment_id: int) -> tuple[str, int]:
    data = queries.record_page(assessment_id)
    return render_template("review/record.html", moment=_moment, **data), 200


# --- the history ------------------------------------------------------------------------------------------------


@dataclass
class Change:
    """One field of a history event in words: its name, and what it was and became (None: not there)."""

    label: str
    before: str | None
    after: str | None


@dataclass
class HistoryRow:
    """One event of the history in words: when, who, what, which question, and the fields that changed."""

    at: datetime
    actor: str
    action: str
    question: str | None
    question_title: str
    changes: list[Change]


#: The order a history row names an event's fields in (the others follow in the event's own order).
_FIELD_ORDER = (
    "status", "verdict", "outcome", "fulfilled", "area", "areas", "round", "reason", "note", "text", "value",
    "evidence", "motivation", "evidence_ref", "unknown_owner", "unknown_due",
)  # fmt: skip
#: Fields that name the question of the event (shown beside what happened, not as a change).
_QUESTION_KEYS = ("question",)


def _yes_no(value: Any) -> str:
    return _("ja") if value else _("nej")


def _answer_value(ruleset: Any, qid: str | None, value: Any) -> str:
    if value is None or value == "":
        return "–"
    if value == "unknown":
        return _("Okänt ännu")
    question = ruleset.by_id.get(qid) if qid else None
    if question is None:
        return str(value)
    return question.label(value, language())


def _ruleset_text(value: Any) -> str:
    if isinstance(value, dict):
        version = value.get("version")
        return " ".join(str(p) for p in (value.get("id"), f"v{version}" if version else None) if p)
    return str(value)


def _shown(key: str, value: Any, event: AuditEvent, ruleset: Any, qid: str | None) -> str:
    """Return one field's value in words: a code by its label in the reader's language, data as it is."""
    if value is None or value == "" or value == []:
        return "–"
    if key == "value":
        return _answer_value(ruleset, qid, value)
    if key == "status" and value in labels.STATUS:
        return labels.STATUS[value]
    if key == "verdict" and value in labels.VERDICT:
        return labels.VERDICT[value]
    if key == "outcome":
        if value in labels.DECISION_OUTCOME:
            return labels.DECISION_OUTCOME[value]
        if value in labels.OUTCOME:
            return labels.OUTCOME[value]
    if key == "evidence" and value in labels.EVIDENCE_CHOICE:
        return labels.EVIDENCE_CHOICE[value]
    if key in ("area", "areas", "review_areas"):
        items = value if isinstance(value, list) else [value]
        return ", ".join(
            labels.REVIEW_AREA[v] if v in labels.REVIEW_AREA else labels.AREA.get(v, str(v)) for v in items
        )
    if key == "kind" and value in labels.OVERRIDE_KIND:
        return labels.OVERRIDE_KIND[value]
    if key == "gate" and value in labels.GATE:
        return labels.GATE[value]
    if key == "roles":
        return ", ".join(labels.ROLE.get(v, str(v)) for v in value)
    if key == "operating_model" and value in labels.OPERATING_MODEL:
        return labels.OPERATING_MODEL[value]
    if key == "language":
        return LANGUAGES.get(value, str(value))
    if key == "source" and value in labels.SOURCE:
        return labels.SOURCE[value]
    if key == "ruleset":
        return _ruleset_text(value)
    if key == "dropped_answers" and isinstance(value, dict):
        return "; ".join(
            f"{q}: {_answer_value(ruleset, q, (a or {}).get('value') if isinstance(a, dict) else a)}"
            for q, a in value.items()
        )
    if isinstance(value, bool):
        return _yes_no(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{_field_label(k)}: {_shown(k, v, event, ruleset, qid)}" for k, v in value.items())
    return str(value)


def _field_label(key: str, event: AuditEvent | None = None) -> str:
    if key == "outcome" and event is not None and event.action == "review.override":
        label = labels.FIELD["question_outcome"]
    else:
        label = labels.FIELD.get(key) or key.replace("_", " ")
    return label[:1].upper() + label[1:]


def _changes(event: AuditEvent, ruleset: Any, qid: str | None) -> list[Change]:
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    keys = [k for k in (*before, *after) if k not in _QUESTION_KEYS]
    keys = sorted(dict.fromkeys(keys), key=lambda k: _FIELD_ORDER.index(k) if k in _FIELD_ORDER else len(_FIELD_ORDER))
    changes = []
    for key in keys:
        was = _shown(key, before[key], event, ruleset, qid) if key in before else None
        now = _shown(key, after[key], event, ruleset, qid) if key in after else None
        if was is not None and now is not None and was == now:
            continue  # unchanged: the row names what changed
        if was is None and now == "–":
            continue  # a first value that is empty says nothing
        changes.append(Change(_field_label(key, event), was, now))
    return changes


def history_rows(assessment: Any, events: list[AuditEvent]) -> list[HistoryRow]:
    """Return the history of an assessment in words, in the reader's language: no code is shown as it is."""
    ruleset = ruleset_for(assessment)
    rows = []
    for event in events:
        after = event.after if isinstance(event.after, dict) else {}
        before = event.before if isinstance(event.before, dict) else {}
        qid = after.get("question") or before.get("question")
        qid = qid if isinstance(qid, str) else None
        question = ruleset.by_id.get(qid) if qid else None
        rows.append(
            HistoryRow(
                at=event.at,
                actor=_("system") if event.actor_id is None and event.actor_name == "system" else event.actor_name,
                action=labels.AUDIT_ACTION.get(event.action) or event.action,
                question=qid,
                question_title=text(question.title) if question is not None else "",
                changes=_changes(event, ruleset, qid),
            )
        )
    return rows


@bp.route("/bedomningar/<int:assessment_id>/historik")
@allow(*ANY_ROLE)
def history(assessment_id: int) -> str:
    assessment, events = queries.history(assessment_id)
    return render_template("review/history.html", a=assessment, rows=history_rows(assessment, events))


# --- follow-up: my tasks, a condition fulfilled -----------------------------------------------------------------


def _tasks_page(status: int = 200, posted: FulfilForm | None = None, failed: int | None = None) -> tuple[str, int]:
    t = queries.my_tasks(current_user, today())
    if posted is not None:
        with_ids(posted, f"fulfil-{failed}-")
        if not any(c.id == failed and not c.fulfilled for c in t.conditions):  # its form is not on the page
            for f in (posted.note, posted.evidence):
                posted.form_errors.extend(f.errors)
                f.errors = []

    def fulfil_form(condition_id: int) -> FulfilForm:
        form = posted if posted is not None and failed == condition_id else FulfilForm(formdata=None)
        return with_ids(form, f"fulfil-{condition_id}-")

    page = render_template(
        "review/tasks.html",
        t=t,
        today=today(),
        fulfil_form=fulfil_form,
        summary=Summary(posted) if posted is not None and Summary(posted) else None,
        failed=failed,
    )
    return page, status


@bp.route("/villkor/<int:condition_id>/uppfyllt", methods=["POST"])
@allow(*ANY_ROLE)
def fulfil(condition_id: int) -> Response | tuple[str, int]:
    condition = decisions.get_condition(condition_id)
    form = FulfilForm()  # the service checks what was given (after who may mark it), by field
    try:
        decisions.fulfil_condition(condition, current_user, form.note.data or "", form.evidence.data or "")
    except DomainError as exc:
        db.session.rollback()
        if isinstance(exc, ValidationFailed) and exc.fields:
            add_errors(form, exc.fields)
        else:
            form.form_errors.extend(exc.problems)
        return _tasks_page(exc.status_code, form, condition_id)
    db.session.commit()
    flash(_("Villkoret är markerat som uppfyllt."), "success")
    return redirect(url_for("review.tasks"))


@bp.route("/mina-uppgifter")
@allow(*ANY_ROLE)
def tasks() -> tuple[str, int]:
    return _tasks_page()
