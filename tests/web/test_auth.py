"""Logging in and out."""

from __future__ import annotations

import pytest

from registry.extensions import db
from registry.models import AuditEntry


def test_login_page_is_open_and_carries_a_csrf_token(browser):
    page = browser.get("/login").get_data(as_text=True)
    assert 'name="username"' in page and 'name="password"' in page
    assert 'name="csrf_token"' in page


def test_officer_logs_in_and_lands_on_the_case_list(browser, officer):
    response = browser.login("officer.mny")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = browser.get("/", follow_redirects=True).get_data(as_text=True)
    assert "Officer.Mny" in page and "<h1" in page and "Cases" in page


def test_login_starts_a_new_session(browser, officer):
    browser.get("/login")
    with browser.client.session_transaction() as session:
        session["planted"] = "by an attacker"
    browser.login("officer.mny")
    with browser.client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].startswith(f"{officer.id}:")


@pytest.mark.parametrize("username, password", [
    ("officer.mny", "wrong password here"),
    ("nobody", "correct horse battery"),
    ("", ""),
])  # fmt: skip
def test_failed_login_says_the_same_whatever_was_wrong(browser, officer, username, password):
    response = browser.login(username, password)
    page = response.get_data(as_text=True)
    assert response.status_code in (400, 401)
    assert "Unknown username or wrong password." in page or "This field is required." in page
    assert f'value="{username}"' in page or username == ""


def test_failed_login_is_audited_without_the_password(app, browser, officer):
    browser.login("officer.mny", "wrong password here")
    with app.app_context():
        entry = db.session.scalars(db.select(AuditEntry).filter_by(action="login_failed")).one()
        assert entry.actor_username == "officer.mny"
        assert "wrong password" not in str(entry.details)


def test_login_refused_without_csrf_token_keeps_the_username(browser, officer):
    response = browser.client.post("/login", data={"username": "officer.mny", "password": "x"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'value="officer.mny"' in page
    assert "security token" in page


def test_next_parameter_never_leaves_the_site(browser, officer):
    token = browser.csrf_token()
    response = browser.client.post("/login", data={
        "csrf_token": token, "username": "officer.mny", "password": "correct horse battery",
        "next": "//evil.example/steal"})  # fmt: skip
    assert response.headers["Location"] == "/"


def test_logout_is_a_post_and_ends_the_session(browser, officer):
    browser.login("officer.mny")
    assert browser.get("/logout").status_code == 405
    response = browser.logout()
    assert response.status_code == 302
    assert browser.get("/cases").status_code == 302


def test_deactivated_account_loses_its_session(app, browser, officer):
    from registry.models import User

    browser.login("officer.mny")
    with app.app_context():
        db.session.get(User, officer.id).active = False
        db.session.commit()
    response = browser.get("/cases")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_language_chosen_on_the_login_page_is_kept(browser):
    token = browser.csrf_token()
    browser.client.post("/language", data={"csrf_token": token, "lang": "fr", "next": "/login"})
    page = browser.get("/login").get_data(as_text=True)
    assert '<html lang="fr"' in page
