"""The condition language of criteria.md §2: a closed vocabulary, evaluated three-valued (Kleene).

A condition is written either in the compact notation of criteria.md (``G-04 = yes and G-09 >= 3``), read by
a small recursive-descent parser, or as a YAML structure (``{all: [{eq: [G-04, "yes"]}, {ge: [G-09, 3]}]}``).
Both give the same tree of frozen dataclasses. There is no ``eval`` and no free expression: the tree is
compiled to closures once, when the rule set loads.

Evaluation reads the *effective* answers (scoring.md §3.2): a mapping from question id to a known value, to
``UNKNOWN`` or to ``HIDDEN`` (the question is not shown; any stored answer is ignored). The result is
``True``, ``False`` or ``None`` (unknown).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Final, Literal, TypeAlias

Tri: TypeAlias = bool | None
Value: TypeAlias = str | int


class _Marker:
    """A unique marker for an effective answer that is not a value."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


UNKNOWN: Final = _Marker("UNKNOWN")
HIDDEN: Final = _Marker("HIDDEN")

StateValue: TypeAlias = str | int | _Marker
State: TypeAlias = Mapping[str, StateValue]
Test: TypeAlias = Callable[[State], Tri]

CmpOp = Literal["eq", "ne", "ge", "le"]
_OP_TEXT: Final[dict[str, str]] = {"eq": "=", "ne": "!=", "ge": ">=", "le": "<="}


class ConditionSyntaxError(ValueError):
    """A condition that does not parse; ``path`` locates the problem inside a structured condition."""

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.path = path


@dataclass(frozen=True, slots=True)
class Always:
    """The condition that is always true."""


@dataclass(frozen=True, slots=True)
class Cmp:
    """``Q = v``, ``Q != v``, ``Q >= n`` or ``Q <= n``."""

    op: CmpOp
    question: str
    value: Value


@dataclass(frozen=True, slots=True)
class In:
    """``Q in {v, w, ...}``."""

    question: str
    values: tuple[Value, ...]


@dataclass(frozen=True, slots=True)
class Known:
    """``known(Q)``: shown and answered with a known value."""

    question: str


@dataclass(frozen=True, slots=True)
class Unknown:
    """``unknown(Q)``: shown and its effective answer is unknown."""

    question: str


@dataclass(frozen=True, slots=True)
class And:
    """Every item holds (Kleene conjunction)."""

    items: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class Or:
    """Some item holds (Kleene disjunction)."""

    items: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class Not:
    """The item does not hold (Kleene negation)."""

    item: Condition


Condition: TypeAlias = Always | Cmp | In | Known | Unknown | And | Or | Not
ALWAYS: Final = Always()


# ---------------------------------------------------------------------------------------------------------
# The compact notation (criteria.md §2)

_TOKEN = re.compile(
    r"\s*(?:(?P<op>!=|>=|<=|=|\(|\)|\{|\}|,)|(?P<qid>[A-Z]+-\d+)|(?P<int>-?\d+)|(?P<word>[A-Za-z_][A-Za-z0-9_]*))"
)
_KEYWORDS: Final = frozenset({"and", "or", "not", "in", "always", "known", "unknown"})


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise ConditionSyntaxError(f"unexpected character {text[pos:].lstrip()[:1]!r} in {text!r}")
        kind = match.lastgroup
        assert kind is not None
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def fail(self, expected: str) -> ConditionSyntaxError:
        token = self.peek()
        found = "the end" if token is None else repr(token[1])
        return ConditionSyntaxError(f"expected {expected} but found {found} in {self.text!r}")

    def take(self, kind: str, value: str | None = None) -> str:
        token = self.peek()
        if token is None or token[0] != kind or (value is not None and token[1] != value):
            raise self.fail(repr(value) if value is not None else kind.replace("qid", "a question id"))
        self.pos += 1
        return token[1]

    def at_word(self, word: str) -> bool:
        token = self.peek()
        return token is not None and token[0] == "word" and token[1] == word

    def parse(self) -> Condition:
        if not self.tokens:
            raise ConditionSyntaxError("empty condition")
        result = self.or_expr()
        if self.peek() is not None:
            raise self.fail("'and', 'or' or the end")
        return result

    def or_expr(self) -> Condition:
        items = [self.and_expr()]
        while self.at_word("or"):
            self.pos += 1
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_expr(self) -> Condition:
        items = [self.not_expr()]
        while self.at_word("and"):
            self.pos += 1
            items.append(self.not_expr())
        return items[0] if len(items) == 1 else And(tuple(items))

    def not_expr(self) -> Condition:
        if self.at_word("not"):
            self.pos += 1
            return Not(self.not_expr())
        return self.atom()

    def value(self) -> Value:
        token = self.peek()
        if token is not None and token[0] == "int":
            self.pos += 1
            return int(token[1])
        if token is not None and token[0] == "word" and token[1] not in _KEYWORDS - {"unknown"}:
            self.pos += 1
            return token[1]
        raise self.fail("an option id or an integer")

    def atom(self) -> Condition:
        token = self.peek()
        if token is None:
            raise self.fail("a condition")
        kind, text = token
        if kind == "op" and text == "(":
            self.pos += 1
            inner = self.or_expr()
            self.take("op", ")")
            return inner
        if kind == "word" and text == "always":
            self.pos += 1
            return ALWAYS
        if kind == "word" and text in ("known", "unknown"):
            self.pos += 1
            self.take("op", "(")
            question = self.take("qid")
            self.take("op", ")")
            return Known(question) if text == "known" else Unknown(question)
        if kind == "qid":
            self.pos += 1
            if self.at_word("in"):
                self.pos += 1
                self.take("op", "{")
                values = [self.value()]
                while (tok := self.peek()) is not None and tok == ("op", ","):
                    self.pos += 1
                    values.append(self.value())
                self.take("op", "}")
                return In(text, tuple(values))
            op_token = self.peek()
            ops = {"=": "eq", "!=": "ne", ">=": "ge", "<=": "le"}
            if op_token is None or op_token[0] != "op" or op_token[1] not in ops:
                raise self.fail("'=', '!=', '>=', '<=' or 'in'")
            self.pos += 1
            op: CmpOp = ops[op_token[1]]  # type: ignore[assignment]
            return Cmp(op, text, self.value())
        raise self.fail("a condition")


