"""The supervisors' dashboard: its figures equal counts made here from the cases themselves."""

from __future__ import annotations

import html
import json
import re
import statistics
from collections import Counter
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import relativedelta

from registry import synthetic
from registry.extensions import db
from registry.models import Case, CaseMember, Person, PersonVulnerability

ZONE = ZoneInfo("Africa/Dar_es_Salaam")


@pytest.fixture
def populated(app, create_user):
    """About 250 synthetic people in every status at two border points, and their supervisors."""
    create_user("supervisor.mny", "supervisor", ("MNY",))
    create_user("supervisor", "supervisor", (), all_border_points=True)
    create_user("supervisor.both", "supervisor", ("MNY", "KBG"))
    with app.app_context():
        synthetic.generate(250, ["MNY", "KBG"], years=0.6, seed=11)
    return app


def number(text: str) -> int:
    return int(re.sub(r"\D", "", html.unescape(re.sub(r"<[^>]+>", "", text))) or 0)


def headline(page: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}">(.*?)</dd>', page, re.S)
    assert match, name
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def table(page: str, table_id: str) -> dict[str, list[int]]:
    """The numbers of each row of a figures table, by the row's data-key."""
    body = re.search(rf'id="{table_id}"[^>]*>.*?<tbody>(.*?)</tbody>', page, re.S).group(1)
    rows = {}
    for key, cells in re.findall(r'<tr data-key="([^"]+)">(.*?)</tr>', body, re.S):
        rows[key] = [number(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)]
    return rows


def age_at(born: date | None, on: date) -> str:
    if born is None:
        return "unknown"
    years = relativedelta(on, born).years
    for limit, group in ((4, "0-4"), (11, "5-11"), (17, "12-17"), (59, "18-59")):
        if years <= limit:
            return group
    return "60+"


def counted(app, points: set[str], first: date | None = None, last: date | None = None,
            pathway: str | None = None) -> dict[str, object]:  # fmt: skip
    """The dashboard's figures counted here, case by case, without the pre-counted tables."""
    with app.app_context():
        cases = [case for case in db.session.scalars(db.select(Case))
                 if case.border_point.code in points
                 and (first is None or case.registered_at.astimezone(ZONE).date() >= first)
                 and (last is None or case.registered_at.astimezone(ZONE).date() <= last)
                 and (pathway is None or case.pathway == pathway)]  # fmt: skip
        status, pathways, by_point = Counter(), Counter(), Counter()
        people, sex_age, nationality, vulnerability = 0, Counter(), Counter(), Counter()
        to_return, to_permit = [], []
        for case in cases:
            registered = case.registered_at.astimezone(ZONE).date()
            status[case.status] += 1
            pathways[case.pathway] += 1
            by_point[case.border_point.code] += 1
            for member in case.members:
                person = member.person
                people += 1
                sex_age[(person.sex, age_at(person.date_of_birth, registered))] += 1
                nationality[person.nationality] += 1
                vulnerability.update(person.vulnerabilities)
            if case.arrival_confirmed_on and case.status in ("returned", "closed"):
                to_return.append((case.arrival_confirmed_on - registered).days)
            if case.permit_number and case.status in ("regularised", "closed") and case.decision_on:
                to_permit.append((case.decision_on - registered).days)
        return {"cases": len(cases), "people": people, "status": status, "pathway": pathways,
                "border_point": by_point, "sex_age": sex_age, "nationality": nationality,
                "vulnerability": vulnerability, "returns": len(to_return),
                "median_return": statistics.median(to_return) if to_return else None,
                "median_permit": statistics.median(to_permit) if to_permit else None}  # fmt: skip


