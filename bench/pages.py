"""Benchmark of the main pages at scale: the case list with each filter, name search, the dashboard
and the CSV export, on a synthetic registry of N people (`flask registry generate`).

    python -m bench.pages [--people 10000,100000,1000000] [--database-url URL] [--repeat 20]
                          [--reuse]
    python -m bench.pages --report     # the figures of bench/out/ as Markdown tables
    python -m bench.pages --people 1000000 --reuse --export-only    # the CSV export alone

Each size gets its own database: SQLite files in bench/out/ by default, or the PostgreSQL database
given (emptied first, and given the settings docs/deployment.md recommends: never point it at
a registry in use). --reuse keeps a database already
filled to that size (migrated to the newest schema first). Pages are timed through the Flask test client (no network), as a national
supervisor; the export runs in a child process whose peak memory (VmHWM) is read from the kernel.
Prints the figures, and writes them to bench/out/pages-<database>-<people>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text, update

OUT = Path(__file__).resolve().parent / "out"
PASSWORD = "benchmark-password-2026"
TIMEZONE = "Africa/Dar_es_Salaam"


def make_app(url: str):  # type: ignore[no-untyped-def]
    from registry import create_app

    return create_app({"DATABASE_URL": url, "SECRET_KEY": "benchmark", "RATELIMIT_ENABLED": False,
                       "TIMEZONE": TIMEZONE, "TESTING": False})  # fmt: skip


def database_for(people: int, base_url: str | None) -> str:
    if base_url:
        return base_url
    OUT.mkdir(exist_ok=True)
    return f"sqlite:///{OUT / f'pages-{people}.sqlite3'}"


def build(url: str, people: int, reuse: bool) -> dict[str, Any]:
    """A registry of `people` synthetic people and two accounts to log in with."""
    from flask_migrate import upgrade

    from registry import synthetic
    from registry.extensions import db
    from registry.models import User
    from registry.services import accounts

    app = make_app(url)
    with app.app_context():
        if not url.startswith("sqlite"):
            postgresql_settings()
        if reuse:
            upgrade()  # a database built before a new migration keeps its data
            if _is_built(people):
                return {"reused": True}
        if url.startswith("sqlite"):
            db.engine.dispose()
            path = Path(url.removeprefix("sqlite:///"))
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        else:
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        for code, name, region in synthetic.DEFAULT_POINTS:
            accounts.add_border_point(code, name, "TZA", region)
        accounts.create_user("bench.supervisor", PASSWORD, "supervisor", [], all_border_points=True)
        accounts.create_user("bench.officer", PASSWORD, "officer", ["MNY"])
        db.session.commit()
        started = time.perf_counter()
        cpu = _cpu_with_children()
        made = synthetic.generate(people, years=3, seed=2026, timezone=TIMEZONE,
                                  progress=lambda done: print(f"  {done:,} people written", flush=True))  # fmt: skip
        elapsed = time.perf_counter() - started
        assert db.session.scalar(select(func.count()).select_from(User)) > 0
    return {"people": made.people, "cases": made.cases, "events": made.events,
            "seconds_writing": round(made.seconds_writing, 1),
            "seconds_counting_figures": round(made.seconds_counting, 1),
            "people_per_second_writing": round(made.people / made.seconds_writing),
            "people_per_second_overall": round(made.people / elapsed),
            "people_per_cpu_second_writing": round(made.people / made.cpu_seconds_writing),
            "cpu_seconds": round(_cpu_with_children() - cpu, 1)}  # fmt: skip


def _cpu_with_children() -> float:
    """This process's CPU seconds and its finished children's (the generator's workers)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


# What docs/deployment.md recommends for the registry's database (SSD storage, few cores, many
# short requests), applied to the benchmark's own database for its next connections.
POSTGRESQL_SETTINGS = {"random_page_cost": "1.1", "max_parallel_workers_per_gather": "0"}


def postgresql_settings() -> None:
    from registry.extensions import db

    with db.engine.begin() as connection:
        name = connection.execute(text("SELECT current_database()")).scalar_one()
        for setting, value in POSTGRESQL_SETTINGS.items():
            connection.execute(text(f'ALTER DATABASE "{name}" SET {setting} = {value}'))
    db.engine.dispose()


def _is_built(people: int) -> bool:
    """Whether the database already holds `people` people, in the newest schema."""
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from flask import current_app

    from registry.extensions import db
    from registry.models import Person

    head = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config()).get_current_head()
    with db.engine.connect() as connection:
        if MigrationContext.configure(connection).get_current_revision() != head:
            return False
    return db.session.scalar(select(func.count()).select_from(Person)) == people


