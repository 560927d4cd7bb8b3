"""The report-data contract: frozen plain data that a service fills and the renderers read.

Standard library only. Codes are the JSON vocabulary of `scoring.md` §1; the renderers turn them into words in
the report's language (`assess.pdf.labels`, with the translate function they are given). Every text field is
printed literally (escaped), never as markup, and is already in the report's `language` (the service picks the
rule set's Swedish or English texts). Sequences are tuples so that an object is immutable all the way down;
lists are in catalogue order (G, L, S, P).

Running text is plain words: `summary` and `reason` fields (of knock-outs, unknowns, overrides) are the rule set's
own reasons. Only `Question.reason`, the rule trace in the rules module's notation, is printed in the appendix.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

Verdict = Literal["suitable", "suitable_with_conditions", "not_suitable", "cannot_assess"]
Area = Literal["context", "legal", "infosec", "patient_safety"]
AreaResult = Literal["met", "met_with_conditions", "not_met", "cannot_assess"]
Outcome = Literal["OK", "C", "KO", "UB", "UN", "NA"]
Evidence = Literal["E0", "E1", "E2", "E3", "E4"]
AnsweredBy = Literal["provider", "legal", "region"]
Status = Literal["draft", "submitted", "in_review", "changes_requested", "reviewed", "decided", "superseded"]
OverrideKind = Literal["legal", "technical"]
Day = date  # an alias, because Override has a field named `date`

AREAS: tuple[Area, ...] = ("context", "legal", "infosec", "patient_safety")
FINAL_STATUSES: frozenset[str] = frozenset({"decided", "superseded"})


@dataclass(frozen=True)
class Reference:
    """A legal or technical reference; `verify` marks one the region's lawyers must still check."""

    text: str
    verify: bool = False


@dataclass(frozen=True)
class RuleSetIdentity:
    """The rule set an assessment is pinned to."""

    id: str
    version: str
    sha256: str


@dataclass(frozen=True)
class Mitigation:
    """A mitigation from the catalogue (id `M-xx`, or `override`), as a condition or as a suggested fix.

    Owner and the one deadline (a date or a gate) are filled for conditions of a decision; `gate` is a code
    (`before_contract`, `before_go_live`, `within_months`) or free text, printed as its label or as given.
    `overdue` marks a date that passed without the condition being verified (`fulfilled`).
    """

    id: str
    text: str
    owner: str | None = None
    deadline: date | None = None
    gate: str | None = None
    fulfilled: bool = False
    overdue: bool = False


@dataclass(frozen=True)
class QuestionRef:
    """A question named by id and title (used in lists such as the comparison's knock-outs).

    `answered_by` names who is to answer an open question (the comparison's decisive unknowns).
    """

    question_id: str
    title: str
    answered_by: AnsweredBy | None = None


@dataclass(frozen=True)
class Knockout:
    """A knock-out: the rule's reason in words, its references and the mitigations that would change it (`fix`)."""

    question_id: str
    title: str
    reason: str
    references: tuple[Reference, ...] = ()
    fixes: tuple[Mitigation, ...] = ()


@dataclass(frozen=True)
class Override:
    """A knock-out lifted by a recorded finding (scoring.md §6); always shown, as the law is contested."""

    question_id: str
    title: str
    reference: str
    author: str
    date: Day
    kind: OverrideKind | None = None
    review_date: Day | None = None
    original_reason: str = ""


@dataclass(frozen=True)
class Unknown:
    """An open question and who must answer it; `reason` says in words why it is unknown (what is missing)."""

    question_id: str
    title: str
    answered_by: AnsweredBy
    outcome: Outcome = "UB"
    reason: str = ""


@dataclass(frozen=True)
class Condition:
    """A question with outcome `C` and its mitigations; `overridden` marks `C[override]`."""

    question_id: str
    title: str
    mitigations: tuple[Mitigation, ...] = ()
    overridden: bool = False


@dataclass(frozen=True)
class Question:
    """A shown question as the report prints it.

    `answer` is the label of the stored answer (None: unanswered); `outcome`, `summary` and `reason` come from the
    stored evaluation: `summary` says in words why (the rule's own reason; the references are in `references`),
    `reason` is the rule trace in the rules module's notation (printed only in the appendix "Regelspår").
    `mitigations` are the mitigations of a `C` outcome (id and text).
    """

    id: str
    title: str
    text: str
    answer: str | None
    evidence: Evidence | None
    outcome: Outcome
    reason: str
    motivation: str = ""
    evidence_reference: str = ""
    references: tuple[Reference, ...] = ()
    mitigations: tuple[Mitigation, ...] = ()
    answered_by: AnsweredBy | None = None
    overridden: bool = False
    summary: str = ""


