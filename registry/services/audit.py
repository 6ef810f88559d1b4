"""Writes the audit log: who did what to which record, from where. Rows are never changed.

The rows form a hash chain. `record()` only queues a row on the session; when the session
commits, the queued rows are numbered and linked under a lock on the one-row chain head
(on PostgreSQL taken by the one statement that hashes and writes each row; SQLite's BEGIN
IMMEDIATE already holds the write lock), so concurrent writers line up and the chain never
forks. The lock is held only from that moment to the commit, never while a page renders.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from sqlalchemy import (
    Connection,
    String,
    and_,
    bindparam,
    cast,
    event,
    func,
    insert,
    inspect,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session, SessionTransaction

from registry.domain.names import fold
from registry.extensions import db
from registry.models import AuditChainHead, AuditEntry, User
from registry.models.audit import GENESIS_HASH
from registry.models.base import utcnow

PENDING = "audit_pending"
RECORDED = "audit_recorded"
# A page read in a snapshot (security.SNAPSHOT_PAGES): the rows it adds wait for its end.
SNAPSHOT = "read_in_a_snapshot"
DEFERRED = "added_after_the_snapshot"
# The column lengths: a value is cut before it is hashed, so the hash covers what is stored.
LIMITS = {"actor_username": 80, "action": 40, "object_type": 30, "object_id": 40, "ip_address": 45}
SEARCH_HASH_LENGTH = 32


def record(
    action: str,
    *,
    actor: User | None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    ip_address: str | None = None,
    details: dict[str, Any] | None = None,
    actor_username: str | None = None,
    search_text: str | None = None,
) -> AuditEntry:
    """Add one audit row to the current transaction. `details` holds field names, never values.

    `search_text` (what a user typed into a search box) is never stored: only keyed hashes of
    the whole query and of each word, so that "did anyone search for X" can be answered.
    """
    details = dict(details or {})
    if search_text and search_text.strip():
        details["search_hashes"] = search_hashes(search_text)
    entry = AuditEntry(
        at=utcnow(),
        actor_id=actor.id if actor is not None else None,
        actor_username=_cut("actor_username", actor.username if actor is not None else actor_username),
        action=_cut("action", action),
        object_type=_cut("object_type", object_type),
        object_id=_cut("object_id", str(object_id) if object_id is not None else None),
        ip_address=_cut("ip_address", ip_address),
        # What the JSON column gives back, so that the hash computed now is the one verified later.
        details=json.loads(json.dumps(details, default=str)),
    )
    session = db.session()
    if not session.in_transaction():
        # So that a rollback, even before any SQL was sent, also forgets this row.
        session.begin()
    session.info.setdefault(PENDING, []).append(entry)
    session.info[RECORDED] = session.info.get(RECORDED, 0) + 1
    return entry


def recorded_count() -> int:
    """How many rows this session (this request) has recorded, committed or not."""
    return int(db.session().info.get(RECORDED, 0))


def _cut(name: str, value: str | None) -> str | None:
    """The value as stored: control characters (a NUL byte in a typed URL, which PostgreSQL
    refuses in text) shown as U+FFFD, then cut to the column's length."""
    if value is None:
        return None
    return _CONTROL.sub("\ufffd", value)[: LIMITS[name]]


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


# --- Search terms: keyed hashes, never text ---------------------------------------------------


def search_hash(term: str) -> str:
    """The keyed hash of one search term, folded as search folds names (accents, case)."""
    key = current_app.config["AUDIT_KEY"].encode()
    digest = hmac.new(key, b"search:" + fold(term).encode(), hashlib.sha256).hexdigest()
    return digest[:SEARCH_HASH_LENGTH]


def search_hashes(text: str) -> list[str]:
    """The whole query's hash first, then each word's: a query of several words is found by one."""
    words = fold(text).split()
    hashes = [search_hash(text)] + [search_hash(word) for word in words if len(words) > 1]
    return list(dict.fromkeys(hashes))


def searched_for(term: str) -> Any:
    """A filter on AuditEntry: rows whose search included `term` (a whole query or one word)."""
    return cast(AuditEntry.details, String).like(f"%{search_hash(term)}%")


# --- The chain ----------------------------------------------------------------------------------


