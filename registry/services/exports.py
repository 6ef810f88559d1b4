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
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from operator import itemgetter
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, String, cast, func, select, tuple_
from sqlalchemy.orm import aliased

from registry.domain.errors import Forbidden
from registry.domain.figures import AGE_GROUPS, FORMULA_TRIGGERS, UNKNOWN_AGE, age_group
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
# Where each value of a row comes from: the case's values (its row, then what is computed once
# per case) or the member's (its row, then what is computed for it).
_CASE_FIELDS = ("id", "registered_at_utc", "case_number", "border_point", "assigned_to", *_CASE_COLUMNS,
                "case_ref", "registered_on", "registered_at")  # fmt: skip
_MEMBER_FIELDS = ("case_id", "relationship", "person_id", "languages_json", *_PERSON_COLUMNS,
                  "languages", "documents", "vulnerabilities", "age_group")  # fmt: skip
# Columns holding a day: ISO text from SQLite's driver, a date from PostgreSQL's.
DATES = frozenset({"date_of_birth", "arrival_date", "departure_date", "arrival_confirmed_on", "submitted_on",
                   "decision_on", "permit_valid_until", "registered_on"})  # fmt: skip
# Text people typed: a spreadsheet could read it as a formula. Codes and dates cannot be one.
TYPED_TEXT = frozenset({"given_names", "family_name", "other_names", "place_of_origin", "phone", "documents",
                        "permit_type", "application_reference", "permit_number"})  # fmt: skip
BOOLEANS = frozenset({"consent_given"})  # columns of the case, written "yes" or "no"
_JSON_PUNCTUATION = str.maketrans({"[": None, "]": None, '"': None, ",": " "})
# The age group by full years of age (figures.age_group's, as a table): the oldest group beyond.
_AGE_GROUP_BY_YEARS = tuple(age_group(date(2000, 1, 1), date(2000 + years, 1, 1))
                            for years in range(AGE_GROUPS[-1][0] + 1))  # fmt: skip


@dataclass(frozen=True)
class _Layout:
    """How a row of some columns is put together: the case's values before the member's, the
    member's (with their age group), the case's after. Three picks and two concatenations a row."""

    front: Callable[[Sequence[Any]], tuple[Any, ...]]
    member: Callable[[Sequence[Any]], tuple[Any, ...]]
    back: Callable[[Sequence[Any]], tuple[Any, ...]]
    case_text: tuple[int, ...]  # typed text among the case's values and the member's
    member_text: tuple[int, ...]
    booleans: tuple[int, ...]

    @classmethod
    def of(cls, columns: tuple[str, ...]) -> _Layout:
        sources = "".join("c" if name in _CASE_FIELDS else "m" for name in columns)
        front = len(sources) - len(sources.lstrip("c"))
        back = len(sources) - len(sources.rstrip("c"))
        if "c" in sources[front:len(sources) - back]:
            raise ValueError("a member's columns come together, between the case's")
        indices = [(_CASE_FIELDS if kind == "c" else _MEMBER_FIELDS).index(name)
                   for kind, name in zip(sources, columns, strict=True)]  # fmt: skip
        return cls(
            front=_picker(indices[:front]), member=_picker(indices[front:len(indices) - back]),
            back=_picker(indices[len(indices) - back:]),
            case_text=tuple(_CASE_FIELDS.index(name) for name in columns if name in TYPED_TEXT and name in _CASE_FIELDS),
            member_text=tuple(_MEMBER_FIELDS.index(name) for name in columns
                              if name in TYPED_TEXT and name in _MEMBER_FIELDS),
            booleans=tuple(_CASE_FIELDS.index(name) for name in BOOLEANS),
        )  # fmt: skip


def _picker(indices: list[int]) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """A function giving these values of a sequence, as a tuple (itemgetter's, even for one)."""
    if len(indices) >= 2:
        return itemgetter(*indices)
    return lambda values: tuple(values[index] for index in indices)


