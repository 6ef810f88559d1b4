"""What a production server meets: demo data refused, bodies too large or cut off, logins that must
not lock the database, a rate-limit store that goes away."""

from __future__ import annotations

import io
import re
import sqlite3
from urllib.parse import urlencode

import pytest

from registry.extensions import db
from registry.models import Case, Person, User
from registry.services import accounts


@pytest.mark.parametrize("setting", [{"ENV": "production"}, {"COOKIE_SECURE": True}, {"TRUSTED_PROXIES": 1},
                                     {"BASE_URL": "https://registry.example.org"}])  # fmt: skip
def test_demo_and_synthetic_data_are_refused_on_a_server_configured_for_production(app_factory, setting):
    app = app_factory(**setting)
    runner = app.test_cli_runner()
    demo = runner.invoke(args=["registry", "demo"])
    assert demo.exit_code == 1
    assert "Refused: demo data is never loaded into a production registry." in demo.output
    generate = runner.invoke(args=["registry", "generate", "--people", "5"])
    assert generate.exit_code == 1 and "never loaded into a production registry" in generate.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 0
        assert db.session.scalar(db.select(db.func.count()).select_from(Case)) == 0


def cases(app) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Case))


def test_a_100_mb_body_is_refused_with_413_before_it_is_read(app, browser, officer):
    browser.login("officer.mny")
    token = browser.csrf_token("/registrations/new")
    body = b"csrf_token=" + token.encode() + b"&given_names=" + b"A" * (100 * 1024 * 1024)
    response = browser.client.post("/registrations/new", data=body,
                                   content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert response.status_code == 413
    assert "What you sent is too large" in response.get_data(as_text=True)
    assert cases(app) == 0


def test_a_registration_cut_off_half_way_saves_nothing(app, browser, officer, today):
    browser.login("officer.mny")
    page = browser.get("/registrations/new").get_data(as_text=True)
    submission = re.search(r'name="submission_id"[^>]*value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    complete = urlencode({"csrf_token": browser.csrf_token("/registrations/new"), "submission_id": submission,
                          "border_point": "MNY", "entry_type": "irregular", "circumstances": "intercepted",
                          "sex": "female", "nationality": "BDI", "dob_precision": "exact",
                          "consent_given": "yes", "consent_scope": "case_management",
                          "consent_date": today.isoformat(), "family_name": "Ndayishimiye",
                          "given_names": "Jean-Pierre"}).encode()  # fmt: skip
    # The connection dropped in the middle of the last field: what arrived parses as a whole form.
    arrived = complete[: complete.index(b"Jean-Pi") + len(b"Jean-Pi")]
    # As gunicorn hands it over: the announced length, and an input that ends where the bytes did.
    response = browser.client.post("/registrations/new", input_stream=io.BytesIO(arrived),
                                   content_type="application/x-www-form-urlencoded",
                                   environ_overrides={"CONTENT_LENGTH": str(len(complete)),
                                                      "wsgi.input_terminated": True})  # fmt: skip
    assert response.status_code == 400
    assert cases(app) == 0
    whole = browser.client.post("/registrations/new", data=complete,
                                content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert whole.status_code == 302, whole.get_data(as_text=True)[:2000]
    with app.app_context():
        assert db.session.scalar(db.select(Person.given_names)) == "Jean-Pierre"
    assert browser.get("/cases").status_code == 200  # the officer's session goes on


def test_a_login_checks_the_password_without_holding_the_write_lock(app, new_browser, officer, monkeypatch):
    """Argon2 is slow on purpose: hashed inside the write transaction, 500 logins at once kept every
    officer's request waiting for minutes on SQLite (bench/abuse.py)."""
    with app.app_context():
        url = db.engine.url
    if url.get_backend_name() != "sqlite":
        pytest.skip("SQLite's single write lock")
    real = accounts.verify_password
    others_could_write: list[bool] = []

    def verify(password_hash, password):  # type: ignore[no-untyped-def]
        other = sqlite3.connect(url.database, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            others_could_write.append(True)
        except sqlite3.OperationalError:
            others_could_write.append(False)
        finally:
            other.close()
        return real(password_hash, password)

    monkeypatch.setattr(accounts, "verify_password", verify)
    assert new_browser().login("officer.mny").status_code == 302
    assert new_browser().login("officer.mny", "a wrong password").status_code == 401
    assert others_could_write == [True, True]


def test_a_throttled_account_is_refused_without_hashing(app, browser, officer, monkeypatch):
    for _ in range(5):
        assert browser.login("officer.mny", "a wrong password").status_code == 401
    hashed: list[str] = []
    monkeypatch.setattr(accounts, "verify_password", lambda stored, given: hashed.append(given) or False)
    response = browser.login("officer.mny")
    assert response.status_code == 429
    assert "Too many failed attempts" in response.get_data(as_text=True)
    assert hashed == []


def test_pages_are_served_when_the_rate_limit_store_is_down(app_factory, officer):
    # Nothing listens on port 1: every worker falls back to counting in memory.
    app = app_factory(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0",
                      RATE_LIMIT_DEFAULT="3 per minute")  # fmt: skip
    assert app.config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] is True
    client = app.test_client()
    statuses = [client.get("/login", environ_base={"REMOTE_ADDR": "10.3.3.3"}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    app_factory()  # the limiter is one object: bound again with the suite's settings (no limits)


def test_a_summary_sheet_printed_while_others_register_is_issued_and_audited(app, browser, officer,
                                                                          register, monkeypatch):  # fmt: skip
    """A print writes its verification code. Read in a snapshot that then wrote, it failed
    ("database is locked") whenever another request had committed since it began, which under
    load was most prints; holding the write lock instead, every officer's next write waited for
    the PDF to be built. It now reads without the lock and writes its rows after."""
    from registry.models import AuditEntry, PrintIssue
    from registry.services import cases as case_service

    with app.app_context():
        url = db.engine.url
    if url.get_backend_name() != "sqlite":
        pytest.skip("SQLite's single write lock")
    case = register(officer)
    real = case_service.get_case
    others_wrote: list[bool] = []

    def get_case(*args, **kwargs):  # type: ignore[no-untyped-def]
        found = real(*args, **kwargs)
        other = sqlite3.connect(url.database, timeout=0, isolation_level=None)
        try:  # another officer's registration, committed while the print is under way
            other.execute("BEGIN IMMEDIATE")
            other.execute("UPDATE border_point SET name = name")
            other.execute("COMMIT")
            others_wrote.append(True)
        except sqlite3.OperationalError:
            others_wrote.append(False)
        finally:
            other.close()
        return found

    monkeypatch.setattr(case_service, "get_case", get_case)
    browser.login("officer.mny")
    response = browser.get(f"/cases/{case.case_number}/summary.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    # The print does not hold the write lock while it reads and builds: the other writer went
    # ahead, and the print's own rows were written after it.
    assert others_wrote == [True]
    with app.app_context():
        issued = db.session.scalars(db.select(PrintIssue.document).where(PrintIssue.case_id == case.id))
        assert list(issued) == ["summary"]
        actions = list(db.session.scalars(db.select(AuditEntry.action).order_by(AuditEntry.seq)))
    assert actions[-1] == "print_summary"


def test_the_case_list_reads_without_holding_the_write_lock_and_is_still_audited(app, browser, officer,
                                                                                 register, monkeypatch):  # fmt: skip
    """On SQLite every request used to take the one write lock at its first query and keep it
    until its end: fifty officers' list pages went one at a time."""
    from registry.models import AuditEntry
    from registry.services import cases as case_service

    with app.app_context():
        url = db.engine.url
    if url.get_backend_name() != "sqlite":
        pytest.skip("SQLite's single write lock")
    register(officer)
    real = case_service.list_cases
    others_could_write: list[bool] = []

    def list_cases(*args, **kwargs):  # type: ignore[no-untyped-def]
        result = real(*args, **kwargs)
        other = sqlite3.connect(url.database, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            others_could_write.append(True)
        except sqlite3.OperationalError:
            others_could_write.append(False)
        finally:
            other.close()
        return result

    monkeypatch.setattr(case_service, "list_cases", list_cases)
    browser.login("officer.mny")
    page = browser.get("/cases")
    assert page.status_code == 200 and "Ndayishimiye" in page.get_data(as_text=True)
    assert others_could_write == [True]
    with app.app_context():
        actions = list(db.session.scalars(db.select(AuditEntry.action).order_by(AuditEntry.seq)))
    assert actions[-1] == "case_list"


@pytest.mark.parametrize("environment, threads", [
    ({}, 1),  # the laptop's SQLite in instance/
    ({"REGISTRY_DATABASE_URL": "sqlite:////srv/registry/registry.sqlite3"}, 1),
    ({"REGISTRY_DATABASE_URL": "postgresql+psycopg://registry@db.example/registry"}, 2),
    ({"REGISTRY_DATABASE_URL": "postgresql+psycopg://registry@db.example/registry", "REGISTRY_THREADS": "8"}, 8),
])  # fmt: skip
def test_gunicorn_gives_a_worker_threads_by_the_database(monkeypatch, environment, threads):
    import runpy
    from pathlib import Path

    monkeypatch.delenv("REGISTRY_DATABASE_URL", raising=False)
    monkeypatch.delenv("REGISTRY_THREADS", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    settings = runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))
    assert settings["worker_class"] == "gthread"
    assert settings["threads"] == threads
