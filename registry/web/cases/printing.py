"""Turn a case into the translated, formatted data the PDF builders print, and print it.

Every label comes from the translation catalogues, gathered inside `force_locale(<print
language>)`: a document is printed in another language by adding its catalogue, not code.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from typing import IO

from flask import current_app, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import ngettext

from registry.documents.base import Letterhead
from registry.documents.case_summary import (
    CaseSummary,
    CaseSummaryBatch,
    CaseSummaryData,
    ListSection,
    TimelineRow,
)
from registry.documents.declaration import DeclarationData, ReturnDeclaration, Signer
from registry.documents.manifest import DepartureManifest, ManifestData, ManifestGroup, ManifestRow
from registry.documents.slip import RegistrationSlip, SlipData
from registry.domain import reference
from registry.domain.errors import InvalidDetails
from registry.domain.figures import AGE_GROUP_CODES, AGE_GROUP_LABELS, age_group, age_on
from registry.domain.i18n import N_
from registry.domain.vocabulary import Pathway, Relationship, Sex
from registry.models import BorderPoint, Case, Person, User
from registry.services import printing, verification
from registry.services.uploads import UploadStore
from registry.templating import (
    country_of,
    current_language,
    endonym,
    label_of,
    language_of,
    show_birth_date,
    show_date,
    show_datetime,
    today,
)

MM = 72 / 25.4


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


def requested_language() -> str | None:
    """`?lang=` if given; a batch or manifest without it prints in the officer's language."""
    offered = current_app.config["REGISTRY"].LANGUAGES
    requested = request.args.get("lang") or None
    if requested and requested not in offered:
        raise InvalidDetails(
            N_("Documents are printed in these languages only: %(languages)s."),
            params={"languages": ", ".join(endonym(code) for code in offered)},
        )
    return requested


def verify_url(case_number: str, code: str) -> str:
    """The QR code's link: the registry's own address, the case number and a code. Nothing else."""
    path = url_for("cases.verify", case_number=case_number, code=code)
    base = current_app.config["REGISTRY"].BASE_URL.rstrip("/") or request.host_url.rstrip("/")
    return base + path


def _organisation() -> tuple[str, str | None]:
    settings = current_app.config["REGISTRY"]
    return settings.ORGANISATION_NAME, settings.ORGANISATION_LOGO or None


def _page_labels() -> dict[str, str]:
    return {"confidential": _("Confidential"), "page_of": _("Page %(page)s of %(pages)s"),
            "printed_by": _("Printed by %(name)s at %(when)s")}  # fmt: skip


def _photo(person: Person) -> bytes | None:
    """The person's photo, if one is stored and its file can be read: a missing file (a
    restored database without its uploads) prints the sheet without it."""
    if not person.photo_filename:
        return None
    try:
        return UploadStore(current_app.config["UPLOAD_FOLDER"]).read(person.photo_filename)
    except (ValueError, OSError):
        return None


def _dob(person: Person) -> str:
    if not person.date_of_birth:
        return _("Not known")
    return show_birth_date(person.date_of_birth, person.dob_precision)


def _name(person: Person) -> str:
    return person.full_name or person.other_names or "—"


def _yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


# --- Case summary sheet ----------------------------------------------------------------------


