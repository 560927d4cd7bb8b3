"""Files the app writes under its instance folder: readable by the app's own user only (0700 and 0600)."""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Create the folder (and its parents) if needed, and make it the owner's alone."""
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    restrict(path, DIR_MODE)
    return path


def restrict(path: Path, mode: int = FILE_MODE) -> None:
    """Take group and other permissions away from an existing file or folder we own (never widen them)."""
    with contextlib.suppress(OSError):
        current = stat.S_IMODE(path.stat().st_mode)
        if current & 0o077 and path.stat().st_uid == os.getuid():
            os.chmod(path, current & mode)


def write_private(path: Path, data: bytes) -> None:
    """Write a file readable by the owner only, completely or not at all (written aside, then renamed)."""
    private_dir(path.parent)
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