def parse_condition(text: str) -> Condition:
    """Parse the compact notation of criteria.md §2 into a condition tree."""
    return _Parser(text).parse()


# ---------------------------------------------------------------------------------------------------------
# The structured YAML form

_STRUCT_KEYS: Final = ("eq", "ne", "in", "ge", "le", "known", "unknown", "all", "any", "not")


def _struct_value(raw: object, path: str) -> Value:
    if isinstance(raw, bool):
        raise ConditionSyntaxError(f"value {raw!r} is a YAML boolean; quote it ('yes', 'no') to name an option", path)
    if isinstance(raw, str | int):
        return raw
    raise ConditionSyntaxError(f"expected an option id or an integer, got {type(raw).__name__}", path)


def _struct_question(raw: object, path: str) -> str:
    if isinstance(raw, str) and re.fullmatch(r"[A-Z]+-\d+", raw):
        return raw
    raise ConditionSyntaxError(f"expected a question id such as G-05, got {raw!r}", path)


def condition_from_spec(spec: object, path: str = "") -> Condition:
    """Build a condition tree from a YAML value: a compact string or a one-key mapping."""
    if isinstance(spec, str):
        try:
            return parse_condition(spec)
        except ConditionSyntaxError as exc:
            raise ConditionSyntaxError(exc.message, path) from None
    if isinstance(spec, bool):
        raise ConditionSyntaxError("a condition cannot be a boolean; write 'always' or a comparison", path)
    if not isinstance(spec, Mapping):
        raise ConditionSyntaxError(f"expected a condition string or a mapping, got {type(spec).__name__}", path)
    if len(spec) != 1:
        raise ConditionSyntaxError(f"a condition mapping has exactly one key of {', '.join(_STRUCT_KEYS)}", path)
    ((key, arg),) = spec.items()
    sub = f"{path}.{key}" if path else str(key)
    if key in ("eq", "ne", "ge", "le"):
        if not isinstance(arg, list) or len(arg) != 2:
            raise ConditionSyntaxError(f"'{key}' takes a list [QUESTION, VALUE]", sub)
        op: CmpOp = "eq" if key == "eq" else "ne" if key == "ne" else "ge" if key == "ge" else "le"
        return Cmp(op, _struct_question(arg[0], sub), _struct_value(arg[1], sub))
    if key == "in":
        if not isinstance(arg, list) or len(arg) != 2 or not isinstance(arg[1], list) or not arg[1]:
            raise ConditionSyntaxError("'in' takes a list [QUESTION, [VALUE, ...]]", sub)
        return In(_struct_question(arg[0], sub), tuple(_struct_value(v, sub) for v in arg[1]))
    if key in ("known", "unknown"):
        question = _struct_question(arg, sub)
        return Known(question) if key == "known" else Unknown(question)
    if key in ("all", "any"):
        if not isinstance(arg, list) or not arg:
            raise ConditionSyntaxError(f"'{key}' takes a non-empty list of conditions", sub)
        items = tuple(condition_from_spec(item, f"{sub}[{i}]") for i, item in enumerate(arg))
        return And(items) if key == "all" else Or(items)
    if key == "not":
        return Not(condition_from_spec(arg, sub))
    raise ConditionSyntaxError(f"unknown condition key {key!r}; use one of {', '.join(_STRUCT_KEYS)}", path)


