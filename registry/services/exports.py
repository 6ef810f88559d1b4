"""Exports of the filtered case list: one row per person, CSV or XLSX, streamed, optionally anonymised.

An export reads in its own connection, in one snapshot: the row count recorded in the audit log
is the number of rows the file holds, whatever is registered while it streams, and the snapshot
never blocks the officers who register meanwhile (a plain BEGIN on SQLite, REPEATABLE READ on
PostgreSQL). Rows are read in batches of cases, in the list's order, so memory stays flat.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select, tuple_
from sqlalchemy.orm import aliased

from registry.domain.errors import Forbidden
from registry.domain.figures import age_group, spreadsheet_safe
from registry.domain.i18n import N_
from registry.extensions import db
from registry.models import (
    BorderPoint,
    Case,
    CaseMember,
    IdentityDocument,
    Person,
    PersonVulnerability,
    User,
)
from registry.models.base import READ_ONLY
from registry.services.cases import CaseFilters, filtered

# The data dictionary's names (docs/data-dictionary.md, "Exports"), in the file's order.
COLUMNS: tuple[str, ...] = (
    "case_number", "border_point", "registered_at", "status", "pathway", "priority",
    "assigned_to", "relationship", "given_names", "family_name", "other_names", "sex",
    "date_of_birth", "dob_precision", "age_group", "nationality", "country_of_birth",
    "place_of_origin", "languages", "phone", "documents", "vulnerabilities", "arrival_date",
    "entry_type", "circumstances", "consent_given", "fear_of_return", "destination_country",
    "departure_date", "arrival_confirmed_on", "permit_type", "application_reference",
    "submitted_on", "decision_on", "permit_number", "permit_valid_until", "closure_reason",
)  # fmt: skip
# No names, documents, phones, exact birth dates or other identifying references. `case_ref`
# numbers the cases within the file only, so that a household's rows stay together.
ANONYMISED_COLUMNS: tuple[str, ...] = (
    "case_ref", "border_point", "registered_on", "status", "pathway", "priority",
    "relationship", "sex", "age_group", "nationality", "country_of_birth", "languages",
    "vulnerabilities", "arrival_date", "entry_type", "circumstances", "consent_given",
    "fear_of_return", "destination_country", "departure_date", "arrival_confirmed_on",
    "permit_type", "submitted_on", "decision_on", "permit_valid_until", "closure_reason",
)  # fmt: skip

# Rows of a worksheet, the header included (Excel's limit).
XLSX_MAX_ROWS = 1_048_576
CASES_PER_BATCH = 2000

_CASE_COLUMNS = (
    "status", "pathway", "priority", "arrival_date", "entry_type", "circumstances",
    "consent_given", "fear_of_return", "destination_country", "departure_date",
    "arrival_confirmed_on", "permit_type", "application_reference", "submitted_on",
    "decision_on", "permit_number", "permit_valid_until", "closure_reason",
)  # fmt: skip
_PERSON_COLUMNS = (
    "given_names", "family_name", "other_names", "sex", "date_of_birth", "dob_precision",
    "nationality", "country_of_birth", "place_of_origin", "languages", "phone",
)  # fmt: skip


@dataclass
class Export:
    """An export opened on its snapshot: `rows` is known before the first row is read."""

    connection: Connection
    query: Any
    anonymised: bool
    timezone: str
    rows: int
    columns: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        self.columns = ANONYMISED_COLUMNS if self.anonymised else COLUMNS

    def close(self) -> None:
        self.connection.close()

    def records(self) -> Iterator[list[Any]]:
        """The rows, as typed values (str, date, bool, None), in the list's order; closes after."""
        try:
            yield from self._records()
        finally:
            self.close()

    def _records(self) -> Iterator[list[Any]]:
        zone = ZoneInfo(self.timezone)
        point, assignee = aliased(BorderPoint), aliased(User)
        query = (
            self.query.with_only_columns(
                Case.id, Case.registered_at, Case.case_number, point.code, assignee.username,
                *(getattr(Case, name) for name in _CASE_COLUMNS),
            )  # fmt: skip
            .join_from(Case, point, point.id == Case.border_point_id)
            .outerjoin(assignee, assignee.id == Case.assigned_to_id)
            .order_by(Case.registered_at.desc(), Case.id.desc())
            .limit(CASES_PER_BATCH)
        )
        last: tuple[datetime, int] | None = None
        case_ref = 0
        while True:
            page = query if last is None else query.where(tuple_(Case.registered_at, Case.id) < last)
            cases = self.connection.execute(page).all()
            if not cases:
                return
            last = (cases[-1].registered_at, cases[-1].id)
            members = self._members([case.id for case in cases])
            for case in cases:
                case_ref += 1
                registered = case.registered_at.astimezone(zone)
                for member in members.get(case.id, ()):
                    yield self._row(case, member, registered, case_ref)

    def _members(self, case_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
        rows = self.connection.execute(
            select(CaseMember.case_id, CaseMember.relationship_to_head.label("relationship_to_head"), Person.id,
                   *(getattr(Person, name) for name in _PERSON_COLUMNS))  # fmt: skip
            .join(Person, Person.id == CaseMember.person_id)
            .where(CaseMember.case_id.in_(case_ids))
            .order_by(CaseMember.case_id, CaseMember.id)
        ).all()
        person_ids = [row.id for row in rows]
        vulnerabilities: dict[int, list[str]] = defaultdict(list)
        for person_id, code in self.connection.execute(
            select(PersonVulnerability.person_id, PersonVulnerability.code)
            .where(PersonVulnerability.person_id.in_(person_ids))
            .order_by(PersonVulnerability.person_id, PersonVulnerability.code)
        ):
            vulnerabilities[person_id].append(code)
        documents: dict[int, list[str]] = defaultdict(list)
        if not self.anonymised:
            for person_id, kind, number in self.connection.execute(
                select(IdentityDocument.person_id, IdentityDocument.type, IdentityDocument.number)
                .where(IdentityDocument.person_id.in_(person_ids))
                .order_by(IdentityDocument.person_id, IdentityDocument.id)
            ):
                documents[person_id].append(f"{kind}:{number}")
        by_case: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            member = row._asdict()
            member["vulnerabilities"] = ";".join(vulnerabilities.get(row.id, ()))
            member["documents"] = "; ".join(documents.get(row.id, ()))
            by_case[row.case_id].append(member)
        for members in by_case.values():
            # The principal first, then the household in the order it was recorded.
            members.sort(key=lambda member: member["relationship_to_head"] != "head")
        return by_case

    def _row(self, case: Any, member: dict[str, Any], registered: datetime, case_ref: int) -> list[Any]:
        values: dict[str, Any] = {name: getattr(case, name) for name in _CASE_COLUMNS}
        values.update({name: member[name] for name in _PERSON_COLUMNS})
        values.update(
            case_number=case.case_number,
            case_ref=case_ref,
            border_point=case.code,
            registered_at=registered.replace(microsecond=0).isoformat(),
            registered_on=registered.date(),
            assigned_to=case.username,
            relationship=member["relationship_to_head"],
            age_group=age_group(member["date_of_birth"], registered.date()),
            languages=" ".join(member["languages"] or ()),
            documents=member["documents"],
            vulnerabilities=member["vulnerabilities"],
        )
        return [values[name] for name in self.columns]


def open_export(actor: User, filters: CaseFilters, *, timezone: str, anonymised: bool) -> Export:
    """Open an export of the actor's matching cases and count its rows (one per person).

    Anyone who sees the cases may export them; the anonymised version is a supervisor's, for
    sharing figures beyond the registry.
    """
    if anonymised and not actor.is_supervisor:
        raise Forbidden(N_("Only a supervisor exports anonymised data."))
    options: dict[str, Any] = {READ_ONLY: True}
    if db.engine.dialect.name == "postgresql":
        options.update(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    connection = db.engine.connect().execution_options(**options)
    try:
        query = filtered(actor, filters, timezone=timezone)
        rows = connection.execute(
            select(func.count()).select_from(CaseMember)
            .where(CaseMember.case_id.in_(query.with_only_columns(Case.id)))
        ).scalar_one()  # fmt: skip
    except BaseException:
        connection.close()
        raise
    return Export(connection=connection, query=query, anonymised=anonymised, timezone=timezone,
                  rows=rows)  # fmt: skip


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    return spreadsheet_safe(str(value))


def csv_chunks(export: Export) -> Iterator[bytes]:
    """The export as UTF-8 CSV (with a byte-order mark, so that Excel reads accents), in chunks."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(export.columns)
    for count, record in enumerate(export.records(), start=1):
        writer.writerow([_text(value) for value in record])
        if count % 1000 == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def xlsx_fits(export: Export) -> bool:
    return export.rows + 1 <= XLSX_MAX_ROWS


def xlsx_chunks(export: Export, sheet_title: str, chunk_size: int = 256 * 1024) -> Iterator[bytes]:
    """The export as an XLSX workbook, built on disk in write-only mode, then sent in chunks."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title[:31])
    sheet.append(list(export.columns))

    def cell(value: Any) -> Any:
        if isinstance(value, str):
            # Typed as text, a value beginning with "=" is shown, never computed.
            text = WriteOnlyCell(sheet, value=value)
            text.data_type = "s"
            return text
        if isinstance(value, bool):
            return "yes" if value else "no"
        return value

    for record in export.records():
        sheet.append([cell(value) for value in record])
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        workbook.save(path)
        with open(path, "rb") as stream:
            while chunk := stream.read(chunk_size):
                yield chunk
    finally:
        os.unlink(path)
