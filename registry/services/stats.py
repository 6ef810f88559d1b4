"""Figures for supervisors and reports: counted from the pre-counted daily figures, kept true.

Every figure describes the cases registered in the chosen period (all time by default) at the
chosen border points, as they stand now: how many, where, of which nationality, sex and age group
(at registration), in which status, how many returned or regularised and how fast. Cases are
counted once; people are the members the cases cover (the principal and their household).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import Date, and_, cast, delete, func, insert, or_, select, text
from sqlalchemy.dialects import postgresql, sqlite

from registry.domain.figures import (
    AGE_GROUP_CODES,
    age_group,
    default_period,
    median_of_histogram,
    period_start,
    periods_between,
    permit_granted,
    return_completed,
)
from registry.domain.errors import InvalidDetails
from registry.domain.i18n import N_
from registry.domain.vocabulary import CaseStatus, Pathway, Sex, Vulnerability
from registry.extensions import db
from registry.models.bulk import BulkWriter
from registry.models import (
    BorderPoint,
    Case,
    CaseMember,
    DailyFigure,
    DailyFigureBasis,
    DailyFigureStale,
    MonthlyFigure,
    Person,
    PersonVulnerability,
    User,
)
from registry.services import audit
from registry.services.cases import list_border_points

# The breakdowns kept per border point, day and pathway (DailyFigure.figure).
STATUS = "status"
SEX_AGE = "sex_age"
NATIONALITY = "nationality"
VULNERABILITY = "vulnerability"
RETURN_DAYS = "return_days"
PERMIT_DAYS = "permit_days"
UNKNOWN_DAYS = "unknown"

# Beyond this many stale days a full recount is faster than one query per day.
FULL_RECOUNT_ABOVE = 300
# A number of its own, so that two PostgreSQL transactions never recount the same day at once.
REFRESH_LOCK_KEY = 7_000_701

Key = tuple[int, date, date, str, str, str]  # border point, UTC day, local day, pathway, figure, value


# --------------------------------------------------------------------------------------------
# Keeping the daily figures true
# --------------------------------------------------------------------------------------------


def refresh_figures(timezone: str) -> int:
    """Recount the days whose cases changed since the last count; return how many were recounted.

    Called in the transaction that then reads the figures, so they include every change that
    transaction can see. A day queued by a transaction still running is recounted by the next
    reader, once that transaction has committed.
    """
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": REFRESH_LOCK_KEY})
    basis = session.get(DailyFigureBasis, 1)
    if basis is None or basis.timezone != timezone:
        recount_all(timezone)
        return -1
    last_stale = session.scalar(select(func.max(DailyFigureStale.id)))
    if last_stale is None:
        return 0
    partitions = session.execute(
        select(DailyFigureStale.border_point_id, DailyFigureStale.utc_day)
        .where(DailyFigureStale.id <= last_stale)
        .distinct()
    ).all()
    if len(partitions) > FULL_RECOUNT_ABOVE:
        recount_all(timezone)
        return len(partitions)
    zone = ZoneInfo(timezone)
    points = set(session.scalars(select(BorderPoint.id)))
    wanted = [(point, day) for point, day in partitions if point in points]
    # The months change by what the recounted days change: old rows out, new rows in. Rebuilding
    # whole months would read thousands of daily rows for each day recounted.
    months: dict[tuple[int, date, str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for start in range(0, len(wanted), 50):
        batch = wanted[start:start + 50]
        in_batch = or_(*(and_(DailyFigure.border_point_id == point, DailyFigure.utc_day == day)
                         for point, day in batch))  # fmt: skip
        for point, local_day, pathway, figure, value, cases, people in session.execute(
            select(DailyFigure.border_point_id, DailyFigure.local_day, DailyFigure.pathway, DailyFigure.figure,
                   DailyFigure.value, DailyFigure.cases, DailyFigure.people).where(in_batch)
        ):  # fmt: skip
            entry = months[(point, period_start(local_day, "month"), pathway, figure, value)]
            entry[0] -= cases
            entry[1] -= people
        session.execute(delete(DailyFigure).where(in_batch))
        condition = or_(*(
            and_(Case.border_point_id == point, Case.registered_at >= _utc_midnight(day),
                 Case.registered_at < _utc_midnight(day + timedelta(days=1)))
            for point, day in batch
        ))  # fmt: skip
        counts = _count(condition, zone)
        _write(counts)
        for (point, _, local_day, pathway, figure, value), (cases, people) in counts.items():
            entry = months[(point, period_start(local_day, "month"), pathway, figure, value[:40])]
            entry[0] += cases
            entry[1] += people
    _add_to_months(months)
    session.execute(delete(DailyFigureStale).where(DailyFigureStale.id <= last_stale))
    return len(partitions)


def _add_to_months(changes: dict[tuple[int, date, str, str, str], list[int]]) -> None:
    """Add these changes to the monthly rows, creating and removing rows as counts appear and vanish."""
    session = db.session
    rows = [{"border_point_id": point, "month": month, "pathway": pathway, "figure": figure, "value": value,
             "cases": cases, "people": people}
            for (point, month, pathway, figure, value), (cases, people) in changes.items() if cases or people]  # fmt: skip
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert_into = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert_into(MonthlyFigure)
    session.execute(statement.on_conflict_do_update(
        index_elements=["figure", "value", "border_point_id", "pathway", "month"],
        set_={"cases": MonthlyFigure.cases + statement.excluded.cases,
              "people": MonthlyFigure.people + statement.excluded.people},
    ), rows)  # fmt: skip
    touched = {(row["border_point_id"], row["month"]) for row in rows}
    session.execute(delete(MonthlyFigure).where(
        MonthlyFigure.cases == 0, MonthlyFigure.people == 0,
        or_(*(and_(MonthlyFigure.border_point_id == point, MonthlyFigure.month == month) for point, month in touched)),
    ))  # fmt: skip


def recount_all(timezone: str, *, written: bool = False) -> None:
    """Count every case again (a first count, a change of time zone, a large import). `written`:
    every case's daily figures are in their table already, counted and written by whoever wrote
    the cases (a bulk load into an empty registry); only the months are summed up again."""
    session = db.session
    last_stale = session.scalar(select(func.max(DailyFigureStale.id)))
    session.execute(delete(MonthlyFigure))
    if not written:
        session.execute(delete(DailyFigure))
        _write(_count(None, ZoneInfo(timezone)))
    spans = session.execute(
        select(DailyFigure.border_point_id, func.min(DailyFigure.local_day), func.max(DailyFigure.local_day))
        .group_by(DailyFigure.border_point_id)
    ).all()  # fmt: skip
    _roll_up_months([(point, month) for point, first, last in spans
                     for month in periods_between(first, last, "month")])  # fmt: skip
    if last_stale is not None:
        session.execute(delete(DailyFigureStale).where(DailyFigureStale.id <= last_stale))
    basis = session.get(DailyFigureBasis, 1)
    if basis is None:
        session.add(DailyFigureBasis(id=1, timezone=timezone))
    else:
        basis.timezone = timezone
    session.flush()


def _utc_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _roll_up_months(months: Sequence[tuple[int, date]]) -> None:
    """Rebuild the monthly rows of these (border point, month) from the daily rows, in two
    statements for up to a hundred of them."""
    session = db.session
    daily = DailyFigure.__table__
    first_of_month = _first_of_month(daily.c.local_day)
    for start in range(0, len(months), 100):
        batch = months[start:start + 100]
        session.execute(delete(MonthlyFigure).where(or_(*(
            and_(MonthlyFigure.border_point_id == point, MonthlyFigure.month == month) for point, month in batch
        ))))  # fmt: skip
        session.execute(insert(MonthlyFigure.__table__).from_select(
            ["border_point_id", "month", "pathway", "figure", "value", "cases", "people"],
            select(daily.c.border_point_id, first_of_month, daily.c.pathway, daily.c.figure,
                   daily.c.value, func.sum(daily.c.cases), func.sum(daily.c.people))
            .where(or_(*(and_(daily.c.border_point_id == point, daily.c.local_day >= month,
                              daily.c.local_day < _next_month(month)) for point, month in batch)))
            .group_by(daily.c.border_point_id, first_of_month, daily.c.pathway, daily.c.figure, daily.c.value),
        ))  # fmt: skip


def _first_of_month(day: Any) -> Any:
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(func.date_trunc("month", day), Date)
    return func.date(day, "start of month", type_=Date)


class DailyCounts:
    """Daily figures being counted, case by case: by the recount from the database, and by a
    bulk load from the cases it makes (`registry.synthetic`), which then needs no recount."""

    def __init__(self) -> None:
        self.counts: dict[Key, list[int]] = {}

    def add(self, key: Key, cases: int, people: int) -> None:
        entry = self.counts.get(key)
        if entry is None:
            self.counts[key] = [cases, people]
        else:
            entry[0] += cases
            entry[1] += people

    def add_case(self, point: int, utc_day: date, local_day: date, status: str, pathway: str,
                 arrival_confirmed_on: date | None, permit_number: str | None, decision_on: date | None,
                 members: Sequence[tuple[str, date | None, str, bool]]) -> None:  # fmt: skip
        """A case registered on `utc_day` (`local_day` where it was registered), with its members
        as (sex, date of birth, nationality, whether the principal)."""
        add = self.add
        base = (point, utc_day, local_day, pathway)
        add((*base, STATUS, status), 1, len(members))
        for sex, date_of_birth, nationality, is_principal in members:
            add((*base, SEX_AGE, f"{sex}/{age_group(date_of_birth, local_day)}"), int(is_principal), 1)
            add((*base, NATIONALITY, nationality), int(is_principal), 1)
        if return_completed(status, arrival_confirmed_on):
            add((*base, RETURN_DAYS, str((arrival_confirmed_on - local_day).days)), 1, len(members))  # type: ignore[operator]
        if permit_granted(status, permit_number):
            days = str((decision_on - local_day).days) if decision_on else UNKNOWN_DAYS
            add((*base, PERMIT_DAYS, days), 1, len(members))

    def add_vulnerabilities(self, point: int, utc_day: date, local_day: date, pathway: str,
                            codes: Sequence[str]) -> None:  # fmt: skip
        """The vulnerabilities of a case's members, one code per member who has it."""
        base = (point, utc_day, local_day, pathway)
        for code in codes:
            self.add((*base, VULNERABILITY, code), 0, 1)
        for code in set(codes):
            self.add((*base, VULNERABILITY, code), 1, 0)


