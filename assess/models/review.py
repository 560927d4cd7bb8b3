"""Review and decision: submissions, comments, change requests, approvals, overrides, decisions, frozen records."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assess.extensions import Base
from assess.models.types import UTCDateTime, str_enum, utcnow
from assess.models.user import ReviewArea

if TYPE_CHECKING:
    from assess.models.assessment import Assessment
    from assess.models.case import CaseContact
    from assess.models.user import User


class Submission(Base):
    """What the owner submitted: answers, evaluation and rule-set pin, as they were."""

    __tablename__ = "submissions"
    __table_args__ = (
        #: A module's current round (max(round)) in one seek: the reviewer queue asks it of every waiting module.
        Index("ix_submissions_assessment_round", "assessment_id", "round"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ruleset: Mapped[Any] = mapped_column(JSON)
    answers: Mapped[Any] = mapped_column(JSON)
    evaluation: Mapped[Any] = mapped_column(JSON)

    submitted_by: Mapped[User] = relationship()


class ReviewComment(Base):
    """A comment on a question (or on an area), threaded by ``parent_id``; visible to the architect."""

    __tablename__ = "review_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[str | None] = mapped_column(String(16), nullable=True, index=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("review_comments.id", ondelete="CASCADE"), nullable=True, index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    text: Mapped[str] = mapped_column(Text)

    author: Mapped[User] = relationship()


class ChangeRequest(Base):
    """A reviewer sent the assessment back to the architect, saying what to fix."""

    __tablename__ = "change_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    area: Mapped[ReviewArea] = mapped_column(str_enum(ReviewArea, "review_area"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reason: Mapped[str] = mapped_column(Text)

    reviewer: Mapped[User] = relationship()


class AreaApproval(Base):
    """A reviewer approved an area in one submission round."""

    __tablename__ = "area_approvals"
    __table_args__ = (UniqueConstraint("assessment_id", "round", "area"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    area: Mapped[ReviewArea] = mapped_column(str_enum(ReviewArea, "review_area"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")

    reviewer: Mapped[User] = relationship()


class OverrideKind(enum.StrEnum):
    """A legal memo or a technical finding."""

    LEGAL = "legal"
    TECHNICAL = "technical"


class KnockoutOverride(Base):
    """A knock-out lifted by a recorded finding (scoring.md §6); it stays visible as a condition."""

    __tablename__ = "overrides"
    __table_args__ = (UniqueConstraint("assessment_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[str] = mapped_column(String(16))
    kind: Mapped[OverrideKind] = mapped_column(str_enum(OverrideKind, "override_kind"))
    reference: Mapped[str] = mapped_column(String(500))
    author: Mapped[str] = mapped_column(String(200))
    finding_date: Mapped[date] = mapped_column(Date)
    review_date: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    recorded_by: Mapped[User] = relationship()


class DecisionOutcome(enum.StrEnum):
    """The decision maker's decision."""

    APPROVED = "approved"
    REJECTED = "rejected"


class Decision(Base):
    """The decision on an assessment: approve the use or reject it, with the residual risks accepted."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), unique=True)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    outcome: Mapped[DecisionOutcome] = mapped_column(str_enum(DecisionOutcome, "decision_outcome"))
    verdict: Mapped[str] = mapped_column(String(32))
    worst_case: Mapped[str] = mapped_column(String(32))
    residual_risks: Mapped[str] = mapped_column(Text, default="")
    next_review: Mapped[date | None] = mapped_column(Date, nullable=True)

    decided_by: Mapped[User] = relationship()


class Gate(enum.StrEnum):
    """When a condition must be met."""

    BEFORE_CONTRACT = "before_contract"
    BEFORE_GO_LIVE = "before_go_live"
    WITHIN_MONTHS = "within_months"


class DecisionCondition(Base):
    """A condition of a decision, with owner, deadline and gate; fulfilment is tracked afterwards."""

    __tablename__ = "decision_conditions"
    __table_args__ = (UniqueConstraint("decision_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id", ondelete="CASCADE"), index=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(4))
    mitigations: Mapped[Any] = mapped_column(JSON)
    #: The owner: a user or a contact of the case (exactly one of them).
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True, nullable=True)
    owner_contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("case_contacts.id", ondelete="RESTRICT"), index=True, nullable=True
    )
    #: The one deadline: a date, or a gate (before contract, before go-live, within N months of the decision).
    deadline: Mapped[date | None] = mapped_column(Date, index=True, nullable=True)
    gate: Mapped[Gate | None] = mapped_column(str_enum(Gate, "gate"), nullable=True)
    gate_months: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: Fulfilment is claimed by the owner (note and evidence below) ...
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    claimed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True, nullable=True
    )
    #: ... and verified (fulfilled, fulfilled_by = the verifier) or sent back with a reason.
    returned_reason: Mapped[str] = mapped_column(Text, default="")
    fulfilled: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    fulfilled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    fulfilled_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True, nullable=True
    )
    fulfilled_note: Mapped[str] = mapped_column(Text, default="")
    fulfilled_evidence: Mapped[str] = mapped_column(String(500), default="")
    #: The audit event that recorded the last change of the follow-up; the database refuses a change without one.
    audit_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)

    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    owner_contact: Mapped[CaseContact | None] = relationship(foreign_keys=[owner_contact_id])
    claimed_by: Mapped[User | None] = relationship(foreign_keys=[claimed_by_id])
    fulfilled_by: Mapped[User | None] = relationship(foreign_keys=[fulfilled_by_id])
    decision: Mapped[Decision] = relationship()
    assessment: Mapped[Assessment] = relationship()

    @property
    def owner_label(self) -> str:
        """Return the owner's name (a contact with their organisation)."""
        if self.owner is not None:
            return self.owner.display_name
        if self.owner_contact is not None:
            return self.owner_contact.label
        return ""

    @property
    def claimed(self) -> bool:
        """Tell whether fulfilment is claimed and waits for verification."""
        return self.claimed_at is not None and not self.fulfilled

    def overdue(self, today: date) -> bool:
        """Tell whether the date deadline has passed without the condition being verified (gates have no date)."""
        return not self.fulfilled and self.deadline is not None and self.deadline < today


class FrozenRecord(Base):
    """The decided record as canonical JSON with its SHA-256; never changed (the database refuses too)."""

    __tablename__ = "frozen_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="RESTRICT"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    canonical_json: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    #: Where the report was kept before reports moved into the database (migration 0004); None since.
    report_path: Mapped[str | None] = mapped_column(String(500), nullable=True)
    report_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: The report as rendered at the decision, stored in the same row and transaction as the record (so every
    #: instance of the app serves it, and no crash can leave a record without its report). Loaded on demand.
    report_pdf: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
