"""Configuration defaults.

Order (later wins): these defaults, ``instance/config.py``, ``ASSESS_*`` environment variables,
then the ``test_config`` passed to ``create_app``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

#: Environments in which a missing secret key is tolerated (dev generates one, tests pass one).
RELAXED_ENVIRONMENTS = {"development", "test"}


class Defaults:
    """Built-in defaults; every value can be overridden."""

    #: ``production`` (default), ``development`` (``make run``) or ``test``.
    ENVIRONMENT = "production"
    SECRET_KEY: str | None = None
    #: Set from ASSESS_DATABASE_URL; defaults to SQLite in the instance folder.
    DATABASE_URL: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    #: A session ends after this many seconds at the latest, and after SESSION_IDLE_SECONDS without a request.
    PERMANENT_SESSION_LIFETIME = 8 * 3600
    SESSION_IDLE_SECONDS = 60 * 60
    #: How many reverse proxies in front of the app may be trusted to set X-Forwarded-For/-Proto/-Host/-Port
    #: (0: none; the client address is the socket's). Set it to the number of hops, e.g. 1 behind one nginx.
    TRUSTED_PROXIES = 0
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    #: Login throttling: failures within the window, per (account, IP), per account and per IP.
    LOGIN_WINDOW_SECONDS = 15 * 60
    LOGIN_MAX_FAILURES_ACCOUNT_IP = 5
    LOGIN_MAX_FAILURES_ACCOUNT = 20
    LOGIN_MAX_FAILURES_IP = 50
    #: Past LOGIN_MAX_FAILURES_IP, each further wrong password from that address waits this much longer (at
    #: most 3 s) for its answer; nobody is refused because of someone else's failures.
    LOGIN_SLOWDOWN_SECONDS = 0.25
    #: argon2id parameters (library defaults: RFC 9106 low-memory profile).
    PASSWORD_HASH_TIME_COST = 3
    PASSWORD_HASH_MEMORY_KIB = 65536
    PASSWORD_HASH_PARALLELISM = 4
    #: The app's address as users reach it (e.g. https://molnbedomning.region.se), for the links in e-mails.
    BASE_URL = ""
    #: Mail (reminders and notices) goes out only when MAIL_SERVER is set; then MAIL_FROM and BASE_URL are needed.
    MAIL_SERVER = ""
    #: Default: 465 with MAIL_USE_SSL, 587 with MAIL_USE_TLS (STARTTLS), else 25.
    MAIL_PORT: int | None = None
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME = ""
    #: Or MAIL_PASSWORD_FILE (read once at start-up); never logged.
    MAIL_PASSWORD = ""  # noqa: S105 (empty: no password)
    MAIL_PASSWORD_FILE = ""
    MAIL_FROM = ""
    #: Seconds to wait for the mail server.
    MAIL_TIMEOUT = 10
    #: Days an answer to a question the rule set marks volatile stays fresh before the decision is flagged
    #: *Omprövning krävs* (ASSESS_VOLATILE_RECHECK_DAYS; the rule set has no period of its own).
    VOLATILE_RECHECK_DAYS = 365
    #: Sign-in through the region's identity provider (OpenID Connect) is on when OIDC_ISSUER is set; then
    #: OIDC_CLIENT_ID, OIDC_CLIENT_SECRET (or better OIDC_CLIENT_SECRET_FILE, never logged) and
    #: OIDC_GROUP_MAPPING_FILE (which groups give which roles, YAML) are required.
    OIDC_ISSUER = ""
    OIDC_CLIENT_ID = ""
    OIDC_CLIENT_SECRET = ""  # noqa: S105 (empty: none)
    OIDC_CLIENT_SECRET_FILE = ""
    OIDC_SCOPES = "openid profile email"
    #: The ID-token claim that lists the person's groups (Entra ID: "groups", or "roles" for app roles).
    OIDC_GROUPS_CLAIM = "groups"
    OIDC_GROUP_MAPPING_FILE = ""
    #: Seconds of clock difference tolerated between the provider and this server (exp, iat, nbf).
    OIDC_CLOCK_SKEW_SECONDS = 60
    #: Seconds to wait for the provider (discovery, keys, token endpoint).
    OIDC_TIMEOUT = 10
    #: The sign-in button's text; empty: "Logga in med regionens konto".
    OIDC_BUTTON_LABEL = ""
    #: Local accounts (username and password); with false only EMERGENCY_ADMINS may sign in locally.
    LOCAL_LOGIN = True
    #: Usernames of local admin accounts that may sign in with a password even when LOCAL_LOGIN is false
    #: (comma-separated, or a JSON list).
    EMERGENCY_ADMINS: str | list[str] = ""
    #: Evidence files: the largest file accepted (bytes), and where the content is kept: "database" (in the
    #: row) or a folder path every instance shares (files stored under their SHA-256).
    EVIDENCE_MAX_BYTES = 20 * 1024 * 1024
    EVIDENCE_STORAGE = "database"


class ConfigError(RuntimeError):
    """The configuration cannot work; the message says what to set, in Swedish and English, on one line."""


def finish_config(config: dict[str, Any], instance_path: str) -> None:
    """Derive dependent settings and enforce the secret-key guard; raise ConfigError on a bad setup."""
    env = str(config.get("ENVIRONMENT", "production")).lower()
    config["ENVIRONMENT"] = env
    if config.get("TESTING"):
        env = config["ENVIRONMENT"] = "test"

    proxies = config.get("TRUSTED_PROXIES", 0)
    if isinstance(proxies, str) and proxies.strip().isascii() and proxies.strip().isdigit():
        proxies = int(proxies)
    if isinstance(proxies, bool) or not isinstance(proxies, int) or not 0 <= proxies <= 10:
        raise ConfigError(
            "ASSESS_TRUSTED_PROXIES måste vara ett heltal 0–10 (antalet proxyservrar framför appen). / "
            "ASSESS_TRUSTED_PROXIES must be a whole number 0-10 (the number of reverse proxies in front)."
        )
    config["TRUSTED_PROXIES"] = proxies
    # Never put bound parameters (what users typed) into error messages and logs; notice a dropped connection.
    config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        "hide_parameters": True,
        "pool_pre_ping": True,
        **dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {}),
    }

    url = config.get("DATABASE_URL")
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        config["SQLALCHEMY_DATABASE_URI"] = url or "sqlite:///" + str(Path(instance_path) / "assess.sqlite3")

    size = config.get("EVIDENCE_MAX_BYTES", Defaults.EVIDENCE_MAX_BYTES)
    if isinstance(size, str) and size.strip().isascii() and size.strip().isdigit():
        size = int(size)
    if isinstance(size, bool) or not isinstance(size, int) or not 0 < size <= 1024**3:
        raise ConfigError(
            "ASSESS_EVIDENCE_MAX_BYTES måste vara ett antal byte (högst 1 GiB). / "
            "ASSESS_EVIDENCE_MAX_BYTES must be a number of bytes (at most 1 GiB)."
        )
    config["EVIDENCE_MAX_BYTES"] = size
    config["EVIDENCE_STORAGE"] = str(config.get("EVIDENCE_STORAGE") or "database").strip() or "database"

    _finish_mail(config)
    _finish_identity(config)

    if env == "development":
        config.setdefault("TEMPLATES_AUTO_RELOAD", True)
    if env in RELAXED_ENVIRONMENTS:
        config["SESSION_COOKIE_SECURE"] = False
        config["REMEMBER_COOKIE_SECURE"] = False

    key_file = config.get("SECRET_KEY_FILE")
    if not config.get("SECRET_KEY") and key_file:
        try:
            config["SECRET_KEY"] = Path(str(key_file)).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(
                f"ASSESS_SECRET_KEY_FILE går inte att läsa ({exc.strerror}). / "
                f"ASSESS_SECRET_KEY_FILE cannot be read ({exc.strerror})."
            ) from None
    if not config.get("SECRET_KEY"):
        if env == "development":
            config["SECRET_KEY"] = _dev_secret_key(Path(instance_path))
        elif env != "test":
            raise ConfigError(
                "Molnbedömning startar inte utan hemlig nyckel: sätt ASSESS_SECRET_KEY eller ASSESS_SECRET_KEY_FILE "
                "(eller SECRET_KEY i instance/config.py). / Refusing to start without a secret key: set "
                "ASSESS_SECRET_KEY or ASSESS_SECRET_KEY_FILE."
            )


def _flag(value: Any) -> bool | None:
    """Return a yes/no setting as a bool (true/false, 1/0, yes/no, on/off), None when it is neither."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("", "0", "false", "no", "off"):
        return False
    return None


