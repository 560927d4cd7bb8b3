"""Assessments (one per alternative and scope) and their answers."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import DDL, JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assess.extensions import INDEXES_BY_DDL, Base
from assess.models.types import UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from assess.models.case import Alternative, CaseContact
    from assess.models.review import KnockoutOverride
    from assess.models.user import User


class AssessmentStatus(enum.StrEnum):
    """Where an assessment is in the review process (the transition table is in services)."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    CHANGES_REQUESTED = "changes_requested"
    REVIEWED = "reviewed"
    DECIDED = "decided"
    SUPERSEDED = "superseded"


DEFAULT_SCOPE = "Hela alternativet"


class Assessment(Base):
    """The questionnaire of one alternative for one scope (module), pinned to one rule-set version."""

    __tablename__ = "assessments"
    __table_args__ = (
        UniqueConstraint("alternative_id", "scope", "revision"),
        # The reviewer queue (services.tasks.to_review) walks the submitted and in-review modules in the order it
        # lists them and checks each one's owner and summary key: with those columns here it never reads the
        # module's row (migration 0014).
        Index("ix_assessments_queue", "status", "updated_at", "id", "owner_id", "version", "ruleset_sha256"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alternative_id: Mapped[int] = mapped_column(ForeignKey("alternatives.id", ondelete="CASCADE"), index=True)
    scope: Mapped[str] = mapped_column(String(200), default=DEFAULT_SCOPE)

    @property
    def scope_label(self) -> str:
        """Return the scope as the reader reads it: the default "Hela alternativet" in the reader's language."""
        from assess.i18n import _
        from assess.texts import WHOLE_ALTERNATIVE

        return _(WHOLE_ALTERNATIVE) if self.scope == WHOLE_ALTERNATIVE else self.scope

    scope_description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    revision_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessments.id", ondelete="SET NULL"), index=True, nullable=True
    )
    ruleset_id: Mapped[str] = mapped_column(String(64))
    ruleset_version: Mapped[int] = mapped_column(Integer)
    ruleset_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[AssessmentStatus] = mapped_column(
        str_enum(AssessmentStatus, "assessment_status"), default=AssessmentStatus.DRAFT, index=True
    )
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True, nullable=True)
    #: Optimistic-locking counter: every save of the assessment or its answers raises it.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}

    alternative: Mapped[Alternative] = relationship(back_populates="assessments")
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    answers: Mapped[list[Answer]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="Answer.question_id"
    )
    overrides: Mapped[list[KnockoutOverride]] = relationship(
        cascade="all, delete-orphan", order_by="KnockoutOverride.id"
    )

    @property
    def label(self) -> str:
        """Return 'Alternative – scope' for headings and lists."""
        return f"{self.alternative.name} – {self.scope}"


class Evidence(enum.StrEnum):
    """How strongly an answer is shown (criteria.md §1.3)."""

    E0 = "E0"
    E1 = "E1"
    E2 = "E2"
    E3 = "E3"
    E4 = "E4"


#: SQL: an unknown answer whose finder nobody picked (no user, no contact, no free text from before assignees were
#: picked), {t} the table's prefix. The WHERE of the partial index ix_answers_unassigned_unknown; a query that
#: writes these terms, with these constants (not bound parameters), may use it. coalesce(): no other index serves
#: these terms, so the plan cannot pick one that holds nearly every row.
UNASSIGNED_UNKNOWN = (
    "coalesce({t}assignee_user_id, 0) = 0 AND coalesce({t}assignee_contact_id, 0) = 0 AND {t}unknown_owner = '' "
    "AND CAST({t}value AS VARCHAR) = '\"unknown\"'"
)

#: SQL: the answer is open (unanswered, or answered "unknown"), {t} the table's prefix. Part of the WHERE of the
#: partial index ix_answers_picked_open; written with constants, as there, so that a query may use that index.
OPEN_VALUE = "({t}value IS NULL OR CAST({t}value AS VARCHAR) IN ('null', '\"unknown\"'))"

#: SQL: an open question with a date by which it is to be found out, {t} the table's prefix: the WHERE of the partial
#: index ix_answers_open_due (a question is late when that date has passed).
OPEN_DUE = "{t}unknown_due IS NOT NULL AND " + OPEN_VALUE


