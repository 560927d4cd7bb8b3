"""The favourable completion (issue 13): a bound by the worst case, only open questions, deterministic."""

from __future__ import annotations

import json
import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rules import Answer, RuleSet, evaluate, favourable_completion
from rules.completion import PROPOSED_TEXT
from rules.results import SEVERITY as OUTCOME_SEVERITY
from rules.results import VERDICT_SEVERITY
from tests.rules.conftest import answers_of, module
from tests.rules.test_cli import run
from tests.rules.test_properties import RULESET, answer_sets

COMPLETION = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def severity(verdict: str) -> int:
    return VERDICT_SEVERITY[verdict]


@COMPLETION
@given(answer_sets())
def test_the_completion_is_never_more_severe_than_the_worst_case(case: Any) -> None:
    answers, overrides = case
    before = evaluate(RULESET, answers, overrides)
    completion = favourable_completion(RULESET, answers, overrides)
    assert severity(completion.evaluation.verdict) <= severity(before.worst_case)
    assert completion.current.to_json() == before.to_json()
    # it evaluates what it proposes: the stored evaluation is the completed set's
    assert completion.evaluation.to_json() == evaluate(RULESET, completion.answers, overrides).to_json()


@COMPLETION
@given(answer_sets(), st.data())
def test_any_scenario_is_never_more_severe_than_the_worst_case(case: Any, data: st.DataObject) -> None:
    answers, overrides = case
    before = evaluate(RULESET, answers, overrides)
    scenario = dict(answers)
    for qid in before.open_questions:
        q = RULESET.question(qid)
        value = "Utredd AB" if q.type == "text" else data.draw(st.sampled_from(q.candidates))
        scenario[qid] = Answer(value, q.required_evidence(value) or "E4")
    after = evaluate(RULESET, scenario, overrides)
    if severity(after.verdict) > severity(before.worst_case):
        # scoring.md §7: the worst case does not recompute visibility. Only a question the scenario reveals (hidden
        # before, its stored answer then counting) can take the verdict past it; nothing else may.
        revealed = [q for q, r in after.questions.items() if r.shown and not before.questions[q].shown]
        assert revealed, (before.worst_case, after.verdict)
        assert any(OUTCOME_SEVERITY[after.questions[q].outcome or "NA"] > OUTCOME_SEVERITY["OK"] for q in revealed)


@COMPLETION
@given(answer_sets())
def test_the_completion_changes_only_open_questions(case: Any) -> None:
    answers, overrides = case
    before = evaluate(RULESET, answers, overrides)
    completion = favourable_completion(RULESET, answers, overrides)
    assert set(completion.proposed) <= set(before.open_questions)
    for qid in RULESET.by_id:
        if qid in completion.proposed:
            assert completion.answers[qid] == completion.proposed[qid]
        else:
            assert completion.answers.get(qid) == answers.get(qid), qid
    # catalogue order, one count per party, nothing left open that was proposed
    order = [q.id for q in RULESET.questions if q.id in completion.proposed]
    assert list(completion.proposed) == order
    assert sum(completion.by_party.values()) == len(completion.proposed) == completion.needed
    assert completion.still_open == completion.evaluation.open_questions
    for qid, answer in completion.proposed.items():
        q = RULESET.question(qid)
        assert answer.value != "unknown"
        assert completion.evaluation.questions[qid].shown
        assert completion.evaluation.questions[qid].effective != "unknown"  # sufficient evidence
        assert answer.value in q.candidates or (q.type == "text" and answer.value == PROPOSED_TEXT)


@COMPLETION
@given(answer_sets(), st.randoms(use_true_random=False))
def test_the_completion_is_deterministic(case: Any, rnd: random.Random) -> None:
    answers, overrides = case
    first = favourable_completion(RULESET, answers, overrides)
    items = list(answers.items())
    rnd.shuffle(items)
    shuffled = list(overrides.items())
    rnd.shuffle(shuffled)
    again = favourable_completion(RULESET, dict(items), dict(shuffled))
    assert list(again.proposed.items()) == list(first.proposed.items())
    assert again.evaluation.to_json() == first.evaluation.to_json()
    assert dict(again.by_party) == dict(first.by_party)
    assert again.still_open == first.still_open