def _count(condition: Any, zone: ZoneInfo) -> dict[Key, list[int]]:
    """The daily figures of the cases `condition` selects (all cases when None).

    Written for speed: a full recount reads every person of every case once.
    """
    counted = DailyCounts()
    connection = db.session.connection()
    members = (
        select(Case.id, Case.border_point_id, Case.registered_at, Case.status, Case.pathway,
               Case.arrival_confirmed_on, Case.permit_number, Case.decision_on, Case.principal_id,
               CaseMember.person_id, Person.sex, Person.date_of_birth, Person.nationality)
        .outerjoin(CaseMember, CaseMember.case_id == Case.id)
        .outerjoin(Person, Person.id == CaseMember.person_id)
        .order_by(Case.id)
    )
    if condition is not None:
        # A few days' cases: sorted here, so that the database reads them by the border point's
        # index instead of walking every case in id order.
        members = members.where(condition).order_by(None)
        rows: Iterable[Any] = sorted(connection.execute(members).all(), key=lambda row: row[0])
    else:
        rows = connection.execute(members.execution_options(yield_per=5000))
    for group in _by_case(rows):
        (_, point, registered_at, status, pathway, arrival, permit, decision, principal, *_) = group[0]
        counted.add_case(point, registered_at.date(), registered_at.astimezone(zone).date(), status, pathway,
                         arrival, permit, decision,
                         [(row[10], row[11], row[12], row[9] == principal) for row in group if row[9] is not None])  # fmt: skip

    vulnerable = (
        select(Case.id, Case.border_point_id, Case.registered_at, Case.pathway, PersonVulnerability.code)
        .join(CaseMember, CaseMember.case_id == Case.id)
        .join(PersonVulnerability, PersonVulnerability.person_id == CaseMember.person_id)
        .order_by(Case.id)
    )  # fmt: skip
    if condition is not None:
        vulnerable = vulnerable.where(condition).order_by(None)
        rows = sorted(connection.execute(vulnerable).all(), key=lambda row: row[0])
    else:
        rows = connection.execute(vulnerable.execution_options(yield_per=5000))
    for group in _by_case(rows):
        _, point, registered_at, pathway, _ = group[0]
        counted.add_vulnerabilities(point, registered_at.date(), registered_at.astimezone(zone).date(), pathway,
                                    [row[4] for row in group])  # fmt: skip
    return counted.counts


