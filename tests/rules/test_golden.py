"""Every alternative and module of example-ehr.md evaluates to exactly the result the example states."""

from __future__ import annotations

import pytest

from rules import RuleSet, evaluate
from rules.answers import parse_answer_set
from rules.examples import example_modules, load_example

MODULES = {m["key"]: m for m in example_modules()}


def test_the_example_has_all_six_modules() -> None:
    assert list(MODULES) == ["A", "B", "C", "D1", "D2", "D3"]
    assert load_example()["case"]["title"] == "Framtida vårdinformationssystem"


@pytest.mark.parametrize("key", list(MODULES))
def test_golden_result(ruleset: RuleSet, key: str) -> None:
    module = MODULES[key]
    answer_set = parse_answer_set({"answers": module["answers"]}, ruleset)
    result = evaluate(ruleset, answer_set.answers, answer_set.overrides).to_dict()
    expected = module["expected"]
    assert result["verdict"] == expected["verdict"]
    assert result["worst_case"] == expected["worst_case"]
    assert {area: r["result"] for area, r in result["areas"].items()} == expected["areas"]
    for member in ("knockouts", "decisive_unknowns", "blocking_unknowns", "nonblocking_unknowns", "conditions"):
        assert result[member] == expected[member], member
    assert result["overrides"] == expected["overrides"]
    # "every shown question answered": nothing the example answers is hidden, nothing shown is unanswered
    assert result["ignored_answers"] == []
    shown = {qid for qid, q in result["questions"].items() if q["shown"]}
    assert shown == set(module["answers"])


@pytest.mark.parametrize("key", list(MODULES))
def test_every_note_is_kept_as_the_answer_motivation(ruleset: RuleSet, key: str) -> None:
    answer_set = parse_answer_set({"answers": MODULES[key]["answers"]}, ruleset)
    assert all(answer.note for answer in answer_set.answers.values())
