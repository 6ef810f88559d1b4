"""Synthetic people and cases for benchmarks: realistic, consistent with the workflow, fast to load.

`generate()` adds N people, grouped in households (one case each), registered over the past years
at the chosen border points, each case moved along the workflow as far as its age allows: every
status appears, with the fields and timeline events its steps record (a departed case has its
travel details, a child approved for return its best-interests determination...), and some get
follow-ups, most done, some overdue. Batches are made in worker processes and written in bulk,
bypassing the ORM: on SQLite each batch is a small database copied table by table, on PostgreSQL
rows sent with COPY. Thousands of people a second. Never point it at a registry holding real
people.
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
import random
import resource
import sqlite3
import time as clock
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from itertools import accumulate
from multiprocessing.connection import Connection as PipeEnd
from typing import TYPE_CHECKING, Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select, text

from registry.domain import dedupe
from registry.domain.cases import format_case_number, priority_for
from registry.domain.names import name_tokens, phone_digits_reversed
from registry.domain.reference import is_country
from registry.domain.vocabulary import Role
from registry.extensions import db
from registry.models import BorderPoint, Case, CaseSequence, Person, User, user_border_point
from registry.models.bulk import BulkWriter, Formats
from registry.models.person import search_name_of
from registry.services import audit

if TYPE_CHECKING:
    from registry.services.stats import DailyCounts

DEFAULT_POINTS = [("MNY", "Manyovu", "Kigoma"), ("KBG", "Kabanga", "Kagera"),
                  ("RSM", "Rusumo", "Kagera"), ("MTK", "Mutukula", "Kagera")]  # fmt: skip

# Names heard at the region's borders, by origin; accents as people write them.
NAMES: dict[str, tuple[list[str], list[str], list[str]]] = {
    # nationality: (female given names, male given names, family names)
    "BDI": (
        ["Aline", "Claudine", "Divine", "Espérance", "Francine", "Jeanine", "Nadine", "Ange", "Chantal",
         "Odette", "Béatrice", "Consolata", "Dévote", "Gloriose", "Immaculée", "Joséphine", "Libérate",
         "Médiatrice", "Perpétue", "Spès", "Aimée", "Clarisse", "Annonciate", "Sandrine", "Génerose"],
        ["Jean-Pierre", "Emmanuel", "Éric", "Didier", "Thierry", "Olivier", "Patrick", "Innocent",
         "Josué", "Félix", "Gaspard", "Désiré", "Évariste", "Léonidas", "Pacifique", "Révérien",
         "Aloys", "Cyriaque", "Déogratias", "Égide", "Fulgence", "Gédéon", "Japhet", "Onésphore", "Zénon"],
        ["Ndayishimiye", "Niyonzima", "Nshimirimana", "Hakizimana", "Irakoze", "Ndikumana",
         "Bizimana", "Nkurunziza", "Manirakiza", "Nduwimana", "Ntakirutimana", "Niyongabo",
         "Habonimana", "Nsabimana", "Ndayizeye", "Barutwanayo", "Ciza", "Kwizera", "Minani",
         "Ndabaneze", "Ndagijimana", "Nibizi", "Niyibizi", "Nizigiyimana", "Ntirampeba",
         "Nzeyimana", "Sindayigaya", "Hatungimana", "Bigirimana", "Havyarimana", "Ininahazwe",
         "Kanyange", "Mpawenimana", "Ndihokubwayo", "Nimbona", "Ntahomvukiye", "Nyandwi",
         "Sinzinkayo", "Uwimana", "Yamuremye"],
    ),
    "COD": (
        ["Aimérance", "Bénédicte", "Chantal", "Dorcas", "Espérance", "Furaha", "Grâce", "Jolie",
         "Kavira", "Masika", "Neema", "Riziki", "Sifa", "Zawadi", "Mapendo", "Kahindo", "Mwamini",
         "Nsimire", "Bahati", "Faida"],
        ["Amani", "Baraka", "Christian", "Dieudonné", "Espoir", "Fiston", "Glody", "Héritier",
         "Jonathan", "Kambale", "Muhindo", "Patient", "Prince", "Serge", "Trésor", "Kasereka",
         "Paluku", "Mumbere", "Bienvenu", "Chance"],
        ["Kabila", "Mbuyi", "Ilunga", "Tshibanda", "Mukendi", "Kasongo", "Kalala", "Mutombo",
         "Lumumba", "Banza", "Kabongo", "Mwamba", "Ngoy", "Tshisekedi", "Kahindo", "Kambale",
         "Muhindo", "Paluku", "Kavira", "Masika", "Bisimwa", "Cirhuza", "Mugisho", "Bahati",
         "Birindwa", "Mushagalusa", "Zihindula", "Kashama", "Lukusa", "Mbayo"],
    ),
    "RWA": (
        ["Alice", "Claudette", "Diane", "Jeannette", "Uwase", "Mukamana", "Ingabire", "Umutoni",
         "Uwera", "Mutoni", "Keza", "Ishimwe"],
        ["Jean Bosco", "Théoneste", "Innocent", "Olivier", "Eric", "Fabrice", "Gilbert", "Yves",
         "Aimable", "Emmanuel", "Jean Claude", "Vincent"],
        ["Habimana", "Mugisha", "Uwimana", "Niyonsaba", "Nsengiyumva", "Hakizimana", "Munyaneza",
         "Mukamana", "Ndayisaba", "Twagirayezu", "Uwase", "Bizimungu", "Kagame", "Rwigema",
         "Gatera", "Mutabazi", "Ntwali", "Rukundo", "Sibomana", "Tuyisenge"],
    ),
    "UGA": (
        ["Aisha", "Brenda", "Doreen", "Esther", "Florence", "Grace", "Harriet", "Irene", "Juliet",
         "Nakato", "Babirye", "Namubiru"],
        ["Brian", "Denis", "Emmanuel", "Francis", "Geoffrey", "Isaac", "Joseph", "Moses", "Ronald",
         "Kato", "Wasswa", "Ssemakula"],
        ["Okello", "Mugisha", "Nakato", "Ssempijja", "Tumusiime", "Byaruhanga", "Kato", "Mukasa",
         "Namutebi", "Ochieng", "Opio", "Musoke", "Kisakye", "Atuhaire", "Nsubuga", "Lubega"],
    ),
    "SOM": (
        ["Amina", "Faadumo", "Hodan", "Ifrah", "Khadija", "Maryan", "Nasra", "Sahra", "Ubah", "Xaawo",
         "Ayaan", "Hibaaq"],
        ["Abdirahman", "Abdullahi", "Ahmed", "Ali", "Farah", "Hassan", "Ismail", "Mohamed", "Omar",
         "Yusuf", "Cabdi", "Xasan"],
        ["Abdi", "Ahmed", "Ali", "Farah", "Hassan", "Hussein", "Ibrahim", "Jama", "Mohamed", "Mohamud",
         "Nur", "Osman", "Warsame", "Yusuf", "Cali", "Xuseen"],
    ),
    "ETH": (
        ["Almaz", "Bethlehem", "Hirut", "Meseret", "Selam", "Tigist", "Tsion", "Yeshi", "ሰላም", "ትዕግሥት"],
        ["Abebe", "Bekele", "Dawit", "Girma", "Haile", "Mulugeta", "Tesfaye", "Yohannes", "ዳዊት", "ግርማ"],
        ["Alemu", "Bekele", "Desta", "Gebre", "Haile", "Kebede", "Mengistu", "Tadesse", "Tesfaye",
         "Wolde", "ሙሉጌታ", "ተስፋዬ"],
    ),
    "KEN": (
        ["Akinyi", "Atieno", "Wanjiku", "Njeri", "Chebet", "Mumbua", "Nekesa", "Wairimu"],
        ["Kamau", "Kiprono", "Mwangi", "Ochieng", "Otieno", "Wafula", "Kipchoge", "Mutua"],
        ["Kamau", "Kariuki", "Kiprotich", "Mwangi", "Njoroge", "Odhiambo", "Omondi", "Otieno",
         "Wambui", "Wanjiru", "Chege", "Koech"],
    ),
}
# Who arrives at these posts (weights).
NATIONALITIES = [("BDI", 46), ("COD", 26), ("RWA", 8), ("UGA", 6), ("SOM", 5), ("ETH", 4), ("KEN", 2),
                 ("XXX", 2), ("XXA", 1)]  # fmt: skip
COUNTRY_CALLING = {"BDI": "+257", "COD": "+243", "RWA": "+250", "UGA": "+256", "SOM": "+252",
                   "ETH": "+251", "KEN": "+254"}  # fmt: skip
HOUSEHOLD_SIZES = [(1, 58), (2, 12), (3, 10), (4, 8), (5, 6), (6, 4), (7, 2)]
ADULT_VULNERABILITIES = ["disability", "serious_medical_condition", "gbv_survivor", "trafficking_victim",
                         "torture_survivor"]  # fmt: skip
FOLLOW_UPS = ["Check the travel document", "Call the family at the destination", "Medical check before travel",
              "Ask the immigration office about the application", "Visit the child at the shelter",
              "Confirm the arrival with the receiving office", "Collect the missing birth certificate"]
TRANSPORT = ["bus", "minibus", "truck", "on foot with escort", "boat"]
PLACES = {"BDI": ["Bujumbura", "Gitega", "Makamba", "Muyinga", "Ngozi", "Rumonge", "Ruyigi", "Kirundo"],
          "COD": ["Uvira", "Bukavu", "Goma", "Kalemie", "Fizi", "Baraka"],
          "RWA": ["Kigali", "Rusizi", "Nyagatare", "Huye", "Kirehe"],
          "UGA": ["Kampala", "Mbarara", "Masaka", "Kisoro", "Isingiro"],
          "SOM": ["Mogadishu", "Kismayo", "Baidoa", "Beledweyne"],
          "ETH": ["Addis Ababa", "Moyale", "Hawassa", "Jimma"],
          "KEN": ["Nairobi", "Kisumu", "Mombasa", "Eldoret"]}  # fmt: skip


@dataclass(frozen=True)
class Point:
    id: int
    code: str


@dataclass
class Staff:
    """The accounts cases are registered, moved and approved by, per border point."""

    officers: dict[int, list[int]]
    supervisors: dict[int, list[int]]


@dataclass
class Batch:
    """Rows of one batch, table by table, as tuples in the column order of `COLUMNS`; a case's
    row without its number (the last column), which the writing process gives."""

    people: int = 0
    events: int = 0
    first_case_id: int = 0
    # Each case's border point (its index in the points) and year of registration, in order.
    registered: list[tuple[int, int]] = field(default_factory=list)
    rows: dict[str, list[tuple[Any, ...]]] = field(default_factory=lambda: {name: [] for name in (*COLUMNS, "person_name")})
    # SQLite: the names met so far, of which `person_name` rows give the numbers (`DERIVED`).
    names: _Names | None = None
    # On SQLite, the rows as a serialised database instead (see `_Packer`).
    database: bytes | None = None


COLUMNS: dict[str, tuple[str, ...]] = {
    "person": ("id", "given_names", "family_name", "other_names", "search_name", "sex",
               "date_of_birth", "dob_precision", "nationality", "country_of_birth", "place_of_origin",
               "languages", "phone", "phone_digits_reversed", "photo_filename", "created_at",
               "updated_at", "version", "merged_into_id"),
    "person_name_token": ("token", "person_id"),
    "person_match_key": ("key", "person_id"),
    "identity_document": ("person_id", "type", "number", "number_normalised", "issuing_country",
                          "expiry_date"),
    "person_vulnerability": ("person_id", "code", "note"),
    "case_file": ("id", "border_point_id", "principal_id", "principal_nationality", "status", "pathway",
                  "priority", "assigned_to_id", "version", "submission_id", "registered_at",
                  "registered_by_id", "arrival_date", "entry_type", "circumstances", "consent_given",
                  "consent_scope", "consent_date", "consent_recorded_by_id", "consent_language",
                  "fear_of_return", "fear_of_return_cleared", "fear_of_return_cleared_by_id",
                  "fear_of_return_cleared_reason", "return_requested_by_id", "return_approved_by_id",
                  "return_approved_on", "bid_decided_on", "bid_outcome", "family_assessment_on",
                  "destination_country", "destination_place", "travel_document", "departure_date",
                  "departure_point", "transport_mode", "escort_required", "fit_to_travel_on",
                  "arrival_confirmed_on", "permit_type", "application_reference", "submitted_on",
                  "decision_on", "permit_number", "permit_valid_until", "closure_reason", "updated_at",
                  "status_changed_at", "priority_raised", "case_number"),
    "case_member": ("case_id", "person_id", "relationship"),
    "case_event": ("case_id", "at", "actor_id", "kind", "from_status", "to_status", "reason", "details",
                   "case_version"),
    "follow_up": ("case_id", "title", "due_on", "created_at", "created_by_id", "done_on", "done_by_id"),
}  # fmt: skip
# Parents before children: the foreign keys hold at every insert.
TABLE_ORDER = ("person", "person_name_token", "person_match_key", "identity_document", "person_vulnerability",
               "case_file", "case_member", "case_event", "follow_up")  # fmt: skip


@dataclass(frozen=True)
class Generated:
    people: int
    cases: int
    events: int
    seconds_writing: float
    seconds_counting: float
    # CPU time while writing, this process's and its workers': on SQLite, the whole work, whatever
    # the machine's load.
    cpu_seconds_writing: float = 0.0


def generate(people: int, border_points: Sequence[str] = (), *, years: float = 3.0, seed: int = 7,
             timezone: str = "Africa/Dar_es_Salaam", batch_people: int = 20_000,
             progress: Callable[[int], None] | None = None, workers: int | None = None,
             now: datetime | None = None) -> Generated:  # fmt: skip
    """Add `people` synthetic people (and their cases) registered over the past `years` years
    before `now`.

    Batches are made in `workers` processes (by default one per core) while this one writes
    them; each batch from its own seed, so that the same seed gives the same people whatever the
    number of workers. Commits as it goes (one transaction per batch), then recounts the
    dashboard's figures.
    """
    from registry.services import stats

    started, cpu = clock.perf_counter(), clock.process_time() + _workers_cpu()
    found = _border_points(border_points)
    staff = _staff(found)
    # Plain values: the session's objects expire at each commit, and must not be reloaded while
    # the load holds the database.
    points = tuple(Point(point.id, point.code) for point in found)
    db.session.commit()
    ids = _next_ids()
    sequences = {(row.border_point_id, row.year): row.last_value
                 for row in db.session.scalars(select(CaseSequence))}  # fmt: skip
    # The session lets go of the database (SQLite's write lock) while the load has it.
    db.session.commit()
    made = cases = events = 0
    fresh = ids.person == 1 and ids.case == 1
    large = fresh and people >= REBUILD_INDEXES_FROM
    with _bulk_connection(fresh=fresh) as connection, _fresh_load(connection, large) as shortcuts:
        writer = BulkWriter(connection)
        setting = Setting(seed=seed, points=points, staff=staff, now=now or datetime.now(UTC),
                          span=timedelta(days=365.25 * years), timezone=timezone, dialect=writer.dialect,
                          schema=_batch_schema(connection), count_figures=shortcuts)  # fmt: skip
        # The daily figures of every case made, when the load counts them (`Setting`): databases
        # of `counted_figure` rows, one per process that made batches.
        figures: list[bytes] = []
        plans = _plans(random.Random(seed), people, batch_people, ids)  # noqa: S311 - synthetic data, reproducible from its seed, not a secret
        with closing(_made(setting, plans, _workers(workers, people, batch_people), figures)) as batches:
            for batch in batches:
                # Numbered here, in the order of the batches: each number follows the last.
                numbers = []
                for point_index, year in batch.registered:
                    point = points[point_index]
                    sequence = sequences.get((point.id, year), 0) + 1
                    sequences[(point.id, year)] = sequence
                    numbers.append(format_case_number(point.code, year, sequence))
                if batch.database is not None:
                    _copy_batch(connection, batch, numbers)
                else:
                    connection.begin()
                    rows = batch.rows
                    rows["case_file"] = [row + (number,) for row, number in zip(rows["case_file"], numbers, strict=True)]
                    for table in TABLE_ORDER:
                        if rows[table]:
                            writer.write(table, COLUMNS[table], rows[table])
                _save_sequences(connection, sequences)
                connection.commit()
                made += batch.people
                cases += len(numbers)
                events += batch.events
                if progress:
                    progress(made)
        if figures:
            _write_figures(connection, figures)
        if connection.dialect.name == "postgresql":
            for table in ("person", "case_file"):
                # The loop's own two table names, never input.
                sql = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
                connection.execute(text(sql))
            connection.commit()
    written, cpu = clock.perf_counter(), clock.process_time() + _workers_cpu() - cpu
    if shortcuts:
        # The triggers were off (no day was queued for a recount): the daily figures the batches
        # counted of their own cases, written above, replace those of an empty registry.
        stats.recount_all(timezone, written=True)
    else:
        stats.refresh_figures(timezone)
    db.session.commit()
    with db.engine.connect() as analyse:
        if analyse.dialect.name == "postgresql":
            # VACUUM too: until the visibility map says the new pages hold only visible rows, an
            # index-only scan still reads each row's page (the searches' case_member lookups).
            analyse.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        else:
            analyse.execute(text("ANALYZE"))
            analyse.commit()
    return Generated(people=made, cases=cases, events=events, seconds_writing=written - started,
                     seconds_counting=clock.perf_counter() - written, cpu_seconds_writing=cpu)  # fmt: skip


# --------------------------------------------------------------------------------------------
# Batches: planned here, made in worker processes, written here in order
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    """What every batch shares; sent once to each worker process."""

    seed: int
    points: tuple[Point, ...]
    staff: Staff
    now: datetime
    span: timedelta
    timezone: str
    dialect: str
    # SQLite: the loaded tables' CREATE TABLE statements, for a batch's own database.
    schema: tuple[str, ...] | None = None
    # Whether each batch counts the dashboard's daily figures of its cases (a load that
    # recounts them all from scratch afterwards: the triggers are off).
    count_figures: bool = False


@dataclass(frozen=True)
class Plan:
    """One batch: its households' sizes and the first ids it takes, known before it is made."""

    index: int
    first_person_id: int
    first_case_id: int
    sizes: tuple[int, ...]


