"""Exports of the filtered case list: one row per person, CSV or XLSX, streamed, optionally anonymised.

An export reads in its own connection, in one snapshot: the row count recorded in the audit log
is the number of rows the file holds, whatever is registered while it streams, and the snapshot
never blocks the officers who register meanwhile (a plain BEGIN on SQLite, REPEATABLE READ on
PostgreSQL). Rows are read in batches of cases, in the list's order, so memory stays flat.

Two ways to the same rows: `Export.batches` gives values (for XLSX, and the reference the tests
hold the CSV to), `Export.lines` gives CSV text, most of it written by the database: a million
rows pass through here, and fetching fifteen values per person and formatting them in Python
cost more than the rest of the export together.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from itertools import count
from operator import itemgetter
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Connection,
    Integer,
    Select,
    String,
    any_,
    bindparam,
    case,
    cast,
    column,
    func,
    literal,
    select,
    text,
    tuple_,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

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
IDS_PER_STATEMENT = 1000

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
# The same for CSV text: the case's row then holds its columns after the member's as text ("back").
_CASE_TEXT_FIELDS = ("id", "registered_at_utc", "case_number", "border_point", "assigned_to", "status", "pathway",
                     "priority", "back", "case_ref", "registered_on", "registered_at")  # fmt: skip
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
    # For CSV text (`Export.lines`): the case's values before the member's, picked from
    # `_CASE_TEXT_FIELDS`; the case's columns after the member's, which the database writes; the
    # member's columns in three runs that the database writes (see `Export._member_lines`),
    # around the two it cannot (the age group, the languages).
    text_front: Callable[[Sequence[Any]], tuple[Any, ...]]
    back_columns: tuple[str, ...]
    member_runs: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]

    @classmethod
    def of(cls, columns: tuple[str, ...]) -> _Layout:
        sources = "".join("c" if name in _CASE_FIELDS else "m" for name in columns)
        front = len(sources) - len(sources.lstrip("c"))
        back = len(sources) - len(sources.rstrip("c"))
        if "c" in sources[front:len(sources) - back]:
            raise ValueError("a member's columns come together, between the case's")
        indices = [(_CASE_FIELDS if kind == "c" else _MEMBER_FIELDS).index(name)
                   for kind, name in zip(sources, columns, strict=True)]  # fmt: skip
        if front < 2 or back < 2:  # csv writes a lone empty field as "", not as nothing
            raise ValueError("a row begins and ends with at least two of the case's columns")
        if any(name not in _CASE_TEXT_FIELDS for name in columns[:front]):
            raise ValueError("the case's columns before the member's are among _CASE_TEXT_FIELDS")
        if any(name not in _CASE_COLUMNS for name in columns[len(columns) - back:]):
            raise ValueError("the case's columns after the member's are its own")
        member_columns = columns[front:len(columns) - back]
        first, _, middle, _, last = _split(member_columns, "age_group", "languages")
        if not (first and middle and last):
            raise ValueError("the age group and the languages stand between the member's other columns")
        return cls(
            front=_picker(indices[:front]), member=_picker(indices[front:len(indices) - back]),
            back=_picker(indices[len(indices) - back:]),
            case_text=tuple(_CASE_FIELDS.index(name) for name in columns if name in TYPED_TEXT and name in _CASE_FIELDS),
            member_text=tuple(_MEMBER_FIELDS.index(name) for name in columns
                              if name in TYPED_TEXT and name in _MEMBER_FIELDS),
            booleans=tuple(_CASE_FIELDS.index(name) for name in BOOLEANS),
            text_front=_picker([_CASE_TEXT_FIELDS.index(name) for name in columns[:front]]),
            back_columns=columns[len(columns) - back:],
            member_runs=(first, middle, last),
        )  # fmt: skip


def _split(columns: tuple[str, ...], *names: str) -> list[tuple[str, ...]]:
    """`columns` cut at each of `names` (which must come in that order): the runs between them,
    with each name in its place."""
    parts: list[tuple[str, ...]] = []
    rest = columns
    for name in names:
        if name not in rest:
            raise ValueError(f"{name} missing from the member's columns")
        at = rest.index(name)
        parts += [rest[:at], (name,)]
        rest = rest[at + 1:]
    return [*parts, rest]


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
        layout = _LAYOUTS[self.columns]
        member_text = layout.member_text if spreadsheet_safe else ()
        reading = _CaseReading(self.columns, self.connection.dialect.name, spreadsheet_safe=spreadsheet_safe, text=False)
        for parts, days, page in self._pages(reading):
            households = self._members(page, days, member_text, layout.member)
            rows = []
            append = rows.append
            for case_id, head, tail in parts:
                for member in households.get(case_id, ()):
                    append(head + member + tail)
            yield rows

    def lines(self) -> Iterator[str]:
        """The rows as CSV text (spreadsheet-safe, each line ended by CRLF), a batch of cases
        at a time, closing after: what `csv_chunks` sends.

        The same text as `batches(spreadsheet_safe=True)` written by `csv.writer`, built another
        way for speed: the case's columns before the member's are written by csv once per case,
        the columns after and the member's by the database itself, as CSV text (`_Runs`). Python
        then has a few strings to join per row rather than some forty values to fetch and format.
        """
        try:
            if self.connection.dialect.name == "postgresql":
                yield from self._pipelined_lines()
                return
            text = _TextBatch(self)
            for parts, days, page in self._pages(text.reading):
                affixes = text.affixes(parts, self._again)
                rows = self._raw(text.members.where(CaseMember.case_id.in_(page)).order_by(*text.member_order))
                yield text.lines(parts, rows, days, affixes, self._again)
        finally:
            self.close()

    def _pipelined_lines(self) -> Iterator[str]:
        """`lines` on PostgreSQL: the next batch is asked for before this one is written.

        The server writes most of the text (`_Runs`), which takes it about as long as Python takes
        to put a batch's lines together; asked one after the other, the two wait for each other.
        In pipeline mode the next batch's two statements are sent before this batch is written,
        so the server works on them meanwhile. The matching cases' ids are read first, in the
        list's order (a few megabytes at a million rows, in the export's snapshot); each batch
        then names its ids, so its statements do not depend on the previous batch's last row.
        """
        text = _TextBatch(self)
        local, refs = _LocalTime(ZoneInfo(self.timezone)), count(1)
        ids = self._raw(self.query.with_only_columns(Case.id).order_by(*_NEWEST_FIRST))
        chunks = [[row[0] for row in ids[start:start + CASES_PER_BATCH]]
                  for start in range(0, len(ids), CASES_PER_BATCH)]  # fmt: skip
        del ids
        listed = bindparam("ids", [], type_=ARRAY(Integer))  # each batch gives its own
        cases = _Pipelined(self.connection, text.reading.statement(select(Case.id)).where(Case.id == any_(listed)).order_by(*_NEWEST_FIRST))
        members = _Pipelined(self.connection, text.members.where(CaseMember.case_id == any_(listed))
                             .order_by(*text.member_order))  # fmt: skip
        again: dict[str, _Pipelined] = {}  # by the key's column: the cases' or the members'

        def read_again(statement: Any, key: Any, wanted: list[int]) -> list[tuple[Any, ...]]:
            if not wanted:
                return []
            if str(key) not in again:
                again[str(key)] = _Pipelined(self.connection, statement.where(key == any_(listed)))
            return self._received(again[str(key)].send(wanted))

        with self.connection.connection.driver_connection.pipeline():
            # Each batch's statements are sent when the generator is advanced.
            batches = ((cases.send(chunk), members.send(chunk)) for chunk in chunks)
            current = next(batches, None)
            while current is not None:
                case_rows, member_rows = self._received(current[0]), self._received(current[1])
                current = next(batches, None)  # the server reads the next batch while this one is written
                parts, days = text.reading.parts(case_rows, local, refs)
                affixes = text.affixes(parts, read_again)
                yield text.lines(parts, member_rows, days, affixes, read_again)

    @staticmethod
    def _received(cursor: Any) -> list[tuple[Any, ...]]:
        """A pipelined statement's rows (waiting for them if the server is not done)."""
        try:
            return cursor.fetchall()
        finally:
            cursor.close()

    def _pages(self, reading: _CaseReading) -> Iterator[
            tuple[list[tuple[int, tuple[Any, ...], Any]], dict[int, int], Any]]:  # fmt: skip
        """The matching cases a batch at a time, in the list's order, as `reading` makes them: each
        case's id and its values before and after its members', each case's day of registration as
        a yyyymmdd number (for ages), and the batch's ids as a subquery."""
        local, refs = _LocalTime(ZoneInfo(self.timezone)), count(1)
        ids = self.query.with_only_columns(Case.id).order_by(*_NEWEST_FIRST).limit(CASES_PER_BATCH)
        query = reading.statement(ids)
        last: tuple[datetime, int] | None = None
        while True:
            after = () if last is None else (tuple_(Case.registered_at, Case.id) < last,)
            cases = self._raw(query.where(*after))
            if not cases:
                return
            last = (_utc(cases[-1][1]), cases[-1][0])
            parts, days = reading.parts(cases, local, refs)
            # The same page again as a subquery (its ids only, from the narrowest index), rather
            # than thousands of ids as parameters.
            yield parts, days, ids.where(*after)

    def _again(self, statement: Any, key: Any, ids: list[int]) -> Iterator[tuple[Any, ...]]:
        """`statement`'s rows for these ids, `IDS_PER_STATEMENT` at a time (SQLite limits the
        parameters of a statement, and a page of large households whose every member needs quoting
        could hold more)."""
        for start in range(0, len(ids), IDS_PER_STATEMENT):
            yield from self._raw(statement.where(key.in_(ids[start:start + IDS_PER_STATEMENT])))

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
        born_at = _MEMBER_FIELDS.index("date_of_birth")
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
                languages[spoken] = _languages_text(spoken)
            group = _age_group(born, day, _AGE_GROUP_BY_YEARS, UNKNOWN_AGE)
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


