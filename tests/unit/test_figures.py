"""The rules behind the figures: age groups, medians, periods, spreadsheet-safe text."""

from __future__ import annotations

import statistics
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.domain.figures import (
    age_group,
    default_period,
    median_of_histogram,
    period_start,
    periods_between,
    permit_granted,
    return_completed,
    spreadsheet_safe,
)

REGISTERED = date(2026, 6, 15)


@pytest.mark.parametrize("born, group", [
    (date(2026, 6, 15), "0-4"),
    (date(2021, 6, 16), "0-4"),  # 4 the day before their fifth birthday
    (date(2021, 6, 15), "5-11"),  # 5 on the day
    (date(2014, 6, 16), "5-11"),
    (date(2014, 6, 15), "12-17"),
    (date(2008, 6, 16), "12-17"),  # a day short of 18: still a child
    (date(2008, 6, 15), "18-59"),
    (date(1966, 6, 16), "18-59"),
    (date(1966, 6, 15), "60+"),
    (date(1910, 1, 1), "60+"),
    (None, "unknown"),
    (date(2026, 6, 16), "unknown"),  # born after registration: an error in the record
])  # fmt: skip
def test_age_group_is_the_age_on_the_day_of_registration(born, group):
    assert age_group(born, REGISTERED) == group


def test_a_birthday_on_29_february_counts_from_1_march():
    assert age_group(date(2008, 2, 29), date(2026, 2, 28)) == "12-17"
    assert age_group(date(2008, 2, 29), date(2026, 3, 1)) == "18-59"


@given(st.lists(st.integers(min_value=-5, max_value=400), min_size=1, max_size=60))
def test_median_of_a_histogram_is_the_median_of_its_values(values):
    histogram: dict[int, int] = {}
    for value in values:
        histogram[value] = histogram.get(value, 0) + 1
    assert median_of_histogram(histogram) == statistics.median(values)


def test_median_of_nothing_is_none():
    assert median_of_histogram({}) is None and median_of_histogram({3: 0}) is None


def test_returns_and_permits_count_while_returned_regularised_or_then_closed():
    arrived = date(2026, 1, 5)
    assert return_completed("returned", arrived) and return_completed("closed", arrived)
    assert not return_completed("screening", arrived)  # reopened after the return
    assert not return_completed("departed", None)
    assert permit_granted("regularised", "RP1") and permit_granted("closed", "RP1")
    assert not permit_granted("closed", None) and not permit_granted("refused", "RP1")


@pytest.mark.parametrize("day, per, start", [
    (date(2026, 3, 18), "day", date(2026, 3, 18)),
    (date(2026, 3, 18), "week", date(2026, 3, 16)),  # a Monday
    (date(2026, 3, 16), "week", date(2026, 3, 16)),
    (date(2026, 3, 22), "week", date(2026, 3, 16)),  # the Sunday closing that week
    (date(2026, 3, 18), "month", date(2026, 3, 1)),
])  # fmt: skip
def test_period_start(day, per, start):
    assert period_start(day, per) == start


def test_periods_between_includes_empty_ones_and_crosses_years():
    assert periods_between(date(2025, 11, 20), date(2026, 2, 3), "month") == [
        date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]  # fmt: skip
    assert periods_between(date(2026, 1, 1), date(2026, 1, 3), "day") == [
        date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 3)]  # fmt: skip
    assert len(periods_between(date(2026, 1, 1), date(2026, 12, 31), "week")) == 53


def test_default_period_keeps_a_chart_readable():
    assert default_period(date(2026, 1, 1), date(2026, 2, 15)) == "day"
    assert default_period(date(2026, 1, 1), date(2026, 9, 1)) == "week"
    assert default_period(date(2023, 1, 1), date(2026, 9, 1)) == "month"


@pytest.mark.parametrize("text, safe", [
    ("=SUM(A1:A3)", "'=SUM(A1:A3)"),
    ("+255 712 345 678", "'+255 712 345 678"),
    ("-2+3", "'-2+3"),
    ("@cmd", "'@cmd"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("＝1+1", "'＝1+1"),  # the full-width equals sign some spreadsheets also read
    ("Ndayishimiye", "Ndayishimiye"),
    ("Jean-Pierre", "Jean-Pierre"),  # a dash inside is harmless
    ("", ""),
])  # fmt: skip
def test_spreadsheet_safe_neutralises_what_would_be_computed(text, safe):
    assert spreadsheet_safe(text) == safe


@pytest.mark.parametrize("first, last, months, days", [
    (date(2026, 1, 10), date(2026, 3, 20), [(date(2026, 2, 1), date(2026, 2, 1))],
     [(date(2026, 1, 10), date(2026, 1, 31)), (date(2026, 3, 1), date(2026, 3, 20))]),
    (None, None, [(None, None)], []),
    (date(2026, 1, 1), date(2026, 1, 31), [(date(2026, 1, 1), date(2026, 1, 1))], []),
    (date(2026, 1, 5), date(2026, 1, 20), [], [(date(2026, 1, 5), date(2026, 1, 20))]),
    (date(2026, 1, 31), date(2026, 2, 1), [], [(date(2026, 1, 31), date(2026, 2, 1))]),
    (None, date(2026, 3, 20), [(None, date(2026, 2, 1))], [(date(2026, 3, 1), date(2026, 3, 20))]),
    (date(2025, 12, 10), None, [(date(2026, 1, 1), None)], [(date(2025, 12, 10), date(2025, 12, 31))]),
])  # fmt: skip
def test_a_period_is_read_as_whole_months_and_the_days_around_them(first, last, months, days):
    from registry.services.stats import _split_period

    assert _split_period(first, last) == (months, days)
