"""Benchmark of the duplicate check: recall, precision and latency on SQLite at 10k to 1M people.

python -m bench.dedupe [--sizes 10000,100000,1000000] [--rebuild] [--compare-keys]
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import multiprocessing
import os
import resource
import sqlite3
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from bench.dedupe_data import (
    ARABIC_SCRIPT,
    CHUNK,
    ETHIOPIC_SCRIPT,
    SPELLINGS,
    EvaluationPlan,
    Query,
    Registration,
    generate_chunk,
    misspell,
)
from registry.domain import dedupe
from registry.domain.dedupe import (
    LIKELY,
    Identity,
    Match,
    blocking_keys,
    candidate_ids,
    key_limit,
    lookup_keys,
    rank,
)

OUT = Path(__file__).parent / "out"
SEED = 1

SCHEMA = """
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT);
CREATE TABLE person (
    id INTEGER PRIMARY KEY,
    given_names TEXT NOT NULL, family_name TEXT NOT NULL, other_names TEXT NOT NULL,
    sex TEXT NOT NULL, date_of_birth TEXT, dob_precision TEXT, nationality TEXT NOT NULL,
    phone TEXT
);
CREATE TABLE identity_document (
    person_id INTEGER NOT NULL, number TEXT NOT NULL, number_normalised TEXT NOT NULL
);
-- The clustered primary key is the (key, person_id) index: no second copy of the keys.
CREATE TABLE person_match_key (
    key TEXT NOT NULL, person_id INTEGER NOT NULL, PRIMARY KEY (key, person_id)
) WITHOUT ROWID;
"""
INDEXES = "CREATE INDEX ix_identity_document_person ON identity_document (person_id);"


# --------------------------------------------------------------------------------------------
# Building the database
# --------------------------------------------------------------------------------------------


def _fingerprint(size: int) -> str:
    """Changes when the population or its keys would: then the database is rebuilt."""
    sample = generate_chunk(SEED, 0, 3000) + generate_chunk(SEED, 1, 1000)
    text = repr([(person, sorted(blocking_keys(person.identity()))) for person in sample])
    return hashlib.sha256(f"{size}:{text}".encode()).hexdigest()[:16]


def _chunk_rows(job: tuple[int, int, frozenset[int]]) -> tuple[list, list, list, dict]:
    """Rows of one chunk of people (runs in a worker process)."""
    chunk, count, wanted = job
    gc.disable()  # millions of small objects: the collector would walk them all again and again
    people, documents, keys, originals = [], [], [], {}
    for offset, person in enumerate(generate_chunk(SEED, chunk, count)):
        person_id = chunk * CHUNK + offset + 1
        identity = person.identity()
        people.append(
            (
                person_id,
                person.given_names,
                person.family_name,
                person.other_names,
                person.sex,
                person.date_of_birth.isoformat() if person.date_of_birth else None,
                person.dob_precision,
                person.nationality,
                person.phone,
            )
        )
        documents += [
            (person_id, number, dedupe.normalise_document_number(number))
            for number in person.documents
        ]
        keys += [(key, person_id) for key in blocking_keys(identity)]
        if person_id in wanted:
            originals[person_id] = person
    gc.enable()
    return people, documents, keys, originals


def build(
    size: int, plan: EvaluationPlan, rebuild: bool
) -> tuple[Path, dict[int, Registration], dict]:
    OUT.mkdir(exist_ok=True)
    path = OUT / f"dedupe-{size}.sqlite"
    fingerprint = _fingerprint(size)
    if path.exists() and not rebuild:
        connection = sqlite3.connect(path)
        try:
            stored = connection.execute(
                "SELECT value FROM meta WHERE name = 'fingerprint'"
            ).fetchone()
        except sqlite3.Error:
            stored = None
        if stored and stored[0] == fingerprint:
            kept = _originals(connection, plan.wanted)
            info = dict(connection.execute("SELECT name, value FROM meta").fetchall())
            connection.close()
            return path, kept, info
        connection.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)

    started, cpu_started = time.perf_counter(), _cpu_seconds()
    connection = sqlite3.connect(path, isolation_level=None)
    connection.executescript(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF; PRAGMA cache_size = -1000000;"
        "PRAGMA temp_store = MEMORY;" + SCHEMA
    )
    jobs = [
        (chunk, min(CHUNK, size - chunk * CHUNK), frozenset(plan.wanted))
        for chunk in range((size + CHUNK - 1) // CHUNK)
    ]
    originals: dict[int, Registration] = {}
    key_count = 0
    workers = max(1, min(len(jobs), os.cpu_count() or 1))
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        connection.execute("BEGIN")
        for people, documents, keys, wanted in pool.imap(_chunk_rows, jobs):
            connection.executemany("INSERT INTO person VALUES (?,?,?,?,?,?,?,?,?)", people)
            connection.executemany("INSERT INTO identity_document VALUES (?,?,?)", documents)
            connection.executemany("INSERT INTO person_match_key VALUES (?,?)", keys)
            originals.update(wanted)
            key_count += len(keys)
        connection.execute("COMMIT")
    connection.executescript(INDEXES + "ANALYZE; PRAGMA synchronous = NORMAL;")
    seconds = time.perf_counter() - started
    info = {
        "fingerprint": fingerprint,
        "build_seconds": f"{seconds:.0f}",
        "build_cpu_seconds": f"{_cpu_seconds() - cpu_started:.0f}",
        "keys_per_person": f"{key_count / size:.1f}",
    }
    connection.executemany("INSERT INTO meta VALUES (?, ?)", info.items())
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    return path, originals, info


def _cpu_seconds() -> float:
    """CPU time of this process and its finished workers: the build's cost on a busy machine."""
    own, workers = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