def _plans(rng: random.Random, people: int, batch_people: int, ids: Ids) -> Iterator[Plan]:
    """The batches in order. Drawing the households' sizes here (cheap) tells each batch its
    first case id, so batches can be made in any order and elsewhere."""
    person_id, case_id, left, index = ids.person, ids.case, people, 0
    while left > 0:
        size = min(batch_people, left)
        sizes = _household_sizes(rng, size)
        yield Plan(index, person_id, case_id, sizes)
        person_id, case_id, left, index = person_id + size, case_id + len(sizes), left - size, index + 1


def _workers(wanted: int | None, people: int, batch_people: int) -> int:
    """Worker processes to make the batches: none for a single batch (a process costs more
    than it saves), otherwise one per core, at most four (the writing is the limit then)."""
    if "fork" not in multiprocessing.get_all_start_methods():  # Windows: the batches are made here
        return 0
    if wanted is not None:
        return wanted
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return 0 if people <= batch_people or cores < 2 else min(cores, 4)


def _made(setting: Setting, plans: Iterable[Plan], workers: int, figures: list[bytes]) -> Iterator[Batch]:
    """The batches of `plans`, in order; at most two a worker ahead of the writing (memory stays
    flat). Batch i is made by worker i modulo the number of workers, each fed through a pipe of
    its own: no lock is shared, so stopping the workers at any moment cannot leave one held.

    When the load counts the figures, each worker counts those of all its batches and sends them
    once, after its last batch, as a database (`_figures_database`) appended to `figures`: sent
    with each batch as Python objects, a batch's figures (a key for nearly every case's day) cost
    the writing process more to receive and add up than its rows cost to copy (bench/PAGES.md,
    "Generator, fifth round")."""
    if workers < 1:
        from registry.services.stats import DailyCounts

        packer = _Packer(setting.schema) if setting.schema is not None else None
        counts = DailyCounts() if setting.count_figures else None
        try:
            for plan in plans:
                yield _batch(setting, plan, packer, counts)
            if counts is not None:
                figures.append(_figures_database(counts.counts))
        finally:
            if packer is not None:
                packer.close()
        return
    # fork: the workers inherit the loaded modules and the setting, and start at once; they
    # never use the parent's database connections.
    context = multiprocessing.get_context("fork")
    pipes: list[PipeEnd] = []
    processes = []
    try:
        for _ in range(workers):
            here, there = context.Pipe()
            process = context.Process(target=_work, args=(setting, there), daemon=True)
            process.start()
            there.close()
            pipes.append(here)
            processes.append(process)
        pending = iter(plans)
        sent = 0
        for _ in range(2 * workers):
            plan = next(pending, None)
            if plan is None:
                break
            pipes[sent % workers].send(plan)
            sent += 1
        received = 0
        while received < sent:
            pipe = pipes[received % workers]
            received += 1
            try:
                made = pipe.recv()
            except EOFError:
                raise RuntimeError("A worker making synthetic data stopped unexpectedly.") from None
            if isinstance(made, BaseException):
                raise made
            plan = next(pending, None)
            if plan is not None:
                pipe.send(plan)
                sent += 1
            yield made
        if setting.count_figures:
            for pipe in pipes:
                pipe.send(None)  # no more batches: the figures counted
                counted = pipe.recv()
                if isinstance(counted, BaseException):
                    raise counted
                figures.append(counted)
    finally:
        for pipe in pipes:
            pipe.close()
        for process in processes:
            process.terminate()
            process.join()


