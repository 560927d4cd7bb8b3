"""The rule-set file format (YAML) as pydantic models; every model forbids unknown keys.

A rule set file looks like this (abridged; ``rules/rulesets/molnlamplighet/1.yaml`` is the full example)::

    format: 1
    id: molnlamplighet
    version: 1
    title: {sv: Molnlämplighet, en: Cloud suitability}
    areas:                       # the four areas of scoring.md, each with its groups (form sub-headings)
    - id: legal
      title: {sv: Juridik, en: Legal}
      groups:
      - id: data_protection
        title: {sv: Dataskydd (GDPR), en: Data protection (GDPR)}
    questions:                   # in catalogue order: G, L, S, P, each by number
    - id: L-05
      area: legal
      group: data_protection
      title: {sv: ..., en: ...}
      text: {sv: ..., en: ...}
      help: {sv: ..., en: ...}   # optional
      type: ynu                  # ynu | choice | level | maturity | text
      options: ynu               # a standard set (ynu, level) or a list of {id, sv, en}
      ask_if: G-04 = yes and G-18 in {support_access, hosts_or_operates}
      rules:                     # ordered; first match wins (scoring.md §3.3)
      - when: L-05 = no          # compact notation, or structured: {eq: [L-05, "no"]}
        outcome: KO              # OK | C | KO | UB | UN | NA
        fix: []                  # KO only: mitigations that would remove the knock-out
        reason: {sv: ..., en: ...}
      - when: L-05 = yes
        outcome: OK
        reason: {sv: ..., en: ...}
      on_unknown: UB             # UB | UN
      answered_by: legal         # provider | legal | region
      volatile: false
      recheck_days: 180          # optional, volatile questions only: re-check the answer after this many days
      min_evidence: {"yes": E2}  # per option, or {any: E3} for every known answer
      refs:
      - {text: "GDPR (EU) 2016/679, Art. 28(3)", verify: false}
    mitigations:
    - {id: M-01, sv: ..., en: ..., evidence: ...}

Conditions (``ask_if``, ``when``) are validated by the loader, not here, so that every problem is reported
with its exact place (see ``rules.conditions`` for the vocabulary).
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, field_validator

AREAS: Final = ("context", "legal", "infosec", "patient_safety")
OUTCOMES: Final = ("OK", "C", "KO", "UB", "UN", "NA")
EVIDENCE: Final = ("E0", "E1", "E2", "E3", "E4")
QUESTION_TYPES: Final = ("ynu", "choice", "level", "maturity", "text")
ANSWERED_BY: Final = ("provider", "legal", "region")

AreaId = Literal["context", "legal", "infosec", "patient_safety"]
OutcomeCode = Literal["OK", "C", "KO", "UB", "UN", "NA"]
QuestionType = Literal["ynu", "choice", "level", "maturity", "text"]
AnsweredBy = Literal["provider", "legal", "region"]
MinEvidenceLevel = Literal["E1", "E2", "E3", "E4"]

NonEmpty = Annotated[StrictStr, Field(min_length=1, pattern=r"\S")]
Snake = Annotated[StrictStr, Field(pattern=r"^[a-z][a-z0-9_]*$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TextSpec(_Model):
    """A text in Swedish and English; both are required."""

    sv: NonEmpty
    en: NonEmpty


class OptionSpec(_Model):
    """An answer option: a stable id (snake_case, or an integer for level and maturity) and its labels."""

    id: Any
    sv: NonEmpty
    en: NonEmpty

    @field_validator("id")
    @classmethod
    def _id(cls, value: Any) -> str | int:
        if isinstance(value, bool):
            raise ValueError(f"option id {value!r} is a YAML boolean: quote it ('yes', 'no')")
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value and value.replace("_", "a").isalnum() and value[0].isalpha():
            if value != value.lower():
                raise ValueError(f"option id {value!r} must be snake_case")
            return value
        raise ValueError(f"option id {value!r} must be snake_case text or an integer")


class RefSpec(_Model):
    """A reference (act and section, decision, guidance); ``verify`` marks one the lawyers must check."""

    text: NonEmpty
    verify: StrictBool = False


class RuleSpec(_Model):
    """An outcome rule: when the condition holds, the outcome applies (scoring.md §3.3)."""

    when: Any
    outcome: OutcomeCode
    mitigations: list[StrictStr] = Field(default_factory=list)
    fix: list[StrictStr] | None = None
    reason: TextSpec


class QuestionSpec(_Model):
    """One question of the catalogue (criteria.md §1.1)."""

    id: Annotated[StrictStr, Field(pattern=r"^[GLSP]-\d{2}$")]
    area: AreaId
    group: Snake
    title: TextSpec
    text: TextSpec
    help: TextSpec | None = None
    type: QuestionType
    options: list[OptionSpec] | None = None
    ask_if: Any = "always"
    rules: list[RuleSpec] = Field(min_length=1)
    on_unknown: Literal["UB", "UN"]
    answered_by: AnsweredBy
    volatile: StrictBool = False
    #: How long a volatile question's answer holds before the decision is re-checked (None: the app's default).
    recheck_days: int | None = Field(default=None, ge=1, le=3650)
    min_evidence: dict[Any, MinEvidenceLevel] | None = None
    refs: list[RefSpec] = Field(default_factory=list)


class GroupSpec(_Model):
    """A sub-heading within an area; the questionnaire groups fields by it."""

    id: Snake
    title: TextSpec


class AreaSpec(_Model):
    """One of the four areas, with its groups in display order."""

    id: AreaId
    title: TextSpec
    groups: list[GroupSpec] = Field(min_length=1)


class MitigationSpec(_Model):
    """An entry of the mitigation catalogue (criteria.md §9)."""

    id: Annotated[StrictStr, Field(pattern=r"^M-\d{2}$")]
    sv: NonEmpty
    en: NonEmpty
    evidence: NonEmpty


class RuleSetSpec(_Model):
    """A whole rule-set file."""

    format: Literal[1]
    id: Snake
    version: Annotated[StrictInt, Field(ge=1)]
    title: TextSpec
    description: TextSpec | None = None
    areas: list[AreaSpec] = Field(min_length=4, max_length=4)
    questions: list[QuestionSpec] = Field(min_length=1)
    mitigations: list[MitigationSpec] = Field(default_factory=list)


# The standard option sets of criteria.md §1.2; a file may write `options: ynu` or `options: level`,
# or leave `options` out for those two types.
STANDARD_OPTIONS: Final[dict[str, list[dict[str, Any]]]] = {
    "ynu": [
        {"id": "yes", "sv": "Ja", "en": "Yes"},
        {"id": "no", "sv": "Nej", "en": "No"},
        {"id": "unknown", "sv": "Okänt", "en": "Unknown"},
        {"id": "not_applicable", "sv": "Ej tillämpligt", "en": "Not applicable"},
    ],
    "level": [
        {"id": 0, "sv": "0 Ingen/försumbar", "en": "0 None or negligible"},
        {"id": 1, "sv": "1 Måttlig", "en": "1 Moderate"},
        {"id": 2, "sv": "2 Betydande", "en": "2 Substantial"},
        {"id": 3, "sv": "3 Allvarlig", "en": "3 Serious"},
        {"id": 4, "sv": "4 Synnerligen allvarlig", "en": "4 Very serious"},
        {"id": "unknown", "sv": "Okänt", "en": "Unknown"},
    ],
}
