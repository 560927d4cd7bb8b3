"""Evaluate an answer set against a rule set (scoring.md): pure, deterministic, no clock and no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Final

from rules.answers import Answer, AnswerSetError, Override, check_answers
from rules.conditions import HIDDEN, UNKNOWN, StateValue
from rules.model import (
    ANSWERED_BY_LABELS,
    EVIDENCE_LABELS,
    EVIDENCE_RANK,
    NOT_APPLICABLE,
    OUTCOME_LABELS,
    UNKNOWN_OPTION,
    Question,
    Reference,
    Rule,
    RuleSet,
    Text,
)
from rules.results import SEVERITY, AreaResult, ConditionItem, Evaluation, QuestionResult

# Why a shown question's effective answer is unknown (scoring.md §3.2)
_UNANSWERED: Final = "unanswered"
_ANSWERED_UNKNOWN: Final = "unknown"
_E0: Final = "E0"
_NOT_APPLICABLE: Final = "not_applicable"
_BELOW_MIN: Final = "below_min"


def evaluate(
    ruleset: RuleSet,
    answers: Mapping[str, Answer],
    overrides: Mapping[str, Override] | None = None,
    *,
    validate: bool = True,
) -> Evaluation:
    """Evaluate answers (and overrides) against the rule set and explain every outcome."""
    # The compiled tables answer every valid input; anything else is for the reference path to refuse or score.
    from rules.compiled import evaluate_compiled

    result = evaluate_compiled(ruleset, answers, overrides, validate)
    if result is not None:
        return result
    return _evaluate_reference(ruleset, answers, overrides, validate=validate)


def _evaluate_reference(
    ruleset: RuleSet,
    answers: Mapping[str, Answer],
    overrides: Mapping[str, Override] | None = None,
    *,
    validate: bool = True,
) -> Evaluation:
    """Evaluate the straightforward way: every rule walked, every result built (the fast path's reference)."""
    if validate:
        problems = check_answers(ruleset, answers)
        problems += [f"overrides: unknown question id {qid!r}" for qid in (overrides or {}) if qid not in ruleset.by_id]
        if problems:
            raise AnswerSetError(problems)
    overrides = overrides or {}

    # 1. Visibility and effective answers, in ask_if dependency order (scoring.md §3.1, §3.2).
    state: dict[str, StateValue] = {}
    why_unknown: dict[str, str] = {}
    ignored: list[str] = []
    for q in ruleset.order:
        answer = answers.get(q.id)
        if q.visible is not None and q.visible(state) is False:
            state[q.id] = HIDDEN
            if answer is not None and not _is_unanswered(q, answer):
                ignored.append(q.id)
            continue
        state[q.id] = _effective(q, answer, why_unknown)

    # 2. Outcomes in catalogue order (scoring.md §3.3, §3.4).
    results: dict[str, QuestionResult] = {}
    outcomes: dict[str, str] = {}
    overridden: list[str] = []
    open_worst: dict[str, str] = {}
    for q in ruleset.questions:
        value = state[q.id]
        answer = answers.get(q.id)
        if value is HIDDEN:
            results[q.id] = QuestionResult(
                q.id, False, None, (), q.refs, q.answered_by, None, None, answer, None, False
            )
            continue
        outcome, rule, stopped_on, unknown_reads = _walk(q, state)
        override = overrides.get(q.id)
        is_overridden = False
        reason: _RuleReason | _UnknownReason
        if rule is not None and stopped_on is None:
            mitigations = rule.mitigations
            reason = _RuleReason(q, answer, rule)
            if outcome == "KO" and override is not None and override.is_complete():
                outcome, mitigations, is_overridden = "C", ("override",), True
                reason.override = override
                overridden.append(q.id)
        else:
            mitigations = ()
            reason = _UnknownReason(
                q,
                answer,
                value is UNKNOWN,
                why_unknown.get(q.id),
                stopped_on,
                tuple(unknown_reads),
                outcome,
                ruleset.by_id,
            )
        outcomes[q.id] = outcome
        worst = None
        if value is UNKNOWN or outcome in ("UB", "UN"):
            worst = _worst(q, state, override is not None and override.is_complete())
            open_worst[q.id] = worst
        effective: str | int | None = UNKNOWN_OPTION if value is UNKNOWN else value  # type: ignore[assignment]
        results[q.id] = QuestionResult(
            q.id,
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

    # 3. Areas, verdict, worst case (scoring.md §4, §5, §7); lists in catalogue order.
    by_outcome: dict[str, list[str]] = {"KO": [], "UB": [], "UN": [], "C": [], "OK": [], "NA": []}
    for qid, outcome in outcomes.items():
        by_outcome[outcome].append(qid)
    areas = {}
    worst_area_results = []
    for area in ruleset.areas:
        ids = [qid for qid in area.questions if qid in outcomes]
        area_outcomes = [outcomes[qid] for qid in ids]
        areas[area.id] = AreaResult(
            _area_result(area_outcomes),
            tuple(qid for qid, o in zip(ids, area_outcomes, strict=True) if o == "KO"),
            tuple(qid for qid, o in zip(ids, area_outcomes, strict=True) if o == "UB"),
            tuple(qid for qid, o in zip(ids, area_outcomes, strict=True) if o == "UN"),
            tuple(qid for qid, o in zip(ids, area_outcomes, strict=True) if o == "C"),
        )
        worst_area_results.append(
            _area_result([open_worst.get(qid, o) for qid, o in zip(ids, area_outcomes, strict=True)])
        )
    return Evaluation(
        ruleset_id=ruleset.id,
        ruleset_version=ruleset.version,
        ruleset_sha256=ruleset.sha256,
        verdict=_verdict([a.result for a in areas.values()]),
        worst_case=_verdict(worst_area_results),
        areas=areas,
        questions=results,
        knockouts=tuple(by_outcome["KO"]),
        blocking_unknowns=tuple(by_outcome["UB"]),
        nonblocking_unknowns=tuple(by_outcome["UN"]),
        decisive_unknowns=tuple(qid for qid, worst in open_worst.items() if worst == "KO"),
        conditions=tuple(ConditionItem(qid, results[qid].mitigations) for qid in by_outcome["C"]),
        overrides=tuple(overridden),
        ignored_answers=tuple(sorted(ignored, key=lambda qid: ruleset.by_id[qid].index)),
    )


def _is_unanswered(q: Question, answer: Answer) -> bool:
    return answer.value is None or (q.type == "text" and answer.value == "")


def _effective(q: Question, answer: Answer | None, why: dict[str, str]) -> StateValue:
    if answer is None or _is_unanswered(q, answer):
        why[q.id] = _UNANSWERED
        return UNKNOWN
    value = answer.value
    assert value is not None
    if value == UNKNOWN_OPTION:
        why[q.id] = _ANSWERED_UNKNOWN
        return UNKNOWN
    if answer.evidence == "E0":
        why[q.id] = _E0
        return UNKNOWN
    if value == NOT_APPLICABLE and q.type != "text" and not q.names_not_applicable:
        why[q.id] = _NOT_APPLICABLE
        return UNKNOWN
    required = q.min_evidence.get(value, q.min_evidence_any) if (q.min_evidence or q.min_evidence_any) else None
    if required is not None and EVIDENCE_RANK[answer.evidence] < EVIDENCE_RANK[required]:
        why[q.id] = _BELOW_MIN
        return UNKNOWN
    return value


def _walk(q: Question, state: Mapping[str, StateValue]) -> tuple[str, Rule | None, Rule | None, list[str]]:
    """Return (outcome, matched rule, rule the walk stopped on as unknown, unknown questions read)."""
    skipped_unknown: list[str] = []
    for rule in q.rules:
        result = rule.test(state)
        if result is True:
            return rule.outcome, rule, None, []
        if result is None:
            reads = [r for r in rule.reads if state[r] is UNKNOWN]
            if rule.outcome == "OK":
                skipped_unknown.extend(r for r in reads if r not in skipped_unknown)
                continue
            return q.on_unknown, rule, rule, reads
    return q.on_unknown, None, None, skipped_unknown


def _worst(q: Question, state: dict[str, StateValue], has_override: bool) -> str:
    """Return the most severe outcome q can still get (scoring.md §7, the candidate walk).

    With an override, each knock-out the walk adds counts as C (scoring.md §6) before the maximum is taken, so
    an unknown that blocks (UB) still outranks the lifted knock-out.
    """
    saved = state[q.id]
    ko, c = SEVERITY["KO"], SEVERITY["C"]

    def add(current: int, outcome: str) -> int:
        severity = SEVERITY[outcome]
        return max(current, c if has_override and severity == ko else severity)

    worst = 0
    try:
        for candidate in (*q.candidates, UNKNOWN):
            state[q.id] = candidate
            for rule in q.rules:
                result = rule.test(state)
                if result is False:
                    continue
                worst = add(worst, rule.outcome)
                if result is True:
                    break
                if rule.outcome != "OK":
                    worst = add(worst, q.on_unknown)
            else:
                worst = add(worst, q.on_unknown)
    finally:
        state[q.id] = saved
    return _OUTCOME_BY_SEVERITY[worst]


_OUTCOME_BY_SEVERITY: Final = {v: k for k, v in SEVERITY.items()}


def _area_result(outcomes: list[str]) -> str:
    seen = set(outcomes)
    if "KO" in seen:
        return "not_met"
    if "UB" in seen:
        return "cannot_assess"
    if "C" in seen or "UN" in seen:
        return "met_with_conditions"
    return "met"


def _verdict(area_results: list[str]) -> str:
    seen = set(area_results)
    if "not_met" in seen:
        return "not_suitable"
    if "cannot_assess" in seen:
        return "cannot_assess"
    if "met_with_conditions" in seen:
        return "suitable_with_conditions"
    return "suitable"


# ---------------------------------------------------------------------------------------------------------
# Reasons, in Swedish and English, written from the data


@dataclass(slots=True)
class _RuleReason:
    """A matched rule (possibly a knock-out lifted by an override)."""

    question: Question = field(compare=False)
    answer: Answer | None
    rule: Rule
    override: Override | None = None
    written: Text | None = field(default=None, compare=False)

    def text(self) -> Text:
        """Write the reason: the answer, the rule with its reason and the references."""
        if self.written is None:
            a_sv, a_en = _answer_text(self.question, self.answer)
            reason = Text(f"{a_sv}: {self.rule.explained.sv}", f"{a_en}: {self.rule.explained.en}")
            self.written = _override_reason(self.override, reason) if self.override is not None else reason
        return self.written

    def plain(self, references: bool = True) -> Text:
        """Write the reason for a person: the rule's own reason, then the references in words (no notation)."""
        reason = self.rule.reason
        if self.override is not None:
            o = self.override
            kind_sv = {"legal": "en juridisk", "technical": "en teknisk"}.get(o.kind or "", "en")
            kind_en = {"legal": "a legal", "technical": "a technical"}.get(o.kind or "", "a")
            reason = Text(
                f"Stoppträffen är hävd genom {kind_sv} bedömning ({o.reference}, {o.author}, {o.date}). "
                f"Ursprunglig grund: {_sentence(reason.sv)}",
                f"The knock-out is lifted by {kind_en} finding ({o.reference}, {o.author}, {o.date}). "
                f"Original ground: {_sentence(reason.en)}",
            )
        return _with_references(reason, self.question.refs if references else ())


@dataclass(slots=True)
class _UnknownReason:
    """An on_unknown outcome: why the answer or the deciding rule is unknown, and who must answer."""

    question: Question = field(compare=False)
    answer: Answer | None
    own_unknown: bool
    why: str | None
    stopped_on: Rule | None
    unknown_reads: tuple[str, ...]
    outcome: str
    questions: Mapping[str, Question] = field(default_factory=dict, compare=False, repr=False)
    written: Text | None = field(default=None, compare=False)

    def plain(self, references: bool = True) -> Text:
        """Write why the outcome is unknown for a person: what is missing, what it depends on, who answers."""
        return _unknown_plain(
            self.question, self.own_unknown, self.answer, self.why, self.unknown_reads, self.questions, references
        )

    def text(self) -> Text:
        """Write the reason for the on_unknown outcome."""
        if self.written is None:
            self.written = _unknown_reason(
                self.question,
                self.own_unknown,
                self.answer,
                self.why,
                self.stopped_on,
                self.unknown_reads,
                self.outcome,
            )
        return self.written


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?" else text + "."


@lru_cache(maxsize=4096)  # a pure function of immutable values, read for every shown question of every result
def _with_references(reason: Text, refs: tuple[Reference, ...]) -> Text:
    """Return the reason followed by its references, with "att verifiera" as a word where it applies."""
    if not refs:
        return Text(_sentence(reason.sv), _sentence(reason.en))
    sv = "; ".join(r.words("sv") for r in refs)
    en = "; ".join(r.words("en") for r in refs)
    return Text(
        f"{_sentence(reason.sv)} {'Referens' if len(refs) == 1 else 'Referenser'}: {sv}.",
        f"{_sentence(reason.en)} {'Reference' if len(refs) == 1 else 'References'}: {en}.",
    )


def _named(qids: list[str], questions: Mapping[str, Question], lang: str) -> str:
    names = []
    for qid in qids:
        q = questions.get(qid)
        names.append(f"{qid} {q.title.get(lang)}" if q is not None else qid)
    if len(names) == 1:
        return names[0]
    joiner = " och " if lang == "sv" else " and "
    return ", ".join(names[:-1]) + joiner + names[-1]


def _unknown_plain(
    q: Question,
    own_unknown: bool,
    answer: Answer | None,
    why: str | None,
    unknown_reads: tuple[str, ...],
    questions: Mapping[str, Question],
    references: bool = True,
) -> Text:
    sv: list[str] = []
    en: list[str] = []
    if own_unknown:
        if why == _BELOW_MIN and answer is not None and answer.value is not None:
            required = q.required_evidence(answer.value) or ""
            need_sv, need_en = EVIDENCE_LABELS.get(required, (required, required))
            has_sv, has_en = EVIDENCE_LABELS.get(answer.evidence, (answer.evidence, answer.evidence))
            shown_sv = q.label(answer.value, "sv") if q.type != "text" else ""
            shown_en = q.label(answer.value, "en") if q.type != "text" else ""
            sv.append(
                f"Underlaget räcker inte: svaret{f' ”{shown_sv}”' if shown_sv else ''} kräver minst ”{need_sv}” "
                f"men bygger på ”{has_sv.lower()}”, så det räknas som okänt."
            )
            en.append(
                f"The evidence is not enough: the answer{f' “{shown_en}”' if shown_en else ''} needs at least "
                f"“{need_en}” but rests on “{has_en.lower()}”, so it counts as unknown."
            )
        elif why == _E0:
            sv.append("Svaret saknar underlag och räknas därför som okänt.")
            en.append("The answer has no evidence and so counts as unknown.")
        elif why == _NOT_APPLICABLE:
            sv.append("”Ej tillämpligt” räknas som okänt här, eftersom frågans regler inte tar upp det.")
            en.append("“Not applicable” counts as unknown here, because the question's rules do not provide for it.")
        elif why == _ANSWERED_UNKNOWN:
            sv.append("Svaret är ännu inte känt.")
            en.append("The answer is not known yet.")
        else:
            sv.append("Frågan är inte besvarad.")
            en.append("The question has not been answered.")
    others = [r for r in unknown_reads if r != q.id]
    if others:
        one = len(others) == 1
        sv.append(
            f"Utfallet beror på {'svaret' if one else 'svaren'} på {_named(others, questions, 'sv')}, "
            f"som {'är okänt' if one else 'är okända'}."
        )
        en.append(
            f"The outcome depends on the {'answer' if one else 'answers'} to {_named(others, questions, 'en')}, "
            f"which {'is' if one else 'are'} unknown."
        )
    elif not own_unknown:
        sv.append("Ingen regel avgör frågan med de svar som finns.")
        en.append("No rule decides the question with the answers given.")
    by_sv, by_en = ANSWERED_BY_LABELS[q.answered_by]
    sv.append(f"Ska besvaras av {by_sv}.")
    en.append(f"To be answered by {by_en}.")
    return _with_references(Text(" ".join(sv), " ".join(en)), q.refs if references else ())


def _answer_text(q: Question, answer: Answer | None) -> tuple[str, str]:
    if answer is None or _is_unanswered(q, answer):
        return f"{q.id}: inget svar", f"{q.id}: no answer"
    shown = answer.value
    if q.type == "text" and isinstance(shown, str) and shown != UNKNOWN_OPTION:
        shown = f'"{shown[:60]}…"' if len(shown) > 60 else f'"{shown}"'
    text = f"{q.id} = {shown} ({answer.evidence})"
    return text, text


def _override_reason(override: Override, original: Text) -> Text:
    kind_sv = {"legal": "juridisk", "technical": "teknisk"}.get(override.kind or "", "")
    kind_en = override.kind or ""
    sv = f"Stoppet hävt genom {kind_sv + ' ' if kind_sv else ''}bedömning: {override.reference}, "
    en = f"Knock-out lifted by a {kind_en + ' ' if kind_en else ''}finding: {override.reference}, "
    sv += f"{override.author}, {override.date}. Ursprungligt stopp: {original.sv}"
    en += f"{override.author}, {override.date}. Original knock-out: {original.en}"
    return Text(sv, en)


def _own_unknown_text(q: Question, answer: Answer | None, why: str | None) -> tuple[str, str]:
    if why == _BELOW_MIN and answer is not None and answer.value is not None:
        required = q.required_evidence(answer.value)
        return (
            f"evidensnivån {answer.evidence} är lägre än kravet {required} för svaret {answer.value}, "
            "så svaret räknas som okänt",
            f"evidence {answer.evidence} is below the minimum {required} for the answer {answer.value}, "
            "so the answer counts as unknown",
        )
    if why == _E0:
        return "evidensnivå E0 räknas som okänt", "evidence E0 counts as unknown"
    if why == _NOT_APPLICABLE:
        return (
            "'not_applicable' räknas som okänt eftersom ingen regel för frågan nämner det",
            "'not_applicable' counts as unknown because no rule of the question names it",
        )
    if why == _ANSWERED_UNKNOWN:
        return "svaret är okänt", "the answer is unknown"
    return "frågan är obesvarad", "the question is unanswered"


def _unknown_reason(
    q: Question,
    own_unknown: bool,
    answer: Answer | None,
    why: str | None,
    stopped_on: Rule | None,
    unknown_reads: tuple[str, ...],
    outcome: str,
) -> Text:
    a_sv, a_en = _answer_text(q, answer)
    parts_sv: list[str] = []
    parts_en: list[str] = []
    if own_unknown:
        own_sv, own_en = _own_unknown_text(q, answer, why)
        parts_sv.append(own_sv)
        parts_en.append(own_en)
    others = [r for r in unknown_reads if r != q.id]
    if others:
        listed = ", ".join(others)
        if stopped_on is not None:
            head = stopped_on.describe()
            one = len(others) == 1
            what_sv = "det okända svaret" if one else "de okända svaren"
            what_en = "answer" if one else "answers"
            parts_sv.append(f"regel {stopped_on.number} ({head}) beror på {what_sv} på {listed}")
            parts_en.append(f"rule {stopped_on.number} ({head}) depends on the unknown {what_en} to {listed}")
        else:
            parts_sv.append(f"ingen regel avgör medan svaret på {listed} är okänt")
            parts_en.append(f"no rule decides while the answer to {listed} is unknown")
    elif stopped_on is not None and own_unknown:
        parts_sv.append(f"regel {stopped_on.number} ({stopped_on.describe()}) kan inte avgöras")
        parts_en.append(f"rule {stopped_on.number} ({stopped_on.describe()}) cannot be decided")
    label_sv, label_en = OUTCOME_LABELS[outcome]
    by_sv, by_en = ANSWERED_BY_LABELS[q.answered_by]
    r_sv, r_en = q.refs_text.sv, q.refs_text.en
    return Text(
        f"{a_sv}: {'; '.join(parts_sv)}. {label_sv} ({outcome}). Ska besvaras av {by_sv}.{r_sv}",
        f"{a_en}: {'; '.join(parts_en)}. {label_en} ({outcome}). To be answered by {by_en}.{r_en}",
    )
