"""The same pages on PostgreSQL and on SQLite, one request to each in turn: the application's CPU
per page on each database, PostgreSQL's server CPU beside it, statements and round trips.

    python -m bench.database_cpu --postgresql URL --sqlite URL [--repeat 100]
                                 [--pages case,list,search,form,print]

Both databases must hold a registry built by bench.pages (`build()`: its accounts and synthetic
people), the same size, ideally from the same seed. The officer `bench.officer` (Manyovu) asks
for each page once on one database, then on the other, alternately for --repeat rounds after ten
rounds of warm-up, so that whatever else the machine does weighs on both alike.

- app CPU: this process's CPU time for the request (`time.process_time`), which on SQLite
  includes the database's own work and on PostgreSQL only the driver's;
- server CPU: the PostgreSQL server processes' CPU time for the same request (bench.pages'
  server_cpu(), so only when the server runs on this machine);
- statements: as SQLAlchemy sends them; round trips: what psycopg sends and waits an answer for
  (the statements, and the pool's ping, BEGIN, COMMIT, preparing a statement).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import event, select

from bench import pages

PAGES: dict[str, Callable[[str], str]] = {
    "case": lambda number: f"/cases/{number}",
    "list": lambda number: "/cases",
    "search": lambda number: "/cases?q=Niyonzima",
    "form": lambda number: "/registrations/new",
    "print": lambda number: f"/cases/{number}/summary.pdf",
}


def count_round_trips() -> list[int]:
    """A one-element counter of psycopg's round trips: statements (and the pool's ping), BEGIN,
    COMMIT and ROLLBACK, and the PREPARE of a statement seen for the fifth time."""
    from psycopg import Cursor, _connection_base, _cursor_base

    counter = [0]

    def counting(owner: Any, name: str) -> None:
        original = getattr(owner, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            counter[0] += 1
            return original(*args, **kwargs)

        setattr(owner, name, counted)

    counting(Cursor, "execute")
    counting(Cursor, "executemany")  # sent in one pipeline
    counting(_connection_base.BaseConnection, "_exec_command")
    counting(_cursor_base.BaseCursor, "_send_prepare")
    return counter


def setup(url: str) -> tuple[Any, list[str], list[str]]:
    """A logged-in client, the first 300 case numbers of Manyovu, and the statements' list."""
    from registry.extensions import db
    from registry.models import BorderPoint, Case

    app = pages.make_app(url)
    statements: list[str] = []
    with app.app_context():
        point = db.session.scalar(select(BorderPoint.id).where(BorderPoint.code == "MNY"))
        numbers = list(db.session.scalars(
            select(Case.case_number).where(Case.border_point_id == point).order_by(Case.id).limit(300)))  # fmt: skip
        event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    return pages.login(app, "bench.officer"), numbers, statements


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgresql", required=True, help="postgresql+psycopg://... (read, and written to: audit rows)")
    parser.add_argument("--sqlite", required=True, help="sqlite:///... of the same size")
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--pages", default=",".join(PAGES))
    args = parser.parse_args()
    host_is_local = any(host in args.postgresql for host in ("@127.0.0.1", "@localhost"))
    pages.SERVER_DATABASE = args.postgresql.rsplit("/", 1)[1].split("?")[0] if host_is_local else None
    round_trips = count_round_trips()
    clients = {"postgresql": setup(args.postgresql), "sqlite": setup(args.sqlite)}
    common = sorted(set(clients["postgresql"][1]) & set(clients["sqlite"][1]))
    print(f"load average {os.getloadavg()[0]:.2f} at {time.strftime('%H:%M:%S')}; {len(common)} cases in both")
    print("| page | app CPU, PostgreSQL | app CPU, SQLite | ratio | server CPU | statements PG / SQLite | round trips PG |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name in args.pages.split(","):
        cpu: dict[str, list[float]] = {"postgresql": [], "sqlite": []}
        server: list[float] = []
        statements: dict[str, int] = {}
        trips = 0
        for turn in range(args.repeat + 10):
            url = PAGES[name](random.Random(turn).choice(common))
            for database in ("postgresql", "sqlite") if turn % 2 else ("sqlite", "postgresql"):
                client, _numbers, sent = clients[database]
                sent.clear()
                before_trips, before_server, before = round_trips[0], pages.server_cpu(), time.process_time()
                response = client.get(url)
                response.get_data()
                spent = (time.process_time() - before) * 1000
                assert response.status_code == 200, (database, url, response.status_code)
                if turn < 10:
                    continue
                cpu[database].append(spent)
                statements[database] = len(sent)
                if database == "postgresql":
                    server.append((pages.server_cpu() - before_server) * 1000)
                    trips = round_trips[0] - before_trips
        on_pg, on_sqlite = statistics.median(cpu["postgresql"]), statistics.median(cpu["sqlite"])
        print(f"| {name} | {on_pg:.1f} ms | {on_sqlite:.1f} ms | {on_pg / on_sqlite:.2f} | "
              f"{statistics.median(server):.1f} ms | {statements['postgresql']} / {statements['sqlite']} | {trips} |", flush=True)  # fmt: skip
    print(f"load average {os.getloadavg()[0]:.2f} at {time.strftime('%H:%M:%S')}")


if __name__ == "__main__":
    main()
