"""The input of an evaluation: answers and overrides (scoring.md §2), typed and parsed from JSON.

The app builds ``Answer`` and ``Override`` objects from its database; the command line parses JSON with
``parse_answer_set``, which refuses bad input as a whole and names every problem at once.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from rules.model import EVIDENCE_RANK, UNKNOWN_OPTION, Question, RuleSet

_DATE: Final = re.compile(r"^\d{4}-\d{2}-\d{2}$")
OVERRIDE_KINDS: Final = ("legal", "technical")


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer: a value (option id, integer, text, ``"unknown"`` or None), its evidence level and a note."""

    value: str | int | None
    evidence: str = "E1"
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Override:
    """A recorded finding that lifts a knock-out (scoring.md §6)."""

    reference: str
    author: str
    date: str
    kind: str | None = None
    review_date: str | None = None

    def is_complete(self) -> bool:
        """Tell whether reference, author and a YYYY-MM-DD date are all given."""
        return bool(self.reference.strip()) and bool(self.author.strip()) and is_iso_date(self.date)


@dataclass(frozen=True, slots=True)
class AnswerSet:
    """Answers and overrides keyed by question id."""

    answers: Mapping[str, Answer] = field(default_factory=dict)
    overrides: Mapping[str, Override] = field(default_factory=dict)


class AnswerSetError(ValueError):
    """Bad input; ``problems`` names every problem, one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def is_iso_date(value: object) -> bool:
    """Tell whether the value is a valid date written YYYY-MM-DD."""
    if not isinstance(value, str) or not _DATE.match(value):
        return False
    try:
        _dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def check_value(question: Question, value: object) -> str | None:
    """Return why the value is not a valid answer to the question, or None when it is."""
    if value is None:
        return None
    if question.type == "text":
        return None if isinstance(value, str) else f"{question.id}: a text answer must be a string, not {value!r}"
    if value == UNKNOWN_OPTION:
        return None
    if question.type in ("level", "maturity"):
        if isinstance(value, bool) or not isinstance(value, int):
            return f'{question.id}: a {question.type} answer must be an integer or "unknown", not {value!r}'
        if value not in question.option_ids:
            allowed = sorted(v for v in question.option_ids if isinstance(v, int))
            return f"{question.id}: {value} is out of range {allowed[0]}-{allowed[-1]}"
        return None
    if not isinstance(value, str) or value not in question.option_ids:
        options = ", ".join(str(o.id) for o in question.options)
        return f"{question.id}: {value!r} is not an option (options: {options})"
    return None


def value_from_form(question: Question, raw: str | None) -> str | int | None:
    """Turn a submitted form string into an answer value: None when empty, an int for level and maturity."""
    if raw is None:
        return None
    if question.type == "text":
        return raw if raw.strip() else None
    raw = raw.strip()
    if not raw:
        return None
    if question.type in ("level", "maturity") and raw.lstrip("-").isascii() and raw.lstrip("-").isdigit():
        return int(raw)
    return raw


def check_answers(ruleset: RuleSet, answers: Mapping[str, Answer]) -> list[str]:
    """Return every problem of typed answers (unknown question, invalid value, evidence outside E0-E4)."""
    problems = []
    for qid, answer in answers.items():
        question = ruleset.by_id.get(qid)
        if question is None:
            problems.append(f"answers: unknown question id {qid!r}")
            continue
        problem = check_value(question, answer.value)
        if problem:
            problems.append(f"answers.{problem}")
        if answer.evidence not in EVIDENCE_RANK:
            problems.append(f"answers.{qid}: evidence {answer.evidence!r} is not one of E0-E4")
    return problems


def parse_answer_set(data: object, ruleset: RuleSet) -> AnswerSet:
    """Validate a decoded JSON answer set (scoring.md §2) and return it typed; raise AnswerSetError."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise AnswerSetError(['the top level must be a JSON object with "answers" (and "overrides")'])
    raw_answers = data.get("answers", {})
    raw_overrides = data.get("overrides", {})
    if raw_answers is None:
        raw_answers = {}
    if raw_overrides is None:
        raw_overrides = {}
    answers: dict[str, Answer] = {}
    overrides: dict[str, Override] = {}
    if not isinstance(raw_answers, dict):
        problems.append("answers: must be an object mapping question ids to answers")
        raw_answers = {}
    if not isinstance(raw_overrides, dict):
        problems.append("overrides: must be an object mapping question ids to override records")
        raw_overrides = {}
    for qid, raw in raw_answers.items():
        question = ruleset.by_id.get(qid)
        if question is None:
            problems.append(f"answers: unknown question id {qid!r}")
            continue
        evidence: object = None
        note: object = None
        if isinstance(raw, dict):
            value = raw.get("value")
            evidence = raw.get("evidence")
            note = raw.get("note")
        else:
            value = raw
        problem = check_value(question, value)
        if isinstance(raw, dict) and "value" not in raw:
            problem = f'{qid}: an answer object needs "value"'
        if problem:
            problems.append(f"answers.{problem}")
        if evidence is None:
            evidence = "E1"
        elif evidence not in EVIDENCE_RANK:
            problems.append(f"answers.{qid}: evidence {evidence!r} is not one of E0-E4")
        if not problem and isinstance(evidence, str) and evidence in EVIDENCE_RANK:
            assert value is None or isinstance(value, str | int)
            answers[qid] = Answer(value, evidence, note if isinstance(note, str) else None)
    for qid, raw in raw_overrides.items():
        if qid not in ruleset.by_id:
            problems.append(f"overrides: unknown question id {qid!r}")
            continue
        if not isinstance(raw, dict):
            problems.append(f"overrides.{qid}: must be an object with reference, author and date")
            continue
        bad = False
        for key in ("reference", "author", "date"):
            value = raw.get(key)
            if not isinstance(value, str) or not value.strip():
                problems.append(f"overrides.{qid}.{key}: required, a non-empty string")
                bad = True
        if isinstance(raw.get("date"), str) and raw["date"].strip() and not is_iso_date(raw["date"]):
            problems.append(f"overrides.{qid}.date: {raw['date']!r} is not a date YYYY-MM-DD")
            bad = True
        review = raw.get("review_date")
        if review is not None and not is_iso_date(review):
            problems.append(f"overrides.{qid}.review_date: {review!r} is not a date YYYY-MM-DD")
            bad = True
        kind = raw.get("kind")
        if kind is not None and kind not in OVERRIDE_KINDS:
            problems.append(f"overrides.{qid}.kind: {kind!r} is not legal or technical")
            bad = True
        if not bad:
            overrides[qid] = Override(raw["reference"], raw["author"], raw["date"], kind, review)
    if problems:
        raise AnswerSetError(problems)
    return AnswerSet(answers, overrides)


def parse_answer_json(text: str | bytes, ruleset: RuleSet) -> AnswerSet:
    """Decode JSON text and validate it as an answer set; malformed JSON is an AnswerSetError too."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise AnswerSetError([f"malformed JSON: {exc}"]) from None
    return parse_answer_set(data, ruleset)