def test_d2_has_nothing_open_so_the_completion_is_its_own_evaluation(ruleset: RuleSet, d2: dict[str, Answer]) -> None:
    completion = favourable_completion(ruleset, d2)
    assert completion.proposed == {}
    assert completion.needed == 0
    assert dict(completion.by_party) == {"provider": 0, "legal": 0, "region": 0}
    assert completion.still_open == ()
    assert completion.evaluation.to_json() == evaluate(ruleset, d2).to_json()
    assert completion.evaluation.verdict == "suitable_with_conditions"


def test_b_could_reach_suitable_with_conditions_with_47_answers(ruleset: RuleSet) -> None:
    answers = answers_of(ruleset, "B")
    current = evaluate(ruleset, answers)
    assert (current.verdict, current.worst_case) == ("cannot_assess", "not_suitable")
    completion = favourable_completion(ruleset, answers)
    # 49 open questions; L-08 and L-09 (third-country transfer) are hidden once G-15 = sweden and S-17 = yes
    assert len(current.open_questions) == 49
    assert [qid for qid in current.open_questions if qid not in completion.proposed] == ["L-08", "L-09"]
    assert not completion.evaluation.question("L-08").shown
    assert completion.needed == 47
    assert dict(completion.by_party) == {"provider": 29, "legal": 9, "region": 9}
    assert completion.still_open == ()
    ev = completion.evaluation
    assert (ev.verdict, ev.worst_case) == ("suitable_with_conditions", "suitable_with_conditions")
    assert ev.knockouts == ev.blocking_unknowns == ev.nonblocking_unknowns == ()
    assert [c.question for c in ev.conditions] == ["G-07", "P-03"]  # B's own answers, not proposals
    # the mildest answers, with the evidence their questions require
    assert completion.proposed["L-05"] == Answer("yes", "E2")  # the data processing agreement is signed
    assert completion.proposed["L-12"] == Answer("no", "E2")  # no disclosure risk under OSL
    assert completion.proposed["S-01"] == Answer("cert_in_scope", "E3")  # min_evidence E3
    assert completion.proposed["G-01"] == Answer(PROPOSED_TEXT, "E3")  # a text question: any known text


def test_a_knock_out_stays_a_knock_out(ruleset: RuleSet) -> None:
    answers = answers_of(ruleset, "D1")
    current = evaluate(ruleset, answers)
    completion = favourable_completion(ruleset, answers)
    assert current.knockouts
    assert completion.evaluation.verdict == "not_suitable"
    assert set(current.knockouts) <= set(completion.evaluation.knockouts)
    assert not set(current.knockouts) & set(completion.proposed)


def test_a_proposal_is_the_mildest_answer_in_option_order(ruleset: RuleSet, d2: dict[str, Answer]) -> None:
    # scoring.md §10: with L-12 unknown the worst case is a knock-out; the favourable answer is "no"
    answers = dict(d2, **{"L-12": Answer("unknown", "E1")})
    completion = favourable_completion(ruleset, answers)
    assert list(completion.proposed) == ["L-12"]
    assert completion.proposed["L-12"].value == "no"
    assert completion.evaluation.verdict == "suitable_with_conditions"
    assert completion.evaluation.question("L-12").outcome in ("OK", "NA")


def test_the_command_line_prints_the_favourable_completion() -> None:
    proc = run("evaluate", "--favourable", "-", stdin=json.dumps({"answers": module("D3")["answers"]}))
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["current"] == {"verdict": "cannot_assess", "worst_case": "not_suitable"}
    assert list(out["proposed"]) == ["G-07", "G-09", "L-02", "L-04", "L-10", "L-11", "P-01"]
    assert (out["needed"], out["by_party"]) == (7, {"provider": 0, "legal": 3, "region": 4})
    assert out["evaluation"]["verdict"] == "suitable_with_conditions"
    assert out["still_open"] == []
