"""Load a rule-set file: YAML -> validated, compiled ``RuleSet`` (+ sha256 of the file bytes).

Every problem is reported at once, one line each, as ``file: path.to.field: message``, in a
``RuleSetError``. Mistakes fail here, when the file loads, never while scoring.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Final

import yaml
from pydantic import ValidationError

from rules.conditions import (
    HIDDEN,
    UNKNOWN,
    Cmp,
    Condition,
    ConditionSyntaxError,
    In,
    Known,
    StateValue,
    Test,
    Unknown,
    Value,
    compile_condition,
    condition_from_spec,
    format_condition,
    question_refs,
    walk,
)
from rules.model import (
    NOT_APPLICABLE,
    TEXT_PLACEHOLDER,
    UNKNOWN_OPTION,
    Area,
    Group,
    Mitigation,
    Option,
    Question,
    Reference,
    Rule,
    RuleSet,
    Text,
)
from rules.schema import STANDARD_OPTIONS, QuestionSpec, RuleSetSpec

AREA_PREFIX: Final[dict[str, str]] = {"G": "context", "L": "legal", "S": "infosec", "P": "patient_safety"}
COMBINATION_LIMIT: Final = 200_000
_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_BaseLoader):  # type: ignore[misc]
    """The safe loader, refusing a key that appears twice in one mapping (YAML would keep the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        """Build a mapping, refusing duplicate keys."""
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} in one mapping", key_node.start_mark
                )
            seen.add(key)
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


