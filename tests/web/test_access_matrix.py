"""The access matrix, proven route by route: every route of app.url_map x every kind of user.

For a case of border point A, each user gets what registry/access.py says: the page (200, or a
redirect that is not the login page), the login page (302), 403 or 404. POSTs are sent without a
CSRF token: the access check comes first, so a refused user gets 403/404 and an allowed one gets
the CSRF refusal (400), and nothing changes. A route added without its row fails here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from registry.access import ADMINS, MATRIX, PEOPLE, PUBLIC_ENDPOINTS, Rule, Scope
from registry.extensions import db
from registry.models import AuditEntry, Base, Case, User
from registry.services import accounts, household, verification
from tests.conftest import Browser, sample_photo

ROLES = ("anonymous", "officer_a", "officer_b", "supervisor_a", "national_supervisor", "admin")
USERNAMES = {"officer_a": "officer.mny", "officer_b": "officer.kbg", "supervisor_a": "supervisor.mny",
             "national_supervisor": "supervisor", "admin": "admin"}  # fmt: skip
# Who holds border point A (MNY), where the case is.
HOLDS_POINT_A = {"officer_a", "supervisor_a", "national_supervisor"}
ROLE_OF = {"officer_a": "officer", "officer_b": "officer", "supervisor_a": "supervisor",
           "national_supervisor": "supervisor", "admin": "admin"}  # fmt: skip
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
# Prints of several cases record the print and then each case: the world's one case of point A
# is in the list's batch; nobody leaves on the manifest's sample day.
PER_CASE_ROWS = {"cases.sheets_pdf": 2, "manifests.pdf": 1}


@dataclass
class World:
    case_number: str
    values: dict[str, str]
    browsers: dict[str, Browser]


@pytest.fixture
def world(app: Flask, officer, other_officer, supervisor, national_supervisor, admin, register) -> World:
    case = register(officer)
    with app.app_context():
        # The principal has a photo: its route answers 200 to those who may see it.
        household.set_photo(db.session.get(User, officer.id), case.case_number, case.person_id,
                            sample_photo(), ip_address=None)  # fmt: skip
        db.session.commit()
    with app.app_context():
        partner = accounts.save_partner(db.session.get(User, admin.id), None, name="Child Protection Agency",
                                        kind="protection_agency", agreement_reference="DSA-2026-01")  # fmt: skip
        db.session.commit()
        partner_id = partner.id
        printed = verification.issue(db.session.get(User, officer.id),
                                     db.session.get(Case, case.id), "summary", "en")
        db.session.commit()
        code = printed.code
    # A value for every URL argument of every route: a new argument name needs a line here.
    values = {
        "case_number": case.case_number,
        "code": code,
        "border_point": "MNY",
        "departure_date": "2026-03-01",
        "user_id": str(officer.id),
        "point_code": "MNY",
        "partner_id": str(partner_id),
        "transfer_id": "1",
        "follow_up_id": "1",
        "filename": "css/registry.css",
        "person_id": str(case.person_id),
        "document_id": "1",
        "pair_id": "1",
        "merge_id": "1",
    }
    browsers = {"anonymous": Browser(app.test_client())}
    for role, username in USERNAMES.items():
        browser = Browser(app.test_client())
        assert browser.login(username).status_code == 302, username
        browsers[role] = browser
    return World(case.case_number, values, browsers)


def expected(rule: Rule, role: str) -> str:
    """What the matrix says this kind of user gets for the case of point A."""
    if rule.public:
        return "allowed"
    if role == "anonymous":
        return "login"
    if (rule.scope in (Scope.CASE, Scope.BORDER_POINT) and ROLE_OF[role] != "admin"
            and role not in HOLDS_POINT_A):
        return "404"
    if ROLE_OF[role] not in rule.roles:
        return "403"
    return "allowed"


def outcome(response: Any, method: str) -> str:
    status, location = response.status_code, response.headers.get("Location", "")
    if status == 302 and location.startswith("/login") and not location.startswith("/login/"):
        return "login"
    if status in (403, 404):
        return str(status)
    if method in STATE_CHANGING:
        return "allowed" if status == 400 else f"unexpected {status}"
    return "allowed" if status in (200, 302) else f"unexpected {status}"


def url_for_rule(rule: Any, values: dict[str, str]) -> str:
    url = rule.rule
    for argument in rule.arguments:
        assert argument in values, f"no sample value for <{argument}> of {rule.rule}: add it to `values`"
        url = re.sub(rf"<(?:[^:<>]+:)?{argument}>", values[argument], url)
    return url


def walk(app: Flask, world: World, roles: tuple[str, ...] = ROLES) -> Iterator[tuple[str, str, str, str, Any]]:
    """(endpoint, method, url, role, response) for every route, method and kind of user."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        url = url_for_rule(rule, world.values)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for role in roles:
                response = world.browsers[role].client.open(url, method=method)
                yield rule.endpoint, method, url, role, response
                response.close()


