"""The JSON API (/api/v1): personal tokens, problem+json errors and the generated OpenAPI document."""

from __future__ import annotations

from flask import Flask

from assess.extensions import csrf


def init_api(app: Flask) -> None:
    """Register the API blueprint, its token check and its errors, and the tokens page."""
    from assess.api import views
    from assess.api.auth import init_auth
    from assess.api.tokens_page import bp as tokens_bp

    # Writes through the API take a token only (auth.py refuses the cookie session), so CSRF cannot apply.
    csrf.exempt(views.bp)
    app.register_blueprint(views.bp)
    app.register_blueprint(tokens_bp)
    init_auth(app)
