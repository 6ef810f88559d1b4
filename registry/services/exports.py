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
from datetime import UTC, date, datetime
from operator import itemgetter
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, String, cast, func, select, tuple_
from sqlalchemy.orm import aliased

from registry.domain.errors import Forbidden
from registry.domain.figures import FORMULA_TRIGGERS, age_group
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
# Where each value of a row comes from, in the order a row is put together: the case's row and
# what is computed once per case, then per member the age group, the member's row and its text.
_CASE_FIELDS = ("id", "registered_at_utc", "case_number", "border_point", "assigned_to", *_CASE_COLUMNS,
                "case_ref", "registered_on", "registered_at")  # fmt: skip
_MEMBER_FIELDS = ("case_id", "relationship", "person_id", "languages_json", *_PERSON_COLUMNS)
_FIELDS = {name: index for index, name in enumerate(
    (*_CASE_FIELDS, "age_group", *_MEMBER_FIELDS, "languages", "documents", "vulnerabilities"))}  # fmt: skip
# Columns holding a day: ISO text from SQLite's driver, a date from PostgreSQL's.
DATES = frozenset({"date_of_birth", "arrival_date", "departure_date", "arrival_confirmed_on", "submitted_on",
                   "decision_on", "permit_valid_until", "registered_on"})  # fmt: skip
# Text people typed: a spreadsheet could read it as a formula. Codes and dates cannot be one.
TYPED_TEXT = frozenset({"given_names", "family_name", "other_names", "place_of_origin", "phone", "documents",
                        "permit_type", "application_reference", "permit_number"})  # fmt: skip
BOOLEANS = frozenset({"consent_given"})  # columns of the case, written "yes" or "no"
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
        """The rows, in `columns` order, closing after: text, numbers, None, "yes" or "no", and
        days (as `date`, or as their ISO text on SQLite: see `DATES`)."""
        try:
            yield from self._records()
        finally:
            self.close()

    def _records(self) -> Iterator[list[Any]]:
        # Written for speed: a million rows pass through here. Rows are read as the driver gives
        # them, without SQLAlchemy's processing of each value: on SQLite dates and moments are
        # then ISO text and booleans 0 or 1 (the same text in a CSV), on PostgreSQL Python's
        # types; moments are UTC either way.
        zone = ZoneInfo(self.timezone)
        point, assignee = aliased(BorderPoint), aliased(User)
        ids = self.query.with_only_columns(Case.id).order_by(Case.registered_at.desc(), Case.id.desc()).limit(
            CASES_PER_BATCH)  # fmt: skip
        query = (
            ids.with_only_columns(
                Case.id, Case.registered_at, Case.case_number, point.code, assignee.username,
                *(getattr(Case, name) for name in _CASE_COLUMNS),
            )
            .join_from(Case, point, point.id == Case.border_point_id)
            .outerjoin(assignee, assignee.id == Case.assigned_to_id)
        )
        pick = itemgetter(*(_FIELDS[name] for name in self.columns))
        booleans = [_FIELDS[name] for name in BOOLEANS]  # the case's, written once per case
        last: tuple[datetime, int] | None = None
        case_ref = 0
        while True:
            after = () if last is None else (tuple_(Case.registered_at, Case.id) < last,)
            cases = self._raw(query.where(*after))
            if not cases:
                return
            # The same page again as a subquery (its ids only, from the narrowest index), rather
            # than thousands of ids as parameters.
            members = self._members(ids.where(*after))
            last = (_utc(cases[-1][1]), cases[-1][0])
            for case in cases:
                case_ref += 1
                registered = _utc(case[1]).astimezone(zone)
                registered_on = registered.date()
                head = [*case, case_ref, registered_on, registered.replace(microsecond=0).isoformat()]
                for index in booleans:
                    head[index] = "yes" if head[index] else "no"
                for member, born, tail in members.get(case[0], ()):
                    yield list(pick((*head, age_group(born, registered_on), *member, *tail)))

    def _raw(self, statement: Any) -> list[tuple[Any, ...]]:
        result = self.connection.execute(statement)
        try:
            return result.cursor.fetchall()
        finally:
            result.close()

    def _members(self, case_ids: Any) -> dict[int, list[tuple[tuple[Any, ...], date | None, tuple[str, ...]]]]:
        """Each case's people, the principal first: (the member's columns, birth date, computed text)."""
        rows = self._raw(
            select(CaseMember.case_id, CaseMember.relationship_to_head, Person.id, cast(Person.languages, String),
                   *(getattr(Person, name) for name in _PERSON_COLUMNS))
            .join(Person, Person.id == CaseMember.person_id)
            .where(CaseMember.case_id.in_(case_ids))
            # The principal first, then the household in the order it was recorded.
            .order_by(CaseMember.case_id, CaseMember.relationship_to_head != "head", CaseMember.id)
        )
        people = select(CaseMember.person_id).where(CaseMember.case_id.in_(case_ids))
        vulnerabilities: dict[int, list[str]] = defaultdict(list)
        for person_id, code in self._raw(
            select(PersonVulnerability.person_id, PersonVulnerability.code)
            .where(PersonVulnerability.person_id.in_(people))
            .order_by(PersonVulnerability.person_id, PersonVulnerability.code)
        ):
            vulnerabilities[person_id].append(code)
        documents: dict[int, list[str]] = defaultdict(list)
        if not self.anonymised:
            for person_id, kind, number in self._raw(
                select(IdentityDocument.person_id, IdentityDocument.type, IdentityDocument.number)
                .where(IdentityDocument.person_id.in_(people))
                .order_by(IdentityDocument.person_id, IdentityDocument.id)
            ):
                documents[person_id].append(f"{kind}:{number}")
        languages: dict[str | None, str] = {}  # a few lists of languages, repeated
        born_at = _MEMBER_FIELDS.index("date_of_birth")
        by_case: dict[int, list[tuple[tuple[Any, ...], date | None, tuple[str, ...]]]] = defaultdict(list)
        for row in rows:
            person_id, spoken, born = row[2], row[3], row[born_at]
            if spoken not in languages:
                languages[spoken] = " ".join((spoken or "").translate(_JSON_PUNCTUATION).split())
            if born is not None and not isinstance(born, date):
                born = date.fromisoformat(born)
            by_case[row[0]].append((row, born, (languages[spoken], "; ".join(documents.get(person_id, ())),
                                                ";".join(vulnerabilities.get(person_id, ())))))  # fmt: skip
        return by_case


def _utc(moment: datetime | str) -> datetime:
    """A moment as the driver gives it (naive UTC, or its ISO text on SQLite), made aware."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=UTC)


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


def csv_chunks(export: Export, rows_per_chunk: int = 5000) -> Iterator[bytes]:
    """The export as UTF-8 CSV (with a byte-order mark, so that Excel reads accents), in chunks.

    Typed text is made spreadsheet-safe; dates are written by csv itself (str() is isoformat).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(export.columns)
    texts = [index for index, name in enumerate(export.columns) if name in TYPED_TEXT]
    chunk: list[list[Any]] = []
    for record in export.records():
        for index in texts:
            value = record[index]
            if value and value[0] in FORMULA_STARTS:
                record[index] = "'" + value  # as spreadsheet_safe(value), without a call per phone
        chunk.append(record)
        if len(chunk) == rows_per_chunk:
            writer.writerows(chunk)
            chunk.clear()
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    writer.writerows(chunk)
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
        return value

    dates = [index for index, name in enumerate(export.columns) if name in DATES]
    for record in export.records():
        for index in dates:
            if isinstance(record[index], str):  # a day, as SQLite's driver gives it
                record[index] = date.fromisoformat(record[index])
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
