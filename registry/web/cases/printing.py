"""Turn a case into the translated, formatted data the PDF builders print."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, request, url_for
from flask_babel import gettext as _

from registry.documents.case_summary import CaseSummaryData, TimelineRow
from registry.domain import reference
from registry.domain.errors import InvalidDetails
from registry.domain.i18n import N_
from registry.models import Case, User
from registry.services.verification import verification_code
from registry.templating import (
    country_of,
    current_language,
    endonym,
    label_of,
    language_of,
    show_date,
    show_datetime,
)


def print_language(case: Case, requested: str | None = None) -> str:
    """The language to print in: the one asked for (`?lang=`), else the person's if documents
    are printed in it, else the officer's."""
    offered = current_app.config["REGISTRY"].LANGUAGES
    if requested:
        if requested not in offered:
            raise InvalidDetails(
                N_("Documents are printed in these languages only: %(languages)s."),
                params={"languages": ", ".join(endonym(code) for code in offered)},
            )
        return requested
    person = case.principal
    return reference.print_language(person.languages or [], case.consent_language,
                                    current_language(), offered)  # fmt: skip


def verify_url(case_number: str) -> str:
    """The QR code's link: the registry's own address, the case number and a code. Nothing else."""
    code = verification_code(current_app.config["SECRET_KEY"], case_number)
    path = url_for("cases.verify", case_number=case_number, code=code)
    base = current_app.config["REGISTRY"].BASE_URL.rstrip("/") or request.host_url.rstrip("/")
    return base + path


def summary_data(case: Case, printed_by: User) -> CaseSummaryData:
    person = case.principal
    dob = ""
    if person.date_of_birth:
        dob = f"{show_date(person.date_of_birth)} ({label_of('dob_precision', person.dob_precision)})"
    documents = "; ".join(
        f"{label_of('document_type', d.type)} {d.number}"
        + (f" ({country_of(d.issuing_country)})" if d.issuing_country else "")
        for d in person.documents
    )
    person_rows = [
        (_("Given names"), person.given_names),
        (_("Family name"), person.family_name),
        (_("Other names or spellings"), person.other_names),
        (_("Sex"), label_of("sex", person.sex)),
        (_("Date of birth"), dob or _("Not known")),
        (_("Nationality"), country_of(person.nationality)),
        (_("Country of birth"), country_of(person.country_of_birth)),
        (_("Place of origin"), person.place_of_origin or ""),
        (_("Languages"), ", ".join(language_of(code) for code in person.languages)),
        (_("Phone"), person.phone or ""),
        (_("Identity documents"), documents),
        (_("Protection needs"), ", ".join(label_of("vulnerability", v) for v in person.vulnerabilities)),
    ]
    consent = (
        _("Given on %(date)s", date=show_date(case.consent_date))
        if case.consent_given
        else _("Not given: only the minimum is recorded.")
    )
    registration_rows = [
        (_("Border point"), str(case.border_point)),
        (_("Registered on"), f"{show_datetime(case.registered_at)} · {case.registered_by.display_name}"),
        (_("Arrival date"), show_date(case.arrival_date)),
        (_("Entry"), label_of("entry_type", case.entry_type)),
        (_("Circumstances"), label_of("circumstances", case.circumstances)),
        (_("Consent"), consent),
        (_("Assigned to"), case.assigned_to.display_name if case.assigned_to else _("Nobody yet")),
        (_("Priority"), label_of("priority", case.priority)),
    ]
    timeline = [
        TimelineRow(
            when=show_datetime(event.at),
            # TRANSLATORS: who made a change that no person made.
            who=event.actor.display_name if event.actor else _("the system"),
            from_status=label_of("status", event.from_status),
            to_status=label_of("status", event.to_status) or label_of("event", event.kind),
            reason=event.reason or "",
        )
        for event in case.events
    ]
    household_rows = [
        (member.person.full_name, " · ".join(part for part in (
            label_of("relationship", member.relationship_to_head), label_of("sex", member.person.sex),
            show_date(member.person.date_of_birth),
            ", ".join(label_of("vulnerability", v) for v in member.person.vulnerabilities)) if part))
        for member in sorted(case.members, key=lambda m: m.id) if member.person_id != person.id
    ]  # fmt: skip
    return CaseSummaryData(
        organisation_name=current_app.config["REGISTRY"].ORGANISATION_NAME,
        case_number=case.case_number,
        verify_url=verify_url(case.case_number),
        status_label=label_of("status", case.status),
        pathway_label=label_of("pathway", case.pathway),
        printed_by=printed_by.display_name,
        printed_at=show_datetime(datetime.now(UTC)),
        labels={
            "title": _("Case summary"),
            "confidential": _("Confidential"),
            "page_of": _("Page %(page)s of %(pages)s"),
            "printed_by": _("Printed by %(name)s at %(when)s"),
            "case_number": _("Case number"),
            "status": _("Status"),
            "pathway": _("Pathway"),
            "timeline": _("Timeline"),
            "when": _("When"),
            "who": _("Who"),
            "from": _("From"),
            "to": _("To"),
            "reason": _("Reason"),
            "no_events": _("No events recorded."),
        },
        sections=[
            (_("The person"), [(label, value) for label, value in person_rows if value]),
            *([(_("The household"), household_rows)] if household_rows else []),
            (_("Registration"), registration_rows),
        ],
        timeline=timeline,
    )
