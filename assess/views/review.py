"""Review and decision pages: submit, comment, request changes, approve, override, decide, revise, history."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from assess import labels
from assess.extensions import db
from assess.forms.review import (
    ApproveForm,
    ClaimForm,
    CommentForm,
    DecisionForm,
    OverrideForm,
    ReplyForm,
    RequestChangesForm,
    ReviseForm,
    SendBackForm,
    Summary,
    TaskFilterForm,
    VerifyForm,
    add_errors,
    hidden_errors,
    leaves,
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
from assess.services.tasks import TaskFilter
from assess.views import today
from assess.views.access import ANY_ROLE, EDITORS, allow
from assess.views.auth import safe_next
from assess.views.paging import page_number, task_pages

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
        if name in CONDITION_FORMS:
            return any(name in actions for cid, actions in page.condition_actions.items() if str(cid) == key)
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

    def condition(self, name: str, condition_id: int) -> Any:
        """Return a condition's claim, verify or send-back form (name: decisions.CLAIM, VERIFY or SEND_BACK)."""
        return _condition_form(self.posted, name, condition_id)

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
    owners = page.owners.choices if page.owners is not None else []
    users = [SelectChoice("", _("Välj")), *(SelectChoice(o.key, o.label) for o in owners)]
    if page.owners is None or page.owners.from_team:
        hint = _("Ärendets team och kontakter.")
    else:
        hint = _("Ärendet har inget team ännu, så alla aktiva användare utom läsare kan väljas.")
    gates = [
        SelectChoice("", _("Välj")),
        SelectChoice(decisions.DATE, _("Datum")),
        SelectChoice("before_contract", _("Före avtal")),
        SelectChoice("before_go_live", _("Före driftstart")),
        SelectChoice("within_months", _("Inom N månader")),
    ]
    for entry in form.cond:
        entry.owner.choices = users
        entry.owner.description = hint
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


def _back_to_questionnaire(assessment_id: int, done: Response | tuple[str, int]) -> Response | tuple[str, int]:
    """Return to the questionnaire a post came from (`next`, a path of this assessment's questionnaire with its
    step and question anchor) once it succeeded; a failure stays on the review page, which shows what was typed."""
    target = safe_next(request.form.get("next"))
    questionnaire = url_for("assessments.view", assessment_id=assessment_id)
    if target is None or urlsplit(target).path != questionnaire or not isinstance(done, Response):
        return done
    return redirect(target) if done.status_code in (302, 303) else done


@bp.route("/bedomningar/<int:assessment_id>/kommentarer", methods=["POST"])
@allow(*COMMENTERS)
def comment(assessment_id: int) -> Response | tuple[str, int]:
    parent = (request.form.get("parent_id") or "").strip()
    posted = Posted("reply", ReplyForm(), parent) if parent else Posted("comment", CommentForm())
    form = posted.form
    question = (request.form.get("question_id") if parent else form.question_id.data) or None
    done = _act(
        assessment_id,
        A.COMMENT,
        posted,
        lambda a: review_service.add_comment(a, current_user, form.text.data or "", question, _reply_to()),
        _("Kommentaren är sparad."),
    )
    return _back_to_questionnaire(assessment_id, done)


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
    done = _move(
        assessment_id, workflow.reopen, _("Bedömningen är ett utkast igen: gör ändringarna och skicka in den på nytt.")
    )
    return _back_to_questionnaire(assessment_id, done)


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
        decisions.ConditionInput.from_owner_key(
            entry.key, entry.owner.data, entry.deadline.data, entry.gate.data or "", _int(entry.months.data)
        )
        for entry in form.cond
    ]


def _add_new_errors(form: Any, fields: dict[str, str]) -> None:
    """Add a service's field errors to the fields that have none of the form's own (a malformed date says so)."""
    taken = {f.name for f in leaves(form) if f.errors}
    add_errors(form, {name: message for name, message in fields.items() if name not in taken})


