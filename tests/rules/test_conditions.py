"""The condition language: criteria.md §2's notation, its structured form and the three-valued tables."""

from __future__ import annotations

import re

import pytest

from rules.conditions import (
    HIDDEN,
    UNKNOWN,
    And,
    Cmp,
    ConditionSyntaxError,
    In,
    Known,
    Not,
    Or,
    Unknown,
    condition_from_spec,
    evaluate,
    format_condition,
    parse_condition,
)

T, F, U = True, False, None
STATES = {"not shown": HIDDEN, "unknown": UNKNOWN, "x": "x", "y": "y", "z": "z"}

# criteria.md §2, first table: form -> (not shown, unknown, known value x, known value z)
FORMS = [
    ("G-01 = x", F, U, T, F),
    ("G-01 != x", T, U, F, T),
    ("G-01 in {x, y}", F, U, T, F),
    ("known(G-01)", F, F, T, T),
    ("unknown(G-01)", F, T, F, F),
    ("always", T, T, T, T),
]


@pytest.mark.parametrize(("text", "hidden", "unknown", "value_x", "value_z"), FORMS)
def test_atom_table(text: str, hidden: bool, unknown: bool | None, value_x: bool, value_z: bool) -> None:
    condition = parse_condition(text)
    assert evaluate(condition, {"G-01": HIDDEN}) is hidden
    assert evaluate(condition, {"G-01": UNKNOWN}) is unknown
    assert evaluate(condition, {"G-01": "x"}) is value_x
    assert evaluate(condition, {"G-01": "z"}) is value_z


@pytest.mark.parametrize(
    ("text", "hidden", "unknown", "two", "three"),
    [("G-09 >= 3", F, U, F, T), ("G-09 <= 2", F, U, T, F), ("G-09 = 3", F, U, F, T)],
)
def test_numeric_table(text: str, hidden: bool, unknown: bool | None, two: bool, three: bool) -> None:
    condition = parse_condition(text)
    assert evaluate(condition, {"G-09": HIDDEN}) is hidden
    assert evaluate(condition, {"G-09": UNKNOWN}) is unknown
    assert evaluate(condition, {"G-09": 2}) is two
    assert evaluate(condition, {"G-09": 3}) is three


# criteria.md §2, second table (Kleene); a and b are made true/unknown/false through unknown(Q)/known(Q)
_MAKE = {T: "G-01 = x", U: "G-01 = y", F: "G-01 = z"}
KLEENE = [
    (T, T, T, T, F),
    (T, U, U, T, F),
    (T, F, F, T, F),
    (U, U, U, U, U),
    (U, F, F, U, U),
    (F, F, F, F, T),
]


def _value(truth: bool | None) -> object:
    return {T: "x", U: UNKNOWN, F: "z"}[truth]


@pytest.mark.parametrize(("a", "b", "a_and_b", "a_or_b", "not_a"), KLEENE)
def test_kleene_table(
    a: bool | None, b: bool | None, a_and_b: bool | None, a_or_b: bool | None, not_a: bool | None
) -> None:
    for left, right in ((a, b), (b, a)):  # both tables are symmetric
        state = {"G-01": _value(left), "G-02": _value(right)}
        assert evaluate(parse_condition("G-01 = x and G-02 = x"), state) is a_and_b
        assert evaluate(parse_condition("G-01 = x or G-02 = x"), state) is a_or_b
    state = {"G-01": _value(a)}
    assert evaluate(parse_condition("not G-01 = x"), state) is not_a


def test_criteria_examples() -> None:
    state = {"G-05": "yes", "G-09": UNKNOWN, "G-20": HIDDEN}
    examples = {
        "G-05 = yes": T,
        "G-09 >= 3": U,
        "G-05 = yes and G-09 >= 3": U,
        "G-05 = no and G-09 >= 3": F,
        "G-20 = replaces_records_system": F,
        "G-20 != replaces_records_system": T,
        "unknown(G-09)": T,
    }
    for text, expected in examples.items():
        assert evaluate(parse_condition(text), state) is expected, text


def test_precedence_not_binds_tighter_than_and_than_or() -> None:
    assert parse_condition("not G-01 = x and G-02 = y or G-03 = z") == Or(
        (And((Not(Cmp("eq", "G-01", "x")), Cmp("eq", "G-02", "y"))), Cmp("eq", "G-03", "z"))
    )
    assert parse_condition("(G-05 = yes or G-23 = yes) and G-11 >= 2") == And(
        (Or((Cmp("eq", "G-05", "yes"), Cmp("eq", "G-23", "yes"))), Cmp("ge", "G-11", 2))
    )


def test_structured_form_equals_the_notation() -> None:
    structured = {
        "all": [
            {"eq": ["G-04", "yes"]},
            {"in": ["G-18", ["support_access", "hosts_or_operates"]]},
            {"not": {"unknown": "G-01"}},
            {"any": [{"ge": ["G-09", 3]}, {"known": "G-16"}, {"ne": ["G-05", "no"]}, {"le": ["G-11", 1]}]},
        ]
    }
    text = (
        "G-04 = yes and G-18 in {support_access, hosts_or_operates} and not unknown(G-01)"
        " and (G-09 >= 3 or known(G-16) or G-05 != no or G-11 <= 1)"
    )
    assert condition_from_spec(structured) == parse_condition(text)
    assert format_condition(parse_condition(text)) == text


@pytest.mark.parametrize(
    "text",
    [
        "G-05 = yes and (G-16 = yes or unknown(G-16))",
        "G-14 in {third_country_adequate, third_country_other} or S-17 = no",
        "not (G-01 = x or G-02 = y)",
        "always",
    ],
)
def test_format_round_trips(text: str) -> None:
    assert format_condition(parse_condition(text)) == text


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("G-05 ==yes", "expected an option id"),
        ("G-05 = yes and", "expected a condition"),
        ("G-05 yes", "expected '=', '!=', '>=', '<=' or 'in'"),
        ("(G-05 = yes", "expected ')'"),
        ("G-05 = yes; rm -rf", "unexpected character ';'"),
        ("", "empty condition"),
        ("known(yes)", "expected a question id"),
        ({"eq": ["G-05", True]}, "YAML boolean"),
        ({"eq": ["G-05"]}, "takes a list [QUESTION, VALUE]"),
        ({"xor": []}, "unknown condition key 'xor'"),
        ({"eq": ["G-05", "yes"], "ne": ["G-05", "no"]}, "exactly one key"),
        (True, "cannot be a boolean"),
        (3, "expected a condition string or a mapping"),
    ],
)
def test_syntax_errors(spec: object, message: str) -> None:
    with pytest.raises(ConditionSyntaxError, match=re.escape(message)):
        condition_from_spec(spec)


def test_parsed_atoms() -> None:
    assert parse_condition("G-18 in {a, b}") == In("G-18", ("a", "b"))
    assert parse_condition("known(G-01)") == Known("G-01")
    assert parse_condition("unknown(G-01)") == Unknown("G-01")
    assert parse_condition("G-09 = 4") == Cmp("eq", "G-09", 4)
