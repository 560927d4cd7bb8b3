"""The published rule sets: ``rules/rulesets/<id>/<version>.yaml``, pinned by ``rulesets/published.lock``.

A published file is never edited. The lock file holds one line per published version, in the format of
``sha256sum`` (``<sha256>  <id>/<version>.yaml``), so ``cd rules/rulesets && sha256sum -c published.lock``
checks it too. Loading a published version refuses a file whose sha256 differs from the lock.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from rules.loader import RuleSetError, load_ruleset, sha256_of
from rules.model import RuleSet

RULESETS_DIR: Final = Path(__file__).resolve().parent / "rulesets"
LOCK_FILE: Final = RULESETS_DIR / "published.lock"
_LOCK_LINE: Final = re.compile(r"^([0-9a-f]{64})  ([a-z][a-z0-9_]*)/(\d+)\.yaml$")


@dataclass(frozen=True, slots=True, order=True)
class Published:
    """A published rule-set version and the sha256 the lock pins for it."""

    id: str
    version: int
    sha256: str

    @property
    def path(self) -> Path:
        """Return the path of the published file."""
        return RULESETS_DIR / self.id / f"{self.version}.yaml"

    @property
    def key(self) -> str:
        """Return ``id@version``."""
        return f"{self.id}@{self.version}"


def read_lock(lock_file: Path = LOCK_FILE) -> list[Published]:
    """Return every entry of the lock file, sorted by id and version."""
    entries = []
    for n, line in enumerate(lock_file.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        match = _LOCK_LINE.match(line)
        if match is None:
            raise RuleSetError([f"{lock_file.name}: line {n}: expected '<sha256>  <id>/<version>.yaml'"])
        entries.append(Published(match.group(2), int(match.group(3)), match.group(1)))
    return sorted(entries)


def published_rulesets() -> list[Published]:
    """Return every published rule-set version, sorted by id and version."""
    return read_lock()


def newest(ruleset_id: str) -> Published:
    """Return the newest published version of a rule set (KeyError if none is published)."""
    versions = [p for p in read_lock() if p.id == ruleset_id]
    if not versions:
        raise KeyError(ruleset_id)
    return versions[-1]


def find_published(ruleset_id: str, version: int | None = None) -> Published:
    """Return the published entry for ``id`` and ``version`` (newest if None); KeyError if unpublished."""
    if version is None:
        return newest(ruleset_id)
    for p in read_lock():
        if p.id == ruleset_id and p.version == version:
            return p
    raise KeyError(f"{ruleset_id}@{version}")


@functools.lru_cache(maxsize=16)
def _load(ruleset_id: str, version: int, sha256: str) -> RuleSet:
    entry = Published(ruleset_id, version, sha256)
    label = f"{ruleset_id}/{version}.yaml"
    try:
        data = entry.path.read_bytes()
    except OSError as exc:
        raise RuleSetError([f"{label}: the published file is missing: {exc.strerror or exc}"]) from None
    actual = sha256_of(data)
    if actual != sha256:
        raise RuleSetError(
            [f"{label}: sha256 {actual} differs from the lock ({sha256}): a published rule set was edited"]
        )
    return load_ruleset(entry.path, label=label)


def load_published(ruleset_id: str, version: int | None = None) -> RuleSet:
    """Load (once, then cached) a published rule set; the newest version when ``version`` is None."""
    try:
        entry = find_published(ruleset_id, version)
    except KeyError:
        which = ruleset_id if version is None else f"{ruleset_id}@{version}"
        raise RuleSetError([f"unknown rule set {which}: not in {LOCK_FILE.name}"]) from None
    return _load(entry.id, entry.version, entry.sha256)


def parse_ref(ref: str) -> tuple[str, int | None]:
    """Split ``ID`` or ``ID@VERSION`` into id and version (None for the newest)."""
    ruleset_id, _, version = ref.partition("@")
    if version and not (version.isascii() and version.isdigit()):
        raise RuleSetError([f"bad rule-set reference {ref!r}: expected ID or ID@VERSION"])
    return ruleset_id, int(version) if version else None


def default_ruleset() -> RuleSet:
    """Load the newest version of the first published rule set (the region's current rule set)."""
    entries = read_lock()
    if not entries:
        raise RuleSetError([f"{LOCK_FILE.name}: no rule set is published"])
    return load_published(entries[0].id)
