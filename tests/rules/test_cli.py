"""The command line contract: ``python -m rules check | evaluate | show | diff``, exit codes 0 / 1 / 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.rules.conftest import module
from tests.rules.test_loader import MINI

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rules", *args], input=stdin, capture_output=True, text=True, cwd=ROOT, check=False
    )


def test_check_published() -> None:
    proc = run("check")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("OK molnlamplighet/1.yaml: molnlamplighet@1, 74 questions, sha256 ")
    assert proc.stderr == ""


def test_check_broken_file_exits_1_with_every_error(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(yaml.safe_dump(MINI), encoding="utf-8")
    broken = json.loads(json.dumps(MINI))
    broken["questions"][1]["ask_if"] = "G-01 = maybe"
    broken["questions"][1]["rules"][0]["mitigations"] = ["M-99"]
    bad.write_text(yaml.safe_dump(broken), encoding="utf-8")
    proc = run("check", str(good), str(bad))
    assert proc.returncode == 1
    assert proc.stdout.startswith(f"OK {good}: mini@1")
    assert proc.stderr.splitlines() == [
        f"{bad}: questions[1].ask_if: unknown option 'maybe' for G-01",
        f"{bad}: questions[1].rules[0].mitigations[0]: unknown mitigation 'M-99'",
    ]


def test_evaluate_file_prints_the_json_of_scoring_8(tmp_path: Path) -> None:
    path = tmp_path / "d2.json"
    path.write_text(json.dumps({"name": "D2", "answers": module("D2")["answers"]}), encoding="utf-8")
    proc = run("evaluate", "--ruleset", "molnlamplighet@1", str(path))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["ruleset"]["id"] == "molnlamplighet"
    assert data["ruleset"]["version"] == 1
    assert (data["verdict"], data["worst_case"]) == ("suitable_with_conditions", "suitable_with_conditions")
    assert data["conditions"][0] == {"question": "G-07", "mitigations": ["M-06", "M-01"]}
    assert set(data["questions"]["L-05"]) >= {"shown", "outcome", "mitigations", "reason", "references"}
    assert proc.stderr == ""


def test_evaluate_stdin_with_override() -> None:
    answers = dict(module("D2")["answers"], **{"S-08": {"value": "without_actions", "evidence": "E4"}})
    override = {"S-08": {"reference": "Loggranskning", "author": "B. Ek", "date": "2026-11-22", "kind": "technical"}}
    proc = run("evaluate", "-", stdin=json.dumps({"answers": answers, "overrides": override}))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["overrides"] == ["S-08"]
    assert data["knockouts"] == []
    assert data["questions"]["S-08"]["mitigations"] == ["override"]


@pytest.mark.parametrize(
    ("stdin", "args", "stderr"),
    [
        ('{"answers": ', (), "malformed JSON"),
        (
            '{"answers": {"G-99": "yes", "G-04": "maybe", "G-09": "3", "L-05": {"value": "yes", "evidence": "E5"}},'
            ' "overrides": {"L-04": {"reference": "PM"}}}',
            (),
            "answers: unknown question id 'G-99'\n"
            "answers.G-04: 'maybe' is not an option (options: yes, no, unknown, not_applicable)\n"
            "answers.G-09: a level answer must be an integer or \"unknown\", not '3'\n"
            "answers.L-05: evidence 'E5' is not one of E0-E4\n"
            "overrides.L-04.author: required, a non-empty string\n"
            "overrides.L-04.date: required, a non-empty string\n",
        ),
        ('{"answers": {}}', ("--ruleset", "nope@9"), "unknown rule set nope@9"),
    ],
)
def test_evaluate_bad_input_exits_2_with_nothing_on_stdout(stdin: str, args: tuple[str, ...], stderr: str) -> None:
    proc = run("evaluate", *args, "-", stdin=stdin)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert stderr in proc.stderr


def test_show_lists_the_catalogue() -> None:
    proc = run("show", "--lang", "en")
    assert proc.returncode == 0
    assert "== Legal (legal) ==" in proc.stdout
    assert "-- Secrecy (OSL) --" in proc.stdout
    assert "G-06 = yes and (G-16 = yes or unknown(G-16))" in proc.stdout
    assert "EDPB Recommendations 01/2020, Annex 2, use cases on cloud and remote access [verify]" in proc.stdout
    assert "M-20  General contract hardening" in proc.stdout
    assert run("show").stdout.count("Referenser") == 0  # Swedish by default, references as a list
    assert "== Juridik (legal) ==" in run("show").stdout


def test_diff_names_added_removed_and_changed(tmp_path: Path) -> None:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(yaml.safe_dump(MINI), encoding="utf-8")
    changed = json.loads(json.dumps(MINI))
    changed["version"] = 2
    del changed["questions"][3]
    changed["questions"][1]["options"].insert(2, {"id": "c", "sv": "c", "en": "c"})
    changed["questions"][1]["rules"].insert(2, {"when": "G-02 = c", "outcome": "C", "reason": MINI["title"]})
    changed["questions"][0]["ask_if"] = "G-03 <= 3"
    b.write_text(yaml.safe_dump(changed), encoding="utf-8")
    proc = run("diff", str(a), str(b))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("mini@1 (")
    assert "-> mini@2 (" in lines[0]
    assert set(lines[1:]) == {
        "- question L-01 removed (Text)",
        "~ G-01.ask_if changed",
        "+ G-02 option c added",
        "+ G-02 rule 3 added: G-02 = c → C",
    }
    assert run("diff", "molnlamplighet@1", "molnlamplighet").stdout.endswith("0 difference(s)\n")