def assert_dashboard_matches(page: str, expected: dict[str, object]) -> None:
    assert number(headline(page, "cases")) == expected["cases"]
    assert number(headline(page, "people")) == expected["people"]
    assert number(headline(page, "approvals_waiting")) == expected["status"]["return_requested"]
    assert number(headline(page, "returns_completed")) == expected["returns"]
    for name, table_id in (("status", "table-status"), ("pathway", "table-pathway"),
                           ("border_point", "table-border-point")):  # fmt: skip
        shown = {key: cells[0] for key, cells in table(page, table_id).items() if cells[0]}
        assert shown == {key: n for key, n in expected[name].items() if n}, name
    shown = {(sex, group): n for sex, cells in table(page, "table-sex-age").items()
             for group, n in zip(("0-4", "5-11", "12-17", "18-59", "60+", "unknown"), cells[:6], strict=True) if n}  # fmt: skip
    assert shown == dict(expected["sex_age"])
    assert {key: cells[0] for key, cells in table(page, "table-nationality").items()} == dict(expected["nationality"])
    assert {key: cells[0] for key, cells in table(page, "table-vulnerability").items() if cells[0]} == dict(
        expected["vulnerability"])  # fmt: skip
    for name, key in (("median_days_to_return", "median_return"), ("median_days_to_permit", "median_permit")):
        value = expected[key]
        assert headline(page, name).split("\n")[0] == ("–" if value is None else f"{value:g}"), name


def dashboard(app, username: str, **args) -> str:  # type: ignore[no-untyped-def]
    from tests.conftest import Browser

    browser = Browser(app.test_client())
    browser.login(username)
    response = browser.get("/dashboard", query_string=args)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_figures_equal_the_cases_counted_one_by_one(populated):
    page = dashboard(populated, "supervisor")
    expected = counted(populated, {"MNY", "KBG"})
    assert expected["cases"] > 50 and len(expected["status"]) >= 8  # the data has variety
    assert_dashboard_matches(page, expected)


@pytest.mark.parametrize("args", [
    {"border_point": "KBG"},
    {"pathway": "voluntary_return"},
    {"registered_from": "__months_ago_7_day_10", "registered_to": "__months_ago_2_day_20"},
    {"registered_from": "__months_ago_5_day_1", "border_point": "MNY", "pathway": "regularisation"},
])  # fmt: skip
def test_figures_follow_the_filters(populated, args):
    today = datetime.now(ZONE).date()

    def resolve(value: str) -> str:
        if not value.startswith("__months_ago_"):
            return value
        months, day = re.match(r"__months_ago_(\d+)_day_(\d+)", value).groups()
        return (today.replace(day=1) - relativedelta(months=int(months))).replace(day=int(day)).isoformat()

    args = {key: resolve(value) for key, value in args.items()}
    page = dashboard(populated, "supervisor", **args)
    first = date.fromisoformat(args["registered_from"]) if "registered_from" in args else None
    last = date.fromisoformat(args["registered_to"]) if "registered_to" in args else None
    points = {args["border_point"]} if "border_point" in args else {"MNY", "KBG"}
    assert_dashboard_matches(page, counted(populated, points, first, last, args.get("pathway")))


def test_a_regional_supervisor_sees_only_their_border_points(populated):
    page = dashboard(populated, "supervisor.mny")
    assert_dashboard_matches(page, counted(populated, {"MNY"}))
    assert set(table(page, "table-border-point")) == {"MNY"}
    refused = dashboard(populated, "supervisor.mny", border_point="KBG")
    assert "Not a valid choice." in refused
    assert_dashboard_matches(refused, counted(populated, {"MNY"}))


def test_a_change_shows_in_the_next_dashboard(populated):
    app = populated
    before = counted(app, {"MNY", "KBG"})
    dashboard(app, "supervisor")  # counted once
    with app.app_context():
        case = db.session.scalars(db.select(Case).where(Case.status == "registered")).first() or \
            db.session.scalars(db.select(Case).where(Case.status == "screening")).first()
        case.status, case.pathway = "return_requested", "voluntary_return"
        principal = case.principal
        principal.sex = "other"
        db.session.add(PersonVulnerability(person_id=principal.id, code="torture_survivor"))
        newborn = Person(given_names="Newborn", family_name="Synthetic", sex="female", nationality="XXA",
                         date_of_birth=case.registered_at.date(), dob_precision="exact")  # fmt: skip
        case.members.append(CaseMember(person=newborn, relationship_to_head="child"))
        db.session.commit()
    after = counted(app, {"MNY", "KBG"})
    assert after["status"]["return_requested"] == before["status"]["return_requested"] + 1
    assert after["people"] == before["people"] + 1
    assert_dashboard_matches(dashboard(app, "supervisor"), after)