def login(app, username: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"csrf_token": token, "username": username, "password": PASSWORD})
    assert response.status_code == 302, "login failed"
    return client


# The PostgreSQL database the pages read, when its server runs on this machine: the CPU time of
# its server processes is then counted with the app's (see server_cpu()).
SERVER_DATABASE: str | None = None


def server_cpu() -> float:
    """Seconds on a CPU of the PostgreSQL server processes serving SERVER_DATABASE (a backend's
    title names its database), from /proc/<pid>/schedstat; 0 on SQLite or a remote server."""
    if not SERVER_DATABASE:
        return 0.0
    marker, total = f" {SERVER_DATABASE} ".encode(), 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            title = Path(f"/proc/{entry.name}/cmdline").read_bytes()
            if not title.startswith(b"postgres: ") or marker not in title:
                continue
            with open(f"/proc/{entry.name}/schedstat") as schedstat:
                total += int(schedstat.read().split()[0])
        except (OSError, ValueError, IndexError):
            continue  # a process that ended meanwhile
    return total / 1e9


def timed(client, url: str, repeat: int, check: Callable[[str], bool] | None = None) -> list[tuple[float, float]]:  # type: ignore[no-untyped-def]
    """(wall, CPU) milliseconds of each request. CPU time is the work done, whatever else the
    machine is busy with: on SQLite the database works in this process; on PostgreSQL on this
    machine, its server processes' time is added. Wall time includes waiting for a core."""
    times = []
    for _ in range(repeat):
        server = server_cpu()
        started, cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        body = response.get_data(as_text=True)
        wall, cpu = (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000
        times.append((wall, cpu + (server_cpu() - server) * 1000))
        assert response.status_code == 200, (url, response.status_code, body[:300])
        if check is not None:
            assert check(body), url
    return times


def summary(times: list[tuple[float, float]]) -> dict[str, float]:
    def percentile(values: list[float], share: float) -> float:
        ordered = sorted(values)
        return round(ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))], 1)

    wall, cpu = [t[0] for t in times], [t[1] for t in times]
    return {"p50_ms": percentile(wall, 0.5), "p95_ms": percentile(wall, 0.95), "max_ms": round(max(wall), 1),
            "cpu_p50_ms": percentile(cpu, 0.5), "cpu_p95_ms": percentile(cpu, 0.95), "runs": len(times)}  # fmt: skip


def calibration() -> float:
    """Seconds of CPU for a fixed pure-Python loop: how fast this machine is, to compare runs."""
    started = time.process_time()
    total = 0
    for number in range(5_000_000):
        total += number
    return round(time.process_time() - started, 2)


def samples(app) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Real values from the data to search and filter by."""
    from registry.extensions import db
    from registry.models import Case, IdentityDocument, Person, User

    rng = random.Random(5)
    with app.app_context():
        top = db.session.scalar(select(func.max(Person.id)))
        people = [db.session.get(Person, rng.randint(1, top)) for _ in range(60)]
        people = [person for person in people if person is not None]
        officer = db.session.scalar(select(User.username).where(User.username.like("synthetic.officer.kbg%")))
        document = db.session.scalar(select(IdentityDocument.number).limit(1).offset(rng.randint(0, 1000)))
        phone = db.session.scalar(select(Person.phone).where(Person.phone.is_not(None)).limit(1).offset(rng.randint(0, 1000)))
        case_number = db.session.scalar(select(Case.case_number).limit(1).offset(rng.randint(0, 1000)))
        last = db.session.scalar(select(func.max(Case.registered_at)))
    names = []
    for person in people:
        family, given = person.family_name, person.given_names.split()[0]
        names += [family, family[:4], f"{given} {family}", given.lower()[:3]]
    month_end = last.date()
    return {"names": names[:80], "officer": officer, "document": document, "phone": phone,
            "case_number": case_number, "month": (month_end.replace(day=1).isoformat(), month_end.isoformat())}  # fmt: skip


def list_urls(found: dict[str, Any]) -> dict[str, str]:
    first, last = found["month"]
    return {
        "no filter": "/cases",
        "status=screening": "/cases?status=screening",
        "status=return_requested": "/cases?status=return_requested",
        "pathway=regularisation": "/cases?pathway=regularisation",
        "border_point=KBG": "/cases?border_point=KBG",
        "assigned_to (an officer)": f"/cases?assigned_to={found['officer']}",
        "assigned_to=none": "/cases?assigned_to=none",
        "priority=urgent": "/cases?priority=urgent",
        "vulnerability=disability": "/cases?vulnerability=disability",
        "vulnerability=trafficking_victim": "/cases?vulnerability=trafficking_victim",
        "nationality=SOM": "/cases?nationality=SOM",
        "nationality=BDI": "/cases?nationality=BDI",
        "registered in the last month": f"/cases?registered_from={first}&registered_to={last}",
        "q=case number": f"/cases?q={found['case_number']}",
        "q=document number": f"/cases?q={found['document']}",
        "q=phone (local form)": "/cases?q=" + "0" + re.sub(r"\D", "", found["phone"])[3:],
        "sort=oldest": "/cases?sort=oldest",
        "status=screening&border_point=MNY&priority=high": "/cases?status=screening&border_point=MNY&priority=high",
    }  # fmt: skip


EXPORT_CHILD = """
import re, resource, sys, time
sys.path.insert(0, {root!r})
from bench.pages import login, make_app
app = make_app({url!r})
client = login(app, "bench.supervisor")
started, cpu = time.perf_counter(), time.process_time()
response = client.get("/cases/export.csv", buffered=False)
rows = size = 0
for chunk in response.response:
    size += len(chunk)
    rows += chunk.count(b"\\n")
