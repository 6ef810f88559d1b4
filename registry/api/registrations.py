"""Registering and correcting people through the API, on the registration, duplicate and rights
services (the web's): this module only translates between the API's schemas and theirs."""

from __future__ import annotations

import re
from dataclasses import fields, replace
from datetime import date
from typing import Any

from flask_babel import gettext

from registry.api import schemas
from registry.domain import dedupe
from registry.domain.errors import InvalidDetails, PossibleDuplicates
from registry.models import Case, Person, User
from registry.services import registration, rights
from registry.services.cases import case_of_person
from registry.services.registration import DocumentData, MemberData, RegistrationData

# The services name a household member's fields as the web form does; the API as JSON paths.
_MEMBER_FIELD = re.compile(r"^members-(\d+)-(.+)$")


def _documents(documents: list[schemas.DocumentIn]) -> tuple[DocumentData, ...]:
    return tuple(DocumentData(type=d.type, number=d.number, issuing_country=d.issuing_country,
                              expiry_date=d.expiry_date) for d in documents)  # fmt: skip


def _member(member: schemas.HouseholdMemberIn) -> MemberData:
    return MemberData(
        relationship=member.relationship,
        given_names=member.given_names,
        family_name=member.family_name,
        sex=member.sex,
        nationality=member.nationality,
        other_names=member.other_names,
        date_of_birth=member.date_of_birth,
        dob_precision=member.dob_precision,
        country_of_birth=member.country_of_birth,
        place_of_origin=member.place_of_origin,
        languages=tuple(member.languages),
        phone=member.phone,
        documents=_documents(member.documents),
        vulnerabilities=tuple(member.vulnerabilities),
    )


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
        members=tuple(_member(member) for member in data.household),
        # None skips the duplicate check; an empty tuple runs it with nothing acknowledged.
        acknowledged_candidates=None if data.confirm_new else (),
    )


def api_field(name: str) -> str:
    """`members-1-sex` (the services' name) as `household.1.sex` (the body's path)."""
    match = _MEMBER_FIELD.match(name)
    return f"household.{match.group(1)}.{match.group(2)}" if match else name


def candidates_of(error: PossibleDuplicates) -> list[schemas.DuplicateCandidate]:
    """Every candidate, for each person of the household (`for_person`: 0 the head, then the
    household's members from 1). Outside the caller's border points: no one's details."""
    found = []
    for index, candidates in enumerate(error.candidates):
        for candidate in candidates:
            details = getattr(candidate, "details", None) if getattr(candidate, "may_see_details", False) else None
            found.append(schemas.DuplicateCandidate(
                for_person=index,
                case_number=candidate.case_number,  # type: ignore[attr-defined]
                border_point=candidate.border_point,  # type: ignore[attr-defined]
                score=candidate.score,  # type: ignore[attr-defined]
                reasons=list(candidate.reasons),  # type: ignore[attr-defined]
                why=[gettext(dedupe.REASON_LABELS[code]) for code in candidate.reasons],  # type: ignore[attr-defined]
                given_names=details.given_names if details else None,
                family_name=details.family_name if details else None,
                date_of_birth=details.date_of_birth if details else None,
                nationality=details.nationality if details else None,
            ))  # fmt: skip
    return found


def register(actor: User, data: schemas.RegistrationIn, *, today: date, timezone: str,
             ip_address: str | None) -> Case:  # fmt: skip
    """The case registered; PossibleDuplicates unless `confirm_new`; InvalidDetails with the
    body's field paths."""
    try:
        return registration.register(actor, registration_data(data), today=today, timezone=timezone,
                                     ip_address=ip_address)  # fmt: skip
    except InvalidDetails as error:
        raise InvalidDetails(error.message, params=error.params,
                             fields={api_field(name): message for name, message in error.fields.items()}) from None  # fmt: skip


def correct(actor: User, person_id: int, sent: dict[str, Any], *, version: int, reason: str,
            today: date, ip_address: str | None) -> tuple[Person, list[str]]:  # fmt: skip
    """Correct any person of a case the actor holds: the fields sent change, the others stay."""
    case = case_of_person(actor, person_id)
    person = next(member.person for member in case.members if member.person_id == person_id)
    names = [field.name for field in fields(rights.PersonCorrection)]
    current = rights.PersonCorrection(**{name: getattr(person, name) for name in names})
    corrected = replace(current, **{name: value for name, value in sent.items() if name in names})
    changed = rights.correct_person(actor, case.case_number, corrected, reason=reason,
                                    person_version=version, today=today, ip_address=ip_address,
                                    person_id=person_id)  # fmt: skip
    return person, changed