def test_every_route_has_a_row_in_the_matrix(app):
    missing = sorted({rule.endpoint for rule in app.url_map.iter_rules()} - set(MATRIX))
    assert missing == [], f"add these endpoints to registry/access.py MATRIX: {missing}"


def test_the_matrix_names_no_route_that_does_not_exist(app):
    assert sorted(set(MATRIX) - {rule.endpoint for rule in app.url_map.iter_rules()}) == []


def test_every_route_answers_each_kind_of_user_as_the_matrix_says(app, world):
    wrong = []
    checked = 0
    for endpoint, method, url, role, response in walk(app, world):
        want, got = expected(MATRIX[endpoint], role), outcome(response, method)
        if want == "allowed" and got == "login" and MATRIX[endpoint].public:
            got = "allowed"  # a public step that starts again at the login page (two_factor)
        checked += 1
        if want != got:
            wrong.append(f"{method} {url} as {role}: expected {want}, got {got} ({response.status_code})")
    assert wrong == []
    assert checked >= 6 * 30


def test_refusals_show_no_personal_data(app, world):
    for _endpoint, _method, url, role, response in walk(app, world, ("officer_b", "admin")):
        if response.status_code in (403, 404):
            assert "Ndayishimiye" not in response.get_data(as_text=True), (url, role)


# --- The matrix itself holds the policy (so that a wrong row is caught, not only a wrong view) -----


def test_administrators_are_never_given_personal_data():
    assert [endpoint for endpoint, rule in MATRIX.items() if rule.personal and "admin" in rule.roles] == []


def test_every_route_naming_a_case_checks_the_case_scope(app):
    for rule in app.url_map.iter_rules():
        if "case_number" in rule.arguments:
            assert MATRIX[rule.endpoint].scope is Scope.CASE, rule.endpoint
            assert MATRIX[rule.endpoint].personal, rule.endpoint


def test_every_route_naming_a_border_point_checks_that_the_user_holds_it(app):
    for rule in app.url_map.iter_rules():
        if "border_point" in rule.arguments:
            assert MATRIX[rule.endpoint].scope is Scope.BORDER_POINT, rule.endpoint


