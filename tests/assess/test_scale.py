"""Every page's SQL cost stays flat as the data grows (issue 14).

Two databases from the scale generator with the same seed, 3 cases and 12 cases of 3 modules each: their first case
is the same, and its people have four times as much to do in the larger one. For each page (bench/scale.py, the
page as the first case's architect, *Mina uppgifter* as each role), the larger database must take the same number
of SQL statements, and, with pages small enough that both databases fill them, load the same rows but for a small
slack (the page's own items differ).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from assess.extensions import db
from bench import scale, scale_data

pytestmark = [pytest.mark.slow, pytest.mark.load]  # make test-load: two generated databases, some 70 s

SMALL, LARGE, PER_CASE, SEED = 3, 12, 3, 1
#: The lists are measured with pages of 2 (cases, tasks) and 5 (history events), so that both databases fill
#: their pages: what a page loads must then be the same however much more data there is. The slack covers the
#: rows of the page's own items (a case's alternatives, a task's conditions), which differ between items.
PAGE_SIZES = {"cases": 2, "tasks": 2, "history": 5}
ROW_SLACK = 12


@contextmanager
def small_pages() -> Iterator[None]:
    from assess.services import cases, review_queries, tasks

    saved = cases.PAGE_SIZE, tasks.TASK_PAGE, review_queries.HISTORY_PAGE
    cases.PAGE_SIZE, tasks.TASK_PAGE, review_queries.HISTORY_PAGE = (
        PAGE_SIZES["cases"],
        PAGE_SIZES["tasks"],
        PAGE_SIZES["history"],
    )
    try:
        yield
    finally:
        cases.PAGE_SIZE, tasks.TASK_PAGE, review_queries.HISTORY_PAGE = saved


@dataclass(frozen=True)
class Generated:
    """A generated database's page figures and what `records verify` said of it."""

    figures: dict[str, scale.Figures]
    verified: bool
    verify_output: str


def _generate(folder: Path, cases: int) -> Generated:
    path = folder / "scale.sqlite3"
    scale_data.generate(path, cases, PER_CASE, SEED, instance=folder / "instance", reports=1)
    ok, output = scale_data.verify(path)
    app = scale.counting_app(path, folder / "instance")
    try:
        with small_pages():
            return Generated(scale.measure(app, scale.pages_for(app, demo=False), repeats=0), ok, output)
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Generated, Generated]:
    """Return the small and the larger database's figures."""
    return _generate(tmp_path_factory.mktemp("scale-small"), SMALL), _generate(
        tmp_path_factory.mktemp("scale-large"), LARGE
    )


def _records(output: str) -> int:
    match = re.search(r"(\d+) beslutsposter", output)
    assert match, output
    return int(match.group(1))


def test_generated_databases_verify(generated: tuple[Generated, Generated]) -> None:
    small, large = generated
    assert small.verified, small.verify_output
    assert large.verified, large.verify_output
    # A fifth of the modules are decided, each with a frozen record: 2 of the first 9, 7 of the first 36.
    assert (_records(small.verify_output), _records(large.verify_output)) == (2, 7)


@pytest.mark.parametrize("label", scale.PAGE_LABELS)
def test_page_is_flat_in_data_size(generated: tuple[Generated, Generated], label: str) -> None:
    small, large = generated
    s, big = small.figures[label], large.figures[label]
    assert (s.status, big.status) == (200, 200)
    assert big.statements == s.statements, f"{label}: {s.statements} statements on 3 cases, {big.statements} on 12"
    assert big.rows <= s.rows + ROW_SLACK, f"{label}: {s.rows} rows loaded on 3 cases, {big.rows} on 12"