def canonical(entry: Any, seq: int, prev_hash: str) -> bytes:
    """The bytes a row's hash covers: every column but the hash itself, in a fixed form.

    The JSON list [seq, at, actor_id, actor_username, action, object_type, object_id, ip_address,
    details, prev_hash], keys sorted, no spaces, UTF-8. PostgreSQL puts the same bytes together
    around `content(entry)` when it chains a row (see _CHAIN_ONE_ROW)."""
    return f"[{seq},{content(entry)},{json.dumps(prev_hash)}]".encode()


def content(entry: Any) -> str:
    """A row's part of its canonical form, which the chain's seq and previous hash go around."""
    at = entry.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    middle = [
        at, entry.actor_id, entry.actor_username, entry.action, entry.object_type,
        entry.object_id, entry.ip_address, entry.details or {},
    ]  # fmt: skip
    return json.dumps(middle, sort_keys=True, separators=(",", ":"), ensure_ascii=False)[1:-1]


def row_hash(entry: Any, seq: int, prev_hash: str) -> str:
    return hashlib.sha256(canonical(entry, seq, prev_hash)).hexdigest()


# The chain's statements, built once: every request that records a row runs them, and building
# them again each time cost as much as running them.
_LOCKED_HEAD = (select(AuditChainHead.last_seq, AuditChainHead.last_hash)
                .where(AuditChainHead.id == 1).with_for_update())  # fmt: skip
_INSERT_ROWS = insert(AuditEntry.__table__)
_MOVE_HEAD = (update(AuditChainHead.__table__).where(AuditChainHead.__table__.c.id == 1)
              .values(last_seq=bindparam("seq"), last_hash=bindparam("hash")))  # fmt: skip
# On PostgreSQL one statement chains a row: it locks the head, hashes the row with the head's
# seq and hash (the bytes of canonical()), writes it and moves the head. Every audited request in
# the country waits for that lock, held to the commit. Read, hashed in Python and written back,
# it was held for three round trips, after each of which the holder's thread also waited for
# Python's lock behind its worker's other threads (bench/LOAD.md, "Seventh round": backends
# waiting on that row in a third of the samples).
_CHAIN_ONE_ROW = text("""
    WITH head AS (
        SELECT last_seq, last_hash FROM audit_chain_head WHERE id = 1 FOR UPDATE
    ), chained AS (
        SELECT last_seq + 1 AS seq, last_hash AS prev_hash,
               encode(sha256(convert_to('[' || (last_seq + 1) || ',' || CAST(:content AS text)
                                        || ',"' || last_hash || '"]', 'UTF8')), 'hex') AS row_hash
        FROM head
    ), moved AS (
        UPDATE audit_chain_head SET last_seq = chained.seq, last_hash = chained.row_hash
        FROM chained WHERE audit_chain_head.id = 1
    )
    INSERT INTO audit_entry (at, actor_id, actor_username, action, object_type, object_id,
                             ip_address, details, seq, prev_hash, row_hash)
    SELECT :at, :actor_id, :actor_username, :action, :object_type, :object_id, :ip_address,
           :details, seq, prev_hash, row_hash
    FROM chained
    RETURNING seq, prev_hash, row_hash
""").bindparams(bindparam("at", type_=AuditEntry.__table__.c.at.type),
                bindparam("details", type_=AuditEntry.__table__.c.details.type))  # fmt: skip


def _lock_head(connection: Connection) -> tuple[int, str]:
    """The chain's last (seq, hash), its row locked until the commit. Read as a plain row on the
    transaction's connection, not an object: every request that records a row passes here."""
    locked = _LOCKED_HEAD
    head = connection.execute(locked).one_or_none()
    if head is None:
        from sqlalchemy.dialects import postgresql, sqlite

        dialect_insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
        connection.execute(dialect_insert(AuditChainHead).values(id=1, last_seq=0, last_hash=GENESIS_HASH)
                           .on_conflict_do_nothing())  # fmt: skip
        head = connection.execute(locked).one_or_none()
    if head is None:  # inserted just above, unless the table vanished under us
        raise RuntimeError("the audit chain head could not be created")
    return head.last_seq, head.last_hash