# The list's order, newest first; the case's id breaks ties (the keyset of `_pages`).
_NEWEST_FIRST = (Case.registered_at.desc(), Case.id.desc())


class _CaseReading:
    """How a batch of cases is read: what the statement selects, and what becomes of each row
    (its values before and after its members', and its day of registration for the ages)."""

    def __init__(self, columns: tuple[str, ...], dialect: str, *, spreadsheet_safe: bool, text: bool) -> None:
        layout = _LAYOUTS[columns]
        if text:
            # The values csv writes here need no care: codes, numbers, a moment.
            self.front, self.back = layout.text_front, itemgetter(_CASE_TEXT_FIELDS.index("back"))
            self.booleans, self.case_text = (), ()
            self.columns = (Case.status, Case.pathway, Case.priority, _case_back(columns, dialect).plain[0])
        else:
            self.front, self.back, self.booleans = layout.front, layout.back, layout.booleans
            self.case_text = layout.case_text if spreadsheet_safe else ()
            self.columns = tuple(getattr(Case, name) for name in _CASE_COLUMNS)

    def statement(self, cases: Select[Any]) -> Select[Any]:
        """`cases` (a select of case ids) reading what a batch needs."""
        point, assignee = aliased(BorderPoint), aliased(User)
        return (
            cases.with_only_columns(Case.id, Case.registered_at, Case.case_number, point.code, assignee.username,
                                    *self.columns)
            .join_from(Case, point, point.id == Case.border_point_id)
            .outerjoin(assignee, assignee.id == Case.assigned_to_id)
        )  # fmt: skip

    def parts(self, cases: list[tuple[Any, ...]], local: _LocalTime, refs: Iterator[int]) -> tuple[
            list[tuple[int, tuple[Any, ...], Any]], dict[int, int]]:  # fmt: skip
        """Each case's id, values before and after its members', and day (a yyyymmdd number)."""
        # Written for speed: a million rows pass through here. Rows are read as the driver gives
        # them, without SQLAlchemy's processing of each value: on SQLite dates and moments are
        # then ISO text and booleans 0 or 1 (the same text in a CSV), on PostgreSQL Python's
        # types; moments are UTC either way.
        front, back, booleans, case_text = self.front, self.back, self.booleans, self.case_text
        parts = []
        days = {}
        for row in cases:
            registered_on, registered_at = local(row[1])
            values = [*row, next(refs), registered_on, registered_at]
            for index in booleans:
                values[index] = "yes" if values[index] else "no"
            for index in case_text:
                typed = values[index]
                if typed and typed[0] in FORMULA_STARTS:
                    values[index] = "'" + typed  # as spreadsheet_safe(typed), without a call each
            parts.append((row[0], front(values), back(values)))
            days[row[0]] = registered_on.year * 10000 + registered_on.month * 100 + registered_on.day
        return parts, days