@dataclass(frozen=True)
class IgnoredAnswer:
    """An answer stored for a question that is not shown; it counts nowhere (scoring.md §3.1)."""

    question_id: str
    title: str
    answer: str


@dataclass(frozen=True)
class AreaSection:
    """One area: its result and every shown question, in catalogue order."""

    area: Area
    result: AreaResult
    questions: tuple[Question, ...] = ()
    ignored_answers: tuple[IgnoredAnswer, ...] = ()

    def outcome_counts(self) -> dict[Outcome, int]:
        """Count the outcomes of the area's shown questions."""
        counts: dict[Outcome, int] = {"OK": 0, "C": 0, "KO": 0, "UB": 0, "UN": 0, "NA": 0}
        for question in self.questions:
            counts[question.outcome] += 1
        return counts


@dataclass(frozen=True)
class ReviewComment:
    """A reviewer's comment on a question (`target` = question id) or on an area (`target` = area code)."""

    target: str
    author: str
    time: datetime
    text: str


@dataclass(frozen=True)
class AreaApproval:
    """A reviewer's approval of one area."""

    area: Area
    reviewer: str
    time: datetime
    role: str = ""


@dataclass(frozen=True)
class Decision:
    """The signed decision: approved or rejected, accepted residual risks, conditions and the next review."""

    decision_maker: str
    time: datetime
    approved: bool
    residual_risks: str = ""
    next_review: date | None = None
    conditions: tuple[str, ...] = ()
    role: str = ""
    text: str = ""


@dataclass(frozen=True)
class AssessmentReport:
    """Everything the assessment report prints; `record_hash` is None until the record is frozen.

    `language` is the language of the texts ("sv" or "en"); `archived` marks the report rendered once at the
    decision and stored with the frozen record (in Swedish, the record's language). An empty `title` is the
    report's own title in its language.
    """

    case_title: str
    alternative: str
    scope: str
    status: Status
    generated: datetime
    record_id: str
    ruleset: RuleSetIdentity
    verdict: Verdict
    worst_case: Verdict
    areas: tuple[AreaSection, ...]
    record_hash: str | None = None
    title: str = ""
    author: str = ""
    knockouts: tuple[Knockout, ...] = ()
    overrides: tuple[Override, ...] = ()
    decisive_unknowns: tuple[Unknown, ...] = ()
    blocking_unknowns: tuple[Unknown, ...] = ()
    conditions: tuple[Condition, ...] = ()
    comments: tuple[ReviewComment, ...] = ()
    approvals: tuple[AreaApproval, ...] = ()
    decision: Decision | None = None
    language: str = "sv"
    archived: bool = False
    #: The assessment's revision number (1, 2, ...); the cover names it.
    revision: int = 1

    @property
    def is_draft(self) -> bool:
        """Tell whether the report shows a record that is not decided (it is then watermarked)."""
        return self.status not in FINAL_STATUSES

    def area(self, code: Area) -> AreaSection | None:
        """Return the section of one area, or None when the report has none."""
        return next((section for section in self.areas if section.area == code), None)


@dataclass(frozen=True)
class AreaResults:
    """The four area results of one alternative."""

    context: AreaResult
    legal: AreaResult
    infosec: AreaResult
    patient_safety: AreaResult

    def get(self, area: Area) -> AreaResult:
        """Return the result of one area."""
        result: AreaResult = getattr(self, area)
        return result


@dataclass(frozen=True)
class ScenarioRow:
    """A scenario of a compared module: hypothetical answers to its open questions on top of the real ones.

    Never the module's answers or verdict; the report marks it "Scenario (hypotetiskt)". `changed` lists the
    questions it answers hypothetically.
    """

    name: str
    verdict: Verdict
    worst_case: Verdict
    area_results: AreaResults
    knockouts: tuple[QuestionRef, ...] = ()
    decisive_unknowns: tuple[QuestionRef, ...] = ()
    conditions: tuple[QuestionRef, ...] = ()
    changed: tuple[str, ...] = ()


@dataclass(frozen=True)
class ComparisonRow:
    """One alternative (or one module of it) in the comparison; `alternative_id` tells alternatives apart.

    The row is the module's newest revision (`revision`). When an older revision's decision stands while the
    newer one is in progress, `decided_revision`, `decided_verdict` and `decided_approved` say what was decided;
    they are None when the row's revision is itself decided or no revision is.
    """

    alternative: str
    module: str
    status: Status
    verdict: Verdict
    worst_case: Verdict
    area_results: AreaResults
    knockouts: tuple[QuestionRef, ...] = ()
    decisive_unknowns: tuple[QuestionRef, ...] = ()
    conditions: tuple[QuestionRef, ...] = ()
    blocking_unknown_count: int = 0
    record_id: str = ""
    alternative_id: str = ""
    revision: int = 1
    decided_revision: int | None = None
    decided_verdict: Verdict | None = None
    decided_approved: bool | None = None
    #: The module's scenarios (hypothetical), shown under its row and never counted as assessments.
    scenarios: tuple[ScenarioRow, ...] = ()


