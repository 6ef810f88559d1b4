"""A case: one household's path from registration to return, regularisation or referral."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.domain.vocabulary import CHILD_ALONE, CaseStatus, Pathway, Priority
from registry.models.base import Base, UTCDateTime, utcnow
from registry.models.border_point import BorderPoint
from registry.models.person import Person, SearchKey
from registry.models.user import User


class Case(Base):
    __tablename__ = "case_file"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Byte order on PostgreSQL too, so that a prefix search ("MNY-2026-") can use the index.
    case_number: Mapped[str] = mapped_column(
        String(24).with_variant(String(24, collation="C"), "postgresql"), unique=True
    )
    border_point_id: Mapped[int] = mapped_column(ForeignKey("border_point.id"))
    principal_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    # The principal's nationality, copied here by database triggers (see the 0701 migration) so
    # that the list filters by it with an index in the list's order, like by status.
    principal_nationality: Mapped[str | None] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(30), default=CaseStatus.REGISTERED)
    pathway: Mapped[str] = mapped_column(String(30), default=Pathway.UNDECIDED)
    priority: Mapped[str] = mapped_column(String(10), default=Priority.NORMAL)
    # The level a supervisor raised the priority to: vulnerabilities never lower the case below it.
    priority_raised: Mapped[str | None] = mapped_column(String(10))
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The form's one-time id: a registration posted twice creates one case.
    submission_id: Mapped[str | None] = mapped_column(String(36), unique=True)

    # Registration (the intake).
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    registered_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    arrival_date: Mapped[date | None] = mapped_column(Date)
    entry_type: Mapped[str] = mapped_column(String(20), default="unknown")
    circumstances: Mapped[str] = mapped_column(String(20), default="other")
    consent_given: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_scope: Mapped[str | None] = mapped_column(String(40))
    consent_date: Mapped[date | None] = mapped_column(Date)
    consent_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    consent_language: Mapped[str | None] = mapped_column(String(3))

    # Screening.
    fear_of_return: Mapped[str | None] = mapped_column(String(10))
    fear_of_return_cleared: Mapped[bool] = mapped_column(Boolean, default=False)
    fear_of_return_cleared_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    fear_of_return_cleared_reason: Mapped[str | None] = mapped_column(Text)

    # Voluntary return.
    return_requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    return_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    return_approved_on: Mapped[date | None] = mapped_column(Date)
    bid_decided_on: Mapped[date | None] = mapped_column(Date)
    bid_outcome: Mapped[str | None] = mapped_column(String(20))
    family_assessment_on: Mapped[date | None] = mapped_column(Date)
    destination_country: Mapped[str | None] = mapped_column(String(3))
    destination_place: Mapped[str | None] = mapped_column(String(200))
    travel_document: Mapped[str | None] = mapped_column(String(200))
    departure_date: Mapped[date | None] = mapped_column(Date)
    departure_point: Mapped[str | None] = mapped_column(String(200))
    transport_mode: Mapped[str | None] = mapped_column(String(200))
    escort_required: Mapped[bool] = mapped_column(Boolean, default=False)
    fit_to_travel_on: Mapped[date | None] = mapped_column(Date)
    arrival_confirmed_on: Mapped[date | None] = mapped_column(Date)

    # Regularisation.
    permit_type: Mapped[str | None] = mapped_column(String(200))
    application_reference: Mapped[str | None] = mapped_column(String(200))
    submitted_on: Mapped[date | None] = mapped_column(Date)
    decision_on: Mapped[date | None] = mapped_column(Date)
    permit_number: Mapped[str | None] = mapped_column(String(200))
    permit_valid_until: Mapped[date | None] = mapped_column(Date)

    closure_reason: Mapped[str | None] = mapped_column(String(20))
    # When the status last changed: what "no movement for N days" in the supervisor's queue reads.
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    border_point: Mapped[BorderPoint] = relationship(lazy="joined")
    principal: Mapped[Person] = relationship(lazy="joined")
    assigned_to: Mapped[User | None] = relationship(foreign_keys=[assigned_to_id])
    registered_by: Mapped[User] = relationship(foreign_keys=[registered_by_id])
    members: Mapped[list[CaseMember]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseMember.id"
    )
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseEvent.id"
    )

    __mapper_args__ = {"version_id_col": version}
    # Each filter of the case list has an index that also gives the list's order (newest first),
    # so the first page never sorts the whole table.
    __table_args__ = (
        Index("ix_case_file_border_point_registered", "border_point_id", "registered_at"),
        Index("ix_case_file_status_registered", "status", "registered_at"),
        Index("ix_case_file_pathway_registered", "pathway", "registered_at"),
        Index("ix_case_file_priority_registered", "priority", "registered_at"),
        Index("ix_case_file_assigned_registered", "assigned_to_id", "registered_at"),
        Index("ix_case_file_nationality_registered", "principal_nationality", "registered_at"),
        Index("ix_case_file_registered_at", "registered_at"),
        # A search's matches (ids) sorted by registration, within scope, without reading each row.
        Index("ix_case_file_id_registered", "id", "registered_at", "border_point_id"),
        # The supervisor's queue: cases of some statuses, oldest first (border_point_id makes
        # counting them an index-only scan), and open cases by how long they have not moved.
        Index("ix_case_file_status_changed", "status", "status_changed_at", "border_point_id"),
        Index("ix_case_file_status_changed_at", "status_changed_at"),
    )

    @property
    def child_without_adult(self) -> bool:
        return any(CHILD_ALONE & set(member.person.vulnerabilities) for member in self.members) or bool(
            CHILD_ALONE & set(self.principal.vulnerabilities)
        )

    @property
    def people(self) -> list[Person]:
        """Everyone the case covers, the principal first."""
        return [member.person for member in sorted(self.members, key=lambda m: (m.relationship_to_head != "head", m.id or 0))]


class CaseMember(Base):
    """A person the case covers; the principal is its member with relationship "head"."""

    __tablename__ = "case_member"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Looked up by the unique (case_id, person_id) index below, which begins with it.
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    relationship_to_head: Mapped[str] = mapped_column("relationship", String(20))

    case: Mapped[Case] = relationship(back_populates="members")
    person: Mapped[Person] = relationship()

    __table_args__ = (
        UniqueConstraint("case_id", "person_id"),
        # From people to their cases (searches, the vulnerability filter) by the index alone.
        Index("ix_case_member_person_case", "person_id", "case_id"),
    )


class CaseNameToken(Base):
    """One word of the names of one member of a case, filed under the case's border point: the
    index behind name search in the case list (the prefix of any word of any member's names).

    Searching by `person_name_token` read every person of that name in the whole country, then
    their memberships and cases, to keep the few in the user's border points (a common family
    name: 12,000 people for 26 cases shown). Filed by border point, then word, a search reads
    only the matching entries of the user's points: one index range per point. The registration
    time comes next, so the matches carry the list's order without reading their cases.

    Derived rows, written by database triggers only (migration 0703): from `person_name_token`
    (a person's words), `case_member` (whose case) and `case_file` (its border point and
    registration time), whoever writes those, the ORM, bulk statements or the generator. No
    foreign keys: each row goes when its word or its membership goes, and a check per row would
    slow the generator's bulk load for nothing.
    """

    __tablename__ = "case_name_token"

    border_point_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(SearchKey, primary_key=True)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    case_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(Integer, primary_key=True)

    __table_args__ = (
        # What the triggers look up when a word or a membership goes, or a case moves.
        Index("ix_case_name_token_person_case", "person_id", "case_id"),
        {"sqlite_with_rowid": False},
    )


class CaseEvent(Base):
    """One line of a case's timeline: who, when, from, to, why, details."""

    __tablename__ = "case_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str | None] = mapped_column(String(30))
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The case's version once this event was written: a user who saw version N missed the events
    # above N (the "this case changed since you opened it" page lists them).
    case_version: Mapped[int | None] = mapped_column(Integer)

    case: Mapped[Case] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()

    __table_args__ = (Index("ix_case_event_case_at", "case_id", "at"),)


class CaseSequence(Base):
    """The last case number handed out per border point and year."""

    __tablename__ = "case_sequence"

    border_point_id: Mapped[int] = mapped_column(ForeignKey("border_point.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)
