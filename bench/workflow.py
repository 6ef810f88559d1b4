"""Benchmark of the workflow's pages at scale: the supervisor's queue, an officer's cases, the case
page and one move, on a synthetic registry of N cases (SQLite by default).

    python -m bench.workflow [--cases 10000,100000] [--database-url URL] [--repeat 5]

Prints the median time of each, in milliseconds. The database is built from scratch each run.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select, text

from registry import create_app
from registry.extensions import db
from registry.models import BorderPoint, Case, FollowUp, Person
from registry.services import accounts

POINTS = ["MNY", "KBG", "RSM", "MTK"]
STATUSES = ["registered"] * 3 + ["screening"] * 4 + [
    "return_requested", "return_approved", "travel_ready", "departed", "returned",
    "regularisation_requested", "application_submitted", "regularised", "refused", "referred",
] + ["closed"] * 6  # fmt: skip
PASSWORD = "benchmark-password"
CHUNK = 5000


def build(app, size: int, seed: int = 1) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    now = datetime.now(UTC)
    today = now.date()
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        for code in POINTS:
            accounts.add_border_point(code, f"Point {code}", "TZA")
        officers = [accounts.create_user(f"officer.{c.lower()}", PASSWORD, "officer", [c]) for c in POINTS]
        accounts.create_user("supervisor", PASSWORD, "supervisor", [], all_border_points=True)
        accounts.create_user("supervisor.kagera", PASSWORD, "supervisor", ["KBG", "RSM", "MTK"])
        db.session.commit()
        point_ids = {p.code: p.id for p in db.session.scalars(select(BorderPoint))}
        for start in range(0, size, CHUNK):
            count = min(CHUNK, size - start)
            people, cases, follow_ups = [], [], []
            for offset in range(count):
                index = start + offset + 1
                code = POINTS[index % len(POINTS)]
                officer = officers[index % len(POINTS)]
                moment = now - timedelta(days=rng.uniform(0, 365))
                status = rng.choice(STATUSES)
                people.append({"id": index, "given_names": f"Given{index}", "family_name": "Family",
                               "search_name": f"given{index} family", "sex": "female",
                               "nationality": "BDI", "languages": [], "created_at": moment,
                               "updated_at": moment})  # fmt: skip
                returning = status in ("return_requested", "return_approved", "travel_ready",
                                       "departed", "returned")  # fmt: skip
                cases.append({
                    "id": index, "case_number": f"{code}-2026-{index:07d}",
                    "border_point_id": point_ids[code], "principal_id": index, "status": status,
                    "registered_by_id": officer.id, "registered_at": moment,
                    "assigned_to_id": officer.id if rng.random() < 0.8 else None,
                    "status_changed_at": moment + timedelta(days=rng.uniform(0, 20)),
                    "fear_of_return": rng.choice(["no", "no", "no", "yes", "unclear", None]),
                    "return_requested_by_id": officer.id if returning else None,
                    "destination_country": "BDI" if returning else None,
                    "updated_at": moment,
                })  # fmt: skip
                if rng.random() < 0.15:
                    follow_ups.append({"case_id": index, "title": "Check travel document",
                                       "due_on": today + timedelta(days=rng.randint(-30, 30)),
                                       "created_by_id": officer.id, "created_at": moment})  # fmt: skip
            db.session.execute(insert(Person), people)
            db.session.execute(insert(Case), cases)
            if follow_ups:
                db.session.execute(insert(FollowUp), follow_ups)
            db.session.commit()
        if db.engine.dialect.name == "sqlite":
            db.session.execute(text("ANALYZE"))
            db.session.commit()


def median_ms(action: Callable[[], object], repeat: int) -> float:
    action()  # warm
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def login(client, username: str) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post("/login", data={"csrf_token": token, "username": username, "password": PASSWORD})


def run(size: int, database_url: str | None, repeat: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        url = database_url or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False,
                          "PASSWORD_HASH_PARAMS": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}})  # fmt: skip
        app.instance_path = folder
        if url.startswith("postgresql"):
            with app.app_context():
                with db.engine.begin() as connection:
                    connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        started = time.perf_counter()
        build(app, size)
        built = time.perf_counter() - started
        national, regional, officer = (app.test_client() for _ in range(3))
        login(national, "supervisor")
        login(regional, "supervisor.kagera")
        login(officer, "officer.mny")
        with app.app_context():
            number = db.session.scalar(select(Case.case_number).where(Case.status == "registered",
                                                                       Case.case_number.like("MNY-%")))  # fmt: skip
        results = {
            "build_s": built,
            "queue_national_ms": median_ms(lambda: national.get("/queue"), repeat),
            "queue_regional_ms": median_ms(lambda: regional.get("/queue"), repeat),
            "my_cases_ms": median_ms(lambda: officer.get("/my-cases"), repeat),
            "case_page_ms": median_ms(lambda: officer.get(f"/cases/{number}"), repeat),
        }
        page = officer.get(f"/cases/{number}").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        start = time.perf_counter()
        response = officer.post(f"/cases/{number}/transitions", data={
            "csrf_token": token, "to": "screening", "version": "1", "fear_of_return": "no"})
        results["move_ms"] = (time.perf_counter() - start) * 1000
        assert response.status_code == 302, response.status_code
        with app.app_context():
            db.engine.dispose()
        return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", default="10000")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    for size in (int(part) for part in args.cases.split(",")):
        results = run(size, args.database_url, args.repeat)
        figures = "  ".join(f"{name}={value:.0f}" if name != "build_s" else f"{name}={value:.1f}"
                            for name, value in results.items())  # fmt: skip
        print(f"cases={size:>8}  {figures}", flush=True)


if __name__ == "__main__":
    main()
