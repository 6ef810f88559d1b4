"""The declarative base, the column types shared by every model, and SQLite's connection settings."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A moment in time, stored as naive UTC (SQLite has no time zones), read back as aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TurnTakingConnection(sqlite3.Connection):
    """A SQLite connection whose write transactions line up on a file lock before BEGIN IMMEDIATE.

    SQLite's busy handler waits for the write lock by sleeping and trying again, the sleeps
    growing to 100 ms: with many workers writing, the lock often lay free while its waiters
    slept, and a page's short audit write waited hundreds of milliseconds. A blocking `flock`
    on a file beside the database hands the turn over the moment it is given back, in every
    process and thread (each connection opens the file for itself). The lock file only orders
    writers that take turns; SQLite's own lock still guards the data against any other writer
    (the command line, a backup), which simply goes through SQLite's busy handler as before.
    """

    _turns: int | None = None
    _holding = False

    def __init__(self, database: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        name = str(database)
        # An in-memory or URI database has no file to put the lock beside.
        self._turns_path = None if name in ("", ":memory:") or name.startswith("file:") else f"{name}-writers"

    def take_turn(self) -> None:
        """Wait for the writers' turn. A thread already holding one (a second connection in the
        same request) does not wait for itself: it goes through SQLite's busy handler instead."""
        if self._turns_path is None or self._holding or getattr(_held, "count", 0):
            return
        if self._turns is None:
            try:
                self._turns = os.open(self._turns_path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError:  # a read-only directory: SQLite's busy handler alone, as without it
                self._turns_path = None
                return
        fcntl.flock(self._turns, fcntl.LOCK_EX)
        self._holding = True
        _held.count = getattr(_held, "count", 0) + 1

    def give_turn_back(self) -> None:
        if self._holding and self._turns is not None:
            fcntl.flock(self._turns, fcntl.LOCK_UN)
            self._holding = False
            _held.count -= 1

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.give_turn_back()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.give_turn_back()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.give_turn_back()
            if self._turns is not None:
                os.close(self._turns)
                self._turns = None


# How many writers' turns the current thread holds (0 or 1, except in a nested transaction).
_held = threading.local()


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """WAL, foreign keys and a busy timeout; transactions are begun by _begin_immediate below."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own BEGIN is deferred).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# Execution option of a connection that only reads, in one consistent snapshot (see below).
READ_ONLY = "registry_read_only"


@event.listens_for(Engine, "begin")
def _begin_immediate(conn: Any) -> None:
    """On SQLite take the write lock when a transaction starts.

    Nearly every request writes (at least its audit row). A deferred transaction that reads and
    then writes fails at once with SQLITE_BUSY when another writer got in between; an immediate
    one waits its turn (busy_timeout) instead, so concurrent officers never see "database is locked".
    """
    if conn.dialect.name == "sqlite":
        # A long read (an export) asks for a plain BEGIN: a snapshot that never blocks writers.
        read_only = conn.get_execution_options().get(READ_ONLY, False)
        if read_only:
            conn.exec_driver_sql("BEGIN")
            return
        dbapi_connection = conn.connection.dbapi_connection
        if isinstance(dbapi_connection, TurnTakingConnection):
            dbapi_connection.take_turn()
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            if isinstance(dbapi_connection, TurnTakingConnection):
                dbapi_connection.give_turn_back()
            raise