@event.listens_for(Session, "before_commit")
def _chain_pending_entries(session: Session) -> None:
    pending: list[AuditEntry] = session.info.pop(PENDING, [])
    if not pending:
        return
    # Everything else is written first: the head's lock is the last one this transaction takes,
    # so two transactions never wait for each other's locks in opposite orders.
    session.flush()
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        _chain_in_the_database(connection, pending)
        return
    seq, previous = _lock_head(connection)
    rows = []
    for entry in pending:
        seq += 1
        entry.seq, entry.prev_hash = seq, previous
        entry.row_hash = previous = row_hash(entry, seq, previous)
        rows.append({column: getattr(entry, column) for column in _WRITTEN})
    # Written as plain rows on the transaction's connection, not through the ORM's unit of work:
    # every page records at least one, and the ORM's flush of it cost as much as the page's
    # two queries. The ORM never sees these rows as objects, so it cannot change them either.
    connection.execute(_INSERT_ROWS, rows)
    connection.execute(_MOVE_HEAD, {"seq": seq, "hash": previous})


def _chain_in_the_database(connection: Connection, pending: list[AuditEntry]) -> None:
    """PostgreSQL: each row chained and written by one statement (_CHAIN_ONE_ROW), in order."""
    for entry in pending:
        parameters = {**{column: getattr(entry, column) for column in _RECORDED}, "content": content(entry)}
        chained = connection.execute(_CHAIN_ONE_ROW, parameters).one_or_none()
        if chained is None:  # the registry's first row: no head yet
            _lock_head(connection)
            chained = connection.execute(_CHAIN_ONE_ROW, parameters).one()
        entry.seq, entry.prev_hash, entry.row_hash = chained


# The columns of a row as written (the id is the database's).
_RECORDED = ("at", "actor_id", "actor_username", "action", "object_type", "object_id", "ip_address", "details")
_WRITTEN = (*_RECORDED, "seq", "prev_hash", "row_hash")


def add_after_reading(obj: object) -> None:
    """Add a row that a page which only reads also writes (a printout's print issue): on a page
    read in a snapshot it is written with the page's audit rows, after the reading (see
    `commit_snapshot`); anywhere else it is added to the session at once."""
    session = db.session()
    if session.info.get(SNAPSHOT):
        session.info.setdefault(DEFERRED, []).append(obj)
    else:
        session.add(obj)


def leave_snapshot(session: Session | None = None) -> None:
    """End the snapshot a request has read in so far: what follows begins a transaction that
    writes, which on SQLite waits its turn for the write lock and holds it for a moment.

    A read snapshot cannot become a write on SQLite once another writer has committed since it
    began (SQLITE_BUSY_SNAPSHOT, whatever the busy timeout): the audit rows it recorded, and the
    rows it added with `add_after_reading`, go to the transaction that follows instead. A form
    checked before it is written calls this before writing; a page that only read, through
    `commit_snapshot`.
    """
    session = session or db.session()
    if not session.info.pop(SNAPSHOT, None):
        return
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("a page read in a snapshot changed data: remove it from SNAPSHOT_PAGES")
    pending: list[AuditEntry] = session.info.pop(PENDING, [])
    deferred: list[object] = session.info.pop(DEFERRED, [])
    session.commit()
    if pending or deferred:
        session.begin()
        session.add_all(deferred)
        session.info[PENDING] = pending


def commit_snapshot(session: Session) -> None:
    """End a transaction that only read, then write what it recorded (see `leave_snapshot`). If
    that write fails, the page fails with it."""
    leave_snapshot(session)
    session.commit()


@event.listens_for(Session, "after_soft_rollback")
def _forget_pending_entries(session: Session, previous: SessionTransaction) -> None:
    # What a rolled-back transaction recorded did not happen (refusals are recorded again after).
    if previous.parent is None:
        session.info.pop(PENDING, None)
        session.info.pop(DEFERRED, None)


@dataclass(frozen=True)
class ChainReport:
    intact: bool
    rows: int
    last_seq: int
    last_hash: str
    broken_seq: int | None = None
    broken_id: int | None = None
    problem: str = ""