def _finish_mail(config: dict[str, Any]) -> None:
    """Check the mail settings (only when MAIL_SERVER is set) and read MAIL_PASSWORD_FILE."""
    base = str(config.get("BASE_URL") or "").strip().rstrip("/")
    if base:
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            raise ConfigError(
                "ASSESS_BASE_URL måste vara appens adress, t.ex. https://molnbedomning.region.se. / "
                "ASSESS_BASE_URL must be the app's address, e.g. https://molnbedomning.region.se."
            )
    config["BASE_URL"] = base
    config["MAIL_SERVER"] = str(config.get("MAIL_SERVER") or "").strip()
    for name in ("MAIL_USE_TLS", "MAIL_USE_SSL"):
        flag = _flag(config.get(name, False))
        if flag is None:
            raise ConfigError(f"ASSESS_{name} måste vara true eller false. / ASSESS_{name} must be true or false.")
        config[name] = flag
    if not config["MAIL_SERVER"]:
        return
    if config["MAIL_USE_TLS"] and config["MAIL_USE_SSL"]:
        raise ConfigError(
            "Välj ASSESS_MAIL_USE_TLS (STARTTLS) eller ASSESS_MAIL_USE_SSL, inte båda. / "
            "Set ASSESS_MAIL_USE_TLS (STARTTLS) or ASSESS_MAIL_USE_SSL, not both."
        )
    port = config.get("MAIL_PORT")
    if port in (None, ""):
        port = 465 if config["MAIL_USE_SSL"] else 587 if config["MAIL_USE_TLS"] else 25
    if isinstance(port, str) and port.strip().isascii() and port.strip().isdigit():
        port = int(port)
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise ConfigError(
            "ASSESS_MAIL_PORT måste vara ett portnummer 1–65535. / ASSESS_MAIL_PORT must be a port number 1-65535."
        )
    config["MAIL_PORT"] = port
    try:
        timeout = float(config.get("MAIL_TIMEOUT") or 10)
    except (TypeError, ValueError):
        timeout = 0.0
    if not 0 < timeout <= 300:
        raise ConfigError(
            "ASSESS_MAIL_TIMEOUT måste vara ett antal sekunder (högst 300). / "
            "ASSESS_MAIL_TIMEOUT must be a number of seconds (at most 300)."
        )
    config["MAIL_TIMEOUT"] = timeout
    if not str(config.get("MAIL_FROM") or "").strip() or not base:
        raise ConfigError(
            "E-post kräver avsändare och länkadress: sätt ASSESS_MAIL_FROM och ASSESS_BASE_URL (eller ta bort "
            "ASSESS_MAIL_SERVER). / Mail needs a sender and the address for links: set ASSESS_MAIL_FROM and "
            "ASSESS_BASE_URL (or unset ASSESS_MAIL_SERVER)."
        )
    password_file = config.get("MAIL_PASSWORD_FILE")
    if not config.get("MAIL_PASSWORD") and password_file:
        try:
            config["MAIL_PASSWORD"] = Path(str(password_file)).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(
                f"ASSESS_MAIL_PASSWORD_FILE går inte att läsa ({exc.strerror}). / "
                f"ASSESS_MAIL_PASSWORD_FILE cannot be read ({exc.strerror})."
            ) from None


