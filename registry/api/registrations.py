"""Registering and correcting people through the API, on the registration and rights services."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import date
from typing import Any

from registry.api import schemas
from registry.domain.errors import InvalidDetails
from registry.domain.i18n import N_
from registry.models import Case, Person, User
from registry.services import registration, rights
from registry.services.cases import case_of_person
from registry.services.registration import DocumentData, RegistrationData


def _documents(documents: list[schemas.DocumentIn]) -> tuple[DocumentData, ...]:
    return tuple(DocumentData(type=d.type, number=d.number, issuing_country=d.issuing_country,
                              expiry_date=d.expiry_date) for d in documents)  # fmt: skip


def registration_data(data: schemas.RegistrationIn) -> RegistrationData:
    return RegistrationData(
        border_point=data.border_point,
        given_names=data.given_names,
        family_name=data.family_name,
        other_names=data.other_names,
        sex=data.sex,
        date_of_birth=data.date_of_birth,
        dob_precision=data.dob_precision,
        nationality=data.nationality,
        country_of_birth=data.country_of_birth,
        place_of_origin=data.place_of_origin,
        languages=tuple(data.languages),
        phone=data.phone,
        documents=_documents(data.documents),
        vulnerabilities=tuple(data.vulnerabilities),
        arrival_date=data.arrival_date,
        entry_type=data.entry_type,
        circumstances=data.circumstances,
        consent_given=data.consent_given,
        consent_scope=data.consent_scope,
        consent_date=data.consent_date,
        consent_language=data.consent_language,
    )


def likely_duplicates(actor: User, data: schemas.RegistrationIn) -> list[schemas.DuplicateCandidate]:
    return []


def register(actor: User, data: schemas.RegistrationIn, *, today: date, timezone: str,
             ip_address: str | None) -> Case:  # fmt: skip
    if data.household:
        message = N_("Household members cannot be registered through the API yet.")
        raise InvalidDetails(message, fields={"household": message})
    return registration.register(actor, registration_data(data), today=today, timezone=timezone,
                                 ip_address=ip_address)  # fmt: skip


def correct(actor: User, person_id: int, sent: dict[str, Any], *, version: int, reason: str,
            today: date, ip_address: str | None) -> tuple[Person, list[str]]:  # fmt: skip
    case = case_of_person(actor, person_id)
    if case.principal_id != person_id:
        message = N_("Only the principal's details can be corrected through the API yet.")
        raise InvalidDetails(message)
    names = {field.name for field in fields(rights.PersonCorrection)}
    corrected = replace(rights.current_details(case), **{k: v for k, v in sent.items() if k in names})
    changed = rights.correct_person(actor, case.case_number, corrected, reason=reason,
                                    person_version=version, today=today, ip_address=ip_address)  # fmt: skip
    return case.principal, changed