response.close()
seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
# VmHWM, not getrusage's ru_maxrss: that one keeps the parent's peak across fork and exec.
peak_kb = int(re.search(r"VmHWM:\\s+(\\d+) kB", open("/proc/self/status").read()).group(1))
print(rows - 1, size, seconds, cpu, peak_kb)
"""


def export(url: str) -> dict[str, Any]:
    root = str(Path(__file__).resolve().parent.parent)
    result = subprocess.run([sys.executable, "-c", EXPORT_CHILD.format(root=root, url=url)],
                            capture_output=True, text=True, check=True)  # fmt: skip
    rows, size, seconds, cpu, peak_kb = result.stdout.split()[-5:]
    rows, seconds, cpu = int(rows), float(seconds), float(cpu)
    # On SQLite the database works in the child: its CPU time is the export's whole work.
    return {"rows": rows, "megabytes": round(int(size) / 1e6, 1), "seconds": round(seconds, 1),
            "rows_per_second": round(rows / seconds), "cpu_seconds": round(cpu, 1),
            "rows_per_cpu_second": round(rows / cpu), "peak_memory_mb": round(int(peak_kb) / 1024)}  # fmt: skip


def dirty_some_days(app, count: int = 20) -> None:  # type: ignore[no-untyped-def]
    """Touch a few cases spread over the years, as a day's work would: the next dashboard must
    recount their days (the triggers queue a day when a column they watch is written)."""
    from registry.extensions import db
    from registry.models import Case

    with app.app_context():
        top = db.session.scalar(select(func.max(Case.id)))
        ids = random.sample(range(1, top + 1), count)
        table = Case.__table__
        db.session.execute(update(table).where(table.c.id.in_(ids)).values(status=table.c.status))
        db.session.commit()


def run(people: int, url: str, repeat: int, reuse: bool, export_only: bool = False) -> dict[str, Any]:
    global SERVER_DATABASE
    host = re.search(r"@([^:/]+)", url)
    local = host is not None and host.group(1) in ("127.0.0.1", "localhost")
    SERVER_DATABASE = url.rsplit("/", 1)[1].split("?")[0] if url.startswith("postgresql") and local else None
    print(f"\n== {people:,} people on {url.split(':')[0]} ==", flush=True)
    report: dict[str, Any] = {"people": people, "database": url.split(":")[0],
                              "load_average_before": os.getloadavg(),
                              "calibration_cpu_seconds_before": calibration()}  # fmt: skip
    print(f"  calibration: {report['calibration_cpu_seconds_before']} s of CPU for the reference loop, "
          f"load average {report['load_average_before'][0]:.1f}", flush=True)
    report["generate"] = build(url, people, reuse)
    previous = OUT / f"pages-{report['database']}-{people}.json"
    if report["generate"].get("reused") and previous.exists():
        # The figures of the load that filled the database, from its first run.
        report["generate"] = {**json.loads(previous.read_text()).get("generate", {}), "reused": True}
    print("  generate:", report["generate"], flush=True)
    if export_only:
        report["export_csv"] = export(url)
        print("  export:", report["export_csv"], flush=True)
        report["load_average_after"] = os.getloadavg()
        OUT.mkdir(exist_ok=True)
        (OUT / f"export-{report['database']}-{people}.json").write_text(json.dumps(report, indent=2))
        return report
    app = make_app(url)
    found = samples(app)
    client = login(app, "bench.supervisor")
    client.get("/dashboard")  # the first count after a load is part of the load
    pages: dict[str, Any] = {}
    for name, page_url in list_urls(found).items():
        timed(client, page_url, 2)  # warm the caches
        pages[f"list: {name}"] = summary(timed(client, page_url, repeat))
    first = client.get("/cases").get_data(as_text=True)
    cursor = re.search(r'rel="next" href="([^"]+)"', first)
    if cursor:
        pages["list: next page"] = summary(timed(client, cursor.group(1).replace("&amp;", "&"), repeat))
    searches = []
    for query in found["names"]:
        searches += timed(client, f"/cases?q={query}", 1)
    pages["name search (80 names and prefixes)"] = summary(searches)
    pages["dashboard (nothing changed)"] = summary(timed(client, "/dashboard", repeat))
    cold = []
    for _ in range(min(repeat, 5)):
        dirty_some_days(app)
        cold += timed(client, "/dashboard", 1)
    pages["dashboard (after 20 cases changed)"] = summary(cold)
    first_day, last_day = found["month"]
    pages["dashboard (one month, one pathway)"] = summary(timed(
        client, f"/dashboard?registered_from={first_day}&registered_to={last_day}&pathway=voluntary_return", repeat))
    pages["dashboard (one border point, per week)"] = summary(timed(client, "/dashboard?border_point=MNY&per=week", repeat))
    report["pages"] = pages
    for name, figures in pages.items():
        print(f"  {name:<52} p50 {figures['p50_ms']:>7.1f} ms  p95 {figures['p95_ms']:>7.1f} ms"
              f"   CPU p50 {figures['cpu_p50_ms']:>7.1f} ms  p95 {figures['cpu_p95_ms']:>7.1f} ms", flush=True)
    report["export_csv"] = export(url)
    print("  export:", report["export_csv"], flush=True)
    report["load_average_after"] = os.getloadavg()
    report["calibration_cpu_seconds_after"] = calibration()
    report["max_rss_mb_of_the_benchmark"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    OUT.mkdir(exist_ok=True)
    (OUT / f"pages-{report['database']}-{people}.json").write_text(json.dumps(report, indent=2))
    return report


def report_table() -> str:
    """The figures of every run in bench/out/ as Markdown tables (p95 wall / p95 CPU, ms)."""
    runs = sorted((json.loads(path.read_text()) for path in OUT.glob("pages-*.json")),
                  key=lambda run: (run["database"], run["people"]))  # fmt: skip
    if not runs:
        return "no figures in bench/out/"
    heads = [f"{run['database'].split('+')[0]} {run['people']:,}" for run in runs]
    lines = ["| page (p95 wall / p95 CPU, ms) | " + " | ".join(heads) + " |",
             "| --- |" + " ---: |" * len(runs)]  # fmt: skip
    for name in runs[-1]["pages"]:
        cells = [f"{run['pages'][name]['p95_ms']:.0f} / {run['pages'][name]['cpu_p95_ms']:.0f}"
                 if name in run["pages"] else "" for run in runs]  # fmt: skip
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    export = [run.get("export_csv", {}) for run in runs]
    lines.append("| CSV export: rows a second (wall / per CPU second) | " + " | ".join(
        f"{e.get('rows_per_second', 0):,} / {e.get('rows_per_cpu_second', 0):,}" for e in export) + " |")
    lines.append("| CSV export: peak memory (MB) | " + " | ".join(str(e.get("peak_memory_mb", "")) for e in export) + " |")
    generate = [run.get("generate", {}) for run in runs]
    lines.append("| generate: people a second (writing, wall) | " + " | ".join(
        f"{g.get('people_per_second_writing', 0):,}" for g in generate) + " |")
    lines.append("| generate: CPU seconds (writing and counting) | " + " | ".join(
        str(g.get("cpu_seconds", "")) for g in generate) + " |")
    lines.append("| load average before / after | " + " | ".join(
        f"{run['load_average_before'][0]:.1f} / {run['load_average_after'][0]:.1f}" for run in runs) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", default="10000,100000,1000000",
                        help="comma-separated sizes (default: 10000,100000,1000000)")
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL to use (emptied!); default SQLite")
    parser.add_argument("--repeat", type=int, default=20, help="timed runs of each page")
    parser.add_argument("--reuse", action="store_true", help="keep a database already filled to the size")
    parser.add_argument("--report", action="store_true", help="print the figures of bench/out/ as Markdown")
    parser.add_argument("--export-only", action="store_true",
                        help="time the CSV export alone (to bench/out/export-<database>-<people>.json)")
    args = parser.parse_args()
    if args.report:
        print(report_table())
        return
    for people in (int(size) for size in args.people.split(",")):
        run(people, database_for(people, args.database_url), args.repeat, args.reuse, args.export_only)


if __name__ == "__main__":
    main()