def _finish_identity(config: dict[str, Any]) -> None:
    """Check the sign-in settings: local accounts on or off, and OpenID Connect when OIDC_ISSUER is set."""
    local = _flag(config.get("LOCAL_LOGIN", True))
    if local is None:
        raise ConfigError("ASSESS_LOCAL_LOGIN måste vara true eller false. / ASSESS_LOCAL_LOGIN must be true or false.")
    config["LOCAL_LOGIN"] = local
    names = config.get("EMERGENCY_ADMINS") or ""
    if isinstance(names, str):
        names = names.replace(";", ",").replace(" ", ",").split(",")
    config["EMERGENCY_ADMINS"] = tuple(sorted({str(n).strip().lower() for n in names if str(n).strip()}))
    issuer = str(config.get("OIDC_ISSUER") or "").strip().rstrip("/")
    config["OIDC_ISSUER"] = issuer
    if not issuer:
        if not local:
            raise ConfigError(
                "ASSESS_LOCAL_LOGIN=false kräver inloggning via regionen: sätt ASSESS_OIDC_ISSUER. / "
                "ASSESS_LOCAL_LOGIN=false needs sign-in through the region: set ASSESS_OIDC_ISSUER."
            )
        return
    parts = urlsplit(issuer)
    local_host = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.scheme != "https" and not (parts.scheme == "http" and local_host) or not parts.netloc:
        raise ConfigError(
            "ASSESS_OIDC_ISSUER måste vara identitetsleverantörens https-adress. / "
            "ASSESS_OIDC_ISSUER must be the identity provider's https address."
        )
    secret_file = config.get("OIDC_CLIENT_SECRET_FILE")
    if not config.get("OIDC_CLIENT_SECRET") and secret_file:
        try:
            config["OIDC_CLIENT_SECRET"] = Path(str(secret_file)).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(
                f"ASSESS_OIDC_CLIENT_SECRET_FILE går inte att läsa ({exc.strerror}). / "
                f"ASSESS_OIDC_CLIENT_SECRET_FILE cannot be read ({exc.strerror})."
            ) from None
    if not str(config.get("OIDC_CLIENT_ID") or "").strip() or not config.get("OIDC_CLIENT_SECRET"):
        raise ConfigError(
            "Inloggning via regionen kräver ASSESS_OIDC_CLIENT_ID och ASSESS_OIDC_CLIENT_SECRET_FILE (eller "
            "ASSESS_OIDC_CLIENT_SECRET). / Sign-in through the region needs ASSESS_OIDC_CLIENT_ID and "
            "ASSESS_OIDC_CLIENT_SECRET_FILE (or ASSESS_OIDC_CLIENT_SECRET)."
        )
    scopes = config.get("OIDC_SCOPES") or ""
    if isinstance(scopes, list | tuple):
        scopes = " ".join(str(s) for s in scopes)
    scopes = " ".join(str(scopes).replace(",", " ").split())
    if "openid" not in scopes.split():
        scopes = f"openid {scopes}".strip()
    config["OIDC_SCOPES"] = scopes
    config["OIDC_GROUPS_CLAIM"] = str(config.get("OIDC_GROUPS_CLAIM") or "groups").strip()
    for name, top in (("OIDC_CLOCK_SKEW_SECONDS", 600), ("OIDC_TIMEOUT", 120)):
        try:
            value = int(config.get(name) or 0)
        except (TypeError, ValueError):
            value = -1
        if not 0 <= value <= top:
            raise ConfigError(f"ASSESS_{name} måste vara 0–{top} sekunder. / ASSESS_{name} must be 0-{top} seconds.")
        config[name] = value
    mapping = str(config.get("OIDC_GROUP_MAPPING_FILE") or "").strip()
    if not mapping:
        raise ConfigError(
            "Inloggning via regionen kräver ASSESS_OIDC_GROUP_MAPPING_FILE (vilka grupper som ger vilka roller). / "
            "Sign-in through the region needs ASSESS_OIDC_GROUP_MAPPING_FILE (which groups give which roles)."
        )
    from assess.services.identity import MappingError, load_group_mapping

    try:
        load_group_mapping(mapping)
    except MappingError as exc:
        raise ConfigError(f"ASSESS_OIDC_GROUP_MAPPING_FILE: {exc}") from None


def _dev_secret_key(instance: Path) -> str:
    """Read the development secret key from the instance folder, creating it once."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    from assess.files import private_dir

    private_dir(instance)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key
