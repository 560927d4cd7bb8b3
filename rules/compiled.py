"""Each question's rules compiled once per rule set: the fast path of ``rules.evaluate`` (issue 14).

The reference algorithm (``rules.engine._evaluate_reference``) walks every rule of every question through the
condition closures and builds every result object. Here visibility, outcome and worst outcome of a question are
looked up in tables keyed by the effective answers its conditions read, each entry computed once per rule set
by the reference functions themselves; result objects and reasons are built only when read. An input the tables
do not cover (a value outside the options, an unexpected type, an unknown id) takes the reference path, so the
results are the same by construction.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from operator import itemgetter
from typing import Final, cast

from rules.answers import Answer, Override, check_value
from rules.conditions import HIDDEN, UNKNOWN, Cmp, In, StateValue, question_refs, walk
from rules.engine import _area_result, _effective, _RuleReason, _UnknownReason, _walk, _worst
from rules.model import EVIDENCE_RANK, TEXT_PLACEHOLDER, UNKNOWN_OPTION, Question, Rule, RuleSet
from rules.results import SEVERITY, AreaResult, ConditionItem, Evaluation, LazyMapping, QuestionResult

State = dict[str, StateValue]
KeyOf = Callable[[State], Hashable]

_UNANSWERED: Final = "unanswered"
_BUCKETS: Final = ("KO", "UB", "UN", "C", "OK", "NA")
_BUCKET: Final = {outcome: i for i, outcome in enumerate(_BUCKETS)}
_KO, _UB, _UN, _C = 0, 1, 2, 3
_C_SEVERITY: Final = SEVERITY["C"]
_KO_SEVERITY: Final = SEVERITY["KO"]
#: The verdict from the most severe outcome of any area (scoring.md §4, §5): an area's result follows from
#: its most severe outcome, the verdict from the most severe area result.
_VERDICT_BY_SEVERITY: Final = (
    "suitable",  # NA
    "suitable",  # OK
    "suitable_with_conditions",  # C
    "suitable_with_conditions",  # UN
    "cannot_assess",  # UB
    "not_suitable",  # KO
)
_CACHE_KEY: Final = "engine"


#: bucket (index of _BUCKETS), severity, severity of the worst outcome (or of the outcome when the question is
#: not open), decisive, the condition item (outcome C)
Hot = tuple[int, int, int, bool, ConditionItem | None]


class _Entry:
    """What a question's rules give for one combination of the effective answers they read."""

    __slots__ = ("hot", "outcome", "rule", "stopped_on", "unknown_reads", "open", "worst", "worst_overridden", "ko")

    def __init__(self, q: Question, state: State) -> None:
        outcome, rule, stopped_on, unknown_reads = _walk(q, state)
        self.outcome = outcome
        self.rule = rule
        self.stopped_on = stopped_on
        self.unknown_reads = tuple(unknown_reads)
        self.open = state[q.id] is UNKNOWN or outcome in ("UB", "UN")
        self.worst = _worst(q, state, False) if self.open else None
        self.worst_overridden = _worst(q, state, True) if self.open else None
        matched = rule is not None and stopped_on is None
        #: a knock-out of a matched rule, which a complete override lifts to C (scoring.md §6)
        self.ko = matched and outcome == "KO"
        mitigations = rule.mitigations if rule is not None and matched else ()
        severity = SEVERITY[outcome]
        #: None for a plain OK or NA that is not open: it changes no list, no area result and no worst case
        self.hot: Hot | None = (
            None
            if outcome in ("OK", "NA") and not self.open
            else (
                _BUCKET[outcome],
                severity,
                SEVERITY[self.worst] if self.worst is not None else severity,
                self.worst == "KO",
                ConditionItem(q.id, mitigations) if outcome == "C" else None,
            )
        )


#: The entry of every key in which the question itself is hidden: it has no outcome.
_HIDDEN: Final = object.__new__(_Entry)
_HIDDEN.hot = None