def summary_data(case: Case, printed_by: User, *, verify: str = "",
                 printed_at: str | None = None) -> CaseSummaryData:  # fmt: skip
    """The sheet's data, in the current locale. `verify`: the QR link (a print issue's)."""
    person = case.principal
    organisation, logo = _organisation()
    person_rows = [
        (_("Given names"), person.given_names),
        (_("Family name"), person.family_name),
        (_("Other names or spellings"), person.other_names),
        (_("Sex"), label_of("sex", person.sex)),
        (_("Date of birth"), _dob(person)),
        (_("Nationality"), country_of(person.nationality)),
        (_("Country of birth"), country_of(person.country_of_birth)),
        (_("Place of origin"), person.place_of_origin or ""),
        (_("Languages"), ", ".join(language_of(code) for code in person.languages)),
        (_("Phone"), person.phone or ""),
    ]
    documents = ListSection(
        _("Identity documents"),
        [_("Document"), _("Number"), _("Issued by"), _("Expires on")],
        [(label_of("document_type", d.type), d.number, country_of(d.issuing_country),
          show_date(d.expiry_date)) for d in person.documents],
        [45 * MM, None, 40 * MM, 30 * MM],
        _("No identity document recorded."),
    )
    needs = ListSection(
        _("Protection needs"),
        [_("Need"), _("Note")],
        [(label_of("vulnerability", row.code), row.note or "") for row in person.vulnerability_rows],
        [70 * MM, None],
        _("None recorded"),
    )
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
    ]
    if case.consent_given:
        registration_rows += [
            (_("Consent scope"), label_of("consent_scope", case.consent_scope)),
            (_("Informed in"), language_of(case.consent_language) if case.consent_language else ""),
        ]
    fear = label_of("fear_of_return", case.fear_of_return) or _("Not assessed")
    if case.fear_of_return_cleared:
        fear = _("%(answer)s, cleared by a supervisor", answer=fear)
    case_rows = [
        (_("Status"), label_of("status", case.status)),
        (_("Pathway"), label_of("pathway", case.pathway)),
        (_("Priority"), label_of("priority", case.priority)),
        (_("Assigned to"), case.assigned_to.display_name if case.assigned_to else _("Nobody yet")),
        (_("Fear of return"), fear),
    ]
    if case.closure_reason:
        case_rows.append((_("Closed because"), label_of("closure_reason", case.closure_reason)))
    sections: list = [
        (_("The person"), [(label, value) for label, value in person_rows if value]),
        documents,
        needs,
        household_section(case),
        (_("Registration"), registration_rows),
        (_("The case"), case_rows),
    ]
    return_rows = [
        (_("Destination"), ", ".join(part for part in (
            case.destination_place, country_of(case.destination_country)) if part)),
        (_("Travel document"), case.travel_document or ""),
        (_("Departure date"), show_date(case.departure_date)),
        (_("Departure point"), case.departure_point or ""),
        (_("Transport"), case.transport_mode or ""),
        (_("Escort required"), _yes_no(case.escort_required) if case.departure_date else ""),
        (_("Fit to travel on"), show_date(case.fit_to_travel_on)),
        (_("Approved on"), show_date(case.return_approved_on)),
        (_("Best-interests determination"), " · ".join(part for part in (
            show_date(case.bid_decided_on), label_of("bid_outcome", case.bid_outcome)) if part)),
        (_("Family assessment on"), show_date(case.family_assessment_on)),
        (_("Arrival confirmed on"), show_date(case.arrival_confirmed_on)),
    ]
    if case.pathway == Pathway.VOLUNTARY_RETURN or any(value for _label, value in return_rows):
        sections.append((_("Voluntary return"), [row for row in return_rows if row[1]]))
    permit_rows = [
        (_("Permit type"), case.permit_type or ""),
        (_("Application reference"), case.application_reference or ""),
        (_("Submitted on"), show_date(case.submitted_on)),
        (_("Decision on"), show_date(case.decision_on)),
        (_("Permit number"), case.permit_number or ""),
        (_("Valid until"), show_date(case.permit_valid_until)),
    ]
    if case.pathway == Pathway.REGULARISATION or any(value for _label, value in permit_rows):
        sections.append((_("Regularisation"), [row for row in permit_rows if row[1]]))
    now = today()
    sections.append(ListSection(
        _("Open follow-ups"),
        [_("Due on"), _("What to do"), _("Added by")],
        [(show_date(f.due_on) + (" · " + _("overdue") if f.is_overdue(now) else ""), f.title,
          f.created_by.display_name) for f in printing.open_follow_ups(case)],
        [38 * MM, None, 45 * MM],
        _("No open follow-up."),
    ))
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
    return CaseSummaryData(
        organisation_name=organisation,
        logo_path=logo,
        case_number=case.case_number,
        verify_url=verify,
        status_label=label_of("status", case.status),
        pathway_label=label_of("pathway", case.pathway),
        printed_by=printed_by.display_name,
        printed_at=printed_at or show_datetime(datetime.now(UTC)),
        labels={
            **_page_labels(),
            "title": _("Case summary"),
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
            "signatures": _("Signatures"),
            "name": _("Name"),
            "date": _("Date"),
            "signature": _("Signature"),
        },
        sections=sections,
        timeline=timeline,
        # Without consent no photo is kept; one stored anyway is not printed either.
        photo=_photo(person) if case.consent_given else None,
        signatures=[_("Officer"), _("Supervisor")],
    )