# Reads rows of `statement` for some ids of `key`: Export._again, or its pipelined form.
Reread = Callable[[Any, Any, list[int]], Iterable[tuple[Any, ...]]]


class _TextBatch:
    """What `Export.lines` reads and writes a batch of cases with, however the batch is read."""

    def __init__(self, export: Export) -> None:
        dialect = export.connection.dialect.name
        self.reading = _CaseReading(export.columns, dialect, spreadsheet_safe=True, text=True)
        self.backs = _case_back(export.columns, dialect)
        self.runs = _member_runs(export.columns, dialect)
        # A batch's members, each with the runs of `_member_runs`; `member_order` is the order
        # the household was recorded in, which the index on case_id gives without a sort.
        self.members = (
            select(CaseMember.id, CaseMember.case_id, CaseMember.relationship_to_head, Person.date_of_birth,
                   cast(Person.languages, String), *self.runs.plain)
            .join(Person, Person.id == CaseMember.person_id)
        )  # fmt: skip
        self.member_order = (CaseMember.case_id, CaseMember.id)
        self.members_quoted = select(CaseMember.id, *self.runs.quoted).join(Person, Person.id == CaseMember.person_id)
        self.cases_quoted = select(Case.id, *self.backs.quoted)
        self.pieces: list[str] = []
        # csv's own quoting for the case's columns, into `pieces` (a line a call, no terminator).
        self.writer = csv.writer(_Appender(self.pieces), lineterminator="")

    def affixes(self, parts: list[tuple[int, tuple[Any, ...], Any]], reread: Reread) -> dict[int, tuple[str, str]]:
        """Each case's text before its member's columns and after them (its line's end)."""
        pieces, commas = self.pieces, self.backs.commas
        self.writer.writerows(head for _, head, _ in parts)
        affixes = {}
        again = []
        for (case_id, _, back), head in zip(parts, pieces, strict=True):
            if back.count(",") != commas or '"' in back or "\n" in back or "\r" in back:
                again.append(case_id)  # a comma, a quote or a line break of its own
            affixes[case_id] = (head + ",", back + "\r\n")
        pieces.clear()
        for case_id, back in reread(self.cases_quoted, Case.id, again):
            affixes[case_id] = (affixes[case_id][0], back + "\r\n")
        return affixes

    def lines(self, parts: list[tuple[int, tuple[Any, ...], Any]], members: list[tuple[Any, ...]],
              days: dict[int, int], affixes: dict[int, tuple[str, str]], reread: Reread) -> str:  # fmt: skip
        """The batch's CSV text: each case's rows, its principal first."""
        households = self._households(members, days, affixes, reread)
        return "".join([line for case_id, _, _ in parts for line in households.get(case_id, ())])

    def _households(self, members: list[tuple[Any, ...]], days: dict[int, int],
                    affixes: dict[int, tuple[str, str]], reread: Reread) -> dict[int, list[str]]:  # fmt: skip
        """Each case's rows as CSV lines, the principal first: the case's text before (`affixes`),
        the member's, the case's after.

        The database writes the member's columns but two (the age group and the languages, added
        here) in three runs of text, as `_Runs` describes: plainly, and checked here; the
        rare member whose text needs quoting is read again, quoted as csv quotes.
        """
        languages: dict[str | None, str] = {}  # a few lists of languages, repeated
        unknown, groups = _csv_quoted(UNKNOWN_AGE), tuple(_csv_quoted(group) for group in _AGE_GROUP_BY_YEARS)
        commas = self.runs.commas
        households: dict[int, list[Any]] = {}
        household: list[Any] = []
        # Members to read again: their place in the household (a list standing for the line),
        # and what goes around their runs.
        again: dict[int, tuple[list[Any], list[Any], str, str, str, str]] = {}
        case_id, day, principals, before, after = None, 0, 0, "", ""
        for member_id, row_case, relationship, born, spoken, head, middle, tail in members:
            if row_case != case_id:
                case_id, day, principals = row_case, days[row_case], 0
                household = households[case_id] = []
                before, after = affixes[case_id]
            if spoken not in languages:
                languages[spoken] = _csv_quoted(_languages_text(spoken))
            group = _age_group(born, day, groups, unknown)
            written = head + middle + tail
            if written.count(",") == commas and '"' not in written and "\n" not in written and "\r" not in written:
                line: Any = f"{before}{head}{group}{middle}{languages[spoken]}{tail}{after}"
            else:  # a comma, a quote or a line break of its own
                line = [member_id]
                again[member_id] = (household, line, before, group, languages[spoken], after)
            if relationship == "head":  # after any principal before it, before the others
                household.insert(principals, line)
                principals += 1
            else:
                household.append(line)
        for member_id, head, middle, tail in reread(self.members_quoted, CaseMember.id, sorted(again)):
            household, stand_in, before, group, spoken_text, after = again[member_id]
            at = next(index for index, line in enumerate(household) if line is stand_in)
            household[at] = f"{before}{head}{group}{middle}{spoken_text}{tail}{after}"
        return households