def test_a_case_moved_to_another_border_point_or_deleted_is_counted_where_it_is(populated):
    app = populated
    dashboard(app, "supervisor.both")
    with app.app_context():
        moved = db.session.scalars(db.select(Case).join(Case.border_point).filter_by(code="MNY")).first()
        gone = db.session.scalars(db.select(Case).join(Case.border_point).filter_by(code="KBG")).first()
        moved.border_point_id = gone.border_point_id
        db.session.delete(gone)
        db.session.commit()
    assert_dashboard_matches(dashboard(app, "supervisor.both"), counted(app, {"MNY", "KBG"}))


def test_days_follow_the_registrys_time_zone_even_when_it_changes(app_factory, create_border_point):
    from registry.services import accounts, stats

    app = app_factory(TIMEZONE="UTC")
    with app.app_context():
        point = accounts.add_border_point("MNY", "Manyovu", "TZA")
        db.session.commit()
        synthetic.generate(20, ["MNY"], years=0.2, seed=3)
        case = db.session.scalars(db.select(Case)).first()
        # 22:30 UTC on 31 January is 1 February in Dar es Salaam.
        case.registered_at = datetime(2026, 1, 31, 22, 30, tzinfo=UTC)
        db.session.commit()
        in_utc = stats.figures(stats.FigureFilters((point.id,), date(2026, 1, 31), date(2026, 1, 31)),
                               timezone="UTC")  # fmt: skip
        local = stats.figures(stats.FigureFilters((point.id,), date(2026, 2, 1), date(2026, 2, 1)),
                              timezone="Africa/Dar_es_Salaam")  # fmt: skip
        db.session.commit()
    assert in_utc.cases == 1 and local.cases == 1


@pytest.mark.parametrize("args, message", [
    ({"registered_from": "2026-05-01", "registered_to": "2026-01-01"}, "The end of the period is before its start."),
    ({"registered_from": "0001-01-01"}, "Give a date between 1900 and 2100."),
    ({"registered_to": "31/12/2026"}, "Not a valid date value."),
    ({"pathway": "anywhere"}, "Not a valid choice."),
    ({"per": "century"}, "Not a valid choice."),
    ({"border_point": "'; DROP TABLE case_file; --"}, "Not a valid choice."),
])  # fmt: skip
def test_a_filter_that_cannot_apply_is_explained_and_the_figures_stay_true(populated, args, message):
    page = dashboard(populated, "supervisor", **args)
    assert message in page
    assert_dashboard_matches(page, counted(populated, {"MNY", "KBG"}))


def test_overdue_follow_ups_count_the_open_ones_past_due_of_open_cases(populated):
    from datetime import timedelta

    from registry.models import Case, FollowUp, User
    from registry.templating import today as registry_today

    with populated.app_context():
        today = registry_today()
        # The generator's own follow-ups, counted here one by one.
        already = sum(1 for follow_up in db.session.scalars(db.select(FollowUp))
                      if follow_up.done_on is None and follow_up.due_on < today
                      and follow_up.case.status != "closed")  # fmt: skip
        author = db.session.scalars(db.select(User.id)).first()
        open_cases = db.session.scalars(db.select(Case).where(Case.status != "closed").limit(3)).all()
        closed = db.session.scalars(db.select(Case).where(Case.status == "closed")).first()
        rows = [
            (open_cases[0], today - timedelta(days=3), None),  # overdue
            (open_cases[1], today - timedelta(days=1), None),  # overdue
            (open_cases[2], today - timedelta(days=5), today),  # done: not overdue
            (open_cases[2], today + timedelta(days=2), None),  # not due yet
            (closed, today - timedelta(days=9), None),  # a closed case's: no longer counted
        ]
        for case, due_on, done_on in rows:
            db.session.add(FollowUp(case_id=case.id, title="Check the travel document", due_on=due_on,
                                    done_on=done_on, created_by_id=author))  # fmt: skip
        db.session.commit()
    page = dashboard(populated, "supervisor")
    assert already > 0
    assert headline(page, "overdue_follow_ups") == str(already + 2)


