"""Crash test: registrations sent as fast as possible to a real gunicorn, killed with SIGKILL
mid-way, restarted; every registration the client saw acknowledged must be there, whole.

    python -m bench.crash [--database-url URL] [--kills 5] [--clients 8] [--port 8766]

The database (a new SQLite file in bench/out/ by default, or the PostgreSQL database given,
emptied first) starts empty. Each round starts gunicorn (gunicorn.conf.py), lets --clients officers
register people back to back, and 3 to 8 seconds after the first acknowledgement kills the server's whole process group
(master and workers) with SIGKILL: requests in flight die with it. A registration counts as
acknowledged when the client received the 302 to its case page. After the last round, with the
server down, the database is checked directly:

- every acknowledged case exists with its person exactly as sent (names, sex, birth date,
  nationality, phone), its identity document, its registration event and its audit row;
- nothing is half-written: no case without its principal or its registration event, no person
  outside a case, no document without its person;
- SQLite's `PRAGMA integrity_check` and `foreign_key_check` (PostgreSQL: every index of the
  registry's tables checked by amcheck when available), and the audit log's hash chain.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
from sqlalchemy import text

from bench.load import CSRF, PASSWORD, uptime

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
POINTS = ("MNY", "KBG")


@dataclass(frozen=True)
class Sent:
    case_number: str
    given_names: str
    family_name: str
    sex: str
    date_of_birth: str
    nationality: str
    phone: str
    document: str


def make_app(url: str):  # type: ignore[no-untyped-def]
    from registry import create_app

    return create_app({"DATABASE_URL": url, "SECRET_KEY": "crash-benchmark", "RATELIMIT_ENABLED": False})


def prepare(url: str, clients: int) -> None:
    from flask_migrate import upgrade

    from registry.extensions import db
    from registry.services import accounts

    if url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    app = make_app(url)
    with app.app_context():
        if url.startswith("postgresql"):
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        for code in POINTS:
            accounts.add_border_point(code, f"Point {code}", "TZA")
        for number in range(clients):
            accounts.create_user(f"crash.officer{number}", PASSWORD, "officer", [POINTS[number % 2]])
        db.session.commit()
        db.engine.dispose()


def start(url: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "REGISTRY_DATABASE_URL": url, "REGISTRY_SECRET_KEY": "crash-benchmark",
           "REGISTRY_RATE_LIMIT_DEFAULT": "1000000 per minute",
           "REGISTRY_LOGIN_RATE_LIMIT": "100000 per minute"}  # fmt: skip
    log = (OUT / "crash-gunicorn.log").open("ab")
    server = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "-b", f"127.0.0.1:{port}",
         "wsgi:app"], cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    os.killpg(server.pid, signal.SIGKILL)
    raise SystemExit("gunicorn did not start")


async def officer(base: str, number: int, until: float, sent: list[Sent], failed: list[str]) -> None:
    rng = random.Random(f"{number}-{time.time()}")
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        try:
            page = (await client.get("/login")).text
            await client.post("/login", data={"csrf_token": CSRF.search(page).group(1),  # type: ignore[union-attr]
                                              "username": f"crash.officer{number}", "password": PASSWORD})  # fmt: skip
            token = CSRF.search((await client.get("/registrations/new")).text).group(1)  # type: ignore[union-attr]
        except (httpx.HTTPError, AttributeError) as error:
            failed.append(repr(error))
            return
        today = date.today().isoformat()
        while time.monotonic() < until:
            tag = uuid.uuid4().hex[:10]
            person = {"given_names": f"Crash{tag}", "family_name": rng.choice(("Niyonzima", "Uwimana", "Ilunga")),
                      "sex": rng.choice(("female", "male")),
                      "date_of_birth": f"{rng.randint(1960, 2010)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                      "nationality": rng.choice(("BDI", "COD", "RWA")),
                      "phone": f"+2557{rng.randint(10_000_000, 99_999_999)}",
                      "document": f"CR{tag.upper()}"}  # fmt: skip
            form = {"csrf_token": token, "submission_id": str(uuid.uuid4()), "border_point": POINTS[number % 2],
                    "arrival_date": today, "entry_type": "irregular", "circumstances": "intercepted",
                    "dob_precision": "exact", "consent_given": "yes", "consent_scope": "case_management",
                    "consent_date": today, "documents-0-type": "passport", "documents-0-number": person["document"],
                    "documents-0-issuing_country": person["nationality"],
                    **{key: value for key, value in person.items() if key != "document"}}  # fmt: skip
            try:
                response = await client.post("/registrations/new", data=form)
            except httpx.HTTPError:
                return  # the server died: this one was never acknowledged
            if response.status_code == 302:
                sent.append(Sent(response.headers["location"].rsplit("/", 1)[-1], **person))
            else:
                failed.append(f"{response.status_code}")


def round_(url: str, port: int, clients: int, rng: random.Random) -> tuple[list[Sent], list[str], float]:
    server = start(url, port)
    sent: list[Sent] = []
    failed: list[str] = []
    lifetime = rng.uniform(3, 8)

    async def work() -> None:
        async def killer() -> None:
            # Mid-way: some seconds after registrations have started to flow (logins take a moment).
            waited = 0.0
            while not sent and waited < 60:
                await asyncio.sleep(0.05)
                waited += 0.05
            await asyncio.sleep(lifetime)
            os.killpg(server.pid, signal.SIGKILL)

        await asyncio.gather(killer(), *(officer(f"http://127.0.0.1:{port}", n, time.monotonic() + 60, sent, failed)
                                         for n in range(clients)))  # fmt: skip

    asyncio.run(work())
    server.wait()
    return sent, failed, lifetime


def check(url: str, acknowledged: list[Sent]) -> dict[str, object]:
    from registry.extensions import db
    from registry.services import audit

    app = make_app(url)
    with app.app_context():
        session = db.session
        rows = {row.case_number: row for row in session.execute(text(
            "SELECT c.case_number, p.given_names, p.family_name, p.sex, p.date_of_birth, p.nationality, p.phone, "
            "d.number AS document, "
            "(SELECT count(*) FROM case_event e WHERE e.case_id = c.id) AS events, "
            "(SELECT count(*) FROM audit_entry a WHERE a.object_id = c.case_number AND a.action = 'registration') AS audits "
            "FROM case_file c JOIN person p ON p.id = c.principal_id "
            "LEFT JOIN identity_document d ON d.person_id = p.id"))}  # fmt: skip
        lost, damaged = [], []
        for sent in acknowledged:
            row = rows.get(sent.case_number)
            if row is None:
                lost.append(sent.case_number)
                continue
            stored = (row.given_names, row.family_name, row.sex, str(row.date_of_birth)[:10], row.nationality,
                      row.phone, row.document)  # fmt: skip
            if stored != (sent.given_names, sent.family_name, sent.sex, sent.date_of_birth, sent.nationality,
                          sent.phone, sent.document) or row.events < 1 or row.audits < 1:  # fmt: skip
                damaged.append(f"{sent.case_number}: {stored} events={row.events} audits={row.audits}")
        half_written = {
            "cases without a registration event": "SELECT count(*) FROM case_file c WHERE NOT EXISTS "
                                                  "(SELECT 1 FROM case_event e WHERE e.case_id = c.id)",
            "people in no case": "SELECT count(*) FROM person p WHERE NOT EXISTS "
                                 "(SELECT 1 FROM case_member m WHERE m.person_id = p.id) "
                                 "AND NOT EXISTS (SELECT 1 FROM case_file c WHERE c.principal_id = p.id)",
            "documents without a person": "SELECT count(*) FROM identity_document d WHERE NOT EXISTS "
                                          "(SELECT 1 FROM person p WHERE p.id = d.person_id)",
        }  # fmt: skip
        orphans = {name: session.execute(text(sql)).scalar() for name, sql in half_written.items()}
        if db.engine.dialect.name == "sqlite":
            integrity = session.execute(text("PRAGMA integrity_check")).scalar()
            foreign_keys = session.execute(text("PRAGMA foreign_key_check")).all()
            integrity = f"{integrity}; foreign_key_check: {len(foreign_keys)} rows"
        else:
            integrity = postgresql_check(session)
        chain = audit.verify_chain(session)
        total = session.execute(text("SELECT count(*) FROM case_file")).scalar()
        session.rollback()
        db.engine.dispose()
    return {"acknowledged": len(acknowledged), "cases_in_database": total, "lost": lost, "damaged": damaged,
            "half_written": orphans, "integrity": integrity,
            "audit_chain": "intact" if chain.intact else f"BROKEN at {chain.broken_seq}: {chain.problem}"}  # fmt: skip


def postgresql_check(session) -> str:  # type: ignore[no-untyped-def]
    try:
        session.execute(text("CREATE EXTENSION IF NOT EXISTS amcheck"))
    except Exception as error:  # noqa: BLE001 - amcheck is optional: say so and go on
        session.rollback()
        return f"amcheck not available ({type(error).__name__}); tables read in full instead"
    indexes = session.execute(text(
        "SELECT c.oid::regclass::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "JOIN pg_am a ON a.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE a.amname = 'btree' AND n.nspname = current_schema()")).scalars().all()  # fmt: skip
    for index in indexes:
        session.execute(text("SELECT bt_index_check(CAST(:index AS regclass), true)"), {"index": index})
    return f"ok: {len(indexes)} btree indexes checked by amcheck (heapallindexed)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    url = args.database_url or f"sqlite:///{OUT / 'crash.sqlite3'}"
    rng = random.Random(args.seed)
    print(uptime())
    prepare(url, args.clients)
    acknowledged: list[Sent] = []
    for kill in range(1, args.kills + 1):
        sent, failed, lifetime = round_(url, args.port, args.clients, rng)
        acknowledged += sent
        print(f"round {kill}: killed {lifetime:.1f} s after the first acknowledgement; {len(sent)} registrations acknowledged "
              f"({len(sent) / lifetime:.1f}/s), {len(failed)} cut off or refused: {sorted(set(failed))[:5]}", flush=True)  # fmt: skip
    numbers = [sent.case_number for sent in acknowledged]
    assert len(numbers) == len(set(numbers)), "a case number was acknowledged twice"
    report = check(url, acknowledged)
    for key, value in report.items():
        print(f"{key}: {value}")
    print(uptime())
    if report["lost"] or report["damaged"] or any(report["half_written"].values()):  # type: ignore[union-attr]
        sys.exit(1)


if __name__ == "__main__":
    main()
