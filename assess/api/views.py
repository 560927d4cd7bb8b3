"""The JSON API under /api/v1: as thin as the pages, over the same services (their roles, four-eyes and audit)."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import Blueprint, Response, current_app, json, render_template, request
from flask_login import current_user
from pydantic import BaseModel, ValidationError
from spectree import Response as Doc
from sqlalchemy import func, select

from assess.api import models as m
from assess.api.auth import current_token, note_write
from assess.api.problems import field_message, init_problems, problem, title_of
from assess.api.serialize import TASK_SECTIONS, task_page_json, task_section
from assess.api.spec import openapi_document, spec
from assess.extensions import db
from assess.i18n import _
from assess.models import Case, Decision, FrozenRecord, ReviewComment, Role
from assess.rulesets import registry
from assess.services import assessments as service
from assess.services import review, workflow
from assess.services.cases import case_to_dict, get_case
from assess.services.errors import ValidationFailed
from assess.services.evaluation import evaluate_assessment, ruleset_for
from assess.services.tasks import TaskFilter
from assess.views.access import ANY_ROLE, EDITORS, allow

bp = Blueprint("api", __name__, url_prefix="/api/v1")
init_problems(bp)
ANSWERERS = (Role.ADMIN, Role.ARCHITECT, Role.REVIEWER, Role.DECISION_MAKER)
COMMENTERS = (Role.ARCHITECT, Role.ADMIN, Role.REVIEWER, Role.DECISION_MAKER)
M = TypeVar("M", bound=BaseModel)

#: The errors every operation may answer (each a problem+json).
COMMON = {"HTTP_400": m.Problem, "HTTP_401": m.Problem, "HTTP_403": m.Problem, "HTTP_404": m.Problem}
WRITES = {**COMMON, "HTTP_409": m.Problem, "HTTP_412": m.Problem, "HTTP_415": m.Problem, "HTTP_428": m.Problem}


def _json(data: Any, status: int = 200, etag: int | None = None) -> Response:
    response = Response(json.dumps(data), status=status, mimetype="application/json")
    if etag is not None:
        response.headers["ETag"] = f'"{etag}"'
    return response


def _invalid(error: ValidationError, where: str) -> ValidationFailed:
    fields = {}
    for item in error.errors(include_url=False, include_input=False):
        name = ".".join(str(part) for part in item["loc"]) or where
        fields[name] = field_message(item)
    return ValidationFailed(*(f"{k}: {v}" for k, v in fields.items()), fields=fields)


class Unprocessable(ValidationFailed):
    """A body or query that does not fit its schema (422)."""

    status_code = 422


def _query(model: type[M]) -> M:
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as exc:
        raise Unprocessable(*_invalid(exc, "query").problems, fields=_invalid(exc, "query").fields) from None


def _body(model: type[M]) -> M:
    if request.mimetype != "application/json":
        from werkzeug.exceptions import UnsupportedMediaType

        raise UnsupportedMediaType()
    try:
        data = json.loads(request.get_data(as_text=True) or "null")
    except ValueError:
        raise ValidationFailed(_("Innehållet är inte giltig JSON.")) from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        failed = _invalid(exc, "body")
        raise Unprocessable(*failed.problems, fields=failed.fields) from None


def _paged(total: int, page: m.PageQuery) -> dict[str, int]:
    pages = max(1, -(-total // page.per_page))
    return {"total": total, "page": page.page, "per_page": page.per_page, "pages": pages}


# --- the document ------------------------------------------------------------------------------------------------


@bp.route("/openapi.json")
def openapi() -> Response:
    return _json(openapi_document(current_app))


@bp.route("/")
def reference() -> str:
    """The API's reference page, rendered here from the generated document (no script, no CDN)."""
    return render_template("api/reference.html", doc=openapi_document(current_app))


# --- cases -------------------------------------------------------------------------------------------------------


@bp.route("/cases")
@allow(*ANY_ROLE)
@spec.validate(query=m.PageQuery, resp=Doc(HTTP_200=m.CaseList, **COMMON), tags=["cases"], skip_validation=True)
def list_cases() -> Response:
    """List the cases, newest first."""
    page = _query(m.PageQuery)
    total = db.session.scalar(select(func.count(Case.id))) or 0
    rows = db.session.scalars(
        select(Case)
        .order_by(Case.created_at.desc(), Case.id.desc())
        .limit(page.per_page)
        .offset((page.page - 1) * page.per_page)
    )
    items = [
        {
            "id": c.id,
            "title": c.title,
            "status": c.status.value,
            "information_owner": c.information_owner,
            "decision_maker": c.decision_maker,
        }
        for c in rows
    ]
    return _json({**_paged(total, page), "items": items})


