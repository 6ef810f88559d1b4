"""Figures for supervisors and reports: counted from the pre-counted daily figures, kept true.

Every figure describes the cases registered in the chosen period (all time by default) at the
chosen border points, as they stand now: how many, where, of which nationality, sex and age group
(at registration), in which status, how many returned or regularised and how fast. Cases are
counted once; people are the members the cases cover (the principal and their household).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, func, insert, or_, select, text

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
from registry.domain.vocabulary import CaseStatus, Pathway, Sex, Vulnerability
from registry.extensions import db
from registry.models import (
    BorderPoint,
    Case,
    CaseMember,
    DailyFigure,
    DailyFigureBasis,
    DailyFigureStale,
    Person,
    PersonVulnerability,
    User,
)
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
    last_stale = session.scalar(select(func.max(DailyFigureStale.id)))
    if basis is None or basis.timezone != timezone:
        recount_all(timezone)
        return -1
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
    for start in range(0, len(wanted), 50):
        batch = wanted[start:start + 50]
        session.execute(delete(DailyFigure).where(or_(*(
            and_(DailyFigure.border_point_id == point, DailyFigure.utc_day == day) for point, day in batch
        ))))  # fmt: skip
        condition = or_(*(
            and_(Case.border_point_id == point, Case.registered_at >= _utc_midnight(day),
                 Case.registered_at < _utc_midnight(day + timedelta(days=1)))
            for point, day in batch
        ))  # fmt: skip
        _write(_count(condition, zone))
    session.execute(delete(DailyFigureStale).where(DailyFigureStale.id <= last_stale))
    session.flush()
    return len(partitions)


def recount_all(timezone: str) -> None:
    """Count every case again (a first count, a change of time zone, a large import)."""
    session = db.session
    last_stale = session.scalar(select(func.max(DailyFigureStale.id)))
    session.execute(delete(DailyFigure))
    _write(_count(None, ZoneInfo(timezone)))
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


def _count(condition: Any, zone: ZoneInfo) -> dict[Key, list[int]]:
    """The daily figures of the cases `condition` selects (all cases when None)."""
    counts: dict[Key, list[int]] = defaultdict(lambda: [0, 0])

    def add(key: Key, cases: int, people: int) -> None:
        entry = counts[key]
        entry[0] += cases
        entry[1] += people

    members = (
        select(Case.id, Case.border_point_id, Case.registered_at, Case.status, Case.pathway,
               Case.arrival_confirmed_on, Case.permit_number, Case.decision_on, Case.principal_id,
               CaseMember.person_id, Person.sex, Person.date_of_birth, Person.nationality)  # fmt: skip
        .outerjoin(CaseMember, CaseMember.case_id == Case.id)
        .outerjoin(Person, Person.id == CaseMember.person_id)
        .order_by(Case.id)
    )
    if condition is not None:
        members = members.where(condition)
    for rows in _by_case(db.session.execute(members.execution_options(yield_per=5000))):
        case = rows[0]
        local_day = case.registered_at.astimezone(zone).date()
        base = (case.border_point_id, case.registered_at.date(), local_day, case.pathway)
        people = [row for row in rows if row.person_id is not None]
        add((*base, STATUS, case.status), 1, len(people))
        for person in people:
            principal = int(person.person_id == case.principal_id)
            group = age_group(person.date_of_birth, local_day)
            add((*base, SEX_AGE, f"{person.sex}/{group}"), principal, 1)
            add((*base, NATIONALITY, person.nationality), principal, 1)
        if return_completed(case.status, case.arrival_confirmed_on):
            days = str((case.arrival_confirmed_on - local_day).days)
            add((*base, RETURN_DAYS, days), 1, len(people))
        if permit_granted(case.status, case.permit_number):
            days = str((case.decision_on - local_day).days) if case.decision_on else UNKNOWN_DAYS
            add((*base, PERMIT_DAYS, days), 1, len(people))

    vulnerable = (
        select(Case.id, Case.border_point_id, Case.registered_at, Case.pathway,
               PersonVulnerability.person_id, PersonVulnerability.code)  # fmt: skip
        .join(CaseMember, CaseMember.case_id == Case.id)
        .join(PersonVulnerability, PersonVulnerability.person_id == CaseMember.person_id)
        .order_by(Case.id)
    )
    if condition is not None:
        vulnerable = vulnerable.where(condition)
    for rows in _by_case(db.session.execute(vulnerable.execution_options(yield_per=5000))):
        case = rows[0]
        local_day = case.registered_at.astimezone(zone).date()
        base = (case.border_point_id, case.registered_at.date(), local_day, case.pathway)
        codes = [row.code for row in rows]
        for code in codes:
            add((*base, VULNERABILITY, code), 0, 1)
        for code in set(codes):
            add((*base, VULNERABILITY, code), 1, 0)
    return counts


def _by_case(rows: Iterable[Any]) -> Iterable[list[Any]]:
    """Rows ordered by case id, grouped per case."""
    group: list[Any] = []
    for row in rows:
        if group and row.id != group[0].id:
            yield group
            group = []
        group.append(row)
    if group:
        yield group


def _write(counts: dict[Key, list[int]]) -> None:
    rows = [
        {"border_point_id": point, "utc_day": utc_day, "local_day": local_day, "pathway": pathway,
         "figure": figure, "value": value[:40], "cases": cases, "people": people}
        for (point, utc_day, local_day, pathway, figure, value), (cases, people) in counts.items()
    ]  # fmt: skip
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(DailyFigure), rows[start:start + 5000])


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
    conditions = [DailyFigure.border_point_id.in_(filters.border_points)]
    if filters.registered_from:
        conditions.append(DailyFigure.local_day >= filters.registered_from)
    if filters.registered_to:
        conditions.append(DailyFigure.local_day <= filters.registered_to)
    if filters.pathway:
        conditions.append(DailyFigure.pathway == filters.pathway)
    rows = db.session.execute(
        select(DailyFigure.figure, DailyFigure.value, DailyFigure.border_point_id, DailyFigure.pathway,
               func.sum(DailyFigure.cases), func.sum(DailyFigure.people))  # fmt: skip
        .where(*conditions)
        .group_by(DailyFigure.figure, DailyFigure.value, DailyFigure.border_point_id, DailyFigure.pathway)
    ).all()
    days = db.session.execute(
        select(DailyFigure.local_day, func.sum(DailyFigure.cases), func.sum(DailyFigure.people))
        .where(*conditions, DailyFigure.figure == STATUS)
        .group_by(DailyFigure.local_day)
    ).all()
    _fill(result, rows, filters)
    _fill_series(result, days, filters, per)
    result.overdue_follow_ups = overdue_follow_ups(filters, timezone=timezone)
    return result


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


def _fill_series(result: Figures, days: Sequence[Any], filters: FigureFilters, per: str | None) -> None:
    counted = {day: (int(cases or 0), int(people or 0)) for day, cases, people in days}
    first = filters.registered_from or (min(counted) if counted else None)
    last = filters.registered_to or (max(counted) if counted else None)
    result.first_day, result.last_day = first, last
    if first is None or last is None:
        result.per = per or "month"
        return
    result.per = per or default_period(first, last)
    periods = periods_between(first, last, result.per)
    totals: dict[date, list[int]] = {start: [0, 0] for start in periods}
    for day, (cases, people) in counted.items():
        bucket = totals.get(period_start(day, result.per))
        if bucket is not None:
            bucket[0] += cases
            bucket[1] += people
    result.series = [Count(start.isoformat(), *totals[start]) for start in periods]


def overdue_follow_ups(filters: FigureFilters, *, timezone: str) -> int | None:
    """How many follow-ups of the selected cases are past their due date and not done.

    Not available yet: follow-ups are recorded by the workflow pages, which come separately.
    When their table exists, count its open rows due before today (in `timezone`) whose case is
    at one of `filters.border_points` (and matches the period and pathway), and return the number.
    None is shown as "not available", never as 0.
    """
    return None


def dashboard(actor: User, border_point: str | None, registered_from: date | None,
              registered_to: date | None, pathway: str | None, *, timezone: str,
              per: str | None = None) -> Figures:  # fmt: skip
    """The dashboard's figures, within the actor's border points (one of them if `border_point`)."""
    points = [point for point in list_border_points(actor) if border_point in (None, point.code)]
    filters = FigureFilters(border_points=tuple(point.id for point in points),
                            registered_from=registered_from, registered_to=registered_to,
                            pathway=pathway)  # fmt: skip
    return figures(filters, timezone=timezone, per=per)
