"""Sign-in through the region's identity provider: OpenID Connect with Authlib (code flow, PKCE, nonce, state).

* ``POST /inloggning/oidc`` (the region's button) sends the browser to the provider's authorization endpoint,
  found by discovery (``ASSESS_OIDC_ISSUER/.well-known/openid-configuration``), with a fresh ``state``, ``nonce``
  and PKCE ``code_challenge`` (S256), all kept in the signed session cookie until the provider answers.
* ``GET /inloggning/oidc/callback`` (the redirect URI to register) exchanges the code (with the verifier and the
  client secret) for tokens; Authlib checks the ID token's signature against the provider's JWKS, its issuer,
  audience, expiry (with ``ASSESS_OIDC_CLOCK_SKEW_SECONDS`` of leeway) and nonce. Anything wrong: no session.
* Signing out (``auth.logout``) ends the local session and then, for a session from the provider, sends the
  browser to the provider's ``end_session_endpoint`` (RP-initiated logout), which returns to ``/utloggad``.

Neither the client secret nor a token is ever logged: failures are logged by their kind only.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import login_user
from werkzeug.wrappers import Response

from assess.extensions import db
from assess.i18n import _
from assess.models import Role, User
from assess.services import identity, sessions
from assess.services.errors import ValidationFailed

bp = Blueprint("oidc", __name__)
log = logging.getLogger(__name__)
_EXTENSION = "assess_oidc_client"
_NEXT_KEY = "oidc_next"


def enabled() -> bool:
    """Tell whether sign-in through the provider is configured."""
    return bool(current_app.config.get("OIDC_ISSUER"))


def client() -> Any:
    """Return this app's Authlib client for the provider (registered once per app, metadata cached in it)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    found = app.extensions.get(_EXTENSION)
    if found is None:
        from authlib.integrations.flask_client import OAuth

        config = app.config
        oauth = OAuth()
        oauth.init_app(app)
        found = oauth.register(
            "region",
            client_id=config["OIDC_CLIENT_ID"],
            client_secret=config["OIDC_CLIENT_SECRET"],
            server_metadata_url=config["OIDC_ISSUER"] + "/.well-known/openid-configuration",
            client_kwargs={
                "scope": config["OIDC_SCOPES"],
                "code_challenge_method": "S256",
                "token_endpoint_auth_method": "client_secret_basic",
                "default_timeout": config["OIDC_TIMEOUT"],
            },
        )
        app.extensions[_EXTENSION] = found
    return found


def _external(endpoint: str) -> str:
    """Return an absolute URL of this app: under ASSESS_BASE_URL when set, else as the request reached it."""
    base = current_app.config.get("BASE_URL") or ""
    return base + url_for(endpoint) if base else url_for(endpoint, _external=True)


def _metadata() -> dict[str, Any]:
    """Load the provider's discovery document; refuse one whose issuer is not the configured one."""
    metadata: dict[str, Any] = client().load_server_metadata()
    if str(metadata.get("issuer", "")).rstrip("/") != current_app.config["OIDC_ISSUER"]:
        raise ProviderProblem("issuer_mismatch")
    return metadata


class ProviderProblem(Exception):
    """The provider could not be used (unreachable, or it answered something we must not accept)."""


def _failed(kind: str, status: int = 400) -> tuple[str, int]:
    """Answer a sign-in that went wrong: logged by kind (never a token or the secret), no session started."""
    log.warning("oidc sign-in refused: %s", kind)
    db.session.rollback()
    return render_template("auth/oidc_failed.html", unreachable=status == 503), status


@bp.route("/inloggning/oidc", methods=["POST"])
def login() -> Response | tuple[str, int]:
    """Send the browser to the region's identity provider (state, nonce and PKCE kept in the session)."""
    if not enabled():
        from werkzeug.exceptions import NotFound

        raise NotFound()
    from assess.views.auth import safe_next

    target = safe_next(request.args.get("next") or request.form.get("next"))
    try:
        _metadata()
        session.pop(_NEXT_KEY, None)
        if target:
            session[_NEXT_KEY] = target
        response: Response = client().authorize_redirect(_external("oidc.callback"))
    except ProviderProblem as exc:
        return _failed(str(exc), 503)
    except Exception as exc:  # the provider is unreachable or answers nonsense: a clear page, never a 500
        return _failed(f"discovery failed ({type(exc).__name__})", 503)
    return response


