"""Load test: many officers at several border points working at once against a real gunicorn.

    python -m bench.load [--database-url URL] [--people 1000000] [--officers 50] [--duration 120] [--ramp 25]
                         [--workers N] [--port 8765] [--saturate 15] [--concurrency 16] [--rounds 1]
                         [--saturate-only]

1. The database (SQLite in bench/out/ by default, or the PostgreSQL database given: migrated if an
   older migration built it, then emptied and refilled unless it holds --people people; a database
   migrated by a newer checkout stops the run instead) gets its synthetic people
   (`registry.synthetic`) and --officers accounts spread over the four border points.
2. gunicorn starts on 127.0.0.1 with the repository's gunicorn.conf.py (gthread workers), serving
   `bench.load_app` (the registry plus a bare endpoint), rate limits kept in Redis as in production.
3. The officers start their shift one after the other over --ramp seconds: each logs in (an
   argon2 hash, slow on purpose) and opens the case list; these are reported apart. Then, for
   --duration seconds, all of them at once: open the case list, search a name, open a case,
   register a person (form, then sending it), move a case they registered to screening, print a
   case's summary sheet, pausing 1–3 s between actions as people do. Only this work gives the
   actions' figures.
4. Then, alone and without pauses, --concurrency clients ask for the case list for --saturate
   seconds, and then for the bare endpoint: the ratio of the two rates is the registry's own cost.
   This part uses a minimal HTTP/1.1 client so that the client's cost is small beside the
   server's; the CPU time the client and gunicorn's processes used a request is printed beside
   each rate, and the ratio of the two from those CPU times (what the machine's other work does
   not change). --rounds N repeats the pair N times in turn and reports the median round (the
   ratio moved by several points between single runs).

`--saturate-only` skips step 3 but for one officer's login: only the case list against the bare
endpoint is measured.

Prints throughput, p50/p95/p99 and errors per action, and the machine's load (uptime) before and
after; writes the figures to bench/out/load-<database>-<people>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PASSWORD = "benchmark-password-2026"
POINTS = ("MNY", "KBG", "RSM", "MTK")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SUBMISSION = re.compile(r'name="submission_id"[^>]*value="([^"]+)"')
CASE_LINK = re.compile(r'href="/cases/([A-Z]+-\d{4}-\d{6})"')
ALERT = re.compile(r'role="(?:alert|status)"[^>]*>\s*([^<]+)')
CANDIDATES = re.compile(r'name="candidates_shown"[^>]*value="([^"]*)"')
VERSION = re.compile(r'name="version" type="hidden" value="(\d+)"')
FAMILY_NAMES = ("Ndayishimiye", "Niyonzima", "Hakizimana", "Mukamana", "Uwimana", "Habimana",
                "Mohamed", "Kabila", "Ilunga", "Mugisha", "Nkurunziza", "Bizimana")  # fmt: skip
GIVEN_NAMES = ("Aline", "Divine", "Jean-Pierre", "Emmanuel", "Amina", "Fatuma", "Innocent", "Grâce")
# How often an officer does each thing, out of 100 actions.
WEIGHTS = {"list": 25, "search": 20, "open_case": 25, "register": 12, "transition": 8, "print": 10}
PAGE_TARGET_MS, WRITE_TARGET_MS = 250, 400
RUN = time.strftime("%Y-%m-%dT%H:%M:%S")


def database_for(people: int, url: str | None) -> str:
    if url:
        return url
    OUT.mkdir(exist_ok=True)
    return f"sqlite:///{OUT / f'load-{people}.sqlite3'}"


def officer_names(count: int) -> list[tuple[str, str]]:
    return [(f"bench.officer{n:03d}", POINTS[n % len(POINTS)]) for n in range(count)]


def prepare(url: str, people: int, officers: int) -> None:
    """The synthetic registry (reused when already of this size) and the officers' accounts."""
    from sqlalchemy import select

    from bench import pages
    from registry.extensions import db
    from registry.models import User
    from registry.services import accounts

    app = pages.make_app(url)
    with app.app_context():
        _upgrade_if_older()
        built = _is_built(people)
        db.engine.dispose()  # the file may be replaced below
    if not built:
        print(f"building a registry of {people:,} people (a few minutes a million)...", flush=True)
        pages.build(url, people, reuse=False)
    with app.app_context():
        known = set(db.session.scalars(select(User.username)))
        for username, point in officer_names(officers):
            if username not in known:
                accounts.create_user(username, PASSWORD, "officer", [point])
        db.session.commit()
        db.engine.dispose()


