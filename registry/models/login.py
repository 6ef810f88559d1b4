"""Failed logins, counted in the database so that every worker process agrees on the throttle."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from registry.models.base import Base, UTCDateTime, utcnow


class FailedLogin(Base):
    __tablename__ = "failed_login"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # As typed, folded to lower case: an unknown name is throttled like a real one.
    username: Mapped[str] = mapped_column(String(80))
    ip_address: Mapped[str | None] = mapped_column(String(45))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_failed_login_username_at", "username", "at"),
        Index("ix_failed_login_ip_address_at", "ip_address", "at"),
    )
