"""Benchmark of the JSON API on a synthetic registry of N people (the database of bench.pages).

    python -m bench.api [--people 10000] [--database-url URL] [--repeat 7]

Prints the median time of each call, in milliseconds: a case, a page of the list, a search, a
move (and its move back), a registration with its duplicate check, a replayed registration.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from bench.pages import build, database_for, make_app


def _token(app: Any, username: str) -> str:
    from registry.extensions import db
    from registry.models import User
    from registry.services import api_tokens

    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        token = api_tokens.create_token(user, created_by="bench")[1]
        db.session.commit()
    return token


def _timed(repeat: int, call: Callable[[], Any]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = call()
        times.append(time.perf_counter() - started)
        assert response.status_code < 400, response.get_data(as_text=True)[:300]
    return round(statistics.median(times) * 1000, 1)


def run(people: int, url: str, repeat: int) -> dict[str, Any]:
    from registry.extensions import db
    from registry.models import BorderPoint, Case

    built = build(url, people, reuse=False)
    app = make_app(url)
    token = _token(app, "bench.officer")
    headers = {"Authorization": f"Bearer {token}"}
    client = app.test_client(use_cookies=False)
    with app.app_context():
        mny = db.session.scalar(select(BorderPoint.id).where(BorderPoint.code == "MNY"))
        case = db.session.scalars(select(Case).where(Case.border_point_id == mny, Case.status == "registered")
                                  .order_by(Case.id.desc())).first()  # fmt: skip
        assert case is not None, "no registered case at MNY"
        number, name = case.case_number, case.principal.family_name

    def move_and_back() -> Any:
        version = client.get(f"/api/v1/cases/{number}", headers=headers).get_json()["version"]
        client.post(f"/api/v1/cases/{number}/transitions", headers=headers,
                    json={"to": "screening", "version": version, "fear_of_return": "no"})  # fmt: skip
        with app.app_context():  # back, so that every repeat makes the same move
            row = db.session.scalar(select(Case).where(Case.case_number == number))
            row.status, row.pathway = "registered", "undecided"
            db.session.commit()
        return client.get(f"/api/v1/cases/{number}", headers=headers)

    def register(key: str | None = None) -> Any:
        extra = {"Idempotency-Key": key} if key else {}
        return client.post("/api/v1/registrations", headers={**headers, **extra}, json={
            "border_point": "MNY", "given_names": "Bench", "family_name": uuid.uuid4().hex[:10],
            "sex": "female", "date_of_birth": "1991-02-03", "dob_precision": "exact",
            "nationality": "BDI", "consent_given": False,
        } if key is None else {"border_point": "MNY", "given_names": "Replay", "family_name": "Bench",
                               "sex": "male", "nationality": "BDI", "consent_given": False,
                               "confirm_new": True})  # fmt: skip

    key = str(uuid.uuid4())
    register(key)
    return {
        "people": people,
        "database": url.split(":", 1)[0],
        "built": built,
        "ms_get_case": _timed(repeat, lambda: client.get(f"/api/v1/cases/{number}", headers=headers)),
        "ms_list_page": _timed(repeat, lambda: client.get("/api/v1/cases?limit=25", headers=headers)),
        "ms_list_filtered": _timed(repeat, lambda: client.get("/api/v1/cases?status=screening&limit=25",
                                                              headers=headers)),
        "ms_search_name": _timed(repeat, lambda: client.get(f"/api/v1/cases?q={name[:5]}", headers=headers)),
        "ms_move_read_move_back_read": _timed(repeat, move_and_back),
        "ms_register_with_duplicate_check": _timed(repeat, register),
        "ms_replayed_registration": _timed(repeat, lambda: register(key)),
        "ms_openapi": _timed(repeat, lambda: client.get("/api/v1/openapi.json")),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    result = run(args.people, database_for(args.people, args.database_url), args.repeat)
    for name, value in result.items():
        print(f"{name}: {value}")


if __name__ == "__main__":
    main()