def household_section(case: Case) -> ListSection:
    """The people the case covers, the head first: name, relationship, sex, birth, nationality,
    protection needs."""
    members = sorted(case.members, key=lambda m: m.relationship_to_head != Relationship.HEAD)
    return ListSection(
        _("Household"),
        [_("Name"), _("Relationship"), _("Sex"), _("Date of birth"), _("Nationality"),
         _("Protection needs")],
        [(_name(m.person), label_of("relationship", m.relationship_to_head),
          label_of("sex", m.person.sex), _dob(m.person), country_of(m.person.nationality),
          ", ".join(label_of("vulnerability", code) for code in m.person.vulnerabilities))
         for m in members],
        [None, 30 * MM, 20 * MM, 30 * MM, 22 * MM, 30 * MM],
        _("No other member registered with this case."),
    )


def summary_pdf(case: Case, user: User, language: str, *, ip_address: str | None,
                audit_details: dict[str, object] | None = None) -> bytes:
    printed = verification.issue(user, case, "summary", language)
    printing.record_print(user, case, "summary", ip_address=ip_address,
                          details={"language": language, **(audit_details or {})})  # fmt: skip
    with force_locale(language):
        data = summary_data(case, user, verify=verify_url(case.case_number, printed.code))
    return CaseSummary(data).build()


def sheets_pdf(cases: Iterable[Case], user: User, language: str | None, output: IO[bytes], *,
               ip_address: str | None, details: dict[str, object]) -> int:  # fmt: skip
    """Print the sheets of `cases` into `output`, each in `language` or its person's; returns
    how many were printed. Each sheet gets its own print issue and audit row."""
    organisation, logo = _organisation()

    def sheets() -> Iterator[CaseSummaryData]:
        for case in cases:
            chosen = language or print_language(case)
            printed = verification.issue(user, case, "summary", chosen)
            printing.record_print(user, case, "summary", ip_address=ip_address,
                                  details={**details, "language": chosen, "batch": True})  # fmt: skip
            with force_locale(chosen):
                # One moment for the whole batch, written in each sheet's language.
                yield summary_data(case, user, verify=verify_url(case.case_number, printed.code),
                                   printed_at=show_datetime(now))

    now = datetime.now(UTC)
    with force_locale(language or current_language()):
        printed_at = show_datetime(now)
        title = _("Case summaries")
        letterhead = Letterhead(organisation_name=organisation, confidential=_("Confidential"),
                                page_of=_("Page %(page)s of %(pages)s"),
                                printed=_("Printed by %(name)s at %(when)s",
                                          name=user.display_name, when=printed_at),
                                logo_path=logo)  # fmt: skip
    builder = CaseSummaryBatch(sheets(), letterhead, title)
    builder.build_into(output)
    return builder.count


# --- Registration slip -----------------------------------------------------------------------


