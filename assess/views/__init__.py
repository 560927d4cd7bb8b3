"""Blueprints, error pages, the user loader and security headers."""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from assess import models
from assess.extensions import db, login_manager
from assess.i18n import N_, _
from assess.models.types import utcnow
from assess.services.errors import DomainError
from assess.views import controls, listing, questions

if TYPE_CHECKING:
    from assess.services.marks import Marks

STOCKHOLM = ZoneInfo("Europe/Stockholm")

#: The error pages' titles and texts (marked for the catalogue, translated when a page is rendered).
ERROR_TITLES = {
    400: N_("Felaktig begäran"),
    401: N_("Inloggning krävs"),
    403: N_("Åtkomst nekad"),
    404: N_("Sidan finns inte"),
    405: N_("Metoden är inte tillåten"),
    409: N_("Konflikt"),
    413: N_("För stor begäran"),
    415: N_("Fel sorts innehåll"),
    429: N_("För många försök"),
    500: N_("Internt fel"),
}
ERROR_TEXTS = {
    400: N_("Begäran kunde inte tolkas. Inget har ändrats."),
    403: N_("Du har inte behörighet till den här sidan eller åtgärden."),
    404: N_("Det du letade efter finns inte, eller har flyttats."),
    405: N_("Den här adressen tar inte emot den sortens begäran."),
    409: N_("Åtgärden krockar med ärendets nuvarande läge. Inget har ändrats."),
    413: N_("Det du skickade var för stort. Inget har ändrats."),
    415: N_("Sidan tar emot formulärdata, inte den sortens innehåll. Inget har ändrats."),
    429: N_("För många försök på kort tid. Vänta en stund och försök igen."),
    500: N_("Något gick fel hos oss. Inget av det du skickade har sparats delvis; försök igen."),
}


def render_error(code: int, problems: list[str] | None = None) -> tuple[str, int]:
    """Render the error page for an HTTP status, in the reader's language."""
    title = ERROR_TITLES.get(code)
    explanation = ERROR_TEXTS.get(code)
    return (
        render_template(
            "errors/error.html",
            code=code,
            title=_(title) if title else _("Fel"),
            text=_(explanation) if explanation else "",
            problems=problems or [],
        ),
        code,
    )


def today() -> date:
    """Return today's date in Stockholm (config TODAY, a date, fixes it: for tests and demonstrations)."""
    fixed = current_app.config.get("TODAY")
    if isinstance(fixed, date):
        return fixed
    return datetime.now(STOCKHOLM).date()


def wants_json() -> bool:
    """Tell whether the request comes from the page's own script (autosave, sign-in again), which reads JSON."""
    return request.headers.get("X-Requested-With") == "fetch" or request.accept_mimetypes.best == "application/json"


def load_session_user(user_id: str) -> models.User | None:
    """Return the user of the session cookie when its server-side session is live and not idle for too long."""
    from flask import session

    from assess.services import sessions

    token = session.get("sid")
    if not isinstance(token, str) or not (user_id.isascii() and user_id.isdigit()) or len(user_id) > 10:
        return None
    now = utcnow()
    seen = session.get("seen")
    idle = int(current_app.config["SESSION_IDLE_SECONDS"])
    if not isinstance(seen, int) or now.timestamp() - seen > idle:
        session.clear()
        return None
    user = sessions.session_user(token, int(user_id), now)
    if user is None:
        session.clear()
        return None
    if now.timestamp() - seen > SEEN_RESOLUTION_SECONDS:
        session["seen"] = int(now.timestamp())
    return user


#: How often the session cookie's "last seen" time is renewed (each renewal sends a new cookie).
SEEN_RESOLUTION_SECONDS = 60