# ---------------------------------------------------------------------------------------------------------
# Reading, printing and evaluating


def walk(condition: Condition) -> Iterator[Condition]:
    """Yield the condition and every condition nested in it, depth first."""
    yield condition
    if isinstance(condition, And | Or):
        for item in condition.items:
            yield from walk(item)
    elif isinstance(condition, Not):
        yield from walk(condition.item)


def question_refs(condition: Condition) -> tuple[str, ...]:
    """Return the question ids the condition reads, in order of first appearance."""
    seen: dict[str, None] = {}
    for node in walk(condition):
        if isinstance(node, Cmp | In | Known | Unknown):
            seen.setdefault(node.question, None)
    return tuple(seen)


def _format_value(value: Value) -> str:
    return str(value)


def format_condition(condition: Condition, _parent: int = 0) -> str:
    """Print the condition in the compact notation of criteria.md §2."""
    # precedence: or 1, and 2, not 3
    if isinstance(condition, Always):
        return "always"
    if isinstance(condition, Cmp):
        return f"{condition.question} {_OP_TEXT[condition.op]} {_format_value(condition.value)}"
    if isinstance(condition, In):
        return f"{condition.question} in {{{', '.join(_format_value(v) for v in condition.values)}}}"
    if isinstance(condition, Known):
        return f"known({condition.question})"
    if isinstance(condition, Unknown):
        return f"unknown({condition.question})"
    if isinstance(condition, Not):
        return f"not {format_condition(condition.item, 3)}"
    level = 1 if isinstance(condition, Or) else 2
    joiner = " or " if level == 1 else " and "
    text = joiner.join(format_condition(item, level) for item in condition.items)
    return f"({text})" if _parent > level else text


def evaluate(condition: Condition, state: State) -> Tri:
    """Evaluate the condition three-valued against effective answers (reference implementation)."""
    return compile_condition(condition)(state)


def compile_condition(condition: Condition) -> Test:
    """Compile the condition to a closure ``state -> True | False | None``."""
    if isinstance(condition, Always):
        return _always
    if isinstance(condition, Cmp):
        return _compile_cmp(condition)
    if isinstance(condition, In):
        q, values = condition.question, frozenset(condition.values)

        def test_in(state: State) -> Tri:
            v = state[q]
            if v is UNKNOWN:
                return None
            if v is HIDDEN:
                return False
            return v in values

        return test_in
    if isinstance(condition, Known):
        q = condition.question
        return lambda state: state[q] is not UNKNOWN and state[q] is not HIDDEN
    if isinstance(condition, Unknown):
        q = condition.question
        return lambda state: state[q] is UNKNOWN
    if isinstance(condition, Not):
        inner = compile_condition(condition.item)

        def test_not(state: State) -> Tri:
            r = inner(state)
            return None if r is None else not r

        return test_not
    tests = tuple(compile_condition(item) for item in condition.items)
    if isinstance(condition, And):

        def test_and(state: State) -> Tri:
            result: Tri = True
            for t in tests:
                r = t(state)
                if r is False:
                    return False
                if r is None:
                    result = None
            return result

        return test_and

    def test_or(state: State) -> Tri:
        result: Tri = False
        for t in tests:
            r = t(state)
            if r is True:
                return True
            if r is None:
                result = None
        return result

    return test_or


def _always(state: State) -> Tri:
    return True


def _compile_cmp(condition: Cmp) -> Test:
    q, x = condition.question, condition.value
    if condition.op == "eq":

        def test_eq(state: State) -> Tri:
            v = state[q]
            if v is UNKNOWN:
                return None
            if v is HIDDEN:
                return False
            return v == x

        return test_eq
    if condition.op == "ne":

        def test_ne(state: State) -> Tri:
            v = state[q]
            if v is UNKNOWN:
                return None
            if v is HIDDEN:
                return True
            return v != x

        return test_ne
    ge = condition.op == "ge"
    n = x if isinstance(x, int) else 0  # the loader admits integers only here

    def test_order(state: State) -> Tri:
        v = state[q]
        if v is UNKNOWN:
            return None
        if not isinstance(v, int):
            return False
        return v >= n if ge else v <= n

    return test_order
