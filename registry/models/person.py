"""A person registered at a border point, with identity documents and vulnerabilities."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.models.base import Base, UTCDateTime, utcnow


class Person(Base):
    __tablename__ = "person"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    given_names: Mapped[str] = mapped_column(String(200), default="")
    family_name: Mapped[str] = mapped_column(String(200), default="")
    other_names: Mapped[str] = mapped_column(String(400), default="")
    # Accent- and case-folded names, kept in step by the registration service, for search.
    search_name: Mapped[str] = mapped_column(String(800), default="")
    sex: Mapped[str] = mapped_column(String(10))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    dob_precision: Mapped[str | None] = mapped_column(String(10))
    nationality: Mapped[str] = mapped_column(String(3))
    country_of_birth: Mapped[str | None] = mapped_column(String(3))
    place_of_origin: Mapped[str | None] = mapped_column(String(200))
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)  # ISO 639-3 codes
    phone: Mapped[str | None] = mapped_column(String(40))
    photo_filename: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    documents: Mapped[list[IdentityDocument]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="IdentityDocument.id"
    )
    vulnerability_rows: Mapped[list[PersonVulnerability]] = relationship(
        cascade="all, delete-orphan", order_by="PersonVulnerability.code"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def vulnerabilities(self) -> list[str]:
        return [row.code for row in self.vulnerability_rows]

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.given_names, self.family_name) if part)


class IdentityDocument(Base):
    __tablename__ = "identity_document"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(30))
    number: Mapped[str] = mapped_column(String(60))
    # Upper case, no spaces or dashes: what duplicate checks and search compare.
    number_normalised: Mapped[str] = mapped_column(String(60), index=True)
    issuing_country: Mapped[str | None] = mapped_column(String(3))
    expiry_date: Mapped[date | None] = mapped_column(Date)

    person: Mapped[Person] = relationship(back_populates="documents")


class PersonVulnerability(Base):
    __tablename__ = "person_vulnerability"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_person_vulnerability_code", "code", "person_id"),)
