"""The main pages ask the database a fixed number of questions, however many rows they show:
no query per case, per event, per note or per document (N+1), which at a million people and fifty
officers is what makes a page slow."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, update

from registry.extensions import db
from registry.models import Case, User
from registry.services import workflow
from registry.services.registration import DocumentData, MemberData


@contextmanager
def counting(app) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def queries(app, browser, url: str) -> int:  # type: ignore[no-untyped-def]
    browser.get(url)  # warm: caches of reference lists are filled once per process
    with counting(app) as statements:
        response = browser.get(url)
    assert response.status_code == 200, url
    return len(statements)


def make_cases(register: Callable, officer, count: int, start: int = 0) -> list:  # type: ignore[no-untyped-def,type-arg]
    return [register(officer, given_names=f"Person{start + i}", family_name="Niyonzima",
                     documents=(DocumentData("passport", f"PA{start + i:06d}", "BDI"),))
            for i in range(count)]  # fmt: skip


def busy(app, cases, officer, supervisor, today) -> None:  # type: ignore[no-untyped-def]
    """Give every case something for each section of the queue and the officer's list."""
    with app.app_context():
        acting = db.session.get(User, officer.id)
        for index, case in enumerate(cases):
            if index % 2:
                current = db.session.scalar(db.select(Case).filter_by(case_number=case.case_number))
                workflow.transition(acting, case.case_number, "screening", current.version,
                                    {"fear_of_return": "no"}, None, today)  # fmt: skip
            workflow.add_follow_up(acting, case.case_number, "Call the embassy", today, today)
        db.session.execute(update(Case).values(status_changed_at=datetime.now(UTC) - timedelta(days=60)))
        db.session.commit()


@pytest.mark.parametrize("url", ["/cases", "/cases?q=Niyonzima", "/cases?status=registered",
                                 "/my-cases"])  # fmt: skip
def test_officer_lists_ask_as_many_questions_for_two_rows_as_for_a_full_page(
        app, browser, officer, supervisor, register, today, url):  # fmt: skip
    busy(app, make_cases(register, officer, 2), officer, supervisor, today)
    browser.login("officer.mny")
    few = queries(app, browser, url)
    busy(app, make_cases(register, officer, 23, start=2), officer, supervisor, today)
    many = queries(app, browser, url)
    page = browser.get(url).get_data(as_text=True)
    assert page.count("Person2") >= 1 and page.count("Person24") >= 1  # the rows are really shown
    assert many == few


@pytest.mark.parametrize("url", ["/queue", "/dashboard", "/cases"])
def test_supervisor_pages_ask_as_many_questions_for_two_cases_as_for_many(
        app, browser, officer, supervisor, register, today, url):  # fmt: skip
    busy(app, make_cases(register, officer, 2), officer, supervisor, today)
    browser.login("supervisor.mny")
    few = queries(app, browser, url)
    busy(app, make_cases(register, officer, 23, start=2), officer, supervisor, today)
    many = queries(app, browser, url)
    assert many == few


def test_the_case_page_asks_as_many_questions_for_a_long_history_as_for_a_short_one(
        app, browser, officer, supervisor, register, today):  # fmt: skip
    short, long = make_cases(register, officer, 2)
    with app.app_context():
        acting = db.session.get(User, officer.id)
        # One of each on the short history (a kind of row absent is a query not needed).
        for case, notes in ((short, 1), (long, 8)):
            for number in range(notes):
                workflow.add_note(acting, case.case_number, f"Visit {number}", False)
                workflow.add_follow_up(acting, case.case_number, f"Task {number}", today, today)
            current = db.session.scalar(db.select(Case).filter_by(case_number=case.case_number))
            workflow.transition(acting, case.case_number, "screening", current.version,
                                {"fear_of_return": "no"}, None, today)  # fmt: skip
        db.session.commit()
    browser.login("officer.mny")
    few = queries(app, browser, f"/cases/{short.case_number}")
    many = queries(app, browser, f"/cases/{long.case_number}")
    page = browser.get(f"/cases/{long.case_number}").get_data(as_text=True)
    assert "Visit 7" in page and "Task 7" in page
    assert many == few


