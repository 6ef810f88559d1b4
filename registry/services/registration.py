"""Registering a person at a border point: the person, the case, its first event, the audit row."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from registry.domain.cases import children_without_adult, format_case_number, priority_for
from registry.domain.dedupe import Identity
from registry.domain.errors import Forbidden, InvalidDetails, PossibleDuplicates
from registry.domain.i18n import N_
from registry.domain.names import fold
from registry.domain.reference import is_country, is_language, is_nationality
from registry.domain.vocabulary import (
    CHILD_ALONE,
    CaseStatus,
    Circumstances,
    DobPrecision,
    DocumentType,
    EntryType,
    Relationship,
    Role,
    Sex,
    Vulnerability,
)
from registry.extensions import db
from registry.models import (
    BorderPoint,
    Case,
    CaseEvent,
    CaseMember,
    CaseSequence,
    DuplicateStatus,
    IdentityDocument,
    Person,
    PersonVulnerability,
    User,
)
from registry.models.base import utcnow
from registry.services import audit, duplicates, photos


@dataclass(frozen=True)
class DocumentData:
    type: str
    number: str
    issuing_country: str | None = None
    expiry_date: date | None = None


@dataclass(frozen=True)
class MemberData:
    """Another member of the household, registered with the head; names are the data dictionary's."""

    relationship: str
    given_names: str
    family_name: str
    sex: str
    nationality: str
    other_names: str = ""
    date_of_birth: date | None = None
    dob_precision: str | None = None
    country_of_birth: str | None = None
    place_of_origin: str | None = None
    languages: tuple[str, ...] = ()
    phone: str | None = None
    documents: tuple[DocumentData, ...] = ()
    vulnerabilities: tuple[str, ...] = ()


@dataclass(frozen=True)
class RegistrationData:
    """What an officer records at intake; names are the data dictionary's."""

    border_point: str
    given_names: str
    family_name: str
    sex: str
    nationality: str
    other_names: str = ""
    date_of_birth: date | None = None
    dob_precision: str | None = None
    country_of_birth: str | None = None
    place_of_origin: str | None = None
    languages: tuple[str, ...] = ()
    phone: str | None = None
    documents: tuple[DocumentData, ...] = ()
    vulnerabilities: tuple[str, ...] = ()
    arrival_date: date | None = None
    entry_type: str = EntryType.UNKNOWN
    circumstances: str = Circumstances.OTHER
    consent_given: bool = False
    consent_scope: str | None = None
    consent_date: date | None = None
    consent_language: str | None = None
    submission_id: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    # The household's other members (the person above is its head).
    members: tuple[MemberData, ...] = ()
    # The photo as uploaded (bytes): checked and re-encoded before it is stored.
    photo: bytes | None = None
    # None: no duplicate check (imports, tests). A tuple: check, and these candidates (person
    # ids) were seen and are different people; others found make register() refuse.
    acknowledged_candidates: tuple[int, ...] | None = None
    # Candidates (person ids) the officer asks a supervisor holding both to look at.
    flagged_candidates: tuple[int, ...] = ()


def normalise_document_number(number: str) -> str:
    return "".join(ch for ch in number.upper() if ch.isascii() and ch.isalnum())


PersonFields = RegistrationData | MemberData


def person_errors(data: PersonFields, today: date, consent_given: bool, prefix: str = "") -> dict[str, str]:
    """The rules every person's fields follow; field names carry `prefix` ("members-0-")."""
    errors: dict[str, str] = {}
    if not data.given_names.strip() and not data.family_name.strip():
        errors["given_names"] = N_("Give at least a given name or a family name.")
    if data.sex not in set(Sex):
        errors["sex"] = N_("Choose a sex.")
    if not is_nationality(data.nationality):
        errors["nationality"] = N_("Choose a nationality from the list.")
    if data.country_of_birth and not is_country(data.country_of_birth):
        errors["country_of_birth"] = N_("Choose a country from the list.")
    if data.date_of_birth is not None:
        if data.date_of_birth > today:
            errors["date_of_birth"] = N_("A date of birth cannot be in the future.")
        elif data.date_of_birth.year < today.year - 120:
            errors["date_of_birth"] = N_("A date of birth more than 120 years ago is not possible.")
        if data.dob_precision not in set(DobPrecision):
            errors["dob_precision"] = N_("Say how precise the date of birth is.")
    if any(not is_language(code) for code in data.languages):
        errors["languages"] = N_("Unknown language code.")
    if any(code not in set(Vulnerability) for code in data.vulnerabilities):
        errors["vulnerabilities"] = N_("Unknown vulnerability.")
    numbers = [normalise_document_number(document.number) for document in data.documents]
    for document, number in zip(data.documents, numbers, strict=True):
        if document.type not in set(DocumentType):
            errors["documents"] = N_("Choose a document type.")
        elif not number:
            errors["documents"] = N_("A document number needs letters or digits.")
        elif document.issuing_country and not is_country(document.issuing_country):
            errors["documents"] = N_("Choose the issuing country from the list.")
    if "documents" not in errors and len(set(numbers)) != len(numbers):
        errors["documents"] = N_("The same document number is given twice.")
    if not consent_given:
        # Without consent only what the case and protection need is kept.
        if data.phone:
            errors["phone"] = N_("Without consent a phone number is not recorded.")
        if data.documents:
            errors["documents"] = N_("Without consent identity documents are not recorded.")
    return {prefix + name: message for name, message in errors.items()}


