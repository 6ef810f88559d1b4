"""Bad clients against a real gunicorn, while an officer keeps working: does the server keep
serving others, and is nothing half-written?

    python -m bench.abuse [--database-url URL] [--port 8767] [--slow 30]

On a new SQLite registry (bench/out/abuse.sqlite3, or the PostgreSQL database given, emptied),
with the repository's gunicorn.conf.py and the production rate limits (kept in Redis), while a
probe opens the case list once every 200 ms as a logged-in officer:

1. a 100 MB request body, sent to the login page and, logged in, to the registration form;
2. a registration whose body stops half-way: the client closes the connection after 1 MB of 5;
3. 500 logins at once from one address (as behind a border point's router);
4. --slow clients sending their request one byte a second (no proxy in front: nginx is what
   protects the national server from these, see docs/deployment.md).

For each: what the bad clients got, how long they took, the probe's p50/max and its failures,
and the number of cases before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from bench.crash import make_app, prepare
from bench.load import CSRF, PASSWORD, percentiles, uptime

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
MB = 1024 * 1024


def start(url: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "REGISTRY_DATABASE_URL": url, "REGISTRY_SECRET_KEY": "abuse-benchmark",
           "REGISTRY_RATELIMIT_STORAGE_URI": os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/0")}  # fmt: skip
    log = (OUT / "abuse-gunicorn.log").open("ab")
    server = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "-b", f"127.0.0.1:{port}",
         "wsgi:app"], cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)  # fmt: skip
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    os.killpg(server.pid, signal.SIGKILL)
    raise SystemExit("gunicorn did not start")


async def logged_in(base: str, username: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=base, timeout=120)
    page = (await client.get("/login")).text
    await client.post("/login", data={"csrf_token": CSRF.search(page).group(1), "username": username,  # type: ignore[union-attr]
                                      "password": PASSWORD})  # fmt: skip
    return client


class Probe:
    """An officer opening the case list every 200 ms; what they saw during each attack."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client, self.latencies, self.failures, self.running = client, [], 0, True  # type: ignore[var-annotated]

    async def run(self) -> None:
        while self.running:
            started = time.perf_counter()
            try:
                response = await self.client.get("/cases", timeout=30)
                if response.status_code != 200:
                    self.failures += 1
            except httpx.HTTPError:
                self.failures += 1
            self.latencies.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(0.2)

    def take(self) -> dict[str, Any]:
        seen = {"probe_requests": len(self.latencies), **{f"probe_{key}": value for key, value in
                percentiles(self.latencies).items()}, "probe_max_ms": round(max(self.latencies, default=0), 1),
                "probe_failures": self.failures}  # fmt: skip
        self.latencies, self.failures = [], 0
        return seen


async def raw(port: int, head: str, body_bytes: int, chunk: bytes, close_after: int | None = None) -> tuple[str, int, float]:
    """Send `head` then up to `body_bytes` of `chunk`s; the status line answered (or what happened),
    the bytes sent, and the seconds taken."""
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(head.encode())
    sent = 0
    answer = ""
    try:
        while sent < body_bytes:
            if close_after is not None and sent >= close_after:
                writer.close()
                return "closed by the client", sent, time.perf_counter() - started
            writer.write(chunk)
            sent += len(chunk)
            await writer.drain()
            if reader.at_eof() or len(reader._buffer):  # type: ignore[attr-defined]  # the server answered early
                break
        line = await asyncio.wait_for(reader.readline(), 60)
        answer = line.decode("latin-1").strip() or "connection closed by the server"
    except (ConnectionError, asyncio.TimeoutError) as error:
        answer = f"{type(error).__name__} after the server stopped reading"
        try:
            line = await asyncio.wait_for(reader.readline(), 5)
            answer = line.decode("latin-1").strip() or answer
        except (ConnectionError, asyncio.TimeoutError):
            pass
    writer.close()
    return answer, sent, time.perf_counter() - started


def cases(url: str) -> int:
    from registry.extensions import db

    app = make_app(url)
    with app.app_context():
        count = db.session.execute(text("SELECT count(*) FROM case_file")).scalar()
        db.session.remove()
        db.engine.dispose()
    return int(count or 0)