class _Pipelined:
    """A statement of a list of ids (its parameter `ids`), compiled once and sent straight to
    psycopg, which in pipeline mode returns before the server answers (`send`)."""

    def __init__(self, connection: Connection, statement: Any) -> None:
        # Its parameters are text (formats, codes) that SQLAlchemy would send as they are.
        compiled = statement.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
        self.sql, self.parameters = str(compiled), dict(compiled.params)
        self.driver = connection.connection.driver_connection

    def send(self, ids: list[int]) -> Any:
        """The cursor the statement was sent on, for these ids: its rows come with `fetchall`."""
        cursor = self.driver.cursor()  # type: ignore[union-attr]
        cursor.execute(self.sql, {**self.parameters, "ids": ids})
        return cursor


def _languages_text(spoken: str | None) -> str:
    """A person's languages (their JSON list, as the driver gives it) as the export writes them."""
    return " ".join((spoken or "").translate(_JSON_PUNCTUATION).split())


def _age_group(born: date | str | None, day: int, groups: tuple[str, ...], unknown: str) -> str:
    """The age group (from `groups`, by full years: `_AGE_GROUP_BY_YEARS` or the same as CSV text)
    of someone born on `born` (a date, or its ISO text from SQLite's driver) on `day`, a yyyymmdd
    number. Full years as figures.age_on counts them: the difference of yyyymmdd numbers."""
    if born is None:
        return unknown
    born_on = (int(born.replace("-", "")) if isinstance(born, str)
               else born.year * 10000 + born.month * 100 + born.day)  # fmt: skip
    years = (day - born_on) // 10000
    return unknown if years < 0 else groups[min(len(groups) - 1, years)]