def _originals(connection: sqlite3.Connection, ids: Iterable[int]) -> dict[int, Registration]:
    wanted = sorted(ids)
    marks = ",".join("?" * len(wanted))
    documents: dict[int, list[str]] = defaultdict(list)
    for person_id, number in connection.execute(
        f"SELECT person_id, number FROM identity_document WHERE person_id IN ({marks})", wanted
    ):
        documents[person_id].append(number)
    return {
        row[0]: Registration(
            given_names=row[1],
            family_name=row[2],
            other_names=row[3],
            sex=row[4],
            date_of_birth=date.fromisoformat(row[5]) if row[5] else None,
            dob_precision=row[6],
            nationality=row[7],
            documents=tuple(documents[row[0]]),
            phone=row[8] or "",
        )
        for row in connection.execute(f"SELECT * FROM person WHERE id IN ({marks})", wanted)
    }


# --------------------------------------------------------------------------------------------
# The check, as the registration service would run it
# --------------------------------------------------------------------------------------------


def find_candidates(connection: sqlite3.Connection, identity: Identity) -> set[int]:
    """Person ids sharing a blocking key with `identity`, in one statement."""
    keys = sorted(lookup_keys(identity))
    if not keys:
        return set()
    # Each key is read up to one row past its limit: enough to know it is too common.
    sql = " UNION ALL ".join(
        "SELECT * FROM (SELECT key, person_id FROM person_match_key WHERE key = ? LIMIT ?)"
        for _ in keys
    )
    parameters = [value for key in keys for value in (key, key_limit(key) + 1)]
    return candidate_ids(connection.execute(sql, parameters))


def load_identities(
    connection: sqlite3.Connection, ids: Sequence[int]
) -> list[tuple[int, Identity]]:
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    rows = connection.execute(
        "SELECT id, given_names, family_name, other_names, sex, date_of_birth, dob_precision,"
        " nationality, phone, (SELECT group_concat(number_normalised, ' ') FROM identity_document"
        f" WHERE person_id = person.id) FROM person WHERE id IN ({marks})",
        ids,
    )
    return [
        (
            row[0],
            Identity(
                given_names=row[1],
                family_name=row[2],
                other_names=row[3],
                sex=row[4],
                date_of_birth=date.fromisoformat(row[5]) if row[5] else None,
                dob_precision=row[6],
                nationality=row[7],
                document_numbers=frozenset(row[9].split()) if row[9] else frozenset(),
                phone=row[8] or "",
            ),
        )
        for row in rows
    ]


def check(
    connection: sqlite3.Connection, identity: Identity
) -> tuple[list[tuple[int, Match]], int]:
    """The duplicate check of one registration: candidates by key, loaded, scored, ranked."""
    ids = find_candidates(connection, identity)
    return rank(identity, load_identities(connection, sorted(ids))), len(ids)


# --------------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------------