def _work(setting: Setting, pipe: PipeEnd) -> None:
    """A worker process: makes the batches it is sent until its pipe closes; sent None instead
    of a batch's plan, sends the figures of all the batches it made."""
    from registry.services.stats import DailyCounts

    packer = _Packer(setting.schema) if setting.schema is not None else None
    counts = DailyCounts() if setting.count_figures else None
    while True:
        try:
            plan = pipe.recv()
        except EOFError:
            return
        made: Batch | bytes | BaseException
        try:
            made = _batch(setting, plan, packer, counts) if plan is not None else _figures_database(counts.counts)  # type: ignore[union-attr]
        except Exception as error:  # noqa: BLE001 - sent to the writing process, which raises it
            made = error
        pipe.send(made)


def _batch(setting: Setting, plan: Plan, packer: _Packer | None, counts: DailyCounts | None) -> Batch:
    """One batch's rows, from a seed of its own: the same whichever process makes it."""
    # Hundreds of thousands of new tuples would start the cycle collector again and again, each
    # time walking the whole heap (the app's modules included): a fifth of the batch's time.
    # Rows hold no cycles; reference counting frees them.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _rows(setting, plan, packer, counts)
    finally:
        if collecting:
            gc.enable()


def _rows(setting: Setting, plan: Plan, packer: _Packer | None, counts: DailyCounts | None) -> Batch:
    rng = random.Random(f"{setting.seed}/{plan.index}")  # noqa: S311 - synthetic data, reproducible from its seed, not a secret
    zone = ZoneInfo(setting.timezone)
    formats = Formats(setting.dialect)
    households = [_household(rng, size) for size in plan.sizes]
    # Registration moments of the batch, in order, so that case numbers follow them.
    now, span, points = setting.now, setting.span, setting.points
    moments = sorted(now - span * rng.random() for _ in households)
    batch = Batch(people=sum(plan.sizes), first_case_id=plan.first_case_id, names=packer.names if packer else None)
    ids = Ids(plan.first_person_id, plan.first_case_id)
    for household, moment in zip(households, moments, strict=True):
        point_index = rng.randrange(len(points))
        batch.registered.append((point_index, moment.astimezone(zone).year))
        batch.events += _case(rng, batch, ids, household, points[point_index], moment, now, zone,
                              setting.staff, formats, counts)  # fmt: skip
    if packer is not None:
        batch.database = packer.packed(batch)
        batch.rows = {}
        batch.names = None
    return batch


