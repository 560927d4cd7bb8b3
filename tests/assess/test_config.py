"""Configuration order, the secret-key guard and cookie flags."""

from __future__ import annotations

from pathlib import Path

import pytest

from assess import create_app
from assess.config import finish_config


def test_defaults_then_env_then_test_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ASSESS_SECRET_KEY", "from-env")
    monkeypatch.setenv("ASSESS_LOGIN_MAX_FAILURES_IP", "7")
    monkeypatch.setenv("ASSESS_DATABASE_URL", f"sqlite:///{tmp_path}/env.sqlite3")
    app = create_app({"LOGIN_MAX_FAILURES_IP": 9, "ENVIRONMENT": "production"})
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["LOGIN_MAX_FAILURES_IP"] == 9  # test_config beats the environment
    assert app.config["LOGIN_WINDOW_SECONDS"] == 15 * 60  # default kept
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/env.sqlite3"
    app2 = create_app({"ENVIRONMENT": "production"})
    assert app2.config["LOGIN_MAX_FAILURES_IP"] == 7  # the environment beats the defaults (JSON-parsed)


def test_instance_config_file_sits_between_defaults_and_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text("SECRET_KEY = 'from-file'\nLOGIN_MAX_FAILURES_IP = 3\nREPORTS_DIR = 'r'\n")
    monkeypatch.setenv("ASSESS_INSTANCE_PATH", str(instance))
    monkeypatch.setenv("ASSESS_LOGIN_MAX_FAILURES_IP", "4")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-file"
    assert app.config["REPORTS_DIR"] == "r"
    assert app.config["LOGIN_MAX_FAILURES_IP"] == 4


def test_the_instance_folder_is_never_inside_an_installed_package(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from assess import instance_folder

    monkeypatch.delenv("ASSESS_INSTANCE_PATH", raising=False)
    assert instance_folder() == Path(__file__).resolve().parents[2] / "instance"  # a source checkout
    monkeypatch.setattr("assess.ROOT", tmp_path / "site-packages")  # installed: no pyproject.toml beside assess/
    monkeypatch.chdir(tmp_path)
    assert instance_folder() == tmp_path / "instance"
    monkeypatch.setenv("ASSESS_INSTANCE_PATH", str(tmp_path / "var" / "molnbedomning"))
    assert instance_folder() == tmp_path / "var" / "molnbedomning"


def test_production_refuses_to_start_without_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ASSESS_SECRET_KEY", raising=False)
    monkeypatch.delenv("ASSESS_ENVIRONMENT", raising=False)
    with pytest.raises(RuntimeError, match="ASSESS_SECRET_KEY"):
        create_app()


def test_development_generates_a_secret_key_once(tmp_path: Path) -> None:
    first: dict[str, object] = {"ENVIRONMENT": "development"}
    finish_config(first, str(tmp_path))
    second: dict[str, object] = {"ENVIRONMENT": "development"}
    finish_config(second, str(tmp_path))
    assert first["SECRET_KEY"] == second["SECRET_KEY"]
    assert len(str(first["SECRET_KEY"])) >= 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_cookies_are_secure_outside_dev_and_httponly_lax_everywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSESS_SECRET_KEY", "x" * 32)
    prod = create_app({"ENVIRONMENT": "production"})
    assert prod.config["SESSION_COOKIE_SECURE"] is True
    assert prod.config["REMEMBER_COOKIE_SECURE"] is True
    assert prod.config["SESSION_COOKIE_HTTPONLY"] is True
    assert prod.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    dev = create_app({"ENVIRONMENT": "development"})
    assert dev.config["SESSION_COOKIE_SECURE"] is False


def test_create_app_does_no_database_work(tmp_path: Path) -> None:
    # The database file's folder does not exist: any connection attempt in create_app would fail.
    missing = tmp_path / "nope" / "db.sqlite3"
    app = create_app({"TESTING": True, "SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{missing}"})
    assert app.name == "assess"
    assert not missing.parent.exists()
