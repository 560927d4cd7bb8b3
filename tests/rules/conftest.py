"""Fixtures for the rules tests: the published rule set and the worked example's answer sets."""

from __future__ import annotations

from typing import Any

import pytest

from rules import Answer, RuleSet, load_published
from rules.answers import parse_answer_set
from rules.examples import example_modules


@pytest.fixture(scope="session")
def ruleset() -> RuleSet:
    return load_published("molnlamplighet")


def module(key: str) -> dict[str, Any]:
    """Return one module of the worked example (A, B, C, D1, D2, D3)."""
    return next(m for m in example_modules() if m["key"] == key)


def answers_of(ruleset: RuleSet, key: str, **changes: Any) -> dict[str, Answer]:
    """Return the typed answers of a module, with changes given as ``G_05=("unknown", "E0")`` or None."""
    answers = dict(parse_answer_set({"answers": module(key)["answers"]}, ruleset).answers)
    for name, change in changes.items():
        qid = name.replace("_", "-")
        if change is None:
            answers.pop(qid, None)
        elif isinstance(change, Answer):
            answers[qid] = change
        else:
            answers[qid] = Answer(change[0], change[1])
    return answers


@pytest.fixture(scope="session")
def d2(ruleset: RuleSet) -> dict[str, Answer]:
    return answers_of(ruleset, "D2")
