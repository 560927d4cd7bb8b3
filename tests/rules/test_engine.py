"""The engine (scoring.md §3-§8): outcome rules, evidence, overrides, reasons and the output's shape."""

from __future__ import annotations

import json

import pytest

from rules import Answer, AnswerSetError, Override, RuleSet, evaluate
from tests.rules.conftest import answers_of

MEMO = Override("Juridiskt PM 2026:12", "Chefsjurist A. Berg", "2026-11-20", kind="legal", review_date="2027-05-20")


def outcome(ruleset: RuleSet, qid: str, **changes: object) -> tuple[str | None, tuple[str, ...], str | None]:
    q = evaluate(ruleset, answers_of(ruleset, "D2", **changes)).question(qid)  # type: ignore[arg-type]
    return q.outcome, q.mitigations, q.worst


# -- each kind of outcome rule -------------------------------------------------------------------------


def test_true_rule_gives_its_outcome(ruleset: RuleSet) -> None:
    assert outcome(ruleset, "L-05", L_05=("no", "E2")) == ("KO", (), None)
    assert outcome(ruleset, "L-07", L_07=("list_no_control", "E2")) == ("C", ("M-04", "M-20"), None)
    assert outcome(ruleset, "S-14", S_14=("exists_untested", "E2")) == ("C", (), None)  # C without a list


def test_explicit_unknown_rules(ruleset: RuleSet) -> None:
    assert (
        outcome(ruleset, "L-09", S_17=("no", "E2"), L_08=("scc_measures_effective", "E3"), L_09=("no", "E4"))[0] == "UB"
    )
    assert outcome(ruleset, "L-03", L_03=("no", "E2")) == ("C", ("M-20",), None)
    # unknown(L-03) or L-03 = no -> C[M-20]: the unknown answer becomes a condition, and stays open
    assert outcome(ruleset, "L-03", L_03=("unknown", "E0")) == ("C", ("M-20",), "C")


def test_unknown_condition_on_an_adverse_rule_gives_on_unknown(ruleset: RuleSet) -> None:
    # S-12 rule 1 (S-12 = 1 and G-09 >= 3 and S-01 = none -> KO) is unknown while G-09 is unknown
    result = evaluate(ruleset, answers_of(ruleset, "D2", S_12=(1, "E2"), S_01=("none", "E2"), G_09=("unknown", "E0")))
    s12 = result.question("S-12")
    assert (s12.outcome, s12.rule) == ("UN", 1)
    assert "G-09" in s12.reason.en


def test_unknown_condition_on_an_ok_rule_is_skipped(ruleset: RuleSet) -> None:
    # G-02's only rule is an OK rule: an unknown answer skips it, and no rule is left
    result = evaluate(ruleset, answers_of(ruleset, "D2", G_02=("unknown", "E0")))
    g02 = result.question("G-02")
    assert (g02.outcome, g02.rule, g02.worst) == ("UB", None, "UB")
    assert "the answer is unknown" in g02.reason.en


def test_unanswered_question_is_unknown(ruleset: RuleSet) -> None:
    result = evaluate(ruleset, answers_of(ruleset, "D2", L_05=None))
    l05 = result.question("L-05")
    assert (l05.outcome, l05.effective, l05.worst) == ("UB", "unknown", "KO")
    assert "L-05: no answer" in l05.reason.en
    assert "the question is unanswered" in l05.reason.en
    assert "L-05: inget svar" in l05.reason.sv


def test_empty_text_is_unanswered(ruleset: RuleSet) -> None:
    assert outcome(ruleset, "G-03", G_03=("", "E4"))[0] == "UB"
    assert outcome(ruleset, "G-03", G_03=("Journal", "E1"))[0] == "OK"


# -- evidence -------------------------------------------------------------------------------------------


def _without(data: dict[str, object], qid: str) -> dict[str, object]:
    data = json.loads(json.dumps(data))
    data["questions"][qid]["reason"] = None  # type: ignore[index]
    data["questions"][qid]["summary"] = None  # type: ignore[index]
    data["questions"][qid]["answer"] = None  # type: ignore[index]
    return data