def _upgrade_if_older() -> None:
    """A registry built before a newer migration is migrated (it keeps its people); one migrated by
    a newer checkout than this one is left alone, and the run stops, rather than rebuilt."""
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError
    from flask import current_app
    from flask_migrate import upgrade

    from registry.extensions import db

    scripts = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
    with db.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    if current is None or current == scripts.get_current_head():
        return
    try:
        scripts.get_revision(current)
    except CommandError:
        raise SystemExit(f"the database is at revision {current}, which this checkout does not know (a newer "
                         f"one migrated it): run the benchmark from that checkout, or remove the database "
                         f"to build it again") from None  # fmt: skip
    upgrade()


def _is_built(people: int) -> bool:
    """The newest schema and at least `people` people: a run adds the people it registers."""
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from flask import current_app
    from sqlalchemy import func, select

    from registry.extensions import db
    from registry.models import Person

    config = current_app.extensions["migrate"].migrate.get_config()
    with db.engine.connect() as connection:
        if MigrationContext.configure(connection).get_current_revision() != ScriptDirectory.from_config(config).get_current_head():
            return False
    return people <= (db.session.scalar(select(func.count()).select_from(Person)) or 0) < people * 1.01 + 1000


def serve(url: str, port: int, workers: int | None) -> subprocess.Popen[bytes]:
    env = {**os.environ, "REGISTRY_DATABASE_URL": url, "REGISTRY_SECRET_KEY": "load-benchmark",
           "REGISTRY_RATELIMIT_STORAGE_URI": os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/0"),
           # Every simulated officer comes from 127.0.0.1: the limits per address are raised,
           # still counted in Redis on every request as in production.
           "REGISTRY_RATE_LIMIT_DEFAULT": "1000000 per minute", "REGISTRY_LOGIN_RATE_LIMIT": "100000 per minute",
           "REGISTRY_LOGIN_FAILURES_PER_ADDRESS": "100000"}  # fmt: skip
    if workers:
        env["WEB_CONCURRENCY"] = str(workers)
    OUT.mkdir(exist_ok=True)  # not made yet when the database is given (--database-url)
    log = (OUT / "load-gunicorn.log").open("ab")
    server = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "-b", f"127.0.0.1:{port}",
         "bench.load_app:app"], cwd=ROOT, env=env, stdout=log, stderr=log)  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if server.poll() is not None:
            raise SystemExit(f"gunicorn stopped: see {OUT / 'load-gunicorn.log'}")
        time.sleep(0.3)
    server.kill()
    raise SystemExit("gunicorn did not answer within a minute")


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    conflicts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    retried: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    matches_shown: int = 0  # registrations answered with possible duplicates, then confirmed

    def record(self, action: str, started: float, ok: bool, problem: str = "") -> None:
        self.latencies[action].append((time.perf_counter() - started) * 1000)
        if not ok:
            self.errors[action].append(problem[:200])


