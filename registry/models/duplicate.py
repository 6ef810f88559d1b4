"""Suspected duplicates (two person records that may be one person) and the merges that resolve them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.models.base import Base, UTCDateTime, utcnow
from registry.models.person import Person
from registry.models.user import User


class DuplicateStatus:
    SUSPECTED = "suspected"  # found by the batch job
    FLAGGED = "flagged"  # an officer asked a supervisor holding both to look
    NOT_DUPLICATE = "not_duplicate"  # decided: two people; never shown again
    MERGED = "merged"

    OPEN = (SUSPECTED, FLAGGED)


class DuplicatePair(Base):
    """Two person records that may be one person; `person_id` < `other_person_id`."""

    __tablename__ = "duplicate_pair"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    other_person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default=DuplicateStatus.SUSPECTED)
    found_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    flagged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text)

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    other_person: Mapped[Person] = relationship(foreign_keys=[other_person_id])
    flagged_by: Mapped[User | None] = relationship(foreign_keys=[flagged_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    __table_args__ = (
        UniqueConstraint("person_id", "other_person_id"),
        Index("ix_duplicate_pair_status_score", "status", "score"),
    )


class PersonMerge(Base):
    """One person merged into another: what moved, who merged and why; undone by `undone_at`."""

    __tablename__ = "person_merge"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kept_person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    merged_person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    pair_id: Mapped[int | None] = mapped_column(ForeignKey("duplicate_pair.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str] = mapped_column(Text)
    # Ids of what moved (documents, case memberships, cases whose principal changed): the undo list.
    moved: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    kept_person: Mapped[Person] = relationship(foreign_keys=[kept_person_id])
    merged_person: Mapped[Person] = relationship(foreign_keys=[merged_person_id])
    actor: Mapped[User] = relationship(foreign_keys=[actor_id])
