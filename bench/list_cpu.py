"""CPU per case list page, in-process: what one list costs the server, without HTTP or waiting.

    python -m bench.list_cpu --database-url sqlite:///bench/out/pages-100000.sqlite3 [--repeat 200]
    python -m bench.list_cpu ... --profile "officer: plain"     # cProfile of that page instead
    python -m bench.list_cpu ... --split "officer: plain"       # its CPU time split by stage

The database is one `python -m bench.pages` built (its accounts bench.officer, of MNY, and
bench.supervisor, national). Each page is asked for `--warm-up` times, then `--repeat` times,
through Flask's test client; the median and 90th percentile of `time.process_time()` per request
are printed (on SQLite the database works in this process, so that is the whole work), and the
Python function calls per request, which do not depend on what else the machine is doing.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import os
import pstats
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

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


# The stages of a list page, each the function (module, name) that does it; a stage's time is
# its own, without the stages called inside it. What no stage covers (the test client, the WSGI
# call, routing, the session cookie's reading) is "the rest".
STAGES = {
    "before the view: session, account, locale, access": ("flask.app", "Flask.preprocess_request"),
    "the account and its border points (query)": ("registry.extensions", "login_manager._user_callback"),
    "the filter form (colleagues' query, fields, validation)": ("registry.web.cases.views", "filter_form"),
    "the filter form, or the same as before (colleagues' query)": ("registry.web.cases.views", "list_filters"),
    "the page's cases and their count (queries, rows)": ("registry.services.cases", "list_cases"),
    "the audit row queued": ("registry.web.cases.views", "audit_here"),
    "the rows' cells (labels, links, dates)": ("registry.web.cases.views", "list_rows"),
    "rendering (template, layout, macros, form)": ("registry.web.cases.views", "render_template"),
    "after the view: audit row written, commit": ("registry.services.audit", "commit_snapshot"),
    "after the view: headers, session cookie": ("flask.app", "Flask.process_response"),
}


@contextmanager
def stages_timed() -> Iterator[dict[str, float]]:
    """Each stage's own CPU time (time.process_time), summed over the requests made meanwhile."""
    import importlib

    spent: dict[str, float] = defaultdict(float)
    running: list[str] = []
    originals = []

    def timed(stage: str, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            if running:  # the enclosing stage stops counting while this one runs
                spent[running[-1]] += started
            running.append(stage)
            try:
                return function(*args, **kwargs)
            finally:
                ended = time.process_time()
                running.pop()
                spent[stage] += ended - started
                if running:
                    spent[running[-1]] -= ended
        return wrapper

    for stage, (module_name, name) in STAGES.items():
        owner: Any = importlib.import_module(module_name)
        *path, attribute = name.split(".")
        for part in path:
            owner = getattr(owner, part)
        if not hasattr(owner, attribute):  # a stage the code measured does not have
            continue
        originals.append((owner, attribute, getattr(owner, attribute)))
        setattr(owner, attribute, timed(stage, getattr(owner, attribute)))
    try:
        yield spent
    finally:
        for owner, attribute, original in reversed(originals):
            setattr(owner, attribute, original)


def split(client, url: str, repeat: int) -> None:  # type: ignore[no-untyped-def]
    """Print the page's CPU time by stage: a mean per request over `repeat` requests."""
    with stages_timed() as spent:
        total = sum(cpu_ms(client, url, repeat))
    print(f"{url}: {total / repeat:.2f} ms a request (mean of {repeat}), of which:")
    for stage, seconds in spent.items():
        print(f"  {seconds * 1000 / repeat:6.2f} ms  {stage}")
    print(f"  {(total - sum(spent.values()) * 1000) / repeat:6.2f} ms  the rest (test client, WSGI, routing)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--warm-up", type=int, default=20)
    parser.add_argument("--profile", help='"<account>: <page>", e.g. "officer: plain"')
    parser.add_argument("--split", help='"<account>: <page>": its CPU time by stage')
    arguments = parser.parse_args()
    app = make_app(arguments.database_url)
    clients = {role: login(app, username) for role, username in ACCOUNTS.items()}
    if arguments.split:
        role, page = (part.strip() for part in arguments.split.split(":"))
        cpu_ms(clients[role], PAGES[page], arguments.warm_up)
        print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}", flush=True)
        split(clients[role], PAGES[page], arguments.repeat)
        return
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
