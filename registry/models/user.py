"""Accounts and the border points they hold."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table, false, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.domain.vocabulary import Role
from registry.models.base import Base, UTCDateTime, utcnow
from registry.models.border_point import BorderPoint

user_border_point = Table(
    "user_border_point",
    Base.metadata,
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
    Column("border_point_id", ForeignKey("border_point.id", ondelete="CASCADE"), primary_key=True),
)


def new_session_nonce() -> str:
    return secrets.token_hex(16)


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    locale: Mapped[str | None] = mapped_column(String(10))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # A national supervisor holds every border point, present and future.
    all_border_points: Mapped[bool] = mapped_column(Boolean, default=False)
    # Part of the login session's identity: changing it ends every session of the account.
    session_nonce: Mapped[str] = mapped_column(String(32), default=new_session_nonce)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when an administrator gave a temporary password: the next login must choose a new one.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The optional second factor (supervisors, administrators): a base32 TOTP secret, and the
    # last time step accepted, so that a code seen once is never accepted again.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    border_points: Mapped[list[BorderPoint]] = relationship(
        secondary=user_border_point, order_by=BorderPoint.code, lazy="selectin"
    )

    # Flask-Login's interface, written out so the model does not depend on Flask.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_nonce}"

    def end_sessions(self) -> None:
        """Every login session of this account ends at its next request."""
        self.session_nonce = new_session_nonce()

    @property
    def totp_enabled(self) -> bool:
        return self.totp_secret is not None

    @property
    def may_use_totp(self) -> bool:
        return self.role in (Role.SUPERVISOR, Role.ADMIN)

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    @property
    def is_officer(self) -> bool:
        return self.role == Role.OFFICER

    @property
    def is_supervisor(self) -> bool:
        return self.role == Role.SUPERVISOR

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def sees_people(self) -> bool:
        """Administrators manage accounts and reference data, not people."""
        return self.role in (Role.OFFICER, Role.SUPERVISOR)

    def border_point_scope(self):
        """A SQL expression selecting the ids of the border points whose cases this user sees."""
        if not self.sees_people:
            return select(BorderPoint.id).where(BorderPoint.id.is_(None))
        if self.all_border_points and self.role == Role.SUPERVISOR:
            return select(BorderPoint.id)
        return select(user_border_point.c.border_point_id).where(
            user_border_point.c.user_id == self.id
        )

    def holds(self, border_point_id: int) -> bool:
        if not self.sees_people:
            return False
        if self.all_border_points and self.role == Role.SUPERVISOR:
            return True
        return any(point.id == border_point_id for point in self.border_points)
