"""The compiled fast path of evaluate() gives exactly what the straightforward reference algorithm gives."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rules import Answer, AnswerSetError, Override, evaluate, load_published
from rules.answers import parse_answer_set
from rules.compiled import evaluate_compiled
from rules.engine import _evaluate_reference
from rules.examples import example_modules
from rules.loader import load_ruleset
from rules.model import Question
from rules.registry import find_published

RULESET = load_published("molnlamplighet")
BASES = {m["key"]: dict(parse_answer_set({"answers": m["answers"]}, RULESET).answers) for m in example_modules()}
EVIDENCE = st.sampled_from(["E0", "E1", "E2", "E3", "E4"])
MEMOS = st.sampled_from(
    [
        Override("Juridiskt PM 2026:12", "Chefsjurist A. Berg", "2026-11-20", kind="legal"),
        Override("Teknisk utredning 7", "B. Ek", "2026-10-01", kind="technical"),
        Override("PM utan datum", "C. Al", "snart"),  # incomplete: lifts nothing
        Override(" ", "D. Lind", "2026-01-02"),  # incomplete
    ]
)
EQUIVALENCE = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def values(q: Question) -> st.SearchStrategy[Any]:
    if q.type == "text":
        return st.sampled_from(["Exempel AB (Sverige)", "Utredd AB", "", "unknown", "not_applicable", None])
    return st.sampled_from([*(o.id for o in q.options), "unknown", None])


@st.composite
def answer_sets(draw: st.DrawFn) -> tuple[dict[str, Answer], dict[str, Override]]:
    """A worked example with random changes, or a wholly random answer set; random overrides."""
    base = draw(st.sampled_from([None, *BASES]))
    answers: dict[str, Answer] = {} if base is None else dict(BASES[base])
    questions = RULESET.questions if base is None else draw(st.lists(st.sampled_from(RULESET.questions), max_size=12))
    for q in questions:
        if base is not None or draw(st.integers(0, 9)) > 0:
            answers[q.id] = Answer(draw(values(q)), draw(EVIDENCE))
        elif draw(st.booleans()):
            answers.pop(q.id, None)
    ids = [q.id for q in RULESET.questions]
    overrides = {qid: draw(MEMOS) for qid in draw(st.lists(st.sampled_from(ids), max_size=6))}
    return answers, overrides


def read_everything(result: Any) -> dict[str, Any]:
    """Return what a reader sees: the JSON, each result's reasons in both forms, the derived properties."""
    seen = {
        "dict": result.to_dict(),
        "open": result.open_questions,
        "at_risk": result.at_risk,
        "repr": repr(result),
    }
    for qid, q in result.questions.items():
        seen[qid] = (q, q.reason, q.summary, q.brief, q.open)
    return seen


@EQUIVALENCE
@given(answer_sets())
def test_the_fast_path_gives_what_the_reference_gives(case: Any) -> None:
    answers, overrides = case
    fast = evaluate_compiled(RULESET, answers, overrides, True)
    assert fast is not None  # valid input never needs the reference path
    reference = _evaluate_reference(RULESET, answers, overrides)
    assert fast.to_dict() == reference.to_dict()
    assert fast.to_json() == reference.to_json()
    assert read_everything(fast) == read_everything(reference)
    assert fast == reference


@EQUIVALENCE
@given(answer_sets(), st.lists(st.sampled_from(list(RULESET.by_id)), max_size=6))
def test_results_read_in_any_order_are_the_same(case: Any, first: list[str]) -> None:
    answers, overrides = case
    fast = evaluate(RULESET, answers, overrides)
    early = {qid: fast.questions[qid].to_dict() for qid in first}  # some read before the areas, some after
    areas = {area_id: area.to_dict() for area_id, area in fast.areas.items()}
    reference = _evaluate_reference(RULESET, answers, overrides)
    assert early == {qid: reference.questions[qid].to_dict() for qid in first}
    assert areas == {area_id: area.to_dict() for area_id, area in reference.areas.items()}
    assert fast.to_json() == reference.to_json()


def test_changing_the_answers_afterwards_changes_no_result() -> None:
    answers = dict(BASES["D2"])
    result = evaluate(RULESET, answers)
    expected = _evaluate_reference(RULESET, dict(answers)).to_json()
    answers["G-04"] = Answer("no", "E4")
    answers.pop("L-05", None)
    assert result.to_json() == expected


BAD_INPUTS = [
    ({"G-04": Answer("maybe", "E4")}, {}),  # not an option
    ({"G-09": Answer("3", "E4")}, {}),  # a level as a string
    ({"G-09": Answer(True, "E4")}, {}),  # a boolean is not a level
    ({"G-09": Answer(2.0, "E4")}, {}),  # type: ignore[arg-type]  # nor is a float
    ({"G-04": Answer("yes", "E9")}, {}),  # evidence outside E0-E4
    ({"G-01": Answer(7, "E4")}, {}),  # a text answer must be a string
    ({"X-99": Answer("yes", "E4")}, {}),  # no such question
    ({}, {"X-99": Override("PM", "A", "2026-01-01")}),  # an override of no question
]


@pytest.mark.parametrize(("answers", "overrides"), BAD_INPUTS)
def test_bad_input_is_refused_with_the_same_problems(answers: Any, overrides: Any) -> None:
    with pytest.raises(AnswerSetError) as reference:
        _evaluate_reference(RULESET, answers, overrides)
    with pytest.raises(AnswerSetError) as fast:
        evaluate(RULESET, answers, overrides)
    assert fast.value.problems == reference.value.problems


@pytest.mark.parametrize(("answers", "overrides"), BAD_INPUTS[:4] + BAD_INPUTS[6:7])
def test_unvalidated_odd_input_scores_as_the_reference_scores_it(answers: Any, overrides: Any) -> None:
    odd = {**BASES["D2"], **answers}
    fast = evaluate(RULESET, odd, validate=False)
    assert fast.to_json() == _evaluate_reference(RULESET, odd, validate=False).to_json()


def test_the_result_mappings_behave_like_the_dicts_they_replace() -> None:
    fast = evaluate(RULESET, BASES["B"])
    reference = _evaluate_reference(RULESET, BASES["B"])
    for lazy, plain in ((fast.questions, reference.questions), (fast.areas, reference.areas)):
        assert list(lazy) == list(plain)
        assert len(lazy) == len(plain)
        assert lazy == plain
        assert dict(lazy) == plain
        assert repr(lazy) == repr(plain)
        assert "X-99" not in lazy
        assert lazy.get("X-99") is None
        with pytest.raises(KeyError):
            lazy["X-99"]
    assert fast.questions["L-05"] is fast.questions["L-05"]  # built once, then kept


def test_a_rule_set_loaded_again_compiles_its_own_tables() -> None:
    again = load_ruleset(find_published("molnlamplighet").path)
    assert again is not RULESET
    for answers in BASES.values():
        assert evaluate(again, answers).to_json() == evaluate(RULESET, answers).to_json()
    assert again.compiled["engine"] is not RULESET.compiled["engine"]
