"""A case's household after registration: members added (a newborn) or split into a case of their
own, vulnerabilities and documents changed, the priority raised by a supervisor, photos.

Each change is version-checked against the case (or the person), recorded on the timeline with who
and why, its old values kept in `person_change`, and audited (field names only).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import select

from registry.domain.cases import priority_for, raise_only
from registry.domain.errors import Forbidden, InvalidDetails, NotAllowed, NotFound, StaleVersion
from registry.domain.i18n import N_
from registry.domain.vocabulary import CaseStatus, Priority, Relationship, Role, Vulnerability
from registry.extensions import db
from registry.models import (
    Case,
    CaseEvent,
    CaseMember,
    IdentityDocument,
    Person,
    PersonChange,
    PersonVulnerability,
    User,
)
from registry.models.base import utcnow
from registry.services import audit, photos, registration
from registry.services.cases import get_case
from registry.services.registration import DocumentData, MemberData, normalise_document_number

MIN_REASON_LENGTH = 3


def _reason(reason: str) -> str:
    if len((reason or "").strip()) < MIN_REASON_LENGTH:
        message = N_("Say why.")
        raise InvalidDetails(message, fields={"reason": message})
    return reason.strip()


def _check_case_version(case: Case, case_version: int | None) -> None:
    if case_version is not None and case.version != case_version:
        raise StaleVersion(N_("Someone changed this case since you opened it. Reload it and try again."))


def _check_person_version(person: Person, person_version: int | None) -> None:
    if person_version is not None and person.version != person_version:
        raise StaleVersion(N_("Someone changed this person's details since you opened the form. "
                              "Reload it and make your change again."))  # fmt: skip


def member_of(case: Case, person_id: int) -> CaseMember:
    """The case's membership of `person_id`; NotFound for anyone the case does not cover."""
    for member in case.members:
        if member.person_id == person_id:
            return member
    raise NotFound(N_("This person is not covered by this case."))


def person_of(actor: User, case_number: str, person_id: int | None = None) -> tuple[Case, Person]:
    """The case (within the actor's scope) and one of its people (the principal by default)."""
    case = get_case(actor, case_number)
    if person_id is None:
        return case, case.principal
    return case, member_of(case, person_id).person


def recompute_priority(case: Case) -> str:
    """The priority the household's vulnerabilities give, never below what a supervisor raised it to."""
    derived = priority_for(code for person in case.people for code in person.vulnerabilities)
    case.priority = raise_only(derived, case.priority_raised) if case.priority_raised else derived
    return case.priority


def record_changes(actor: User, person: Person, case: Case | None, old: dict[str, Any], *, reason: str,
                   kind: str = "correction") -> list[str]:  # fmt: skip
    """One person_change row per field whose value differs from `old`; the names of those fields."""
    changed = []
    for name, before in old.items():
        after = getattr(person, name) if hasattr(person, name) else None
        if name == "vulnerabilities":
            after = ", ".join(person.vulnerabilities)
        if _text(before) == _text(after):
            continue
        changed.append(name)
        db.session.add(PersonChange(person_id=person.id, case_id=case.id if case else None, at=utcnow(),
                                    actor_id=actor.id, kind=kind, field=name, old_value=_text(before),
                                    new_value=_text(after), reason=reason))  # fmt: skip
    return changed


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value)) or None
    return str(value)


def history(actor: User, case_number: str) -> list[PersonChange]:
    """The changes to the case's people, newest first (old and new values: a person's data)."""
    case = get_case(actor, case_number)
    ids = [member.person_id for member in case.members]
    return list(db.session.scalars(
        select(PersonChange).where(PersonChange.person_id.in_(ids)).order_by(PersonChange.id.desc())
    ))  # fmt: skip


# --- Members -------------------------------------------------------------------------------------


