"""Retention: once a closed case's retention period is over, its personal data is blanked.

What stays is what the statistics need and names nobody: border point, dates of the case, status
and pathway, sex, nationality, year of birth, languages, vulnerabilities (their codes). What goes:
names, identity documents, phone, photo, exact birth date, place of origin, and every free text
(reasons, notes, purposes), which may name people. A table added later that holds personal
data must be blanked here too: tests/test_retention.py searches every table for what was typed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, exists, func, or_, select, update

from registry.domain.vocabulary import CaseStatus
from registry.extensions import db
from registry.models import (
    Case,
    CaseEvent,
    CaseMember,
    DataTransfer,
    DuplicatePair,
    IdentityDocument,
    Person,
    PersonChange,
    PersonMatchKey,
    PersonMerge,
    PersonVulnerability,
)
from registry.models.base import utcnow
from registry.services import audit

REMOVED = "[removed]"
# Case columns that may hold personal details; blanked (None) on anonymisation.
CASE_PERSONAL_COLUMNS = (
    "destination_place", "travel_document", "departure_point", "transport_mode",
    "application_reference", "permit_number", "fear_of_return_cleared_reason", "submission_id",
)  # fmt: skip

# Other branches' tables holding personal data add a function here: (case, person ids) -> None.
EXTRA_ANONYMISERS: list[Callable[[Case, list[int]], None]] = []


@dataclass(frozen=True)
class RetentionReport:
    cases: list[str]
    people: int


def closed_before(cutoff: datetime):  # type: ignore[no-untyped-def]
    """Closed cases whose closing (their last move to `closed`) happened before `cutoff`."""
    last_closed = (
        select(CaseEvent.case_id, func.max(CaseEvent.at).label("closed_at"))
        .where(CaseEvent.to_status == CaseStatus.CLOSED)
        .group_by(CaseEvent.case_id)
        .subquery()
    )
    anonymised = exists().where(CaseEvent.case_id == Case.id, CaseEvent.kind == "anonymised")
    return (
        select(Case)
        .join(last_closed, last_closed.c.case_id == Case.id)
        .where(Case.status == CaseStatus.CLOSED, last_closed.c.closed_at < cutoff, ~anonymised)
        .order_by(Case.id)
    )


def expired_cases(retention_days: int, now: datetime | None = None) -> list[Case]:
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    return list(db.session.scalars(closed_before(cutoff)))


def anonymise_expired(retention_days: int, *, dry_run: bool = False,
                      delete_photo: Callable[[str], None] | None = None) -> RetentionReport:  # fmt: skip
    cases = expired_cases(retention_days)
    people = 0
    if not dry_run:
        for case in cases:
            people += anonymise_case(case, delete_photo=delete_photo)
    else:
        people = sum(len(case.members) for case in cases)
    return RetentionReport([case.case_number for case in cases], people)


def anonymise_case(case: Case, *, delete_photo: Callable[[str], None] | None = None) -> int:
    """Blank the case's personal data, keep its statistics; returns how many people were blanked."""
    person_ids = list(db.session.scalars(select(CaseMember.person_id).where(CaseMember.case_id == case.id)))
    if case.principal_id not in person_ids:
        person_ids.append(case.principal_id)
    for person in db.session.scalars(select(Person).where(Person.id.in_(person_ids))):
        if person.photo_filename and delete_photo is not None:
            delete_photo(person.photo_filename)
        person.given_names = person.family_name = person.other_names = person.search_name = ""
        person.phone = person.photo_filename = person.place_of_origin = None
        if person.date_of_birth is not None:
            # The year is kept for age statistics, never the day.
            person.date_of_birth = date(person.date_of_birth.year, 7, 1)
            person.dob_precision = "year"
    db.session.execute(delete(IdentityDocument).where(IdentityDocument.person_id.in_(person_ids)))
    db.session.execute(update(PersonVulnerability).where(PersonVulnerability.person_id.in_(person_ids))
                       .values(note=None))  # fmt: skip
    for column in CASE_PERSONAL_COLUMNS:
        setattr(case, column, None)
    db.session.execute(update(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.reason.is_not(None))
                       .values(reason=REMOVED))  # fmt: skip
    db.session.execute(update(DataTransfer).where(DataTransfer.case_id == case.id).values(purpose=REMOVED))
    # What the duplicate check and the correction history kept of them.
    db.session.flush()
    db.session.execute(delete(PersonMatchKey).where(PersonMatchKey.person_id.in_(person_ids)))
    db.session.execute(update(PersonChange).where(PersonChange.person_id.in_(person_ids))
                       .values(old_value=None, new_value=None, reason=REMOVED))  # fmt: skip
    db.session.execute(update(DuplicatePair).where(or_(DuplicatePair.person_id.in_(person_ids),
                                                       DuplicatePair.other_person_id.in_(person_ids)),
                                                   DuplicatePair.reason.is_not(None))
                       .values(reason=REMOVED))  # fmt: skip
    db.session.execute(update(PersonMerge).where(or_(PersonMerge.kept_person_id.in_(person_ids),
                                                     PersonMerge.merged_person_id.in_(person_ids)))
                       .values(reason=REMOVED, moved={}))  # fmt: skip
    for anonymiser in EXTRA_ANONYMISERS:
        anonymiser(case, person_ids)
    case.events.append(CaseEvent(at=utcnow(), actor_id=None, kind="anonymised",
                                 details={"people": len(person_ids)}))  # fmt: skip
    db.session.flush()
    audit.record("anonymised", actor=None, object_type="case", object_id=case.case_number,
                 details={"people": len(person_ids)})  # fmt: skip
    return len(person_ids)
