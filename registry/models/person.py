"""A person registered at a border point, with identity documents and vulnerabilities."""

from __future__ import annotations

from datetime import date, datetime

from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, event, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from registry.domain import dedupe
from registry.domain.names import fold, name_tokens, phone_digits_reversed
from registry.models.base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from registry.models.user import User

# Prefix searches compare bytes: on PostgreSQL a language collation would sort (and so match)
# otherwise, and only a "C" column lets a B-tree index answer them.
SearchKey = String(80).with_variant(String(80, collation="C"), "postgresql")


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
    # The phone's digits last first, kept in step below: a number typed without its country code
    # is a prefix of this key, which the index finds.
    phone_digits_reversed: Mapped[str | None] = mapped_column(SearchKey, index=True)
    photo_filename: Mapped[str | None] = mapped_column(String(80))
    # A person merged into another is kept as an alias of the one kept (a merge can be undone).
    # No foreign key: SQLite cannot add one without rebuilding the table (and its triggers); the
    # merge service is the only writer, and person_merge holds both ids with their keys.
    merged_into_id: Mapped[int | None] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    documents: Mapped[list[IdentityDocument]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="IdentityDocument.id"
    )
    vulnerability_rows: Mapped[list[PersonVulnerability]] = relationship(
        cascade="all, delete-orphan", order_by="PersonVulnerability.code"
    )
    name_token_rows: Mapped[list[PersonNameToken]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )
    match_key_rows: Mapped[list[PersonMatchKey]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_person_nationality", "nationality"),)

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
    number_normalised: Mapped[str] = mapped_column(
        String(60).with_variant(String(60, collation="C"), "postgresql"), index=True
    )
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


class PersonNameToken(Base):
    """One word of a person's folded names, kept in step with `Person.search_name` by
    `_keep_search_fields_in_step`. Database triggers copy each word, with every case of the
    person, into `case_name_token`, which the case list's name search reads (a prefix of any
    word within the user's border points; registry/models/case.py).
    """

    __tablename__ = "person_name_token"

    token: Mapped[str] = mapped_column(SearchKey, primary_key=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True, index=True
    )

    __table_args__ = {"sqlite_with_rowid": False}


class PersonMatchKey(Base):
    """One blocking key of a person (domain/dedupe.py): the duplicate check reads people sharing
    a key with the new registration, never the whole table. Kept in step below."""

    __tablename__ = "person_match_key"

    key: Mapped[str] = mapped_column(SearchKey, primary_key=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True, index=True
    )

    __table_args__ = {"sqlite_with_rowid": False}


class PersonChange(Base):
    """One field of a person changed by a correction or a merge: who, when, why, old and new value.

    The audit log names fields only; the old value lives here, beside the person, and is blanked
    with them when the retention period ends.
    """

    __tablename__ = "person_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_file.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(20), default="correction")
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)

    person: Mapped[Person] = relationship()
    actor: Mapped[User | None] = relationship()


def search_name_of(given_names: str, family_name: str, other_names: str) -> str:
    return fold(" ".join((given_names, family_name, other_names)))


def _changed(person: Person, *names: str) -> bool:
    state = inspect(person)
    return any(state.attrs[name].history.has_changes() for name in names)


@event.listens_for(Session, "before_flush")
def _keep_search_fields_in_step(session: Session, _context: Any, _instances: Any) -> None:
    """Whoever changes a person's names or phone, search finds them by the new ones."""
    for person in list(session.new) + list(session.dirty):
        if not isinstance(person, Person):
            continue
        is_new = person in session.new
        if is_new or _changed(person, "given_names", "family_name", "other_names"):
            person.search_name = search_name_of(
                person.given_names or "", person.family_name or "", person.other_names or ""
            )
        if is_new or _changed(person, "phone"):
            person.phone_digits_reversed = phone_digits_reversed(person.phone)
        if is_new or _changed(person, "search_name"):
            wanted = set(name_tokens(person.search_name))
            rows = person.name_token_rows
            for row in [row for row in rows if row.token not in wanted]:
                rows.remove(row)
            present = {row.token for row in rows}
            rows.extend(PersonNameToken(token=token) for token in sorted(wanted - present))
    _keep_match_keys_in_step(session)


MATCH_FIELDS = ("given_names", "family_name", "other_names", "sex", "date_of_birth",
                "dob_precision", "nationality", "phone")  # fmt: skip


def match_keys_of(person: Person) -> set[str]:
    if person.merged_into_id is not None:
        return set()  # an alias is found through the person it was merged into
    identity = dedupe.Identity(
        given_names=person.given_names or "", family_name=person.family_name or "",
        other_names=person.other_names or "", sex=person.sex or "unknown",
        date_of_birth=person.date_of_birth, dob_precision=person.dob_precision or "exact",
        nationality=person.nationality or "",
        document_numbers=frozenset(document.number for document in person.documents),
        phone=person.phone or "",
    )  # fmt: skip
    return dedupe.blocking_keys(identity)


def _keep_match_keys_in_step(session: Session) -> None:
    """Whoever changes what the duplicate check compares, its blocking keys follow."""
    people: set[Person] = set()
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, Person) and obj not in session.deleted:
            if obj in session.new or _changed(obj, *MATCH_FIELDS, "merged_into_id", "documents"):
                people.add(obj)
        elif isinstance(obj, IdentityDocument) and obj.person is not None:
            if obj.person not in session.deleted:
                people.add(obj.person)
    for person in people:
        wanted = match_keys_of(person)
        rows = person.match_key_rows
        for row in [row for row in rows if row.key not in wanted]:
            rows.remove(row)
        present = {row.key for row in rows}
        rows.extend(PersonMatchKey(key=key) for key in sorted(wanted - present))
