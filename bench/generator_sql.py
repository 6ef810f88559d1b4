"""CPU per person when SQLite itself makes a batch's rows: a measure for the generator's design.

    python -m bench.generator_sql --schema-from instance/registry.sqlite3 [--people 20000] [--repeat 3]

`registry/synthetic.py` makes each person in Python (~55-65 µs of CPU) and binds the rows into a
batch's database (~45-50 µs). Here the same tables of an in-memory database (their own CREATE
TABLE statements, read from a migrated registry) are filled by `INSERT ... SELECT` statements over
a counter: every random draw a hash of (seed, row, field) on 31-bit values (products stay below
2^63), names and name parts from small lookup tables. The workflow is simplified (one pathway, up
to `departed`; fixed texts): enough rows of each table, with the columns filled as the generator
fills them, to time what SQLite costs per person, table by table (bench/PAGES.md, "Generator,
fifth round"). Not a generator: nothing here is checked against the workflow's rules.
"""

# The statements below are this script's own text, no input in them.
# ruff: noqa: S608
from __future__ import annotations

import argparse
import sqlite3
import time

TABLES = ("person", "person_name_token", "person_match_key", "identity_document", "person_vulnerability",
          "case_file", "case_member", "case_event", "follow_up")  # fmt: skip
NATIONALITIES = ("BDI", "COD", "RWA", "UGA", "SOM", "ETH", "KEN")
NOW = 1_764_320_000  # a moment in November 2025, in seconds since 1970
SPAN = 94_608_000  # three years


def h(row: str, field: int) -> str:
    """SQL for a hash of (seed, row, field) in [0, 2^31 - 1): each product stays below 2^63."""
    return (f"(((((({row}) * 48271 + {field} * 69621 + :seed) % 2147483647) * 48271 + {field}) % 2147483647)"
            " * 16807 % 2147483647)")  # fmt: skip


def u(row: str, field: int) -> str:
    """SQL for a uniform draw in [0, 1)."""
    return f"({h(row, field)} / 2147483647.0)"


def moment(seconds: str) -> str:
    """SQLAlchemy's SQLite format for a moment given in seconds since 1970."""
    return f"(datetime({seconds}, 'unixepoch') || '.000000')"


