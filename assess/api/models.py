"""The API's request and response bodies as pydantic models: the OpenAPI document is generated from them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

#: The largest page the lists give.
MAX_PER_PAGE = 100


class Strict(BaseModel):
    """A request body: unknown fields are refused, so a misspelt field is an error, never silently dropped."""

    model_config = ConfigDict(extra="forbid")


class PageQuery(Strict):
    """Which page of a list: `page` from 1, `per_page` at most 100."""

    page: int = Field(1, ge=1, le=1_000_000)
    per_page: int = Field(25, ge=1, le=MAX_PER_PAGE)


class IfMatch(BaseModel):
    """The assessment's version as its ETag showed it: required on every write."""

    model_config = ConfigDict(populate_by_name=True)

    if_match: str = Field(..., alias="If-Match", description='The ETag of the assessment, e.g. "12"')


class Problem(BaseModel):
    """An error (RFC 9457 problem details) listing every problem; `fields` by field name; `current` on a 412."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""
    problems: list[str] = Field(default_factory=list)
    fields: dict[str, str] = Field(default_factory=dict)
    current: dict[str, Any] | None = None


class Paged(BaseModel):
    """What every paged list says besides its items."""

    total: int
    page: int
    per_page: int
    pages: int


class RulesetPin(BaseModel):
    id: str
    version: int
    sha256: str


class AssessmentRef(BaseModel):
    id: int
    scope: str
    revision: int
    status: str
    ruleset: RulesetPin


class AlternativeOut(BaseModel):
    id: int
    name: str
    operating_model: str | None = None
    provider: str | None = None
    position: int
    assessments: list[AssessmentRef]


class CaseSummary(BaseModel):
    id: int
    title: str
    status: str
    information_owner: str | None = None
    decision_maker: str | None = None


class CaseOut(CaseSummary):
    """A case with its alternatives and each alternative's assessments (its modules and their revisions)."""

    alternatives: list[AlternativeOut]


class CaseList(Paged):
    items: list[CaseSummary]


class AnswerOut(BaseModel):
    question_id: str
    value: Any = None
    evidence: str
    motivation: str
    evidence_ref: str
    #: The picked assignee's key ("u:<id>", "c:<id>"), "" for the case team's default.
    unknown_owner: str
    unknown_due: date | None = None
    changed_in_version: int
    updated_at: datetime | None = None
    updated_by: str | None = None


class AnswerList(BaseModel):
    assessment_id: int
    version: int
    items: list[AnswerOut]


class AssessmentOut(BaseModel):
    """An assessment, its version (also its ETag) and its evaluation as `python -m rules evaluate` prints it."""

    id: int
    case_id: int
    alternative_id: int
    scope: str
    revision: int
    status: str
    version: int
    owner: str | None = None
    ruleset: RulesetPin
    evaluation: dict[str, Any]


class AnswerIn(Strict):
    """One answer. In a PATCH only the fields given change; a PUT replaces the answer (missing fields: defaults)."""

    value: Any = None
    evidence: str | None = Field(None, description="E0–E4")
    motivation: str | None = None
    evidence_ref: str | None = None
    unknown_owner: str | None = None
    unknown_due: date | None = None


class AnswersIn(Strict):
    """Several answers at once, by question id; saved all or none."""

    answers: dict[str, AnswerIn] = Field(..., min_length=1, max_length=500)


class SaveOut(BaseModel):
    assessment_id: int
    version: int
    changed: list[str]


class SubmitOut(BaseModel):
    assessment_id: int
    status: str
    round: int
    verdict: str


class CommentIn(Strict):
    text: str = Field(..., max_length=5000)
    question_id: str | None = Field(None, max_length=16)
    parent_id: int | None = Field(None, ge=1, le=2**31 - 1)


class CommentOut(BaseModel):
    id: int
    assessment_id: int
    question_id: str | None = None
    parent_id: int | None = None
    author: str
    created_at: datetime
    text: str


class CommentList(Paged):
    items: list[CommentOut]


class TaskItem(BaseModel):
    """One entry of a task list: the assessment it is about, and what it is (a question, a condition, areas)."""

    assessment_id: int
    case_id: int | None = None
    title: str
    question_id: str | None = None
    condition_id: int | None = None
    areas: list[str] = Field(default_factory=list)
    due: date | None = None
    #: The vendor contact (no account) who is to find the question out (contact_questions).
    contact: str | None = None


class TaskSection(BaseModel):
    """One list's first page: `total` entries in all, in `pages` pages (GET /tasks/{section}?page=N for the rest)."""

    total: int
    pages: int
    items: list[TaskItem]


class TasksOut(BaseModel):
    """The user's *Mina uppgifter*, each list its first page (20 entries a page)."""

    sections: dict[str, TaskSection]


class TasksQuery(Strict):
    """What the task lists are narrowed to, as on *Mina uppgifter*: `q`, a text in the case's title, the
    alternative's name or the module's (any letter's case); `overdue`, only what is late (a question or condition
    past its date, a module with one)."""

    q: str = Field("", max_length=200)
    overdue: bool = False


class TaskPageQuery(TasksQuery):
    """Which page of a task list, from 1 (20 entries a page; a page past the end gives the last), narrowed as
    TasksQuery says."""

    page: int = Field(1, ge=1, le=1_000_000)


class TaskPage(Paged):
    """One page of one task list: `page` is the page given (the last, when the one asked for is past the end)."""

    items: list[TaskItem]


class ConditionOut(BaseModel):
    id: int
    question_id: str
    outcome: str
    mitigations: list[Any]
    owner: str
    deadline: date | None = None
    gate: str | None = None
    claimed: bool
    fulfilled: bool


class DecisionOut(BaseModel):
    assessment_id: int
    outcome: str
    verdict: str
    worst_case: str
    residual_risks: str
    next_review: date | None = None
    decided_at: datetime
    decided_by: str
    conditions: list[ConditionOut]


class RecordOut(BaseModel):
    """The frozen record of a decision: its canonical JSON (parsed) and that text's SHA-256."""

    assessment_id: int
    created_at: datetime
    sha256: str
    record: dict[str, Any]


class OptionOut(BaseModel):
    id: Any
    label: dict[str, str]


class QuestionOut(BaseModel):
    id: str
    area: str
    group: str
    type: str
    title: dict[str, str]
    text: dict[str, str]
    answered_by: str
    options: list[OptionOut]


class AreaOut(BaseModel):
    id: str
    title: dict[str, str]
    questions: list[str]


class RulesetOut(BaseModel):
    id: str
    version: int
    sha256: str
    title: dict[str, str]
    areas: list[AreaOut]
    questions: list[QuestionOut]
