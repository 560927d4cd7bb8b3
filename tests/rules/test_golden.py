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


NOTATION = ("→", "regel ", "rule ", "(UB)", "(UN)", "(KO)", "C[", "[verify]", " in {", ">=", " = ")


@pytest.mark.parametrize("key", list(MODULES))
def test_summaries_are_plain_words(ruleset: RuleSet, key: str) -> None:
    """A person reads the rule set's own reason and the references in words; the trace stays in `reason`."""
    answer_set = parse_answer_set({"answers": MODULES[key]["answers"]}, ruleset)
    result = evaluate(ruleset, answer_set.answers, answer_set.overrides)
    for qid, q in result.questions.items():
        if not q.shown:
            assert q.summary is None
            continue
        assert q.summary is not None
        for lang in ("sv", "en"):
            summary = q.summary.get(lang)
            found = [mark for mark in NOTATION if mark in summary]
            assert not found, (qid, lang, found, summary)
        question = ruleset.question(qid)
        if q.rule is not None and not q.overridden and q.outcome in ("OK", "C", "KO", "NA"):
            assert q.summary.sv.startswith(question.rules[q.rule - 1].reason.sv.rstrip(".")), qid
        if any(r.verify for r in question.refs):
            assert "(att verifiera)" in q.summary.sv, qid
            assert "(to be verified)" in q.summary.en, qid
        if q.outcome in ("UB", "UN") and q.rule is None:
            assert "Ska besvaras av" in q.summary.sv, qid
