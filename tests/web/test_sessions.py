"""Logins and sessions: throttling, idle and absolute expiry, ends of sessions, passwords, second factor."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from registry.domain import two_factor
from registry.extensions import db
from registry.models import AuditEntry, User
from tests.conftest import PASSWORD, Browser


def _failures(browser: Browser, username: str, count: int, address: str = "127.0.0.1") -> list[int]:
    statuses = []
    for _ in range(count):
        token = browser.csrf_token()
        response = browser.client.post("/login", data={"csrf_token": token, "username": username,
                                                       "password": "wrong password here"},
                                       environ_base={"REMOTE_ADDR": address})  # fmt: skip
        statuses.append(response.status_code)
    return statuses


# --- Throttling -----------------------------------------------------------------------------------


def test_sixth_failure_within_a_minute_is_refused_for_that_account(browser, officer):
    assert _failures(browser, "officer.mny", 5) == [401] * 5
    token = browser.csrf_token()
    response = browser.client.post("/login", data={"csrf_token": token, "username": "officer.mny",
                                                   "password": PASSWORD})  # fmt: skip
    assert response.status_code == 429  # even the right password: the account is throttled
    assert "Too many failed attempts" in response.get_data(as_text=True)
    assert 'value="officer.mny"' in response.get_data(as_text=True)


def test_throttling_one_account_leaves_the_others_alone(app, browser, officer, other_officer):
    _failures(browser, "officer.mny", 6)
    # Same address, another account: logs in at once.
    assert Browser(app.test_client()).login("officer.kbg").status_code == 302


def test_the_throttle_is_lifted_after_the_window(app, browser, officer):
    from registry.models import FailedLogin
    from registry.models.base import utcnow

    _failures(browser, "officer.mny", 5)
    with app.app_context():
        # A minute later (the attempts are moved back rather than the test waiting).
        for row in db.session.scalars(db.select(FailedLogin)):
            row.at = utcnow() - timedelta(seconds=61)
        db.session.commit()
    assert browser.login("officer.mny").status_code == 302


def test_failures_are_counted_in_the_database_so_every_worker_agrees(app_factory, officer):
    # Two app instances stand for two worker processes sharing the database.
    first, second = app_factory(), app_factory()
    _failures(Browser(first.test_client()), "officer.mny", 3)
    _failures(Browser(second.test_client()), "officer.mny", 2)
    assert _failures(Browser(first.test_client()), "officer.mny", 1) == [429]


def test_an_address_is_throttled_at_a_much_higher_limit(app_factory, create_user):
    app = app_factory(LOGIN_FAILURES_PER_ADDRESS=8)
    create_user("neema.a", "officer", ("MNY",))
    browser = Browser(app.test_client())
    # Officers of one border point share an address: 4 + 4 failures on two accounts are fine...
    assert _failures(browser, "neema.a", 4, "10.0.0.5") == [401] * 4
    assert _failures(browser, "someone.else", 4, "10.0.0.5") == [401] * 4
    # ...but the address's limit (here 8) then refuses every account from it, and no other address.
    assert _failures(browser, "another.one", 1, "10.0.0.5") == [429]
    assert _failures(browser, "another.one", 1, "10.0.0.6") == [401]


def test_throttled_attempts_are_audited(app, browser, officer):
    _failures(browser, "officer.mny", 6)
    with app.app_context():
        actions = db.session.scalars(db.select(AuditEntry.action).order_by(AuditEntry.seq)).all()
    assert actions.count("login_failed") == 5 and actions.count("login_throttled") == 1


# --- Idle and absolute expiry ---------------------------------------------------------------------


def _age_session(browser: Browser, *, idle: int = 0, since_login: int = 0) -> None:
    with browser.client.session_transaction() as session:
        session["seen_at"] = int(time.time()) - idle
        session["auth_at"] = int(time.time()) - since_login


def test_a_session_unused_longer_than_the_idle_timeout_ends(app_factory, officer):
    app = app_factory(SESSION_IDLE_MINUTES=2)
    browser = Browser(app.test_client())
    browser.login("officer.mny")
    _age_session(browser, idle=119, since_login=119)
    assert browser.get("/cases").status_code == 200
    _age_session(browser, idle=121, since_login=200)
    response = browser.get("/cases")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    page = browser.get("/login").get_data(as_text=True)
    assert "Your session has expired" in page
    assert browser.get("/cases").status_code == 302  # not revived


def test_each_request_restarts_the_idle_clock(app_factory, officer):
    app = app_factory(SESSION_IDLE_MINUTES=2)
    browser = Browser(app.test_client())
    browser.login("officer.mny")
    _age_session(browser, idle=100, since_login=100)
    assert browser.get("/cases").status_code == 200
    with browser.client.session_transaction() as session:
        assert int(time.time()) - session["seen_at"] <= 2


def test_the_session_cookie_is_sent_again_only_when_the_idle_clock_moves(app_factory, officer):
    app = app_factory(SESSION_IDLE_MINUTES=2)
    browser = Browser(app.test_client())
    browser.login("officer.mny")
    browser.get("/cases")  # the first page after the login adds the CSRF token to the session
    _age_session(browser, idle=30, since_login=30)
    response = browser.get("/cases")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    with browser.client.session_transaction() as session:
        assert int(time.time()) - session["seen_at"] >= 30  # within the minute: not moved
    _age_session(browser, idle=61, since_login=61)
    response = browser.get("/cases")
    assert "registry_session=" in response.headers["Set-Cookie"]
    with browser.client.session_transaction() as session:
        assert int(time.time()) - session["seen_at"] <= 2


def test_a_session_older_than_the_absolute_lifetime_ends_however_busy(app_factory, officer):
    app = app_factory(SESSION_HOURS=1)
    browser = Browser(app.test_client())
    browser.login("officer.mny")
    _age_session(browser, idle=0, since_login=3599)
    assert browser.get("/cases").status_code == 200
    _age_session(browser, idle=0, since_login=3601)
    assert browser.get("/cases").status_code == 302
    with app.app_context():
        entry = db.session.scalars(db.select(AuditEntry).filter_by(action="session_expired")).one()
        assert entry.details == {"reason": "absolute"}


def test_the_defaults_are_thirty_minutes_idle_and_twelve_hours(app):
    settings = app.config["REGISTRY"]
    assert (settings.SESSION_IDLE_MINUTES, settings.SESSION_HOURS) == (30, 12)


# --- The end of a session -------------------------------------------------------------------------


def _copy_of_cookie(source: Browser, app) -> Browser:  # type: ignore[no-untyped-def]
    """A second browser holding a copy of the first one's session cookie (a stolen cookie)."""
    thief = Browser(app.test_client())
    cookie = source.client.get_cookie("registry_session")
    thief.client.set_cookie("registry_session", cookie.value)
    return thief