def reads(app, browser, url: str) -> list[str]:  # type: ignore[no-untyped-def]
    browser.get(url)
    with counting(app) as statements:
        assert browser.get(url).status_code == 200
    return [statement for statement in statements if is_read(statement)]


def is_read(statement: str) -> bool:
    """A SELECT, or a WITH that only reads (on PostgreSQL the audit rows are written by a WITH
    that moves the chain's head: a write)."""
    text = statement.lstrip().upper()
    return text.startswith("SELECT") or (
        text.startswith("WITH") and not re.search(r"\b(INSERT|UPDATE|DELETE)\b", text))


@pytest.mark.parametrize(("account", "expected"), [("officer.mny", 5), ("supervisor", 6)])
def test_the_case_list_asks_five_questions_and_a_national_supervisors_six(
        app, browser, officer, national_supervisor, register, account, expected):  # fmt: skip
    """The account with its border points (one statement), the colleagues to filter by, the
    page's cases and their count, the cases' rows, and the audit chain's head (on PostgreSQL read
    by the statement that writes the audit row: one read less); a national supervisor's border
    points are all of them, read once more."""
    make_cases(register, officer, 3)
    browser.login(account)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            expected -= 1
    assert len(reads(app, browser, "/cases")) == expected
    assert len(reads(app, browser, "/cases?q=Niyonzima&status=registered")) == expected


def household(register, officer, size: int, tag: str):  # type: ignore[no-untyped-def]
    """A case of `size` people, each with a document and a protection need."""
    members = tuple(MemberData("child", f"{tag}Child{i}", "Niyonzima", "female", "BDI",
                               documents=(DocumentData("passport", f"{tag}C{i:05d}", "BDI"),),
                               vulnerabilities=("disability",)) for i in range(size - 1))  # fmt: skip
    return register(officer, given_names=f"{tag}Head", family_name="Niyonzima", vulnerabilities=("disability",),
                    documents=(DocumentData("passport", f"{tag}H00000", "BDI"),), members=members)  # fmt: skip


@pytest.mark.parametrize("page", ["", "/summary.pdf"])
def test_a_household_of_five_costs_the_case_page_and_its_sheet_as_many_questions_as_one_person(
        app, browser, officer, register, page):  # fmt: skip
    alone, five = household(register, officer, 1, "Solo"), household(register, officer, 5, "Five")
    browser.login("officer.mny")
    few = queries(app, browser, f"/cases/{alone.case_number}{page}")
    many = queries(app, browser, f"/cases/{five.case_number}{page}")
    if not page:
        shown = browser.get(f"/cases/{five.case_number}").get_data(as_text=True)
        assert "FiveChild3" in shown and "FiveC00003" in shown  # every member and document shown
    assert many == few


def test_the_case_page_reads_no_border_points_but_the_users_own(app, browser, officer, supervisor, register, today):  # fmt: skip
    """People named on the page (who registered, acted, wrote a note, set a follow-up) are shown
    by name: reading each one's border points was a question per person for nothing."""
    case = register(officer)
    with app.app_context():
        acting = db.session.get(User, supervisor.id)
        workflow.add_note(acting, case.case_number, "Seen by the supervisor", False)
        workflow.add_follow_up(acting, case.case_number, "Call back", today, today)
        db.session.commit()
    browser.login("officer.mny")
    browser.get(f"/cases/{case.case_number}")
    with counting(app) as statements:
        assert browser.get(f"/cases/{case.case_number}").status_code == 200
    # Border points joined to an account's: the user's own, read with the account, and no one else's.
    reading_points = re.compile(r"border_point(_\d+)?\.id = user_border_point(_\d+)?\.border_point_id")
    assert sum(bool(reading_points.search(statement)) for statement in statements) == 1