def open_value_sql() -> Any:
    """SQL: the answer is open (OPEN_VALUE on the answers table), with the constants written in, so that the plan
    may read the partial indexes whose WHERE holds these terms (ix_answers_picked_open, ix_answers_open_due)."""
    return text(OPEN_VALUE.format(t="answers."))


#: The open questions picked for a user, in the order *Mina uppgifter* lists them (due date, module, question):
#: a person's own list is read from this partial index alone, not answer by answer. On SQLite the index also
#: holds the value, so that it covers the list's terms (the planner then prefers it to ix_answers_assignee_user_id);
#: PostgreSQL has no b-tree order for JSON, and its planner weighs the two by their statistics. Created by
#: migration 0013 and, for a database made from the models, by the DDL below (one statement per dialect).
PICKED_OPEN_INDEX = (
    "CREATE INDEX ix_answers_picked_open ON answers (assignee_user_id, unknown_due, assessment_id, question_id{extra}) "
    "WHERE assignee_user_id IS NOT NULL AND " + OPEN_VALUE.format(t="")
)


def partial_index(name: str, *columns: str, where: str) -> Index:
    """Return an index of the rows `where` holds, the same on SQLite and on PostgreSQL."""
    return Index(name, *columns, sqlite_where=text(where), postgresql_where=text(where))


class Answer(Base):
    """The answer to one question of one assessment."""

    __tablename__ = "answers"
    __table_args__ = (
        UniqueConstraint("assessment_id", "question_id"),
        #: Is a module's question late (an open question whose date passed)? One range in the module's own open
        #: questions with a date: a partial index (migration 0015), which a query may read when it writes
        #: OPEN_DUE's terms with their constants (services.cases.late_question).
        partial_index("ix_answers_open_due", "assessment_id", "unknown_due", where=OPEN_DUE.format(t="")),
        #: The unknowns nobody is picked for (the case team's default finds out): a partial index, a few rows of
        #: the table, which the team-default branches of *Mina uppgifter* read by module and question.
        partial_index(
            "ix_answers_unassigned_unknown", "assessment_id", "question_id", where=UNASSIGNED_UNKNOWN.format(t="")
        ),
        #: The questions picked for a vendor contact (no account): the architect chases them, module by module.
        partial_index(
            "ix_answers_contact_picked", "assessment_id", "unknown_due", where="assignee_contact_id IS NOT NULL"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[str] = mapped_column(String(16), index=True)
    #: An option id, an integer (level, maturity), a text, or "unknown"; None = unanswered.
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    evidence: Mapped[Evidence] = mapped_column(str_enum(Evidence, "evidence"), default=Evidence.E1)
    motivation: Mapped[str] = mapped_column(Text, default="")
    evidence_ref: Mapped[str] = mapped_column(String(500), default="")
    #: For open questions: who will find out, and by when. The text is the assignee's name as it was when the
    #: answer was saved (what records and reports show), or a free text stored before assignees were picked.
    unknown_owner: Mapped[str] = mapped_column(String(200), default="")
    unknown_due: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: The picked assignee: a user or a contact of the case (at most one of them); None: the case team's default.
    assignee_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True, nullable=True
    )
    assignee_contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("case_contacts.id", ondelete="SET NULL"), index=True, nullable=True
    )
    #: The assessment version at which this answer last changed (shows what others changed).
    changed_in_version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True, nullable=True
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    assessment: Mapped[Assessment] = relationship(back_populates="answers")
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    assignee_user: Mapped[User | None] = relationship(foreign_keys=[assignee_user_id])
    assignee_contact: Mapped[CaseContact | None] = relationship(foreign_keys=[assignee_contact_id])


INDEXES_BY_DDL.add("ix_answers_picked_open")
event.listen(
    Answer.__table__,
    "after_create",
    DDL(PICKED_OPEN_INDEX.format(extra=", value")).execute_if(dialect="sqlite"),
)
event.listen(
    Answer.__table__,
    "after_create",
    DDL(PICKED_OPEN_INDEX.format(extra="")).execute_if(dialect="postgresql"),
)
