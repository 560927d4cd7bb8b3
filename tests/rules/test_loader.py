# ruff: noqa: E501  (a table of exact error messages reads best one per line)
"""The loader refuses a broken rule set, naming every problem as ``file: path: message``."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from rules import RuleSet, RuleSetError, load_ruleset

T = {"sv": "Text", "en": "Text"}
AREAS = [
    {"id": a, "title": T, "groups": [{"id": "main", "title": T}]}
    for a in ("context", "legal", "infosec", "patient_safety")
]


def q(qid: str, qtype: str, rules: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    area = {"G": "context", "L": "legal", "S": "infosec", "P": "patient_safety"}[qid[0]]
    question = {"id": qid, "area": area, "group": "main", "title": T, "text": T, "type": qtype}
    question |= {"rules": rules, "on_unknown": "UB", "answered_by": "region", "refs": [{"text": "Lag", "verify": True}]}
    return question | extra


def r(when: Any, outcome: str, **extra: Any) -> dict[str, Any]:
    rule = {"when": when, "outcome": outcome, "reason": T} | extra
    if outcome == "KO" and "fix" not in extra:
        rule["fix"] = []
    return rule


MINI: dict[str, Any] = {
    "format": 1,
    "id": "mini",
    "version": 1,
    "title": T,
    "areas": AREAS,
    "questions": [
        q("G-01", "ynu", [r("G-01 = no", "KO"), r("G-01 = yes", "OK")], min_evidence={"yes": "E2"}),
        q(
            "G-02",
            "choice",
            [r("G-02 = a", "C", mitigations=["M-01"]), r("G-02 = b", "OK")],
            options=[{"id": i, "sv": i, "en": i} for i in ("a", "b", "unknown")],
            ask_if="G-01 = yes",
        ),
        q("G-03", "level", [r({"eq": ["G-03", 4]}, "KO", fix=["M-01"]), r("G-03 <= 3", "OK")], options="level"),
        q("L-01", "text", [r("known(L-01)", "OK")]),
    ],
    "mitigations": [{"id": "M-01", "sv": "Åtgärd", "en": "Mitigation", "evidence": "Avtal"}],
}


def load(tmp_path: Path, data: dict[str, Any] | str) -> RuleSet:
    path = tmp_path / "mini.yaml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_ruleset(path, label="mini.yaml")


def problems(tmp_path: Path, data: dict[str, Any] | str) -> list[str]:
    with pytest.raises(RuleSetError) as caught:
        load(tmp_path, data)
    assert str(caught.value) == "\n".join(caught.value.problems)
    return caught.value.problems


def changed(path: str, value: Any) -> dict[str, Any]:
    """Return MINI with the value at a dotted path (``questions.1.ask_if``) replaced; None deletes it."""
    data = copy.deepcopy(MINI)
    *parents, last = path.split(".")
    node: Any = data
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    key: Any = int(last) if isinstance(node, list) else last
    if value is None:
        del node[key]
    elif isinstance(node, list) and key == len(node):
        node.append(value)
    else:
        node[key] = value
    return data


def test_the_mini_rule_set_loads(tmp_path: Path) -> None:
    ruleset = load(tmp_path, MINI)
    assert [q.id for q in ruleset.questions] == ["G-01", "G-02", "G-03", "L-01"]
    assert [o.id for o in ruleset.question("G-01").options] == ["yes", "no", "unknown", "not_applicable"]
    assert [o.id for o in ruleset.question("G-03").options] == [0, 1, 2, 3, 4, "unknown"]
    assert len(ruleset.sha256) == 64


CASES = [
    ("questions.1.rules.0.when", "G-09 = a", "questions[1].rules[0].when: unknown question id G-09"),
    ("questions.1.ask_if", "G-01 = maybe", "questions[1].ask_if: unknown option 'maybe' for G-01"),
    ("questions.1.ask_if", "G-01 = unknown", "questions[1].ask_if: 'unknown' is not a value: write unknown(G-01)"),
    ("questions.1.ask_if", "G-01 >= 1", "questions[1].ask_if: '>=' applies only to level and maturity questions; G-01 is ynu"),
    ("questions.1.ask_if", "G-03 >= 7", "questions[1].ask_if: 7 is out of range 0-4 for G-03"),
    ("questions.1.ask_if", "G-03 = high", "questions[1].ask_if: type mismatch: G-03 is level: integers only, not 'high'"),
    ("questions.1.ask_if", "G-01 = 3", "questions[1].ask_if: type mismatch: G-01 is a ynu question; 3 is no option id"),
    ("questions.1.ask_if", "L-01 = x", "questions[1].ask_if: L-01 is a text question: use known(L-01) or unknown(...)"),
    ("questions.1.ask_if", "G-02 = a", "questions[1].ask_if: ask_if of G-02 refers to its own question"),
    ("questions.1.ask_if", "G-01 == yes", "questions[1].ask_if: expected an option id or an integer but found '=' in 'G-01 == yes'"),
    ("questions.1.ask_if", {"all": [{"eq": ["G-01", "yes"]}, {"eq": ["G-01", True]}]},
     "questions[1].ask_if.all[1].eq: value True is a YAML boolean; quote it ('yes', 'no') to name an option"),
    ("questions.1.rules.0.mitigations", ["M-99"], "questions[1].rules[0].mitigations[0]: unknown mitigation 'M-99'"),
    ("questions.2.rules.0.fix", ["M-42"], "questions[2].rules[0].fix[0]: unknown mitigation 'M-42'"),
    ("questions.0.rules.0.mitigations", ["M-01"], "questions[0].rules[0].mitigations: mitigations are allowed only on C rules, not on KO"),
    ("questions.1.rules.1.fix", [], "questions[1].rules[1].fix: fix is allowed only on KO rules, not on OK"),
    ("questions.0.rules.0.fix", None, "questions[0].rules[0].fix: a KO rule needs a fix list (possibly empty: fix: [])"),
    ("questions.0.min_evidence", {"maybe": "E2"}, "questions[0].min_evidence.maybe: min_evidence names 'maybe', which is not a known answer of G-01"),
    ("questions.0.min_evidence", {"yes": "E7"}, "questions[0].min_evidence.yes: input should be 'E1', 'E2', 'E3' or 'E4'"),
    ("questions.0.title.en", None, "questions[0].title.en: field required"),
    ("questions.0.text.sv", "  ", "questions[0].text.sv: string should match pattern '\\S'"),
    ("questions.0.colour", "red", "questions[0].colour: unknown key"),
    ("questions.0.group", "misc", "questions[0].group: unknown group 'misc' for area context"),
    ("questions.3.area", "infosec", "questions[3].area: L-01 must be in area legal, not infosec"),
    ("questions.1.options", [{"id": "a", "sv": "a", "en": "a"}, {"id": "b", "sv": "b", "en": "b"}],
     "questions[1].options: a choice question must offer the option unknown"),
    ("questions.1.options", [{"id": i, "sv": i, "en": i} for i in ("a", "b", "a", "unknown")],
     "questions[1].options[2].id: duplicate option id 'a' for G-02"),
    ("questions.3.options", "ynu", "questions[3].options: a text question has no options"),
    ("questions.1.rules.1", r("G-02 = a", "OK"), "questions[1].rules[1].when: dead rule: 'G-02 = a' is never the first match for any combination of answers"),
    ("questions.1.rules.1", r("G-02 = a", "OK"), "questions[1].rules: incomplete rules: no rule matches G-02 = b"),
    ("questions.3.rules", [r("always", "OK")], "questions[3].rules[0].when: rule gives OK to an unknown answer of L-01 (L-01 unknown): never favourable"),
    ("mitigations.1", {"id": "M-01", "sv": "x", "en": "x", "evidence": "x"}, "mitigations[1].id: duplicate mitigation id M-01 (also mitigations[0])"),
    ("version", "one", "version: input should be a valid integer"),
]  # fmt: skip


@pytest.mark.parametrize(("where", "value", "message"), CASES, ids=[c[2].split(": ", 1)[-1][:60] for c in CASES])
def test_error_kind(tmp_path: Path, where: str, value: Any, message: str) -> None:
    assert f"mini.yaml: {message}" in problems(tmp_path, changed(where, value))


def test_duplicate_question_id(tmp_path: Path) -> None:
    data = copy.deepcopy(MINI)
    data["questions"].append(copy.deepcopy(data["questions"][3]))
    assert "mini.yaml: questions[4].id: duplicate question id L-01 (also questions[3])" in problems(tmp_path, data)


def test_ask_if_cycle(tmp_path: Path) -> None:
    data = changed("questions.0.ask_if", "G-02 = a")
    assert "mini.yaml: questions[0].ask_if: ask_if cycle: G-01 -> G-02 -> G-01" in problems(tmp_path, data)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    data = changed("questions.1.ask_if", "G-01 = maybe")
    data["questions"][2]["rules"][0]["fix"] = ["M-42"]
    data["questions"][1]["rules"][0]["mitigations"] = ["M-99"]
    found = problems(tmp_path, data)
    assert len(found) == 3
    assert all(line.startswith("mini.yaml: questions[") for line in found)


def test_unquoted_yaml_boolean_is_explained(tmp_path: Path) -> None:
    text = yaml.safe_dump(MINI, allow_unicode=True).replace("'yes': E2", "yes: E2")
    assert "yes: E2" in text
    assert any("YAML boolean" in p for p in problems(tmp_path, text))


def test_not_yaml(tmp_path: Path) -> None:
    (line,) = problems(tmp_path, "format: 1\nid: [unclosed\n")
    assert line.startswith("mini.yaml: line 3, column 1: not valid YAML")


def test_not_a_mapping(tmp_path: Path) -> None:
    assert problems(tmp_path, "- 1\n- 2\n") == [
        "mini.yaml: the file must be a YAML mapping with format, id, version, ..."
    ]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RuleSetError, match="cannot read the file"):
        load_ruleset(tmp_path / "nothing.yaml")


def test_the_published_rule_set_is_the_catalogue(ruleset: RuleSet) -> None:
    counts = {a.id: len(a.questions) for a in ruleset.areas}
    assert counts == {"context": 24, "legal": 20, "infosec": 19, "patient_safety": 11}
    assert [m.id for m in ruleset.mitigations] == [f"M-{n:02d}" for n in range(1, 21)]
    assert ruleset.question("L-04").min_evidence == {"no_exposure": "E2", "exposure_no_cleartext_verified": "E3"}
    assert ruleset.question("G-01").min_evidence_any == "E3"
    assert ruleset.question("L-04").volatile
    assert not ruleset.question("L-05").volatile
    assert ruleset.question("L-04").ask_if_text == "G-06 = yes and (G-16 = yes or unknown(G-16))"
    assert [r.outcome for r in ruleset.question("L-08").rules] == ["KO", "KO", "KO", "C", "OK", "UB", "UB", "OK"]
    assert sum(r.verify for q in ruleset.questions for r in q.refs) == 18
    for area in ruleset.areas:
        assert [qid for g in area.groups for qid in g.questions] != []
        assert sorted(qid for g in area.groups for qid in g.questions) == sorted(area.questions)


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    text = yaml.safe_dump(MINI, allow_unicode=True).replace("id: mini\n", "id: mini\nid: other\n", 1)
    (line,) = problems(tmp_path, text)
    assert line.startswith("mini.yaml: line ")
    assert line.endswith("not valid YAML: duplicate key 'id' in one mapping")


def test_a_volatile_question_may_name_its_own_re_check_period(tmp_path: Path) -> None:
    """`recheck_days` (1–3650) says how long a volatile answer holds; without it the app's default applies."""
    ruleset = load(tmp_path, changed("questions.0.recheck_days", 90))
    first = ruleset.questions[0]
    assert first.recheck_days == 90
    assert ruleset.questions[1].recheck_days is None
    found = problems(tmp_path, changed("questions.0.recheck_days", 0))
    assert any("recheck_days" in p for p in found), found