def add_member(actor: User, case_number: str, member: MemberData, *, reason: str, case_version: int | None,
               today: date, ip_address: str | None) -> Person:  # fmt: skip
    """Add someone to the household (a newborn, a relative who arrived later)."""
    case = get_case(actor, case_number)
    _check_case_version(case, case_version)
    reason = _reason(reason)
    if case.status == CaseStatus.CLOSED:
        raise NotAllowed(N_("A closed case cannot change; reopen it first."))
    errors = registration.person_errors(member, today, case.consent_given)
    if member.relationship == Relationship.HEAD:
        errors["relationship"] = N_("A household has one head. Choose this member's relationship to them.")
    elif member.relationship not in set(Relationship):
        errors["relationship"] = N_("Choose the relationship to the head of the household.")
    if any(registration.same_person(member, _as_member(person)) for person in case.people):
        errors["given_names"] = N_("This person is covered by the case already.")
    if errors:
        raise InvalidDetails(N_("Some details need correcting."), fields=errors)
    person = registration.new_person(member)
    case.members.append(CaseMember(person=person, relationship_to_head=member.relationship))
    db.session.flush()
    recompute_priority(case)
    case.events.append(CaseEvent(at=utcnow(), actor_id=actor.id, kind="member_added", reason=reason,
                                 details={"person_id": person.id, "relationship": member.relationship}))  # fmt: skip
    db.session.flush()
    audit.record("member_added", actor=actor, object_type="case", object_id=case.case_number,
                 ip_address=ip_address, details={"person_id": person.id})  # fmt: skip
    return person


def _as_member(person: Person) -> MemberData:
    return MemberData(relationship="", given_names=person.given_names, family_name=person.family_name,
                      sex=person.sex, nationality=person.nationality, date_of_birth=person.date_of_birth)  # fmt: skip


def split_member(actor: User, case_number: str, person_id: int, *, reason: str, case_version: int | None,
                 timezone: str, ip_address: str | None) -> Case:  # fmt: skip
    """Give a member a case of their own at the same border point; both timelines say so."""
    case = get_case(actor, case_number)
    _check_case_version(case, case_version)
    reason = _reason(reason)
    member = member_of(case, person_id)
    if member.relationship_to_head == Relationship.HEAD or case.principal_id == person_id:
        raise NotAllowed(N_("The head of the household cannot be split from their own case."))
    if case.status == CaseStatus.CLOSED:
        raise NotAllowed(N_("A closed case cannot change; reopen it first."))
    person = member.person
    now = utcnow()
    new_case = Case(
        case_number=registration.next_case_number(case.border_point, now, timezone),
        border_point=case.border_point, principal=person, status=CaseStatus.REGISTERED,
        registered_at=now, registered_by_id=actor.id, arrival_date=case.arrival_date,
        entry_type=case.entry_type, circumstances=case.circumstances, consent_given=case.consent_given,
        consent_scope=case.consent_scope, consent_date=case.consent_date,
        consent_recorded_by_id=case.consent_recorded_by_id, consent_language=case.consent_language,
        assigned_to_id=actor.id if actor.role == Role.OFFICER else case.assigned_to_id,
    )  # fmt: skip
    case.members.remove(member)
    new_case.members.append(CaseMember(person=person, relationship_to_head=Relationship.HEAD))
    db.session.add(new_case)
    db.session.flush()
    recompute_priority(case)
    recompute_priority(new_case)
    case.events.append(CaseEvent(at=now, actor_id=actor.id, kind="member_split", reason=reason,
                                 details={"person_id": person.id, "new_case": new_case.case_number,
                                          "relationship": member.relationship_to_head}))  # fmt: skip
    new_case.events.append(CaseEvent(at=now, actor_id=actor.id, kind="registered", to_status=CaseStatus.REGISTERED,
                                     reason=reason, details={"split_from": case.case_number,
                                                             "border_point": case.border_point.code}))  # fmt: skip
    db.session.flush()
    for number in (case.case_number, new_case.case_number):
        audit.record("member_split", actor=actor, object_type="case", object_id=number, ip_address=ip_address,
                     details={"person_id": person.id, "from": case.case_number, "to": new_case.case_number})  # fmt: skip
    return new_case