class Officer:
    """One officer's browser: a cookie jar, the cases seen, the cases registered."""

    def __init__(self, base: str, username: str, point: str, results: Results) -> None:
        self.client = httpx.AsyncClient(base_url=base, timeout=60, follow_redirects=False)
        self.username, self.point, self.results = username, point, results
        self.seen: list[str] = []
        self.registered: list[str] = []
        # Seeded by the run too: the same officer in the next run against the same database would
        # register the same people again, and each be refused as a likely duplicate (422).
        self.random = random.Random(f"{username} {RUN}")

    async def get(self, action: str, url: str, expect: str = "text/html") -> str:
        started = time.perf_counter()
        try:
            try:
                response = await self.client.get(url)
            except (httpx.RemoteProtocolError, httpx.ReadError):
                # gunicorn closed the idle keep-alive connection as this request left on it: a
                # browser sends a GET again on a new connection, and so does this officer.
                self.results.retried[action] += 1
                response = await self.client.get(url)
        except httpx.HTTPError as error:
            self.results.record(action, started, False, f"{url}: {error!r}")
            return ""
        ok = response.status_code == 200 and response.headers.get("content-type", "").startswith(expect)
        self.results.record(action, started, ok, f"{url}: {response.status_code}")
        if expect == "application/pdf":
            return "%PDF" if response.content.startswith(b"%PDF") else ""
        return response.text if ok else ""

    async def post(self, action: str, url: str, data: dict[str, Any],
                   matches_expected: bool = False) -> httpx.Response | None:  # fmt: skip
        started = time.perf_counter()
        try:
            response = await self.client.post(url, data=data)
        except httpx.HTTPError as error:
            self.results.record(action, started, False, f"{url}: {error!r}")
            return None
        if response.status_code == 409:  # someone else moved the case first: an answer, not a fault
            self.results.conflicts[action] += 1
        ok = response.status_code in (302, 303, 409) or (
            matches_expected and response.status_code == 422 and 'name="confirm_different"' in response.text)
        # What the page says is wrong, rather than its first bytes.
        said = ALERT.findall(response.text) or [response.text[:120]]
        self.results.record(action, started, ok, f"{url}: {response.status_code} {' | '.join(said)[:300]!r}")
        return response

    def remember(self, page: str) -> None:
        numbers = CASE_LINK.findall(page)
        if numbers:
            self.seen = (numbers + self.seen)[:200]

    async def login(self) -> bool:
        page = await self.get("login_form", "/login")
        token = CSRF.search(page)
        if not token:
            return False
        response = await self.post("login", "/login", {"csrf_token": token.group(1), "username": self.username,
                                                       "password": PASSWORD})  # fmt: skip
        return response is not None and response.status_code == 302

    async def list(self) -> None:
        self.remember(await self.get("list", "/cases"))

    async def search(self) -> None:
        name = self.random.choice(FAMILY_NAMES)
        self.remember(await self.get("search", f"/cases?q={name}"))

    def pick(self) -> str | None:
        return self.random.choice(self.seen) if self.seen else None

    async def open_case(self) -> None:
        number = self.pick()
        if number:
            await self.get("open_case", f"/cases/{number}")

    async def print(self) -> None:
        number = self.pick()
        if number:
            await self.get("print", f"/cases/{number}/summary.pdf", expect="application/pdf")

    async def register(self) -> None:
        page = await self.get("register_form", "/registrations/new")
        token, submission = CSRF.search(page), SUBMISSION.search(page)
        if not (token and submission):
            return
        today = date.today().isoformat()
        sex = self.random.choice(("female", "male"))
        fields = {
            "csrf_token": token.group(1), "submission_id": submission.group(1), "border_point": self.point,
            "arrival_date": today, "entry_type": "irregular", "circumstances": "self_presented",
            "given_names": self.random.choice(GIVEN_NAMES), "family_name": self.random.choice(FAMILY_NAMES),
            "sex": sex, "date_of_birth": f"{self.random.randint(1960, 2010)}-0{self.random.randint(1, 9)}-1{self.random.randint(0, 9)}",
            "dob_precision": "exact", "nationality": self.random.choice(("BDI", "COD", "RWA", "SOM")),
            "languages": "run", "phone": f"+2557{self.random.randint(10_000_000, 99_999_999)}",
            "documents-0-type": "passport", "documents-0-number": f"BP{uuid.uuid4().hex[:8].upper()}",
            "documents-0-issuing_country": "BDI", "consent_given": "yes", "consent_scope": "case_management",
            "consent_date": today, "consent_language": "run",
        }  # fmt: skip
        response = await self.post("register", "/registrations/new", fields, matches_expected=True)
        if response is not None and response.status_code == 422 and 'name="confirm_different"' in response.text:
            # Possible matches among the people already registered (the synthetic officers draw
            # names and birth dates from short lists): as an officer would after checking them,
            # say that none is this person and send the form again.
            shown = CANDIDATES.search(response.text)
            self.results.matches_shown += 1
            response = await self.post("register", "/registrations/new", {
                **fields, "confirm_different": "y", "candidates_shown": shown.group(1) if shown else ""})  # fmt: skip
        if response is not None and response.status_code == 302:
            number = response.headers.get("location", "").rsplit("/", 1)[-1]
            self.registered.append(number)
            self.seen.insert(0, number)

    async def transition(self) -> None:
        if not self.registered:
            return await self.register()
        number = self.registered.pop(0)
        page = await self.get("open_case", f"/cases/{number}")
        token, version = CSRF.search(page), VERSION.search(page)
        if token and version:
            await self.post("transition", f"/cases/{number}/transitions", {
                "csrf_token": token.group(1), "to": "screening", "version": version.group(1),
                "fear_of_return": "no", "pathway": "voluntary_return", "reason": "Counselling started"})  # fmt: skip
        return None

    async def start(self, delay: float) -> bool:
        """The start of the officer's shift: log in and open the list, not measured as work."""
        await asyncio.sleep(delay)
        if not await self.login():
            return False
        await self.list()
        return True

    async def work(self, results: Results, until: float) -> None:
        """Until `until`, an action every 1–3 s, each measured in `results`."""
        self.results = results
        actions = list(WEIGHTS)
        weights = [WEIGHTS[name] for name in actions]
        # Officers do not all act at the same instant when the measured minutes begin.
        await asyncio.sleep(self.random.uniform(0, 3))
        while time.perf_counter() < until:
            await getattr(self, self.random.choices(actions, weights)[0])()
            await asyncio.sleep(self.random.uniform(1, 3))
        await self.client.aclose()