def _by_case(rows: Iterable[Any]) -> Iterable[list[Any]]:
    """Rows ordered by case id (their first column), grouped per case."""
    group: list[Any] = []
    current = None
    for row in rows:
        if row[0] != current:
            if group:
                yield group
            group = []
            current = row[0]
        group.append(row)
    if group:
        yield group


DAILY_COLUMNS = ("border_point_id", "utc_day", "local_day", "pathway", "figure", "value", "cases", "people")


def _write(counts: dict[Key, list[int]]) -> None:
    writer = BulkWriter(db.session.connection())
    day = writer.day
    # In the table's key order (border point, local day, pathway, figure, value, UTC day): each
    # row then goes next to the one before, not at a random place (a full recount writes 700,000).
    writer.write("daily_figure", DAILY_COLUMNS, sorted((
        (point, day(utc_day), day(local_day), pathway, figure, value[:40], cases, people)
        for (point, utc_day, local_day, pathway, figure, value), (cases, people) in counts.items()
    ), key=_in_key_order))  # fmt: skip


def _in_key_order(row: tuple[Any, ...]) -> tuple[Any, ...]:
    point, utc_day, local_day, pathway, figure, value, _, _ = row
    return point, local_day, pathway, figure, value, utc_day


# --------------------------------------------------------------------------------------------
# Reading the figures
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FigureFilters:
    """What the dashboard and the statistics command filter by: the list's filters of the same name."""

    border_points: tuple[int, ...]
    registered_from: date | None = None
    registered_to: date | None = None
    pathway: str | None = None