def statements() -> dict[str, list[str]]:
    status = ("CASE {steps} WHEN 0 THEN 'registered' WHEN 1 THEN 'screening' WHEN 2 THEN 'return_requested' "
              "WHEN 3 THEN 'return_approved' WHEN 4 THEN 'travel_ready' ELSE 'departed' END")  # fmt: skip
    last = "CASE {steps} WHEN 0 THEN p.registered WHEN 1 THEN p.t1 WHEN 2 THEN p.t2 WHEN 3 THEN p.t3 WHEN 4 THEN p.t4 ELSE p.t5 END"
    return {
        "households": [f"""
            CREATE TEMP TABLE household AS
            WITH RECURSIVE counter(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM counter WHERE i < :cases - 1),
            drawn AS (SELECT i, {u('i', 1)} AS u1, {u('i', 2)} AS u2 FROM counter)
            SELECT i AS case_index,
                   1 + CASE WHEN u1 < 0.58 THEN 0 WHEN u1 < 0.70 THEN 1 WHEN u1 < 0.80 THEN 2 WHEN u1 < 0.88 THEN 3
                            WHEN u1 < 0.94 THEN 4 WHEN u1 < 0.98 THEN 5 ELSE 6 END AS size,
                   CASE WHEN u2 < 0.46 THEN 'BDI' WHEN u2 < 0.72 THEN 'COD' WHEN u2 < 0.80 THEN 'RWA' WHEN u2 < 0.86 THEN 'UGA'
                        WHEN u2 < 0.91 THEN 'SOM' WHEN u2 < 0.95 THEN 'ETH' ELSE 'KEN' END AS nationality,
                   {NOW} - {h('i', 3)} % {SPAN} AS registered, {h('i', 4)} % 4 + 1 AS point, {h('i', 5)} % 3 + 1 AS officer
            FROM drawn""",
            """CREATE TEMP TABLE numbered AS SELECT h.*, sum(size) OVER (ORDER BY case_index ROWS UNBOUNDED PRECEDING) - size AS first
               FROM temp.household h"""],
        "person": [f"""
            INSERT INTO person (id, given_names, family_name, other_names, search_name, sex, date_of_birth, dob_precision,
                nationality, country_of_birth, place_of_origin, languages, phone, phone_digits_reversed, photo_filename,
                created_at, updated_at, version, merged_into_id)
            SELECT p.id, g.name, f.name, '', lower(g.name || ' ' || f.name), p.sex, date(p.born, 'unixepoch'),
                   CASE WHEN {u('p.id', 12)} < 0.6 THEN 'exact' ELSE 'estimated' END, p.nationality, p.nationality,
                   'Bujumbura', '["run", "swa"]', CASE WHEN p.member = 0 AND {u('p.id', 13)} < 0.5 THEN '+257 7' || ({h('p.id', 14)} % 1000000) END,
                   NULL, NULL, p.at, p.at, 1, NULL
            FROM (SELECT n.first + m.member + 1 AS id, m.member, n.nationality, {moment('n.registered')} AS at,
                         CASE WHEN {h('n.first + m.member', 10)} % 2 = 0 THEN 'female' ELSE 'male' END AS sex,
                         n.registered - 86400 * ({h('n.first + m.member', 11)} % 25000) AS born
                  FROM temp.numbered n JOIN temp.member m ON m.member < n.size) p
            JOIN temp.given g ON g.nationality = p.nationality AND g.sex = p.sex AND g.i = {h('p.id', 15)} % 25
            JOIN temp.family f ON f.nationality = p.nationality AND f.i = {h('p.id', 16)} % 40"""],
        "keys and tokens": ["""
            INSERT INTO person_match_key (key, person_id)
            SELECT CASE part.kind WHEN 'key' THEN part.text WHEN 'key_year' THEN part.text || substr(p.date_of_birth, 1, 4)
                                  WHEN 'key_year_sex' THEN part.text || substr(p.date_of_birth, 1, 4) || '.' || substr(p.sex, 1, 1)
                                  ELSE part.text || p.date_of_birth END, p.id
            FROM person p JOIN temp.name_part part ON part.name_id = p.id % 14000 AND part.kind <> 'token'
            WHERE part.kind <> 'key_date' OR p.dob_precision = 'exact' ORDER BY 1, 2""",
            """INSERT INTO person_name_token (token, person_id) SELECT part.text, p.id FROM person p
               JOIN temp.name_part part ON part.name_id = p.id % 14000 AND part.kind = 'token' ORDER BY 1, 2"""],
        "documents, vulnerabilities": [f"""
            INSERT INTO identity_document (person_id, type, number, number_normalised, issuing_country, expiry_date)
            SELECT id, 'passport', 'P' || ({h('id', 20)} % 9000000 + 1000000), 'P' || ({h('id', 20)} % 9000000 + 1000000),
                   nationality, date_of_birth
            FROM person WHERE {u('id', 21)} < 0.2""",
            f"INSERT INTO person_vulnerability (person_id, code, note) SELECT id, 'disability', NULL FROM person WHERE {u('id', 22)} < 0.05"],
        "members": ["""INSERT INTO case_member (case_id, person_id, relationship)
            SELECT n.case_index + 1, n.first + m.member + 1, CASE WHEN m.member = 0 THEN 'head' ELSE 'child' END
            FROM temp.numbered n JOIN temp.member m ON m.member < n.size"""],
        "path": [f"""CREATE TEMP TABLE path AS
            WITH drawn AS (SELECT case_index, point, officer, registered,
                    registered + CAST(86400 * 4 * {u('case_index', 32)} AS INTEGER) AS t1,
                    CAST(86400 * (2 + 23 * {u('case_index', 33)}) AS INTEGER) AS d2, CAST(86400 * (1 + 7 * {u('case_index', 34)}) AS INTEGER) AS d3,
                    CAST(86400 * (3 + 17 * {u('case_index', 35)}) AS INTEGER) AS d4, CAST(86400 * (1 + 5 * {u('case_index', 36)}) AS INTEGER) AS d5
                FROM temp.numbered)
            SELECT case_index, point, officer, registered, t1, t1 + d2 AS t2, t1 + d2 + d3 AS t3, t1 + d2 + d3 + d4 AS t4,
                   t1 + d2 + d3 + d4 + d5 AS t5,
                   CASE WHEN t1 > {NOW} THEN 0 WHEN t1 + d2 > {NOW} THEN 1 WHEN t1 + d2 + d3 > {NOW} THEN 2
                        WHEN t1 + d2 + d3 + d4 > {NOW} THEN 3 WHEN t1 + d2 + d3 + d4 + d5 > {NOW} THEN 4 ELSE 5 END AS steps
            FROM drawn"""],
        "events": [f"""INSERT INTO case_event (case_id, at, actor_id, kind, from_status, to_status, reason, details, case_version)
            SELECT p.case_index + 1, {moment(last.format(steps='s.step'))}, p.officer,
                   CASE WHEN s.step = 0 THEN 'registered' ELSE 'transition' END,
                   CASE WHEN s.step > 0 THEN {status.format(steps='s.step - 1')} END, {status.format(steps='s.step')}, NULL,
                   CASE s.step WHEN 0 THEN '{{"border_point": "MNY", "consent_given": true}}' WHEN 1 THEN json_object('fear_of_return', 'no')
                        WHEN 2 THEN json_object('destination_country', 'BDI', 'destination_place', 'Gitega') ELSE '{{}}' END, 1
            FROM temp.path p JOIN temp.step s ON s.step <= p.steps"""],
        "cases": [f"""INSERT INTO case_file (id, border_point_id, principal_id, principal_nationality, status, pathway, priority,
                assigned_to_id, version, submission_id, registered_at, registered_by_id, arrival_date, entry_type, circumstances,
                consent_given, consent_scope, consent_date, consent_recorded_by_id, consent_language, fear_of_return,
                fear_of_return_cleared, fear_of_return_cleared_by_id, fear_of_return_cleared_reason, return_requested_by_id,
                return_approved_by_id, return_approved_on, bid_decided_on, bid_outcome, family_assessment_on, destination_country,
                destination_place, travel_document, departure_date, departure_point, transport_mode, escort_required,
                fit_to_travel_on, arrival_confirmed_on, permit_type, application_reference, submitted_on, decision_on,
                permit_number, permit_valid_until, closure_reason, updated_at, status_changed_at, priority_raised, case_number)
            SELECT p.case_index + 1, p.point, n.first + 1, n.nationality, {status.format(steps='p.steps')},
                   CASE WHEN p.steps >= 2 THEN 'voluntary_return' ELSE 'undecided' END, 'normal', p.officer, 1, NULL,
                   {moment('p.registered')}, p.officer, date(p.registered - 86400 * ({h('p.case_index', 40)} % 4), 'unixepoch'),
                   CASE {h('p.case_index', 41)} % 4 WHEN 0 THEN 'regular' WHEN 3 THEN 'unknown' ELSE 'irregular' END, 'intercepted',
                   1, 'case_management', date(p.registered, 'unixepoch'), p.officer, 'run',
                   CASE WHEN p.steps >= 1 THEN 'no' END, 0, NULL, NULL,
                   CASE WHEN p.steps >= 2 THEN p.officer END, CASE WHEN p.steps >= 3 THEN 4 END,
                   CASE WHEN p.steps >= 3 THEN date(p.t3, 'unixepoch') END, NULL, NULL, NULL,
                   CASE WHEN p.steps >= 2 THEN 'BDI' END, CASE WHEN p.steps >= 2 THEN 'Gitega' END,
                   CASE WHEN p.steps >= 4 THEN 'laissez_passer LP' || ({h('p.case_index', 42)} % 900000 + 100000) END,
                   CASE WHEN p.steps >= 4 THEN date(p.t5, 'unixepoch') END, CASE WHEN p.steps >= 4 THEN 'Kigoma port' END,
                   CASE WHEN p.steps >= 4 THEN 'bus' END, 0, CASE WHEN p.steps >= 4 THEN date(p.t4, 'unixepoch') END,
                   NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                   {moment(last.format(steps='p.steps'))}, {moment(last.format(steps='p.steps'))}, 0, '#' || (p.case_index + 1)
            FROM temp.path p JOIN temp.numbered n ON n.case_index = p.case_index"""],
        "follow-ups": [f"""INSERT INTO follow_up (case_id, title, due_on, created_at, created_by_id, done_on, done_by_id)
            SELECT case_index + 1, 'Check the travel document', date(t1 + 86400 * 10, 'unixepoch'), {moment('t1')}, officer,
                   date(t1 + 86400 * 12, 'unixepoch'), officer
            FROM temp.path WHERE {u('case_index', 50)} < 0.3"""],
    }  # fmt: skip


