"""Print issues: one row per printed document of a case, whose random code its QR link carries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.models.base import Base, UTCDateTime, utcnow
from registry.models.user import User


class PrintIssue(Base):
    """A document printed for a case: which, when, by whom, in which language.

    The code is random (not derived from the case or a key), so a printout verifies whatever
    keys are rotated, and a scan can say whether this printout is the latest issue of its
    document for the case.
    """

    __tablename__ = "print_issue"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"))
    document: Mapped[str] = mapped_column(String(20))  # summary, slip, declaration
    language: Mapped[str] = mapped_column(String(8))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    issued_by: Mapped[User | None] = relationship()

    # The latest issue of a document of a case: the last row by id of (case, document).
    __table_args__ = (Index("ix_print_issue_case_document", "case_id", "document", "id"),)
