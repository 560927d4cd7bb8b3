"""Backups that are consistent while the app serves: SQLite's online backup, PostgreSQL's pg_dump.

No secret goes on a command line: pg_dump gets its connection (password included) through its environment.
The file is written aside and renamed when complete, readable by the owner only.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import URL

from assess.files import FILE_MODE, private_dir


class BackupError(Exception):
    """The backup could not be made; the message says why."""


def backup_database(url: URL, output: Path) -> str:
    """Copy the database at url to output; return what kind of copy was made."""
    backend = url.get_backend_name()
    private_dir(output.parent.resolve())
    temporary = output.with_name(f".{output.name}.partial")
    try:
        if backend == "sqlite":
            _sqlite_backup(url.database or "", temporary)
            kind = "SQLite, en konsekvent kopia av databasfilen"
        elif backend == "postgresql":
            _pg_dump(url, temporary)
            kind = "PostgreSQL, pg_dump i eget format (återställs med pg_restore)"
        else:
            raise BackupError(f"Säkerhetskopiering av {backend} stöds inte (bara SQLite och PostgreSQL).")
        os.chmod(temporary, FILE_MODE)
        os.replace(temporary, output)
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink()
    return kind


def _sqlite_backup(source: str, target: Path) -> None:
    if not source or not Path(source).is_file():
        raise BackupError(f"Databasfilen {source or '(ingen)'} finns inte.")
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    os.close(fd)
    with (
        contextlib.closing(sqlite3.connect(source, timeout=30)) as src,
        contextlib.closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)  # page by page, restarting when a writer changes the source: a consistent copy
        check = dst.execute("PRAGMA integrity_check").fetchone()[0]
    if check != "ok":
        raise BackupError(f"Kopian klarade inte SQLite:s integritetskontroll: {check}")


def _pg_dump(url: URL, target: Path) -> None:
    program = shutil.which("pg_dump")
    if program is None:
        raise BackupError("pg_dump finns inte på den här datorn (Debian: apt-get install postgresql-client).")
    env = dict(os.environ)
    host = url.host or url.query.get("host")
    settings = {
        "PGHOST": host if isinstance(host, str) else None,
        "PGPORT": str(url.port) if url.port else None,
        "PGUSER": url.username,
        "PGPASSWORD": url.password if isinstance(url.password, str) else None,
        "PGDATABASE": url.database,
    }
    env.update({k: v for k, v in settings.items() if v})
    result = subprocess.run(  # noqa: S603 (a fixed program; the connection is in the environment)
        [program, "--format=custom", "--no-owner", "--no-privileges", "--file", str(target)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        first = (result.stderr.strip().splitlines() or ["okänt fel"])[0]
        raise BackupError(f"pg_dump misslyckades: {first}")
