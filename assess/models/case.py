"""Cases (ärenden) and their alternatives."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assess.extensions import Base
from assess.models.types import UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from assess.models.assessment import Assessment
    from assess.models.user import User


class CaseStatus(enum.StrEnum):
    """Whether a case is being worked on."""

    OPEN = "open"
    CLOSED = "closed"


class Case(Base):
    """A decision case: a need and the alternatives that could meet it."""

    __tablename__ = "cases"
    __table_args__ = (Index("ix_cases_created_at", "created_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    need_statement: Mapped[str] = mapped_column(Text, default="")
    information_owner: Mapped[str] = mapped_column(String(200), default="")
    decision_maker: Mapped[str] = mapped_column(String(200), default="")
    decision_maker_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True, nullable=True
    )
    status: Mapped[CaseStatus] = mapped_column(str_enum(CaseStatus, "case_status"), default=CaseStatus.OPEN, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    decision_maker_user: Mapped[User | None] = relationship(foreign_keys=[decision_maker_id])
    alternatives: Mapped[list[Alternative]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Alternative.position"
    )
    members: Mapped[list[CaseMember]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseMember.id"
    )
    contacts: Mapped[list[CaseContact]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseContact.id"
    )


class Alternative(Base):
    """One way to meet the case's need, e.g. a vendor's SaaS or staying on premises."""

    __tablename__ = "alternatives"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    operating_model: Mapped[str] = mapped_column(String(32), default="")
    provider: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    case: Mapped[Case] = relationship(back_populates="alternatives")
    assessments: Mapped[list[Assessment]] = relationship(
        back_populates="alternative", cascade="all, delete-orphan", order_by="Assessment.id"
    )


class TeamRole(enum.StrEnum):
    """What a person does in a case's team (the platform role they need is in services/team.py)."""

    ARCHITECT = "architect"
    LEGAL = "reviewer_legal"
    INFOSEC = "reviewer_infosec"
    PATIENT_SAFETY = "reviewer_patient_safety"
    DECISION_MAKER = "decision_maker"
    INFORMATION_OWNER = "information_owner"


class CaseMember(Base):
    """A user named in a case's team, in one role (a person may hold several roles, one row each)."""

    __tablename__ = "case_members"
    __table_args__ = (UniqueConstraint("case_id", "user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[TeamRole] = mapped_column(str_enum(TeamRole, "team_role"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    case: Mapped[Case] = relationship(back_populates="members")
    user: Mapped[User] = relationship(lazy="joined")


class CaseContact(Base):
    """Someone outside the region who answers for an alternative, e.g. the vendor's contact (no account)."""

    __tablename__ = "case_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    #: The alternative the contact answers for (None: the whole case).
    alternative_id: Mapped[int | None] = mapped_column(
        ForeignKey("alternatives.id", ondelete="SET NULL"), index=True, nullable=True
    )
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    case: Mapped[Case] = relationship(back_populates="contacts")

    @property
    def label(self) -> str:
        """Return "Name (Organisation)"."""
        return f"{self.name} ({self.organisation})" if self.organisation else self.name