class _Appender:
    """A file for `csv.writer` whose writes go to a list."""

    def __init__(self, into: list[str]) -> None:
        self.write = into.append


def _csv_quoted(text: str) -> str:
    """A field as csv.writer writes it (QUOTE_MINIMAL, doubled quotes)."""
    if any(character in text for character in CSV_SPECIAL):
        return '"' + text.replace('"', '""') + '"'
    return text


# What makes csv.writer quote a field (the delimiter, the quote, the line terminator's characters).
CSV_SPECIAL = (",", '"', "\r", "\n")
# A person's documents and vulnerabilities, as the tuple path joins them: in the order of the
# documents' ids, and of the codes. SQLite 3.40 has no ORDER BY in an aggregate: the ordered
# subquery feeds group_concat in its order.
_JOINED = {
    "sqlite": {
        "documents": "SELECT group_concat(v, '; ') AS v FROM (SELECT d.type || ':' || d.number AS v"
                     " FROM identity_document AS d WHERE d.person_id = person.id ORDER BY d.id)",
        "vulnerabilities": "SELECT group_concat(v, ';') AS v FROM (SELECT pv.code AS v FROM person_vulnerability AS pv"
                           " WHERE pv.person_id = person.id ORDER BY pv.code)",
    },
    "postgresql": {
        "documents": "SELECT string_agg(d.type || ':' || d.number, '; ' ORDER BY d.id) AS v"
                     " FROM identity_document AS d WHERE d.person_id = person.id",
        "vulnerabilities": "SELECT string_agg(pv.code, ';' ORDER BY pv.code) AS v FROM person_vulnerability AS pv"
                           " WHERE pv.person_id = person.id",
    },
}  # fmt: skip