def test_logout_ends_the_session_even_for_a_copied_cookie(app, browser, officer):
    browser.login("officer.mny")
    thief = _copy_of_cookie(browser, app)
    assert thief.get("/cases").status_code == 200
    browser.logout()
    assert thief.get("/cases").status_code == 302


def test_password_change_ends_the_other_sessions_and_keeps_this_one(app, browser, new_browser, officer):
    browser.login("officer.mny")
    other_device = new_browser()
    other_device.login("officer.mny")
    response = browser.submit("/account/password", {"current_password": PASSWORD,
                                                    "password": "a new long passphrase",
                                                    "confirm": "a new long passphrase"})  # fmt: skip
    assert response.status_code == 302
    assert browser.get("/cases").status_code == 200
    assert other_device.get("/cases").status_code == 302
    assert new_browser().login("officer.mny", "a new long passphrase").status_code == 302


def test_deactivation_ends_the_accounts_sessions_at_once(app, browser, new_browser, officer, admin):
    browser.login("officer.mny")
    administrator = new_browser()
    administrator.login("admin")
    response = administrator.submit(f"/admin/users/{officer.id}/deactivate", {})
    assert response.status_code == 200
    assert browser.get("/cases").status_code == 302
    assert new_browser().login("officer.mny").status_code == 401


# --- Passwords ----------------------------------------------------------------------------------


@pytest.mark.parametrize("new_password, message", [
    ("short pass", "at least 12 characters"),
    ("passwordpassword", "too common"),
    ("password123456", "too common"),
    ("qwertyuiop123", "too common"),
    ("111111111111111", "too common"),
    ("officer.mny is me", "must not contain the username"),
])  # fmt: skip
def test_weak_passwords_are_refused_with_a_clear_message(browser, officer, new_password, message):
    browser.login("officer.mny")
    response = browser.submit("/account/password", {"current_password": PASSWORD, "password": new_password,
                                                    "confirm": new_password})  # fmt: skip
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_a_wrong_current_password_or_a_mismatch_changes_nothing(browser, new_browser, officer):
    browser.login("officer.mny")
    wrong = browser.submit("/account/password", {"current_password": "not my password",
                                                 "password": "a new long passphrase",
                                                 "confirm": "a new long passphrase"})  # fmt: skip
    assert wrong.status_code == 422 and "The current password is wrong." in wrong.get_data(as_text=True)
    mismatch = browser.submit("/account/password", {"current_password": PASSWORD,
                                                    "password": "a new long passphrase",
                                                    "confirm": "another long passphrase"})  # fmt: skip
    assert mismatch.status_code == 422 and "The two new passwords differ." in mismatch.get_data(as_text=True)
    assert new_browser().login("officer.mny").status_code == 302