@dataclass
class Results:
    size: int
    returning: int = 0
    found: int = 0  # the true match among the candidates shown
    found_likely: int = 0  # ... and shown as likely
    blocked: int = 0  # the true match among the candidates loaded
    likely: int = 0
    likely_true: int = 0
    new: int = 0
    alarms: int = 0
    candidates: list[int] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)  # wall clock, seconds
    cpu: list[float] = field(default_factory=list)  # CPU time of the checking thread
    by_kind: Counter[str] = field(default_factory=Counter)
    missed_by_kind: Counter[str] = field(default_factory=Counter)

    def record(
        self, query: Query, ranked: list[tuple[int, Match]], ids: Iterable[int] | None
    ) -> None:
        likely = [cid for cid, match in ranked if match.score >= LIKELY]
        self.likely += len(likely)
        self.likely_true += sum(cid == query.true_id for cid in likely)
        if query.true_id is None:
            self.new += 1
            self.alarms += bool(likely)
            return
        self.returning += 1
        shown = query.true_id in [cid for cid, _ in ranked]
        self.found += shown
        self.found_likely += query.true_id in likely
        if ids is not None:
            self.blocked += query.true_id in ids
        for kind in query.kind.split("+"):
            self.by_kind[kind] += 1
            self.missed_by_kind[kind] += not shown

    @staticmethod
    def percentiles(values: list[float]) -> str:
        ordered = sorted(values) or [0.0]
        return "/".join(
            f"{ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000:.1f}"
            for p in (0.5, 0.95, 0.99)
        )

    def row(self) -> dict[str, str]:
        return {
            "people": f"{self.size:,}",
            "recall@5": f"{self.found / self.returning:.3f}",
            "likely recall": f"{self.found_likely / self.returning:.3f}",
            "likely precision": f"{self.likely_true / max(1, self.likely):.3f}",
            "false alarms": f"{self.alarms / self.new:.1%}",
            "candidates mean/max": f"{statistics.mean(self.candidates):.0f}/{max(self.candidates)}",
            "p50/p95/p99 ms": self.percentiles(self.latencies),
            "CPU p50/p95/p99 ms": self.percentiles(self.cpu),
        }


def evaluate(size: int, returning: int, new: int, rebuild: bool) -> tuple[Results, dict]:
    plan = EvaluationPlan.make(size, returning, new)
    started = time.perf_counter()
    path, originals, info = build(size, plan, rebuild)
    info = {**info, "prepare_seconds": f"{time.perf_counter() - started:.0f}"}
    info["database_mb"] = f"{path.stat().st_size / 1e6:.0f}"
    queries = plan.queries(originals)
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA cache_size = -200000")
    results = Results(size)
    for query in queries[:50]:  # warm the page cache as a running server would be
        check(connection, query.registration.identity())
    for query in queries:
        identity = query.registration.identity()
        start, start_cpu = time.perf_counter(), time.thread_time()
        ids = find_candidates(connection, identity)
        ranked = rank(identity, load_identities(connection, sorted(ids)))
        results.latencies.append(time.perf_counter() - start)
        results.cpu.append(time.thread_time() - start_cpu)
        results.candidates.append(len(ids))
        results.record(query, ranked, ids)
    connection.close()
    return results, info


def print_table(rows: Sequence[dict[str, str]]) -> None:
    if not rows:
        return
    columns = list(dict.fromkeys(column for row in rows for column in row))
    widths = [max(len(c), *(len(r.get(c, "")) for r in rows)) for c in columns]
    print("| " + " | ".join(c.ljust(w) for c, w in zip(columns, widths)) + " |")
    print("| " + " | ".join("-" * w for w in widths) + " |")
    for r in rows:
        print("| " + " | ".join(r.get(c, "").ljust(w) for c, w in zip(columns, widths)) + " |")


# --------------------------------------------------------------------------------------------
# Comparing phonetic keys
# --------------------------------------------------------------------------------------------


def _key_functions() -> dict[str, Callable[[str], str]]:
    import jellyfish

    def folded(token: str) -> str:
        return dedupe.fold(token).replace(" ", "")

    def wrap(function: Callable[[str], str]) -> Callable[[str], str]:
        return lambda token: function(folded(token)) if folded(token) else ""

    return {
        "skeleton (chosen)": dedupe.phonetic_key,
        "metaphone": wrap(jellyfish.metaphone),
        "nysiis": wrap(jellyfish.nysiis),
        "soundex": wrap(jellyfish.soundex),
        "match rating": wrap(jellyfish.match_rating_codex),
        "folded spelling": folded,
    }


def _token_pairs() -> dict[str, list[tuple[str, str]]]:
    """Pairs that are one name (spellings, typos, other scripts) and pairs of different names."""
    import random

    rng = random.Random(3)
    groups = sorted(set(SPELLINGS.values()))
    return {
        "spellings": [(a, b) for group in groups for a in group for b in group if a < b],
        "typos": [(a, misspell(a, rng)) for group in groups for a in group[:1] if len(a) >= 4],
        "scripts": [
            (latin, script)
            for table in (ARABIC_SCRIPT, ETHIOPIC_SCRIPT)
            for latin, script in table.items()
        ],
        "different": [(a[0], b[0]) for a in groups for b in groups if a[0] < b[0]],
    }