def test_administration_pages_are_for_administrators_only(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/admin") or rule.rule.startswith("/audit"):
            assert MATRIX[rule.endpoint].roles == ADMINS, rule.endpoint


def test_personal_data_is_for_officers_and_supervisors_only():
    for endpoint, rule in MATRIX.items():
        if rule.personal:
            assert rule.roles <= PEOPLE, endpoint


def test_the_public_endpoints_are_the_short_allow_list():
    assert PUBLIC_ENDPOINTS == {"static", "main.health", "auth.login", "auth.set_language",
                                "auth.two_factor"}  # fmt: skip


# --- CSRF on every state-changing route --------------------------------------------------------


def _row_counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {table.name: db.session.scalar(db.select(db.func.count()).select_from(table))
                for table in Base.metadata.sorted_tables}  # fmt: skip


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_every_state_changing_route_refuses_a_missing_or_forged_csrf_token(app, world, token):
    before = _row_counts(app)
    checked = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods & STATE_CHANGING):
            role = next(role for role in ROLES if expected(MATRIX[rule.endpoint], role) == "allowed")
            data = {"csrf_token": token} if token else {}
            response = world.browsers[role].client.open(url_for_rule(rule, world.values), method=method,
                                                        data=data)  # fmt: skip
            assert response.status_code == 400, (rule.endpoint, role, response.status_code)
            checked.append(rule.endpoint)
    assert len(checked) >= 15
    after = _row_counts(app)
    # Nothing written, not even half. The one exception is the audit log: a refused workflow step
    # shows the case page again with what was typed, and that view of a person's data is recorded.
    audit_tables = {"audit_entry", "audit_chain_head"}
    assert {k: v for k, v in after.items() if k not in audit_tables} == {
        k: v for k, v in before.items() if k not in audit_tables}
    with app.app_context():
        new_actions = set(db.session.scalars(
            db.select(AuditEntry.action).order_by(AuditEntry.id).offset(before["audit_entry"])))
    assert new_actions <= {"case_view"}


# --- Headers on every answer --------------------------------------------------------------------


def test_every_answer_carries_the_security_headers(app, world):
    for endpoint, method, url, role, response in walk(app, world, ("anonymous", "officer_a", "admin")):
        where = (method, url, role)
        policy = response.headers.get("Content-Security-Policy", "")
        for directive in ("default-src 'self'", "object-src 'none'", "base-uri 'none'",
                          "frame-ancestors 'none'", "script-src 'self'"):  # fmt: skip
            assert directive in policy, where
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, where
        assert response.headers.get("X-Content-Type-Options") == "nosniff", where
        assert response.headers.get("Referrer-Policy") == "no-referrer", where
        if endpoint != "static":
            assert response.headers.get("Cache-Control") == "no-store", where


def test_session_cookie_is_httponly_and_samesite(app, officer):
    response = Browser(app.test_client()).login("officer.mny")
    cookie = next(value for value in response.headers.getlist("Set-Cookie") if value.startswith("registry_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain HTTP in this test: a Secure cookie would never come back


def test_session_cookie_is_secure_over_https(app, officer):
    client = app.test_client()
    token = Browser(client).csrf_token()
    response = client.post("/login", base_url="https://registry.test", data={
        "csrf_token": token, "username": "officer.mny", "password": "correct horse battery"})  # fmt: skip
    cookie = next(value for value in response.headers.getlist("Set-Cookie") if value.startswith("registry_session="))
    assert "Secure" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


# --- Every view, print and export of a person's data is audited --------------------------------


def _audit_rows(app: Flask) -> int:
    from registry.models import AuditEntry

    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(AuditEntry))


def test_every_page_showing_a_persons_data_writes_an_audit_row(app, world):
    from registry.models import AuditEntry

    counted = 0
    for rule in app.url_map.iter_rules():
        if not MATRIX[rule.endpoint].personal or "GET" not in rule.methods:
            continue
        role = next(role for role in ROLES if expected(MATRIX[rule.endpoint], role) == "allowed")
        before = _audit_rows(app)
        response = world.browsers[role].get(url_for_rule(rule, world.values))
        assert response.status_code in (200, 302), rule.endpoint
        response.get_data()  # a streamed answer (an export) ends, and its request with it
        response.close()
        # One row; a print of many cases (a batch, a manifest) one more per case printed.
        expected_rows = PER_CASE_ROWS.get(rule.endpoint, 1)
        assert _audit_rows(app) == before + expected_rows, rule.endpoint
        with app.app_context():
            row = db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
            assert row.actor_username == USERNAMES[role], rule.endpoint
            if "case_number" in rule.arguments:
                assert row.object_id == world.case_number, rule.endpoint
        counted += 1
    assert counted >= 8
