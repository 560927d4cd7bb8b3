"""`make soak`: the reliability suite at full size, on SQLite and (when configured) PostgreSQL, with its figures.

    python -m tests.soak [--writers 50] [--saves 40] [--kills 12] [--fuzz 10000] [--only sqlite|postgresql]

Runs, per database: concurrent writers on one assessment through gunicorn; writers while gunicorn's workers are
killed with SIGKILL (then integrity_check and `records verify`); the fuzz of every route; the tamper table.
Exits 1 when any figure that must be zero is not.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def _tamper(kind: str, folder: Path) -> dict[str, int]:
    import secrets

    from tests.assess.test_tamper import _app, _verify
    from tests.soak.tamper import describe, postgres_setting, run_table, sqlite_setting, summary

    if kind == "sqlite":
        with sqlite_setting(lambda db_path, instance: _app(f"sqlite:///{db_path}", instance), folder) as setting:
            outcomes = run_table(setting, _verify)
    else:
        url = os.environ["MOLNBEDOMNING_TEST_POSTGRES_URL"]
        with postgres_setting(url, _app, folder, f"assess_soak_t{secrets.token_hex(3)}") as setting:
            outcomes = run_table(setting, _verify)
    counts = summary(outcomes)
    if counts["missed"]:
        print(describe(outcomes))
    return counts


def _fuzz(kind: str, requests: int, folder: Path) -> dict[str, Any] | None:
    try:
        from tests.soak import fuzz
    except ImportError:
        return None
    runner = getattr(fuzz, "soak", None)
    if runner is None:
        return None
    result: dict[str, Any] = runner(kind, requests, folder)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.soak", description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=50)
    parser.add_argument("--saves", type=int, default=40)
    parser.add_argument("--kills", type=int, default=12)
    parser.add_argument("--fuzz", type=int, default=10_000)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args(argv)

    from tests.soak.scenarios import admin_url, concurrent_writers, database, writers_while_killing

    kinds = ["sqlite", "postgresql"] if admin_url() else ["sqlite"]
    if args.only:
        kinds = [args.only]
    if "postgresql" not in kinds and not args.only:
        print("PostgreSQL: inte konfigurerad (sätt MOLNBEDOMNING_TEST_POSTGRES_URL, se .ci/postgres); bara SQLite.")
    failed = False
    for kind in kinds:
        print(f"\n=== {kind} ===", flush=True)
        with tempfile.TemporaryDirectory(prefix=f"soak-{kind}-") as tmp:
            root = Path(tmp)
            began = time.monotonic()
            (root / "writers").mkdir()
            with database(kind, root / "writers", admin_url()) as db:
                figures = concurrent_writers(db, root / "writers", args.writers, args.saves)
            print(f"samtidiga skribenter: {figures.line()} ({figures.seconds:.0f} s)", flush=True)
            failed |= bool(figures.problems or figures.server_errors or figures.silent_overwrites)
            (root / "kill").mkdir()
            with database(kind, root / "kill", admin_url()) as db:
                figures, verified = writers_while_killing(
                    db, root / "kill", max(4, args.writers // 4), args.saves, args.kills
                )
            print(f"kill -9 under skrivning: {figures.line()}", flush=True)
            print(f"  records verify: {verified.strip().splitlines()[0]}", flush=True)
            failed |= bool(figures.problems or figures.server_errors or figures.silent_overwrites)
            failed |= "Allt stämmer" not in verified
            (root / "fuzz").mkdir()
            fuzzed = _fuzz(kind, args.fuzz, root / "fuzz")
            if fuzzed is None:
                print("fuzz: tests/soak/fuzz.py saknar soak(); hoppas över", flush=True)
            else:
                print(f"fuzz av alla vägar: {fuzzed}", flush=True)
                failed |= bool(fuzzed.get("server_errors"))
            (root / "tamper").mkdir()
            counts = _tamper(kind, root / "tamper")
            print(
                f"manipulationstabell: {counts['rows']} försök, {counts['refused']} avvisade av databasen, "
                f"{counts['detected']} upptäckta av records verify, {counts['missed']} missade",
                flush=True,
            )
            failed |= bool(counts["missed"])
            print(f"({time.monotonic() - began:.0f} s för {kind})", flush=True)
    print("\nSOAK: " + ("MISSLYCKADES" if failed else "allt höll"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
