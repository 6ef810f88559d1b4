"""Cases, people and figures as the API's answer models (registry/api/schemas.py)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

from registry.api import schemas
from registry.domain import workflow as rules
from registry.models import Case, CaseEvent, Person, User
from registry.services.stats import Figures


def person(person: Person) -> schemas.PersonOut:
    return schemas.PersonOut(
        id=person.id,
        version=person.version,
        given_names=person.given_names,
        family_name=person.family_name,
        other_names=person.other_names,
        sex=person.sex,
        date_of_birth=person.date_of_birth,
        dob_precision=person.dob_precision,
        nationality=person.nationality,
        country_of_birth=person.country_of_birth,
        place_of_origin=person.place_of_origin,
        languages=list(person.languages or []),
        phone=person.phone,
        documents=[schemas.DocumentOut(type=d.type, number=d.number, issuing_country=d.issuing_country,
                                       expiry_date=d.expiry_date) for d in person.documents],
        vulnerabilities=person.vulnerabilities,
    )


def event(event: CaseEvent) -> schemas.EventOut:
    return schemas.EventOut(at=event.at, kind=event.kind,
                            actor=event.actor.username if event.actor else None,
                            from_status=event.from_status, to_status=event.to_status,
                            reason=event.reason, details=dict(event.details or {}))  # fmt: skip


def allowed_transitions(case: Case, actor: User, today: date) -> list[str]:
    """The statuses the actor may move the case to now: their role's moves that no guard blocks."""
    return [str(move.target) for move in rules.available_transitions(case, actor, today)
            if rules.blocked_reason(move, case, actor, today) is None]  # fmt: skip


def case(case: Case, actor: User, today: date) -> schemas.CaseOut:
    details = {name: getattr(case, name) for name in schemas.DETAILS}
    return schemas.CaseOut(
        case_number=case.case_number,
        status=case.status,
        pathway=case.pathway,
        priority=case.priority,
        version=case.version,
        border_point=case.border_point.code,
        registered_at=case.registered_at,
        registered_by=case.registered_by.username if case.registered_by else None,
        assigned_to=case.assigned_to.username if case.assigned_to else None,
        arrival_date=case.arrival_date,
        entry_type=case.entry_type,
        circumstances=case.circumstances,
        consent_given=case.consent_given,
        consent_scope=case.consent_scope,
        consent_date=case.consent_date,
        consent_language=case.consent_language,
        fear_of_return_cleared=case.fear_of_return_cleared,
        person=person(case.principal),
        members=[schemas.MemberOut(relationship=member.relationship_to_head, person=person(member.person))
                 for member in case.members],
        timeline=[event(item) for item in case.events],
        allowed_transitions=allowed_transitions(case, actor, today),
        **details,
    )


def case_summary(case: Case) -> schemas.CaseSummaryOut:
    principal = case.principal
    return schemas.CaseSummaryOut(
        case_number=case.case_number,
        status=case.status,
        pathway=case.pathway,
        priority=case.priority,
        version=case.version,
        border_point=case.border_point.code,
        registered_at=case.registered_at,
        assigned_to=case.assigned_to.username if case.assigned_to else None,
        given_names=principal.given_names,
        family_name=principal.family_name,
        sex=principal.sex,
        date_of_birth=principal.date_of_birth,
        nationality=principal.nationality,
    )


def figures(result: Figures) -> schemas.StatsOut:
    data = asdict(result)
    data.pop("permits_with_decision_date", None)
    return schemas.StatsOut(**data)