# --- Vulnerabilities, priority, documents --------------------------------------------------------


def set_vulnerabilities(actor: User, case_number: str, person_id: int, codes: list[str] | tuple[str, ...], *,
                        reason: str, person_version: int | None, ip_address: str | None) -> str:  # fmt: skip
    """Replace a person's coded vulnerabilities; the case's priority follows. Returns the priority."""
    case, person = person_of(actor, case_number, person_id)
    _check_person_version(person, person_version)
    reason = _reason(reason)
    if any(code not in set(Vulnerability) for code in codes):
        message = N_("Unknown vulnerability.")
        raise InvalidDetails(message, fields={"vulnerabilities": message})
    old = {"vulnerabilities": ", ".join(person.vulnerabilities)}
    wanted = list(dict.fromkeys(codes))
    for row in [row for row in person.vulnerability_rows if row.code not in wanted]:
        person.vulnerability_rows.remove(row)
    present = set(person.vulnerabilities)
    person.vulnerability_rows.extend(PersonVulnerability(code=code) for code in wanted if code not in present)
    db.session.flush()
    changed = record_changes(actor, person, case, old, reason=reason)
    if not changed:
        raise InvalidDetails(N_("Nothing was changed."))
    before = case.priority
    recompute_priority(case)
    case.events.append(CaseEvent(at=utcnow(), actor_id=actor.id, kind="vulnerabilities_changed", reason=reason,
                                 details={"person_id": person.id, "priority": case.priority,
                                          "priority_before": before}))  # fmt: skip
    db.session.flush()
    audit.record("correction", actor=actor, object_type="case", object_id=case.case_number,
                 ip_address=ip_address, details={"fields": ["vulnerabilities"], "person_id": person.id})  # fmt: skip
    return case.priority


PRIORITY_ORDER = [Priority.NORMAL, Priority.HIGH, Priority.URGENT]


def raise_priority(actor: User, case_number: str, priority: str, *, reason: str, case_version: int | None,
                   ip_address: str | None) -> Case:  # fmt: skip
    """A supervisor raises the case's priority above what its vulnerabilities give."""
    case = get_case(actor, case_number)
    if actor.role != Role.SUPERVISOR:
        raise Forbidden(N_("Only a supervisor raises a case's priority."))
    _check_case_version(case, case_version)
    reason = _reason(reason)
    if priority not in PRIORITY_ORDER:
        message = N_("Choose a priority.")
        raise InvalidDetails(message, fields={"priority": message})
    if PRIORITY_ORDER.index(Priority(priority)) <= PRIORITY_ORDER.index(Priority(case.priority)):
        message = N_("The priority can only be raised here; it is already at that level or higher.")
        raise InvalidDetails(message, fields={"priority": message})
    before = case.priority
    case.priority_raised = priority
    recompute_priority(case)
    case.events.append(CaseEvent(at=utcnow(), actor_id=actor.id, kind="priority_raised", reason=reason,
                                 details={"priority": case.priority, "priority_before": before}))  # fmt: skip
    db.session.flush()
    audit.record("priority_raised", actor=actor, object_type="case", object_id=case.case_number,
                 ip_address=ip_address, details={"priority": case.priority})  # fmt: skip
    return case


