"""What waits for whom: the supervisor's queue (their start page) and the officer's own cases."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from registry.extensions import db
from registry.models import Case, FollowUp


def section(page: str, key: str) -> str:
    start = page.index(f'id="{key}"')
    end = page.find("</section>", start)
    return page[start:end]


def numbers(html: str) -> list[str]:
    return re.findall(r'class="case-number" href="/cases/([A-Z]+-\d{4}-\d{6})', html)


def age(app, case_number: str, days: int) -> None:  # type: ignore[no-untyped-def]
    """Pretend the case's status last changed `days` days ago."""
    with app.app_context():
        db.session.execute(update(Case).where(Case.case_number == case_number)
                           .values(status_changed_at=datetime.now(UTC) - timedelta(days=days)))  # fmt: skip
        db.session.commit()


def add_follow_up(app, case_id: int, user_id: int, title: str, due) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        db.session.add(FollowUp(case_id=case_id, title=title, due_on=due, created_by_id=user_id))
        db.session.commit()


@pytest.fixture
def supervisor_browser(browser, supervisor):  # type: ignore[no-untyped-def]
    browser.login("supervisor.mny")
    return browser


def test_a_supervisor_starts_on_the_queue_and_an_officer_on_their_cases(app, new_browser, officer,
                                                                       supervisor):  # fmt: skip
    for username, start in (("supervisor.mny", "/queue"), ("officer.mny", "/my-cases")):
        user = new_browser()
        user.login(username)
        assert user.get("/").headers["Location"] == start


def test_the_queue_lists_returns_to_approve_oldest_first_but_not_ones_own(app, supervisor_browser,
                                                                          officer, supervisor,
                                                                          register, move_case):  # fmt: skip
    cases = [register(officer, given_names=name) for name in ("Newer", "Older", "Own")]
    for case in cases:
        move_case(case.case_number, officer, "screening", fear_of_return="no")
    move_case(cases[0].case_number, officer, "return_requested", destination_country="BDI")
    move_case(cases[1].case_number, officer, "return_requested", destination_country="COD")
    move_case(cases[2].case_number, supervisor, "return_requested", destination_country="RWA")
    age(app, cases[0].case_number, 1)
    age(app, cases[1].case_number, 3)
    page = supervisor_browser.get("/queue").get_data(as_text=True)
    assert numbers(section(page, "approvals")) == [cases[1].case_number, cases[0].case_number]


def test_the_queue_lists_fears_to_clear_and_cases_to_close(app, supervisor_browser, officer, register,
                                                          move_case):  # fmt: skip
    fear, referred, calm = (register(officer, given_names=n) for n in ("Fear", "Referred", "Calm"))
    move_case(fear.case_number, officer, "screening", fear_of_return="unclear")
    move_case(referred.case_number, officer, "screening", fear_of_return="yes")
    move_case(referred.case_number, officer, "referred", reason="Asylum claim: referred to UNHCR")
    move_case(calm.case_number, officer, "screening", fear_of_return="no")
    page = supervisor_browser.get("/queue").get_data(as_text=True)
    assert numbers(section(page, "fears")) == [fear.case_number]
    assert numbers(section(page, "to_close")) == [referred.case_number]


def test_the_queue_lists_overdue_follow_ups_oldest_due_first(app, supervisor_browser, officer,
                                                             register, today):  # fmt: skip
    first, second = register(officer), register(officer, given_names="Second")
    add_follow_up(app, first.id, officer.id, "Confirm arrival", today - timedelta(days=1))
    add_follow_up(app, second.id, officer.id, "Check travel document", today - timedelta(days=4))
    add_follow_up(app, second.id, officer.id, "Not due yet", today)
    page = supervisor_browser.get("/queue").get_data(as_text=True)
    overdue = section(page, "overdue_follow_ups")
    assert numbers(overdue) == [second.case_number, first.case_number]
    assert "Check travel document" in overdue and "Not due yet" not in overdue


def test_the_queue_lists_cases_without_movement_for_the_configured_days(app, supervisor_browser,
                                                                       officer, register):  # fmt: skip
    stalled, recent = register(officer), register(officer, given_names="Recent")
    days = app.config["REGISTRY"].STALE_CASE_DAYS
    age(app, stalled.case_number, days + 1)
    age(app, recent.case_number, days - 1)
    page = supervisor_browser.get("/queue").get_data(as_text=True)
    assert numbers(section(page, "stalled")) == [stalled.case_number]
    assert f"has not changed for {days} days" in page


def test_the_stale_days_come_from_the_settings(app_factory, officer):
    from registry.config import Settings

    assert Settings().STALE_CASE_DAYS == 14
    assert Settings.from_environment({"REGISTRY_STALE_CASE_DAYS": "30"}).STALE_CASE_DAYS == 30
    assert app_factory(STALE_CASE_DAYS=3).config["REGISTRY"].STALE_CASE_DAYS == 3


def test_the_queue_shows_only_the_supervisors_points(app, supervisor_browser, officer, other_officer,
                                                     register, move_case):  # fmt: skip
    mine, theirs = register(officer), register(other_officer, family_name="Hakizimana")
    for case, user in ((mine, officer), (theirs, other_officer)):
        move_case(case.case_number, user, "screening", fear_of_return="yes")
    page = supervisor_browser.get("/queue").get_data(as_text=True)
    assert numbers(section(page, "fears")) == [mine.case_number]
    assert "Hakizimana" not in page


def test_an_officer_has_no_queue(browser, officer):
    browser.login("officer.mny")
    assert browser.get("/queue").status_code == 403


def test_my_cases_lists_the_officers_open_cases_with_overdue_follow_ups_first(app, browser, officer,
                                                                              create_user, register,
                                                                              move_case, supervisor,
                                                                              today):  # fmt: skip
    colleague = create_user("officer2.mny", "officer", ("MNY",))
    normal = register(officer, given_names="Normal")
    urgent = register(officer, given_names="Urgent", vulnerabilities=("trafficking_victim",))
    closed = register(officer, given_names="Closed")
    theirs = register(colleague, given_names="Theirs")
    move_case(closed.case_number, supervisor, "closed", reason="Duplicate", closure_reason="duplicate")
    add_follow_up(app, normal.id, officer.id, "Call the embassy", today - timedelta(days=2))
    browser.login("officer.mny")
    page = browser.get("/my-cases").get_data(as_text=True)
    assert page.index('id="overdue"') < page.index('id="h-mine"')
    assert numbers(section(page, "overdue")) == [normal.case_number]
    listed = numbers(page[page.index('id="h-mine"'):])
    assert listed == [urgent.case_number, normal.case_number]
    assert closed.case_number not in listed and theirs.case_number not in listed


def test_a_long_list_shows_the_oldest_and_counts_only_so_far(app, monkeypatch, supervisor_browser,
                                                             officer, register):  # fmt: skip
    from registry.services import worklists

    monkeypatch.setattr(worklists, "SECTION_LIMIT", 2)
    monkeypatch.setattr(worklists, "COUNT_LIMIT", 3)
    cases = [register(officer, given_names=f"P{i}") for i in range(5)]
    for days, case in enumerate(cases):
        age(app, case.case_number, 30 + days)
    page = supervisor_browser.get("/queue").get_data(as_text=True)
    stalled = section(page, "stalled")
    assert numbers(stalled) == [cases[4].case_number, cases[3].case_number]
    assert "more than 3" in stalled and "The 2 oldest are shown." in stalled
