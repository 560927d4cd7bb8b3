"""Decision support: scenarios (hypothetical answers), watched facts, and the flags that ask for a re-assessment."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assess.extensions import Base
from assess.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from assess.models.assessment import Assessment
    from assess.models.user import User


class Scenario(Base):
    """A named set of hypothetical answers to an assessment's open questions, kept beside the real answers.

    ``answers`` maps a question id to ``{"value": ..., "evidence": "E0".."E4"}``; it never changes an answer.
    """

    __tablename__ = "scenarios"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    answers: Mapped[Any] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True, nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    #: Optimistic-locking counter: a save of a stale editor page is refused, never silently overwritten.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    assessment: Mapped[Assessment] = relationship()
    created_by: Mapped[User | None] = relationship()


class FactWatch(Base):
    """A named watch on volatile facts: the answers that would be true if the fact changed (e.g. DPF falls)."""

    __tablename__ = "fact_watches"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    #: question id -> the value it would have (with sufficient evidence) if the fact changed.
    changes: Mapped[Any] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True, nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    created_by: Mapped[User | None] = relationship()


class FactChange(Base):
    """An admin recorded that a watched fact has changed, on a date and with a reference."""

    __tablename__ = "fact_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    watch_id: Mapped[int] = mapped_column(ForeignKey("fact_watches.id", ondelete="RESTRICT"), index=True)
    changed_on: Mapped[date] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(500))
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True, nullable=True
    )
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    watch: Mapped[FactWatch] = relationship()
    recorded_by: Mapped[User | None] = relationship()


class ReassessmentFlag(Base):
    """*Omprövning krävs*: why a decided assessment must be looked at again, until a re-assessment starts."""

    __tablename__ = "reassessment_flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    #: "fact" (a recorded fact change), "next_review" (the decision's date came), "volatile" (an answer aged).
    source: Mapped[str] = mapped_column(String(32), index=True)
    reason: Mapped[str] = mapped_column(Text)
    fact_change_id: Mapped[int | None] = mapped_column(
        ForeignKey("fact_changes.id", ondelete="SET NULL"), index=True, nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Set when "Starta omprövning" made the new revision (the flag then shows as handled).
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True, nullable=True
    )
    revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessments.id", ondelete="SET NULL"), index=True, nullable=True
    )

    assessment: Mapped[Assessment] = relationship(foreign_keys=[assessment_id])
    fact_change: Mapped[FactChange | None] = relationship()


class EvaluationSummary(Base):
    """What the lists need of an assessment's evaluation, kept so a list never re-evaluates (a cache).

    ``cache_key`` names what it was computed from (the assessment's version, its rule set's sha256 and its
    overrides); a summary whose key no longer matches is stale and is computed again before it is used.
    """

    __tablename__ = "evaluation_summaries"

    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), primary_key=True)
    cache_key: Mapped[str] = mapped_column(String(200))
    verdict: Mapped[str] = mapped_column(String(32), index=True)
    worst_case: Mapped[str] = mapped_column(String(32))
    needs_legal: Mapped[bool] = mapped_column(Boolean, default=False)
    needs_infosec: Mapped[bool] = mapped_column(Boolean, default=False)
    needs_patient_safety: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Counts for the lists: {"knockouts": n, "conditions": n, "blocking": n, "unknown": n}.
    counts: Mapped[Any] = mapped_column(JSON, default=dict)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AnswerAuthor(Base):
    """Who saved an answer to which question of an assessment: four-eyes in one indexed query.

    Written with every save (the audit trail holds the same facts, event by event); never removed.
    """

    __tablename__ = "answer_authors"
    __table_args__ = (
        UniqueConstraint("assessment_id", "user_id", "question_id", name="uq_answer_authors"),
        Index("ix_answer_authors_user", "user_id", "assessment_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(16))