@bp.route("/cases/<int:case_id>")
@allow(*ANY_ROLE)
@spec.validate(resp=Doc(HTTP_200=m.CaseOut, **COMMON), tags=["cases"], skip_validation=True)
def get_case_view(case_id: int) -> Response:
    """Read a case with its alternatives and their assessments (modules and revisions)."""
    return _json(case_to_dict(get_case(case_id)))


# --- assessments and answers -------------------------------------------------------------------------------------


def assessment_json(assessment: Any) -> dict[str, Any]:
    """Return an assessment with its evaluation as plain JSON data."""
    return {
        "id": assessment.id,
        "case_id": assessment.alternative.case_id,
        "alternative_id": assessment.alternative_id,
        "scope": assessment.scope,
        "revision": assessment.revision,
        "status": assessment.status.value,
        "version": assessment.version,
        "owner": assessment.owner.display_name if assessment.owner else None,
        "ruleset": {
            "id": assessment.ruleset_id,
            "version": assessment.ruleset_version,
            "sha256": assessment.ruleset_sha256,
        },
        "evaluation": evaluate_assessment(assessment).to_dict(),
    }


def answers_json(assessment: Any) -> dict[str, Any]:
    """Return the stored answers of an assessment in catalogue order."""
    ruleset = ruleset_for(assessment)
    rows = sorted(
        assessment.answers,
        key=lambda r: ruleset.by_id[r.question_id].index if r.question_id in ruleset.by_id else 10**6,
    )
    return {
        "assessment_id": assessment.id,
        "version": assessment.version,
        "items": [
            {
                "question_id": r.question_id,
                "value": r.value,
                "evidence": r.evidence.value,
                "motivation": r.motivation,
                "evidence_ref": r.evidence_ref,
                "unknown_owner": service.assignee_key(r),
                "unknown_due": r.unknown_due.isoformat() if r.unknown_due else None,
                "changed_in_version": r.changed_in_version,
                "updated_at": r.updated_at.isoformat() if r.updated_at else None,
                "updated_by": r.updated_by.display_name if r.updated_by else None,
            }
            for r in rows
        ],
    }


@bp.route("/assessments/<int:assessment_id>")
@allow(*ANY_ROLE)
@spec.validate(resp=Doc(HTTP_200=m.AssessmentOut, **COMMON), tags=["assessments"], skip_validation=True)
def get_assessment(assessment_id: int) -> Response:
    """Read an assessment and its evaluation; the ETag is its version, for If-Match on writes."""
    assessment = service.get_assessment(assessment_id)
    return _json(assessment_json(assessment), etag=assessment.version)


@bp.route("/assessments/<int:assessment_id>/answers")
@allow(*ANY_ROLE)
@spec.validate(resp=Doc(HTTP_200=m.AnswerList, **COMMON), tags=["assessments"], skip_validation=True)
def get_answers(assessment_id: int) -> Response:
    """Read the stored answers of an assessment."""
    assessment = service.get_assessment(assessment_id)
    return _json(answers_json(assessment), etag=assessment.version)


def _if_match() -> int | None:
    """Return the version the writer saw (If-Match: "12", W/"12" or 12); None when the header is missing."""
    raw = request.headers.get("If-Match")
    if raw is None:
        return None
    value = raw.strip().removeprefix("W/").strip().strip('"')
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 10 else -1


def _stale(assessment: Any) -> Response:
    return problem(
        412,
        _("Bedömningen har ändrats"),
        [_("Bedömningen har ändrats sedan du läste den. Läs om den och försök igen med dess nya ETag.")],
        current={**assessment_json(assessment), "answers": answers_json(assessment)["items"]},
        headers={"ETag": f'"{assessment.version}"'},
    )


def _precondition(assessment_id: int) -> tuple[Any, Response | None]:
    """Load the assessment and check If-Match: 428 without it, 412 (with the current state) when stale."""
    assessment = service.get_assessment(assessment_id)
    seen = _if_match()
    if seen is None:
        return assessment, problem(
            428,
            _("If-Match krävs"),
            [_("Skicka bedömningens ETag i If-Match, så skriver du aldrig över någon annans ändring.")],
        )
    if seen != assessment.version:
        return assessment, _stale(assessment)
    return assessment, None