@pytest.mark.parametrize(
    ("qid", "below", "unknown"),
    [
        ("L-05", Answer("yes", "E1"), Answer("unknown", "E1")),
        ("L-05", Answer("yes", "E0"), Answer(None)),
        ("L-04", Answer("no_exposure", "E1"), Answer("unknown")),
        ("G-01", Answer("Exempel AB", "E2"), Answer("unknown")),
        ("S-04", Answer("customer_held_outside_provider", "E2"), Answer("unknown")),
        ("G-04", Answer("not_applicable", "E4"), Answer("unknown")),
    ],
)
def test_below_min_evidence_is_the_same_as_unknown(ruleset: RuleSet, qid: str, below: Answer, unknown: Answer) -> None:
    base = answers_of(ruleset, "D2", G_16=("yes", "E3"), L_04=("no_exposure", "E2"))
    low = evaluate(ruleset, {**base, qid: below})
    unk = evaluate(ruleset, {**base, qid: unknown})
    assert low.question(qid).effective == "unknown"
    assert _without(low.to_dict(), qid) == _without(unk.to_dict(), qid)


def test_reason_names_the_required_evidence(ruleset: RuleSet) -> None:
    result = evaluate(ruleset, answers_of(ruleset, "D2", L_05=Answer("yes")))
    reason = result.question("L-05").reason
    assert reason is not None
    assert "L-05 = yes (E1)" in reason.en
    assert "below the minimum E2 for the answer yes" in reason.en
    assert "lägre än kravet E2" in reason.sv
    assert "To be answered by legal counsel" in reason.en
    assert "Ska besvaras av juristen" in reason.sv


def test_enough_evidence_counts(ruleset: RuleSet) -> None:
    assert outcome(ruleset, "L-05", L_05=("yes", "E2"))[0] == "OK"
    assert outcome(ruleset, "L-05", L_05=("yes", "E4"))[0] == "OK"
    assert outcome(ruleset, "L-05", L_05=("no", "E1"))[0] == "KO"  # no minimum for the adverse answer


# -- overrides ------------------------------------------------------------------------------------------


def test_override_turns_a_knockout_into_a_condition(ruleset: RuleSet) -> None:
    answers = answers_of(ruleset, "D2", L_05=("no", "E2"))
    result = evaluate(ruleset, answers, {"L-05": MEMO})
    l05 = result.question("L-05")
    assert (l05.outcome, l05.mitigations, l05.overridden) == ("C", ("override",), True)
    assert result.overrides == ("L-05",)
    assert result.knockouts == ()
    assert ("L-05", ("override",)) in [(c.question, c.mitigations) for c in result.conditions]
    assert result.verdict == result.worst_case == "suitable_with_conditions"
    assert l05.reason is not None
    assert l05.reason.en.startswith(
        "Knock-out lifted by a legal finding: Juridiskt PM 2026:12, Chefsjurist A. Berg, 2026-11-20."
    )
    assert "Original knock-out: L-05 = no (E2): rule 1 (L-05 = no → KO)" in l05.reason.en
    assert "Ursprungligt stopp:" in l05.reason.sv


def test_incomplete_override_is_ignored(ruleset: RuleSet) -> None:
    answers = answers_of(ruleset, "D2", L_05=("no", "E2"))
    for bad in (Override("PM", "", "2026-11-20"), Override("PM", "A", "20 nov"), Override(" ", "A", "2026-11-20")):
        result = evaluate(ruleset, answers, {"L-05": bad})
        assert result.question("L-05").outcome == "KO"
        assert result.overrides == ()
        assert result.verdict == "not_suitable"


def test_override_on_a_question_without_knockout_has_no_effect(ruleset: RuleSet, d2: dict[str, Answer]) -> None:
    plain = evaluate(ruleset, d2)
    with_override = evaluate(ruleset, d2, {"L-16": MEMO, "G-07": MEMO})
    assert with_override.to_dict() == plain.to_dict()


def test_worst_case_counts_an_overridden_question_as_condition(ruleset: RuleSet) -> None:
    answers = answers_of(ruleset, "D2", L_05=Answer("yes"))  # below E2: UB, worst KO
    plain = evaluate(ruleset, answers)
    assert (plain.worst_case, plain.decisive_unknowns) == ("not_suitable", ("L-05",))
    result = evaluate(ruleset, answers, {"L-05": MEMO})
    l05 = result.question("L-05")
    # The knock-out the walk finds counts as C, but the unknown itself still blocks: worst is UB, not C,
    # so the worst case is never milder than the verdict (scoring.md §7; found by the property tests).
    assert (l05.outcome, l05.worst) == ("UB", "UB")
    assert result.overrides == ()
    assert result.decisive_unknowns == ()
    assert (result.verdict, result.worst_case) == ("cannot_assess", "cannot_assess")


