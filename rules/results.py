"""The result of an evaluation as frozen dataclasses; ``to_dict`` gives exactly the JSON of scoring.md §8.

The engine fills ``Evaluation.questions`` and ``Evaluation.areas`` with ``LazyMapping``: each result is built
the first time it is read (issue 14).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from rules.answers import Answer
from rules.model import Reference, Text

SEVERITY: dict[str, int] = {"NA": 0, "OK": 1, "C": 2, "UN": 3, "UB": 4, "KO": 5}
VERDICT_SEVERITY: dict[str, int] = {
    "suitable": 0,
    "suitable_with_conditions": 1,
    "cannot_assess": 2,
    "not_suitable": 3,
}


_V = TypeVar("_V")


class LazyMapping(Mapping[str, _V]):
    """A read-only mapping of fixed keys whose values are built on first read, then kept (issue 14).

    The engine hands out its question and area results this way: most callers read a few, and building all of
    them cost more than the evaluation. It compares, iterates and prints like the dict it stands for.
    """

    __slots__ = ("_keys", "_members", "_build", "_built")

    def __init__(self, keys: tuple[str, ...], members: Mapping[str, object], build: Callable[[str], _V]) -> None:
        self._keys = keys
        self._members = members
        self._build = build
        self._built: dict[str, _V] = {}

    def __getitem__(self, key: str) -> _V:
        try:
            return self._built[key]
        except KeyError:
            if key not in self._members:
                raise
        value = self._built[key] = self._build(key)
        return value

    def __contains__(self, key: object) -> bool:
        return key in self._members

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return repr(dict(self.items()))


class Explanation(Protocol):
    """What the engine knows about why an outcome came about; the reason text is written on demand."""

    def text(self) -> Text:
        """Return the reason in Swedish and English: the rule trace, for reviewers and auditors."""
        ...

    def plain(self, references: bool = True) -> Text:
        """Return the reason as a person reads it: the rule set's own words (and the references), no notation."""
        ...


@dataclass(frozen=True, slots=True)
class QuestionResult:
    """The outcome of one question; ``outcome`` and ``reason`` are None when it is not shown."""

    id: str
    shown: bool
    outcome: str | None
    mitigations: tuple[str, ...]
    references: tuple[Reference, ...]
    answered_by: str
    effective: str | int | None
    worst: str | None
    answer: Answer | None
    rule: int | None
    overridden: bool
    explanation: Explanation | None = field(default=None, repr=False)

    @property
    def reason(self) -> Text | None:
        """Return the reason (names the answer, the rule and the references), or None when not shown."""
        return self.explanation.text() if self.explanation is not None else None

    @property
    def summary(self) -> Text | None:
        """Return the reason in plain words (the rule's own reason, references), or None when not shown."""
        return self.explanation.plain() if self.explanation is not None else None

    @property
    def brief(self) -> Text | None:
        """Return the reason in plain words without the references (where they are listed beside it)."""
        return self.explanation.plain(references=False) if self.explanation is not None else None

    @property
    def open(self) -> bool:
        """Tell whether the question is open (scoring.md §7): it then has a worst outcome."""
        return self.worst is not None

    def to_dict(self) -> dict[str, Any]:
        """Return the question's member of ``questions`` in scoring.md §8."""
        reason = self.explanation.text() if self.explanation is not None else None
        summary = self.explanation.plain() if self.explanation is not None else None
        return {
            "shown": self.shown,
            "outcome": self.outcome,
            "mitigations": list(self.mitigations),
            "reason": reason.to_dict() if reason is not None else None,
            "summary": summary.to_dict() if summary is not None else None,
            "rule": self.rule,
            "references": [r.to_dict() for r in self.references],
            "answered_by": self.answered_by,
            "effective": self.effective,
            "worst": self.worst,
            "answer": (
                {"value": self.answer.value, "evidence": self.answer.evidence} if self.answer is not None else None
            ),
        }


@dataclass(frozen=True, slots=True)
class AreaResult:
    """The result of an area and its question ids per outcome, in catalogue order."""

    result: str
    knockouts: tuple[str, ...]
    blocking_unknowns: tuple[str, ...]
    nonblocking_unknowns: tuple[str, ...]
    conditions: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """Return the area's member of ``areas`` in scoring.md §8."""
        return {
            "result": self.result,
            "knockouts": list(self.knockouts),
            "blocking_unknowns": list(self.blocking_unknowns),
            "nonblocking_unknowns": list(self.nonblocking_unknowns),
            "conditions": list(self.conditions),
        }


@dataclass(frozen=True, slots=True)
class ConditionItem:
    """A question with outcome C and its mitigations (``override`` for a lifted knock-out)."""

    question: str
    mitigations: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """Return ``{"question", "mitigations"}``."""
        return {"question": self.question, "mitigations": list(self.mitigations)}


@dataclass(frozen=True, slots=True)
class Evaluation:
    """A whole evaluation: verdict, worst case, areas, outcomes and the lists of scoring.md §8."""

    ruleset_id: str
    ruleset_version: int
    ruleset_sha256: str
    verdict: str
    worst_case: str
    areas: Mapping[str, AreaResult]
    questions: Mapping[str, QuestionResult]
    knockouts: tuple[str, ...]
    blocking_unknowns: tuple[str, ...]
    nonblocking_unknowns: tuple[str, ...]
    decisive_unknowns: tuple[str, ...]
    conditions: tuple[ConditionItem, ...]
    overrides: tuple[str, ...]
    ignored_answers: tuple[str, ...]

    def question(self, question_id: str) -> QuestionResult:
        """Return the result of one question (KeyError if the rule set has no such question)."""
        return self.questions[question_id]

    @property
    def open_questions(self) -> tuple[str, ...]:
        """Return the ids of the open questions in catalogue order."""
        return tuple(qid for qid, q in self.questions.items() if q.worst is not None)

    @property
    def at_risk(self) -> bool:
        """Tell whether the worst case is more severe than the verdict ("... – risk för Ej lämplig")."""
        return VERDICT_SEVERITY[self.worst_case] > VERDICT_SEVERITY[self.verdict]

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON object of scoring.md §8."""
        return {
            "ruleset": {
                "id": self.ruleset_id,
                "version": self.ruleset_version,
                "sha256": self.ruleset_sha256,
            },
            "verdict": self.verdict,
            "worst_case": self.worst_case,
            "areas": {area_id: area.to_dict() for area_id, area in self.areas.items()},
            "questions": {qid: q.to_dict() for qid, q in self.questions.items()},
            "knockouts": list(self.knockouts),
            "blocking_unknowns": list(self.blocking_unknowns),
            "nonblocking_unknowns": list(self.nonblocking_unknowns),
            "decisive_unknowns": list(self.decisive_unknowns),
            "conditions": [c.to_dict() for c in self.conditions],
            "overrides": list(self.overrides),
            "ignored_answers": list(self.ignored_answers),
        }

    def to_json(self, indent: int | None = 2) -> str:
        """Return the evaluation as JSON text (UTF-8 characters kept)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)
