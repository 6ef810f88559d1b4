"""General protections: Flask-Limiter's limits, secret key rotation, the audit safety net."""

from __future__ import annotations

import socket

import pytest

from registry.access import MATRIX, Rule, Scope
from registry.extensions import db
from registry.models import AuditEntry
from tests.conftest import Browser


def test_every_page_is_rate_limited_per_address(app_factory, officer):
    app = app_factory(RATELIMIT_ENABLED=True, RATE_LIMIT_DEFAULT="3 per minute")
    client = app.test_client()
    statuses = [client.get("/login", environ_base={"REMOTE_ADDR": "10.1.1.1"}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = client.get("/login", environ_base={"REMOTE_ADDR": "10.1.1.1"})
    assert "Too many attempts" in refused.get_data(as_text=True)
    assert 1 <= int(refused.headers["Retry-After"]) <= 61  # the minute's window, not a guess
    assert client.get("/login", environ_base={"REMOTE_ADDR": "10.1.1.2"}).status_code == 200


def test_the_limiter_storage_is_set_explicitly(app):
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


def _redis_is_running() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_is_running(), reason="no Redis on 127.0.0.1:6379")
def test_limits_are_shared_through_redis_when_configured(app_factory):
    import uuid

    # Two apps stand for two workers. A fresh address keeps other runs' counts apart (a run
    # within the same minute, another suite on the same Redis): Flask-Limiter keeps the key
    # prefix of the first app it was bound to in the process, so a fresh prefix would not.
    settings = {"RATELIMIT_ENABLED": True, "RATE_LIMIT_DEFAULT": "3 per minute",
                "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15"}  # fmt: skip
    first, second = app_factory(**settings), app_factory(**settings)
    fresh = uuid.uuid4().int
    address = {"REMOTE_ADDR": f"10.{fresh % 256}.{fresh // 256 % 256}.{fresh // 65536 % 256}"}
    statuses = [first.test_client().get("/login", environ_base=address).status_code for _ in range(2)]
    statuses += [second.test_client().get("/login", environ_base=address).status_code for _ in range(2)]
    assert statuses == [200, 200, 200, 429]


def test_sessions_survive_a_secret_key_rotation_with_the_old_key_as_fallback(app_factory, officer):
    old = app_factory(SECRET_KEY="the old key of this registry")
    browser = Browser(old.test_client())
    browser.login("officer.mny")
    cookie = browser.client.get_cookie("registry_session").value

    rotated = app_factory(SECRET_KEY="the new key of this registry",
                          SECRET_KEY_FALLBACKS=("the old key of this registry",))  # fmt: skip
    client = rotated.test_client()
    client.set_cookie("registry_session", cookie)
    assert client.get("/cases").status_code == 200

    without_fallback = app_factory(SECRET_KEY="the new key of this registry").test_client()
    without_fallback.set_cookie("registry_session", cookie)
    assert without_fallback.get("/cases").status_code == 302


def test_a_personal_page_that_forgets_its_audit_row_gets_one(app_factory, officer, register, monkeypatch):
    case = register(officer)
    app = app_factory()
    app.add_url_rule("/cases/<case_number>/forgetful", "cases.forgetful", lambda case_number: "a page")
    monkeypatch.setitem(MATRIX, "cases.forgetful", Rule(frozenset({"officer"}), Scope.CASE, personal=True))
    browser = Browser(app.test_client())
    browser.login("officer.mny")
    assert browser.get(f"/cases/{case.case_number}/forgetful").status_code == 200
    with app.app_context():
        entry = db.session.scalars(db.select(AuditEntry).filter_by(action="page_view")).one()
        assert (entry.object_id, entry.details["endpoint"]) == (case.case_number, "cases.forgetful")


def test_a_route_missing_from_the_matrix_is_refused_to_everyone(app_factory, admin, officer):
    app = app_factory()
    app.add_url_rule("/forgotten", "main.forgotten", lambda: "should never show")
    for username in ("officer.mny", "admin"):
        browser = Browser(app.test_client())
        browser.login(username)
        response = browser.get("/forgotten")
        assert response.status_code == 403 and "should never show" not in response.get_data(as_text=True)
