"""Properties of scoring.md §9 over random answer sets (hypothesis)."""

from __future__ import annotations

import json
import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rules import Answer, Override, evaluate, load_published
from rules.answers import parse_answer_set
from rules.examples import example_modules
from rules.model import Question
from rules.results import VERDICT_SEVERITY, Evaluation

RULESET = load_published("molnlamplighet")
BASES = {m["key"]: dict(parse_answer_set({"answers": m["answers"]}, RULESET).answers) for m in example_modules()}
EVIDENCE = st.sampled_from(["E0", "E1", "E2", "E2", "E3", "E4", "E4"])
MEMO = Override("Juridiskt PM 2026:12", "Chefsjurist A. Berg", "2026-11-20", kind="legal")
PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def values(q: Question) -> st.SearchStrategy[Any]:
    if q.type == "text":
        return st.sampled_from(["Exempel AB (Sverige)", "", "unknown", None])
    return st.sampled_from([*(o.id for o in q.options), None])


def answers_for(q: Question) -> st.SearchStrategy[Answer]:
    return st.builds(Answer, values(q), EVIDENCE)


@st.composite
def answer_sets(draw: st.DrawFn) -> tuple[dict[str, Answer], dict[str, Override]]:
    """A worked example with a few random changes, or a wholly random answer set; some overrides."""
    base = draw(st.sampled_from([None, *BASES]))
    if base is None:
        answers = {}
        for q in RULESET.questions:
            if draw(st.integers(0, 9)) > 0:
                answers[q.id] = draw(answers_for(q))
    else:
        answers = dict(BASES[base])
        for q in draw(st.lists(st.sampled_from(RULESET.questions), max_size=8)):
            answers[q.id] = draw(answers_for(q))
    ids = [q.id for q in RULESET.questions]
    overrides = {qid: MEMO for qid in draw(st.lists(st.sampled_from(ids), max_size=4))}
    return answers, overrides


def severity(verdict: str) -> int:
    return VERDICT_SEVERITY[verdict]


def hidden_ids(result: Evaluation) -> list[str]:
    return [qid for qid, q in result.questions.items() if not q.shown]


@PROPERTY
@given(answer_sets(), st.data())
def test_resolving_unknowns_never_exceeds_the_worst_case(case: Any, data: st.DataObject) -> None:
    answers, overrides = case
    before = evaluate(RULESET, answers, overrides)
    resolved = dict(answers)
    for qid, q in before.questions.items():
        if q.shown and q.effective == "unknown" and data.draw(st.booleans()):
            question = RULESET.question(qid)
            value = "Utredd AB" if question.type == "text" else data.draw(st.sampled_from(question.candidates))
            resolved[qid] = Answer(value, "E4")
    after = evaluate(RULESET, resolved, overrides)
    assert severity(after.verdict) <= severity(before.worst_case), (before.worst_case, after.verdict)


@PROPERTY
@given(answer_sets(), st.data())
def test_answers_to_hidden_questions_never_count(case: Any, data: st.DataObject) -> None:
    answers, overrides = case
    before = evaluate(RULESET, answers, overrides)
    hidden = hidden_ids(before)
    changed = dict(answers)
    for qid in hidden:
        choice = data.draw(st.integers(0, 2))
        if choice == 0:
            changed.pop(qid, None)
        elif choice == 1:
            changed[qid] = data.draw(answers_for(RULESET.question(qid)))
    after = evaluate(RULESET, changed, overrides)

    def comparable(result: Evaluation) -> dict[str, Any]:
        out = result.to_dict()
        out.pop("ignored_answers")
        for qid in hidden:
            out["questions"][qid].pop("answer")
        return out

    assert comparable(after) == comparable(before)
    assert set(after.ignored_answers) <= set(hidden)


@PROPERTY
@given(answer_sets())
def test_verdict_invariants(case: Any) -> None:
    answers, overrides = case
    result = evaluate(RULESET, answers, overrides)
    # any knock-out gives not_suitable, and only a knock-out does
    assert (result.verdict == "not_suitable") == bool(result.knockouts)
    # the worst case is a bound, and is not_suitable exactly when the verdict is or a decisive unknown exists
    assert severity(result.worst_case) >= severity(result.verdict)
    assert (result.worst_case == "not_suitable") == (result.verdict == "not_suitable" or bool(result.decisive_unknowns))
    for qid, q in result.questions.items():
        if q.shown and q.effective == "unknown":
            # an unknown is never favourable, and is always open
            assert q.outcome not in ("OK", "NA"), qid
            assert q.worst is not None, qid
        if q.overridden:
            assert q.mitigations == ("override",)
            assert qid in result.overrides
    assert set(result.overrides) <= set(overrides)
    assert all(result.question(qid).worst == "KO" for qid in result.decisive_unknowns)


@PROPERTY
@given(answer_sets(), st.randoms(use_true_random=False))
def test_same_input_same_output(case: Any, rnd: random.Random) -> None:
    answers, overrides = case
    first = evaluate(RULESET, answers, overrides).to_json()
    items = list(answers.items())
    rnd.shuffle(items)
    shuffled_overrides = list(overrides.items())
    rnd.shuffle(shuffled_overrides)
    again = evaluate(RULESET, dict(items), dict(shuffled_overrides)).to_json()
    assert again == first
    assert json.loads(first)["ruleset"]["sha256"] == RULESET.sha256
