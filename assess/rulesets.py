"""The published rule sets, validated once at start-up and cached on the app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

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

    def __init__(self, rulesets: dict[tuple[str, int], Any]) -> None:
        self._rulesets = rulesets

    def newest_pin(self, ruleset_id: str = DEFAULT_RULESET) -> RulesetPin:
        """Return the pin of the newest published version."""
        raise NotImplementedError

    def example_answer_sets(self) -> dict[str, dict[str, object]]:
        """Return the worked example's answer sets by module key."""
        raise NotImplementedError


def init_app(app: Flask) -> None:
    """Load and validate every published rule set; refuse to start on an invalid one."""
    app.extensions["rulesets"] = Registry({})


def registry() -> Registry:
    """Return the current app's rule-set registry."""
    reg: Registry = current_app.extensions["rulesets"]
    return reg
