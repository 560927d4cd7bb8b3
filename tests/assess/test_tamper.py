"""Every row of the tamper table is refused by the database or detected by `records verify`, on both databases."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from assess import create_app
from assess.extensions import db
from tests.conftest import TEST_CONFIG
from tests.soak.tamper import describe, postgres_setting, run_table, sqlite_setting, summary

ADMIN_URL = os.environ.get("MOLNBEDOMNING_TEST_POSTGRES_URL", "")


def _app(url: str, instance: Path) -> Flask:
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    app.instance_path = str(instance)
    return app


def _verify(url: str, instance: Path) -> list[str]:
    from assess.services.verification import verify_all

    app = _app(url, instance)
    with app.app_context():
        try:
            return verify_all(instance).problems
        finally:
            db.session.remove()
            db.engine.dispose()


def _check(outcomes: list[Any]) -> None:
    report = describe(outcomes)
    counts = summary(outcomes)
    assert counts["missed"] == 0, f"tampering neither refused nor detected:\n{report}"
    assert counts["refused"] > 20, report  # the guards are really there: most rows never get in
    assert counts["detected"] > 10, report  # and what gets past them is found


def test_every_tampering_is_refused_or_detected_on_sqlite(tmp_path: Path) -> None:
    with sqlite_setting(lambda db_path, instance: _app(f"sqlite:///{db_path}", instance), tmp_path) as setting:
        _check(run_table(setting, _verify))


@pytest.mark.load
def test_every_tampering_is_detected_when_every_record_and_event_is_a_batch_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`records verify` reads in batches: what is tampered in the last batch is found as surely as in the first."""
    from assess.services import verification

    monkeypatch.setattr(verification, "RECORD_BATCH", 1)
    monkeypatch.setattr(verification, "BATCH", 1)
    with sqlite_setting(lambda db_path, instance: _app(f"sqlite:///{db_path}", instance), tmp_path) as setting:
        _check(run_table(setting, _verify))


@pytest.mark.postgres
@pytest.mark.load
def test_every_tampering_is_refused_or_detected_on_postgresql(tmp_path: Path) -> None:
    if not ADMIN_URL:
        if os.environ.get("CI"):
            pytest.fail("MOLNBEDOMNING_TEST_POSTGRES_URL is not set on CI: .ci/run starts PostgreSQL")
        pytest.skip("PostgreSQL not configured: set MOLNBEDOMNING_TEST_POSTGRES_URL (see .ci/postgres)")
    prefix = f"assess_tamper_{secrets.token_hex(3)}"
    with postgres_setting(ADMIN_URL, _app, tmp_path, prefix) as setting:
        _check(run_table(setting, _verify))


def test_legitimate_renames_after_a_decision_never_trip_verification(tmp_path: Path) -> None:
    from sqlalchemy import select, text

    from assess.models import User
    from assess.services import users as user_service
    from assess.services.verification import verify_all

    with sqlite_setting(lambda db_path, instance: _app(f"sqlite:///{db_path}", instance), tmp_path) as setting:
        url, instance = setting.fresh_copy("renamed")
        app = _app(url, instance)
        with app.app_context():
            db.session.execute(text("UPDATE cases SET title = 'Nytt namn på ärendet'"))
            db.session.execute(text("UPDATE alternatives SET name = name || ' (omdöpt)'"))
            db.session.execute(
                text("UPDATE users SET display_name = 'Beata Gift-Beslutsfattare' WHERE username = 'beslutsfattare'")
            )
            jurist = db.session.scalar(select(User).where(User.username == "jurist"))
            user_service.set_roles(jurist, ["reviewer"], ["legal", "infosec"])
            db.session.commit()
            result = verify_all(instance)
            assert result.problems == []
            assert result.records == 1
            db.session.remove()
            db.engine.dispose()


def test_text_that_is_not_json_names_the_record_and_the_event_and_every_other_check_still_runs(
    tmp_path: Path,
) -> None:
    """A JSON column written by hand with text that is not JSON is one finding, not the end of the check.

    Before, the driver raised while fetching the batch and verify said only that the records (or the chain)
    "could not be checked", which hid what the other records and events would have shown.
    """
    from sqlalchemy import create_engine, text

    from tests.soak.tamper import SQLITE_DROP_ANSWER_GUARDS

    with sqlite_setting(lambda db_path, instance: _app(f"sqlite:///{db_path}", instance), tmp_path) as setting:
        url, instance = setting.fresh_copy("broken-json")
        d2 = setting.params["d2"]
        engine = create_engine(url)
        with engine.begin() as conn:
            for statement in [
                *SQLITE_DROP_ANSWER_GUARDS,
                "DROP TRIGGER audit_events_no_update",
                "DROP TRIGGER decision_conditions_terms",
                f"UPDATE answers SET value = '{{trasig' WHERE assessment_id = {d2} AND question_id = 'G-03'",
                "UPDATE audit_events SET after = '{trasig' WHERE seq = 2",
                "UPDATE decision_conditions SET mitigations = '[trasig'",
                # and a change verify must still find beside them
                "UPDATE audit_events SET actor_name = 'någon annan' WHERE seq = 3",
            ]:
                conn.execute(text(statement))
        engine.dispose()
        problems = _verify(url, instance)
    joined = "\n".join(problems)
    assert "kunde inte kontrolleras" not in joined, joined
    assert any(p.startswith("auditkedjan: händelse 2 ") and "inte är giltig JSON" in p for p in problems), joined
    assert any(p.startswith("auditkedjan: händelse 3 ") and "SHA-256" in p for p in problems), joined
    changed = [p for p in problems if f"(bedömning {d2}): databasen har ändrats efter beslutet" in p]
    assert changed, joined
    assert "answers" in changed[0], joined
    assert "conditions" in changed[0], joined