@dataclass(frozen=True)
class Count:
    key: str
    cases: int
    people: int


@dataclass
class Figures:
    """Everything the dashboard shows; every count is of the cases the filters select."""

    cases: int = 0
    people: int = 0
    first_day: date | None = None
    last_day: date | None = None
    per: str = "month"
    series: list[Count] = field(default_factory=list)
    by_status: list[Count] = field(default_factory=list)
    by_pathway: list[Count] = field(default_factory=list)
    by_border_point: list[Count] = field(default_factory=list)
    by_nationality: list[Count] = field(default_factory=list)
    by_vulnerability: list[Count] = field(default_factory=list)
    # sex -> age group -> people; and the same for principals (cases)
    sex_age_people: dict[str, dict[str, int]] = field(default_factory=dict)
    sex_age_cases: dict[str, dict[str, int]] = field(default_factory=dict)
    returns_completed: Count = Count("returns_completed", 0, 0)
    regularisations_granted: Count = Count("regularisations_granted", 0, 0)
    median_days_to_return: float | None = None
    median_days_to_permit: float | None = None
    permits_with_decision_date: int = 0
    approvals_waiting: int = 0
    overdue_follow_ups: int | None = None


def figures(filters: FigureFilters, *, timezone: str, per: str | None = None) -> Figures:
    """The figures of the cases registered at `filters.border_points` in the period, as they stand."""
    refresh_figures(timezone)
    result = Figures()
    if not filters.border_points:
        return result
    first, last = _period_of(filters)
    if first is None or last is None:  # nothing registered at these points
        _fill(result, [], filters)
        result.per = per or "month"
        return result
    result.per = per or default_period(first, last)
    months, days = _split_period(filters.registered_from, filters.registered_to)
    rows: list[Any] = []
    for table, period, column in ((MonthlyFigure, months, MonthlyFigure.month),
                                  (DailyFigure, days, DailyFigure.local_day)):  # fmt: skip
        for span in period:
            rows += db.session.execute(
                select(table.figure, table.value, table.border_point_id, table.pathway,
                       func.sum(table.cases), func.sum(table.people))
                .where(*_conditions(table, column, span, filters))
                .group_by(table.figure, table.value, table.border_point_id, table.pathway)
            ).all()
    # The series per month reads the monthly rows too; per week or day, only days will do.
    if result.per != "month":
        months, days = [], [(filters.registered_from, filters.registered_to)]
    series: list[Any] = []
    for table, period, column in ((MonthlyFigure, months, MonthlyFigure.month),
                                  (DailyFigure, days, DailyFigure.local_day)):  # fmt: skip
        for span in period:
            series += db.session.execute(
                select(column, func.sum(table.cases), func.sum(table.people))
                .where(*_conditions(table, column, span, filters), table.figure == STATUS)
                .group_by(column)
            ).all()
    _fill(result, rows, filters)
    _fill_series(result, series, first, last)
    result.overdue_follow_ups = overdue_follow_ups(filters, timezone=timezone)
    return result


