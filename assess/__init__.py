"""Molnbedömning: judge whether a cloud service is suitable for a healthcare region."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def instance_folder() -> Path:
    """Return where the app keeps its runtime data: ASSESS_INSTANCE_PATH, else the checkout's instance/ when run
    from a source checkout, else instance/ in the current directory (never inside site-packages)."""
    configured = os.environ.get("ASSESS_INSTANCE_PATH", "").strip()
    if configured:
        return Path(configured).expanduser().resolve()
    if (ROOT / "pyproject.toml").is_file() and (ROOT / "assess").is_dir():
        return ROOT / "instance"
    return Path.cwd().resolve() / "instance"


def template_folder() -> Path:
    """Return the templates: the checkout's templates/ beside assess/, else the copy shipped in the package."""
    checkout = ROOT / "templates"
    if checkout.is_dir():
        return checkout
    return Path(__file__).resolve().parent / "templates"


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create and configure the Flask application (no database work happens here)."""
    from assess import config as config_module
    from assess.extensions import csrf, db, login_manager, migrate
    from assess.views import register_views

    app = Flask(
        __name__,
        instance_path=str(instance_folder()),
        instance_relative_config=True,
        template_folder=str(template_folder()),
        static_folder="static",
    )
    app.config.from_object(config_module.Defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("ASSESS")
    if test_config is not None:
        app.config.from_mapping(test_config)
    try:
        config_module.finish_config(app.config, app.instance_path)
    except config_module.ConfigError as exc:
        _refuse(exc)
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops)  # type: ignore[method-assign]

    from assess.services.users import configure_hasher

    configure_hasher(
        app.config["PASSWORD_HASH_TIME_COST"],
        app.config["PASSWORD_HASH_MEMORY_KIB"],
        app.config["PASSWORD_HASH_PARALLELISM"],
    )
    db.init_app(app)
    from assess.services import authorship, summaries

    authorship.install()
    summaries.install()
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)

    from assess import i18n

    i18n.init_app(app)

    from assess import rulesets

    rulesets.init_app(app)
    register_views(app)

    from assess.cli import register_cli

    register_cli(app)
    return app


def _refuse(error: Exception) -> None:
    """Stop on a configuration that cannot work: one clear line and exit 1 under the flask command, else raise."""
    import click

    if click.get_current_context(silent=True) is None:
        raise error
    click.echo(str(error), err=True)
    raise SystemExit(1)
