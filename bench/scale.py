"""Every page on the demo database and on the scale database, side by side (issue 14, `make bench-scale`).

For each page (case list, a case, the comparison, a draft's questionnaire, the review page, history and record page
of a decided assessment, *Mina uppgifter* for the architect, each kind of reviewer, the decision maker and a viewer,
and the legal reviewer's searched and only late, *Omprövning*, the live PDF report of a draft and the stored report
of a decided assessment) it prints the server time (median of BENCH_REPEATS requests through the test client, after
one warm-up), the SQL statements and the rows the database returned (counted at the SQLite cursor) on both
databases, the ratio, and the goals: at most 1.5x the demo's time and under 150 ms.

The scale database comes from bench/scale_data.py at BENCH_CASES cases (default 1000) x BENCH_ASSESSMENTS_PER_CASE
(10), seed BENCH_SEED (1), cached under instance/bench/; the pages run on a copy. On the demo database one module
(D2) is decided first, so that it has a review with a decision, a record and a stored report like the scale's.
On the scale database the pages show the first generated case: its first draft and its first decided module, the
people of its team (who have tasks in many other cases too), a generated viewer and admin.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event, select

from assess.extensions import db
from assess.models import Alternative, Assessment, AssessmentStatus, Case, CaseMember, FrozenRecord, TeamRole, User
from bench import scale_data

#: The pages, in the order `pages_for` returns them.
PAGE_LABELS = (
    "Ärenden (/arenden)",
    "Ett ärende",
    "Jämförelse",
    "Frågeformulär (utkast)",
    "Granskning (beslutad)",
    "Historik (beslutad)",
    "Beslutspost",
    "Mina uppgifter: arkitekt",
    "Mina uppgifter: jurist",
    "Mina uppgifter: infosäk",
    "Mina uppgifter: patientsäk",
    "Mina uppgifter: beslutsfattare",
    "Mina uppgifter: läsare",
    "Mina uppgifter: jurist, sökt",
    "Mina uppgifter: jurist, försenat",
    "Omprövning (admin)",
    "Rapport PDF (utkast, ritas nu)",
    "Rapport PDF (beslutad, lagrad)",
)
GOAL_RATIO = 1.5
GOAL_MS = 150.0

#: Rows fetched from SQLite cursors while counting is on (one process, one request at a time).
_rows = [0]


class _CountingCursor(sqlite3.Cursor):
    """A cursor that counts the rows it hands out."""

    def fetchone(self) -> Any:
        row = super().fetchone()
        if row is not None:
            _rows[0] += 1
        return row

    def fetchmany(self, *args: Any, **kwargs: Any) -> list[Any]:
        rows = super().fetchmany(*args, **kwargs)
        _rows[0] += len(rows)
        return rows

    def fetchall(self) -> list[Any]:
        rows = super().fetchall()
        _rows[0] += len(rows)
        return rows


class CountingConnection(sqlite3.Connection):
    """A SQLite connection whose cursors count the rows they return."""

    def cursor(self, factory: Any = _CountingCursor) -> Any:  # type: ignore[override]
        return super().cursor(factory)


def counting_app(db_path: Path, instance: Path) -> Flask:
    """Return an app on a SQLite file whose cursors count rows."""
    return scale_data.make_bench_app(
        db_path, instance, SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"factory": CountingConnection}}
    )


@dataclass(frozen=True)
class Page:
    """One page as one user: its label, its address and who asks."""

    label: str
    url: str
    username: str


@dataclass(frozen=True)
class Figures:
    """What one page cost: median server time, SQL statements and rows loaded of one request, and its status."""

    ms: float
    statements: int
    rows: int
    status: int
    size: int


@contextmanager
def counting(app: Flask) -> Iterator[list[int]]:
    """Count statements and rows inside the block: yields [statements, rows], filled when the block ends."""
    counts = [0, 0]
    statements = [0]

    def before(*_args: Any) -> None:
        statements[0] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    start_rows = _rows[0]
    try:
        yield counts
    finally:
        event.remove(engine, "before_cursor_execute", before)
        counts[0], counts[1] = statements[0], _rows[0] - start_rows


def measure(app: Flask, pages: list[Page], repeats: int = 5) -> dict[str, Figures]:
    """Request each page as its user: one warm-up, one counted request, then `repeats` timed ones."""
    from tests.conftest import login_as

    clients: dict[str, Any] = {}
    result: dict[str, Figures] = {}
    for page in pages:
        client = clients.get(page.username)
        if client is None:
            client = app.test_client()
            with app.app_context():
                user = db.session.scalar(select(User).where(User.username == page.username))
                assert user is not None, page.username
                login_as(client, user)
            clients[page.username] = client
        client.get(page.url)
        with counting(app) as counts:
            response = client.get(page.url)
        timings = []
        for _ in range(repeats):
            started = time.perf_counter()
            client.get(page.url)
            timings.append(time.perf_counter() - started)
        median = statistics.median(timings) * 1000 if timings else 0.0
        result[page.label] = Figures(median, counts[0], counts[1], response.status_code, len(response.data))
    return result


def pages_for(app: Flask, demo: bool) -> list[Page]:
    """Return the pages to measure on a database: the demo's, or the first generated case's."""
    with app.app_context():
        if demo:
            case_id = db.session.scalar(select(Case.id).order_by(Case.id))
            generated_cases = [case_id]
        else:
            generated_cases = list(
                db.session.scalars(select(Case.id).where(Case.title.like("Ärende %")).order_by(Case.id).limit(1))
            )
        assert generated_cases, "no case"
        case_id = generated_cases[0]
        in_case = (
            select(Assessment)
            .join(Alternative, Alternative.id == Assessment.alternative_id)
            .where(Alternative.case_id == case_id)
            .order_by(Assessment.id)
        )
        draft = db.session.scalars(in_case.where(Assessment.status == AssessmentStatus.DRAFT)).first()
        decided = db.session.scalars(
            in_case.where(Assessment.status == AssessmentStatus.DECIDED).where(
                Assessment.id.in_(select(FrozenRecord.assessment_id).where(FrozenRecord.report_sha256.is_not(None)))
            )
        ).first()
        assert draft is not None, "the case needs a draft module"
        assert decided is not None, "the case needs a decided module with a stored report"
        members = {
            role: db.session.scalar(
                select(User.username)
                .join(CaseMember, CaseMember.user_id == User.id)
                .where(CaseMember.case_id == case_id, CaseMember.role == role)
                .order_by(CaseMember.id)
            )
            for role in (TeamRole.LEGAL, TeamRole.INFOSEC, TeamRole.PATIENT_SAFETY, TeamRole.DECISION_MAKER)
        }
        owner = db.session.get(User, draft.owner_id)
        assert owner is not None
        architect = owner.username
        viewer = "lasare" if demo else "skala-lasare-01"
        admin = "admin" if demo else "skala-admin-01"
        draft_id, decided_id = draft.id, decided.id
    pages = [
        Page("Ärenden (/arenden)", "/arenden", architect),
        Page("Ett ärende", f"/arenden/{case_id}", architect),
        Page("Jämförelse", f"/arenden/{case_id}/jamforelse", architect),
        Page("Frågeformulär (utkast)", f"/bedomningar/{draft_id}", architect),
        Page("Granskning (beslutad)", f"/bedomningar/{decided_id}/granskning", architect),
        Page("Historik (beslutad)", f"/bedomningar/{decided_id}/historik", architect),
        Page("Beslutspost", f"/bedomningar/{decided_id}/protokoll", architect),
        Page("Mina uppgifter: arkitekt", "/mina-uppgifter", architect),
        Page("Mina uppgifter: jurist", "/mina-uppgifter", str(members[TeamRole.LEGAL])),
        Page("Mina uppgifter: infosäk", "/mina-uppgifter", str(members[TeamRole.INFOSEC])),
        Page("Mina uppgifter: patientsäk", "/mina-uppgifter", str(members[TeamRole.PATIENT_SAFETY])),
        Page("Mina uppgifter: beslutsfattare", "/mina-uppgifter", str(members[TeamRole.DECISION_MAKER])),
        Page("Mina uppgifter: läsare", "/mina-uppgifter", viewer),
        # the search (a letter nearly every case, alternative and module holds) and 'only late' narrow every list
        Page("Mina uppgifter: jurist, sökt", "/mina-uppgifter?sok=e", str(members[TeamRole.LEGAL])),
        Page("Mina uppgifter: jurist, försenat", "/mina-uppgifter?forsenat=y", str(members[TeamRole.LEGAL])),
        Page("Omprövning (admin)", "/omprovning", admin),
        Page("Rapport PDF (utkast, ritas nu)", f"/bedomningar/{draft_id}/rapport.pdf", architect),
        Page("Rapport PDF (beslutad, lagrad)", f"/bedomningar/{decided_id}/rapport.pdf", architect),
    ]
    assert tuple(p.label for p in pages) == PAGE_LABELS
    return pages


def prepare_demo(folder: Path, url: str = "") -> Flask:
    """Migrate a database (a SQLite file in folder, or the empty database at url), load the demo and decide D2
    (approved, as the demo's people); return its app."""
    from flask_migrate import upgrade

    from tests.assess.helpers import approve_use, demo_users, submit_and_approve

    if url:
        app = scale_data.make_bench_app(url, folder / "demo-instance")
    else:
        app = counting_app(folder / "demo.sqlite3", folder / "demo-instance")
    with app.app_context():
        upgrade()
        loaded = app.test_cli_runner().invoke(args=["demo", "load"])
        assert loaded.exit_code == 0, loaded.output
        d2 = db.session.scalar(select(Assessment).where(Assessment.scope.like("D2%")))
        assert d2 is not None
        users = demo_users()
        submit_and_approve(d2, users)
        approve_use(d2, users, date.today())
        db.session.commit()
        db.session.remove()
    return app


def scale_app(folder: Path, cases: int, per_case: int, seed: int) -> tuple[Flask, str]:
    """Return an app on a copy of the cached scale database (generated first when missing) and how it came."""
    started = time.perf_counter()
    cached, generated = scale_data.cached_database(cases, per_case, seed)
    note = (
        scale_data.describe(generated)
        if generated is not None
        else f"cached {cached.name} ({cached.stat().st_size // 2**20} MiB)"
    )
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / "scale.sqlite3"
    shutil.copy(cached, copy)
    note += f"; ready in {time.perf_counter() - started:.1f} s"
    return counting_app(copy, folder / "scale-instance"), note


def report(demo: dict[str, Figures], scale: dict[str, Figures]) -> list[str]:
    """Return the side-by-side table, one line per page."""
    lines = [
        f"{'page':34} {'demo ms':>8} {'scale ms':>9} {'ratio':>6}  {'statements':>11}  {'rows loaded':>15}  goals",
    ]
    for label, d in demo.items():
        s = scale[label]
        ratio = s.ms / d.ms if d.ms else float("inf")
        goals = []
        goals.append("≤1.5x ok" if ratio <= GOAL_RATIO else "≤1.5x MISS")
        goals.append("<150ms ok" if s.ms < GOAL_MS else "<150ms MISS")
        if s.statements != d.statements:
            goals.append(f"statements {d.statements}→{s.statements}")
        if d.status != 200 or s.status != 200:
            goals.append(f"HTTP {d.status}/{s.status}")
        lines.append(
            f"{label:34} {d.ms:8.1f} {s.ms:9.1f} {ratio:5.1f}x  {d.statements:5d} {s.statements:5d}  "
            f"{d.rows:7d} {s.rows:7d}  {', '.join(goals)}"
        )
    return lines


#: The dry run timed on the scale database: the demo's "invalid transfer basis" (tests/assess/test_reassessment.py).
DRY_RUN_CHANGE = {"L-08": "scc_measures_ineffective"}


def dry_run(app: Flask) -> str:
    """Time the impact dry run over the portfolio beside its floor: two engine evaluations per assessment with the
    answers already in memory (the dry run evaluates each assessment before and after the change)."""
    import rules
    from assess.services import impact
    from assess.services.evaluation import engine_overrides, ruleset_for

    with app.test_request_context():
        started, cpu = time.perf_counter(), time.process_time()
        rows = impact.impact(DRY_RUN_CHANGE)
        seconds, used = time.perf_counter() - started, time.process_time() - cpu
        checked = impact.check_changes(DRY_RUN_CHANGE)
        loaded = [
            (ruleset_for(a), {q: v for q, v in answers.items()}, engine_overrides(a))
            for a, answers in impact.candidates()
        ]
        floor_cpu = time.process_time()
        for ruleset, answers, overrides in loaded:
            rules.evaluate(ruleset, answers, overrides, validate=False)
            changed = {**answers, **{q: rules.Answer(v, impact.DEFAULT_EVIDENCE, None) for q, v in checked.items()}}
            rules.evaluate(ruleset, changed, overrides, validate=False)  # type: ignore[arg-type]
        floor = time.process_time() - floor_cpu
        db.session.remove()
    return (
        f"impact dry run {DRY_RUN_CHANGE} over {len(loaded)} assessments: {seconds:.2f} s ({used:.2f} s CPU), "
        f"{len(rows)} rows; floor, two evaluations each from memory: {floor:.2f} s CPU; ratio {used / floor:.2f}x"
    )


def flat_cases(cases: int) -> int:
    """Return the size of the smaller generated database the pages are also measured on (BENCH_FLAT_CASES; by
    default 200 under a larger BENCH_CASES, else none: 0)."""
    default = "200" if cases > 200 else "0"
    flat = int(os.environ.get("BENCH_FLAT_CASES", default))
    return flat if 0 < flat < cases else 0


def flatness(small: dict[str, Figures], large: dict[str, Figures], small_cases: int, cases: int) -> list[str]:
    """Return each page on the smaller and the larger generated database side by side.

    Both show the first generated case, its people and the same full pages of their lists (a smaller and a larger
    database with one seed share their first cases), so the ratio is what the size of the data alone costs. The
    demo's lists hold one item or none; beside it the ratio is what a full page costs too.
    """
    lines = [
        f"{'page':34} {f'{small_cases} cases':>10} {f'{cases} cases':>11} {'ratio':>6}  goal",
    ]
    for label, s in small.items():
        big = large[label]
        ratio = big.ms / s.ms if s.ms else float("inf")
        goal = "≤1.5x ok" if ratio <= GOAL_RATIO else "≤1.5x MISS"
        lines.append(f"{label:34} {s.ms:10.1f} {big.ms:11.1f} {ratio:5.1f}x  {goal}")
    flat = sum(1 for label, s in small.items() if large[label].ms <= GOAL_RATIO * s.ms)
    lines.append(f"{flat} of {len(small)} pages within {GOAL_RATIO}x from {small_cases} to {cases} cases")
    return lines


def main() -> None:
    """Print every page's figures on the demo and on the scale database (and on a smaller generated one, when
    flat_cases() names one: how the pages grow with the data alone)."""
    cases, per_case, seed = scale_data.sizes_from_env()
    repeats = int(os.environ.get("BENCH_REPEATS", "15"))
    small_cases = flat_cases(cases)
    small: dict[str, Figures] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        demo_app = prepare_demo(folder)
        demo_pages = pages_for(demo_app, demo=True)
        demo = measure(demo_app, demo_pages, repeats)
        with demo_app.app_context():
            db.engine.dispose()
        if small_cases:
            small_app, small_note = scale_app(folder / "small", small_cases, per_case, seed)
            print(f"smaller database: {small_cases} cases x {per_case} modules, seed {seed}: {small_note}", flush=True)
            small = measure(small_app, pages_for(small_app, demo=False), repeats)
            with small_app.app_context():
                db.engine.dispose()
        big_app, note = scale_app(folder, cases, per_case, seed)
        print(f"scale database: {cases} cases x {per_case} modules, seed {seed}: {note}", flush=True)
        scale = measure(big_app, pages_for(big_app, demo=False), repeats)
        dry = dry_run(big_app)
        with big_app.app_context():
            db.engine.dispose()
    print(f"server time: median of {repeats} requests after a warm-up; statements and rows of one request")
    for line in report(demo, scale):
        print(line)
    misses = sum(1 for label in demo if scale[label].ms > GOAL_MS or scale[label].ms > GOAL_RATIO * demo[label].ms)
    print(f"{misses} of {len(demo)} pages miss a goal (≤ {GOAL_RATIO}x the demo and < {GOAL_MS:.0f} ms)")
    if small:
        print(f"the same pages on {small_cases} and on {cases} generated cases (the data's size alone):")
        for line in flatness(small, scale, small_cases, cases):
            print(line)
    print(dry)


if __name__ == "__main__":
    main()
