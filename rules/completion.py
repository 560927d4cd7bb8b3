"""What it would take: a favourable completion of an answer set (issue 13), pure and deterministic.

For each open question (scoring.md §7) the completion proposes the answer whose outcome is mildest when walked as
in §7 with the other answers as they are, at sufficient evidence, and then evaluates the completed set. It claims
nothing it has not computed: the result is an ordinary ``evaluate`` of the completed answers.

How it settles (bounded, documented):

1. Pass 1 walks every open question of the input against the input's effective answers.
2. The completed set is evaluated; an input-open question that is still open (its rule read another open
   question, now proposed) is walked again against the completed answers. At most ``MAX_PASSES`` passes; it stops
   early when a pass changes no proposal.
3. Proposals for questions that the completion hides are dropped (they would be ignored answers, not needed).
4. Only questions open in the input are ever proposed; anything open after that (say, a question shown only
   because of the completion) is listed in ``still_open``, never answered for the reader.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from rules.answers import Answer, Override
from rules.conditions import HIDDEN, StateValue
from rules.engine import _effective, _walk, evaluate
from rules.model import TEXT_PLACEHOLDER, Question, RuleSet
from rules.results import SEVERITY, Evaluation

MAX_PASSES: Final = 3
#: The evidence of a proposed answer where its question names no minimum (a contractual commitment).
DEFAULT_EVIDENCE: Final = "E2"
#: The known text proposed for an open text question (any text counts the same, scoring.md §7).
PROPOSED_TEXT: Final = "(gynnsamt besked)"
PARTIES: Final = ("provider", "legal", "region")


@dataclass(frozen=True, slots=True)
class Completion:
    """A favourable completion: the proposed answers, the completed set and its evaluation."""

    answers: Mapping[str, Answer]
    proposed: Mapping[str, Answer]
    evaluation: Evaluation
    by_party: Mapping[str, int]
    still_open: tuple[str, ...]
    current: Evaluation

    @property
    def needed(self) -> int:
        """Return the number of answers the completion needs (one per proposed question)."""
        return len(self.proposed)

    def to_dict(self) -> dict[str, object]:
        """Return the completion as JSON data: proposals, counts and the completed evaluation."""
        return {
            "proposed": {qid: {"value": a.value, "evidence": a.evidence} for qid, a in self.proposed.items()},
            "needed": self.needed,
            "by_party": dict(self.by_party),
            "still_open": list(self.still_open),
            "current": {"verdict": self.current.verdict, "worst_case": self.current.worst_case},
            "evaluation": self.evaluation.to_dict(),
        }


def favourable_completion(
    ruleset: RuleSet,
    answers: Mapping[str, Answer],
    overrides: Mapping[str, Override] | None = None,
) -> Completion:
    """Propose the mildest sufficient answer for every open question and evaluate the completed set."""
    overrides = overrides or {}
    current = evaluate(ruleset, answers, overrides)
    targets = frozenset(current.open_questions)
    completed: dict[str, Answer] = {qid: answers[qid] for qid in sorted(answers)}
    proposed: dict[str, Answer] = {}
    evaluation = current
    for _ in range(MAX_PASSES):
        todo = [qid for qid in evaluation.open_questions if qid in targets]
        if not todo:
            break
        state = _state(ruleset, completed)
        changed = False
        for qid in todo:
            override = overrides.get(qid)
            answer = _mildest(ruleset.by_id[qid], state, override is not None and override.is_complete())
            changed = changed or proposed.get(qid) != answer
            proposed[qid] = answer
        completed.update((qid, proposed[qid]) for qid in todo)
        evaluation = evaluate(ruleset, completed, overrides, validate=False)
        if not changed:
            break
    hidden = [qid for qid in proposed if not evaluation.questions[qid].shown]
    if hidden:
        for qid in hidden:
            del proposed[qid]
            if qid in answers:
                completed[qid] = answers[qid]
            else:
                del completed[qid]
        evaluation = evaluate(ruleset, completed, overrides, validate=False)
    ordered = {q.id: proposed[q.id] for q in ruleset.questions if q.id in proposed}
    by_party = {party: 0 for party in PARTIES}
    for qid in ordered:
        party = ruleset.by_id[qid].answered_by
        by_party[party] = by_party.get(party, 0) + 1
    return Completion(
        answers={q.id: completed[q.id] for q in ruleset.questions if q.id in completed},
        proposed=ordered,
        evaluation=evaluation,
        by_party=by_party,
        still_open=evaluation.open_questions,
        current=current,
    )


def _state(ruleset: RuleSet, answers: Mapping[str, Answer]) -> dict[str, StateValue]:
    """Return every question's effective answer, or HIDDEN, as the engine computes them (scoring.md §3.1-3.2)."""
    state: dict[str, StateValue] = {}
    why: dict[str, str] = {}
    for q in ruleset.order:
        if q.visible is not None and q.visible(state) is False:
            state[q.id] = HIDDEN
        else:
            state[q.id] = _effective(q, answers.get(q.id), why)
    return state


def _mildest(q: Question, state: dict[str, StateValue], has_override: bool) -> Answer:
    """Return the candidate answer of q whose §7 walk is mildest (ties: the first in option order)."""
    saved = state[q.id]
    best: tuple[int, int, int] | None = None
    choice = q.candidates[0]
    try:
        for position, candidate in enumerate(q.candidates):
            state[q.id] = candidate
            key = (_walked(q, state, has_override), SEVERITY[_walk(q, state)[0]], position)
            if best is None or key < best:
                best, choice = key, candidate
    finally:
        state[q.id] = saved
    value = PROPOSED_TEXT if choice == TEXT_PLACEHOLDER else choice
    return Answer(value, _evidence_for(q, value))


def _walked(q: Question, state: Mapping[str, StateValue], has_override: bool) -> int:
    """Return the severity of the most severe outcome the §7 walk adds for q's answer in ``state``."""
    ko, c = SEVERITY["KO"], SEVERITY["C"]

    def add(current: int, outcome: str) -> int:
        severity = SEVERITY[outcome]
        return max(current, c if has_override and severity == ko else severity)

    worst = 0
    for rule in q.rules:
        result = rule.test(state)
        if result is False:
            continue
        worst = add(worst, rule.outcome)
        if result is True:
            return worst
        if rule.outcome != "OK":
            worst = add(worst, q.on_unknown)
    return add(worst, q.on_unknown)


def _evidence_for(q: Question, value: str | int) -> str:
    """Return the evidence a proposed answer carries: the question's minimum for it, else ``DEFAULT_EVIDENCE``."""
    return q.required_evidence(value) or DEFAULT_EVIDENCE
