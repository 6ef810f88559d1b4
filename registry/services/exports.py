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
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, String, cast, func, select, tuple_
from sqlalchemy.orm import aliased

from registry.domain.errors import Forbidden
from registry.domain.figures import FORMULA_TRIGGERS, age_group, spreadsheet_safe
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

FORMULA_STARTS = frozenset(trigger[0] for trigger in FORMULA_TRIGGERS)
# Rows of a worksheet, the header included (Excel's limit): the most `REGISTRY_XLSX_MAX_ROWS` allows.
WORKSHEET_ROWS = 1_048_576
CASES_PER_BATCH = 2000

_CASE_COLUMNS = (
    "status", "pathway", "priority", "arrival_date", "entry_type", "circumstances",
    "consent_given", "fear_of_return", "destination_country", "departure_date",
    "arrival_confirmed_on", "permit_type", "application_reference", "submitted_on",
    "decision_on", "permit_number", "permit_valid_until", "closure_reason",
)  # fmt: skip
_PERSON_COLUMNS = (
    "given_names", "family_name", "other_names", "sex", "date_of_birth", "dob_precision",
    "nationality", "country_of_birth", "place_of_origin", "phone",
)  # fmt: skip
# Where each value of a row comes from: the case's row, the member's row, or computed here.
_CASE_FIELDS = ("id", "registered_at", "case_number", "border_point", "assigned_to", *_CASE_COLUMNS)
_MEMBER_FIELDS = ("case_id", "relationship", "person_id", "languages_json", *_PERSON_COLUMNS)
_COMPUTED_FIELDS = ("case_ref", "registered_on", "age_group", "languages", "documents", "vulnerabilities")
_FIELDS = {name: index for index, name in enumerate(_CASE_FIELDS + _MEMBER_FIELDS + _COMPUTED_FIELDS)}
_FIELDS["registered_at"] = len(_FIELDS)  # replaced by its text in the registry's time zone
# Text people typed: a spreadsheet could read it as a formula. Codes and dates cannot be one.
TYPED_TEXT = frozenset({"given_names", "family_name", "other_names", "place_of_origin", "phone", "documents",
                        "permit_type", "application_reference", "permit_number"})  # fmt: skip
BOOLEANS = frozenset({"consent_given"})
_JSON_PUNCTUATION = str.maketrans({"[": None, "]": None, '"': None, ",": " "})


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
        """The rows, as typed values (str, date, bool, int, None) in `columns` order; closes after."""
        try:
            yield from self._records()
        finally:
            self.close()

    def _records(self) -> Iterator[list[Any]]:
        # Written for speed: a million rows pass through here.
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
        picks = [_FIELDS[name] for name in self.columns]
        last: tuple[datetime, int] | None = None
        case_ref = 0
        while True:
            page = query if last is None else query.where(tuple_(Case.registered_at, Case.id) < last)
            cases = self.connection.execute(page).all()
            if not cases:
                return
            last = (cases[-1][1], cases[-1][0])
            # The same page again as a subquery, rather than thousands of ids as parameters.
            members = self._members(page.with_only_columns(Case.id))
            for case in cases:
                case_ref += 1
                registered = case[1].astimezone(zone)
                registered_on = registered.date()
                registered_text = registered.replace(microsecond=0).isoformat()
                for member, documents, vulnerabilities in members.get(case[0], ()):
                    languages = " ".join((member[3] or "").translate(_JSON_PUNCTUATION).split())
                    values = (*case, *member, case_ref, registered_on,
                              age_group(member[8], registered_on), languages, documents, vulnerabilities,
                              registered_text)  # fmt: skip
                    yield [values[pick] for pick in picks]

    def _members(self, case_ids: Any) -> dict[int, list[tuple[Any, str, str]]]:
        rows = self.connection.execute(
            select(CaseMember.case_id, CaseMember.relationship_to_head, Person.id, cast(Person.languages, String),
                   *(getattr(Person, name) for name in _PERSON_COLUMNS))  # fmt: skip
            .join(Person, Person.id == CaseMember.person_id)
            .where(CaseMember.case_id.in_(case_ids))
            # The principal first, then the household in the order it was recorded.
            .order_by(CaseMember.case_id, CaseMember.relationship_to_head != "head", CaseMember.id)
        ).all()
        people = select(CaseMember.person_id).where(CaseMember.case_id.in_(case_ids))
        vulnerabilities: dict[int, list[str]] = defaultdict(list)
        for person_id, code in self.connection.execute(
            select(PersonVulnerability.person_id, PersonVulnerability.code)
            .where(PersonVulnerability.person_id.in_(people))
            .order_by(PersonVulnerability.person_id, PersonVulnerability.code)
        ):
            vulnerabilities[person_id].append(code)
        documents: dict[int, list[str]] = defaultdict(list)
        if not self.anonymised:
            for person_id, kind, number in self.connection.execute(
                select(IdentityDocument.person_id, IdentityDocument.type, IdentityDocument.number)
                .where(IdentityDocument.person_id.in_(people))
                .order_by(IdentityDocument.person_id, IdentityDocument.id)
            ):
                documents[person_id].append(f"{kind}:{number}")
        by_case: dict[int, list[tuple[Any, str, str]]] = defaultdict(list)
        for row in rows:
            person_id = row[2]
            by_case[row[0]].append((tuple(row), "; ".join(documents.get(person_id, ())),
                                    ";".join(vulnerabilities.get(person_id, ()))))  # fmt: skip
        return by_case


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


def csv_chunks(export: Export) -> Iterator[bytes]:
    """The export as UTF-8 CSV (with a byte-order mark, so that Excel reads accents), in chunks.

    Typed text is made spreadsheet-safe; dates are written by csv itself (str() is isoformat).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(export.columns)
    texts = [index for index, name in enumerate(export.columns) if name in TYPED_TEXT]
    booleans = [index for index, name in enumerate(export.columns) if name in BOOLEANS]
    count = 0
    for record in export.records():
        for index in texts:
            value = record[index]
            if value and value[0] in FORMULA_STARTS:
                record[index] = spreadsheet_safe(value)
        for index in booleans:
            record[index] = "yes" if record[index] else "no"
        writer.writerow(record)
        count += 1
        if count == 2000:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            count = 0
    yield buffer.getvalue().encode("utf-8")


def xlsx_limit(configured: int) -> int:
    """The most data rows an XLSX export holds: the configured cap, within a worksheet's."""
    return max(0, min(configured, WORKSHEET_ROWS - 1))


def xlsx_fits(export: Export, configured: int) -> bool:
    return export.rows <= xlsx_limit(configured)


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