_LAYOUTS = {columns: _Layout.of(columns) for columns in (COLUMNS, ANONYMISED_COLUMNS)}


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
        """Give the connection back (twice is harmless)."""
        self.connection.close()

    def records(self) -> Iterator[list[Any]]:
        """The rows, in `columns` order, closing after: text, numbers, None, "yes" or "no", and
        days (as `date`, or as their ISO text on SQLite: see `DATES`)."""
        with closing(self.batches()) as batches:
            for batch in batches:
                for row in batch:
                    yield list(row)

    def batches(self, *, spreadsheet_safe: bool = False) -> Iterator[list[tuple[Any, ...]]]:
        """The rows, in `columns` order, a batch of cases at a time, closing after (also when the
        caller stops early). With `spreadsheet_safe`, typed text that a spreadsheet would read as
        a formula begins with an apostrophe (as `figures.spreadsheet_safe`).
        """
        try:
            yield from self._batches(spreadsheet_safe)
        finally:
            self.close()

    def _batches(self, spreadsheet_safe: bool) -> Iterator[list[tuple[Any, ...]]]:
        # Written for speed: a million rows pass through here. Rows are read as the driver gives
        # them, without SQLAlchemy's processing of each value: on SQLite dates and moments are
        # then ISO text and booleans 0 or 1 (the same text in a CSV), on PostgreSQL Python's
        # types; moments are UTC either way.
        zone = ZoneInfo(self.timezone)
        layout = _LAYOUTS[self.columns]
        front, back = layout.front, layout.back
        case_text = layout.case_text if spreadsheet_safe else ()
        member_text = layout.member_text if spreadsheet_safe else ()
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
        last: tuple[datetime, int] | None = None
        case_ref = 0
        while True:
            after = () if last is None else (tuple_(Case.registered_at, Case.id) < last,)
            cases = self._raw(query.where(*after))
            if not cases:
                return
            last = (_utc(cases[-1][1]), cases[-1][0])
            parts = []  # each case's values before and after its members'
            days = {}  # each case's day of registration, as a yyyymmdd number (for ages)
            for case in cases:
                case_ref += 1
                registered = _utc(case[1]).astimezone(zone)
                registered_on = registered.date()
                values = [*case, case_ref, registered_on, registered.replace(microsecond=0).isoformat()]
                for index in layout.booleans:
                    values[index] = "yes" if values[index] else "no"
                for index in case_text:
                    text = values[index]
                    if text and text[0] in FORMULA_STARTS:
                        values[index] = "'" + text  # as spreadsheet_safe(text), without a call each
                parts.append((case[0], front(values), back(values)))
                days[case[0]] = registered_on.year * 10000 + registered_on.month * 100 + registered_on.day
            # The same page again as a subquery (its ids only, from the narrowest index), rather
            # than thousands of ids as parameters.
            households = self._members(ids.where(*after), days, member_text, layout.member)
            rows = []
            append = rows.append
            for case_id, head, tail in parts:
                for member in households.get(case_id, ()):
                    append(head + member + tail)
            yield rows

    def _raw(self, statement: Any) -> list[tuple[Any, ...]]:
        result = self.connection.execute(statement)
        try:
            return result.cursor.fetchall()
        finally:
            result.close()

    def _members(self, case_ids: Any, days: dict[int, int], typed_text: tuple[int, ...],
                 pick: Callable[[Sequence[Any]], tuple[Any, ...]]) -> dict[int, tuple[tuple[Any, ...], ...]]:  # fmt: skip
        """Each case's people, the principal first, as their part of a row (`pick` of their
        `_MEMBER_FIELDS`), their age group taken on the case's day of registration (`days`).

        What is kept until the batch is written is tuples of text, numbers and days, which
        Python's garbage collector stops tracking: lists kept for a batch would be traversed by
        each of its full collections (a fifth of the export's time once, at 1M people).
        """
        people = select(CaseMember.person_id).where(CaseMember.case_id.in_(case_ids))
        vulnerabilities: dict[int, str] = {}
        for person_id, code in self._raw(
            select(PersonVulnerability.person_id, PersonVulnerability.code)
            .where(PersonVulnerability.person_id.in_(people))
            .order_by(PersonVulnerability.person_id, PersonVulnerability.code)
        ):
            known = vulnerabilities.get(person_id)
            vulnerabilities[person_id] = code if known is None else f"{known};{code}"
        documents: dict[int, str] = {}
        if not self.anonymised:
            for person_id, kind, number in self._raw(
                select(IdentityDocument.person_id, IdentityDocument.type, IdentityDocument.number)
                .where(IdentityDocument.person_id.in_(people))
                .order_by(IdentityDocument.person_id, IdentityDocument.id)
            ):
                known = documents.get(person_id)
                documents[person_id] = f"{kind}:{number}" if known is None else f"{known}; {kind}:{number}"
        rows = self._raw(
            select(CaseMember.case_id, CaseMember.relationship_to_head, Person.id, cast(Person.languages, String),
                   *(getattr(Person, name) for name in _PERSON_COLUMNS))
            .join(Person, Person.id == CaseMember.person_id)
            .where(CaseMember.case_id.in_(case_ids))
            # In the order the household was recorded, which the index on case_id gives without
            # a sort; the principal is put first below.
            .order_by(CaseMember.case_id, CaseMember.id)
        )
        languages: dict[str | None, str] = {}  # a few lists of languages, repeated
        born_at, oldest, unknown = _MEMBER_FIELDS.index("date_of_birth"), len(_AGE_GROUP_BY_YEARS) - 1, UNKNOWN_AGE
        households: dict[int, tuple[tuple[Any, ...], ...]] = {}
        household: list[tuple[Any, ...]] = []
        case_id, day, principals = None, 0, 0
        for row in rows:
            if row[0] != case_id:
                if household:
                    households[case_id] = tuple(household)
                case_id, day, household, principals = row[0], days[row[0]], [], 0
            person_id, spoken, born = row[2], row[3], row[born_at]
            if spoken not in languages:
                languages[spoken] = " ".join((spoken or "").translate(_JSON_PUNCTUATION).split())
            if born is None:
                group = unknown
            else:
                # Full years as figures.age_on counts them: the difference of yyyymmdd numbers.
                born = (int(born.replace("-", "")) if isinstance(born, str)
                        else born.year * 10000 + born.month * 100 + born.day)  # fmt: skip
                years = (day - born) // 10000
                group = unknown if years < 0 else _AGE_GROUP_BY_YEARS[min(oldest, years)]
            values = [*row, languages[spoken], documents.get(person_id, ""), vulnerabilities.get(person_id, ""),
                      group]  # fmt: skip
            for index in typed_text:
                text = values[index]
                if text and text[0] in FORMULA_STARTS:
                    values[index] = "'" + text
            if row[1] == "head":  # after any principal before it, before the others
                household.insert(principals, pick(values))
                principals += 1
            else:
                household.append(pick(values))
        if household:
            households[case_id] = tuple(household)
        return households


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


def csv_chunks(export: Export) -> Iterator[bytes]:
    """The export as UTF-8 CSV (with a byte-order mark, so that Excel reads accents), a chunk per
    batch of cases.

    Typed text is made spreadsheet-safe; dates are written by csv itself (str() is isoformat).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(export.columns)
    with closing(export.batches(spreadsheet_safe=True)) as batches:
        for rows in batches:
            writer.writerows(rows)
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")  # the header of an empty list


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