def test_each_count_links_to_the_list_with_the_same_filters(populated):
    page = dashboard(populated, "supervisor", pathway="voluntary_return", border_point="MNY")
    assert 'href="/cases?border_point=MNY&amp;pathway=voluntary_return&amp;status=return_requested"' in page


def test_charts_are_drawn_from_data_attributes_by_a_script_file(populated):
    page = dashboard(populated, "supervisor")
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert '<script src="/static/vendor/chartjs/chart.umd.min.js"></script>' in page
    assert '<script src="/static/js/dashboard.js"></script>' in page
    charts = {name: json.loads(html.unescape(data))
              for name, data in re.findall(r"id=\"chart-(\w+)\"[^>]*data-chart='([^']*)'", page)}  # fmt: skip
    assert set(charts) == {"series", "status", "pathway", "border_point", "nationality", "sex_age", "vulnerability"}
    status = dict(zip(charts["status"]["labels"], charts["status"]["datasets"][0]["data"], strict=True))
    assert status["Registered"] == table(page, "table-status")["registered"][0]
    # Every chart has its table: the same figures for screen readers and printing.
    for table_id in ("table-series", "table-status", "table-pathway", "table-border-point",
                     "table-nationality", "table-sex-age", "table-vulnerability"):  # fmt: skip
        assert f'id="{table_id}"' in page


@pytest.mark.parametrize("username", ["officer.mny", "admin"])
def test_the_dashboard_is_for_supervisors(browser, officer, admin, username):
    browser.login(username)
    response = browser.get("/dashboard")
    assert response.status_code == 403
    # The access matrix refuses it before the view: the general refusal, no figures.
    assert "You may not do this." in response.get_data(as_text=True)


def test_an_empty_registry_shows_zeros(browser, supervisor):
    browser.login("supervisor.mny")
    page = browser.get("/dashboard").get_data(as_text=True)
    assert headline(page, "cases") == "0" and headline(page, "people") == "0"


def test_monthly_figures_stay_the_sum_of_the_daily_ones_through_changes(populated):
    from registry.models import DailyFigure, MonthlyFigure
    from registry.services import stats

    app = populated
    with app.app_context():
        stats.refresh_figures("Africa/Dar_es_Salaam")
        db.session.commit()
        for number, case in enumerate(db.session.scalars(db.select(Case).order_by(Case.id)).all()[::7]):
            case.status = "closed" if number % 2 else "referred"
            if number % 3 == 0:
                case.principal.date_of_birth = None
        db.session.commit()
        stats.refresh_figures("Africa/Dar_es_Salaam")
        db.session.commit()
        summed: Counter = Counter()
        for row in db.session.scalars(db.select(DailyFigure)):
            key = (row.border_point_id, row.local_day.replace(day=1), row.pathway, row.figure, row.value)
            summed[key + ("cases",)] += row.cases
            summed[key + ("people",)] += row.people
        monthly: Counter = Counter()
        for row in db.session.scalars(db.select(MonthlyFigure)):
            key = (row.border_point_id, row.month, row.pathway, row.figure, row.value)
            monthly[key + ("cases",)] += row.cases
            monthly[key + ("people",)] += row.people
    assert +summed == +monthly and len(+summed) > 100
