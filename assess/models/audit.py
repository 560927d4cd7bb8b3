"""The append-only audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from assess.extensions import Base
from assess.models.types import UTCDateTime, utcnow
from assess.models.user import User


class AuditEvent(Base):
    """Who changed what, when, from what to what. Rows are never updated or deleted.

    The events form a hash chain: each carries its position (`seq`), the hash of the event before it and its own
    hash over all its fields, so an inserted, changed or deleted event breaks the chain (`records verify`).
    """

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Position in the chain: 1, 2, 3, ... without gaps.
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True, nullable=True)
    #: Name at the time of the event, kept even if the account is renamed.
    actor_name: Mapped[str] = mapped_column(String(200), default="system")
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: The assessment the event belongs to, for the per-assessment history.
    assessment_id: Mapped[int | None] = mapped_column(Integer, index=True, nullable=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)

    actor: Mapped[User | None] = relationship()


class AuditHead(Base):
    """The newest event of the chain (one row); the database moves it on every insert and refuses other changes."""

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or delete an audit event."""


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, flush_context: Any, instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise AppendOnlyError("audit events are append-only")


class SentNotification(Base):
    """A reminder or notice sent by e-mail: its key makes sure the same one is never sent twice."""

    __tablename__ = "sent_notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: e.g. "assignment.due7:answer:12:2026-12-08:user:5"; unique, so a second send is refused by the database.
    key: Mapped[str] = mapped_column(String(300), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True, nullable=True)
    kind: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