async def officers_at_work(base: str, officers: int, seconds: float,
                           ramp: float) -> tuple[Results, Results, float, dict[str, str]]:  # fmt: skip
    """The officers log in one after the other over `ramp` seconds (the start of a shift: each
    login costs an argon2 hash, deliberately slow), then work together for `seconds`: only that
    work is measured as the actions' figures; the logins are reported apart."""
    starting, working = Results(), Results()
    team = [Officer(base, name, point, starting) for name, point in officer_names(officers)]
    started = await asyncio.gather(*(officer.start(ramp * number / max(1, officers))
                                     for number, officer in enumerate(team)))  # fmt: skip
    team = [officer for officer, ok in zip(team, started, strict=True) if ok]
    begun = time.perf_counter()
    await asyncio.gather(*(officer.work(working, begun + seconds) for officer in team))
    cookies = {"registry_session": team[0].client.cookies.get("registry_session", "") if team else ""}
    return starting, working, time.perf_counter() - begun, cookies


async def one_login(base: str) -> dict[str, str]:
    """The first officer logged in, as in the officers' phase: the session cookie hammer() sends."""
    results = Results()
    username, point = officer_names(1)[0]
    officer = Officer(base, username, point, results)
    try:
        if not await officer.login():
            raise SystemExit(f"{username} could not log in: {dict(results.errors)}")
        return {"registry_session": officer.client.cookies.get("registry_session", "")}
    finally:
        await officer.client.aclose()


def server_cpu(pid: int) -> float:
    """CPU seconds used so far by gunicorn (`pid`, its master) and its workers, those living and
    those already ended (a worker is recycled after max_requests): /proc's utime, stime, and the
    children's."""
    clock = os.sysconf("SC_CLK_TCK")

    def fields(process: int | str) -> list[str]:
        return Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()

    master = fields(pid)
    total = sum(int(value) for value in master[11:15])  # utime, stime, cutime, cstime
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                worker = fields(entry.name)
            except OSError:  # ended meanwhile
                continue
            if int(worker[1]) == pid:
                total += int(worker[11]) + int(worker[12])
    return total / clock