# SQLite: tables whose rows a batch's database makes itself from rows already in it, after the
# rows of TABLE_ORDER, with one statement each: a person's name tokens and the name part of their
# blocking keys come from the names (`_Names`), completed by what `person_name` holds of the
# person (dedupe.stored_keys() makes the same keys: tests/test_synthetic.py). No dearer than
# making each row in Python and binding it (bench/PAGES.md, "Generator, fourth round"); a
# table derived from the names is one more statement here. In key order: inserted faster.
DERIVED: dict[str, str] = {
    "person_name_token": """
        INSERT INTO person_name_token (token, person_id)
        SELECT part.text, person.person_id FROM temp.person_name person
        JOIN temp.name_part part ON part.name_id = person.name_id AND part.kind = 'token'
        ORDER BY 1, 2""",
    "person_match_key": """
        INSERT INTO person_match_key (key, person_id)
        SELECT CASE part.kind WHEN 'key' THEN part.text
                              WHEN 'key_year' THEN part.text || person.birth_year
                              WHEN 'key_year_sex' THEN part.text || person.birth_year || '.' || person.sex
                              ELSE part.text || person.exact_birth END,
               person.person_id
        FROM temp.person_name person
        JOIN temp.name_part part ON part.name_id = person.name_id AND part.kind <> 'token'
        WHERE part.kind <> 'key_date' OR person.exact_birth IS NOT NULL
        ORDER BY 1, 2""",
}
# What `DERIVED` reads: each person's names (by their number in `_Names`) and the rest of the key.
PERSON_NAME = ("person_id", "name_id", "birth_year", "sex", "exact_birth")


class _Names:
    """The names a process has met, numbered: each spelling's tokens and key parts go once into
    the batches' database (`name_part`), whatever the number of people bearing it."""

    def __init__(self) -> None:
        self.numbers: dict[tuple[str, str, str], int] = {}
        self.new: list[tuple[int, _Name]] = []

    def number(self, given_names: str, family_name: str, other_names: str, name: _Name) -> int:
        spelling = (given_names, family_name, other_names)
        number = self.numbers.get(spelling)
        if number is None:
            number = self.numbers[spelling] = len(self.numbers) + 1
            self.new.append((number, name))
        return number


class _Packer:
    """A process's SQLite database for its batches: the loaded tables (without their indexes),
    emptied for each batch, and in its temporary schema the names met so far. A batch's rows go
    in, `DERIVED` adds what SQLite makes from them, and the tables are sent `serialize()`d: the
    writing process copies each table with one statement, row by row in SQLite's own code, where
    the driver's executemany costs it several times that."""

    def __init__(self, schema: Sequence[str]) -> None:
        self.names = _Names()
        self.database = sqlite3.connect(":memory:", isolation_level=None)
        for sql in schema:
            self.database.execute(sql)
        self.database.execute("CREATE TEMP TABLE name_part (name_id INTEGER NOT NULL, kind TEXT NOT NULL, "
                              "text TEXT NOT NULL, PRIMARY KEY (name_id, kind, text)) WITHOUT ROWID")  # fmt: skip
        self.database.execute(f"CREATE TEMP TABLE person_name ({', '.join(PERSON_NAME)})")

    def packed(self, batch: Batch) -> bytes:
        database, rows = self.database, batch.rows
        database.execute("BEGIN")
        for table in (*TABLE_ORDER, "temp.person_name"):
            database.execute(f"DELETE FROM {table}")  # noqa: S608 - the loader's own table names
        database.executemany("INSERT INTO temp.name_part VALUES (?, ?, ?)", (
            (number, kind, text) for number, name in self.names.new for kind, texts in name.parts() for text in texts
        ))  # fmt: skip
        self.names.new.clear()
        # A unique placeholder for the case number (a unique column) until the writer numbers it.
        rows["case_file"] = [(*row, f"#{row[0]}") for row in rows["case_file"]]
        for table in TABLE_ORDER:
            columns = COLUMNS[table]
            names, marks = ", ".join(f'"{name}"' for name in columns), ", ".join("?" for _ in columns)
            database.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows[table])  # noqa: S608 - the loader's own table and column names
        marks = ", ".join("?" for _ in PERSON_NAME)
        database.executemany(f"INSERT INTO temp.person_name VALUES ({marks})", rows["person_name"])  # noqa: S608 - placeholders only
        for sql in DERIVED.values():
            database.execute(sql)
        database.execute("COMMIT")
        return database.serialize()

    def close(self) -> None:
        self.database.close()


def _batch_schema(connection: Connection) -> tuple[str, ...] | None:
    """On SQLite, the CREATE TABLE statements of the loaded tables (without their indexes)."""
    if connection.dialect.name != "sqlite":
        return None
    raw: Any = connection.connection.dbapi_connection
    return tuple(raw.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()[0]
                 for table in TABLE_ORDER)  # fmt: skip


# The schema name under which the bulk connection attaches each batch's database.
BATCH = "batch"


def _columns(raw: Any, table: str) -> list[str]:
    return [row[1] for row in raw.execute(f'PRAGMA main.table_info("{table}")')]


def _workers_cpu() -> float:
    """CPU seconds of this process's finished children (the workers, once their pool is closed)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _copy_batch(connection: Connection, batch: Batch, numbers: list[str]) -> None:
    """Write a batch from its own database, in one transaction: each table copied with one
    statement (SQLite's transfer optimisation copies whole records where it can)."""
    raw: Any = connection.connection.dbapi_connection
    raw.deserialize(batch.database, name=BATCH)  # outside a transaction, as SQLite requires
    connection.begin()
    # The numbers beside the cases, joined in the copy: updating each case's wide row (and the
    # batch's unique index) one statement at a time cost more than copying them.
    raw.execute("CREATE TEMP TABLE IF NOT EXISTS case_number (id INTEGER PRIMARY KEY, number TEXT NOT NULL)")
    raw.execute("DELETE FROM temp.case_number")
    raw.executemany("INSERT INTO temp.case_number VALUES (?, ?)", enumerate(numbers, batch.first_case_id))
    for table in TABLE_ORDER:
        columns = COLUMNS[table]
        names = ", ".join(f'"{name}"' for name in columns)
        if table == "case_file":
            chosen = ", ".join("n.number" if name == "case_number" else f'c."{name}"' for name in columns)
            raw.execute(f'INSERT INTO main.case_file ({names}) SELECT {chosen} FROM {BATCH}.case_file c '  # noqa: S608 - the loader's own column names
                        "JOIN temp.case_number n ON n.id = c.id ORDER BY c.id")
        elif set(columns) == set(_columns(raw, table)):
            # Same columns in the same order (the same CREATE TABLE): SELECT * lets SQLite copy records as they are.
            raw.execute(f'INSERT INTO main."{table}" SELECT * FROM {BATCH}."{table}"')  # noqa: S608 - the loader's own table names
        else:  # a generated id left out: numbered by this database
            raw.execute(f'INSERT INTO main."{table}" ({names}) SELECT {names} FROM {BATCH}."{table}"')  # noqa: S608 - the loader's own table and column names


def _figures_database(counts: dict[Any, list[int]]) -> bytes:
    """Daily figures counted by a process, as a database of `counted_figure` rows (SQLite's
    formats): the writing process adds them up in SQL, where receiving them as Python objects
    and adding them up there cost it seconds at a million people."""
    from registry.services.stats import DAILY_COLUMNS

    with closing(sqlite3.connect(":memory:", isolation_level=None)) as database:
        database.execute(f"CREATE TABLE counted_figure ({', '.join(DAILY_COLUMNS)})")
        database.execute("BEGIN")
        database.executemany("INSERT INTO counted_figure VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (
            (point, utc_day.isoformat(), local_day.isoformat(), pathway, figure, value[:40], cases, people)
            for (point, utc_day, local_day, pathway, figure, value), (cases, people) in counts.items()
        ))  # fmt: skip
        database.execute("COMMIT")
        return database.serialize()