def _given(stored: service.AnswerInput, given: m.AnswerIn, replace: bool) -> service.AnswerInput:
    base = service.AnswerInput() if replace else stored
    fields = given.model_fields_set
    return service.AnswerInput(
        value=given.value if "value" in fields or replace else base.value,
        evidence=given.evidence if given.evidence is not None else base.evidence,
        motivation=given.motivation if given.motivation is not None else base.motivation,
        evidence_ref=given.evidence_ref if given.evidence_ref is not None else base.evidence_ref,
        # An answerer who is not the architect keeps the stored assignee unless they name one (which is refused).
        unknown_owner=given.unknown_owner if given.unknown_owner is not None else stored.unknown_owner,
        unknown_due=given.unknown_due if "unknown_due" in fields else stored.unknown_due,
    )


def _save(assessment_id: int, answers: dict[str, m.AnswerIn], replace: bool) -> Response:
    assessment, refused = _precondition(assessment_id)
    if refused is not None:
        return refused
    stored = {row.question_id: row for row in assessment.answers}
    inputs = {qid: _given(service.answer_input_of(stored.get(qid)), a, replace) for qid, a in answers.items()}
    try:
        result = service.save_answers(assessment, inputs, assessment.version, current_user)
    except (service.SaveConflict, service.SaveRaced):
        db.session.rollback()
        return _stale(service.get_assessment(assessment_id))
    note_write()
    db.session.commit()
    return _json(
        {"assessment_id": assessment_id, "version": result.version, "changed": list(result.changed)},
        etag=result.version,
    )


@bp.route("/assessments/<int:assessment_id>/answers", methods=["PATCH"])
@allow(*ANSWERERS)
@spec.validate(
    json=m.AnswersIn,
    headers=m.IfMatch,
    resp=Doc(HTTP_200=m.SaveOut, HTTP_422=m.Problem, **WRITES),
    tags=["assessments"],
    skip_validation=True,
)
def patch_answers(assessment_id: int) -> Response:
    """Change one or many answers (only the fields given); all are saved or none."""
    body = _body(m.AnswersIn)
    return _save(assessment_id, body.answers, replace=False)


@bp.route("/assessments/<int:assessment_id>/answers/<string(maxlength=16):question_id>", methods=["PUT"])
@allow(*ANSWERERS)
@spec.validate(
    json=m.AnswerIn,
    headers=m.IfMatch,
    resp=Doc(HTTP_200=m.SaveOut, HTTP_422=m.Problem, **WRITES),
    tags=["assessments"],
    skip_validation=True,
)
def put_answer(assessment_id: int, question_id: str) -> Response:
    """Replace one answer (fields not given take their defaults)."""
    body = _body(m.AnswerIn)
    return _save(assessment_id, {question_id: body}, replace=True)


@bp.route("/assessments/<int:assessment_id>/submit", methods=["POST"])
@allow(*EDITORS)
@spec.validate(headers=m.IfMatch, resp=Doc(HTTP_200=m.SubmitOut, **WRITES), tags=["workflow"], skip_validation=True)
def submit(assessment_id: int) -> Response:
    """Submit the assessment for review (every shown question answered; the owner or an admin)."""
    assessment, refused = _precondition(assessment_id)
    if refused is not None:
        return refused
    submission = workflow.submit(assessment, current_user)
    note_write()
    db.session.commit()
    verdict = submission.evaluation.get("verdict", "") if isinstance(submission.evaluation, dict) else ""
    body = {"assessment_id": assessment_id, "status": assessment.status.value, "round": submission.round}
    return _json({**body, "verdict": str(verdict)}, etag=assessment.version)


# --- comments ----------------------------------------------------------------------------------------------------


def comment_json(c: ReviewComment) -> dict[str, Any]:
    return {
        "id": c.id,
        "assessment_id": c.assessment_id,
        "question_id": c.question_id,
        "parent_id": c.parent_id,
        "author": c.author.display_name,
        "created_at": c.created_at.isoformat(),
        "text": c.text,
    }


@bp.route("/assessments/<int:assessment_id>/comments")
@allow(*ANY_ROLE)
@spec.validate(
    query=m.PageQuery, resp=Doc(HTTP_200=m.CommentList, HTTP_422=m.Problem, **COMMON), tags=["workflow"],
    skip_validation=True,
)  # fmt: skip
def list_comments(assessment_id: int) -> Response:
    """List the comments of an assessment, oldest first."""
    page = _query(m.PageQuery)
    service.get_assessment(assessment_id)
    where = ReviewComment.assessment_id == assessment_id
    total = db.session.scalar(select(func.count(ReviewComment.id)).where(where)) or 0
    rows = db.session.scalars(
        select(ReviewComment)
        .where(where)
        .order_by(ReviewComment.created_at, ReviewComment.id)
        .limit(page.per_page)
        .offset((page.page - 1) * page.per_page)
    )
    return _json({**_paged(total, page), "items": [comment_json(c) for c in rows]})