def helpers_cpu(database: str | None) -> dict[int, tuple[str, float]]:
    """CPU seconds used so far by each process that serves gunicorn besides itself, by pid:
    PostgreSQL's backends connected to `database` (their command line names it) and Redis (the
    rate limits). `helpers_used` turns two readings into what each kind used in between."""
    clock = os.sysconf("SC_CLK_TCK")
    readings = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            command = Path(f"/proc/{entry.name}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            stat = Path(f"/proc/{entry.name}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        used = (int(stat[11]) + int(stat[12])) / clock
        if database and command.startswith("postgres: ") and f" {database} " in command:
            readings[int(entry.name)] = ("database", used)
        elif command.startswith("redis-server"):
            readings[int(entry.name)] = ("redis", used)
    return readings


def helpers_used(before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]]) -> dict[str, float]:
    """What the helpers used between two readings, process by process. A backend started in
    between counts from zero; one that ended in between (its gunicorn worker recycled after
    max_requests) is missing from the second reading and counts nothing, never less than nothing:
    a sum of the living ones' totals went negative when one ended."""
    totals = {"database": 0.0, "redis": 0.0}
    for pid, (kind, used) in after.items():
        earlier = before.get(pid)
        totals[kind] += used - (earlier[1] if earlier and earlier[0] == kind else 0.0)
    return totals


