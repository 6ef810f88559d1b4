"""Today as the registry counts it: at the border points (the registry's time zone), not on the
machine running the tests. East Africa is three hours ahead of UTC, so from 21:00 UTC the two
dates differ, and a test that compared a page's "today" with the machine's failed every evening.
A test function takes conftest's `today` fixture (the same date, from the app's settings); this is
for what is built before any fixture runs (parametrize lists, shared form helpers)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from registry.config import Settings


def border_today() -> date:
    return datetime.now(ZoneInfo(Settings.TIMEZONE)).date()