@bp.route("/assessments/<int:assessment_id>/comments", methods=["POST"])
@allow(*COMMENTERS)
@spec.validate(
    json=m.CommentIn,
    resp=Doc(HTTP_201=m.CommentOut, HTTP_422=m.Problem, HTTP_409=m.Problem, HTTP_415=m.Problem, **COMMON),
    tags=["workflow"],
    skip_validation=True,
)
def add_comment(assessment_id: int) -> Response:
    """Comment on the assessment or one of its questions, or reply to a comment."""
    body = _body(m.CommentIn)
    assessment = service.get_assessment(assessment_id)
    comment = review.add_comment(assessment, current_user, body.text, body.question_id, body.parent_id)
    note_write()
    db.session.commit()
    return _json(comment_json(comment), 201)


# --- tasks, decisions, records, the rule set -------------------------------------------------------------------


@bp.route("/tasks")
@allow(*ANY_ROLE)
@spec.validate(
    query=m.TasksQuery, resp=Doc(HTTP_200=m.TasksOut, HTTP_422=m.Problem, **COMMON), tags=["tasks"],
    skip_validation=True,
)  # fmt: skip
def tasks() -> Response:
    """Read the user's tasks (*Mina uppgifter*), each list's first page (narrowed by `q` and `overdue`)."""
    from assess.api.serialize import tasks_json
    from assess.services.tasks import my_tasks
    from assess.views import today

    wanted = _query(m.TasksQuery)
    return _json(tasks_json(my_tasks(current_user, today(), None, _task_filter(wanted))))


def _task_filter(wanted: m.TasksQuery) -> TaskFilter:
    """Return what a task query narrows the lists to (its day: today in the region)."""
    from assess.views import today

    return TaskFilter(wanted.q.strip(), wanted.overdue, today())


@bp.route(f"/tasks/<any({', '.join(TASK_SECTIONS)}):section>")
@allow(*ANY_ROLE)
@spec.validate(
    query=m.TaskPageQuery, resp=Doc(HTTP_200=m.TaskPage, HTTP_422=m.Problem, **COMMON), tags=["tasks"],
    skip_validation=True,
)  # fmt: skip
def task_list(section: str) -> Response:
    """Read one page of one of the user's task lists (20 entries a page, in the order *Mina uppgifter* shows)."""
    page = _query(m.TaskPageQuery)
    user = current_user._get_current_object()
    return _json(task_page_json(section, task_section(user, section, page.page, _task_filter(page))))


@bp.route("/assessments/<int:assessment_id>/decision")
@allow(*ANY_ROLE)
@spec.validate(resp=Doc(HTTP_200=m.DecisionOut, **COMMON), tags=["decisions"], skip_validation=True)
def decision(assessment_id: int) -> Response:
    """Read the decision on an assessment and its conditions (404 while undecided)."""
    from assess.api.serialize import decision_json
    from assess.services.decisions import conditions_of

    service.get_assessment(assessment_id)
    row = db.session.scalar(select(Decision).where(Decision.assessment_id == assessment_id))
    if row is None:
        return problem(404, title_of(404), [_("Bedömningen har inget beslut.")])
    return _json(decision_json(row, conditions_of(assessment_id)))


@bp.route("/assessments/<int:assessment_id>/record")
@allow(*ANY_ROLE)
@spec.validate(resp=Doc(HTTP_200=m.RecordOut, **COMMON), tags=["decisions"], skip_validation=True)
def record(assessment_id: int) -> Response:
    """Read the frozen record of a decided assessment (404 while undecided)."""
    service.get_assessment(assessment_id)
    row = db.session.scalar(select(FrozenRecord).where(FrozenRecord.assessment_id == assessment_id))
    if row is None:
        return problem(404, title_of(404), [_("Bedömningen har inget fryst protokoll.")])
    return _json(
        {
            "assessment_id": assessment_id,
            "created_at": row.created_at.isoformat(),
            "sha256": row.sha256,
            "record": json.loads(row.canonical_json),
        }
    )


@bp.route("/ruleset")
@allow(*ANY_ROLE)
@spec.validate(resp=Doc(HTTP_200=m.RulesetOut, **COMMON), tags=["rules"], skip_validation=True)
def ruleset() -> Response:
    """Read the newest published rule set (what new assessments are pinned to)."""
    from assess.api.serialize import ruleset_json

    return _json(ruleset_json(registry().newest()))


@bp.after_request
def _no_cookie_for_tokens(response: Response) -> Response:
    if current_token() is not None:
        # A token request never gets a session cookie (nothing of the session was read or changed).
        response.headers.pop("Set-Cookie", None)
        response.vary.discard("Cookie")
    return response