def add_document(actor: User, case_number: str, person_id: int, document: DocumentData, *, reason: str,
                 person_version: int | None, today: date, ip_address: str | None) -> IdentityDocument:  # fmt: skip
    """Add an identity document to a person of the case (with consent only)."""
    case, person = person_of(actor, case_number, person_id)
    _check_person_version(person, person_version)
    reason = _reason(reason)
    probe = replace(_as_member(person), documents=(document,))
    errors = {name: message for name, message in registration.person_errors(probe, today, case.consent_given).items()
              if name == "documents"}  # fmt: skip
    number = normalise_document_number(document.number)
    if not errors and number in {d.number_normalised for d in person.documents}:
        errors["documents"] = N_("The same document number is given twice.")
    if errors:
        raise InvalidDetails(N_("Some details need correcting."), fields=errors)
    old = {"documents": _documents_text(person)}
    row = IdentityDocument(type=document.type, number=document.number.strip(), number_normalised=number,
                           issuing_country=document.issuing_country or None, expiry_date=document.expiry_date)  # fmt: skip
    person.documents.append(row)
    db.session.flush()
    _document_event(actor, case, person, old, reason, ip_address)
    return row


def remove_document(actor: User, case_number: str, person_id: int, document_id: int, *, reason: str,
                    person_version: int | None, ip_address: str | None) -> None:  # fmt: skip
    case, person = person_of(actor, case_number, person_id)
    _check_person_version(person, person_version)
    reason = _reason(reason)
    row = next((d for d in person.documents if d.id == document_id), None)
    if row is None:
        raise NotFound(N_("No such document for this person."))
    old = {"documents": _documents_text(person)}
    person.documents.remove(row)
    db.session.flush()
    _document_event(actor, case, person, old, reason, ip_address)


def _documents_text(person: Person) -> str:
    return "; ".join(f"{d.type} {d.number}" + (f" ({d.issuing_country})" if d.issuing_country else "")
                     for d in person.documents)  # fmt: skip


def _document_event(actor: User, case: Case, person: Person, old: dict[str, Any], reason: str,
                    ip_address: str | None) -> None:  # fmt: skip
    db.session.add(PersonChange(person_id=person.id, case_id=case.id, at=utcnow(), actor_id=actor.id,
                                kind="correction", field="documents", old_value=old["documents"] or None,
                                new_value=_documents_text(person) or None, reason=reason))  # fmt: skip
    case.events.append(CaseEvent(at=utcnow(), actor_id=actor.id, kind="correction", reason=reason,
                                 details={"fields": ["documents"], "person_id": person.id}))  # fmt: skip
    db.session.flush()
    audit.record("correction", actor=actor, object_type="case", object_id=case.case_number,
                 ip_address=ip_address, details={"fields": ["documents"], "person_id": person.id})  # fmt: skip


# --- Photos --------------------------------------------------------------------------------------


def set_photo(actor: User, case_number: str, person_id: int, data: bytes, *, ip_address: str | None) -> str:
    """Take or replace a person's photo (with consent only); the old file is deleted."""
    case, person = person_of(actor, case_number, person_id)
    if not case.consent_given:
        message = N_("Without consent a photo is not taken.")
        raise InvalidDetails(message, fields={"photo": message})
    cleaned, _extension = photos.prepare(data)
    old = person.photo_filename
    person.photo_filename = photos.store().save(cleaned)
    case.events.append(CaseEvent(at=utcnow(), actor_id=actor.id, kind="photo_taken",
                                 details={"person_id": person.id}))  # fmt: skip
    db.session.flush()
    if old:
        photos.delete(old)
    audit.record("photo_taken", actor=actor, object_type="case", object_id=case.case_number,
                 ip_address=ip_address, details={"person_id": person.id})  # fmt: skip
    return person.photo_filename


def read_photo(actor: User, case_number: str, person_id: int, *, ip_address: str | None) -> tuple[bytes, str]:
    """The photo of a person of the case, if the actor may see the case; the view is audited."""
    case, person = person_of(actor, case_number, person_id)
    if not person.photo_filename:
        raise NotFound(N_("No photo of this person."))
    try:
        data, mimetype = photos.read(person.photo_filename)
    except (OSError, ValueError) as error:
        raise NotFound(N_("No photo of this person.")) from error
    audit.record("photo_view", actor=actor, object_type="case", object_id=case.case_number,
                 ip_address=ip_address, details={"person_id": person.id})  # fmt: skip
    return data, mimetype