@dataclass(frozen=True)
class _Runs:
    """Runs of consecutive columns as CSV text written by the database, with the commas that
    join them to their neighbours.

    `plain` writes each value as it is (typed text made spreadsheet-safe): right unless a value
    holds a comma, a quote or a line break, which the caller sees from the text, since it then
    holds more commas than `commas` or a quote or a line break. `quoted` writes every value as
    csv.writer would, at a cost: SQLite checks and formats each one apart.
    """

    plain: tuple[ColumnElement[str], ...]
    quoted: tuple[ColumnElement[str], ...]
    commas: int

    @classmethod
    def of(cls, runs: Sequence[tuple[tuple[str, ...], bool, bool]], dialect: str,
           column_of: Callable[[str, str], ColumnElement[Any]]) -> _Runs:  # fmt: skip
        """`runs`: each run's columns, and whether a comma goes before and after it."""
        return cls(
            plain=tuple(_csv_run(names, dialect, column_of, before=before, after=after, quoted=False)
                        for names, before, after in runs),
            quoted=tuple(_csv_run(names, dialect, column_of, before=before, after=after, quoted=True)
                         for names, before, after in runs),
            commas=sum(len(names) - 1 + before + after for names, before, after in runs),
        )  # fmt: skip


@lru_cache(maxsize=8)
def _member_runs(columns: tuple[str, ...], dialect: str) -> _Runs:
    """A member's columns but the age group and the languages, in the three runs of
    `_Layout.member_runs`. Built once: a million rows read them 500 times."""
    first, middle, last = _LAYOUTS[columns].member_runs
    return _Runs.of(((first, False, True), (middle, True, True), (last, True, False)), dialect, _member_column)


@lru_cache(maxsize=8)
def _case_back(columns: tuple[str, ...], dialect: str) -> _Runs:
    """The case's columns after the member's, in one run, with the comma before it."""
    return _Runs.of(((_LAYOUTS[columns].back_columns, True, False),), dialect, _case_column)


def _csv_run(names: tuple[str, ...], dialect: str, column_of: Callable[[str, str], ColumnElement[Any]], *,
             before: bool, after: bool, quoted: bool) -> ColumnElement[str]:  # fmt: skip
    """Consecutive columns as one piece of CSV text, written by one call of the database's
    printf (`format` on PostgreSQL), which writes a missing value as nothing and is far cheaper
    than joining values one by one.

    A value worked out by a subquery (documents, vulnerabilities) is always quoted as needed,
    inside its subquery: there it is a column, computed once however often the formatting
    names it (SQLite evaluates each mention of an expression).
    """
    values: list[ColumnElement[Any]] = []
    pattern: list[str] = []
    for name in names:
        if name in _JOINED[dialect]:
            joined = text(_JOINED[dialect][name]).columns(column("v", String)).subquery("joined")
            values.append(select(_quoted_if_needed(joined.c.v, name, dialect)).scalar_subquery())
            pattern.append("%s")
            continue
        value = column_of(name, dialect)
        prefix = _prefix(value, name)
        if quoted:
            values.append(_quoted_if_needed(value, name, dialect))
            pattern.append("%s")
        elif prefix is None:
            values.append(value)
            pattern.append("%s")
        else:
            values += [prefix, value]
            pattern.append("%s%s")
    text_pattern = ("," if before else "") + ",".join(pattern) + ("," if after else "")
    return _printf(dialect)(literal(text_pattern, String), *values)


def _printf(dialect: str) -> Any:
    """The database's printf, of which "%s" writes a missing value as nothing."""
    return func.printf if dialect == "sqlite" else func.format