class _CompiledQuestion:
    """One question: the key of its outcome table, the table, its area and its lifted knock-out."""

    __slots__ = ("q", "key", "table", "area", "lifted", "text_special", "text_why")

    def __init__(self, q: Question, key: KeyOf, area: int) -> None:
        self.q = q
        self.key = key
        self.table: dict[Hashable, _Entry] = {}
        self.area = area
        self.lifted = ConditionItem(q.id, ("override",))
        # A text question: the values _effective treats specially; for any other text, why it is unknown (or
        # None) per evidence level.
        self.text_special: frozenset[object] = frozenset({None, "", UNKNOWN_OPTION, TEXT_PLACEHOLDER, *q.min_evidence})
        self.text_why: dict[str, str | None] = {}
        if q.type == "text":
            for evidence in EVIDENCE_RANK:
                why: dict[str, str] = {}
                _effective(q, Answer(TEXT_PLACEHOLDER, evidence), why)
                self.text_why[evidence] = why.get(q.id)

    def own_entry(self, value: StateValue) -> _Entry:
        """Return the entry of a question whose rules read only its own effective answer ``value``."""
        entry = self.table.get(value)
        if entry is None:
            entry = self.table[value] = _Entry(self.q, {self.q.id: value})
        return entry

    def entry(self, state: State) -> _Entry:
        """Return the entry for the effective answers in ``state`` of the shown question, computing it once."""
        key = self.key(state)
        entry = self.table.get(key)
        if entry is None:
            # on a copy: the candidate walk sets answers in turn, and a stored evaluation may be read by threads
            entry = self.table[key] = _Entry(self.q, dict(state))
        assert entry is not _HIDDEN
        return entry


# (state, why unknown, the exact type of the answer value, the entry when the question's rules read only it)
# per evidence level and answer value
EffectiveTable = dict[str, dict[object, tuple[StateValue, str | None, type, "_Entry | None"]]]
Phase1 = tuple[str, KeyOf | None, dict[Hashable, bool], EffectiveTable | None, "_Entry | None", int, _CompiledQuestion]
Phase2 = tuple[str, KeyOf, dict[Hashable, _Entry], int, _CompiledQuestion]


