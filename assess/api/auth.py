"""Who an API request acts as: a personal token (`Authorization: Bearer ...`), or for reads the signed-in session.

A token request never touches the session (no cookie is read or sent); its user's roles are checked as for the
web (views/access.py: the endpoint's roles, then the services' own checks). Writes take a token only: a cookie
session would make the API a way around the forms' CSRF protection, so the blueprint is CSRF-exempt exactly
because writes never use the cookie. A "read" token is refused every write.
"""

from __future__ import annotations

from flask import Flask, Response, g, request

from assess.api.problems import is_api_request, problem, title_of
from assess.extensions import db, write_intent
from assess.i18n import _
from assess.models import ApiToken
from assess.services import tokens
from assess.views.security import SAFE_METHODS


def _unauthorized(message: str) -> Response:
    return problem(
        401,
        title_of(401),
        [message],
        headers={"WWW-Authenticate": 'Bearer realm="molnbedomning", error="invalid_token"'},
    )


def current_token() -> ApiToken | None:
    """Return the token the request came with (None for a session's read)."""
    token: ApiToken | None = g.get("api_token")
    return token


def _authenticate() -> Response | None:
    if not is_api_request():
        return None
    if request.routing_exception is not None:
        # An unknown path or method under /api: answered as a problem (the app's handlers would render a page).
        from werkzeug.exceptions import HTTPException

        from assess.api.problems import from_http

        error = request.routing_exception
        if isinstance(error, HTTPException) and (error.code or 0) >= 400:
            return from_http(error)
        return None
    if request.endpoint in PUBLIC_API_ENDPOINTS:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _sep, secret = header.partition(" ")
    write = request.method not in SAFE_METHODS
    if not header:
        from flask_login import current_user

        if write:
            return _unauthorized(_("Ändringar genom API:t kräver en API-nyckel (Authorization: Bearer ...)."))
        if not current_user.is_authenticated:
            return _unauthorized(_("Ange en API-nyckel (Authorization: Bearer ...) eller logga in."))
        return None
    if scheme.lower() != "bearer" or not secret.strip():
        return _unauthorized(_("Ange nyckeln som Authorization: Bearer <nyckel>."))
    token = tokens.find_token(secret.strip())
    if token is None:
        return _unauthorized(_("API-nyckeln är okänd, återkallad eller har gått ut, eller kontot är inaktiverat."))
    if write and not tokens.may_write(token):
        return problem(403, title_of(403), [_("API-nyckeln får bara läsa.")])
    g.api_token = token
    # Flask-Login's per-request user: the token's user, so the access check and every view see them (the
    # session cookie is neither read nor renewed).
    g._login_user = token.user
    if not write and tokens.needs_use_event(token):
        _note_first_use(token.id)
    return None


def _note_first_use(token_id: int) -> None:
    """Record a read's first use of the day in its own short writing transaction (a read has no other)."""
    db.session.commit()
    previous = write_intent.set(True)
    try:
        token = db.session.get(ApiToken, token_id)
        if token is not None and tokens.needs_use_event(token):
            tokens.record_use(token, request.method, request.path, write=False)
        db.session.commit()
    finally:
        write_intent.reset(previous)
    g.api_token = db.session.get(ApiToken, token_id)
    g._login_user = g.api_token.user if g.api_token is not None else None


def note_write() -> None:
    """Record, in the write's own transaction, that a token made it (call before the view commits)."""
    token = current_token()
    if token is not None:
        tokens.record_use(token, request.method, request.path, write=True)


#: The API's pages anyone may read (the document describing it, and its reference page).
PUBLIC_API_ENDPOINTS = {"api.openapi", "api.reference"}


def init_auth(app: Flask) -> None:
    """Run the token check after the request hygiene and before the access check (views/access.py)."""
    from assess.views.access import PUBLIC_ENDPOINTS, _check_access

    funcs = app.before_request_funcs.setdefault(None, [])
    position = funcs.index(_check_access) if _check_access in funcs else len(funcs)
    funcs.insert(position, _authenticate)
    PUBLIC_ENDPOINTS.update(PUBLIC_API_ENDPOINTS)
