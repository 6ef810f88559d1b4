"""The JSON API's bearer tokens, and the answers kept for retried requests (Idempotency-Key)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.models.base import Base, UTCDateTime, utcnow
from registry.models.user import User


class ApiToken(Base):
    """A bearer token of one account: it acts with that account's role and border points.

    Only the token's SHA-256 is stored: the token itself is shown once, when it is made. The
    token is 256 random bits, so a fast hash is enough (nothing to guess from a dictionary).
    """

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The token's first characters, to tell tokens apart in lists (never enough to use one).
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(80))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(80))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")

    def usable(self, now: datetime) -> bool:
        return (self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
                and self.user.active)  # fmt: skip

    def state(self, now: datetime) -> str:
        """revoked, expired or active: what the lists show."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"


class IdempotentRequest(Base):
    """The first answer to a POST sent with an Idempotency-Key, replayed to its retries.

    Kept per token (two partners may choose the same key) for IDEMPOTENCY_HOURS. The body's
    hash tells a retry from another request reusing the key.
    """

    __tablename__ = "api_idempotent_request"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_token.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    endpoint: Mapped[str] = mapped_column(String(80))
    request_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    location: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        UniqueConstraint("token_id", "key"),
        Index("ix_api_idempotent_request_created_at", "created_at"),
    )