async def attacks(url: str, port: int, slow: int) -> dict[str, dict[str, Any]]:
    base = f"http://127.0.0.1:{port}"
    probe = Probe(await logged_in(base, "crash.officer0"))
    attacker = await logged_in(base, "crash.officer1")
    cookie = "; ".join(f"{key}={value}" for key, value in attacker.cookies.items())
    token = CSRF.search((await attacker.get("/registrations/new")).text).group(1)  # type: ignore[union-attr]
    running = asyncio.create_task(probe.run())
    await asyncio.sleep(2)
    results: dict[str, dict[str, Any]] = {"quiet": {**probe.take()}}

    before = cases(url)
    form = f"csrf_token={token}&given_names=Half&family_name=Written&sex=female&nationality=BDI&".encode()
    answers = []
    for path, with_cookie in (("/login", False), ("/registrations/new", True)):
        head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {100 * MB}\r\n" + (f"Cookie: {cookie}\r\n" if with_cookie else "") + "\r\n")  # fmt: skip
        answers.append(await raw(port, head, 100 * MB, form + b"x" * (64 * 1024 - len(form))))
    results["100 MB body"] = {"answers": [f"{path}: {answer}, {sent // MB} MB sent in {seconds:.1f} s"
                                          for path, (answer, sent, seconds) in zip(("/login", "/registrations/new"), answers)],
                              "cases_added": cases(url) - before, **probe.take()}  # fmt: skip

    before = cases(url)
    head = (f"POST /registrations/new HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {5 * MB}\r\nCookie: {cookie}\r\n\r\n")  # fmt: skip
    cut = [await raw(port, head, 5 * MB, form + b"x" * (64 * 1024 - len(form)), close_after=MB) for _ in range(5)]
    await asyncio.sleep(1)
    results["disconnect mid-upload (x5)"] = {"answers": sorted({answer for answer, _sent, _seconds in cut}),
                                             "cases_added": cases(url) - before, **probe.take()}  # fmt: skip

    async def one_login(number: int) -> int:
        async with httpx.AsyncClient(base_url=base, timeout=120) as client:
            try:
                page = (await client.get("/login")).text
                match = CSRF.search(page)
                if not match:
                    return (await client.get("/login")).status_code
                response = await client.post("/login", data={"csrf_token": match.group(1),
                                                             "username": f"crash.officer{number % 8}",
                                                             "password": PASSWORD if number % 5 else "wrong password"})  # fmt: skip
                return response.status_code
            except httpx.HTTPError:
                return 0

    started = time.perf_counter()
    statuses = await asyncio.gather(*(one_login(number) for number in range(500)))
    results["500 logins at once"] = {"answers": dict(Counter(statuses)),
                                     "seconds_for_all": round(time.perf_counter() - started, 1), **probe.take()}  # fmt: skip

    async def slow_client() -> str:
        request = b"GET /cases HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: " + cookie.encode() + b"\r\n\r\n"
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            for byte in request[:20]:
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(1)
            writer.close()
            return "gave up after 20 s"
        except ConnectionError as error:
            return f"cut off: {type(error).__name__}"

    slow_answers = await asyncio.gather(*(slow_client() for _ in range(slow)))
    results[f"{slow} slow clients (1 byte/s, 20 s)"] = {"answers": dict(Counter(slow_answers)), **probe.take()}
    probe.running = False
    await running
    await probe.client.aclose()
    await attacker.aclose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--port", type=int, default=8767)
    parser.add_argument("--slow", type=int, default=30)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    url = args.database_url or f"sqlite:///{OUT / 'abuse.sqlite3'}"
    print(uptime())
    prepare(url, 8)
    server = start(url, args.port)
    try:
        results = asyncio.run(attacks(url, args.port, args.slow))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
    for name, figures in results.items():
        print(f"\n{name}")
        for key, value in figures.items():
            print(f"  {key}: {value}")
    print(uptime())


if __name__ == "__main__":
    main()