def register_views(app: Flask) -> None:
    """Register blueprints, access control, error handlers and template helpers."""
    from assess.views import assessments, auth, cases, health, pages, reports, review, trace
    from assess.views.access import init_access
    from assess.views.security import init_security, log_unexpected

    init_security(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = N_("Logga in för att fortsätta.")
    login_manager.login_message_category = "info"
    login_manager.localize_callback = _  # the message is flashed in the reader's language
    login_manager.user_loader(load_session_user)

    init_access(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(trace.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(cases.bp)
    app.register_blueprint(assessments.bp)
    app.register_blueprint(review.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(__import__("assess.views.reassessment", fromlist=["bp"]).bp)
    app.register_blueprint(__import__("assess.views.steering", fromlist=["bp"]).bp)
    app.register_blueprint(__import__("assess.views.scenarios", fromlist=["bp"]).bp)
    app.register_blueprint(__import__("assess.views.oidc", fromlist=["bp"]).bp)
    app.register_blueprint(__import__("assess.views.admin", fromlist=["bp"]).bp)
    __import__("assess.api", fromlist=["init_api"]).init_api(app)  # /api/v1 and the tokens page
    app.register_blueprint(__import__("assess.views.evidence", fromlist=["bp"]).bp)
    app.register_blueprint(__import__("assess.views.exchange", fromlist=["bp"]).bp)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> Any:
        from assess.views.auth import resume_response

        return resume_response(expired_form=True)

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError) -> tuple[str, int]:
        db.session.rollback()
        return render_error(error.status_code, error.problems)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int] | HTTPException:
        if error.code is None or error.code < 400:
            return error
        return render_error(error.code)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[str, int]:
        log_unexpected(app, error)
        db.session.rollback()
        return render_error(500)

    app.jinja_env.globals.update(_labels())
    app.jinja_env.globals["overdue_ids"] = overdue_ids
    app.jinja_env.globals["today"] = today
    app.jinja_env.globals["late_task_ids"] = late_task_ids
    app.jinja_env.globals["reassessment_ids"] = reassessment_ids
    app.jinja_env.globals["page_url"] = page_url
    app.jinja_env.globals.update(controls.GLOBALS)
    app.jinja_env.globals.update(questions.GLOBALS)
    app.jinja_env.globals.update(listing.GLOBALS)


def page_url(page: int, param: str = "sida") -> str:
    """Return this page's URL with another page number, every other query argument kept."""
    from flask import g, url_for

    # A page shown in answer to a failed post names the list's own address (g.list_address: its endpoint and
    # query), so that its pages are links to that page, not to the form's POST route.
    endpoint, query = g.get("list_address", (request.endpoint, request.args))
    # every value of a repeated argument (the impact run's picked answers, a multi-valued filter) is kept
    args: dict[str, Any] = {k: query.getlist(k) for k in query if not k.startswith("_")}
    if "list_address" not in g:
        args.update(request.view_args or {})
    args[param] = str(page)
    return url_for(endpoint or "cases.list_cases", **args)


def _page_marks(ids: Iterable[int]) -> Marks:
    """Return the marks of a page's modules, one statement per request and set of ids (services.marks)."""
    from flask import g

    from assess.services.marks import marks_of

    key = frozenset(ids)
    memo: dict[frozenset[int], Marks] = g.setdefault("marks", {})
    if key not in memo:
        memo[key] = marks_of(today(), key)
    return memo[key]


def overdue_ids(ids: Iterable[int] | None = None) -> AbstractSet[int]:
    """Return the ids (among those of the page) of assessments with a condition past its deadline."""
    from assess.services.decisions import overdue_assessment_ids

    return overdue_assessment_ids(today()) if ids is None else _page_marks(ids).overdue


def late_task_ids(ids: Iterable[int] | None = None) -> AbstractSet[int]:
    """Return the ids (among those of the page) of open assessments with a question past its due date."""
    from assess.services.team import overdue_question_assessment_ids

    return overdue_question_assessment_ids(today()) if ids is None else _page_marks(ids).late


def reassessment_ids(ids: Iterable[int] | None = None) -> AbstractSet[int]:
    """Return the ids (among those of the page) of decided assessments flagged *Omprövning krävs*."""
    from assess.services.reassessment import flagged_assessment_ids

    return flagged_assessment_ids() if ids is None else _page_marks(ids).flagged


def _labels() -> dict[str, Any]:
    """Return the tables of labels every template (and imported macro) can use, each in the reader's language."""
    from assess import labels

    return {
        "VERDICT_LABELS": labels.VERDICT,
        "AREA_RESULT_LABELS": labels.AREA_RESULT,
        "AREA_TITLES": labels.AREA,
        "OUTCOME_LABELS": labels.OUTCOME,
        "ANSWERED_BY_LABELS": labels.ANSWERED_BY,
        "STATUS_LABELS": labels.STATUS,
        "ROLE_LABELS": labels.ROLE,
        "AREA_LABELS": labels.REVIEW_AREA,
        "EVIDENCE_LABELS": labels.EVIDENCE,
        "OPERATING_MODELS": labels.OPERATING_MODEL,
        "CASE_STATUS_LABELS": labels.CASE_STATUS,
        "GATE_LABELS": labels.GATE,
        "AUDIT_ACTION_LABELS": labels.AUDIT_ACTION,
        "FIELD_LABELS": labels.FIELD,
        "OVERRIDE_KIND_LABELS": labels.OVERRIDE_KIND,
    }
