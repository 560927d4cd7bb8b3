"""Accounts, roles and login attempts."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assess.extensions import Base
from assess.models.types import UTCDateTime, str_enum, utcnow


class Role(enum.StrEnum):
    """What a user may do."""

    ADMIN = "admin"
    ARCHITECT = "architect"
    REVIEWER = "reviewer"
    DECISION_MAKER = "decision_maker"
    VIEWER = "viewer"


class ReviewArea(enum.StrEnum):
    """The areas a reviewer can review (the context area is reviewed with infosec)."""

    LEGAL = "legal"
    INFOSEC = "infosec"
    PATIENT_SAFETY = "patient_safety"


class User(UserMixin, Base):
    """A person who signs in."""

    __tablename__ = "users"
    #: An account from the identity provider is the pair (issuer, subject); never an e-mail address.
    __table_args__ = (Index("ix_users_oidc_issuer_oidc_subject", "oidc_issuer", "oidc_subject", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    #: The language the user chose ("sv", "en"); empty: the browser's.
    language: Mapped[str] = mapped_column(String(8), default="", server_default="")
    #: Whether the user wants reminders by e-mail (when mail is configured).
    email_reminders: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: The identity provider's issuer and subject (`sub`) of an account created at sign-in; None for local ones.
    oidc_issuer: Mapped[str | None] = mapped_column(String(500), nullable=True)
    oidc_subject: Mapped[str | None] = mapped_column(String(255), nullable=True)
    #: The groups the provider asserted at the last sign-in (shown to admins, so a mapping can be checked).
    idp_groups: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin", order_by="UserRole.id"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login: deactivated users cannot sign in or stay signed in
        return self.active

    @property
    def roles(self) -> set[Role]:
        """Return the user's roles."""
        return {row.role for row in self.role_rows}

    @property
    def review_areas(self) -> set[ReviewArea]:
        """Return the areas this user reviews (empty unless a reviewer)."""
        return {row.area for row in self.role_rows if row.role == Role.REVIEWER and row.area}

    @property
    def from_idp(self) -> bool:
        """Return True for an account created by a sign-in through the identity provider."""
        return self.oidc_subject is not None

    def has_role(self, *roles: Role | str) -> bool:
        """Return True if the user holds any of the roles."""
        mine = self.roles
        return any(Role(r) in mine for r in roles)

    def role_labels(self) -> list[str]:
        """Return the roles in words (in the current language), reviewer areas included, in a stable order."""
        from assess.labels import role_labels

        return role_labels({r.value for r in self.roles}, {a.value for a in self.review_areas})


class UserRole(Base):
    """One role of a user; a reviewer has one row per review area."""

    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role", "area"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"), index=True)
    area: Mapped[ReviewArea | None] = mapped_column(str_enum(ReviewArea, "review_area"), nullable=True)

    user: Mapped[User] = relationship(back_populates="role_rows")


class LoginAttempt(Base):
    """A sign-in attempt, kept for throttling (and purged after its window; the audit trail keeps sign-ins)."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_username_at", "username", "at"),
        Index("ix_login_attempts_ip_at", "ip", "at"),
        Index("ix_login_attempts_at", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    username: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(64))
    success: Mapped[bool] = mapped_column(Boolean)


class UserSession(Base):
    """A signed-in session, held on the server: signing out, a new password, deactivation or new roles end it.

    The browser's signed cookie carries only a random token; its SHA-256 is stored here, never the token itself.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: Why it ended: logout, password, deactivated, roles, expired.
    ended_reason: Mapped[str] = mapped_column(String(32), default="")
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    #: The ID token of a sign-in through the identity provider (the hint for signing out there too).
    id_token: Mapped[str | None] = mapped_column(Text, nullable=True)

    user: Mapped[User] = relationship()