class CompiledRuleSet:
    """The tables of one rule set, filled as evaluations need them."""

    __slots__ = (
        "ruleset",
        "supported",
        "phase1",
        "phase2",
        "by_id",
        "question_ids",
        "area_ids",
        "area_index",
        "n_areas",
        "index",
        "position",
        "texts",
    )

    def __init__(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset
        self.question_ids = tuple(q.id for q in ruleset.questions)
        self.index = {q.id: q.index for q in ruleset.questions}
        self.position = {q.id: i for i, q in enumerate(ruleset.questions)}
        self.area_ids = tuple(a.id for a in ruleset.areas)
        self.area_index = {a.id: i for i, a in enumerate(ruleset.areas)}
        self.n_areas = len(ruleset.areas)
        area_of: dict[str, list[int]] = {}
        for i, a in enumerate(ruleset.areas):
            for qid in a.questions:
                area_of.setdefault(qid, []).append(i)
        # A question in more than one area, or ids that do not match, are left to the reference path.
        self.supported = (
            all(len(v) == 1 for v in area_of.values())
            and len(self.index) == len(ruleset.questions)
            and len(self.area_index) == len(ruleset.areas)
        )
        literals = _text_literals(ruleset)
        self.texts = tuple((qid, _normal(qid), named) for qid, named in literals.items())
        self.by_id: dict[str, _CompiledQuestion] = {}
        own_only: set[str] = set()
        for q in ruleset.questions:
            reads = _rule_reads(q)
            area = area_of.get(q.id, [self.n_areas])[0]
            self.by_id[q.id] = _CompiledQuestion(q, _table_key_of(reads, literals), area)
            if reads == (q.id,) and q.type != "text":
                own_only.add(q.id)
        phase1: list[Phase1] = []
        for q in ruleset.order:
            qc = self.by_id[q.id]
            eff = _effective_table(qc) if q.type != "text" else None
            phase1.append(
                (
                    q.id,
                    _key_of(question_refs(q.ask_if), literals) if q.visible is not None else None,
                    {},
                    eff,
                    qc.own_entry(UNKNOWN) if q.id in own_only else None,
                    qc.area,
                    qc,
                )
            )
            if eff is not None and q.id in own_only:  # the outcome follows from the answer alone
                for row in eff.values():
                    for value, (state, why, kind, _) in row.items():
                        row[value] = (state, why, kind, qc.own_entry(state))
        self.phase1: tuple[Phase1, ...] = tuple(phase1)
        #: the questions whose outcome needs answers that may come later in ask_if order, in catalogue order
        self.phase2: tuple[Phase2, ...] = tuple(
            (qc.q.id, qc.key, qc.table, qc.area, qc)
            for qc in (self.by_id[q.id] for q in ruleset.questions)
            if qc.q.id not in own_only
        )


def compiled_ruleset(ruleset: RuleSet) -> CompiledRuleSet:
    """Return the rule set's compiled tables, compiling them on first use."""
    compiled = ruleset.compiled.get(_CACHE_KEY)
    if compiled is None:
        compiled = ruleset.compiled.setdefault(_CACHE_KEY, CompiledRuleSet(ruleset))
    return cast(CompiledRuleSet, compiled)


def _rule_reads(q: Question) -> tuple[str, ...]:
    """Return the question itself and every question its rules read, in order of first appearance."""
    seen: dict[str, None] = {q.id: None}
    for rule in q.rules:
        for qid in (*rule.reads, *question_refs(rule.condition)):
            seen.setdefault(qid, None)
    return tuple(seen)


def _text_literals(ruleset: RuleSet) -> dict[str, frozenset[object]]:
    """Return, per text question, the values any condition compares it with."""
    texts = {q.id for q in ruleset.questions if q.type == "text"}
    found: dict[str, set[object]] = {qid: set() for qid in texts}
    conditions = [q.ask_if for q in ruleset.questions] + [r.condition for q in ruleset.questions for r in q.rules]
    for condition in conditions:
        for node in walk(condition):
            if isinstance(node, Cmp) and node.question in texts:
                found[node.question].add(node.value)
            elif isinstance(node, In) and node.question in texts:
                found[node.question].update(node.values)
    return {qid: frozenset(values) for qid, values in found.items()}


def _key_of(reads: tuple[str, ...], literals: Mapping[str, frozenset[object]]) -> KeyOf:
    """Return the function that gives a table key from the effective answers ``reads`` names.

    Any text a condition does not name behaves like any other, so it counts as one placeholder: the tables
    stay as small as the options.
    """
    texts = tuple((qid, literals[qid]) for qid in reads if qid in literals)
    if not texts:
        return cast(KeyOf, itemgetter(*reads)) if reads else _empty_key
    parts = tuple((qid, literals.get(qid)) for qid in reads)

    def key(state: State) -> Hashable:
        out: list[Hashable] = []
        for qid, named in parts:
            value = state[qid]
            if named is not None and value.__class__ is str and value not in named:
                value = TEXT_PLACEHOLDER
            out.append(value)
        return tuple(out)

    return key


def _empty_key(state: State) -> Hashable:
    return ()


def _normal(qid: str) -> str:
    """Return the state key of a text question's answer as the tables see it (no question id looks like it)."""
    return "\x00" + qid


def _table_key_of(reads: tuple[str, ...], literals: Mapping[str, frozenset[object]]) -> KeyOf:
    """Return the key of an outcome table: like ``_key_of``, from the normalised text answers step 1 stores."""
    return cast(KeyOf, itemgetter(*(_normal(qid) if qid in literals else qid for qid in reads)))


def _effective_table(qc: _CompiledQuestion) -> EffectiveTable:
    """Return every effective answer of a non-text question, by evidence level and valid answer value."""
    q = qc.q
    values: list[object] = [None, UNKNOWN_OPTION, *(o.id for o in q.options)]
    table: EffectiveTable = {}
    for evidence in EVIDENCE_RANK:
        row = table[evidence] = {}
        for value in values:
            if check_value(q, value) is not None:
                continue
            assert value is None or isinstance(value, str | int)
            why: dict[str, str] = {}
            state = _effective(q, Answer(value, evidence), why)
            row[value] = (state, why.get(q.id), type(value), None)
    return table


def _lift(entry: _Entry, hot: Hot, override: Override, qc: _CompiledQuestion) -> tuple[Hot, bool]:
    """Return the hot fields of an entry under a (possibly incomplete) override, and whether it lifts a KO."""
    if not override.is_complete():
        return hot, False
    bucket, severity, worst, is_decisive, condition = hot
    lifted = entry.ko
    if lifted:
        bucket, severity, condition = _C, _C_SEVERITY, qc.lifted
        if not entry.open:
            worst = severity
    if entry.open:
        assert entry.worst_overridden is not None
        worst = SEVERITY[entry.worst_overridden]
        is_decisive = worst == _KO_SEVERITY
    return (bucket, severity, worst, is_decisive, condition), lifted


def evaluate_compiled(
    ruleset: RuleSet,
    answers: Mapping[str, Answer],
    overrides: Mapping[str, Override] | None,
    validate: bool,
) -> Evaluation | None:
    """Evaluate through the compiled tables; return None where only the reference path can answer."""
    c = compiled_ruleset(ruleset)
    if not c.supported:
        return None
    answers = dict(answers)
    ovs = dict(overrides) if overrides else {}
    for qid in ovs:
        if qid not in c.index:
            return None
    get = answers.get

    # 1. Visibility and effective answers, in ask_if dependency order (scoring.md §3.1, §3.2); the outcome of a
    # question whose rules read only its own answer comes with it, straight into the lists and area severities.
    state: State = {}
    why: dict[str, str] = {}
    ignored: list[str] = []
    found = 0
    lists: tuple[list[str], ...] = ([], [], [], [])  # KO, UB, UN, C
    area_severity = [0] * (c.n_areas + 1)
    area_worst = [0] * (c.n_areas + 1)
    decisive: list[str] = []
    conditions: list[ConditionItem] = []
    overridden: list[str] = []
    entry: _Entry | None
    try:
        for qid, vkey, vtable, eff, entry, area, qc in c.phase1:
            answer = get(qid)
            if answer is None:
                if vkey is not None:
                    k = vkey(state)
                    hidden = vtable.get(k)
                    if hidden is not False:
                        if hidden is None:
                            hidden = vtable[k] = qc.q.visible(state) is False  # type: ignore[misc]
                        if hidden:
                            state[qid] = HIDDEN
                            continue
                state[qid] = UNKNOWN
                why[qid] = _UNANSWERED
            else:
                found += 1
                value = answer.value
                if eff is not None:
                    known = eff[answer.evidence].get(value)
                    if known is None or value.__class__ is not known[2]:
                        return None
                    effective, unknown_why, _, entry = known
                elif (value is not None and value.__class__ is not str) or answer.evidence not in EVIDENCE_RANK:
                    return None
                if vkey is not None:
                    k = vkey(state)
                    hidden = vtable.get(k)
                    if hidden is not False:
                        if hidden is None:
                            hidden = vtable[k] = qc.q.visible(state) is False  # type: ignore[misc]
                        if hidden:
                            state[qid] = HIDDEN
                            if value is not None and value != "":
                                ignored.append(qid)
                            continue
                if eff is None:  # a text question
                    if value in qc.text_special:
                        state[qid] = _effective(qc.q, answer, why)
                    else:
                        unknown_why = qc.text_why[answer.evidence]
                        if unknown_why is None:
                            state[qid] = value  # type: ignore[assignment]  # a str: None is special
                        else:
                            state[qid] = UNKNOWN
                            why[qid] = unknown_why
                    continue
                state[qid] = effective
                if unknown_why is not None:
                    why[qid] = unknown_why
            if entry is None:
                continue  # its rules read other answers: step 2
            hot = entry.hot
            if hot is None:
                continue
            if ovs and qid in ovs:
                hot, lifted = _lift(entry, hot, ovs[qid], qc)
                if lifted:
                    overridden.append(qid)
            bucket, severity, worst, is_decisive, condition = hot
            if bucket < 4:
                lists[bucket].append(qid)
            if severity > area_severity[area]:
                area_severity[area] = severity
            if worst > area_worst[area]:
                area_worst[area] = worst
            if is_decisive:
                decisive.append(qid)
            if condition is not None:
                conditions.append(condition)
    except (KeyError, TypeError):  # evidence outside E0-E4, an unhashable value: the reference path says why
        return None
    if validate and found != len(answers):
        return None  # answers to questions the rule set does not have: check_answers names them

    # 2. The outcomes of the other shown questions (scoring.md §3.3, §3.4).
    for qid, normal, named in c.texts:
        text = state[qid]
        state[normal] = TEXT_PLACEHOLDER if text.__class__ is str and text not in named else text
    for qid, key, table, area, qc in c.phase2:
        k = key(state)
        entry = table.get(k)
        if entry is None:
            entry = table[k] = _HIDDEN if state[qid] is HIDDEN else _Entry(qc.q, state)
        hot = entry.hot
        if hot is None:
            continue  # a plain OK or NA, or hidden
        if ovs and qid in ovs:
            hot, lifted = _lift(entry, hot, ovs[qid], qc)
            if lifted:
                overridden.append(qid)
        bucket, severity, worst, is_decisive, condition = hot
        if bucket < 4:
            lists[bucket].append(qid)
        if severity > area_severity[area]:
            area_severity[area] = severity
        if worst > area_worst[area]:
            area_worst[area] = worst
        if is_decisive:
            decisive.append(qid)
        if condition is not None:
            conditions.append(condition)

    # Every list in catalogue order (scoring.md §8).
    position = c.position.__getitem__
    for ids in (*lists, decisive, overridden):
        if len(ids) > 1:
            ids.sort(key=position)
    if len(conditions) > 1:
        conditions.sort(key=lambda item: position(item.question))

    # 3. Verdict and worst case (scoring.md §4, §5, §7); areas and question results are built when read.
    del area_severity[c.n_areas], area_worst[c.n_areas]
    run = _Run(c, state, why, answers, ovs)
    return Evaluation(
        ruleset_id=ruleset.id,
        ruleset_version=ruleset.version,
        ruleset_sha256=ruleset.sha256,
        verdict=_VERDICT_BY_SEVERITY[max(area_severity, default=0)],
        worst_case=_VERDICT_BY_SEVERITY[max(area_worst, default=0)],
        areas=LazyMapping(c.area_ids, c.area_index, run.area),
        questions=LazyMapping(c.question_ids, c.index, run.question),
        knockouts=tuple(lists[_KO]),
        blocking_unknowns=tuple(lists[_UB]),
        nonblocking_unknowns=tuple(lists[_UN]),
        decisive_unknowns=tuple(decisive),
        conditions=tuple(conditions),
        overrides=tuple(overridden),
        ignored_answers=tuple(sorted(ignored, key=c.index.__getitem__)) if ignored else (),
    )


class _Run:
    """One evaluation's effective answers, from which its question and area results are built when read."""

    __slots__ = ("c", "state", "why", "answers", "overrides")

    def __init__(
        self,
        c: CompiledRuleSet,
        state: State,
        why: dict[str, str],
        answers: dict[str, Answer],
        overrides: dict[str, Override],
    ) -> None:
        self.c = c
        self.state = state
        self.why = why
        self.answers = answers
        self.overrides = overrides

    def _lifted(self, qid: str) -> Override | None:
        override = self.overrides.get(qid)
        return override if override is not None and override.is_complete() else None

    def outcome(self, qid: str) -> str:
        """Return the outcome of a shown question, a lifted knock-out counting as C."""
        entry = self.c.by_id[qid].entry(self.state)
        return "C" if entry.ko and self._lifted(qid) is not None else entry.outcome

    def question(self, qid: str) -> QuestionResult:
        """Build the result of one question, exactly as the reference path does."""
        qc = self.c.by_id[qid]
        q = qc.q
        answer = self.answers.get(qid)
        value = self.state[qid]
        if value is HIDDEN:
            return QuestionResult(qid, False, None, (), q.refs, q.answered_by, None, None, answer, None, False)
        entry = qc.entry(self.state)
        override = self.overrides.get(qid)
        complete = override is not None and override.is_complete()
        outcome = entry.outcome
        rule: Rule | None = entry.rule
        is_overridden = False
        reason: _RuleReason | _UnknownReason
        if rule is not None and entry.stopped_on is None:
            mitigations = rule.mitigations
            reason = _RuleReason(q, answer, rule)
            if outcome == "KO" and complete:
                outcome, mitigations, is_overridden = "C", ("override",), True
                reason.override = override
        else:
            mitigations = ()
            reason = _UnknownReason(
                q,
                answer,
                value is UNKNOWN,
                self.why.get(qid),
                entry.stopped_on,
                entry.unknown_reads,
                outcome,
                self.c.ruleset.by_id,
            )
        worst = entry.worst_overridden if complete else entry.worst
        effective: str | int | None = UNKNOWN_OPTION if value is UNKNOWN else value  # type: ignore[assignment]
        return QuestionResult(
            qid,
            True,
            outcome,
            mitigations,
            q.refs,
            q.answered_by,
            effective,
            worst,
            answer,
            rule.number if rule is not None else None,
            is_overridden,
            reason,
        )

    def area(self, area_id: str) -> AreaResult:
        """Build the result of one area, exactly as the reference path does."""
        area = self.c.ruleset.areas[self.c.area_index[area_id]]
        state = self.state
        ids = [qid for qid in area.questions if qid in state and state[qid] is not HIDDEN]
        outcomes = [self.outcome(qid) for qid in ids]
        pairs = list(zip(ids, outcomes, strict=True))
        return AreaResult(
            _area_result(outcomes),
            tuple(qid for qid, o in pairs if o == "KO"),
            tuple(qid for qid, o in pairs if o == "UB"),
            tuple(qid for qid, o in pairs if o == "UN"),
            tuple(qid for qid, o in pairs if o == "C"),
        )
