"""No lost updates, against a real threaded server on the test database (SQLite or PostgreSQL):
officers acting on one case at the same moment, exactly one wins, the others get 409."""

from __future__ import annotations

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from registry.extensions import db
from registry.models import Case, CaseEvent, FollowUp
from tests.conftest import CSRF, PASSWORD

VERSION = re.compile(r'name="version" type="hidden" value="(\d+)"')
OFFICERS = 6


@pytest.fixture
def live_server(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The app served by werkzeug's threaded server on a free port, as in production."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None  # the test reads the 302 itself


class Officer:
    """One person's browser against the live server: cookies, CSRF token, no redirects followed."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _KeepRedirects()
        )

    def request(self, path: str, data: dict[str, str] | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def login(self, username: str) -> None:
        _, page = self.request("/login")
        status, _ = self.request("/login", {"csrf_token": CSRF.search(page).group(1),
                                            "username": username, "password": PASSWORD})  # fmt: skip
        assert status == 302, f"{username} could not log in"

    def open_case(self, case_number: str) -> dict[str, str]:
        status, page = self.request(f"/cases/{case_number}")
        assert status == 200
        return {"csrf_token": CSRF.search(page).group(1), "version": VERSION.search(page).group(1)}


def at_once(actions: list) -> list[int]:  # type: ignore[type-arg]
    """Run each action in its own thread, released together; their HTTP statuses in order."""
    barrier = threading.Barrier(len(actions))
    results: list[int] = [0] * len(actions)

    def run(index: int) -> None:
        barrier.wait()
        results[index] = actions[index]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.fixture
def officers(live_server, create_user) -> list[Officer]:  # type: ignore[no-untyped-def]
    people = []
    for index in range(OFFICERS):
        create_user(f"officer{index}.mny", "officer", ("MNY",))
        person = Officer(live_server)
        person.login(f"officer{index}.mny")
        people.append(person)
    return people


def test_officers_moving_one_case_at_once_exactly_one_wins(app, officers, register):
    case = register(_first_officer(app))
    forms = [person.open_case(case.case_number) for person in officers]
    assert {form["version"] for form in forms} == {"1"}

    def send(index: int):  # type: ignore[no-untyped-def]
        return lambda: officers[index].request(f"/cases/{case.case_number}/transitions", {
            **forms[index], "to": "screening", "reason": f"Started by officer {index}"})[0]

    statuses = at_once([send(i) for i in range(OFFICERS)])
    assert sorted(statuses) == [302] + [409] * (OFFICERS - 1), statuses
    with app.app_context():
        saved = db.session.scalar(select(Case).filter_by(case_number=case.case_number))
        moves = db.session.scalars(select(CaseEvent).filter_by(case_id=saved.id, kind="transition")).all()
        assert (saved.status, saved.version, len(moves)) == ("screening", 2, 1)
        assert moves[0].reason == f"Started by officer {statuses.index(302)}"


def test_different_steps_sent_at_once_on_one_case_only_one_is_taken(app, officers, register, move_case):
    case = register(_first_officer(app))
    move_case(case.case_number, _first_officer(app), "screening", fear_of_return="no")
    forms = [person.open_case(case.case_number) for person in officers]
    steps = [
        {"to": "referred", "reason": "Referred to UNHCR"},
        {"to": "regularisation_requested", "permit_type": "Residence permit"},
        {"to": "return_requested", "destination_country": "BDI"},
    ]

    def send(index: int):  # type: ignore[no-untyped-def]
        data = {**forms[index], **steps[index % len(steps)]}
        return lambda: officers[index].request(f"/cases/{case.case_number}/transitions", data)[0]

    statuses = at_once([send(i) for i in range(OFFICERS)])
    assert sorted(statuses) == [302] + [409] * (OFFICERS - 1), statuses
    with app.app_context():
        saved = db.session.scalar(select(Case).filter_by(case_number=case.case_number))
        winner = steps[statuses.index(302) % len(steps)]["to"]
        assert (saved.status, saved.version) == (winner, 3)
        assert len([e for e in saved.events if e.kind == "transition"]) == 2


def test_a_follow_up_marked_done_by_several_at_once_is_done_once(app, officers, register, today):
    case = register(_first_officer(app))
    with app.app_context():
        follow_up = FollowUp(case_id=case.id, title="Confirm arrival", due_on=today,
                             created_by_id=_first_officer(app).id)  # fmt: skip
        db.session.add(follow_up)
        db.session.commit()
        follow_up_id = follow_up.id
    forms = [person.open_case(case.case_number) for person in officers]

    def send(index: int):  # type: ignore[no-untyped-def]
        path = f"/cases/{case.case_number}/follow-ups/{follow_up_id}/done"
        return lambda: officers[index].request(path, {"csrf_token": forms[index]["csrf_token"]})[0]

    statuses = at_once([send(i) for i in range(OFFICERS)])
    assert sorted(statuses) == [302] + [422] * (OFFICERS - 1), statuses
    with app.app_context():
        done = db.session.scalars(select(CaseEvent).filter_by(kind="follow_up_done")).all()
        assert len(done) == 1


def _first_officer(app):  # type: ignore[no-untyped-def]
    from registry.models import User
    from tests.conftest import UserRef

    with app.app_context():
        user = db.session.scalar(select(User).filter_by(username="officer0.mny"))
        return UserRef(user.id, user.username, user.role)