def _write_figures(connection: Connection, databases: Sequence[bytes]) -> None:
    """The daily figures of an empty registry just filled: the sums of those its processes
    counted (`_figures_database`), in the table's key order."""
    from registry.services.stats import DAILY_COLUMNS

    raw: Any = connection.connection.dbapi_connection
    columns = ", ".join(DAILY_COLUMNS)
    raw.execute(f"CREATE TEMP TABLE counted_figure ({columns})")
    for database in databases:
        raw.deserialize(database, name=BATCH)  # outside a transaction, as SQLite requires
        connection.begin()
        raw.execute("INSERT INTO temp.counted_figure SELECT * FROM batch.counted_figure")
        connection.commit()
    key = "border_point_id, local_day, pathway, figure, value, utc_day"  # the primary key
    connection.begin()
    raw.execute("DELETE FROM main.daily_figure")  # an empty registry's, if any were left
    raw.execute(f"INSERT INTO main.daily_figure ({columns}) "  # noqa: S608 - the statistics' own column names
                "SELECT border_point_id, utc_day, local_day, pathway, figure, value, sum(cases), sum(people) "
                f"FROM temp.counted_figure GROUP BY {key} ORDER BY {key}")
    raw.execute("DROP TABLE temp.counted_figure")
    connection.commit()


# --------------------------------------------------------------------------------------------
# Setting up: border points, accounts, identifiers
# --------------------------------------------------------------------------------------------


def _border_points(codes: Sequence[str]) -> list[BorderPoint]:
    from registry.services import accounts

    existing = {point.code: point for point in db.session.scalars(select(BorderPoint))}
    if not codes:
        if existing:
            return [point for point in existing.values() if point.active]
        codes = [code for code, _, _ in DEFAULT_POINTS]
    points = []
    for code in codes:
        code = code.strip().upper()
        if code not in existing:
            name, region = next(((n, r) for c, n, r in DEFAULT_POINTS if c == code), (f"Point {code}", None))
            existing[code] = accounts.add_border_point(code, name, "TZA", region)
        points.append(existing[code])
    db.session.flush()
    return points


# Not an argon2 hash: no password ever matches it, so a synthetic account cannot log in.
NO_PASSWORD = "!synthetic account, no password"  # noqa: S105 - a marker that no password matches


def _staff(points: list[BorderPoint]) -> Staff:
    """Officers and a supervisor holding each point; synthetic ones (who cannot log in) if none."""
    officers: dict[int, list[int]] = {}
    supervisors: dict[int, list[int]] = {}
    for point in points:
        holders = db.session.execute(
            select(User.id, User.role).join(user_border_point, user_border_point.c.user_id == User.id)
            .where(user_border_point.c.border_point_id == point.id, User.active)
        ).all()  # fmt: skip
        officers[point.id] = [user_id for user_id, role in holders if role == Role.OFFICER]
        supervisors[point.id] = [user_id for user_id, role in holders if role == Role.SUPERVISOR]
        for role, found, count in ((Role.OFFICER, officers, 3), (Role.SUPERVISOR, supervisors, 1)):
            for number in range(len(found[point.id]), count):
                username = f"synthetic.{role}.{point.code.lower()}.{number + 1}"
                user = db.session.scalar(select(User).where(User.username == username))
                if user is None:
                    user = User(username=username, password_hash=NO_PASSWORD, role=role,
                                full_name=f"Synthetic {role} {point.code} {number + 1}", border_points=[point])  # fmt: skip
                    db.session.add(user)
                    db.session.flush()
                    audit.record("user_created", actor=None, object_type="user", object_id=user.id,
                                 details={"role": role, "synthetic": True})  # fmt: skip
                found[point.id].append(user.id)
    return Staff(officers=officers, supervisors=supervisors)


@dataclass
class Ids:
    person: int
    case: int


def _next_ids() -> Ids:
    return Ids(person=(db.session.scalar(select(func.max(Person.id))) or 0) + 1,
               case=(db.session.scalar(select(func.max(Case.id))) or 0) + 1)  # fmt: skip


def _save_sequences(connection: Connection, sequences: dict[tuple[int, int], int]) -> None:
    from sqlalchemy.dialects import postgresql, sqlite

    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    for (point, year), value in sequences.items():
        statement = insert(CaseSequence).values(border_point_id=point, year=year, last_value=value)
        connection.execute(statement.on_conflict_do_update(
            index_elements=["border_point_id", "year"], set_={"last_value": value}
        ))  # fmt: skip


@contextmanager
def _bulk_connection(fresh: bool) -> Iterator[Connection]:
    """A connection of its own for the load. On SQLite, foreign keys go unchecked while loading
    (the generator writes parents before children) and temporary data stays in memory: each
    check and each statement journal costs more than the row itself. Filling an empty registry,
    the load does not wait for the disk either (`synchronous=OFF`): a power cut during the load
    may leave the file damaged, and the remedy is the same as for an unfinished load, generating
    it again; an application crash loses nothing committed. The connection is then discarded, so
    that no other request ever gets it with those settings."""
    sqlite = db.engine.dialect.name == "sqlite"
    if sqlite and fresh:
        db.engine.dispose()  # this process's idle connections would keep the file in WAL mode
    connection = db.engine.connect()
    journal_in_memory = False
    try:
        if sqlite:
            raw: Any = connection.connection.dbapi_connection
            # threads: CREATE INDEX and ORDER BY sort with helper threads (the workers are done by then).
            pragmas = ["foreign_keys=OFF", "temp_store=MEMORY", "cache_size=-262144", "threads=4"]
            if fresh:
                pragmas.append("synchronous=OFF")
                journal_in_memory = _journal_in_memory(raw)
            for pragma in pragmas:
                raw.execute(f"PRAGMA {pragma}")
            raw.execute(f"ATTACH DATABASE ':memory:' AS {BATCH}")
        yield connection
    except BaseException:
        connection.rollback()
        raise
    finally:
        if sqlite:
            if journal_in_memory:
                connection.connection.dbapi_connection.execute("PRAGMA journal_mode=WAL")
            connection.invalidate()
        connection.close()


def _journal_in_memory(raw: Any) -> bool:
    """Filling an empty SQLite registry: a rollback journal kept in memory instead of the
    write-ahead log, which writes every page twice (to the log, then, at each checkpoint, to
    the database). A failed batch still rolls back. Only possible while no other connection has
    the file open: otherwise the load keeps WAL, at once, rather than wait for them."""
    raw.execute("PRAGMA busy_timeout=0")
    try:
        return bool(raw.execute("PRAGMA journal_mode=MEMORY").fetchone()[0] == "memory")
    except sqlite3.OperationalError:  # "database is locked": another connection uses the file
        return False
    finally:
        raw.execute("PRAGMA busy_timeout=30000")


# Filling an empty SQLite registry with at least this many people, the load takes the shortcuts
# of `_fresh_load`.
REBUILD_INDEXES_FROM = 50_000
# Indexes a large fill keeps: each batch's entries come after those of the batches before (the
# ids of its people and cases follow theirs), so they go into the index's last pages, already in
# memory. Kept, the index on the eight million blocking keys' people made their copy 14 CPU
# seconds dearer at 1M people; built after the load, its sort took 17-21 CPU seconds and up to a
# minute with the workers idle (bench/PAGES.md, "Generator, fourth round").
KEPT_DURING_LOAD = frozenset({
    "ix_person_match_key_person_id", "ix_person_name_token_person_id", "ix_person_merged_into_id",
    "ix_identity_document_person_id", "ix_case_file_principal_id", "ix_case_file_id_registered",
    "ix_case_member_person_case", "ix_case_event_case_at", "ix_follow_up_case_due",
})  # fmt: skip

