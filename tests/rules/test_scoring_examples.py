"""scoring.md §10: module D2 of the worked example with one change each, and the G-05/L-12 example."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from rules import Answer, Override, RuleSet, evaluate
from tests.rules.conftest import answers_of

D2_AREAS = {
    "context": "met_with_conditions",
    "legal": "met_with_conditions",
    "infosec": "met_with_conditions",
    "patient_safety": "met",
}
S08_OVERRIDE = Override("Loggranskning 2026-11", "Säkerhetschef B. Ek", "2026-11-22", kind="technical")


@dataclass
class Row:
    name: str
    changes: dict[str, Any]
    outcomes: dict[str, tuple[str | None, str | None]]  # question -> (outcome, worst)
    areas: dict[str, str]
    verdict: str
    worst_case: str
    decisive: list[str]
    overrides: dict[str, Override] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    mitigations: dict[str, list[str]] = field(default_factory=dict)


ROWS = [
    Row("S-09 yes", {"S_09": ("yes", "E2")}, {"S-09": ("OK", None), "S-01": ("C", None)}, {},
        "suitable_with_conditions", "suitable_with_conditions", []),
    Row("L-05 bare yes is E1, below E2", {"L_05": Answer("yes")}, {"L-05": ("UB", "KO")},
        {"legal": "cannot_assess"}, "cannot_assess", "not_suitable", ["L-05"]),
    Row("L-20 answered while G-22 = no", {"L_20": ("needs_new_procurement", "E2")}, {"L-20": (None, None)}, {},
        "suitable_with_conditions", "suitable_with_conditions", [], ignored=["L-20"]),
    Row("G-22 unknown shows L-20", {"G_22": ("unknown", "E0")}, {"G-22": ("UN", "UN"), "L-20": ("UB", "KO")},
        {"legal": "cannot_assess"}, "cannot_assess", "not_suitable", ["L-20"]),
    Row("S-08 without actions", {"S_08": ("without_actions", "E4")}, {"S-08": ("KO", None)},
        {"infosec": "not_met"}, "not_suitable", "not_suitable", []),
    Row("S-08 without actions, overridden", {"S_08": ("without_actions", "E4")}, {"S-08": ("C", None)}, {},
        "suitable_with_conditions", "suitable_with_conditions", [], overrides={"S-08": S08_OVERRIDE},
        mitigations={"S-08": ["override"]}),
    Row("L-12 unknown", {"L_12": ("unknown", "E0")}, {"L-12": ("C", "KO")}, {},
        "suitable_with_conditions", "not_suitable", ["L-12"], mitigations={"L-12": ["M-20"]}),
    Row("G-09 unknown", {"G_09": ("unknown", "E0")}, {"G-09": ("UB", "KO"), "G-07": ("UN", "UB")},
        {"context": "cannot_assess"}, "cannot_assess", "not_suitable", ["G-09"]),
    Row("P-01 not done", {"P_01": ("not_done", "E4")}, {"P-01": ("UB", "KO")},
        {"patient_safety": "cannot_assess"}, "cannot_assess", "not_suitable", ["P-01"]),
    Row("S-13 unknown with G-12 = no", {"S_13": ("unknown", "E0")}, {"S-13": ("UN", "UN")}, {},
        "suitable_with_conditions", "suitable_with_conditions", []),
    Row("G-16 unknown shows L-04 and L-06", {"G_16": ("unknown", "E0")},
        {"G-16": ("UB", "UB"), "L-04": ("UB", "KO"), "L-06": ("UN", "UN")},
        {"context": "cannot_assess", "legal": "cannot_assess"}, "cannot_assess", "not_suitable", ["L-04"]),
]  # fmt: skip


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_d2_variation(ruleset: RuleSet, row: Row) -> None:
    result = evaluate(ruleset, answers_of(ruleset, "D2", **row.changes), row.overrides)
    for qid, (outcome, worst) in row.outcomes.items():
        q = result.question(qid)
        assert (q.outcome, q.worst) == (outcome, worst), qid
        assert q.shown is (outcome is not None)
    for qid, mitigations in row.mitigations.items():
        assert list(result.question(qid).mitigations) == mitigations
    assert {a: r.result for a, r in result.areas.items()} == {**D2_AREAS, **row.areas}
    assert (result.verdict, result.worst_case) == (row.verdict, row.worst_case)
    assert list(result.decisive_unknowns) == row.decisive
    assert list(result.ignored_answers) == row.ignored
    assert list(result.overrides) == list(row.overrides)


def test_d2_has_no_open_question(ruleset: RuleSet, d2: dict[str, Answer]) -> None:
    result = evaluate(ruleset, d2)
    assert result.open_questions == ()
    assert [c.question for c in result.conditions] == ["G-07", "L-16", "S-01", "S-09"]


def test_g05_unknown_makes_l12_decisive_although_its_answer_is_known(ruleset: RuleSet) -> None:
    answers = answers_of(ruleset, "D2", G_05=("unknown", "E0"), L_12=("yes", "E2"))
    result = evaluate(ruleset, answers)
    l12 = result.question("L-12")
    assert (l12.outcome, l12.effective, l12.worst) == ("UN", "yes", "KO")
    assert "depends on the unknown answer to G-05" in l12.reason.en
    assert "beror på det okända svaret på G-05" in l12.reason.sv
    assert "L-12" in result.decisive_unknowns
    assert result.question("G-23").shown  # its ask_if G-05 != yes is unknown