@bp.route("/inloggning/oidc/callback")
def callback() -> Response | tuple[str, int]:
    """Take the provider's answer: exchange the code, verify the ID token, then start a session (or say why not)."""
    if not enabled():
        from werkzeug.exceptions import NotFound

        raise NotFound()
    from authlib.common.errors import AuthlibBaseError
    from joserfc.errors import JoseError

    if request.args.get("error"):
        return _failed(f"provider error {request.args.get('error', '')[:64]!r}")
    if not request.args.get("code") or not request.args.get("state"):
        return _failed("callback without code or state")
    try:
        _metadata()
        token = client().authorize_access_token(leeway=int(current_app.config["OIDC_CLOCK_SKEW_SECONDS"]))
    except ProviderProblem as exc:
        return _failed(str(exc), 503)
    except (AuthlibBaseError, JoseError, ValueError, KeyError) as exc:
        return _failed(f"token refused ({type(exc).__name__}: {getattr(exc, 'error', '')})")
    except Exception as exc:  # network errors talking to the token or JWKS endpoint
        return _failed(f"provider unreachable ({type(exc).__name__})", 503)
    claims = token.get("userinfo") if isinstance(token, dict) else None
    if not claims or not token.get("id_token"):
        return _failed("no verified ID token in the token response")
    config = current_app.config
    groups = identity.claimed_groups(claims, config["OIDC_GROUPS_CLAIM"])
    try:
        mapping = identity.load_group_mapping(config["OIDC_GROUP_MAPPING_FILE"])
        result = identity.sign_in_from_idp(config["OIDC_ISSUER"], claims, groups, mapping)
    except identity.MappingError:
        log.exception("oidc sign-in: the group mapping file cannot be read")
        return _failed("group mapping unreadable", 503)
    except ValidationFailed:
        return _failed("no usable subject")
    if result.outcome != "ok":
        db.session.commit()  # the account (and its lost roles) are recorded; no session is started
        return _no_access(result.user, result.outcome, mapping.contact)
    return _start_session(result.user, str(token["id_token"]))


def _no_access(user: User, outcome: str, contact: str) -> tuple[str, int]:
    """Say why there is no access and whom to ask; show no data."""
    from sqlalchemy import select

    from assess.models import UserRole

    admins: list[str] = []
    if not contact:
        admins = list(
            db.session.scalars(
                select(User.display_name)
                .join(UserRole, UserRole.user_id == User.id)
                .where(UserRole.role == Role.ADMIN, User.active.is_(True))
                .order_by(User.display_name)
                .limit(5)
            )
        )
    html = render_template(
        "auth/no_access.html",
        person=user.display_name,
        inactive=outcome == "inactive",
        contact=contact,
        admins=admins,
    )
    return html, 403


def _start_session(user: User, id_token: str) -> Response:
    from assess.views.auth import _new_session, safe_next

    target = safe_next(session.get(_NEXT_KEY))
    previous = session.get("sid")
    if isinstance(previous, str):
        sessions.end_session(previous, sessions.SIGNED_IN_AGAIN)
    lifetime = timedelta(seconds=int(current_app.config["PERMANENT_SESSION_LIFETIME"]))
    token = sessions.start_session(user, lifetime, request.remote_addr or "-", request.headers.get("User-Agent", ""))
    identity.remember_id_token(token, id_token)
    db.session.commit()
    _new_session(token)
    login_user(user)
    return redirect(target or url_for("cases.list_cases"))


def logout_redirect(id_token: str | None) -> Response | None:
    """Return the redirect that signs the browser out at the provider too, or None when it cannot be done."""
    if not enabled() or not id_token:
        return None
    try:
        metadata = _metadata()
        if not metadata.get("end_session_endpoint"):
            return None
        response: Response = client().logout_redirect(
            post_logout_redirect_uri=_external("oidc.signed_out"),
            id_token_hint=id_token,
            client_id=current_app.config["OIDC_CLIENT_ID"],
        )
    except Exception as exc:  # the provider is unreachable: the local session has ended all the same
        log.warning("oidc sign-out at the provider skipped: %s", type(exc).__name__)
        return None
    return response


def _origin(url: Any) -> str | None:
    from urllib.parse import urlsplit

    parts = urlsplit(str(url or ""))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else None


@bp.after_app_request
def allow_provider_in_form_action(response: Response) -> Response:
    """Let the forms that lead to the provider (sign-in, sign-out) follow its redirect: CSP form-action."""
    if not enabled():
        return response
    from assess.views.security import SECURITY_HEADERS

    metadata = client().server_metadata or {}
    urls = (
        current_app.config["OIDC_ISSUER"],
        metadata.get("authorization_endpoint"),
        metadata.get("end_session_endpoint"),
    )
    origins = sorted({o for o in map(_origin, urls) if o})
    policy = response.headers.get("Content-Security-Policy") or SECURITY_HEADERS["Content-Security-Policy"]
    if "form-action 'self';" in policy:
        policy = policy.replace("form-action 'self';", f"form-action 'self' {' '.join(origins)};", 1)
    response.headers["Content-Security-Policy"] = policy
    return response


@bp.route("/utloggad")
def signed_out() -> Response:
    """Where the provider sends the browser back after signing out there."""
    if enabled() and request.args.get("state"):
        try:
            client().validate_logout_response()
        except Exception:  # a stale or foreign state: the person is signed out here whatever it says
            log.info("oidc sign-out: the state did not match")
    flash(_("Du är utloggad, även från regionens inloggning."), "info")
    return redirect(url_for("auth.login"))