# The name search index (CaseNameToken), filled as migration 0703 fills it: every word of every
# member of every case. Sorting the rows in the order of its key first cost more than it saved
# (1M people: 12 s of CPU against 7.5).
CASE_NAME_TOKENS = """INSERT INTO case_name_token (border_point_id, token, registered_at, case_id, person_id)
    SELECT c.border_point_id, t.token, c.registered_at, c.id, t.person_id
    FROM person_name_token t JOIN case_member m ON m.person_id = t.person_id JOIN case_file c ON c.id = m.case_id"""


@contextmanager
def _fresh_load(connection: Connection, large: bool) -> Iterator[bool]:
    """On SQLite, filling an empty registry with many people: the loaded tables' triggers and
    secondary indexes (but those of KEPT_DURING_LOAD) are dropped for the load and created again
    after it, from their own definitions. Yields whether they were.

    Built at once from the whole table, an index costs a sort; kept during the load, each row
    updates every index at a random place (a million cases, eleven indexes on `case_file`). The
    triggers only queue days for the dashboard's recount, which follows the load anyway
    (`recount_all`); those of the name search index are replaced by filling it once at the end
    (`CASE_NAME_TOKENS`). Writing the blocking keys to a plain table and moving them in key order
    at the end did not pay: the sort and the move cost as much as inserting them at random places
    (bench/PAGES.md, "Generator, third round")."""
    if not large or connection.dialect.name != "sqlite":
        yield False
        return
    raw: Any = connection.connection.dbapi_connection
    marks = ", ".join("?" for _ in TABLE_ORDER)
    dropped = raw.execute(
        f"SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND sql IS NOT NULL "  # noqa: S608 - placeholders only
        f"AND tbl_name IN ({marks}) ORDER BY type, name",
        TABLE_ORDER,
    ).fetchall()  # fmt: skip
    dropped = [(kind, name, sql) for kind, name, sql in dropped if name not in KEPT_DURING_LOAD]
    for kind, name, _ in dropped:
        # Names read from sqlite_master just above; `kind` is 'index' or 'trigger'.
        raw.execute(f'DROP {kind.upper()} "{name}"')
    raw.commit()
    try:
        yield True
    except BaseException:
        connection.rollback()  # the unfinished batch, before the indexes and triggers are created again
        raise
    finally:
        for _, _, sql in sorted(dropped):  # indexes before triggers
            raw.execute(sql)
        # What its triggers would have written for whatever was committed (the registry was empty).
        raw.execute(CASE_NAME_TOKENS)
        raw.commit()


# --------------------------------------------------------------------------------------------
# People and households
# --------------------------------------------------------------------------------------------


@dataclass
class Member:
    relationship: str
    sex: str
    age: int
    given_names: str
    family_name: str
    vulnerabilities: list[str] = field(default_factory=list)


@dataclass
class Household:
    nationality: str
    members: list[Member]


def _weighted(rng: random.Random, pairs: Sequence[tuple[Any, int]]) -> Any:
    values, cumulative = _cumulative(tuple(pairs))
    return values[bisect_right(cumulative, rng.random() * cumulative[-1])]


@lru_cache(maxsize=16)
def _cumulative(pairs: tuple[tuple[Any, int], ...]) -> tuple[tuple[Any, ...], tuple[int, ...]]:
    return tuple(value for value, _ in pairs), tuple(accumulate(weight for _, weight in pairs))


# Random's choice() and randint() are written in Python, several calls deep: these take a tenth
# of a batch's time less, for the same uniform draws.
def _one_of(rng: random.Random, values: Sequence[Any]) -> Any:
    return values[int(rng.random() * len(values))]


def _between(rng: random.Random, low: int, high: int) -> int:
    """An integer from `low` to `high`, both included."""
    return low + int(rng.random() * (high - low + 1))


def _household_sizes(rng: random.Random, people: int) -> tuple[int, ...]:
    sizes: list[int] = []
    left = people
    while left > 0:
        size = min(left, _weighted(rng, HOUSEHOLD_SIZES))
        sizes.append(size)
        left -= size
    return tuple(sizes)


def _household(rng: random.Random, size: int) -> Household:
    nationality = _weighted(rng, NATIONALITIES)
    names = NAMES.get(nationality) or NAMES[_weighted(rng, NATIONALITIES[:7])]
    female, male, family = names

    def person(relationship: str, sex: str, age: int, family_name: str) -> Member:
        given = _one_of(rng, female if sex == "female" else male)
        if rng.random() < 0.25:  # a second given name
            given = f"{given} {_one_of(rng, female if sex == 'female' else male)}"
        return Member(relationship, sex, age, given, family_name)

    if size == 1 and rng.random() < 0.05:
        # A child alone: the reason unaccompanied and separated children are urgent.
        child = person("head", _one_of(rng, ["female", "male"]), _between(rng, 9, 17), _one_of(rng, family))
        child.vulnerabilities.append(_one_of(rng, ["unaccompanied_child", "unaccompanied_child", "separated_child"]))
        return Household(nationality, [child])
    head_sex = "male" if rng.random() < 0.6 else "female"
    head = person("head", head_sex, _between(rng, 18, 70), _one_of(rng, family))
    members = [head]
    spouse = size > 1 and rng.random() < 0.7
    if spouse:
        other = "female" if head_sex == "male" else "male"
        members.append(person("spouse", other, max(18, head.age + _between(rng, -8, 6)),
                              head.family_name if rng.random() < 0.5 else _one_of(rng, family)))  # fmt: skip
    while len(members) < size:
        if rng.random() < 0.08 and head.age > 40:
            members.append(person("parent", _one_of(rng, ["female", "male"]), min(95, head.age + _between(rng, 18, 30)),
                                  _one_of(rng, family)))  # fmt: skip
        elif rng.random() < 0.08:
            members.append(person(_one_of(rng, ["sibling", "other_relative"]), _one_of(rng, ["female", "male"]),
                                  _between(rng, 5, 40), _one_of(rng, family)))  # fmt: skip
        else:
            age = _between(rng, 0, max(0, min(17, head.age - 16)))
            members.append(person("child", _one_of(rng, ["female", "male"]), age, head.family_name))
    if size > 1 and not spouse and any(m.relationship == "child" for m in members):
        head.vulnerabilities.append("single_parent")
    for member in members:
        roll = rng.random()
        if member.age >= 60 and roll < 0.25:
            member.vulnerabilities.append("elderly_at_risk")
        elif member.sex == "female" and 18 <= member.age <= 45 and roll < 0.08:
            member.vulnerabilities.append("pregnant_or_lactating")
        elif member.age >= 18 and roll < 0.07:
            member.vulnerabilities.append(_one_of(rng, ADULT_VULNERABILITIES))
        elif member.sex == "female" and member.age >= 18 and roll < 0.09:
            member.vulnerabilities.append("woman_at_risk")
    return Household(nationality, members)


# --------------------------------------------------------------------------------------------
# One case: the people, the registration, the path along the workflow, the timeline
# --------------------------------------------------------------------------------------------


