"""Errors as application/problem+json (RFC 9457), every problem listed; never an HTML page under /api."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, current_app, json, request
from werkzeug.exceptions import HTTPException

from assess.extensions import db
from assess.i18n import _
from assess.services.errors import DomainError

PROBLEM_JSON = "application/problem+json"


def problem(
    status: int,
    title: str,
    problems: list[str] | None = None,
    fields: dict[str, str] | None = None,
    current: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """Return a problem response; `detail` joins the problems, `fields` names each field's problem."""
    listed = [str(p) for p in (problems or [])]
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": str(title),
        "status": status,
        "detail": " ".join(listed),
        "problems": listed,
        "fields": {str(k): str(v) for k, v in (fields or {}).items()},
    }
    if current is not None:
        body["current"] = current
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def title_of(status: int) -> str:
    """Return the error page's title for a status (the same words as the web pages)."""
    from assess.views import ERROR_TITLES

    title = ERROR_TITLES.get(status)
    return _(title) if title else _("Fel")


def from_domain(error: DomainError) -> Response:
    """Return a refused service call as a problem, with every problem and field error it lists."""
    db.session.rollback()
    return problem(error.status_code, title_of(error.status_code), error.problems, error.fields)


def from_http(error: HTTPException) -> Response:
    """Return an HTTP error (404, 405, 413, ...) as a problem."""
    from assess.views import ERROR_TEXTS

    code = error.code or 500
    text = ERROR_TEXTS.get(code)
    headers = {}
    if code == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods or [])
    return problem(code, title_of(code), [_(text)] if text else [], headers=headers)


def is_api_request() -> bool:
    """Tell whether the request is for the API (its errors are problems, not pages)."""
    return request.path == "/api/v1" or request.path.startswith("/api/v1/")


def init_problems(bp: Any) -> None:
    """Make every error of the API blueprint a problem response (the app's handlers render pages)."""
    from assess.views.security import log_unexpected

    @bp.errorhandler(DomainError)
    def domain_error(error: DomainError) -> Response:
        return from_domain(error)

    @bp.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response | HTTPException:
        if error.code is None or error.code < 400:
            return error
        return from_http(error)

    @bp.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        log_unexpected(current_app._get_current_object(), error)  # type: ignore[attr-defined]
        db.session.rollback()
        return problem(
            500, title_of(500), [_("Något gick fel hos oss. Inget av det du skickade har sparats delvis; försök igen.")]
        )


#: What is wrong with a field, by pydantic's kind of error: the catalogue's words, given the limit and the context.
_FIELD_MESSAGES: dict[str, Callable[[Any, dict[str, Any]], str]] = {
    "missing": lambda limit, ctx: _("Värdet saknas."),
    "extra_forbidden": lambda limit, ctx: _("Okänt fält."),
    "greater_than_equal": lambda limit, ctx: _("Måste vara minst %(limit)s.", limit=limit),
    "greater_than": lambda limit, ctx: _("Måste vara större än %(limit)s.", limit=limit),
    "less_than_equal": lambda limit, ctx: _("Får vara högst %(limit)s.", limit=limit),
    "less_than": lambda limit, ctx: _("Måste vara mindre än %(limit)s.", limit=limit),
    "string_type": lambda limit, ctx: _("Måste vara text."),
    "string_too_long": lambda limit, ctx: _("Får vara högst %(limit)s tecken.", limit=limit),
    "string_too_short": lambda limit, ctx: _("Måste vara minst %(limit)s tecken.", limit=limit),
    "list_type": lambda limit, ctx: _("Måste vara en lista."),
    **dict.fromkeys(("int_parsing", "int_type", "int_from_float"), lambda limit, ctx: _("Måste vara ett heltal.")),
    **dict.fromkeys(("bool_parsing", "bool_type"), lambda limit, ctx: _("Måste vara true eller false.")),
    **dict.fromkeys(
        ("date_parsing", "date_type", "date_from_datetime_parsing", "date_from_datetime_inexact"),
        lambda limit, ctx: _("Måste vara ett datum, ÅÅÅÅ-MM-DD."),
    ),
    **dict.fromkeys(
        ("literal_error", "enum"),
        lambda limit, ctx: _("Måste vara ett av: %(expected)s.", expected=ctx.get("expected", "")),
    ),
    **dict.fromkeys(
        ("dict_type", "model_type", "model_attributes_type"), lambda limit, ctx: _("Måste vara ett JSON-objekt.")
    ),
}
_LIMITS = ("ge", "gt", "le", "lt", "max_length", "min_length")


def field_message(error: Any) -> str:
    """Return what is wrong with one field of a body or query (a pydantic error), in the reader's language.

    The common kinds are said in the catalogue's words with their limit; a validator's own ValueError by its text;
    any other kind keeps pydantic's English text."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    say = _FIELD_MESSAGES.get(kind)
    if say is not None:
        return say(next((ctx[k] for k in _LIMITS if k in ctx), ""), ctx)
    if kind == "value_error":
        return str(ctx.get("error", error.get("msg", "")))
    return str(error.get("msg", ""))
