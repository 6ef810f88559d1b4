"""CPU per case list page, in-process: what one list costs the server, without HTTP or waiting.

    python -m bench.list_cpu --database-url sqlite:///bench/out/pages-100000.sqlite3 [--repeat 200]
    python -m bench.list_cpu ... --profile "officer: plain"     # cProfile of that page instead

The database is one `python -m bench.pages` built (its accounts bench.officer, of MNY, and
bench.supervisor, national). Each page is asked for `--warm-up` times, then `--repeat` times,
through Flask's test client; the median and 90th percentile of `time.process_time()` per request
are printed (on SQLite the database works in this process, so that is the whole work), and the
Python function calls per request, which do not depend on what else the machine is doing.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import time

from bench.pages import login, make_app

PAGES = {
    "plain": "/cases",
    "one filter": "/cases?status=screening",
    "name search": "/cases?q=Aline+Uwimana",
}
ACCOUNTS = {"officer": "bench.officer", "supervisor": "bench.supervisor"}


def cpu_ms(client, url: str, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        started = time.process_time()
        response = client.get(url)
        response.get_data()
        times.append((time.process_time() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return times


def calls(client, url: str, repeat: int = 10) -> int:  # type: ignore[no-untyped-def]
    """Python function calls per request (cProfile): unlike time, the same on a busy machine."""
    profile = cProfile.Profile()
    profile.enable()
    cpu_ms(client, url, repeat)
    profile.disable()
    return round(pstats.Stats(profile).total_calls / repeat)  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--warm-up", type=int, default=20)
    parser.add_argument("--profile", help='"<account>: <page>", e.g. "officer: plain"')
    arguments = parser.parse_args()
    app = make_app(arguments.database_url)
    clients = {role: login(app, username) for role, username in ACCOUNTS.items()}
    if arguments.profile:
        role, page = (part.strip() for part in arguments.profile.split(":"))
        client, url = clients[role], PAGES[page]
        cpu_ms(client, url, arguments.warm_up)
        profile = cProfile.Profile()
        profile.enable()
        cpu_ms(client, url, arguments.repeat)
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(60)
        pstats.Stats(profile).sort_stats("tottime").print_stats(40)
        return
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}", flush=True)
    for role, client in clients.items():
        for page, url in PAGES.items():
            cpu_ms(client, url, arguments.warm_up)
            times = sorted(cpu_ms(client, url, arguments.repeat))
            p90 = times[int(0.9 * (len(times) - 1))]
            print(f"{role:10} {page:12} median {statistics.median(times):5.2f} ms   p90 {p90:5.2f} ms   "
                  f"min {times[0]:5.2f} ms   {calls(client, url):,} calls", flush=True)  # fmt: skip
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}", flush=True)


if __name__ == "__main__":
    main()