def _case(rng: random.Random, batch: Batch, ids: Ids, household: Household, point: Point,
          moment: datetime, now: datetime, zone: ZoneInfo, staff: Staff, writer: Formats,
          counts: DailyCounts | None = None) -> int:  # fmt: skip
    """Add one household's people and case to the batch, and its daily figures to `counts`;
    return the number of events."""
    rows = batch.rows
    day, moment_text = writer.day, writer.moment
    registered_on = moment.astimezone(zone).date()
    consent = rng.random() < 0.92
    officer = _one_of(rng, staff.officers[point.id])
    supervisor = _one_of(rng, staff.supervisors[point.id])
    nationality = household.nationality
    country = nationality if is_country(nationality) else None
    languages = LANGUAGES.get(nationality, '["swa"]')
    registered_at = moment_text(moment)
    person_ids = []
    every_vulnerability: list[str] = []
    counted_members = []
    for member in household.members:
        person_id = ids.person
        ids.person += 1
        person_ids.append(person_id)
        # Born so as to be `member.age` on the day of registration.
        born = _years_before(registered_on, member.age) - timedelta(days=_between(rng, 1, 364))
        precision = "exact" if rng.random() < 0.6 else _one_of(rng, ["year", "estimated"])
        adult = member.age >= 18
        phone = None
        if consent and adult and member.relationship == "head" and nationality in COUNTRY_CALLING and rng.random() < 0.7:
            phone = f"{COUNTRY_CALLING[nationality]} {_between(rng, 61, 79)} {_between(rng, 100, 999)} {_between(rng, 100, 999)}"
        other_names = ""
        if rng.random() < 0.06:
            other_names = member.given_names.replace("é", "e").replace("è", "e")
        given_names, family_name = member.given_names, member.family_name
        name = _name(given_names, family_name, other_names)
        rows["person"].append((
            person_id, member.given_names, member.family_name, other_names, name.search_name, member.sex,
            day(born), precision, nationality, country, _one_of(rng, PLACES.get(nationality, [None])),
            languages, phone, phone_digits_reversed(phone) if phone else None, None, registered_at, registered_at, 1,
            None,
        ))  # fmt: skip
        numbers = []
        if consent and adult and rng.random() < 0.5:
            kind = "passport" if rng.random() < 0.3 else "national_id"
            prefix = (nationality[:2] if kind == "national_id" else "P" + nationality[0])
            number = f"{prefix}{_between(rng, 1000000, 9999999)}"
            numbers.append(number)
            rows["identity_document"].append((person_id, kind, number, number, country,
                                              day(registered_on + timedelta(days=_between(rng, -400, 3000)))))  # fmt: skip
        phone_key = dedupe.normalise_phone(phone) if phone else ""
        if batch.names is None:
            rows["person_name_token"] += [(token, person_id) for token in name.tokens]
            keys = dedupe.stored_keys(name.keys, member.sex, born, precision, numbers, phone_key)
        else:  # SQLite makes the rest (`DERIVED`)
            rows["person_name"].append((person_id, batch.names.number(given_names, family_name, other_names, name),
                                        born.year, dedupe.key_sex(member.sex), day(born) if precision == "exact" else None))  # fmt: skip
            keys = dedupe.stored_keys(dedupe.NO_NAME_KEYS, member.sex, None, precision, numbers, phone_key) if numbers or phone_key else ()
        rows["person_match_key"] += [(key, person_id) for key in keys]
        for code in dict.fromkeys(member.vulnerabilities):
            rows["person_vulnerability"].append((person_id, code, None))
            every_vulnerability.append(code)
        counted_members.append((member.sex, born, nationality, not counted_members))

    case_id = ids.case
    ids.case += 1
    path = _Path(rng, moment, now, zone, household, officer, supervisor, country)
    path.walk()
    # Generated cases are written once, at version 1: every event belongs to that version.
    events = rows["case_event"]
    events.append((case_id, registered_at, officer, "registered", None, "registered", None,
                   _registered_details(point.code, consent), 1))  # fmt: skip
    last_moved = registered_at
    for at, actor, from_status, to_status, reason, details in path.events:
        last_moved = moment_text(at)
        events.append((case_id, last_moved, actor, "transition", from_status, to_status, reason,
                       writer.json(details) if details else "{}", 1))  # fmt: skip
    fields = path.fields
    head = household.members[0]
    child_alone = any(code in ("unaccompanied_child", "separated_child") for code in head.vulnerabilities)
    # Without its case number, which the writing process adds.
    rows["case_file"].append((
        case_id, point.id, person_ids[0], nationality, path.status, path.pathway,
        priority_for(every_vulnerability), officer, 1, None, registered_at, officer,
        day(registered_on - timedelta(days=_between(rng, 0, 3))),
        _one_of(rng, ["regular", "irregular", "irregular", "unknown"]),
        _one_of(rng, ["intercepted", "expelled", "self_presented", "self_presented", "referred"]),
        consent, "case_management" if consent else None, day(registered_on) if consent else None, officer,
        ("run" if nationality == "BDI" else "swa") if consent else None,
        fields.get("fear_of_return"), fields.get("fear_of_return_cleared", False),
        fields.get("fear_of_return_cleared_by_id"), fields.get("fear_of_return_cleared_reason"),
        fields.get("return_requested_by_id"), fields.get("return_approved_by_id"),
        day(fields.get("return_approved_on")),
        day(fields.get("bid_decided_on")) if child_alone else None,
        fields.get("bid_outcome") if child_alone else None,
        day(fields.get("family_assessment_on")) if child_alone else None,
        fields.get("destination_country"), fields.get("destination_place"), fields.get("travel_document"),
        day(fields.get("departure_date")), fields.get("departure_point"), fields.get("transport_mode"),
        bool(fields.get("escort_required", False)), day(fields.get("fit_to_travel_on")),
        day(fields.get("arrival_confirmed_on")), fields.get("permit_type"),
        fields.get("application_reference"), day(fields.get("submitted_on")), day(fields.get("decision_on")),
        fields.get("permit_number"), day(fields.get("permit_valid_until")), fields.get("closure_reason"),
        last_moved, last_moved, None,
    ))  # fmt: skip
    for person_id, member in zip(person_ids, household.members, strict=True):
        rows["case_member"].append((case_id, person_id, member.relationship))
    if rng.random() < 0.3:
        _follow_ups(rng, rows["follow_up"], case_id, moment, path, officer, zone, writer)
    if counts is not None:
        utc_day = (moment if moment.tzinfo is UTC else moment.astimezone(UTC)).date()
        counts.add_case(point.id, utc_day, registered_on, path.status, path.pathway,
                        fields.get("arrival_confirmed_on"), fields.get("permit_number"), fields.get("decision_on"),
                        counted_members)  # fmt: skip
        if every_vulnerability:
            counts.add_vulnerabilities(point.id, utc_day, registered_on, path.pathway, every_vulnerability)
    return len(path.events) + 1


def _follow_ups(rng: random.Random, rows: list[tuple[Any, ...]], case_id: int, registered: datetime,
                path: _Path, officer: int, zone: ZoneInfo, writer: Formats) -> None:  # fmt: skip
    """One or two tasks set while the case moved; most of those due are done, a few overdue,
    none left open on a closed case."""
    today = path.now.astimezone(zone).date()
    for _ in range(_one_of(rng, (1, 1, 2))):
        created = registered + (path.moment - registered) * rng.random()
        created_on = created.astimezone(zone).date()
        due_on = created_on + timedelta(days=_between(rng, 2, 30))
        done_on = None
        if path.status == "closed" or (due_on < today and rng.random() < 0.85):
            done_on = min(today, max(created_on, due_on + timedelta(days=_between(rng, -5, 4))))
        rows.append((case_id, _one_of(rng, FOLLOW_UPS), writer.day(due_on), writer.moment(created), officer,
                     writer.day(done_on), officer if done_on else None))  # fmt: skip


LANGUAGES = {"BDI": '["run", "swa"]', "COD": '["swa", "fra"]'}  # as JSON; '["swa"]' for the others


@lru_cache(maxsize=64)
def _registered_details(border_point: str, consent: bool) -> str:
    return json.dumps({"border_point": border_point, "consent_given": consent})


class _Name(NamedTuple):
    search_name: str
    tokens: tuple[str, ...]
    keys: dedupe.NameKeys

    def parts(self) -> Iterator[tuple[str, tuple[str, ...]]]:
        """The rows of `name_part` (`DERIVED`): its tokens, and its keys whole or to complete."""
        yield "token", self.tokens
        yield "key", self.keys.pairs
        yield "key_year", self.keys.pairs_and_year
        yield "key_year_sex", self.keys.singles_and_year
        yield "key_date", self.keys.starts_and_date