@bp.route("/bedomningar/<int:assessment_id>/beslut", methods=["POST"])
@allow(Role.DECISION_MAKER)
def decide(assessment_id: int) -> Response | tuple[str, int]:
    """Decide; on failure show every problem at once: the form's own (a malformed date) and the service's
    (who may decide first, then each condition's owner and deadline, the risks, the next review, the outcome)."""
    assessment = assessment_service.get_assessment(assessment_id)
    form = decision_form(decisions.conditions_to_set(workflow.evaluation_with_overrides(assessment)), posted=True)
    posted = Posted("decide", form)
    valid = form.validate()
    hidden_errors(form)
    terms = (
        form.outcome.data or "",
        form.residual_risks.data or "",
        form.next_review.data,
        _conditions(form),
        today(),
    )
    try:
        if not valid:
            _add_new_errors(form, decisions.validate_decision(assessment, current_user, *terms))
            db.session.rollback()
            return _page(assessment_id, 400, None, posted)
        queries.decide_and_store(assessment, current_user, *terms)
    except ValidationFailed as exc:
        db.session.rollback()
        if not exc.fields:
            return _page(assessment_id, 400, exc.problems, posted)
        _add_new_errors(form, exc.fields)
        return _page(assessment_id, 400, None, posted)
    except DomainError as exc:
        db.session.rollback()
        return _page(assessment_id, exc.status_code, exc.problems, posted)
    db.session.commit()
    flash(_("Beslutet är fattat och posten är fryst."), "success")
    return redirect(url_for("review.view", assessment_id=assessment_id))


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
    "status", "verdict", "outcome", "claimed", "fulfilled", "area", "areas", "round", "reason", "note", "text", "value",
    "evidence", "motivation", "evidence_ref", "unknown_owner", "unknown_due",
)  # fmt: skip
#: Fields that name the question of the event (shown beside what happened, not as a change), and the picked
#: assignee's key (the history names the person: unknown_owner).
_QUESTION_KEYS = ("question", "assignee")


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


def _shown(key: str, value: Any, event: AuditEvent | queries.HistoryEvent, ruleset: Any, qid: str | None) -> str:
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


def _field_label(key: str, event: AuditEvent | queries.HistoryEvent | None = None) -> str:
    if key == "outcome" and event is not None and event.action == "review.override":
        label = labels.FIELD["question_outcome"]
    else:
        label = labels.FIELD.get(key) or key.replace("_", " ")
    return label[:1].upper() + label[1:]


#: Each named field's place in _FIELD_ORDER (the others after them).
_FIELD_RANK = {key: index for index, key in enumerate(_FIELD_ORDER)}
#: The types of a field's value that _shown writes from the value alone (a page writes each such value once).
_SCALARS = (str, int, float, bool, type(None))


def _changes(
    event: AuditEvent | queries.HistoryEvent, ruleset: Any, qid: str | None, memo: dict[Any, str] | None = None
) -> list[Change]:
    """Return the fields an event changed, in words. `memo`: one page's, for the values and names it wrote."""
    memo = {} if memo is None else memo
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    keys = [k for k in (*before, *after) if k not in _QUESTION_KEYS]
    keys = sorted(dict.fromkeys(keys), key=lambda k: _FIELD_RANK.get(k, len(_FIELD_ORDER)))

    def shown(key: str, value: Any) -> str:
        if not isinstance(value, _SCALARS):
            return _shown(key, value, event, ruleset, qid)
        # A value the question does not read the same whatever the question (a status, a level) once per page;
        # a question's value once per question.
        found_key = ("value", key, type(value), value, qid if key in ("value", "dropped_answers") else None)
        found = memo.get(found_key)
        if found is None:
            found = memo[found_key] = _shown(key, value, event, ruleset, qid)
        return found

    changes = []
    for key in keys:
        was = shown(key, before[key]) if key in before else None
        now = shown(key, after[key]) if key in after else None
        if was is not None and now is not None and was == now:
            continue  # unchanged: the row names what changed
        if was is None and now == "–":
            continue  # a first value that is empty says nothing
        label_key = ("label", key, key == "outcome" and event.action == "review.override")
        label = memo.get(label_key)
        if label is None:
            label = memo[label_key] = _field_label(key, event)
        changes.append(Change(label, was, now))
    return changes


