"""The person's rights and the sharing of their data: corrections (who and why), the transfers register."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date
from typing import Any

from sqlalchemy import select

from registry.domain.errors import Forbidden, GuardRefused, InvalidDetails, NotFound, StaleVersion
from registry.domain.i18n import N_
from registry.domain.names import fold
from registry.domain.vocabulary import Role
from registry.extensions import db
from registry.models import Case, CaseEvent, DataTransfer, Partner, User
from registry.models.base import utcnow
from registry.services import audit, registration
from registry.services.cases import get_case

LEGAL_BASES = ("consent", "vital_interests")
MIN_PURPOSE_LENGTH = 10


@dataclass(frozen=True)
class PersonCorrection:
    """The principal's correctable details; names are the data dictionary's."""

    given_names: str
    family_name: str
    other_names: str
    sex: str
    date_of_birth: date | None
    dob_precision: str | None
    nationality: str
    place_of_origin: str | None
    phone: str | None


def current_details(case: Case) -> PersonCorrection:
    person = case.principal
    return PersonCorrection(**{field.name: getattr(person, field.name) for field in fields(PersonCorrection)})


def correct_person(actor: User, case_number: str, corrected: PersonCorrection, *, reason: str,
                   person_version: int, today: date, ip_address: str | None,
                   person_id: int | None = None) -> list[str]:  # fmt: skip
    """Correct the details of a person of the case (the principal by default); the timeline records
    who, why and which fields, and `person_change` the old and new values."""
    from registry.services import household

    case, person = household.person_of(actor, case_number, person_id)
    if person.version != person_version:
        raise StaleVersion(N_("Someone changed this person's details since you opened the form. "
                              "Reload it and make your correction again."))  # fmt: skip
    if not reason.strip():
        message = N_("Say why the details are corrected.")
        raise InvalidDetails(message, fields={"reason": message})
    if corrected.date_of_birth is None:
        corrected = replace(corrected, dob_precision=None)
    # The same rules as at registration (consent still limits what may be recorded).
    proposed = registration.RegistrationData(
        border_point=case.border_point.code, languages=tuple(person.languages),
        consent_given=case.consent_given, consent_date=case.consent_date,
        **{field.name: getattr(corrected, field.name) for field in fields(PersonCorrection)},
    )
    errors = {name: message for name, message in registration.validate(proposed, today).items()
              if name in {field.name for field in fields(PersonCorrection)}}  # fmt: skip
    if errors:
        raise InvalidDetails(N_("Some details need correcting."), fields=errors)
    old = {field.name: getattr(person, field.name) for field in fields(PersonCorrection)}
    for field in fields(PersonCorrection):
        value = getattr(corrected, field.name)
        setattr(person, field.name, value.strip() if isinstance(value, str) else value)
    changed = audit.changed_fields(person)
    if not changed:
        raise InvalidDetails(N_("Nothing was changed."))
    person.search_name = fold(" ".join((person.given_names, person.family_name, person.other_names)))
    household.record_changes(actor, person, case, old, reason=reason.strip())
    case.events.append(CaseEvent(at=utcnow(), actor_id=actor.id, kind="correction", reason=reason.strip(),
                                 details={"fields": changed, "person_id": person.id}))  # fmt: skip
    db.session.flush()
    audit.record("correction", actor=actor, object_type="case", object_id=case.case_number,
                 ip_address=ip_address, details={"fields": changed, "person_id": person.id})  # fmt: skip
    return changed


# --- The transfers register ----------------------------------------------------------------------


def active_partners() -> list[Partner]:
    return list(db.session.scalars(select(Partner).where(Partner.active).order_by(Partner.name)))


def transfers_of(case: Case) -> list[DataTransfer]:
    return list(db.session.scalars(
        select(DataTransfer).where(DataTransfer.case_id == case.id).order_by(DataTransfer.requested_at)
    ))  # fmt: skip


def request_transfer(actor: User, case_number: str, *, partner_id: int, purpose: str, legal_basis: str,
                     consent_checked: bool, ip_address: str | None) -> DataTransfer:  # fmt: skip
    """Propose to share the case with a partner; a supervisor other than the requester approves."""
    case = get_case(actor, case_number)
    errors: dict[str, str] = {}
    partner = db.session.get(Partner, partner_id)
    if partner is None or not partner.active:
        errors["partner_id"] = N_("Choose a partner from the list.")
    if len(purpose.strip()) < MIN_PURPOSE_LENGTH:
        errors["purpose"] = N_("Say what the partner needs the data for (at least 10 characters).")
    if legal_basis not in LEGAL_BASES:
        errors["legal_basis"] = N_("Choose the basis for sharing.")
    elif legal_basis == "consent":
        if not case.consent_given:
            errors["legal_basis"] = N_("The person did not consent to their data being recorded: "
                                       "sharing needs another basis.")  # fmt: skip
        elif not consent_checked:
            errors["consent_checked"] = N_("Confirm that the person agreed to this sharing.")
    if errors:
        raise InvalidDetails(N_("Some details need correcting."), fields=errors)
    if partner is None:  # reported in `errors` above; this tells the type checker
        raise InvalidDetails(N_("Choose a partner from the list."))
    transfer = DataTransfer(case_id=case.id, partner_id=partner.id, purpose=purpose.strip(),
                            agreement_reference=partner.agreement_reference, legal_basis=legal_basis,
                            consent_checked=consent_checked and legal_basis == "consent",
                            requested_by_id=actor.id, requested_at=utcnow())  # fmt: skip
    db.session.add(transfer)
    case.events.append(CaseEvent(at=utcnow(), actor_id=actor.id, kind="transfer_requested",
                                 reason=purpose.strip(),
                                 details={"partner": partner.name, "legal_basis": legal_basis}))  # fmt: skip
    db.session.flush()
    audit.record("transfer_requested", actor=actor, object_type="case", object_id=case.case_number,
                 ip_address=ip_address, details={"transfer_id": transfer.id, "partner_id": partner.id,
                                                 "legal_basis": legal_basis})  # fmt: skip
    return transfer


def approve_transfer(actor: User, case_number: str, transfer_id: int, ip_address: str | None) -> DataTransfer:
    case = get_case(actor, case_number)
    transfer = db.session.get(DataTransfer, transfer_id)
    if transfer is None or transfer.case_id != case.id:
        raise NotFound(N_("No such transfer for this case."))
    if actor.role != Role.SUPERVISOR:
        raise Forbidden(N_("Only a supervisor approves sharing a case."))
    if transfer.requested_by_id == actor.id:
        raise GuardRefused(N_("Sharing needs two people: another supervisor approves what you requested."))
    if transfer.status != "requested":
        raise InvalidDetails(N_("This transfer was approved already."))
    transfer.status, transfer.approved_by_id, transfer.approved_at = "approved", actor.id, utcnow()
    case.events.append(CaseEvent(at=utcnow(), actor_id=actor.id, kind="transfer_approved",
                                 details={"partner": transfer.partner.name, "transfer_id": transfer.id}))  # fmt: skip
    db.session.flush()
    audit.record("transfer_approved", actor=actor, object_type="case", object_id=case.case_number,
                 ip_address=ip_address, details={"transfer_id": transfer.id})  # fmt: skip
    return transfer


def details_for_form(case: Case, person: Any = None) -> dict[str, Any]:
    person = person or case.principal
    return {field.name: getattr(person, field.name) for field in fields(PersonCorrection)}