Span = tuple[date | None, date | None]


def _conditions(table: Any, column: Any, span: Span, filters: FigureFilters) -> list[Any]:
    conditions = [table.border_point_id.in_(filters.border_points)]
    if span[0] is not None:
        conditions.append(column >= span[0])
    if span[1] is not None:
        conditions.append(column <= span[1])
    if filters.pathway:
        conditions.append(table.pathway == filters.pathway)
    return conditions


def _period_of(filters: FigureFilters) -> Span:
    """The period the figures cover: the filter's dates, or the first and last registration day."""
    first, last = filters.registered_from, filters.registered_to
    if first is None or last is None:
        # Two lookups per border point, each a single step down the primary key (SQLite finds
        # a min() or a max() alone by the index, not both in one query).
        ends = [(db.session.scalar(select(func.min(DailyFigure.local_day)).where(DailyFigure.border_point_id == point)),
                 db.session.scalar(select(func.max(DailyFigure.local_day)).where(DailyFigure.border_point_id == point)))
                for point in filters.border_points]  # fmt: skip
        known = [end for end in ends if end[0] is not None]
        if not known:
            return first, last
        first = first or min(end[0] for end in known)
        last = last or max(end[1] for end in known)
    return first, last


def _split_period(first: date | None, last: date | None) -> tuple[list[Span], list[Span]]:
    """The period as whole months (read from monthly_figure) and the days around them.

    Returns (month spans, day spans); None is an open end. E.g. 10 Jan to 20 Mar: the month of
    February, and the days 10-31 Jan and 1-20 Mar.
    """
    whole_from = first if first is None or first.day == 1 else _next_month(period_start(first, "month"))
    if last is None:
        whole_to: date | None = None
    else:
        month = period_start(last, "month")
        whole_to = month if last == _next_month(month) - timedelta(days=1) else _previous_month(month)
    if whole_from is not None and whole_to is not None and whole_from > whole_to:
        return [], [(first, last)]
    days: list[Span] = []
    if first is not None and whole_from is not None and first < whole_from:
        days.append((first, whole_from - timedelta(days=1)))
    if last is not None and whole_to is not None and _next_month(whole_to) <= last:
        days.append((_next_month(whole_to), last))
    return [(whole_from, whole_to)], days


