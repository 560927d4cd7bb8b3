"""The loaded, validated and compiled rule set: what the engine, the command line and the app read.

Build one with ``rules.loader.load_ruleset`` or ``rules.registry.load_published``; never by hand.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Final

from rules.conditions import Condition, Test, Value

EVIDENCE_RANK: Final[dict[str, int]] = {"E0": 0, "E1": 1, "E2": 2, "E3": 3, "E4": 4}
UNKNOWN_OPTION: Final = "unknown"
NOT_APPLICABLE: Final = "not_applicable"
TEXT_PLACEHOLDER: Final = "\x00text"  # the candidate "any text" of a text question (scoring.md §7)

AREA_TITLES: Final[dict[str, tuple[str, str]]] = {
    "context": ("Förutsättningar", "Context"),
    "legal": ("Juridik", "Legal"),
    "infosec": ("Informationssäkerhet", "Information security"),
    "patient_safety": ("Patientsäkerhet", "Patient safety"),
}
OUTCOME_LABELS: Final[dict[str, tuple[str, str]]] = {
    "OK": ("OK", "OK"),
    "C": ("Villkor", "Condition"),
    "KO": ("Stoppträff", "Knock-out"),
    "UB": ("Blockerande okänd", "Blocking unknown"),
    "UN": ("Icke blockerande okänd", "Non-blocking unknown"),
    "NA": ("Ej tillämplig", "Not applicable"),
}
VERDICT_LABELS: Final[dict[str, tuple[str, str]]] = {
    "suitable": ("Lämplig", "Suitable"),
    "suitable_with_conditions": ("Lämplig med villkor", "Suitable with conditions"),
    "not_suitable": ("Ej lämplig", "Not suitable"),
    "cannot_assess": ("Kan ej bedömas ännu", "Cannot be assessed yet"),
}
AREA_RESULT_LABELS: Final[dict[str, tuple[str, str]]] = {
    "met": ("Uppfyllt", "Met"),
    "met_with_conditions": ("Uppfyllt med villkor", "Met with conditions"),
    "not_met": ("Ej uppfyllt", "Not met"),
    "cannot_assess": ("Kan ej bedömas", "Cannot be assessed"),
}
EVIDENCE_LABELS: Final[dict[str, tuple[str, str]]] = {
    "E0": ("Inget underlag", "No evidence"),
    "E1": ("Leverantörens uppgift", "Provider's statement"),
    "E2": ("Avtalat åtagande", "Contractual commitment"),
    "E3": ("Oberoende intyg", "Independent attestation"),
    "E4": ("Verifierat av regionen", "Verified by the region"),
}
#: "regel 11" in a reference (MDR bilaga VIII) keeps its number on the same line where a person reads it, and
#: never reads as the engine's own "regel 1" of a rule trace.
_KEEP_NUMBER: Final = re.compile(r"(?<=\b[Rr]egel) (?=\d)|(?<=\b[Rr]ule) (?=\d)")
#: A reference the region's lawyers must check, as a word (the rule-set file marks it ``verify: true``).
TO_VERIFY: Final[tuple[str, str]] = ("att verifiera", "to be verified")
ANSWERED_BY_LABELS: Final[dict[str, tuple[str, str]]] = {
    "provider": ("leverantören", "the provider"),
    "legal": ("juristen", "legal counsel"),
    "region": ("regionen", "the region"),
}


@dataclass(frozen=True, slots=True)
class Text:
    """A text in Swedish and English."""

    sv: str
    en: str

    def get(self, lang: str) -> str:
        """Return the text in the language ``sv`` or ``en``."""
        return self.sv if lang == "sv" else self.en

    def to_dict(self) -> dict[str, str]:
        """Return ``{"sv": ..., "en": ...}``."""
        return {"sv": self.sv, "en": self.en}


@dataclass(frozen=True, slots=True)
class Option:
    """An answer option of a question."""

    id: Value
    label: Text


@dataclass(frozen=True, slots=True)
class Reference:
    """A reference; ``verify`` marks one the region's lawyers must check."""

    text: str
    verify: bool

    def display(self) -> str:
        """Return the reference text with the [verify] mark where it applies."""
        return f"{self.text} [verify]" if self.verify else self.text

    def to_dict(self) -> dict[str, object]:
        """Return ``{"text": ..., "verify": ...}``."""
        return {"text": self.text, "verify": self.verify}

    def words(self, lang: str) -> str:
        """Return the reference with "att verifiera" / "to be verified" as a word where it applies."""
        text = self.plain_text()
        return f"{text} ({TO_VERIFY[0 if lang == 'sv' else 1]})" if self.verify else text

    def plain_text(self) -> str:
        """Return the reference text as a person reads it (a rule number kept with its word)."""
        return _keep_number(self.text)