def _clear_caches() -> None:
    for cached in (dedupe._part_tokens, dedupe._name_tokens, dedupe._name_keys, dedupe._similarity):
        cached.cache_clear()


def compare_keys(size: int, returning: int, new: int) -> None:
    """Token-level and end-to-end figures for each candidate phonetic key (in memory)."""
    pairs = _token_pairs()
    plan = EvaluationPlan.make(size, returning, new)
    people = [
        person
        for chunk in range((size + CHUNK - 1) // CHUNK)
        for person in generate_chunk(SEED, chunk, min(CHUNK, size - chunk * CHUNK))
    ]
    originals = {person_id: people[person_id - 1] for person_id in plan.wanted}
    queries = plan.queries(originals)
    rows = []
    original_key = dedupe.phonetic_key
    try:
        for name, function in _key_functions().items():
            # The key is swapped where the matcher looks it up; its caches are emptied.
            dedupe.phonetic_key = function  # type: ignore[assignment]
            _clear_caches()
            agree = {
                kind: sum(function(a) == function(b) for a, b in some) / len(some)
                for kind, some in pairs.items()
            }
            results = _evaluate_in_memory(people, queries, size)
            rows.append(
                {
                    "key": name,
                    "same key: spellings": f"{agree['spellings']:.3f}",
                    "typos": f"{agree['typos']:.3f}",
                    "scripts": f"{agree['scripts']:.3f}",
                    "different names": f"{agree['different']:.4f}",
                    "blocking recall": f"{results.blocked / results.returning:.3f}",
                    **{k: v for k, v in results.row().items() if "p50" not in k},
                }
            )
    finally:
        dedupe.phonetic_key = original_key  # type: ignore[assignment]
        _clear_caches()
    counts = ", ".join(f"{len(some):,} {kind}" for kind, some in pairs.items())
    print(f"\nPhonetic keys compared (name pairs: {counts}; {size:,} people in memory)\n")
    print_table(rows)


def _evaluate_in_memory(
    people: Sequence[Registration], queries: Sequence[Query], size: int
) -> Results:
    gc.disable()
    index: dict[str, list[int]] = defaultdict(list)
    identities: list[Identity] = []
    for person_id, person in enumerate(people, 1):
        identity = person.identity()
        identities.append(identity)
        for key in blocking_keys(identity):
            index[key].append(person_id)
    results = Results(size)
    for query in queries:
        identity = query.registration.identity()
        rows = [
            (key, pid)
            for key in lookup_keys(identity)
            for pid in index.get(key, ())[: key_limit(key) + 1]
        ]
        ids = candidate_ids(rows)
        ranked = rank(identity, [(pid, identities[pid - 1]) for pid in ids])
        results.candidates.append(len(ids))
        results.record(query, ranked, ids)
    gc.enable()
    return results


# --------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.dedupe", description=__doc__)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--returning", type=int, default=1000, help="people registered again")
    parser.add_argument("--new", type=int, default=1000, help="people not registered before")
    parser.add_argument("--rebuild", action="store_true", help="rebuild databases even if current")
    parser.add_argument(
        "--compare-keys",
        action="store_true",
        help="compare phonetic keys (in memory, at the first size)",
    )
    parser.add_argument("--by-kind", action="store_true", help="print recall by kind of variation")
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]
    if args.compare_keys:
        compare_keys(sizes[0], args.returning, args.new)
        return
    rows, infos, kinds = [], [], []
    for size in sizes:
        results, info = evaluate(size, args.returning, args.new, args.rebuild)
        rows.append(results.row())
        infos.append(
            {"people": f"{size:,}", **{k: v for k, v in info.items() if k != "fingerprint"}}
        )
        kinds.append(results)
        print(f"{size:,} people done", file=sys.stderr, flush=True)
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"\nDuplicate check on SQLite ({args.returning} people registered again, {args.new} new;"
        f" load average at the end {load} on {os.cpu_count()} CPUs)\n"
    )
    print_table(rows)
    print("\nDatabases\n")
    print_table(infos)
    if args.by_kind:
        print("\nRecall@5 by kind of variation (a query may carry up to three)\n")
        names = sorted(kinds[0].by_kind)
        print_table(
            [
                {
                    "variation": name,
                    **{
                        f"{r.size:,}": f"{1 - r.missed_by_kind[name] / r.by_kind[name]:.3f} ({r.by_kind[name]})"
                        for r in kinds
                    },
                }
                for name in names
            ]
        )


if __name__ == "__main__":
    main()