def same_person(a: PersonFields, b: PersonFields) -> bool:
    return (fold(f"{a.given_names} {a.family_name}") == fold(f"{b.given_names} {b.family_name}")
            and a.date_of_birth == b.date_of_birth and a.sex == b.sex)  # fmt: skip


def _household_errors(data: RegistrationData) -> dict[str, str]:
    """One head (the person registered), each member once, each document number once."""
    errors: dict[str, str] = {}
    people: list[PersonFields] = [data]
    seen_numbers = {normalise_document_number(d.number) for d in data.documents}
    for index, member in enumerate(data.members):
        prefix = f"members-{index}-"
        if member.relationship == Relationship.HEAD:
            errors[prefix + "relationship"] = N_(
                "A household has one head: the person registered above. Choose this member's relationship to them."
            )
        elif member.relationship not in set(Relationship):
            errors[prefix + "relationship"] = N_("Choose the relationship to the head of the household.")
        if any(same_person(member, other) for other in people):
            errors[prefix + "given_names"] = N_("This person is listed twice in the household.")
        people.append(member)
        numbers = {normalise_document_number(d.number) for d in member.documents} - {""}
        if numbers & seen_numbers:
            errors[prefix + "documents"] = N_("The same document number is given twice.")
        seen_numbers |= numbers
    return errors


def validate(data: RegistrationData, today: date) -> dict[str, str]:
    """Field name -> message template for each rule the data breaks (the service's own check).

    Members' fields are named as the form names them: "members-<index>-<field>".
    """
    errors = person_errors(data, today, data.consent_given)
    if data.arrival_date is not None and data.arrival_date > today:
        errors["arrival_date"] = N_("An arrival date cannot be in the future.")
    if data.entry_type not in set(EntryType):
        errors["entry_type"] = N_("Choose an entry type.")
    if data.circumstances not in set(Circumstances):
        errors["circumstances"] = N_("Choose the circumstances.")
    if data.consent_given:
        if data.consent_date is None:
            errors["consent_date"] = N_("Give the date consent was given.")
        elif data.consent_date > today:
            errors["consent_date"] = N_("Consent cannot be dated in the future.")
        if data.consent_language and not is_language(data.consent_language):
            errors["consent_language"] = N_("Unknown language code.")
    elif data.photo:
        errors["photo"] = N_("Without consent a photo is not taken.")
    for index, member in enumerate(data.members):
        errors.update(person_errors(member, today, data.consent_given, prefix=f"members-{index}-"))
    errors.update(_household_errors(data))
    return errors


def new_person(data: PersonFields, vulnerabilities: Iterable[str] | None = None) -> Person:
    """A Person from plain data (already validated)."""
    codes = data.vulnerabilities if vulnerabilities is None else vulnerabilities
    return Person(
        given_names=data.given_names.strip(),
        family_name=data.family_name.strip(),
        other_names=data.other_names.strip(),
        search_name=fold(" ".join((data.given_names, data.family_name, data.other_names))),
        sex=data.sex,
        date_of_birth=data.date_of_birth,
        dob_precision=data.dob_precision if data.date_of_birth else None,
        nationality=data.nationality,
        country_of_birth=data.country_of_birth or None,
        place_of_origin=data.place_of_origin or None,
        languages=list(dict.fromkeys(data.languages)),
        phone=data.phone or None,
        documents=[
            IdentityDocument(
                type=document.type,
                number=document.number.strip(),
                number_normalised=normalise_document_number(document.number),
                issuing_country=document.issuing_country or None,
                expiry_date=document.expiry_date,
            )
            for document in data.documents
        ],
        vulnerability_rows=[PersonVulnerability(code=code) for code in dict.fromkeys(codes)],
    )


def identity_of(data: PersonFields) -> Identity:
    return duplicates.identity(
        given_names=data.given_names, family_name=data.family_name, other_names=data.other_names,
        sex=data.sex, date_of_birth=data.date_of_birth, dob_precision=data.dob_precision,
        nationality=data.nationality, document_numbers=[d.number for d in data.documents], phone=data.phone,
    )  # fmt: skip


