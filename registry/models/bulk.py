"""Writing many rows at once, the fastest way each database offers (synthetic data, recounts).

The ORM and even Core's executemany spend more time preparing each row than the database spends
storing it. Here rows are tuples already in the driver's formats, handed to the driver's own
executemany (SQLite) or COPY (PostgreSQL). Triggers still fire; defaults do not apply, so every
column not listed must be nullable or have a server default.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection


class Formats:
    """Values in one database's driver formats: `day`, `moment` and `json`. Needs no connection,
    so that rows can be made in another process than the one writing them."""

    day: Callable[[date | None], Any]
    moment: Callable[[datetime], Any]
    json: Callable[[Any], str]

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        self.json = json.dumps
        if dialect == "sqlite":
            self.day = lambda value: value.isoformat() if value is not None else None
            self.moment = _sqlite_moment
        else:
            self.day = lambda value: value
            self.moment = lambda value: value.astimezone(UTC).replace(tzinfo=None)


def _sqlite_moment(value: datetime) -> str:
    """SQLAlchemy's own storage format for SQLite: naive UTC, microseconds always written, so
    that text comparisons order moments correctly."""
    if value.tzinfo is not UTC:  # most moments are UTC already: astimezone() is the costly part
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


class BulkWriter(Formats):
    """Rows for one connection's database, with its formats."""

    def __init__(self, connection: Connection) -> None:
        super().__init__(connection.dialect.name)
        self.connection = connection

    def write(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        names = ", ".join(f'"{name}"' for name in columns)
        raw: Any = self.connection.connection.dbapi_connection
        if self.dialect == "sqlite":
            marks = ", ".join("?" for _ in columns)
            raw.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)  # noqa: S608 - the loader's own table and column names
        else:
            with raw.cursor() as cursor, cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
