"""The rules behind the figures: age groups, what counts as a completed return or a permit, medians."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from registry.domain.i18n import N_
from registry.domain.vocabulary import CaseStatus

# Age at registration, in the groups donors ask for (lower bound, group), youngest first.
AGE_GROUPS: tuple[tuple[int, str], ...] = ((0, "0-4"), (5, "5-11"), (12, "12-17"), (18, "18-59"),
                                           (60, "60+"))  # fmt: skip
UNKNOWN_AGE = "unknown"
AGE_GROUP_CODES: tuple[str, ...] = tuple(group for _, group in AGE_GROUPS) + (UNKNOWN_AGE,)
AGE_GROUP_LABELS = {"0-4": "0–4", "5-11": "5–11", "12-17": "12–17", "18-59": "18–59", "60+": "60+",
                    UNKNOWN_AGE: N_("Age unknown")}  # fmt: skip


def age_on(date_of_birth: date, on: date) -> int:
    """Full years between a date of birth and a day (a birthday on 29 February counts on 1 March)."""
    years = on.year - date_of_birth.year
    if (on.month, on.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def age_group(date_of_birth: date | None, on: date) -> str:
    """The age group of someone born on `date_of_birth`, on the day `on` (their registration)."""
    if date_of_birth is None:
        return UNKNOWN_AGE
    age = age_on(date_of_birth, on)
    if age < 0:
        # A birth date after the registration is an error in the record, not an age.
        return UNKNOWN_AGE
    group = AGE_GROUPS[0][1]
    for lower, name in AGE_GROUPS:
        if age >= lower:
            group = name
    return group


# A return is complete once the arrival is confirmed, and stays counted when the case is then
# closed; a case reopened after its return is back in screening and no longer counts.
RETURN_COUNTED_IN = frozenset({CaseStatus.RETURNED, CaseStatus.CLOSED})
PERMIT_COUNTED_IN = frozenset({CaseStatus.REGULARISED, CaseStatus.CLOSED})


def return_completed(status: str, arrival_confirmed_on: date | None) -> bool:
    return arrival_confirmed_on is not None and status in RETURN_COUNTED_IN


def permit_granted(status: str, permit_number: str | None) -> bool:
    return bool(permit_number) and status in PERMIT_COUNTED_IN


def median_of_histogram(counts: Mapping[int, int]) -> float | None:
    """The median of values given as value -> how many times; None when there are none.

    With an even number of values it is the mean of the two middle ones, as statistics.median.
    """
    total = sum(n for n in counts.values() if n > 0)
    if total == 0:
        return None
    ordered = sorted((value, n) for value, n in counts.items() if n > 0)

    def nth(position: int) -> int:  # 0-based position in the sorted values
        seen = 0
        for value, n in ordered:
            seen += n
            if position < seen:
                return value
        raise AssertionError("position beyond the values")

    if total % 2:
        return float(nth(total // 2))
    return (nth(total // 2 - 1) + nth(total // 2)) / 2


def period_start(day: date, per: str) -> date:
    """The first day of the day's week (Monday, ISO) or month; the day itself for 'day'."""
    if per == "month":
        return day.replace(day=1)
    if per == "week":
        return date.fromordinal(day.toordinal() - day.weekday())
    return day


PERIODS = ("day", "week", "month")


def periods_between(first: date, last: date, per: str) -> list[date]:
    """Every period from the one holding `first` to the one holding `last`, empty ones included."""
    start, end = period_start(first, per), period_start(last, per)
    result: list[date] = []
    current = start
    while current <= end:
        result.append(current)
        if per == "month":
            current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
        elif per == "week":
            current = date.fromordinal(current.toordinal() + 7)
        else:
            current = date.fromordinal(current.toordinal() + 1)
    return result


def default_period(first: date, last: date) -> str:
    """Days for up to two months, weeks up to a year and a half, months beyond: a readable chart."""
    span = (last - first).days
    if span <= 62:
        return "day"
    if span <= 550:
        return "week"
    return "month"


# Characters that make a spreadsheet read a cell as a formula (OWASP: CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def spreadsheet_safe(value: str) -> str:
    """Text a spreadsheet shows as text: a leading apostrophe before a formula's first character."""
    if value and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def spreadsheet_safe_all(values: Iterable[str]) -> list[str]:
    return [spreadsheet_safe(value) for value in values]