def _previous_month(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def _fill(result: Figures, rows: Sequence[Any], filters: FigureFilters) -> None:
    totals: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    by_point: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    by_pathway: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for figure, value, point, pathway, cases, people in rows:
        cases, people = int(cases or 0), int(people or 0)
        entry = totals[figure][value]
        entry[0] += cases
        entry[1] += people
        if figure == STATUS:
            for target in (by_point[point], by_pathway[pathway]):
                target[0] += cases
                target[1] += people

    def counts(figure: str, order: Iterable[str] | None = None) -> list[Count]:
        found = totals.get(figure, {})
        keys = list(order) if order is not None else sorted(found, key=lambda key: (-found[key][1], key))
        return [Count(key, *found.get(key, [0, 0])) for key in keys]

    result.by_status = counts(STATUS, list(CaseStatus))
    result.cases = sum(count.cases for count in result.by_status)
    result.people = sum(count.people for count in result.by_status)
    result.approvals_waiting = next(c.cases for c in result.by_status if c.key == CaseStatus.RETURN_REQUESTED)
    result.by_pathway = [Count(code, *by_pathway.get(code, [0, 0])) for code in Pathway]
    codes = dict(db.session.execute(
        select(BorderPoint.id, BorderPoint.code).where(BorderPoint.id.in_(filters.border_points))
    ).all())  # fmt: skip
    result.by_border_point = sorted(
        (Count(codes[point], *by_point.get(point, [0, 0])) for point in codes), key=lambda c: c.key
    )
    result.by_nationality = counts(NATIONALITY)
    result.by_vulnerability = [c for c in counts(VULNERABILITY, list(Vulnerability))]
    for value, (cases, people) in totals.get(SEX_AGE, {}).items():
        sex, _, group = value.partition("/")
        result.sex_age_people.setdefault(sex, {})[group] = people
        result.sex_age_cases.setdefault(sex, {})[group] = cases
    for sex in [*Sex, *result.sex_age_people]:
        for table in (result.sex_age_people, result.sex_age_cases):
            row = table.setdefault(sex, {})
            for group in AGE_GROUP_CODES:
                row.setdefault(group, 0)

    returns = totals.get(RETURN_DAYS, {})
    result.returns_completed = Count("returns_completed", sum(v[0] for v in returns.values()),
                                     sum(v[1] for v in returns.values()))  # fmt: skip
    result.median_days_to_return = median_of_histogram({int(k): v[0] for k, v in returns.items()})
    permits = totals.get(PERMIT_DAYS, {})
    result.regularisations_granted = Count("regularisations_granted", sum(v[0] for v in permits.values()),
                                           sum(v[1] for v in permits.values()))  # fmt: skip
    dated = {int(k): v[0] for k, v in permits.items() if k != UNKNOWN_DAYS}
    result.permits_with_decision_date = sum(dated.values())
    result.median_days_to_permit = median_of_histogram(dated)


def _fill_series(result: Figures, rows: Sequence[Any], first: date, last: date) -> None:
    result.first_day, result.last_day = first, last
    periods = periods_between(first, last, result.per)
    totals: dict[date, list[int]] = {start: [0, 0] for start in periods}
    for day, cases, people in rows:
        bucket = totals.get(period_start(day, result.per))
        if bucket is not None:
            bucket[0] += int(cases or 0)
            bucket[1] += int(people or 0)
    result.series = [Count(start.isoformat(), *totals[start]) for start in periods]


def overdue_follow_ups(filters: FigureFilters, *, timezone: str) -> int | None:
    """How many follow-ups of the selected cases are past their due date and not done.

    "Today" is the border points' day (`timezone`); a closed case's follow-ups no longer count,
    as in the supervisor's queue.
    """
    from registry.models import Case, FollowUp

    zone = ZoneInfo(timezone)
    today = datetime.now(zone).date()
    conditions = [
        FollowUp.done_on.is_(None),
        FollowUp.due_on < today,
        Case.status != CaseStatus.CLOSED,
        Case.border_point_id.in_(filters.border_points),
    ]
    if filters.registered_from is not None:
        start = datetime.combine(filters.registered_from, time(), zone)
        conditions.append(Case.registered_at >= start)
    if filters.registered_to is not None:
        end = datetime.combine(filters.registered_to + timedelta(days=1), time(), zone)
        conditions.append(Case.registered_at < end)
    if filters.pathway:
        conditions.append(Case.pathway == filters.pathway)
    query = select(func.count()).select_from(FollowUp).join(Case, FollowUp.case_id == Case.id)
    return int(db.session.scalar(query.where(*conditions)) or 0)


def dashboard(actor: User, border_point: str | None, registered_from: date | None,
              registered_to: date | None, pathway: str | None, *, timezone: str,
              per: str | None = None) -> Figures:  # fmt: skip
    """The dashboard's figures, within the actor's border points (one of them if `border_point`)."""
    points = [point for point in list_border_points(actor) if border_point in (None, point.code)]
    filters = FigureFilters(border_points=tuple(point.id for point in points),
                            registered_from=registered_from, registered_to=registered_to,
                            pathway=pathway)  # fmt: skip
    return figures(filters, timezone=timezone, per=per)


# --------------------------------------------------------------------------------------------
# The monthly report (flask registry stats)
# --------------------------------------------------------------------------------------------

ReportRow = tuple[str, str, str, str]  # figure, category, subcategory, value
REPORT_HEADER = ("figure", "category", "subcategory", "value")


def report_rows(first: date, last: date, border_points: Sequence[str], pathway: str | None, *,
                timezone: str) -> list[ReportRow]:  # fmt: skip
    """The figures of the cases registered from `first` to `last` at the given points (all if none),
    one figure a row: the long format a spreadsheet pivots."""
    if last < first:
        raise InvalidDetails(N_("The end of the period is before its start."))
    if pathway is not None and pathway not in set(Pathway):
        raise InvalidDetails(N_("Unknown pathway: %(pathway)s."), params={"pathway": pathway})
    known = {point.code: point.id for point in db.session.scalars(select(BorderPoint))}
    codes = [code.strip().upper() for code in border_points]
    for code in codes:
        if code not in known:
            raise InvalidDetails(N_("Unknown border point: %(code)s."), params={"code": code})
    ids = tuple(known[code] for code in codes) if codes else tuple(known.values())
    result = figures(FigureFilters(ids, first, last, pathway), timezone=timezone, per="month")
    audit.record("stats_report", actor=None, actor_username="(command line)", object_type="figures",
                 details={"registered_from": first.isoformat(), "registered_to": last.isoformat(),
                          "border_points": codes, "pathway": pathway})  # fmt: skip

    def number(value: float | int | None) -> str:
        if value is None:
            return ""
        return str(int(value)) if float(value).is_integer() else f"{value:.1f}"

    rows: list[ReportRow] = [
        ("people_registered", "", "", number(result.people)),
        ("cases_registered", "", "", number(result.cases)),
    ]
    for month in result.series:
        rows.append(("people_registered_per_month", month.key[:7], "", number(month.people)))
    for month in result.series:
        rows.append(("cases_registered_per_month", month.key[:7], "", number(month.cases)))
    for name, counts in (("status", result.by_status), ("pathway", result.by_pathway),
                         ("border_point", result.by_border_point)):  # fmt: skip
        rows += [(f"cases_by_{name}", c.key, "", number(c.cases)) for c in counts]
        rows += [(f"people_by_{name}", c.key, "", number(c.people)) for c in counts]
    for sex, groups in result.sex_age_people.items():
        rows += [("people_by_sex_and_age", sex, group, number(n)) for group, n in groups.items()]
    for sex, groups in result.sex_age_cases.items():
        rows += [("cases_by_sex_and_age_of_principal", sex, group, number(n)) for group, n in groups.items()]
    rows += [("people_by_nationality", c.key, "", number(c.people)) for c in result.by_nationality]
    rows += [("cases_by_nationality_of_principal", c.key, "", number(c.cases)) for c in result.by_nationality]
    rows += [("people_by_vulnerability", c.key, "", number(c.people)) for c in result.by_vulnerability]
    rows += [("cases_with_vulnerability", c.key, "", number(c.cases)) for c in result.by_vulnerability]
    rows += [
        ("returns_completed", "", "", number(result.returns_completed.cases)),
        ("people_returned", "", "", number(result.returns_completed.people)),
        ("median_days_registration_to_return", "", "", number(result.median_days_to_return)),
        ("regularisations_granted", "", "", number(result.regularisations_granted.cases)),
        ("people_regularised", "", "", number(result.regularisations_granted.people)),
        ("median_days_registration_to_permit", "", "", number(result.median_days_to_permit)),
        ("approvals_waiting", "", "", number(result.approvals_waiting)),
        ("overdue_follow_ups", "", "", number(result.overdue_follow_ups)),
    ]
    return rows


def write_csv(rows: Iterable[ReportRow], stream: TextIO) -> None:
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(REPORT_HEADER)
    writer.writerows(rows)