class RuleSetError(ValueError):
    """A rule set that cannot be used; ``problems`` holds every problem, one line each."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


LoadError = RuleSetError


def sha256_of(data: bytes) -> str:
    """Return the hex sha256 of the bytes."""
    return hashlib.sha256(data).hexdigest()


def load_ruleset(path: str | Path, label: str | None = None) -> RuleSet:
    """Read, validate and compile the rule-set file at ``path``."""
    path = Path(path)
    label = label or str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RuleSetError([f"{label}: cannot read the file: {exc.strerror or exc}"]) from None
    return load_ruleset_bytes(data, label, source=str(path))


def load_ruleset_bytes(data: bytes, label: str, source: str | None = None) -> RuleSet:
    """Validate and compile a rule set from the bytes of its file; ``label`` prefixes every error."""
    try:
        raw = yaml.load(data, Loader=_StrictLoader)  # noqa: S506 - a safe loader (C or pure Python)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise RuleSetError([f"{label}: {where}not valid YAML: {problem}"]) from None
    if not isinstance(raw, dict):
        raise RuleSetError([f"{label}: the file must be a YAML mapping with format, id, version, ..."])
    _expand_standard_options(raw)
    try:
        spec = RuleSetSpec.model_validate(raw)
    except ValidationError as exc:
        raise RuleSetError([f"{label}: {msg}" for msg in _pydantic_messages(exc)]) from None
    builder = _Builder(spec, sha256_of(data), source or label)
    ruleset = builder.build()
    if builder.problems:
        raise RuleSetError([f"{label}: {path}: {message}" for path, message in builder.problems])
    assert ruleset is not None
    return ruleset


# ---------------------------------------------------------------------------------------------------------


def _expand_standard_options(raw: dict[str, Any]) -> None:
    questions = raw.get("questions")
    if not isinstance(questions, list):
        return
    for question in questions:
        if not isinstance(question, dict):
            continue
        options = question.get("options")
        if isinstance(options, str) and options in STANDARD_OPTIONS:
            question["options"] = [dict(o) for o in STANDARD_OPTIONS[options]]
        elif options is None and question.get("type") in STANDARD_OPTIONS and "options" not in question:
            question["options"] = [dict(o) for o in STANDARD_OPTIONS[question["type"]]]


def _loc(loc: Iterable[int | str]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _pydantic_messages(exc: ValidationError) -> list[str]:
    messages = []
    for error in exc.errors(include_url=False):
        msg = error["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        msg = msg[0].lower() + msg[1:]
        if error["type"] == "extra_forbidden":
            msg = "unknown key"
        value = error.get("input")
        if isinstance(value, bool) and error["type"] in ("string_type", "int_type", "literal_error"):
            msg += " (YAML reads unquoted yes/no/on/off as booleans: quote it)"
        messages.append(f"{_loc(error['loc'])}: {msg}")
    return messages


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _Builder:
    """Cross-reference checks and compilation; collects (path, message) problems."""

    def __init__(self, spec: RuleSetSpec, sha256: str, source: str) -> None:
        self.spec = spec
        self.sha256 = sha256
        self.source = source
        self.problems: list[tuple[str, str]] = []
        self.qspecs: dict[str, tuple[int, QuestionSpec]] = {}

    def problem(self, path: str, message: str) -> None:
        self.problems.append((path, message))

    # -- the whole file --------------------------------------------------------------------------------

    def build(self) -> RuleSet | None:
        spec = self.spec
        groups_by_area = self._check_areas()
        mitigation_ids = self._check_mitigations()
        for i, q in enumerate(spec.questions):
            path = f"questions[{i}]"
            if q.id in self.qspecs:
                self.problem(f"{path}.id", f"duplicate question id {q.id} (also questions[{self.qspecs[q.id][0]}])")
                continue
            self.qspecs[q.id] = (i, q)
            if AREA_PREFIX.get(q.id[0]) != q.area:
                self.problem(f"{path}.area", f"{q.id} must be in area {AREA_PREFIX.get(q.id[0])}, not {q.area}")
            if q.group not in groups_by_area.get(q.area, set()):
                self.problem(f"{path}.group", f"unknown group {q.group!r} for area {q.area}")
        option_ids = {qid: self._check_options(i, q) for qid, (i, q) in self.qspecs.items()}
        self.option_ids = option_ids
        compiled: dict[str, tuple[Condition, list[Condition | None]]] = {}
        for qid, (i, q) in self.qspecs.items():
            ask_if = self._condition(q.ask_if, f"questions[{i}].ask_if")
            if ask_if is not None and qid in question_refs(ask_if):
                self.problem(f"questions[{i}].ask_if", f"ask_if of {qid} refers to its own question")
                ask_if = None
            whens = [self._condition(r.when, f"questions[{i}].rules[{j}].when") for j, r in enumerate(q.rules)]
            self._check_rule_fields(i, q, mitigation_ids)
            self._check_min_evidence(i, q, option_ids[qid])
            compiled[qid] = (ask_if if ask_if is not None else _ALWAYS_PLACEHOLDER, whens)
        order = self._topological_order({qid: c[0] for qid, c in compiled.items()})
        if self.problems:
            return None
        questions = [self._question(qid, idx, compiled[qid]) for idx, qid in enumerate(self.qspecs)]
        by_id = {q.id: q for q in questions}
        for question in questions:
            self._check_completeness(self.qspecs[question.id][0], question, by_id)
        if self.problems:
            return None
        areas = []
        for a in spec.areas:
            groups = tuple(
                Group(
                    g.id,
                    a.id,
                    Text(g.title.sv, g.title.en),
                    tuple(q.id for q in questions if q.area == a.id and q.group == g.id),
                )
                for g in a.groups
            )
            areas.append(
                Area(
                    a.id,
                    Text(a.title.sv, a.title.en),
                    groups,
                    tuple(q.id for q in questions if q.area == a.id),
                )
            )
        mitigations = tuple(Mitigation(m.id, Text(m.sv, m.en), m.evidence) for m in spec.mitigations)
        return RuleSet(
            id=spec.id,
            version=spec.version,
            title=Text(spec.title.sv, spec.title.en),
            description=Text(spec.description.sv, spec.description.en) if spec.description else None,
            sha256=self.sha256,
            source=self.source,
            areas=tuple(areas),
            questions=tuple(questions),
            mitigations=mitigations,
            order=tuple(by_id[qid] for qid in order),
            by_id=by_id,
            mitigations_by_id={m.id: m for m in mitigations},
        )

    def _check_areas(self) -> dict[str, set[str]]:
        groups_by_area: dict[str, set[str]] = {}
        for i, area in enumerate(self.spec.areas):
            if area.id in groups_by_area:
                self.problem(f"areas[{i}].id", f"duplicate area {area.id}")
                continue
            ids: set[str] = set()
            for j, group in enumerate(area.groups):
                if group.id in ids:
                    self.problem(f"areas[{i}].groups[{j}].id", f"duplicate group id {group.id!r} in {area.id}")
                ids.add(group.id)
            groups_by_area[area.id] = ids
        return groups_by_area

    def _check_mitigations(self) -> set[str]:
        seen: dict[str, int] = {}
        for i, m in enumerate(self.spec.mitigations):
            if m.id in seen:
                self.problem(f"mitigations[{i}].id", f"duplicate mitigation id {m.id} (also mitigations[{seen[m.id]}])")
            seen.setdefault(m.id, i)
        return set(seen)

    # -- one question ----------------------------------------------------------------------------------

    def _check_options(self, i: int, q: QuestionSpec) -> list[Value]:
        path = f"questions[{i}].options"
        if q.type == "text":
            if q.options:
                self.problem(path, "a text question has no options")
            return []
        if not q.options:
            self.problem(path, f"a {q.type} question needs options")
            return []
        ids: list[Value] = []
        for j, option in enumerate(q.options):
            if option.id in ids:
                self.problem(f"{path}[{j}].id", f"duplicate option id {option.id!r} for {q.id}")
            ids.append(option.id)
        idset = set(ids)
        if q.type == "ynu" and idset != {"yes", "no", UNKNOWN_OPTION, NOT_APPLICABLE}:
            self.problem(path, "a ynu question has exactly the options yes, no, unknown, not_applicable")
        elif q.type == "level" and idset != {0, 1, 2, 3, 4, UNKNOWN_OPTION}:
            self.problem(path, "a level question has exactly the options 0, 1, 2, 3, 4 and unknown")
        elif q.type == "maturity":
            bad = [v for v in ids if v != UNKNOWN_OPTION and not (_is_int(v) and 1 <= int(v) <= 4)]
            if bad or UNKNOWN_OPTION not in idset:
                self.problem(path, "a maturity question has integer options within 1-4 and unknown")
        elif q.type == "choice":
            if any(_is_int(v) for v in ids):
                self.problem(path, "the options of a choice question are snake_case ids, not integers")
            if UNKNOWN_OPTION not in idset:
                self.problem(path, "a choice question must offer the option unknown")
        return ids

    def _check_rule_fields(self, i: int, q: QuestionSpec, mitigation_ids: set[str]) -> None:
        for j, rule in enumerate(q.rules):
            path = f"questions[{i}].rules[{j}]"
            if rule.mitigations and rule.outcome != "C":
                self.problem(f"{path}.mitigations", f"mitigations are allowed only on C rules, not on {rule.outcome}")
            for k, mid in enumerate(rule.mitigations):
                if mid not in mitigation_ids:
                    self.problem(f"{path}.mitigations[{k}]", f"unknown mitigation {mid!r}")
            if rule.fix is not None and rule.outcome != "KO":
                self.problem(f"{path}.fix", f"fix is allowed only on KO rules, not on {rule.outcome}")
            if rule.fix is None and rule.outcome == "KO":
                self.problem(f"{path}.fix", "a KO rule needs a fix list (possibly empty: fix: [])")
            for k, mid in enumerate(rule.fix or ()):
                if mid not in mitigation_ids:
                    self.problem(f"{path}.fix[{k}]", f"unknown mitigation {mid!r}")

    def _check_min_evidence(self, i: int, q: QuestionSpec, options: list[Value]) -> None:
        if not q.min_evidence:
            return
        path = f"questions[{i}].min_evidence"
        keys = list(q.min_evidence)
        if "any" in keys and len(keys) > 1:
            self.problem(path, "use either 'any' or levels per option, not both")
        for key in keys:
            if key == "any":
                continue
            if isinstance(key, bool):
                self.problem(f"{path}.{key}", "a YAML boolean is not an option id: quote it ('yes', 'no')")
            elif key in (UNKNOWN_OPTION, NOT_APPLICABLE) or key not in options:
                self.problem(f"{path}.{key}", f"min_evidence names {key!r}, which is not a known answer of {q.id}")

    def _condition(self, raw: object, path: str) -> Condition | None:
        try:
            condition = condition_from_spec(raw)
        except ConditionSyntaxError as exc:
            self.problem(f"{path}.{exc.path}" if exc.path else path, exc.message)
            return None
        ok = True
        for node in walk(condition):
            if isinstance(node, Cmp | In | Known | Unknown):
                ok = self._check_reference(node, path) and ok
        return condition if ok else None

    def _check_reference(self, node: Cmp | In | Known | Unknown, path: str) -> bool:
        entry = self.qspecs.get(node.question)
        if entry is None:
            self.problem(path, f"unknown question id {node.question}")
            return False
        target = entry[1]
        if isinstance(node, Known | Unknown):
            return True
        op = {"eq": "=", "ne": "!=", "ge": ">=", "le": "<="}[node.op] if isinstance(node, Cmp) else "in"
        if target.type == "text":
            self.problem(path, f"{node.question} is a text question: use known({node.question}) or unknown(...)")
            return False
        values = node.values if isinstance(node, In) else (node.value,)
        options = self.option_ids.get(node.question, [])
        ok = True
        numeric = target.type in ("level", "maturity")
        if isinstance(node, Cmp) and node.op in ("ge", "le") and not numeric:
            self.problem(path, f"'{op}' applies only to level and maturity questions; {node.question} is {target.type}")
            return False
        ints = sorted(int(v) for v in options if _is_int(v))
        for value in values:
            if value == UNKNOWN_OPTION:
                self.problem(path, f"'unknown' is not a value: write unknown({node.question})")
                ok = False
            elif numeric and not _is_int(value):
                self.problem(
                    path,
                    f"type mismatch: {node.question} is {target.type}: integers only, not {value!r}",
                )
                ok = False
            elif not numeric and _is_int(value):
                self.problem(
                    path,
                    f"type mismatch: {node.question} is a {target.type} question; {value} is no option id",
                )
                ok = False
            elif isinstance(node, Cmp) and node.op in ("ge", "le"):
                if ints and not ints[0] <= int(value) <= ints[-1]:
                    self.problem(path, f"{value} is out of range {ints[0]}-{ints[-1]} for {node.question}")
                    ok = False
            elif value not in options:
                self.problem(path, f"unknown option {value!r} for {node.question}")
                ok = False
        return ok

    def _topological_order(self, ask_ifs: dict[str, Condition]) -> list[str]:
        index = {qid: n for n, qid in enumerate(self.qspecs)}
        deps = {qid: [r for r in question_refs(c) if r in index and r != qid] for qid, c in ask_ifs.items()}
        dependants: dict[str, list[str]] = {qid: [] for qid in deps}
        waiting = {qid: len(d) for qid, d in deps.items()}
        for qid, d in deps.items():
            for r in d:
                dependants[r].append(qid)
        ready = [(index[q], q) for q, n in waiting.items() if n == 0]
        heapq.heapify(ready)
        order: list[str] = []
        while ready:
            _, qid = heapq.heappop(ready)
            order.append(qid)
            for other in dependants[qid]:
                waiting[other] -= 1
                if waiting[other] == 0:
                    heapq.heappush(ready, (index[other], other))
        if len(order) < len(deps):
            stuck = {q for q in deps if q not in set(order)}
            cycle = self._find_cycle(deps, stuck)
            first = min(cycle, key=lambda q: index[q])
            self.problem(
                f"questions[{self.qspecs[first][0]}].ask_if",
                f"ask_if cycle: {' -> '.join(cycle + [cycle[0]])}",
            )
        return order

    @staticmethod
    def _find_cycle(deps: dict[str, list[str]], stuck: set[str]) -> list[str]:
        start = sorted(stuck)[0]
        path: list[str] = []
        seen: dict[str, int] = {}
        node = start
        while node not in seen:
            seen[node] = len(path)
            path.append(node)
            node = next(d for d in deps[node] if d in stuck)
        return path[seen[node] :]

    def _question(self, qid: str, index: int, compiled: tuple[Condition, list[Condition | None]]) -> Question:
        i, q = self.qspecs[qid]
        ask_if, whens = compiled
        options = tuple(Option(o.id, Text(o.sv, o.en)) for o in q.options or ())
        refs = tuple(Reference(r.text, r.verify) for r in q.refs)
        joined = "; ".join(r.display() for r in refs)
        refs_text = Text(f" Referenser: {joined}.", f" References: {joined}.") if refs else Text("", "")
        rules = []
        names_na = False
        for j, (rule, condition) in enumerate(zip(q.rules, whens, strict=True)):
            assert condition is not None
            for node in walk(condition):
                if isinstance(node, Cmp) and node.question == qid and node.value == NOT_APPLICABLE:
                    names_na = True
                if isinstance(node, In) and node.question == qid and NOT_APPLICABLE in node.values:
                    names_na = True
            when = format_condition(condition)
            mits = f"[{', '.join(rule.mitigations)}]" if rule.mitigations else ""
            head = f"{j + 1} ({when} → {rule.outcome}{mits})"
            rules.append(
                Rule(
                    number=j + 1,
                    condition=condition,
                    when=when,
                    outcome=rule.outcome,
                    mitigations=tuple(rule.mitigations),
                    fix=tuple(rule.fix or ()),
                    reason=Text(rule.reason.sv, rule.reason.en),
                    reads=question_refs(condition),
                    test=compile_condition(condition),
                    explained=Text(
                        f"regel {head}: {rule.reason.sv}{refs_text.sv}", f"rule {head}: {rule.reason.en}{refs_text.en}"
                    ),
                )
            )
        if q.type == "text":
            candidates: tuple[Value, ...] = (TEXT_PLACEHOLDER,)
        else:
            candidates = tuple(o.id for o in options if o.id != UNKNOWN_OPTION and (o.id != NOT_APPLICABLE or names_na))
        min_evidence = dict(q.min_evidence or {})
        min_any = min_evidence.pop("any", None)
        always = ask_if is _ALWAYS_PLACEHOLDER or format_condition(ask_if) == "always"
        return Question(
            id=qid,
            area=q.area,
            group=q.group,
            title=Text(q.title.sv, q.title.en),
            text=Text(q.text.sv, q.text.en),
            help=Text(q.help.sv, q.help.en) if q.help else None,
            type=q.type,
            options=options,
            ask_if=ask_if,
            ask_if_text=format_condition(ask_if),
            rules=tuple(rules),
            on_unknown=q.on_unknown,
            answered_by=q.answered_by,
            volatile=q.volatile,
            recheck_days=q.recheck_days,
            min_evidence=min_evidence,
            min_evidence_any=min_any,
            refs=refs,
            index=index,
            refs_text=refs_text,
            visible=None if always else compile_condition(ask_if),
            option_ids=frozenset(o.id for o in options),
            candidates=candidates,
            names_not_applicable=names_na,
        )

    # -- completeness, dead rules, unknown never favourable (criteria.md §10) ----------------------------

    def _check_completeness(self, i: int, q: Question, by_id: dict[str, Question]) -> None:
        others: list[str] = []
        for rule in q.rules:
            for r in rule.reads:
                if r != q.id and r not in others:
                    others.append(r)
        # a question that is always shown is never "not shown"
        domains: list[tuple[StateValue, ...]] = [
            (*by_id[o].candidates, UNKNOWN) if by_id[o].is_always_shown else (*by_id[o].candidates, HIDDEN, UNKNOWN)
            for o in others
        ]
        own: tuple[StateValue, ...] = (*q.candidates, UNKNOWN)
        total = len(own) * math.prod(len(d) for d in domains)
        if total > COMBINATION_LIMIT:
            self.problem(
                f"questions[{i}].rules",
                f"the rules of {q.id} read too many answers to check ({total} combinations; at most "
                f"{COMBINATION_LIMIT})",
            )
            return
        keys = (q.id, *others)
        tests: list[Test] = [r.test for r in q.rules]
        outcomes = [r.outcome for r in q.rules]
        fired = [False] * len(tests)
        incomplete: str | None = None
        favourable: dict[int, str] = {}
        for combo in itertools.product(own, *domains):
            state = dict(zip(keys, combo, strict=True))
            matched = -1
            for n, test in enumerate(tests):
                result = test(state)
                if result is True:
                    matched = n
                    break
                if result is None and outcomes[n] != "OK":
                    break
            if matched >= 0:
                fired[matched] = True
                if combo[0] is UNKNOWN and outcomes[matched] in ("OK", "NA") and matched not in favourable:
                    favourable[matched] = _describe(keys, combo)
            elif incomplete is None and not any(v is UNKNOWN for v in combo):
                incomplete = _describe(keys, combo)
        if incomplete is not None:
            self.problem(f"questions[{i}].rules", f"incomplete rules: no rule matches {incomplete}")
        for n, rule in enumerate(q.rules):
            if not fired[n]:
                self.problem(
                    f"questions[{i}].rules[{n}].when",
                    f"dead rule: '{rule.when}' is never the first match for any combination of answers",
                )
        for n, example in favourable.items():
            self.problem(
                f"questions[{i}].rules[{n}].when",
                f"rule gives {outcomes[n]} to an unknown answer of {q.id} ({example}): never favourable",
            )


_ALWAYS_PLACEHOLDER: Final = condition_from_spec("always")


def _describe(keys: Sequence[str], combo: Sequence[StateValue]) -> str:
    parts = []
    for key, value in zip(keys, combo, strict=True):
        if value is HIDDEN:
            parts.append(f"{key} not shown")
        elif value is UNKNOWN:
            parts.append(f"{key} unknown")
        elif value == TEXT_PLACEHOLDER:
            parts.append(f"{key} = (text)")
        else:
            parts.append(f"{key} = {value}")
    return ", ".join(parts)
