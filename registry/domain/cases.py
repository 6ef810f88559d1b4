"""Rules about a case that are not moves: its number and its priority."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from registry.domain.vocabulary import Priority, Vulnerability

# Six digits of sequence, more past 999,999 cases a year (the column holds 24 characters).
CASE_NUMBER = re.compile(r"^(?P<point>[A-Z]{2,8})-(?P<year>\d{4})-(?P<sequence>\d{6,10})$")

# Needs someone today: a child alone, a victim of trafficking, a serious medical condition.
URGENT = frozenset(
    {
        Vulnerability.UNACCOMPANIED_CHILD,
        Vulnerability.SEPARATED_CHILD,
        Vulnerability.TRAFFICKING_VICTIM,
        Vulnerability.SERIOUS_MEDICAL_CONDITION,
    }
)


def format_case_number(border_point_code: str, year: int, sequence: int) -> str:
    """E.g. MNY-2026-000042. Past 999,999 cases a year the number simply grows a digit."""
    return f"{border_point_code}-{year:04d}-{sequence:06d}"


def looks_like_case_number(text: str) -> bool:
    return bool(CASE_NUMBER.match(text.strip().upper()))


def priority_for(vulnerabilities: Iterable[str]) -> Priority:
    codes = set(vulnerabilities)
    if codes & URGENT:
        return Priority.URGENT
    if codes:
        return Priority.HIGH
    return Priority.NORMAL


def raise_only(current: str, derived: str) -> str:
    """Derived priority never lowers one a supervisor raised."""
    order = [Priority.NORMAL, Priority.HIGH, Priority.URGENT]
    return max(current, derived, key=lambda p: order.index(Priority(p)))


ADULT_AGE = 18


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def children_without_adult(birth_dates: Iterable[date | None], today: date) -> bool:
    """A household of children only: every age known and under 18. One person of unknown age may
    be the adult, so the officer decides then (and can tick the vulnerability)."""
    dates = list(birth_dates)
    return bool(dates) and all(born is not None and age_on(born, today) < ADULT_AGE for born in dates)