def verify_chain(session: Session, batch: int = 2000) -> ChainReport:
    """Recompute every link, oldest first; stop at the first row that does not fit."""
    previous, expected_seq, rows = GENESIS_HASH, 1, 0
    last_id: int | None = None
    for entry in _entries_in_order(session, batch):
        rows += 1
        if entry.seq != expected_seq:
            return ChainReport(False, rows, expected_seq - 1, previous, expected_seq, None,
                               f"it is missing (deleted?): the next row is {entry.seq}")  # fmt: skip
        if entry.prev_hash != previous:
            return ChainReport(False, rows, entry.seq - 1, previous, entry.seq, entry.id,
                               "its link to the previous row is broken (a row before it was "
                               "changed, deleted or moved)")  # fmt: skip
        if row_hash(entry, entry.seq, entry.prev_hash) != entry.row_hash:
            return ChainReport(False, rows, entry.seq - 1, previous, entry.seq, entry.id,
                               "its content does not match its hash (it was changed)")  # fmt: skip
        previous, expected_seq, last_id = entry.row_hash, expected_seq + 1, entry.id
    head = session.get(AuditChainHead, 1)
    last_seq = expected_seq - 1
    if head is None and rows:
        return ChainReport(False, rows, last_seq, previous, last_seq, last_id,
                           "the chain head is missing")  # fmt: skip
    if head is not None and (head.last_seq != last_seq or head.last_hash != previous):
        return ChainReport(False, rows, last_seq, previous, head.last_seq, None,
                           f"the last rows are missing: the chain head names row {head.last_seq}")  # fmt: skip
    return ChainReport(True, rows, last_seq, previous)


def _entries_in_order(session: Session, batch: int) -> Iterator[Any]:
    """The rows as plain tuples (no ORM objects: a million rows are verified in minutes)."""
    table = AuditEntry.__table__
    after = None
    while True:
        query = select(table).order_by(table.c.seq).limit(batch)
        if after is not None:
            query = query.where(table.c.seq > after)
        rows = session.execute(query).all()
        if not rows:
            return
        yield from rows
        after = rows[-1].seq


# --- Reading the log ----------------------------------------------------------------------------


def changed_fields(obj: Any) -> list[str]:
    """The names of the attributes of a loaded model changed since it was loaded (never values)."""
    state = inspect(obj)
    return sorted(
        attr.key for attr in state.attrs
        if attr.key in state.mapper.column_attrs and attr.history.has_changes()
    )  # fmt: skip


@dataclass(frozen=True)
class AuditFilters:
    username: str | None = None
    action: str | None = None
    object_id: str | None = None
    ip_address: str | None = None
    search_term: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def search_log(filters: AuditFilters, page: int, per_page: int) -> tuple[list[AuditEntry], int]:
    """The log's rows matching every filter given, newest first, and how many there are."""
    query = select(AuditEntry)
    if filters.username:
        query = query.where(func.lower(AuditEntry.actor_username) == filters.username.lower())
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    if filters.object_id:
        query = query.where(or_(AuditEntry.object_id == filters.object_id.strip(),
                                AuditEntry.object_id == filters.object_id.strip().upper()))  # fmt: skip
    if filters.ip_address:
        query = query.where(AuditEntry.ip_address == filters.ip_address.strip())
    if filters.search_term:
        query = query.where(searched_for(filters.search_term))
    if filters.since:
        query = query.where(AuditEntry.at >= filters.since)
    if filters.until:
        query = query.where(AuditEntry.at < filters.until)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(
        query.order_by(AuditEntry.seq.desc()).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return list(rows), total


def case_access_history(case_number: str, limit: int = 500) -> list[AuditEntry]:
    """Who opened, printed, changed or was refused this case, newest first."""
    about_case = and_(AuditEntry.object_type == "case", AuditEntry.object_id == case_number)
    # Refusals are recorded against the path asked for (the case may not have existed).
    path = f"/cases/{case_number}"
    refused_path = and_(AuditEntry.object_type == "path", or_(
        AuditEntry.object_id == path,
        AuditEntry.object_id.like(f"{_escape_like(path)}/%", escape="\\"),
    ))  # fmt: skip
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(or_(about_case, refused_path))
            .order_by(AuditEntry.seq.desc())
            .limit(limit)
        )
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def now() -> datetime:
    return datetime.now(UTC)