def _member_column(name: str, dialect: str) -> ColumnElement[Any]:
    if name == "relationship":
        return CaseMember.relationship_to_head
    return _day_as_text(getattr(Person, name), name, dialect)


def _case_column(name: str, dialect: str) -> ColumnElement[Any]:
    if name in BOOLEANS:
        return case((getattr(Case, name), literal("yes", String)), else_=literal("no", String))
    return _day_as_text(getattr(Case, name), name, dialect)


def _day_as_text(value: ColumnElement[Any], name: str, dialect: str) -> ColumnElement[Any]:
    if name in DATES and dialect != "sqlite":  # SQLite keeps days as ISO text already
        return func.to_char(value, "YYYY-MM-DD")
    return value


def _prefix(value: ColumnElement[Any], name: str) -> ColumnElement[str] | None:
    """Typed text's apostrophe, when a spreadsheet would compute it (as `spreadsheet_safe`)."""
    if name not in TYPED_TEXT:
        return None
    return case((func.substr(value, 1, 1).in_(sorted(FORMULA_STARTS)), literal("'", String)), else_=literal("", String))


def _has_special(value: ColumnElement[str], dialect: str) -> ColumnElement[bool]:
    """Whether csv would quote the text (one pass over it)."""
    pattern = "".join(CSV_SPECIAL)
    if dialect == "sqlite":
        return value.op("GLOB")(literal(f"*[{pattern}]*", String))
    return value.op("~")(literal(f"[{pattern}]", String))


def _quoted_if_needed(value: ColumnElement[Any], name: str, dialect: str) -> ColumnElement[str]:
    """A field as csv.writer writes it; the apostrophe goes inside the quotes."""
    write = _printf(dialect)
    prefix = _prefix(value, name)
    if prefix is None:
        prefix = literal("", String)
    return case((_has_special(value, dialect), write(literal('"%s%s"', String), prefix,
                                                     func.replace(value, literal('"', String), literal('""', String)))),
                else_=write(literal("%s%s", String), prefix, value))  # fmt: skip


class _LocalTime:
    """UTC moments as the driver gives them (naive, or ISO text on SQLite) on the registry's
    clock: the day, and the moment to the second with its offset (as `isoformat` writes it).

    The offset is looked up once per hour of UTC time (a batch's thousands of cases fall in a
    few hundred hours); in an hour when the zone's offset changes, each moment on its own.
    """

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self.offsets: dict[Any, tuple[timedelta, str] | None] = {}

    def __call__(self, moment: datetime | str) -> tuple[date, str]:
        if isinstance(moment, str):
            hour: Any = moment[:13]
            moment = datetime.fromisoformat(moment)
        else:
            hour = (moment.year, moment.month, moment.day, moment.hour)
        if hour in self.offsets:
            found = self.offsets[hour]
        else:
            found = self.offsets[hour] = self._offset_all_hour(moment)
        if found is None:
            here = moment.replace(tzinfo=UTC).astimezone(self.zone)
            return here.date(), here.replace(microsecond=0).isoformat()
        offset, suffix = found
        here = moment + offset
        return here.date(), here.isoformat(timespec="seconds") + suffix

    def _offset_all_hour(self, moment: datetime) -> tuple[timedelta, str] | None:
        """The zone's offset and how isoformat writes it, if the same all the hour of `moment`."""
        hour = moment.replace(minute=0, second=0, microsecond=0, tzinfo=UTC)
        start = hour.astimezone(self.zone)
        end = (hour + timedelta(hours=1, microseconds=-1)).astimezone(self.zone)  # counted in UTC
        if start.utcoffset() != end.utcoffset():
            return None
        return start.utcoffset() or timedelta(0), start.isoformat()[19:]


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
    batch of cases (the header with the first).

    Typed text is made spreadsheet-safe; dates are written as ISO text.
    """
    buffer = io.StringIO()
    buffer.write("\ufeff")
    csv.writer(buffer, lineterminator="\r\n").writerow(export.columns)
    header = buffer.getvalue()
    with closing(export.lines()) as lines:
        for text in lines:
            yield (header + text).encode("utf-8")
            header = ""
    if header:
        yield header.encode("utf-8")  # an empty list's


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