def lookups(database: sqlite3.Connection) -> None:
    """Names by nationality and sex, and for 14,000 spellings their tokens and key parts (as many
    rows of each kind per spelling as `_Names` gives the generator's names)."""
    database.execute("CREATE TEMP TABLE given (nationality, sex, i, name, PRIMARY KEY (nationality, sex, i))")
    database.execute("CREATE TEMP TABLE family (nationality, i, name, PRIMARY KEY (nationality, i))")
    database.execute("CREATE TEMP TABLE member (member INTEGER PRIMARY KEY)")
    database.execute("CREATE TEMP TABLE step (step INTEGER PRIMARY KEY)")
    database.execute("CREATE TEMP TABLE name_part (name_id INTEGER NOT NULL, kind TEXT NOT NULL, text TEXT NOT NULL, "
                     "PRIMARY KEY (name_id, kind, text)) WITHOUT ROWID")  # fmt: skip
    for nationality in NATIONALITIES:
        database.executemany("INSERT INTO temp.given VALUES (?, ?, ?, ?)",
                             [(nationality, sex, i, f"{nationality} {sex} {i}") for sex in ("female", "male") for i in range(25)])  # fmt: skip
        database.executemany("INSERT INTO temp.family VALUES (?, ?, ?)",
                             [(nationality, i, f"Family {nationality} {i}") for i in range(40)])  # fmt: skip
    database.executemany("INSERT INTO temp.member VALUES (?)", [(i,) for i in range(7)])
    database.executemany("INSERT INTO temp.step VALUES (?)", [(i,) for i in range(6)])
    kinds = (("token", 2), ("key", 3), ("key_year", 2), ("key_year_sex", 2), ("key_date", 1))
    database.executemany("INSERT INTO temp.name_part VALUES (?, ?, ?)", (
        (name, kind, f"{kind}:{name}.{k}") for name in range(14_000) for kind, count in kinds for k in range(count)
    ))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--schema-from", required=True, help="an empty, migrated SQLite registry (its tables' definitions)")
    parser.add_argument("--people", type=int, default=20_000, help="people in a batch")
    parser.add_argument("--repeat", type=int, default=3, help="batches made, one after the other")
    arguments = parser.parse_args()
    with sqlite3.connect(arguments.schema_from) as source:
        schema = [source.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()[0]
                  for table in TABLES]  # fmt: skip
    database = sqlite3.connect(":memory:", isolation_level=None)
    for sql in schema:
        database.execute(sql)
    lookups(database)
    spent: dict[str, float] = {}
    parameters = {"seed": 2026, "cases": int(arguments.people / 2.12)}  # 2.12 people a household
    for _ in range(arguments.repeat):
        database.execute("BEGIN")
        for table in (*TABLES, "temp.household", "temp.numbered", "temp.path"):
            database.execute(f"DROP TABLE IF EXISTS {table}" if table.startswith("temp.") else f"DELETE FROM {table}")
        for stage, sqls in statements().items():
            started = time.process_time()
            for sql in sqls:
                database.execute(sql, {name: value for name, value in parameters.items() if f":{name}" in sql})
            spent[stage] = spent.get(stage, 0.0) + time.process_time() - started
        started = time.process_time()
        database.execute("COMMIT")
        size = len(database.serialize())
        spent["serialize"] = spent.get("serialize", 0.0) + time.process_time() - started
    people = arguments.people * arguments.repeat
    for stage, seconds in spent.items():
        print(f"{stage:28s} {seconds / people * 1e6:6.1f} µs/person")
    print(f"{'in all':28s} {sum(spent.values()) / people * 1e6:6.1f} µs/person  (a batch: {size / 1e6:.0f} MB)")
    print({table: database.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in TABLES})


if __name__ == "__main__":
    main()
