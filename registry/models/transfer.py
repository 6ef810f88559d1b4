"""The transfers register: each sharing of a case's data with a named partner, and the partners."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.models.base import Base, UTCDateTime, utcnow
from registry.models.user import User


class Partner(Base):
    """An organisation the registry may share data with (a reference list kept by administrators)."""

    __tablename__ = "partner"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(30))  # protection_agency, government, ...
    # The data-sharing agreement that allows sharing with this partner, if there is one.
    agreement_reference: Mapped[str | None] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def __str__(self) -> str:
        return self.name


class DataTransfer(Base):
    """A case's data shared with a partner: requested by one user, approved by a supervisor."""

    __tablename__ = "data_transfer"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id"))
    purpose: Mapped[str] = mapped_column(Text)
    agreement_reference: Mapped[str | None] = mapped_column(String(120))
    # consent: the person agreed to this sharing; vital_interests: to protect their life or safety.
    legal_basis: Mapped[str] = mapped_column(String(20))
    consent_checked: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(12), default="requested")  # requested, approved
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    partner: Mapped[Partner] = relationship(lazy="joined")
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])

    __table_args__ = (Index("ix_data_transfer_case_id", "case_id", "requested_at"),)
