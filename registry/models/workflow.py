"""What officers add beside a case's moves: notes (append-only) and follow-ups with a due date."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from registry.models.base import Base, UTCDateTime, utcnow
from registry.models.user import User

if TYPE_CHECKING:
    from registry.models.case import Case

NOTE_MAX_LENGTH = 5000
FOLLOW_UP_TITLE_MAX_LENGTH = 200


class CaseNote(Base):
    """A note on a case. Confidential ones are shown to supervisors (and their author) only."""

    __tablename__ = "case_note"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    text: Mapped[str] = mapped_column(Text)
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)

    author: Mapped[User] = relationship()

    __table_args__ = (Index("ix_case_note_case_at", "case_id", "at"),)


class FollowUp(Base):
    """A task on a case with a due date ("check travel document"); open until marked done."""

    __tablename__ = "follow_up"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(FOLLOW_UP_TITLE_MAX_LENGTH))
    due_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    done_on: Mapped[date | None] = mapped_column(Date)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    case: Mapped[Case] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    done_by: Mapped[User | None] = relationship(foreign_keys=[done_by_id])

    __table_args__ = (
        Index("ix_follow_up_case_due", "case_id", "due_on"),
        # Overdue follow-ups across many cases: open ones (done_on NULL) by due date.
        Index("ix_follow_up_open_due", "done_on", "due_on"),
    )

    def is_overdue(self, today: date) -> bool:
        return self.done_on is None and self.due_on < today


class NotesAreAppendOnly(Exception):
    pass


@event.listens_for(Session, "before_flush")
def _refuse_note_changes(session: Session, _context: Any, _instances: Any) -> None:
    """A note, once written, stays as written: a correction is a new note."""
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, CaseNote) and (obj in session.deleted or session.is_modified(obj)):
            raise NotesAreAppendOnly("case notes cannot be changed or deleted")
