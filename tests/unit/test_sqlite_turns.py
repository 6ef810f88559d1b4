"""SQLite writers take turns on a file lock before BEGIN IMMEDIATE (models/base.TurnTakingConnection).

SQLite's own busy handler polls with sleeps growing to 100 ms; the turn is handed over the moment
it is given back. These tests hold the engine's connections by hand, with the registry's own
engine settings, on a database file of their own.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

import registry.models  # noqa: F401 - the engine events (WAL, BEGIN IMMEDIATE) are registered on import
from registry.config import engine_options
from registry.models.base import TurnTakingConnection


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    url = f"sqlite:///{tmp_path / 'turns.sqlite3'}"
    engine = create_engine(url, **engine_options(url))
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
    yield engine
    engine.dispose()


def test_the_connections_take_turns_on_a_file_beside_the_database(engine: Engine, tmp_path: Path) -> None:
    with engine.connect() as connection:
        assert isinstance(connection.connection.dbapi_connection, TurnTakingConnection)
        with connection.begin():
            connection.execute(text("INSERT INTO t VALUES (1)"))
    assert (tmp_path / "turns.sqlite3-writers").exists()


def test_a_writer_waits_for_the_turn_and_gets_it_when_given_back(engine: Engine, tmp_path: Path) -> None:
    """The turn, held here without any SQLite transaction, keeps a writer waiting although
    SQLite's own lock is free; given back, the writer goes on at once."""
    turns = os.open(tmp_path / "turns.sqlite3-writers", os.O_RDWR | os.O_CREAT)
    fcntl.flock(turns, fcntl.LOCK_EX)
    began = threading.Event()

    def writer() -> None:
        with engine.connect() as connection, connection.begin():
            began.set()
            connection.execute(text("INSERT INTO t VALUES (2)"))

    thread = threading.Thread(target=writer)
    try:
        thread.start()
        assert not began.wait(0.5)
        fcntl.flock(turns, fcntl.LOCK_UN)
        assert began.wait(5)
        thread.join(5)
    finally:
        os.close(turns)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT n FROM t")).scalars().all() == [2]


def test_two_writers_in_two_threads_one_after_the_other(engine: Engine) -> None:
    order: list[str] = []
    first_has_turn, second_started = threading.Event(), threading.Event()

    def first() -> None:
        with engine.connect() as connection, connection.begin():
            connection.execute(text("INSERT INTO t VALUES (1)"))
            first_has_turn.set()
            second_started.wait(5)
            time.sleep(0.2)  # the second writer is waiting meanwhile
            order.append("first commits")

    def second() -> None:
        first_has_turn.wait(5)
        with engine.connect() as connection:
            second_started.set()
            with connection.begin():  # waits for the turn
                order.append("second begins")
                connection.execute(text("INSERT INTO t VALUES (2)"))

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert order == ["first commits", "second begins"]
    with engine.connect() as connection:
        assert connection.execute(text("SELECT n FROM t ORDER BY n")).scalars().all() == [1, 2]


@pytest.mark.parametrize("ending", ["commit", "rollback", "close"])
def test_the_turn_is_given_back_however_the_transaction_ends(engine: Engine, ending: str) -> None:
    connection = engine.connect()
    transaction = connection.begin()
    connection.execute(text("INSERT INTO t VALUES (1)"))
    raw = connection.connection.dbapi_connection
    assert isinstance(raw, TurnTakingConnection) and raw._holding
    if ending == "commit":
        transaction.commit()
    elif ending == "rollback":
        transaction.rollback()
    connection.close()  # back to the pool, which rolls back what is left
    assert not raw._holding
    def write() -> None:
        with engine.connect() as connection, connection.begin():
            connection.execute(text("INSERT INTO t VALUES (2)"))

    other = threading.Thread(target=write)
    other.start()
    other.join(5)
    assert not other.is_alive()  # another writer got the turn at once


def test_a_thread_holding_the_turn_does_not_wait_for_itself(engine: Engine) -> None:
    """A second connection writing in the same thread goes through SQLite's own busy handling
    (here: "database is locked" at once, with no busy timeout) instead of waiting forever."""
    with engine.connect() as first, first.begin():
        first.execute(text("INSERT INTO t VALUES (1)"))
        with engine.connect() as second:
            second.connection.dbapi_connection.execute("PRAGMA busy_timeout=0")
            with pytest.raises(OperationalError, match="database is locked"):
                second.begin()


def test_a_writer_that_does_not_take_turns_is_still_kept_out_by_sqlite(engine: Engine, tmp_path: Path) -> None:
    outsider = sqlite3.connect(tmp_path / "turns.sqlite3", timeout=0, isolation_level=None)
    try:
        with engine.connect() as connection, connection.begin():
            connection.execute(text("INSERT INTO t VALUES (1)"))
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                outsider.execute("BEGIN IMMEDIATE")
    finally:
        outsider.close()