@lru_cache(maxsize=4096)  # reference texts come from the rule sets: few, read over and over
def _keep_number(text: str) -> str:
    return _KEEP_NUMBER.sub("\u00a0", text)


@dataclass(frozen=True, slots=True)
class Rule:
    """An outcome rule, compiled; ``number`` counts from 1 as in criteria.md."""

    number: int
    condition: Condition
    when: str
    outcome: str
    mitigations: tuple[str, ...]
    fix: tuple[str, ...]
    reason: Text
    reads: tuple[str, ...]
    test: Test = field(repr=False, compare=False)
    explained: Text = field(repr=False, compare=False)  # "rule n (...): reason. References: ..."

    def describe(self) -> str:
        """Return the rule as ``condition → OUTCOME[M-..]`` in the catalogue's notation."""
        mits = f"[{', '.join(self.mitigations)}]" if self.mitigations else ""
        return f"{self.when} → {self.outcome}{mits}"


@dataclass(frozen=True, slots=True)
class Question:
    """One question, with its options, visibility condition, rules and references."""

    id: str
    area: str
    group: str
    title: Text
    text: Text
    help: Text | None
    type: str
    options: tuple[Option, ...]
    ask_if: Condition
    ask_if_text: str
    rules: tuple[Rule, ...]
    on_unknown: str
    answered_by: str
    volatile: bool
    min_evidence: Mapping[Value, str]
    min_evidence_any: str | None
    refs: tuple[Reference, ...]
    index: int
    refs_text: Text = field(repr=False, compare=False)  # " References: ...; ...." or ""
    visible: Test | None = field(repr=False, compare=False)
    option_ids: frozenset[Value] = field(repr=False, compare=False)
    candidates: tuple[Value, ...] = field(repr=False, compare=False)
    names_not_applicable: bool = field(repr=False, compare=False)
    #: Days a volatile answer holds before the decision is re-checked (None: the app's configured default).
    recheck_days: int | None = field(default=None, compare=False)

    def option(self, option_id: Value) -> Option | None:
        """Return the option with this id, or None."""
        for option in self.options:
            if option.id == option_id:
                return option
        return None

    def label(self, value: Value, lang: str = "sv") -> str:
        """Return the label of an answer value in the language, or the value itself."""
        option = self.option(value)
        return option.label.get(lang) if option is not None else str(value)

    def required_evidence(self, value: Value) -> str | None:
        """Return the minimum evidence level at which this known answer counts, or None."""
        return self.min_evidence.get(value, self.min_evidence_any)

    @property
    def is_always_shown(self) -> bool:
        """Tell whether the question's ask_if is ``always``."""
        return self.visible is None


@dataclass(frozen=True, slots=True)
class Group:
    """A sub-heading within an area and its questions in catalogue order."""

    id: str
    area: str
    title: Text
    questions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Area:
    """An area and its groups in display order."""

    id: str
    title: Text
    groups: tuple[Group, ...]
    questions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Mitigation:
    """An entry of the mitigation catalogue."""

    id: str
    text: Text
    evidence: str


@dataclass(frozen=True, slots=True)
class RuleSet:
    """A validated rule set, pinned by ``(id, version, sha256)``."""

    id: str
    version: int
    title: Text
    description: Text | None
    sha256: str
    source: str
    areas: tuple[Area, ...]
    questions: tuple[Question, ...]
    mitigations: tuple[Mitigation, ...]
    order: tuple[Question, ...] = field(repr=False, compare=False)
    by_id: Mapping[str, Question] = field(repr=False, compare=False)
    mitigations_by_id: Mapping[str, Mitigation] = field(repr=False, compare=False)
    #: What the engine compiles from this rule set on first use (rules.compiled); never compared or shown.
    compiled: dict[str, object] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def key(self) -> str:
        """Return ``id@version``."""
        return f"{self.id}@{self.version}"

    def question(self, question_id: str) -> Question:
        """Return the question with this id (KeyError if there is none)."""
        return self.by_id[question_id]

    def mitigation(self, mitigation_id: str) -> Mitigation:
        """Return the mitigation with this id (KeyError if there is none)."""
        return self.mitigations_by_id[mitigation_id]

    def area(self, area_id: str) -> Area:
        """Return the area with this id (KeyError if there is none)."""
        for area in self.areas:
            if area.id == area_id:
                return area
        raise KeyError(area_id)

    def questions_in(self, area_id: str, group_id: str | None = None) -> tuple[Question, ...]:
        """Return the questions of an area (or of one of its groups) in catalogue order."""
        return tuple(q for q in self.questions if q.area == area_id and (group_id is None or q.group == group_id))

    def pin(self) -> dict[str, object]:
        """Return ``{"id", "version", "sha256"}``, what an assessment stores."""
        return {"id": self.id, "version": self.version, "sha256": self.sha256}
