"""Server-side access control: every endpoint declares who may use it; undeclared means refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_login import current_user

from assess.models import Role

F = TypeVar("F", bound=Callable[..., Any])

#: Every signed-in role: the read-only pages.
ANY_ROLE = tuple(Role)
EDITORS = (Role.ADMIN, Role.ARCHITECT)
PUBLIC_ENDPOINTS = {
    "static",
    "auth.login",
    "auth.resume",
    "auth.choose_language",
    "oidc.login",
    "oidc.callback",
    "oidc.signed_out",
    "pages.accessibility",
    "health.healthz",
    "health.readyz",
}


def allow(*roles: Role) -> Callable[[F], F]:
    """Declare which roles may use a view; checked on the server before every request."""

    def decorate(view: F) -> F:
        view.allowed_roles = frozenset(roles)  # type: ignore[attr-defined]
        return view

    return decorate


def allowed_roles(endpoint: str) -> frozenset[Role] | None:
    """Return the roles declared for an endpoint (None if it declares none)."""
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "allowed_roles", None)


def _check_access() -> Any:
    endpoint = request.endpoint
    if endpoint is None or endpoint in PUBLIC_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        if request.method in ("GET", "HEAD"):
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        from assess.views.auth import resume_response

        return resume_response(expired_form=False)
    roles = allowed_roles(endpoint)
    if roles is None or not current_user.has_role(*roles):
        abort(403)
    return None


def init_access(app: Flask) -> None:
    """Install the access check that runs before every request."""
    app.before_request(_check_access)
