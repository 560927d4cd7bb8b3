"""The published rule sets, validated once at start-up and cached on the app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

import rules
from rules.examples import example_modules
from rules.registry import published_rulesets

DEFAULT_RULESET = "molnlamplighet"


@dataclass(frozen=True)
class RulesetPin:
    """The identity an assessment is pinned to."""

    id: str
    version: int
    sha256: str

    @property
    def label(self) -> str:
        """Return 'id v<version>'."""
        return f"{self.id} v{self.version}"


class Registry:
    """Every published rule set, loaded and validated once."""

    def __init__(self, loaded: dict[tuple[str, int], rules.RuleSet]) -> None:
        self._rulesets = loaded

    def get(self, ruleset_id: str, version: int, sha256: str | None = None) -> rules.RuleSet:
        """Return a published rule set; refuse one whose sha256 differs from the pin."""
        ruleset = self._rulesets.get((ruleset_id, version))
        if ruleset is None:
            raise LookupError(f"Regelverket {ruleset_id} v{version} är inte publicerat.")
        if sha256 is not None and ruleset.sha256 != sha256:
            raise LookupError(f"Regelverket {ruleset_id} v{version} har en annan kontrollsumma än bedömningens.")
        return ruleset

    def newest(self, ruleset_id: str = DEFAULT_RULESET) -> rules.RuleSet:
        """Return the newest published version of a rule set."""
        versions = sorted(v for (i, v) in self._rulesets if i == ruleset_id)
        if not versions:
            raise LookupError(f"Inget regelverk {ruleset_id} är publicerat.")
        return self._rulesets[(ruleset_id, versions[-1])]

    def newest_pin(self, ruleset_id: str = DEFAULT_RULESET) -> RulesetPin:
        """Return the pin of the newest published version."""
        ruleset = self.newest(ruleset_id)
        return RulesetPin(ruleset.id, ruleset.version, ruleset.sha256)

    def all(self) -> list[rules.RuleSet]:
        """Return every published rule set, by id and version."""
        return [self._rulesets[key] for key in sorted(self._rulesets)]

    def example_answer_sets(self) -> dict[str, dict[str, Any]]:
        """Return the worked example's answer sets by module key (A, B, C, D1–D3)."""
        return {module["key"]: module["answers"] for module in example_modules()}


def load_registry() -> Registry:
    """Load and validate every published rule set; raise RuntimeError naming every problem."""
    loaded: dict[tuple[str, int], rules.RuleSet] = {}
    problems: list[str] = []
    for entry in published_rulesets():
        try:
            loaded[(entry.id, entry.version)] = rules.load_published(entry.id, entry.version)
        except rules.RuleSetError as exc:
            problems.extend(exc.problems)
    if problems:
        raise RuntimeError("Ogiltigt publicerat regelverk; appen startar inte:\n  " + "\n  ".join(problems))
    return Registry(loaded)


def init_app(app: Flask) -> None:
    """Load and validate every published rule set; refuse to start on an invalid one."""
    app.extensions["rulesets"] = load_registry()


def registry() -> Registry:
    """Return the current app's rule-set registry."""
    reg: Registry = current_app.extensions["rulesets"]
    return reg