async def hammer(port: int, path: str, cookie: str, concurrency: int, seconds: float,
                 server: int | None = None, database: str | None = None) -> dict[str, Any]:  # fmt: skip
    """`concurrency` keep-alive connections asking for `path` back to back: requests a second,
    and, given gunicorn's pid, the CPU time its processes spent a request (what the machine's
    load does not change: the rate is what is left of two cores divided by it)."""
    latencies: list[float] = []
    failures = 0
    request = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: registry_session={cookie}\r\n"
               "Accept-Encoding: identity\r\n\r\n").encode()  # fmt: skip

    async def connection(until: float) -> None:
        nonlocal failures
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while time.perf_counter() < until:
            started = time.perf_counter()
            writer.write(request)
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
            length = re.search(r"\r\ncontent-length: *(\d+)", head)
            if length:
                await reader.readexactly(int(length.group(1)))
            else:  # chunked
                while size := int((await reader.readuntil(b"\r\n")).strip(), 16):
                    await reader.readexactly(size + 2)
                await reader.readuntil(b"\r\n")
            latencies.append((time.perf_counter() - started) * 1000)
            if not head.startswith("http/1.1 200"):
                failures += 1
            if "\r\nconnection: close" in head:
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.close()

    served = server_cpu(server) if server else 0.0
    helped = helpers_cpu(database)
    cpu, started = time.process_time(), time.perf_counter()
    await asyncio.gather(*(connection(started + seconds) for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    served = server_cpu(server) - served if server else 0.0
    helped = helpers_used(helped, helpers_cpu(database))
    count = max(1, len(latencies))
    return {"requests": len(latencies), "per_second": round(len(latencies) / elapsed, 1),
            "failures": failures, **percentiles(latencies), "client_cpu_share": round((time.process_time() - cpu) / elapsed, 2),
            "server_cpu_ms": round(served * 1000 / max(1, len(latencies)), 2),
            "client_cpu_ms": round((time.process_time() - cpu) * 1000 / count, 2),
            "database_cpu_ms": round(helped["database"] * 1000 / count, 2),
            "redis_cpu_ms": round(helped["redis"] * 1000 / count, 2)}  # fmt: skip


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50_ms": 0.0, "p95_ms": 0.0, "p99_ms": 0.0}
    ordered = sorted(values)

    def at(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1)

    return {"p50_ms": at(0.50), "p95_ms": at(0.95), "p99_ms": at(0.99)}


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()  # noqa: S607


def run(args: argparse.Namespace) -> dict[str, Any]:
    url = database_for(args.people, args.database_url)
    prepare(url, args.people, args.officers)
    server = serve(url, args.port, args.workers)
    base = f"http://127.0.0.1:{args.port}"
    try:
        load_before = uptime()
        if args.saturate_only:
            starting, results, elapsed = Results(), Results(), 0.0
            cookies = asyncio.run(one_login(base))
        else:
            starting, results, elapsed, cookies = asyncio.run(officers_at_work(base, args.officers, args.duration, args.ramp))
        load_during = uptime()
        database = url.rsplit("/", 1)[1].split("?")[0] if url.startswith("postgresql") else None
        rounds = []
        for _ in range(args.rounds):
            cases = asyncio.run(hammer(args.port, "/cases", cookies["registry_session"], args.concurrency,
                                       args.saturate, server.pid, database))  # fmt: skip
            bare = asyncio.run(hammer(args.port, "/bench/bare", "", args.concurrency, args.saturate, server.pid,
                                      database))  # fmt: skip
            rounds.append((cases, bare))
        # The ratio moved by several points from one run to the next on a shared machine: with
        # --rounds, the list and the bare endpoint take turns and the round with the median ratio
        # is the one reported, every round's ratio beside it.
        rounds.sort(key=lambda pair: _ratio(*pair))
        cases, bare = rounds[len(rounds) // 2]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
    actions = _figures(results, elapsed)
    shift_start = _figures(starting, args.ramp)
    total = sum(len(values) for values in results.latencies.values())
    return {"database": url.split(":", 1)[0].split("+")[0], "people": args.people, "officers": args.officers,
            "duration_s": round(elapsed, 1), "workers": args.workers or "gunicorn.conf.py",
            "requests": total, "per_second": round(total / elapsed, 1) if elapsed else 0.0,
            "errors": sum(len(errors) for errors in results.errors.values()),
            "error_samples": {action: errors[:3] for action, errors in results.errors.items()},
            "actions": actions, "ramp_s": args.ramp, "shift_start": shift_start,
            "shift_start_errors": sum(len(errors) for errors in starting.errors.values()),
            "possible_duplicates_confirmed": results.matches_shown,
            "case_list_alone": cases, "bare_alone": bare,
            "case_list_to_bare": round(_ratio(cases, bare), 3),
            "rounds": [{"case_list_to_bare": round(_ratio(*pair), 3),
                        "case_list_to_bare_by_cpu": round(_cpu_a_request(pair[1]) / _cpu_a_request(pair[0]), 3)}
                       for pair in rounds],
            # The same ratio from the CPU each request cost gunicorn, this client, the database
            # server and Redis, whatever else the machine was doing.
            "case_list_to_bare_by_cpu": round(_cpu_a_request(bare) / _cpu_a_request(cases), 3),
            "uptime_before": load_before, "uptime_after_officers": load_during, "uptime_end": uptime()}  # fmt: skip


def _ratio(cases: dict[str, Any], bare: dict[str, Any]) -> float:
    return cases["per_second"] / bare["per_second"] if bare["per_second"] else 0.0


def _cpu_a_request(figures: dict[str, Any]) -> float:
    return sum(figures[name] for name in ("server_cpu_ms", "client_cpu_ms", "database_cpu_ms", "redis_cpu_ms"))


def _figures(results: Results, elapsed: float) -> dict[str, dict[str, Any]]:
    actions = {}
    for action, values in sorted(results.latencies.items()):
        target = WRITE_TARGET_MS if action in ("register", "print", "transition", "login") else PAGE_TARGET_MS
        actions[action] = {"requests": len(values), "per_second": round(len(values) / elapsed, 2),
                           **percentiles(values), "errors": len(results.errors.get(action, [])),
                           "conflicts": results.conflicts.get(action, 0), "retried": results.retried.get(action, 0),
                           "target_p95_ms": target}  # fmt: skip
    return actions


def show(figures: dict[str, Any]) -> None:
    print(f"\n{figures['database']}, {figures['people']:,} people, {figures['officers']} officers, "
          f"{figures['duration_s']} s: {figures['requests']} requests ({figures['per_second']}/s), "
          f"{figures['errors']} errors")  # fmt: skip
    print(f"{'action':<14}{'requests':>9}{'per s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}"
          f"{'409':>5}{'again':>6}  target p95")  # fmt: skip
    for action, row in figures["actions"].items():
        met = "ok" if row["p95_ms"] <= row["target_p95_ms"] else "MISSED"
        print(f"{action:<14}{row['requests']:>9}{row['per_second']:>8}{row['p50_ms']:>9}{row['p95_ms']:>9}"
              f"{row['p99_ms']:>9}{row['errors']:>8}{row['conflicts']:>5}{row['retried']:>6}  {row['target_p95_ms']} {met}")  # fmt: skip
    print(f"registrations answered with possible duplicates, then confirmed as different people: "
          f"{figures['possible_duplicates_confirmed']}")
    print(f"start of the shift, before the measured minutes ({figures['ramp_s']} s, "
          f"{figures['shift_start_errors']} errors):")  # fmt: skip
    for action, row in figures["shift_start"].items():
        print(f"  {action:<12}{row['requests']:>9}{row['p50_ms']:>9}{row['p95_ms']:>9}{row['p99_ms']:>9}{row['errors']:>8}")
    for name in ("case_list_alone", "bare_alone"):
        row = figures[name]
        print(f"{name:<16} {row['per_second']:>8}/s  p50 {row['p50_ms']} ms  p95 {row['p95_ms']} ms  "
              f"failures {row['failures']}  client CPU {row['client_cpu_share']:.0%} of a core  "
              f"CPU a request: gunicorn {row['server_cpu_ms']} ms, client {row['client_cpu_ms']} ms, "
              f"database server {row['database_cpu_ms']} ms, Redis {row['redis_cpu_ms']} ms")  # fmt: skip
    print(f"case list / bare endpoint: {figures['case_list_to_bare']:.1%} "
          f"(by CPU a request: {figures['case_list_to_bare_by_cpu']:.1%})")
    if len(figures["rounds"]) > 1:
        print("  the median of " + ", ".join(f"{r['case_list_to_bare']:.1%} ({r['case_list_to_bare_by_cpu']:.1%})"
                                            for r in figures["rounds"]))  # fmt: skip
    for key in ("uptime_before", "uptime_after_officers", "uptime_end"):
        print(f"{key}: {figures[key]}")
    for action, samples in figures["error_samples"].items():
        print(f"errors in {action}: {samples}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--officers", type=int, default=50)
    parser.add_argument("--duration", type=float, default=120, help="the measured minutes, after the logins")
    parser.add_argument("--ramp", type=float, default=25, help="seconds over which the officers log in")
    parser.add_argument("--workers", type=int, default=None, help="default: gunicorn.conf.py's")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--saturate", type=float, default=15)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--prepare-only", action="store_true", help="build the database and accounts, then stop")
    parser.add_argument("--rounds", type=int, default=1,
                        help="the list and the bare endpoint this many times in turn; the median round is reported")
    parser.add_argument("--saturate-only", action="store_true",
                        help="only the case list against the bare endpoint (one officer logs in)")
    args = parser.parse_args()
    if args.prepare_only:
        prepare(database_for(args.people, args.database_url), args.people, args.officers)
        return
    figures = run(args)
    show(figures)
    OUT.mkdir(exist_ok=True)
    suffix = "-saturate" if args.saturate_only else ""
    target = OUT / f"load-{figures['database']}-{args.people}{suffix}.json"
    target.write_text(json.dumps(figures, indent=2))
    print(f"written to {target}")


if __name__ == "__main__":
    main()
