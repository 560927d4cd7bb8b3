"""Published rule sets are immutable: the lock pins each file's sha256."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from rules import RuleSetError, load_published, newest, published_rulesets, registry
from rules.registry import RULESETS_DIR, parse_ref


def test_every_published_file_matches_the_lock() -> None:
    published = published_rulesets()
    assert published, "no rule set is published"
    for entry in published:
        actual = hashlib.sha256(entry.path.read_bytes()).hexdigest()
        assert actual == entry.sha256, f"{entry.key} was edited after publication: publish a new version instead"


def test_every_file_in_rulesets_is_published() -> None:
    listed = {entry.path for entry in published_rulesets()}
    assert set(RULESETS_DIR.glob("*/*.yaml")) == listed


def test_every_published_rule_set_loads_and_pins_itself() -> None:
    for entry in published_rulesets():
        ruleset = load_published(entry.id, entry.version)
        assert (ruleset.id, ruleset.version, ruleset.sha256) == (entry.id, entry.version, entry.sha256)
        assert ruleset.pin() == {"id": entry.id, "version": entry.version, "sha256": entry.sha256}


def test_newest_and_cache() -> None:
    assert newest("molnlamplighet").version >= 1
    assert load_published("molnlamplighet") is load_published("molnlamplighet", newest("molnlamplighet").version)


def test_unknown_rule_set() -> None:
    with pytest.raises(RuleSetError, match="unknown rule set nope@3"):
        load_published("nope", 3)
    with pytest.raises(RuleSetError, match="expected ID or ID@VERSION"):
        parse_ref("molnlamplighet@latest")
    assert parse_ref("molnlamplighet@1") == ("molnlamplighet", 1)
    assert parse_ref("molnlamplighet") == ("molnlamplighet", None)


def test_an_edited_published_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    entry = newest("molnlamplighet")
    copy = tmp_path / entry.id / f"{entry.version}.yaml"
    copy.parent.mkdir()
    copy.write_bytes(entry.path.read_bytes() + b"# a harmless-looking edit\n")
    monkeypatch.setattr(registry, "RULESETS_DIR", tmp_path)
    registry._load.cache_clear()
    try:
        with pytest.raises(RuleSetError, match="differs from the lock .* a published rule set was edited"):
            load_published(entry.id, entry.version)
    finally:
        registry._load.cache_clear()