@lru_cache(maxsize=200_000)
def _name(given_names: str, family_name: str, other_names: str) -> _Name:
    """What a person's names decide, worked out once per spelling: names repeat (a finite pool of
    given and family names), folding them (Unidecode) and their phonetic keys need not."""
    search_name = search_name_of(given_names, family_name, other_names)
    return _Name(search_name, tuple(name_tokens(search_name)), dedupe.name_keys(given_names, family_name, other_names))


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


class _Path:
    """A case's way along the workflow from its registration, stopped at `now`."""

    def __init__(self, rng: random.Random, registered: datetime, now: datetime, zone: ZoneInfo,
                 household: Household, officer: int, supervisor: int, country: str | None) -> None:  # fmt: skip
        self.rng, self.now, self.zone = rng, now, zone
        self.moment = registered
        self.status, self.pathway = "registered", "undecided"
        self.fields: dict[str, Any] = {}
        self.events: list[tuple[datetime, int, str, str, str | None, dict[str, Any]]] = []
        self.officer, self.supervisor = officer, supervisor
        self.household, self.country = household, country
        self.child_alone = any(code in ("unaccompanied_child", "separated_child")
                               for code in household.members[0].vulnerabilities)  # fmt: skip

    def later(self, low: float, high: float) -> datetime | None:
        """The moment of the next step, `low` to `high` days on, or None if it has not come yet."""
        moment = self.moment + timedelta(days=self.rng.uniform(low, high))
        return moment if moment <= self.now else None

    def today(self) -> date:
        return self.moment.astimezone(self.zone).date()

    def move(self, moment: datetime, to: str, actor: int, reason: str | None = None,
             **details: Any) -> None:  # fmt: skip
        self.moment = moment
        self.events.append((moment, actor, self.status, to, reason,
                            {key: value.isoformat() if isinstance(value, date) else value
                             for key, value in details.items()}))  # fmt: skip
        self.fields.update(details)
        self.status = to
        if to in ("return_requested", "return_approved", "travel_ready", "departed", "returned"):
            self.pathway = "voluntary_return"
        elif to in ("regularisation_requested", "application_submitted", "regularised", "refused"):
            self.pathway = "regularisation"
        elif to == "referred":
            self.pathway = "referral"
        elif to == "screening":
            self.pathway = "undecided"

    def walk(self) -> None:
        rng = self.rng
        step = self.later(0, 4)
        if step is None:
            return
        fear = "no" if rng.random() < 0.84 else ("yes" if rng.random() < 0.65 else "unclear")
        self.move(step, "screening", self.officer, fear_of_return=fear)
        if rng.random() < 0.04:
            return self.close("lost_contact", 10, 90)
        step = self.later(2, 25)
        if step is None:
            return
        if fear != "no":
            if rng.random() < 0.6:
                return self.refer(step)
            # A supervisor heard the person again and cleared the fear; not a move, no event.
            self.fields.update(fear_of_return_cleared=True, fear_of_return_cleared_by_id=self.supervisor,
                               fear_of_return_cleared_reason="Second interview: the fear concerned another region.")  # fmt: skip
        choice = rng.random()
        if choice < 0.52:
            self.voluntary_return(step)
        elif choice < 0.85:
            self.regularisation(step)
        else:
            self.refer(step)

    def refer(self, step: datetime) -> None:
        self.move(step, "referred", self.officer,
                  reason=_one_of(self.rng, ["Asylum claim: referred to UNHCR.", "Child protection: referred to the social welfare officer.",
                                          "Possible trafficking: referred to the anti-trafficking desk."]))  # fmt: skip
        if self.rng.random() < 0.4:
            self.close("referred", 15, 120)

    def voluntary_return(self, step: datetime) -> None:
        rng = self.rng
        destination = self.country or _one_of(rng, ["BDI", "COD", "RWA"])
        self.move(step, "return_requested", self.officer, destination_country=destination,
                  destination_place=_one_of(rng, PLACES.get(destination, ["(not given)"])))  # fmt: skip
        self.fields["return_requested_by_id"] = self.officer
        if rng.random() < 0.05:
            back = self.later(1, 10)
            if back is not None:
                self.move(back, "screening", self.officer, reason="The person withdrew: they want to stay.")
                self.fields.update(return_requested_by_id=None)
            return
        step = self.later(1, 8)
        if step is None:
            return
        details: dict[str, Any] = {}
        if self.child_alone:
            details = {"bid_decided_on": self.today() - timedelta(days=_between(rng, 0, 5)),
                       "bid_outcome": "return",
                       "family_assessment_on": self.today() - timedelta(days=_between(rng, 0, 10))}  # fmt: skip
        self.move(step, "return_approved", self.supervisor, **details)
        self.fields.update(return_approved_by_id=self.supervisor, return_approved_on=self.today())
        step = self.later(3, 20)
        if step is None:
            return
        scheduled_on = step.astimezone(self.zone).date()
        departure = scheduled_on + timedelta(days=_between(rng, 0, 3))
        self.move(step, "travel_ready", self.officer,
                  travel_document=f"laissez_passer LP{_between(rng, 100000, 999999)}",
                  departure_date=departure, departure_point=_one_of(rng, ["Manyovu border post", "Kigoma port",
                                                                        "Rusumo bridge", "Kabanga border post"]),
                  fit_to_travel_on=departure - timedelta(days=_between(rng, 0, min(3, (departure - scheduled_on).days))),
                  transport_mode=_one_of(rng, TRANSPORT), escort_required=self.child_alone)  # fmt: skip
        departed = datetime.combine(departure, datetime.min.time(), self.zone) + timedelta(hours=rng.uniform(6, 12))
        departed = max(departed, self.moment + timedelta(minutes=_between(rng, 20, 90)))
        if departed > self.now:
            return
        self.move(departed, "departed", self.officer, departure_date=departure)
        step = self.later(1, 6)
        if step is None:
            return
        self.move(step, "returned", self.officer, arrival_confirmed_on=self.today())
        if rng.random() < 0.6:
            self.close("returned", 10, 60)

    def regularisation(self, step: datetime) -> None:
        rng = self.rng
        permit = _one_of(rng, ["residence permit class C", "dependant pass", "work permit class B"])
        self.move(step, "regularisation_requested", self.officer, permit_type=permit)
        if rng.random() < 0.05:
            back = self.later(5, 30)
            if back is not None:
                self.move(back, "screening", self.officer, reason="Another pathway: the person asked to return home.")
            return
        step = self.later(5, 30)
        if step is None:
            return
        self.move(step, "application_submitted", self.officer,
                  application_reference=f"IMM-{step.year}-{_between(rng, 10000, 99999)}", submitted_on=self.today())
        step = self.later(30, 150)
        if step is None:
            return
        decided_on = step.astimezone(self.zone).date()
        if rng.random() < 0.78:
            details: dict[str, Any] = {"permit_type": permit, "permit_number": f"RP{_between(rng, 1000000, 9999999)}",
                                       "permit_valid_until": decided_on + timedelta(days=730)}  # fmt: skip
            if rng.random() < 0.9:  # the decision date is optional when a permit is recorded
                details["decision_on"] = max(self.fields["submitted_on"], decided_on - timedelta(days=_between(rng, 0, 5)))
            self.move(step, "regularised", self.officer, **details)
            if rng.random() < 0.5:
                self.close("regularised", 10, 90)
            return
        self.move(step, "refused", self.officer, decision_on=decided_on)
        if rng.random() < 0.3:
            appeal = self.later(5, 30)
            if appeal is not None:
                self.move(appeal, "application_submitted", self.officer,
                          application_reference=f"APL-{appeal.year}-{_between(rng, 10000, 99999)}",
                          submitted_on=self.today())  # fmt: skip

    def close(self, reason: str, low: float, high: float) -> None:
        step = self.later(low, high)
        if step is None:
            return
        self.move(step, "closed", self.supervisor, reason="Case file complete." if reason != "lost_contact"
                  else "No contact for several weeks.", closure_reason=reason)  # fmt: skip