def household_vulnerabilities(data: RegistrationData, today: date) -> list[tuple[str, ...]]:
    """Each person's vulnerabilities, in order (head first); children registered without an adult
    are flagged unaccompanied (unless the officer said separated)."""
    people: list[PersonFields] = [data, *data.members]
    codes = [tuple(dict.fromkeys(person.vulnerabilities)) for person in people]
    if children_without_adult((person.date_of_birth for person in people), today):
        codes = [c if CHILD_ALONE & set(c) else (*c, Vulnerability.UNACCOMPANIED_CHILD) for c in codes]
    return codes


def next_case_number(point: BorderPoint, moment: datetime, timezone: str) -> str:
    """Hand out the next number of the point's year; atomic on SQLite and PostgreSQL."""
    year = moment.astimezone(ZoneInfo(timezone)).year
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(
        insert(CaseSequence)
        .values(border_point_id=point.id, year=year, last_value=0)
        .on_conflict_do_nothing()
    )
    # The row lock taken by UPDATE ... RETURNING serialises concurrent registrations.
    sequence = db.session.execute(
        update(CaseSequence)
        .where(CaseSequence.border_point_id == point.id, CaseSequence.year == year)
        .values(last_value=CaseSequence.last_value + 1)
        .returning(CaseSequence.last_value)
    ).scalar_one()
    return format_case_number(point.code, year, sequence)


def case_of_submission(submission_id: str | None) -> Case | None:
    """The case a form already created, if it was sent before (a double click, a retry)."""
    if not submission_id:
        return None
    # The id first, through the unique index: selecting the Case itself joins its eager
    # relationships, and without statistics SQLite then scanned every case (150 ms at a million).
    case_id = db.session.scalar(select(Case.id).where(Case.submission_id == submission_id))
    return db.session.get(Case, case_id) if case_id is not None else None


def register(
    actor: User, data: RegistrationData, *, today: date, timezone: str, ip_address: str | None
) -> Case:
    """Create the person and their case. A submission already registered returns its case.

    In one transaction; the web form checks first and writes after (`check`, then `write`)."""
    return write(actor, check(actor, data, today=today), today=today, timezone=timezone, ip_address=ip_address)[0]


def _not_your_border_point() -> InvalidDetails:
    message = N_("Choose one of your border points.")
    return InvalidDetails(message, fields={"border_point": message})


@dataclass
class Checked:
    """A registration checked and ready to be written: the part of the work that only reads
    (validation, the photo's decoding, the duplicate check), which a page may do before it takes
    the database's write lock (SQLite's one lock: see registrations' view)."""

    data: RegistrationData
    existing: Case | None = None  # the case this very form opened already
    point_id: int = 0
    photo: tuple[bytes, str] | None = None
    found: dict[int, int] = field(default_factory=dict)  # acknowledged candidate -> household index
    seen: list[duplicates.Candidate] = field(default_factory=list)
    newest_person_id: int = 0  # the newest person the duplicate check could see


def check(actor: User, data: RegistrationData, *, today: date) -> Checked:
    """Everything a registration verifies before writing; raises as `register` does."""
    existing = case_of_submission(data.submission_id)
    if existing is not None and existing.registered_by_id == actor.id:
        return Checked(data=data, existing=existing)
    if actor.role not in (Role.OFFICER, Role.SUPERVISOR):
        raise Forbidden(N_("Only officers and supervisors register people."))
    point = db.session.scalar(select(BorderPoint).where(BorderPoint.code == data.border_point))
    if point is None or not actor.holds(point.id):
        raise _not_your_border_point()
    errors = validate(data, today)
    photo: tuple[bytes, str] | None = None
    if data.photo and "photo" not in errors:
        try:
            photo = photos.prepare(data.photo)
        except InvalidDetails as error:
            errors.update(error.fields)
    if errors:
        raise InvalidDetails(N_("Some details need correcting."), fields=errors)
    checked = Checked(data=data, point_id=point.id, photo=photo,
                      newest_person_id=db.session.scalar(select(func.max(Person.id))) or 0)  # fmt: skip
    if data.acknowledged_candidates is not None:
        checked.found, checked.seen = _check_duplicates(actor, data)
    return checked


