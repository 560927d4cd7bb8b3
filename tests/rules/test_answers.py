"""The answer-set input (scoring.md §2): typed, and refused as a whole with every problem named."""

from __future__ import annotations

import pytest

from rules import Answer, AnswerSetError, Override, RuleSet, parse_answer_json, parse_answer_set, value_from_form


def test_bare_value_means_e1_and_objects_keep_note(ruleset: RuleSet) -> None:
    parsed = parse_answer_set(
        {
            "name": "ignored",
            "expect": {"verdict": "x"},
            "answers": {
                "G-04": "yes",
                "G-09": 3,
                "L-05": {"value": "yes", "evidence": "E2", "note": "PUB-avtal", "extra": 1},
                "L-04": {"value": "unknown"},
                "G-03": {"value": None, "evidence": None},
            },
            "overrides": {"L-04": {"reference": "PM 2026:12", "author": "A. Berg", "date": "2026-11-20", "x": 1}},
        },
        ruleset,
    )
    assert parsed.answers == {
        "G-04": Answer("yes", "E1"),
        "G-09": Answer(3, "E1"),
        "L-05": Answer("yes", "E2", "PUB-avtal"),
        "L-04": Answer("unknown", "E1"),
        "G-03": Answer(None, "E1"),
    }
    assert parsed.overrides == {"L-04": Override("PM 2026:12", "A. Berg", "2026-11-20")}


def test_every_problem_is_named(ruleset: RuleSet) -> None:
    data = {
        "answers": {
            "X-01": "yes",
            "G-04": "maybe",
            "G-09": True,
            "G-10": "3",
            "G-11": 5,
            "S-12": 0,
            "G-01": 42,
            "G-05": {"evidence": "E2"},
            "G-06": {"value": "yes", "evidence": "E5"},
        },
        "overrides": {
            "Z-01": {},
            "L-04": {"reference": "", "author": "A", "date": "2026-13-01", "kind": "moral"},
            "L-05": "yes",
            "L-07": {"reference": "R", "author": "A", "date": "2026-01-01", "review_date": "soon"},
        },
    }
    with pytest.raises(AnswerSetError) as caught:
        parse_answer_set(data, ruleset)
    assert caught.value.problems == [
        "answers: unknown question id 'X-01'",
        "answers.G-04: 'maybe' is not an option (options: yes, no, unknown, not_applicable)",
        'answers.G-09: a level answer must be an integer or "unknown", not True',
        "answers.G-10: a level answer must be an integer or \"unknown\", not '3'",
        "answers.G-11: 5 is out of range 0-4",
        "answers.S-12: 0 is out of range 1-4",
        "answers.G-01: a text answer must be a string, not 42",
        'answers.G-05: an answer object needs "value"',
        "answers.G-06: evidence 'E5' is not one of E0-E4",
        "overrides: unknown question id 'Z-01'",
        "overrides.L-04.reference: required, a non-empty string",
        "overrides.L-04.date: '2026-13-01' is not a date YYYY-MM-DD",
        "overrides.L-04.kind: 'moral' is not legal or technical",
        "overrides.L-05: must be an object with reference, author and date",
        "overrides.L-07.review_date: 'soon' is not a date YYYY-MM-DD",
    ]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ([], 'the top level must be a JSON object with "answers" (and "overrides")'),
        ({"answers": []}, "answers: must be an object mapping question ids to answers"),
        ({"overrides": "x"}, "overrides: must be an object mapping question ids to override records"),
    ],
)
def test_structure(ruleset: RuleSet, data: object, problem: str) -> None:
    with pytest.raises(AnswerSetError) as caught:
        parse_answer_set(data, ruleset)
    assert caught.value.problems == [problem]


def test_malformed_json(ruleset: RuleSet) -> None:
    with pytest.raises(AnswerSetError, match="malformed JSON"):
        parse_answer_json('{"answers": ', ruleset)
    assert parse_answer_json(b'{"answers": {"G-04": "no"}}', ruleset).answers == {"G-04": Answer("no")}


def test_override_completeness() -> None:
    assert Override("PM", "A", "2026-02-28").is_complete()
    assert not Override("PM", "A", "2026-02-30").is_complete()
    assert not Override("", "A", "2026-02-28").is_complete()


def test_value_from_form(ruleset: RuleSet) -> None:
    assert value_from_form(ruleset.question("G-09"), "3") == 3
    assert value_from_form(ruleset.question("G-09"), "unknown") == "unknown"
    assert value_from_form(ruleset.question("S-12"), " ") is None
    assert value_from_form(ruleset.question("G-04"), "yes") == "yes"
    assert value_from_form(ruleset.question("G-01"), "  ") is None
    assert value_from_form(ruleset.question("G-01"), "Exempel AB ") == "Exempel AB "
    assert value_from_form(ruleset.question("G-04"), None) is None