def slip_data(case: Case, printed_by: User, verify: str) -> SlipData:
    organisation, logo = _organisation()
    point = case.border_point
    return SlipData(
        organisation_name=organisation,
        logo_path=logo,
        case_number=case.case_number,
        verify_url=verify,
        name=_name(case.principal),
        printed_by=printed_by.display_name,
        printed_at=show_datetime(datetime.now(UTC)),
        facts=[
            (_("Registered at"), point.name),
            (_("Registered on"), show_date(case.registered_at)),
            (_("People on this case"), str(len(case.members) or 1)),
            (_("Where to come back"), ", ".join(part for part in (point.name, point.region) if part)),
        ],
        instructions=[
            _("Keep this slip. Show it each time you come back: your case number lets the "
              "officers find your file at once."),
            _("Registration is free. Nobody may ask you for money for it."),
            _("If you lose this slip, come back to the border point: you are not registered "
              "a second time, you get a new slip."),
        ],
        labels={**_page_labels(), "title": _("Registration slip"), "case_number": _("Case number")},
    )


def slip_pdf(case: Case, user: User, language: str, *, ip_address: str | None,
             audit_details: dict[str, object] | None = None) -> bytes:
    printed = verification.issue(user, case, "slip", language)
    printing.record_print(user, case, "slip", ip_address=ip_address,
                          details={"language": language, **(audit_details or {})})  # fmt: skip
    with force_locale(language):
        data = slip_data(case, user, verify_url(case.case_number, printed.code))
    return RegistrationSlip(data).build()


# --- Voluntary return declaration ------------------------------------------------------------


def declaration_data(case: Case, printed_by: User, verify: str, language: str) -> DeclarationData:
    organisation, logo = _organisation()
    person = case.principal
    documents = "; ".join(f"{label_of('document_type', d.type)} {d.number}"
                          for d in person.documents)  # fmt: skip
    country = country_of(case.destination_country) if case.destination_country else ""
    others = [m for m in case.members if m.relationship_to_head != Relationship.HEAD]
    household = None
    if others:
        household = (
            [_("Name"), _("Relationship"), _("Sex"), _("Date of birth")],
            [(_name(m.person), label_of("relationship", m.relationship_to_head),
              label_of("sex", m.person.sex), _dob(m.person)) for m in others],
        )
    blank = "_" * 28
    statements = [
        _("I ask to return voluntarily to %(country)s.", country=country or blank),
        _("I was informed, in a language I understand, of what the return involves and of "
          "the other possibilities open to me: staying under a regularised status, or asking "
          "for protection."),
        _("I make this request freely. Nobody forced me, threatened me or promised me anything "
          "to make it."),
        _("I know that this return is voluntary: I can withdraw this declaration at any time "
          "before I leave, without giving a reason, by telling an officer. Withdrawing it will "
          "not be held against me."),
    ]
    if others:
        statements.append(_("The members of my household named above return with me."))
    return DeclarationData(
        organisation_name=organisation,
        logo_path=logo,
        case_number=case.case_number,
        verify_url=verify,
        printed_by=printed_by.display_name,
        printed_at=show_datetime(datetime.now(UTC)),
        identity=[
            (_("Family name"), person.family_name),
            (_("Given names"), person.given_names),
            (_("Sex"), label_of("sex", person.sex)),
            (_("Date of birth"), _dob(person)),
            (_("Nationality"), country_of(person.nationality)),
            (_("Identity documents"), documents),
        ],
        destination=[
            (_("Country of return"), country),
            (_("Place"), case.destination_place or ""),
            (_("Border point"), str(case.border_point)),
        ],
        household=household,
        statements=statements,
        signers=[
            Signer(_("The person returning"),
                   _("I have read this declaration, or had it read to me, and I understand it."),
                   thumbprint=True),
            Signer(_("Interpreter, if any"), _("I interpreted this declaration faithfully to the "
                                               "person, in this language:") + " " + "_" * 20),
            Signer(_("Officer"), _("The person signed this declaration in my presence.")),
        ],
        language_note=_("This declaration is written in %(language)s.", language=endonym(language)),
        labels={
            **_page_labels(),
            "title": _("Voluntary return declaration"),
            "identity": _("The person"),
            "household": _("Household members returning with the person"),
            "destination": _("Return"),
            "declaration": _("Declaration"),
            "signatures": _("Signatures"),
            "name": _("Name"),
            "date": _("Date"),
            "signature": _("Signature"),
            "thumbprint": _("Thumbprint"),
        },
    )


