"""The JSON API (/api/v1): tokens, each endpoint's answers and refusals, problem details,
idempotent registrations, stale versions, and the audit rows its calls write."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from registry.extensions import db
from registry.models import ApiToken, AuditEntry, Case, CaseEvent, Person, User
from registry.models.base import utcnow
from registry.services import api_tokens
from tests.conftest import UserRef
from tests.web.test_cases import pdf_text

PROBLEM = "application/problem+json"


class Api:
    """A partner system: a client that sends a bearer token and JSON, and never a cookie."""

    def __init__(self, app: Flask, token: str | None) -> None:
        self.client = app.test_client(use_cookies=False)
        self.token = token

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**headers, **(extra or {})}

    def get(self, path: str, **kwargs: Any):  # type: ignore[no-untyped-def]
        return self.client.get("/api/v1" + path, headers=self.headers(kwargs.pop("headers", None)), **kwargs)

    def post(self, path: str, body: Any = None, *, headers: dict[str, str] | None = None,
             **kwargs: Any):  # type: ignore[no-untyped-def]  # fmt: skip
        if body is not None and "data" not in kwargs:
            kwargs["json"] = body
        return self.client.post("/api/v1" + path, headers=self.headers(headers), **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any):  # type: ignore[no-untyped-def]
        return self.client.patch("/api/v1" + path, json=body, headers=self.headers(kwargs.pop("headers", None)),
                                 **kwargs)  # fmt: skip


@pytest.fixture
def make_token(app: Flask) -> Callable[..., str]:
    def factory(user: UserRef, days: int | None = 30) -> str:
        with app.app_context():
            _row, token = api_tokens.create_token(db.session.get(User, user.id), expires_in_days=days,
                                                  created_by="test")  # fmt: skip
            db.session.commit()
        return token

    return factory


@pytest.fixture
def api_as(app: Flask, make_token: Callable[..., str]) -> Callable[[UserRef], Api]:
    return lambda user: Api(app, make_token(user))


@pytest.fixture
def officer_api(api_as, officer) -> Api:  # type: ignore[no-untyped-def]
    return api_as(officer)


@pytest.fixture
def supervisor_api(api_as, supervisor) -> Api:  # type: ignore[no-untyped-def]
    return api_as(supervisor)


def registration(**fields: Any) -> dict[str, Any]:
    body = {
        "border_point": "MNY", "given_names": "Aline", "family_name": "Ndayishimiye", "sex": "female",
        "date_of_birth": "1990-05-17", "dob_precision": "exact", "nationality": "BDI",
        "consent_given": True, "consent_date": "2026-01-05", "languages": ["kir", "swa"],
        "documents": [{"type": "national_id", "number": "BI-123 456", "issuing_country": "BDI"}],
    }  # fmt: skip
    body.update(fields)
    return body


def registration_document() -> Any:
    from registry.services.registration import DocumentData

    return DocumentData(type="national_id", number="BI-123 456", issuing_country="BDI")


def count(app: Flask, model: Any, *where: Any) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def audit_actions(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def case_state(app: Flask, case_number: str) -> tuple[str, int, int]:
    with app.app_context():
        case = db.session.scalar(select(Case).filter_by(case_number=case_number))
        events = db.session.scalar(select(func.count()).where(CaseEvent.case_id == case.id))
        return case.status, case.version, events


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert body["status"] == status and body["title"] and body["type"]
    return body


# --------------------------------------------------------------------------------------------
# Tokens
# --------------------------------------------------------------------------------------------


def test_a_token_is_stored_hashed_and_shown_once(app, officer, make_token):
    token = make_token(officer)
    with app.app_context():
        row = db.session.scalar(select(ApiToken))
        assert row.token_hash == api_tokens.token_hash(token) and token not in (row.token_hash, row.prefix)
        assert token.startswith(row.prefix)


def test_create_token_prints_the_token_alone_on_its_last_line(app, runner, officer):
    result = runner.invoke(args=["registry", "create-token", "officer.mny", "--expires-in", "7"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert api_tokens.TOKEN.match(token)
    assert Api(app, token).get("/cases").status_code == 200
    listed = runner.invoke(args=["registry", "tokens", "officer.mny"])
    assert "active" in listed.output and token not in listed.output and token[:11] in listed.output


def test_revoke_token_from_the_command_line_refuses_its_next_call(app, runner, officer):
    token = runner.invoke(args=["registry", "create-token", "officer.mny"]).output.strip().splitlines()[-1]
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    result = runner.invoke(args=["registry", "revoke-token", str(token_id)])
    assert result.exit_code == 0 and "revoked" in result.output
    assert_problem(Api(app, token).get("/cases"), 401)
    assert "revoked" in runner.invoke(args=["registry", "tokens", "officer.mny"]).output
    again = runner.invoke(args=["registry", "revoke-token", str(token_id)])
    assert again.exit_code == 1 and "already revoked" in again.output


@pytest.mark.parametrize("days", ["0", "731", "abc"])
def test_create_token_refuses_a_lifetime_out_of_range(runner, officer, days):
    result = runner.invoke(args=["registry", "create-token", "officer.mny", "--expires-in", days])
    assert result.exit_code != 0
    assert api_tokens.TOKEN_PREFIX not in result.output


def test_an_administrator_revokes_a_token_on_the_account_page(app, browser, officer, admin, make_token):
    token = make_token(officer)
    browser.login("admin")
    page = browser.get(f"/admin/users/{officer.id}").get_data(as_text=True)
    assert token[:11] in page and token not in page
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    response = browser.submit(f"/admin/tokens/{token_id}/revoke", {}, form_url=f"/admin/users/{officer.id}")
    assert response.status_code == 302
    assert_problem(Api(app, token).get("/cases"), 401)
    assert "api_token_revoked" in audit_actions(app)


@pytest.mark.parametrize("authorization", [None, "Bearer", "Bearer ", "Basic b2ZmaWNlcjpwdw==",
                                           "Bearer mreg_not-a-real-token",
                                           "Bearer mreg_" + "A" * 43])  # fmt: skip
def test_a_call_without_a_valid_token_is_401_with_a_problem(app, officer, authorization):
    client = app.test_client(use_cookies=False)
    headers = {"Authorization": authorization} if authorization else {}
    response = client.get("/api/v1/cases", headers=headers)
    body = assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Authorization: Bearer" in body["detail"]
    assert audit_actions(app)[-1] == "api_token_refused"


def test_an_expired_token_is_refused(app, officer, make_token):
    token = make_token(officer)
    with app.app_context():
        db.session.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    assert_problem(Api(app, token).get("/cases"), 401)


def test_a_deactivated_accounts_token_is_refused(app, officer, make_token):
    token = make_token(officer)
    with app.app_context():
        db.session.execute(update(User).where(User.id == officer.id).values(active=False))
        db.session.commit()
    assert_problem(Api(app, token).get("/cases"), 401)


def test_a_session_cookie_does_not_authenticate_the_api(app, browser, officer, register):
    case = register(officer)
    browser.login("officer.mny")
    assert browser.get(f"/cases/{case.case_number}").status_code == 200
    response = browser.client.get(f"/api/v1/cases/{case.case_number}")
    assert_problem(response, 401)
    assert "Set-Cookie" not in response.headers


def test_the_api_sets_no_cookie(officer_api, officer, register):
    response = officer_api.get("/cases")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers


# --------------------------------------------------------------------------------------------
# The description
# --------------------------------------------------------------------------------------------


def test_the_openapi_description_is_public_and_built_from_the_schemas(app):
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"] == "3.1.0"
    assert set(spec["paths"]) >= {"/registrations", "/cases", "/cases/{case_number}",
                                  "/cases/{case_number}/transitions", "/persons/{person_id}", "/stats",
                                  "/cases/{case_number}/documents/{document}.pdf"}  # fmt: skip
    transition = spec["components"]["schemas"]["TransitionIn"]
    # Every detail of the transition table is a field, with its type from its FieldSpec.
    assert {"destination_country", "departure_date", "closure_reason", "permit_valid_until",
            "fit_to_travel_on", "bid_outcome"} <= set(transition["properties"])  # fmt: skip
    assert transition["additionalProperties"] is False
    statuses = spec["components"]["schemas"]["CaseStatus"]["enum"]
    assert "return_requested" in statuses and "closed" in statuses
    # What schemathesis tests (tests/web/test_api_schema.py) is what is served.
    from registry.api import openapi

    assert spec == json.loads(json.dumps(openapi.describe("/api/v1")))


# --------------------------------------------------------------------------------------------
# Registering
# --------------------------------------------------------------------------------------------


def test_registering_a_person_returns_201_with_the_case_number(app, officer_api, officer):
    response = officer_api.post("/registrations", registration())
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["case_number"].startswith("MNY-") and body["status"] == "registered"
    assert response.headers["Location"] == f"/api/v1/cases/{body['case_number']}"
    case = officer_api.get(f"/cases/{body['case_number']}").get_json()
    assert case["person"]["given_names"] == "Aline" and case["person"]["languages"] == ["kir", "swa"]
    assert case["person"]["documents"][0]["number"] == "BI-123 456"
    assert "registration" in audit_actions(app)


def test_a_retried_registration_with_the_same_key_returns_the_first_case(app, officer_api, officer):
    key = {"Idempotency-Key": "f0e4c2f7-registration-1"}
    first = officer_api.post("/registrations", registration(), headers=key)
    again = officer_api.post("/registrations", registration(), headers=key)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count(app, Person) == 1 and count(app, Case) == 1


def test_the_same_key_with_another_body_is_422_and_saves_nothing(app, officer_api, officer):
    key = {"Idempotency-Key": "key-2"}
    assert officer_api.post("/registrations", registration(), headers=key).status_code == 201
    body = assert_problem(officer_api.post("/registrations", registration(given_names="Other"), headers=key), 422)
    assert body["type"].endswith("idempotency-key-reused")
    assert count(app, Person) == 1


def test_keys_are_per_token_and_forgotten_after_a_day(app, api_as, officer, make_token):
    from registry.models import IdempotentRequest

    key = {"Idempotency-Key": "shared-key"}
    first, second = api_as(officer), api_as(officer)
    assert first.post("/registrations", registration(), headers=key).status_code == 201
    other = registration(given_names="Other", confirm_new=True)
    assert second.post("/registrations", other, headers=key).status_code == 201
    with app.app_context():
        db.session.execute(update(IdempotentRequest).values(created_at=utcnow() - timedelta(hours=25)))
        db.session.commit()
    third = registration(given_names="Third", confirm_new=True)
    assert first.post("/registrations", third, headers=key).status_code == 201
    assert count(app, Case) == 3


def test_a_refused_registration_does_not_use_up_its_key(app, officer_api, officer):
    key = {"Idempotency-Key": "retry-after-fix"}
    assert_problem(officer_api.post("/registrations", registration(nationality="ZZZ"), headers=key), 422)
    assert officer_api.post("/registrations", registration(), headers=key).status_code == 201


@pytest.mark.parametrize("body, field, code", [
    (registration(sex="f"), "sex", "enum"),
    (registration(consent_given="yes"), "consent_given", "bool_type"),
    (registration(given_names=42), "given_names", "string_type"),
    (registration(date_of_birth="17/05/1990"), "date_of_birth", "date_parsing"),
    (registration(favourite_colour="blue"), "favourite_colour", "extra_forbidden"),
    ({k: v for k, v in registration().items() if k != "nationality"}, "nationality", "missing"),
    (registration(documents=[{"type": "passport"}]), "documents.0.number", "missing"),
    (registration(documents="BI-1"), "documents", "list_type"),
    (registration(given_names="x" * 201), "given_names", "string_too_long"),
])  # fmt: skip
def test_wrong_fields_are_422_field_by_field_and_save_nothing(app, officer_api, officer, body, field, code):
    problem = assert_problem(officer_api.post("/registrations", body), 422)
    assert problem["type"].endswith("validation-error")
    assert {"field": field, "code": code} in [{"field": e["field"], "code": e["code"]} for e in problem["errors"]]
    assert all(e["message"] for e in problem["errors"])
    assert count(app, Case) == 0


def test_the_registration_services_rules_are_the_apis(app, officer_api, officer):
    body = assert_problem(officer_api.post("/registrations", registration(nationality="ZZZ", consent_given=False)), 422)
    fields = {error["field"] for error in body["errors"]}
    assert {"nationality", "documents"} <= fields  # no documents without consent
    assert count(app, Case) == 0


def test_another_border_point_is_refused_for_registration(app, officer_api, officer, other_officer):
    body = assert_problem(officer_api.post("/registrations", registration(border_point="KBG")), 422)
    assert body["errors"][0]["field"] == "border_point"


@pytest.mark.parametrize("data, content_type, status", [
    ("{not json", "application/json", 400),
    ("[1, 2]", "application/json", 422),
    ('"text"', "application/json", 422),
    ("given_names=Aline", "application/x-www-form-urlencoded", 415),
    ("", "application/json", 400),
])  # fmt: skip
def test_a_body_that_is_not_a_json_object_is_refused(app, officer_api, officer, data, content_type, status):
    response = officer_api.post("/registrations", data=data, content_type=content_type)
    assert_problem(response, status)
    assert count(app, Case) == 0


def test_a_huge_body_is_413(app, officer_api, officer):
    response = officer_api.post("/registrations", data=json.dumps(registration(other_names="x" * 400_000)),
                                content_type="application/json")  # fmt: skip
    assert_problem(response, 413)
    assert count(app, Case) == 0


def test_likely_duplicates_are_409_with_the_candidates_and_save_nothing(app, officer_api, officer, register):
    earlier = register(officer, documents=(registration_document(),))
    body = assert_problem(officer_api.post("/registrations", registration()), 409)
    assert body["type"].endswith("likely-duplicates")
    candidate = body["candidates"][0]
    assert candidate["case_number"] == earlier.case_number and candidate["for_person"] == 0
    assert candidate["score"] > 0.5 and candidate["reasons"] and candidate["why"]
    assert candidate["family_name"] == "Ndayishimiye"  # the caller's own border point
    assert count(app, Case) == 1
    confirmed = officer_api.post("/registrations", registration(confirm_new=True))
    assert confirmed.status_code == 201
    assert count(app, Case) == 2


def test_a_candidate_at_another_border_point_shows_no_persons_data(app, api_as, officer, other_officer,
                                                                   register):  # fmt: skip
    register(other_officer, documents=(registration_document(),))
    body = assert_problem(api_as(officer).post("/registrations", registration()), 409)
    candidate = body["candidates"][0]
    assert candidate["border_point"] == "KBG"
    assert set(candidate) == {"for_person", "case_number", "border_point", "score", "reasons", "why"}
    assert "Ndayishimiye" not in json.dumps(body) and "1990" not in json.dumps(body)


def test_a_household_is_registered_as_one_case(app, officer_api, officer):
    child = {"relationship": "child", "given_names": "Eric", "family_name": "Ndayishimiye", "sex": "male",
             "date_of_birth": "2018-03-02", "dob_precision": "year", "nationality": "BDI"}  # fmt: skip
    response = officer_api.post("/registrations", registration(household=[child]))
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["members"] == 2
    case = officer_api.get(response.headers["Location"].removeprefix("/api/v1")).get_json()
    assert [(m["relationship"], m["person"]["given_names"]) for m in case["members"]] == [
        ("head", "Aline"), ("child", "Eric")]


@pytest.mark.parametrize("member, field", [
    ({"relationship": "head", "given_names": "Eric", "sex": "male", "nationality": "BDI"},
     "household.0.relationship"),
    ({"relationship": "child", "given_names": "Eric", "sex": "male"}, "household.0.nationality"),
    ({"relationship": "child", "given_names": "Eric", "sex": "male", "nationality": "QQQ"},
     "household.0.nationality"),
])  # fmt: skip
def test_a_household_members_error_names_the_member(app, officer_api, officer, member, field):
    body = assert_problem(officer_api.post("/registrations", registration(household=[member])), 422)
    assert field in [error["field"] for error in body["errors"]]
    assert count(app, Case) == 0


def test_an_administrator_may_not_register_through_the_api(app, api_as, admin):
    assert_problem(api_as(admin).post("/registrations", registration()), 403)


# --------------------------------------------------------------------------------------------
# Reading cases
# --------------------------------------------------------------------------------------------


def test_a_case_has_its_status_version_timeline_and_allowed_transitions(app, officer_api, officer, register):
    case = register(officer)
    response = officer_api.get(f"/cases/{case.case_number}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "registered" and body["pathway"] == "undecided" and body["version"] == 1
    assert body["allowed_transitions"] == ["screening"]
    assert body["timeline"][0]["kind"] == "registered" and body["timeline"][0]["actor"] == "officer.mny"
    assert body["person"]["family_name"] == "Ndayishimiye"
    with app.app_context():
        row = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert (row.action, row.object_id, row.actor_username) == ("case_view", case.case_number, "officer.mny")
        assert row.details["api_token_id"]


def test_a_supervisor_is_allowed_to_close_too(supervisor_api, officer, register):
    case = register(officer)
    body = supervisor_api.get(f"/cases/{case.case_number}").get_json()
    assert body["allowed_transitions"] == ["screening", "closed"]


def test_another_border_points_case_is_404_like_no_case(app, api_as, officer, other_officer, register):
    case = register(officer)
    other = api_as(other_officer)
    refused = assert_problem(other.get(f"/cases/{case.case_number}"), 404)
    missing = assert_problem(other.get("/cases/MNY-2026-999999"), 404)
    assert refused["title"] == missing["title"]
    assert "Ndayishimiye" not in json.dumps(refused)
    assert audit_actions(app)[-1] == "access_refused"


def test_the_list_filters_pages_by_cursor_and_is_audited(app, officer_api, officer, register):
    numbers = [register(officer, given_names=f"Person{i}").case_number for i in range(5)]
    first = officer_api.get("/cases?limit=2").get_json()
    assert [item["case_number"] for item in first["items"]] == numbers[::-1][:2]
    assert first["total"] == 5 and first["total_is_exact"] is True
    second = officer_api.get(f"/cases?limit=2&cursor={first['next_cursor']}").get_json()
    assert [item["case_number"] for item in second["items"]] == numbers[::-1][2:4]
    last = officer_api.get(f"/cases?limit=2&cursor={second['next_cursor']}").get_json()
    assert [item["case_number"] for item in last["items"]] == numbers[:1] and last["next_cursor"] is None
    found = officer_api.get("/cases?q=person3").get_json()
    assert [item["given_names"] for item in found["items"]] == ["Person3"]
    assert officer_api.get("/cases?status=screening").get_json()["items"] == []
    assert audit_actions(app).count("case_list") == 5


@pytest.mark.parametrize("query, field", [
    ("status=lost", "status"), ("limit=0", "limit"), ("limit=1000", "limit"), ("limit=ten", "limit"),
    ("registered_from=2026-02-30", "registered_from"), ("border_point=KBG", "border_point"),
    ("colour=blue", "colour"), ("cursor=MNY-2026-999999", "cursor"), ("status=closed&status=screening", "status"),
])  # fmt: skip
def test_a_bad_filter_is_422_naming_it(officer_api, officer, other_officer, register, query, field):
    register(officer)
    body = assert_problem(officer_api.get(f"/cases?{query}"), 422)
    assert field in [error["field"] for error in body["errors"]]


def test_the_summary_prints_as_pdf_and_is_audited(app, officer_api, officer, register):
    case = register(officer)
    response = officer_api.get(f"/cases/{case.case_number}/documents/summary.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert audit_actions(app)[-1] == "print_summary"
    for document, title in (("slip", "Registration slip"), ("declaration", "Déclaration de retour volontaire")):
        printed = officer_api.get(f"/cases/{case.case_number}/documents/{document}.pdf?lang=fr")
        assert printed.status_code == 200 and printed.mimetype == "application/pdf"
        assert audit_actions(app)[-1] == f"print_{document}"
        if document == "declaration":
            _reader, text = pdf_text(printed.data)
            assert title in text and case.case_number in text
    assert_problem(officer_api.get(f"/cases/{case.case_number}/documents/summary.pdf?lang=xx"), 422)
    assert_problem(officer_api.get(f"/cases/{case.case_number}/documents/passport.pdf"), 404)


def test_stats_are_the_dashboards_for_supervisors(app, supervisor_api, officer_api, officer, register):
    register(officer)
    register(officer, given_names="Jean", sex="male")
    body = supervisor_api.get("/stats").get_json()
    assert body["cases"] == 2 and body["people"] == 2
    assert {count["key"]: count["cases"] for count in body["by_status"]}["registered"] == 2
    assert audit_actions(app)[-1] == "dashboard_view"
    assert_problem(officer_api.get("/stats"), 403)
    assert_problem(supervisor_api.get("/stats?border_point=KBG"), 422)


# --------------------------------------------------------------------------------------------
# Moving cases
# --------------------------------------------------------------------------------------------


def test_a_move_returns_the_moved_case(app, officer_api, officer, register):
    case = register(officer)
    response = officer_api.post(f"/cases/{case.case_number}/transitions",
                                {"to": "screening", "version": 1, "fear_of_return": "no"})  # fmt: skip
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["status"] == "screening" and body["version"] == 2 and body["fear_of_return"] == "no"
    assert body["timeline"][-1]["to_status"] == "screening"
    assert "return_requested" in body["allowed_transitions"]
    assert "case_transition" in audit_actions(app)


def test_a_return_request_with_its_details(officer_api, officer, register, move_case):
    case = register(officer)
    move_case(case.case_number, officer, "screening", fear_of_return="no")
    body = officer_api.post(f"/cases/{case.case_number}/transitions", {
        "to": "return_requested", "version": 2, "destination_country": "BDI",
        "destination_place": "Makamba", "reason": "Wishes to go home"}).get_json()  # fmt: skip
    assert body["status"] == "return_requested" and body["pathway"] == "voluntary_return"
    assert body["destination_country"] == "BDI" and body["timeline"][-1]["reason"] == "Wishes to go home"


def test_a_stale_version_is_409_and_changes_nothing(app, officer_api, officer, register):
    case = register(officer)
    before = case_state(app, case.case_number)
    body = assert_problem(officer_api.post(f"/cases/{case.case_number}/transitions",
                                           {"to": "screening", "version": 7}), 409)  # fmt: skip
    assert body["type"].endswith("stale-version")
    assert case_state(app, case.case_number) == before


def test_a_stale_version_is_409_even_beside_a_bad_detail(app, officer_api, officer, register):
    case = register(officer)
    assert_problem(officer_api.post(f"/cases/{case.case_number}/transitions",
                                    {"to": "screening", "version": 7, "fear_of_return": 3}), 409)  # fmt: skip


def test_a_move_the_role_may_not_make_is_403(app, officer_api, officer, register):
    case = register(officer)
    before = case_state(app, case.case_number)
    assert_problem(officer_api.post(f"/cases/{case.case_number}/transitions",
                                    {"to": "closed", "version": 1, "closure_reason": "duplicate"}), 403)  # fmt: skip
    assert case_state(app, case.case_number) == before


def test_a_move_not_possible_now_is_422(app, officer_api, officer, register):
    case = register(officer)
    body = assert_problem(officer_api.post(f"/cases/{case.case_number}/transitions",
                                           {"to": "departed", "version": 1}), 422)  # fmt: skip
    assert "registered" in body["detail"]


def test_a_guard_is_422_and_changes_nothing(app, officer_api, officer, register, move_case):
    case = register(officer)
    move_case(case.case_number, officer, "screening", fear_of_return="yes")
    before = case_state(app, case.case_number)
    body = assert_problem(officer_api.post(f"/cases/{case.case_number}/transitions",
                                           {"to": "return_requested", "version": 2,
                                            "destination_country": "BDI"}), 422)  # fmt: skip
    assert "fear" in body["detail"].lower()
    assert case_state(app, case.case_number) == before


@pytest.mark.parametrize("body, field", [
    ({"to": "return_requested", "version": 2}, "destination_country"),
    ({"to": "return_requested", "version": 2, "destination_country": "ZZZ"}, "destination_country"),
    ({"to": "return_requested", "version": "2", "destination_country": "BDI"}, "version"),
    ({"to": "return_requested", "version": 2, "destination_country": "BDI", "colour": "red"}, "colour"),
    ({"to": "return_requested", "version": 2, "destination_country": "BDI", "permit_number": "P1"},
     "permit_number"),
    ({"to": "nowhere", "version": 2}, "to"),
])  # fmt: skip
def test_a_missing_or_invalid_detail_is_422_naming_it(app, officer_api, officer, register, move_case,
                                                      body, field):  # fmt: skip
    case = register(officer)
    move_case(case.case_number, officer, "screening", fear_of_return="no")
    before = case_state(app, case.case_number)
    problem = assert_problem(officer_api.post(f"/cases/{case.case_number}/transitions", body), 422)
    assert field in [error["field"] for error in problem["errors"]]
    assert case_state(app, case.case_number) == before


def test_a_move_on_another_points_case_is_404(app, api_as, officer, other_officer, register):
    case = register(officer)
    before = case_state(app, case.case_number)
    assert_problem(api_as(other_officer).post(f"/cases/{case.case_number}/transitions",
                                              {"to": "screening", "version": 1}), 404)  # fmt: skip
    assert case_state(app, case.case_number) == before


# --------------------------------------------------------------------------------------------
# Correcting a person
# --------------------------------------------------------------------------------------------


def test_a_correction_changes_only_the_fields_sent_and_is_recorded(app, officer_api, officer, register):
    case = register(officer)
    response = officer_api.patch(f"/persons/{case.person_id}", {
        "version": 1, "reason": "Spelling on the national ID", "family_name": "Ndayishimiye-Bizimana"})  # fmt: skip
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["changed"] == ["family_name"] and body["person"]["given_names"] == "Aline"
    assert body["person"]["family_name"] == "Ndayishimiye-Bizimana" and body["person"]["version"] == 2
    timeline = officer_api.get(f"/cases/{case.case_number}").get_json()["timeline"]
    assert timeline[-1]["kind"] == "correction" and timeline[-1]["reason"] == "Spelling on the national ID"


def test_a_correction_with_a_stale_version_is_409_and_changes_nothing(app, officer_api, officer, register):
    case = register(officer)
    assert_problem(officer_api.patch(f"/persons/{case.person_id}",
                                     {"version": 5, "reason": "x", "family_name": "Other"}), 409)  # fmt: skip
    with app.app_context():
        assert db.session.get(Person, case.person_id).family_name == "Ndayishimiye"


@pytest.mark.parametrize("body, field", [
    ({"version": 1, "family_name": "Other"}, "reason"),
    ({"version": 1, "reason": "x", "sex": "woman"}, "sex"),
    ({"version": 1, "reason": "x", "photo": "a.jpg"}, "photo"),
    ({"reason": "x", "family_name": "Other"}, "version"),
])  # fmt: skip
def test_a_bad_correction_is_422(app, officer_api, officer, register, body, field):
    case = register(officer)
    problem = assert_problem(officer_api.patch(f"/persons/{case.person_id}", body), 422)
    assert field in [error["field"] for error in problem["errors"]]


def test_another_points_person_is_404(app, api_as, officer, other_officer, register):
    case = register(officer)
    assert_problem(api_as(other_officer).patch(f"/persons/{case.person_id}",
                                               {"version": 1, "reason": "x", "family_name": "Y"}), 404)  # fmt: skip
    assert_problem(api_as(other_officer).patch("/persons/999999",
                                               {"version": 1, "reason": "x", "family_name": "Y"}), 404)  # fmt: skip


# --------------------------------------------------------------------------------------------
# Errors and limits
# --------------------------------------------------------------------------------------------


def test_an_unknown_api_path_and_method_are_problems(officer_api, officer):
    assert_problem(officer_api.get("/nothing-here"), 404)
    response = officer_api.client.delete("/api/v1/cases", headers=officer_api.headers())
    assert_problem(response, 405)


def test_calls_are_limited_per_token(app_factory, create_user, make_token):
    app = app_factory(RATELIMIT_ENABLED=True, API_RATE_LIMIT="3 per minute")
    with app.app_context():
        from registry.services import accounts

        accounts.add_border_point("MNY", "Manyovu", "TZA")
        user = accounts.create_user("officer.rl", "correct horse battery", "officer", ["MNY"])
        db.session.commit()
        first = api_tokens.create_token(user, created_by="test")[1]
        second = api_tokens.create_token(user, created_by="test")[1]
        db.session.commit()
    one, two = Api(app, first), Api(app, second)
    answers = [one.get("/cases") for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert [answer.headers["X-RateLimit-Remaining"] for answer in answers] == ["2", "1", "0"]
    assert answers[0].headers["X-RateLimit-Limit"] == "3" and "X-RateLimit-Reset" in answers[0].headers
    refused = one.get("/cases")
    assert_problem(refused, 429)
    assert 0 <= int(refused.headers["Retry-After"]) <= 60
    assert two.get("/cases").status_code == 200
    # A web page is limited too, but says nothing of it: the headers would cost two questions to
    # the limits' storage on every page.
    assert "X-RateLimit-Limit" not in app.test_client().get("/login").headers
    # Flask-Limiter's on/off switch belongs to the extension, not to an app: binding an app with
    # the tests' settings turns it off again for the tests that follow.
    app_factory()


@pytest.mark.parametrize("person_id", ["0", "2147483648", "99999999999999999999"])
def test_a_person_id_beyond_any_record_is_404(officer_api, officer, person_id):
    response = officer_api.patch(f"/persons/{person_id}", {"version": 1, "reason": "x", "family_name": "Y"})
    assert_problem(response, 404)


def test_revoking_a_token_that_does_not_exist_is_404(app, browser, admin):
    browser.login("admin")
    response = browser.submit("/admin/tokens/2147483648/revoke", {}, form_url=f"/admin/users/{admin.id}")
    assert response.status_code == 404


@pytest.mark.parametrize("case_number", ["MNY%00-2026-000001", "MNY-2026-000001%27--", "x" * 300])
def test_a_malformed_case_number_is_404_not_an_error(officer_api, officer, register, case_number):
    register(officer)
    assert_problem(officer_api.get(f"/cases/{case_number}"), 404)


@pytest.mark.parametrize("path, method, body", [
    ("/registrations", "post", registration(given_names="Al\u0000ine", confirm_new=True)),
    ("/registrations", "post", registration(place_of_origin="Makamba\u0000", confirm_new=True)),
    ("/registrations", "post", registration(documents=[{"type": "passport", "number": "P\u00001"}],
                                            confirm_new=True)),
    ("/registrations", "post", registration(family_name="Ndayi\nshimiye", confirm_new=True)),
    ("/persons/{person_id}", "patch", {"version": 1, "reason": "typo\u0000", "family_name": "N\u0000"}),
    ("/cases/{case_number}/transitions", "post", {"to": "screening", "version": 1, "reason": "\u0000"}),
    ("/cases?q=Al%00ine&assigned_to=a%00b", "get", None),
])  # fmt: skip
def test_control_characters_are_refused_not_stored(app, officer_api, officer, register, path, method, body):
    case = register(officer)
    url = path.format(person_id=case.person_id, case_number=case.case_number)
    response = officer_api.get(url) if method == "get" else getattr(officer_api, method)(url, body)
    assert response.status_code in (200, 422), response.get_data(as_text=True)
    if response.status_code == 422 and method != "get":
        assert "control_characters" in [error["code"] for error in response.get_json()["errors"]]
    assert count(app, Case) == 1