# -- visibility and the output --------------------------------------------------------------------------


def test_hidden_answers_are_ignored_and_listed(ruleset: RuleSet, d2: dict[str, Answer]) -> None:
    answers = {**d2, "L-17": Answer("no", "E4"), "G-21": Answer("yes", "E4"), "L-14": Answer("no", "E4")}
    result = evaluate(ruleset, answers)
    assert result.ignored_answers == ("G-21", "L-14", "L-17")
    assert result.question("L-17").shown is False
    assert result.question("L-17").outcome is None
    assert result.verdict == "suitable_with_conditions"


def test_output_has_exactly_the_members_of_scoring_8(ruleset: RuleSet, d2: dict[str, Answer]) -> None:
    data = evaluate(ruleset, d2).to_dict()
    assert list(data) == [
        "ruleset", "verdict", "worst_case", "areas", "questions", "knockouts", "blocking_unknowns",
        "nonblocking_unknowns", "decisive_unknowns", "conditions", "overrides", "ignored_answers",
    ]  # fmt: skip
    assert data["ruleset"] == {"id": "molnlamplighet", "version": 1, "sha256": ruleset.sha256}
    assert list(data["areas"]) == ["context", "legal", "infosec", "patient_safety"]
    for area in data["areas"].values():
        assert list(area) == ["result", "knockouts", "blocking_unknowns", "nonblocking_unknowns", "conditions"]
    assert list(data["questions"]) == [q.id for q in ruleset.questions]
    assert len(data["questions"]) == 74
    for q in data["questions"].values():
        assert {"shown", "outcome", "mitigations", "reason", "references", "answered_by", "effective", "worst"} <= set(
            q
        )
    hidden = data["questions"]["L-17"]
    assert (hidden["shown"], hidden["outcome"], hidden["reason"], hidden["effective"]) == (False, None, None, None)
    l04 = data["questions"]["G-07"]
    assert l04["references"][0] == {"text": "OSL (2009:400), 22 kap. 1 §", "verify": True}
    assert json.loads(evaluate(ruleset, d2).to_json()) == data


def test_every_shown_outcome_names_answer_rule_and_references(ruleset: RuleSet) -> None:
    for key in ("A", "D1", "D2", "D3"):
        result = evaluate(ruleset, answers_of(ruleset, key))
        for q in ruleset.questions:
            r = result.question(q.id)
            if not r.shown:
                continue
            assert r.reason is not None
            for text in (r.reason.sv, r.reason.en):
                assert text.startswith(q.id)
                for ref in q.refs:
                    assert ref.display() in text
            if r.rule is not None:
                assert f"rule {r.rule} (" in r.reason.en
                assert f"regel {r.rule} (" in r.reason.sv


def test_verify_marks_appear_in_reasons(ruleset: RuleSet, d2: dict[str, Answer]) -> None:
    reason = evaluate(ruleset, d2).question("G-07").reason
    assert reason is not None
    assert "OSL (2009:400), 22 kap. 1 § [verify]" in reason.en


def test_evaluate_rejects_bad_typed_input(ruleset: RuleSet) -> None:
    with pytest.raises(AnswerSetError) as caught:
        evaluate(
            ruleset, {"X-01": Answer("yes"), "G-04": Answer("maybe"), "G-09": Answer(7), "G-05": Answer("yes", "E7")}
        )
    assert caught.value.problems == [
        "answers: unknown question id 'X-01'",
        "answers.G-04: 'maybe' is not an option (options: yes, no, unknown, not_applicable)",
        "answers.G-09: 7 is out of range 0-4",
        "answers.G-05: evidence 'E7' is not one of E0-E4",
    ]


def test_empty_answer_set_cannot_be_assessed(ruleset: RuleSet) -> None:
    result = evaluate(ruleset, {})
    assert result.verdict == "cannot_assess"
    assert result.worst_case == "not_suitable"
    assert "G-09" in result.decisive_unknowns