def declaration_pdf(case: Case, user: User, language: str, *, ip_address: str | None,
                    audit_details: dict[str, object] | None = None) -> bytes:
    printed = verification.issue(user, case, "declaration", language)
    printing.record_print(user, case, "declaration", ip_address=ip_address,
                          details={"language": language, **(audit_details or {})})  # fmt: skip
    with force_locale(language):
        data = declaration_data(case, user, verify_url(case.case_number, printed.code), language)
    return ReturnDeclaration(data).build()


# --- Departure manifest ----------------------------------------------------------------------


def manifest_data(point: BorderPoint, day: date, cases: list[Case], printed_by: User) -> ManifestData:
    organisation, logo = _organisation()
    groups: dict[str, list[ManifestRow]] = {}
    by_sex: Counter[str] = Counter()
    by_age: Counter[str] = Counter()
    for case in cases:
        destination = ", ".join(part for part in (case.destination_place,
                                                  country_of(case.destination_country)) if part)
        members = sorted(case.members, key=lambda m: m.relationship_to_head != Relationship.HEAD)
        for member in members:
            person = member.person
            by_sex[person.sex] += 1
            by_age[age_group(person.date_of_birth, day)] += 1
            age = ""
            if person.date_of_birth and person.date_of_birth <= day:
                age = str(age_on(person.date_of_birth, day))
                if person.dob_precision == "estimated":
                    age = "~" + age
            # The case's travel document (often one laissez-passer for the household), else
            # the person's own first document.
            document = case.travel_document or next(
                (f"{label_of('document_type', d.type)} {d.number}" for d in person.documents), "")
            groups.setdefault(case.departure_point or "", []).append(ManifestRow(
                case.case_number, person.family_name, person.given_names,
                label_of("sex", person.sex), age, country_of(person.nationality), destination,
                document))
    people = sum(by_sex.values())
    return ManifestData(
        organisation_name=organisation,
        logo_path=logo,
        reference=f"{point.code} · {day.isoformat()}",
        printed_by=printed_by.display_name,
        printed_at=show_datetime(datetime.now(UTC)),
        facts=[(_("Border point"), str(point)), (_("Departure date"), show_date(day)),
               (_("People"), str(people)), (_("Cases"), str(len(cases)))],
        groups=[ManifestGroup(
            ngettext("Departure point: %(place)s (%(num)s person)",
                     "Departure point: %(place)s (%(num)s people)", len(rows), place=place or "—"),
            rows) for place, rows in groups.items()],
        totals=[
            (_("By sex"), [(label_of("sex", code), by_sex[code]) for code in Sex]),
            (_("By age group"), [(_(AGE_GROUP_LABELS[code]), by_age[code])
                                 for code in AGE_GROUP_CODES]),
        ] if people else [],
        labels={
            **_page_labels(),
            "title": _("Departure manifest"),
            "number": _("No."),
            "case_number": _("Case number"),
            "family_name": _("Family name"),
            "given_names": _("Given names"),
            "sex": _("Sex"),
            "age": _("Age"),
            "nationality": _("Nationality"),
            "destination": _("Destination"),
            "document": _("Travel document"),
            "signature": _("Signature"),
            "totals": _("Totals"),
            "total": _("Total"),
            "nobody": _("Nobody is recorded as leaving from %(point)s on %(date)s.",
                        point=point.name, date=show_date(day)),
        },
    )


def manifest_pdf(point: BorderPoint, day: date, cases: list[Case], user: User, language: str, *,
                 ip_address: str | None) -> bytes:  # fmt: skip
    with force_locale(language):
        data = manifest_data(point, day, cases, user)
    people = sum(len(group.rows) for group in data.groups)
    printing.record_manifest(user, point, day, cases, people, ip_address=ip_address)
    return DepartureManifest(data).build()