def history_rows(assessment: Any, events: Iterable[AuditEvent | queries.HistoryEvent]) -> list[HistoryRow]:
    """Return the history of an assessment in words, in the reader's language: no code is shown as it is."""
    ruleset = ruleset_for(assessment)
    memo: dict[Any, str] = {}
    system = _("system")
    actions: dict[str, str] = {}
    rows = []
    for event in events:
        after = event.after if isinstance(event.after, dict) else {}
        before = event.before if isinstance(event.before, dict) else {}
        qid = after.get("question") or before.get("question")
        qid = qid if isinstance(qid, str) else None
        question = ruleset.by_id.get(qid) if qid else None
        action = actions.get(event.action)
        if action is None:
            action = actions[event.action] = labels.AUDIT_ACTION.get(event.action) or event.action
        rows.append(
            HistoryRow(
                at=event.at,
                actor=system if event.actor_id is None and event.actor_name == "system" else event.actor_name,
                action=action,
                question=qid,
                question_title=text(question.title) if question is not None else "",
                changes=_changes(event, ruleset, qid, memo),
            )
        )
    return rows


@bp.route("/bedomningar/<int:assessment_id>/historik")
@allow(*ANY_ROLE)
def history(assessment_id: int) -> str:
    assessment, listing = queries.history(assessment_id, page_number())
    return render_template(
        "review/history.html", a=assessment, rows=history_rows(assessment, listing.events), listing=listing
    )


# --- follow-up: my tasks; a condition claimed, verified or sent back ---------------------------------------------

#: The follow-up forms of a condition, by the name its post and its ids use.
CONDITION_FORMS: dict[str, type[Any]] = {
    decisions.CLAIM: ClaimForm,
    decisions.VERIFY: VerifyForm,
    decisions.SEND_BACK: SendBackForm,
}
#: Who may post a condition's follow-up (the service decides which condition; viewers never may).
FOLLOW_UP = (Role.ADMIN, Role.ARCHITECT, Role.REVIEWER, Role.DECISION_MAKER)


def _condition_form(posted: Posted | None, name: str, condition_id: int) -> Any:
    """Return a condition's form: the failed post's as typed, else a fresh one that comes back to this page."""
    key = str(condition_id)
    if posted is not None and posted.name == name and posted.key == key:
        form = posted.form
    else:
        form = CONDITION_FORMS[name](formdata=None, next=_here())
    return with_ids(form, _prefix(name, key))


def _here() -> str:
    """Return the address of the page being shown, with its query: on *Mina uppgifter* its search and the pages
    shown, also when it answers a failed post (g.list_address), so that a form comes back to it as it was."""
    address = g.get("list_address")
    # request.script_root: as url_for writes addresses, under a prefix too
    here = request.script_root + request.full_path.rstrip("?") if address is None else _address(*address)
    # a query longer than any the page's own links make (a forged one) is not copied into every form on it
    return here if len(here) <= MAX_BACK else urlsplit(here).path


#: The longest address a follow-up form comes back to with its query (a search is at most 200 characters).
MAX_BACK = 2000


def _address(endpoint: str, args: MultiDict[str, str]) -> str:
    """Return an endpoint's address with a query (every value of a repeated argument kept)."""
    query = urlencode(list(args.items(multi=True)))
    return url_for(endpoint) + (f"?{query}" if query else "")


def _tasks_query(address: str) -> MultiDict[str, str]:
    """Return the query (search, filter, pages) of a *Mina uppgifter* address a form came from: only its
    query is kept, so a posted `next` can never lead elsewhere."""
    return MultiDict(parse_qsl(urlsplit(address).query, keep_blank_values=True))


def _task_filter(args: MultiDict[str, str]) -> tuple[TaskFilterForm, TaskFilter]:
    """Return the search form of *Mina uppgifter* as asked in `args` and what it narrows the lists to (a field
    with an error narrows nothing; the form shows why)."""
    form = TaskFilterForm(args, meta={"csrf": False})
    form.validate()
    text = (form.sok.data or "").strip() if not form.sok.errors and isinstance(form.sok.data, str) else ""
    return form, TaskFilter(text, bool(form.forsenat.data), today())