def write(actor: User, checked: Checked, *, today: date, timezone: str,
          ip_address: str | None) -> tuple[Case, list[duplicates.Candidate]]:  # fmt: skip
    """Write a checked registration; returns the case and the candidates the duplicate check found
    that did not stop it (best first, at most 5: the less likely matches an officer may still
    open). People registered since the check (by other officers, while this one was checked
    outside the write lock) are checked now; the rest is not done again."""
    if checked.existing is not None:
        return checked.existing, []
    data = checked.data
    point = db.session.get(BorderPoint, checked.point_id)
    if point is None:  # removed meanwhile: an administrator's rare act
        raise _not_your_border_point()
    photo, found, seen = checked.photo, dict(checked.found), list(checked.seen)
    if data.acknowledged_candidates is not None:
        newest = db.session.scalar(select(func.max(Person.id))) or 0
        if newest != checked.newest_person_id:
            more_found, more_seen = _check_duplicates(actor, data, newer_than=checked.newest_person_id)
            found = {**more_found, **found}
            seen += more_seen

    codes = household_vulnerabilities(data, today)
    person = new_person(data, codes[0])
    members = [new_person(member, member_codes) for member, member_codes in zip(data.members, codes[1:], strict=True)]
    now = utcnow()
    case = Case(
        case_number=next_case_number(point, now, timezone),
        border_point=point,
        principal=person,
        status=CaseStatus.REGISTERED,
        priority=priority_for(code for person_codes in codes for code in person_codes),
        submission_id=data.submission_id,
        registered_at=now,
        registered_by_id=actor.id,
        arrival_date=data.arrival_date,
        entry_type=data.entry_type,
        circumstances=data.circumstances,
        consent_given=data.consent_given,
        consent_scope=data.consent_scope if data.consent_given else None,
        consent_date=data.consent_date if data.consent_given else None,
        consent_recorded_by_id=actor.id,
        consent_language=data.consent_language or None,
        assigned_to_id=actor.id if actor.role == Role.OFFICER else None,
    )
    case.members.append(CaseMember(person=person, relationship_to_head=Relationship.HEAD))
    for member_data, member in zip(data.members, members, strict=True):
        case.members.append(CaseMember(person=member, relationship_to_head=member_data.relationship))
    case.events.append(
        CaseEvent(
            at=now,
            actor_id=actor.id,
            kind="registered",
            to_status=CaseStatus.REGISTERED,
            details={"border_point": point.code, "consent_given": data.consent_given,
                     "people": 1 + len(members)},
        )
    )
    db.session.add(case)
    db.session.flush()
    people = [person, *members]
    flagged = set(data.flagged_candidates)
    for candidate_id, index in found.items():
        if candidate_id in flagged:
            duplicates.record_pair(actor, people[index], candidate_id, DuplicateStatus.FLAGGED,
                                   reason=f"flagged at registration of {case.case_number}")  # fmt: skip
        else:
            duplicates.record_pair(actor, people[index], candidate_id, DuplicateStatus.NOT_DUPLICATE,
                                   reason=f"a different person, confirmed at registration of {case.case_number}")  # fmt: skip
    if photo is not None:
        # Stored last, once everything else was accepted.
        person.photo_filename = photos.store().save(photo[0])
    db.session.flush()
    audit.record(
        "registration",
        actor=actor,
        object_type="case",
        object_id=case.case_number,
        ip_address=ip_address,
        details={"person_id": person.id, "member_ids": [member.id for member in members],
                 "duplicates_checked": data.acknowledged_candidates is not None,
                 "candidates_acknowledged": len(found), "candidates_flagged": len(flagged & set(found))},
    )
    best = {candidate.person_id: candidate for candidate in seen}
    return case, sorted(best.values(), key=lambda candidate: -candidate.score)[:5]


def _check_duplicates(actor: User, data: RegistrationData,
                      newer_than: int | None = None) -> tuple[dict[int, int], list[duplicates.Candidate]]:  # fmt: skip
    """Candidates of each household person. While one that needs a look (likely, alone or shared
    with other records) is not acknowledged, refuse with PossibleDuplicates listing every
    candidate not acknowledged (possible ones too: the officer sees the whole picture).
    Returns (acknowledged candidate id -> the index of the household person it was found for,
    every candidate found)."""
    people: list[PersonFields] = [data, *data.members]
    results = duplicates.check_household(actor, [identity_of(person) for person in people], newer_than=newer_than)
    acknowledged = set(data.acknowledged_candidates or ()) | set(data.flagged_candidates)
    pending = [[c for c in candidates if c.person_id not in acknowledged] for candidates in results]
    if any(candidate.needs_a_look for candidates in pending for candidate in candidates):
        raise PossibleDuplicates(
            N_("This person may be registered already: look at the possible matches below."),
            candidates=pending,  # type: ignore[arg-type]
        )
    found: dict[int, int] = {}
    for index, candidates in enumerate(results):
        for candidate in candidates:
            if candidate.person_id in acknowledged:
                found.setdefault(candidate.person_id, index)
    return found, [candidate for candidates in results for candidate in candidates]
