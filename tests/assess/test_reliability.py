"""The reliability suite, short: concurrent writers through gunicorn, and writers while workers are killed.

`make soak` runs the same scenarios large (tests/soak) and prints their figures.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.soak.scenarios import admin_url, concurrent_writers, database, writers_while_killing

pytestmark = [pytest.mark.slow, pytest.mark.load]

KINDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def _need(kind: str) -> None:
    if kind == "postgresql" and not admin_url():
        if os.environ.get("CI"):
            pytest.fail("MOLNBEDOMNING_TEST_POSTGRES_URL is not set on CI: .ci/run starts PostgreSQL")
        pytest.skip("PostgreSQL not configured: set MOLNBEDOMNING_TEST_POSTGRES_URL (see .ci/postgres)")


@pytest.mark.parametrize("kind", KINDS)
def test_concurrent_writers_lose_nothing_and_never_see_a_500(kind: str, tmp_path: Path) -> None:
    _need(kind)
    with database(kind, tmp_path, admin_url()) as db:
        figures = concurrent_writers(db, tmp_path, writers=10, saves=12)
    print(f"\n{kind}: {figures.line()}")
    assert figures.problems == [], figures.problems[:10]
    assert figures.server_errors == 0
    assert figures.silent_overwrites == 0
    assert figures.unexplained == 0
    assert figures.acknowledged > 40  # the writers really wrote, most of them successfully
    assert figures.conflicts > 0  # and really collided: five questions, ten writers


@pytest.mark.parametrize("kind", KINDS)
def test_killing_workers_during_writes_loses_no_acknowledged_save(kind: str, tmp_path: Path) -> None:
    _need(kind)
    with database(kind, tmp_path, admin_url()) as db:
        figures, verified = writers_while_killing(db, tmp_path, writers=6, saves=15, kills=3)
    print(f"\n{kind}: {figures.line()}\n{verified}")
    assert figures.kills == 3
    assert figures.problems == [], figures.problems[:10]
    assert figures.server_errors == 0
    assert figures.silent_overwrites == 0
    assert "Allt stämmer" in verified