@dataclass(frozen=True)
class ComparisonReport:
    """The comparison of a case's alternatives; draft when any row is not decided.

    `language` is the language of the texts ("sv" or "en"); an empty `title` is the report's own title.
    """

    case_title: str
    generated: datetime
    rows: tuple[ComparisonRow, ...]
    title: str = ""
    author: str = ""
    ruleset: RuleSetIdentity | None = None
    notes: tuple[str, ...] = ()
    language: str = "sv"

    @property
    def alternative_count(self) -> int:
        """Count the alternatives compared (a row is one assessment: an alternative or one module of it)."""
        return len({row.alternative_id or row.alternative for row in self.rows})

    @property
    def is_draft(self) -> bool:
        """Tell whether any compared assessment is not decided (the report is then watermarked)."""
        return any(row.status not in FINAL_STATUSES for row in self.rows)


@dataclass(frozen=True)
class PartyFacts:
    """The facts one party (`answered_by`) must still find out for a module: how many, by when, by whom.

    `people` are the named persons who find them out (picked, or the team's default); `unnamed` counts the facts
    nobody is named for; `earliest_due` is the earliest due date set on any of them (None: none set).
    """

    answered_by: AnsweredBy
    count: int
    earliest_due: date | None = None
    people: tuple[str, ...] = ()
    unnamed: int = 0


@dataclass(frozen=True)
class KnockoutLine:
    """A knock-out named by id and title, with its reason in one line (the rule's own words)."""

    question_id: str
    title: str
    reason: str = ""


@dataclass(frozen=True)
class ScenarioLine:
    """A saved scenario (hypothetical answers) and the verdict it would give; never the real verdict."""

    name: str
    verdict: Verdict
    worst_case: Verdict
    knockouts: int = 0
    conditions: int = 0


@dataclass(frozen=True)
class SteeringModule:
    """One module of an alternative in the steering group's brief: now, at worst, and what it takes.

    `favourable` is the favourable completion's sentence and `scenarios` the saved scenarios; None for either
    means the part is not available (the page and the report say so), an empty tuple that there are none.
    """

    alternative: str
    module: str
    status: Status
    verdict: Verdict
    worst_case: Verdict
    record_id: str = ""
    alternative_id: str = ""
    revision: int = 1
    decided_revision: int | None = None
    decided_verdict: Verdict | None = None
    decided_approved: bool | None = None
    favourable: str | None = None
    favourable_verdict: Verdict | None = None
    #: How many of the open questions the favourable completion needs answered (None: not available).
    favourable_needed: int | None = None
    facts: tuple[PartyFacts, ...] = ()
    knockouts: tuple[KnockoutLine, ...] = ()
    conditions: tuple[QuestionRef, ...] = ()
    scenarios: tuple[ScenarioLine, ...] | None = None

    @property
    def facts_total(self) -> int:
        """Count the facts still to find, over every party."""
        return sum(party.count for party in self.facts)


@dataclass(frozen=True)
class SteeringBrief:
    """The steering group's *Beslutsunderlag* of a case: one block per alternative's module, in words.

    `language` is the language of the texts ("sv" or "en"); an empty `title` is the report's own title.
    """

    case_title: str
    generated: datetime
    modules: tuple[SteeringModule, ...]
    case_id: str = ""
    title: str = ""
    author: str = ""
    ruleset: RuleSetIdentity | None = None
    notes: tuple[str, ...] = ()
    language: str = "sv"

    def alternatives(self) -> list[tuple[str, tuple[SteeringModule, ...]]]:
        """Return the modules grouped by alternative, (name, modules), in the case's order."""
        groups: dict[str, list[SteeringModule]] = {}
        for m in self.modules:
            groups.setdefault(m.alternative_id or m.alternative, []).append(m)
        return [(items[0].alternative, tuple(items)) for items in groups.values()]

    def with_verdict(self, *verdicts: Verdict) -> tuple[SteeringModule, ...]:
        """Return the modules whose verdict now is one of the given ones, in order."""
        return tuple(m for m in self.modules if m.verdict in verdicts)

    @property
    def is_draft(self) -> bool:
        """Tell whether any module is not decided (the report is then watermarked)."""
        return any(m.status not in FINAL_STATUSES for m in self.modules)