def test_a_temporary_password_must_be_changed_before_anything_else(app, runner, browser, create_border_point):
    create_border_point("MNY")
    result = runner.invoke(args=["registry", "create-user", "neema", "--role", "officer", "--border-point",
                                 "MNY", "--password-stdin", "--temporary"], input="temporary secret 42\n")  # fmt: skip
    assert result.exit_code == 0, result.output
    response = browser.login("neema", "temporary secret 42")
    assert response.headers["Location"] == "/account/password"
    blocked = browser.get("/cases")
    assert blocked.status_code == 302 and blocked.headers["Location"] == "/account/password"
    browser.submit("/account/password", {"current_password": "temporary secret 42",
                                         "password": "my own long passphrase",
                                         "confirm": "my own long passphrase"})  # fmt: skip
    assert browser.get("/cases").status_code == 200


def test_without_temporary_the_cli_sets_the_password_as_given(app, runner, browser, create_border_point):
    create_border_point("MNY")
    runner.invoke(args=["registry", "create-user", "neema", "--role", "officer", "--border-point", "MNY",
                        "--password-stdin"], input="permanent secret 42\n")  # fmt: skip
    browser.login("neema", "permanent secret 42")
    assert browser.get("/cases").status_code == 200


# --- The second factor --------------------------------------------------------------------------


def _enable_totp(app, username: str) -> str:  # type: ignore[no-untyped-def]
    secret = two_factor.new_secret()
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(username=username))
        user.totp_secret = secret
        db.session.commit()
    return secret


def test_supervisor_turns_on_the_second_factor_by_proving_a_code(app, browser, supervisor):
    browser.login("supervisor.mny")
    page = browser.get("/account/two-factor").get_data(as_text=True)
    assert 'src="data:image/svg+xml;base64,' in page
    secret = page.split('id="totp-secret">')[1].split("<")[0]
    wrong = browser.submit("/account/two-factor", {"code": "000000"})
    assert wrong.status_code == 422 and "does not match" in wrong.get_data(as_text=True)
    code = two_factor.code_at(secret, two_factor.current_step())
    assert browser.submit("/account/two-factor", {"code": code}).status_code == 302
    with app.app_context():
        assert db.session.get(User, supervisor.id).totp_secret == secret


def test_officers_are_not_offered_a_second_factor(browser, officer):
    browser.login("officer.mny")
    assert browser.get("/account/two-factor").status_code == 403


def test_login_with_a_second_factor_needs_the_code(app, browser, supervisor):
    secret = _enable_totp(app, "supervisor.mny")
    response = browser.login("supervisor.mny")
    assert response.headers["Location"] == "/login/two-factor"
    assert browser.get("/cases").status_code == 302  # not logged in yet
    wrong = browser.submit("/login/two-factor", {"code": "123456"})
    assert wrong.status_code == 401
    code = two_factor.code_at(secret, two_factor.current_step())
    assert browser.submit("/login/two-factor", {"code": code}).status_code == 302
    assert browser.get("/cases").status_code == 200


def test_a_second_factor_code_is_never_accepted_twice(app, new_browser, supervisor):
    secret = _enable_totp(app, "supervisor.mny")
    code = two_factor.code_at(secret, two_factor.current_step())
    first = new_browser()
    first.login("supervisor.mny")
    assert first.submit("/login/two-factor", {"code": code}).status_code == 302
    replay = new_browser()
    replay.login("supervisor.mny")
    response = replay.submit("/login/two-factor", {"code": code})
    assert response.status_code == 401
    assert "already used" in response.get_data(as_text=True)


def test_second_factor_failures_count_toward_the_throttle(app, new_browser, supervisor):
    _enable_totp(app, "supervisor.mny")
    browser = new_browser()
    browser.login("supervisor.mny")
    statuses = [browser.submit("/login/two-factor", {"code": "000000"}).status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]
