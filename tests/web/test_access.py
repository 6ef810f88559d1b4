"""Deny by default, proven route by route: login required, and nobody sees another point's cases."""

from __future__ import annotations

import re

import pytest

from registry.access import API_PREFIX
from registry.security import PUBLIC_ENDPOINTS


def concrete_url(rule, case_number: str) -> str:  # type: ignore[no-untyped-def]
    """A URL for the rule, with a real case number and plausible values for other arguments."""
    from werkzeug.routing import AnyConverter, IntegerConverter

    values = {}
    for argument in rule.arguments:
        if argument == "case_number":
            values[argument] = case_number
        elif isinstance(rule._converters[argument], AnyConverter):
            values[argument] = sorted(rule._converters[argument].items)[0]
        elif isinstance(rule._converters[argument], IntegerConverter):
            values[argument] = "1"
        else:
            values[argument] = "x"
    url = rule.rule
    for name, value in values.items():
        url = re.sub(rf"<(?:[^:<>]+:)?{name}>", value, url)
    return url


def without_csrf_tokens(page: str) -> str:
    """CSRF tokens carry the second they were made: two pages a second apart differ there only."""
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]+', r"\1", page)


def test_every_endpoint_but_the_allow_list_needs_a_login(app, officer, register):
    """A page sends an anonymous visitor to log in; the JSON API answers 401 (it has no login page)."""
    case = register(officer)
    client = app.test_client()
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        url = concrete_url(rule, case.case_number)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            if rule.endpoint.startswith(API_PREFIX):
                assert response.status_code == 401, (method, url, response.status_code)
                assert response.headers["WWW-Authenticate"].startswith("Bearer"), (method, url)
            else:
                assert response.status_code == 302, (method, url, response.status_code)
                assert response.headers["Location"].startswith("/login"), (method, url)
            checked += 1
    assert checked >= 5


def test_allow_list_is_short():
    assert PUBLIC_ENDPOINTS == {"auth.login", "auth.two_factor", "auth.set_language", "main.health",
                                "static", "api.openapi_description"}


CASE_ROUTES = ["/cases/{n}", "/cases/{n}/summary.pdf"]


@pytest.mark.parametrize("route", CASE_ROUTES)
def test_officer_of_another_point_gets_404_on_every_case_route(browser, officer, other_officer,
                                                               register, route):  # fmt: skip
    case = register(officer)
    browser.login("officer.kbg")
    response = browser.get(route.format(n=case.case_number))
    assert response.status_code == 404
    assert "Ndayishimiye" not in response.get_data(as_text=True)
    # Word for word what a number that does not exist gets: no hint that this one does.
    unknown = browser.get(route.format(n="MNY-2026-999999")).get_data(as_text=True)
    seen = response.get_data(as_text=True).replace(case.case_number, "MNY-2026-999999")
    assert without_csrf_tokens(seen) == without_csrf_tokens(unknown)


@pytest.mark.parametrize("route", CASE_ROUTES)
def test_unknown_case_looks_the_same_as_another_points_case(browser, other_officer, route):
    browser.login("officer.kbg")
    assert browser.get(route.format(n="MNY-2026-999999")).status_code == 404


@pytest.mark.parametrize("route", CASE_ROUTES)
def test_supervisor_of_the_point_and_national_supervisor_see_the_case(
    app, officer, supervisor, national_supervisor, register, route
):
    case = register(officer)
    for username in ("supervisor.mny", "supervisor"):
        client = app.test_client()
        from tests.conftest import Browser

        user = Browser(client)
        user.login(username)
        assert user.get(route.format(n=case.case_number)).status_code == 200, username


@pytest.mark.parametrize("route", CASE_ROUTES + ["/cases", "/registrations/new", "/cases/export.csv",
                                                 "/cases/export.xlsx", "/dashboard"])
def test_administrator_sees_no_person_data(browser, officer, admin, register, route):
    case = register(officer)
    browser.login("admin")
    response = browser.get(route.format(n=case.case_number))
    assert response.status_code == 403
    assert "Ndayishimiye" not in response.get_data(as_text=True)


def test_list_and_search_show_only_the_officers_points(browser, officer, other_officer, register):
    register(officer, family_name="Niyonzima")
    register(other_officer, family_name="Hakizimana")
    browser.login("officer.kbg")
    page = browser.get("/cases").get_data(as_text=True)
    assert "Hakizimana" in page and "Niyonzima" not in page
    page = browser.get("/cases?q=Niyonzima").get_data(as_text=True)
    assert "MNY-" not in page and "0 cases" in page
    page = browser.get("/cases?border_point=MNY").get_data(as_text=True)
    assert "MNY-" not in page and "Niyonzima" not in page


def test_refused_access_is_audited(app, browser, officer, other_officer, register):
    from registry.extensions import db
    from registry.models import AuditEntry

    case = register(officer)
    browser.login("officer.kbg")
    browser.get(f"/cases/{case.case_number}")
    with app.app_context():
        entry = db.session.scalars(db.select(AuditEntry).filter_by(action="access_refused")).one()
        assert entry.object_id == f"/cases/{case.case_number}"


def test_pages_with_personal_data_are_not_cached_and_carry_security_headers(browser, officer, register):
    case = register(officer)
    browser.login("officer.mny")
    response = browser.get(f"/cases/{case.case_number}")
    assert response.headers["Cache-Control"] == "no-store"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_no_inline_script_in_any_page(browser, officer, register):
    case = register(officer)
    browser.login("officer.mny")
    for url in ("/cases", f"/cases/{case.case_number}", "/registrations/new", "/login"):
        page = browser.get(url).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), url
        assert " onclick=" not in page and " onload=" not in page