def _tasks_page(
    status: int = 200, posted: Posted | None = None, args: MultiDict[str, str] | None = None
) -> tuple[str, int]:
    """Render *Mina uppgifter*: as this request asks, or (`args`: a failed post's) as the page the form was on."""
    if args is None:
        args = request.args
    else:
        g.list_address = ("review.tasks", args)  # its pages' links lead to that page, not to the form's route
    filter_form, wanted = _task_filter(args)
    t = queries.my_tasks(current_user, today(), task_pages(args), wanted)
    if posted is not None and not any(
        str(cid) == posted.key and posted.name in actions for cid, actions in t.condition_actions.items()
    ):
        unlink(posted.form)  # its form is not on the page: the summary names its errors without links

    def condition_form(name: str, condition_id: int) -> Any:
        return _condition_form(posted, name, condition_id)

    page = render_template(
        "review/tasks.html",
        t=t,
        today=today(),
        condition_form=condition_form,
        summary=Summary(posted.form) if posted is not None and Summary(posted.form) else None,
        filter_form=filter_form,
    )
    return page, status


def _text(field: Any) -> str:
    """Return a text field's value; a file posted under its name (a forged multipart post) counts as empty."""
    return field.data if isinstance(field.data, str) else ""


def _follow_up(condition_id: int, name: str, do: Callable[[Any, Any], Any], done: str) -> Response | tuple[str, int]:
    """Run one follow-up step on a condition, commit, and go back to the page the form was on (the review page
    or my tasks); on failure show that page with what was typed and why."""
    condition = decisions.get_condition(condition_id)
    assessment_id = condition.assessment_id
    form = CONDITION_FORMS[name]()  # the service checks what was given (after who may act), by field
    back = form.next.data if isinstance(form.next.data, str) else ""
    to_tasks = urlsplit(back).path == url_for("review.tasks")
    try:
        do(condition, form)
    except DomainError as exc:
        db.session.rollback()
        problems = None
        if isinstance(exc, ValidationFailed) and exc.fields:
            add_errors(form, exc.fields)
        elif to_tasks:
            form.form_errors.extend(exc.problems)
        else:
            problems = exc.problems
        posted = Posted(name, form, str(condition_id))
        if to_tasks:
            return _tasks_page(exc.status_code, posted, _tasks_query(back))
        return _page(assessment_id, exc.status_code, problems, posted)
    db.session.commit()
    flash(done, "success")
    if to_tasks:
        return redirect(_address("review.tasks", _tasks_query(back)))
    return redirect(url_for("review.view", assessment_id=assessment_id, _anchor="conditions"))


@bp.route("/villkor/<int:condition_id>/anmal", methods=["POST"])
@allow(*FOLLOW_UP)
def claim(condition_id: int) -> Response | tuple[str, int]:
    return _follow_up(
        condition_id,
        decisions.CLAIM,
        lambda c, f: decisions.claim_condition(c, current_user, _text(f.note), _text(f.evidence)),
        _("Villkoret är anmält som uppfyllt. En granskare av området eller en beslutsfattare verifierar det."),
    )


@bp.route("/villkor/<int:condition_id>/verifiera", methods=["POST"])
@allow(*FOLLOW_UP)
def verify(condition_id: int) -> Response | tuple[str, int]:
    return _follow_up(
        condition_id,
        decisions.VERIFY,
        lambda c, f: decisions.verify_condition(c, current_user, _text(f.note)),
        _("Villkoret är verifierat som uppfyllt."),
    )


@bp.route("/villkor/<int:condition_id>/skicka-tillbaka", methods=["POST"])
@allow(*FOLLOW_UP)
def send_back(condition_id: int) -> Response | tuple[str, int]:
    return _follow_up(
        condition_id,
        decisions.SEND_BACK,
        lambda c, f: decisions.return_condition(c, current_user, _text(f.reason)),
        _("Villkoret är skickat tillbaka till den ansvarige med ditt skäl."),
    )


@bp.route("/mina-uppgifter")
@allow(*ANY_ROLE)
def tasks() -> tuple[str, int]:
    return _tasks_page()
