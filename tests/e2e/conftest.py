"""Fixtures for the browser tests: the registry served on a free port with a fresh database,
Debian's Chromium driven by Playwright, and pages that fail their test on any console error,
failed request or Content-Security-Policy violation."""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from werkzeug.serving import make_server

from registry.extensions import db
from registry.services import accounts
from tests.conftest import PASSWORD, make_app

CHROMIUM = os.environ.get("REGISTRY_E2E_CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"

# The sizes the registry is used at: a desk, a tablet at the border post, a phone in the field.
VIEWPORTS = {
    "desktop": {"width": 1280, "height": 800},
    "tablet": {"width": 768, "height": 1024},
    "phone": {"width": 390, "height": 844},
}
EVERY_VIEWPORT = pytest.mark.parametrize("viewport", list(VIEWPORTS), indirect=True)

# Who works in the registry the tests serve: two border points, their officers and supervisors.
BORDER_POINTS = [("MNY", "Manyovu", "TZA"), ("KBG", "Kabanga", "TZA")]
ACCOUNTS = [
    ("officer.mny", "officer", ["MNY"], "Neema Officer"),
    ("supervisor.mny", "supervisor", ["MNY"], "Baraka Supervisor"),
    ("officer.kbg", "officer", ["KBG"], "Juma Officer"),
    ("supervisor", "supervisor", [], "National Supervisor"),
    ("admin", "admin", [], "Rehema Administrator"),
    # One account per screen size for the language journey: the choice stays with the account.
    *((f"polyglot.{size}", "officer", ["MNY"], "Amani Officer") for size in VIEWPORTS),
]

# A problem is reported in the page's console (a CSP refusal, a script error, a resource that
# failed) or seen on the network; a status a step expects (a 404 for a case out of scope, a 422
# for a form with errors) is allowed during that step only.
STATUS_IN_CONSOLE = re.compile(r"status of (\d{3})")
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error("CSP violation: " + event.violatedDirective + " blocked " + event.blockedURI);
});
"""

# Elements that stick out of the screen's width, not counting those inside a box that scrolls.
WIDER_THAN_THE_SCREEN = """() => {
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth <= width) return [];
    return [...document.querySelectorAll("body *")]
        .filter((el) => el.getBoundingClientRect().right > width + 1)
        .filter((el) => !el.closest(".table-responsive, .visually-hidden, .visually-hidden-focusable"))
        .map((el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + "." + el.className)
        .slice(0, 10);
}"""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


@dataclass
class Server:
    url: str
    app: Any


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The registry on a free port of 127.0.0.1, on a new database set up by `flask registry init`:
    SQLite, or PostgreSQL when REGISTRY_TEST_DATABASE_URL names one (its schema is emptied)."""
    instance = tmp_path_factory.mktemp("e2e-instance")
    database_url = (os.environ.get("REGISTRY_TEST_DATABASE_URL")
                    or f"sqlite:///{instance / 'registry.sqlite3'}")  # fmt: skip
    app = make_app(database_url, instance, TESTING=False, UPLOAD_FOLDER=str(instance / "uploads"))
    with app.app_context():
        if database_url.startswith("postgresql"):
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    result = app.test_cli_runner().invoke(args=["registry", "init"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        for code, name, country in BORDER_POINTS:
            accounts.add_border_point(code, name, country)
        for username, role, points, full_name in ACCOUNTS:
            accounts.create_user(username, PASSWORD, role, points, full_name=full_name,
                                 all_border_points=role == "supervisor" and not points)  # fmt: skip
        db.session.commit()
        db.session.remove()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request drowns failures
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield Server(f"http://127.0.0.1:{http.server_port}", app)
    http.shutdown()
    thread.join(timeout=10)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make e2e` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def today(server: Server) -> date:
    """Today at the border points, as the registry sees it."""
    from registry.templating import today as registry_today

    with server.app.app_context():
        return registry_today()


@pytest.fixture
def viewport(request: pytest.FixtureRequest) -> str:
    return getattr(request, "param", "desktop")


@dataclass
class Watch:
    """Everything that went wrong in a test's pages, and the statuses its current step expects."""

    problems: list[str] = field(default_factory=list)
    allowed: set[int] = field(default_factory=set)

    def attach(self, page: Any) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def _console(self, message: Any) -> None:
        if message.type not in ("error", "warning"):
            return
        status = STATUS_IN_CONSOLE.search(message.text)
        if status and int(status.group(1)) in self.allowed:
            return
        if message.type == "error" or "Content Security Policy" in message.text:
            self.problems.append(f"console {message.type}: {message.text} ({message.location})")

    def _failed(self, request: Any) -> None:
        if request.failure == "net::ERR_ABORTED":
            return  # the browser left the page (or saved a download) before this answer came
        self.problems.append(f"request failed: {request.method} {request.url} {request.failure}")

    def _response(self, response: Any) -> None:
        if response.status >= 400 and response.status not in self.allowed:
            self.problems.append(f"{response.status} for {response.request.method} {response.url}")

    @contextmanager
    def expecting(self, *statuses: int) -> Iterator[None]:
        self.allowed.update(statuses)
        try:
            yield
        finally:
            self.allowed.difference_update(statuses)


@dataclass
class Session:
    """One person's browser: a page of its own, with its own cookies."""

    page: Any
    username: str


@pytest.fixture
def watch() -> Watch:
    return Watch()


@pytest.fixture
def open_session(server: Server, chromium: Any, viewport: str,
                 watch: Watch) -> Iterator[Callable[..., Session]]:  # fmt: skip
    """Open a browser window and log in as `username` (no login with `username=None`)."""
    contexts: list[Any] = []

    def open_(username: str | None, *, locale: str = "en-GB") -> Session:
        touch = viewport != "desktop"
        # Reduced motion: Bootstrap and the charts skip their animations, so that a click never
        # lands on a menu still unfolding.
        context = chromium.new_context(base_url=server.url, viewport=VIEWPORTS[viewport],
                                       has_touch=touch, is_mobile=viewport == "phone",
                                       locale=locale, timezone_id="Africa/Dar_es_Salaam",
                                       reduced_motion="reduce")  # fmt: skip
        context.set_default_timeout(10_000)
        context.add_init_script(CSP_LISTENER)
        contexts.append(context)
        page = context.new_page()
        watch.attach(page)
        if username:
            log_in(page, username)
        return Session(page, username or "")

    yield open_
    for context in contexts:
        context.close()
    assert not watch.problems, "\n".join(watch.problems)


def log_in(page: Any, username: str, password: str = PASSWORD) -> None:
    from playwright.sync_api import expect

    # By the fields' ids, not their labels: the page may be in the account's language.
    page.goto("/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    page.locator("form[action$='/login'] button[type=submit]").click()
    expect(page.locator("form[action$='/logout']")).to_be_attached()


def axe_violations(page: Any, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """Run axe-core on the page as it stands; the serious and critical violations, described."""
    # Evaluated through the DevTools protocol, not as a <script>: the page's CSP refuses inline
    # scripts, and should.
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    results = page.evaluate("""async () => {
        const results = await axe.run(document, {resultTypes: ["violations"]});
        return results.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map((n) => n.target.join(" ") + ": " + n.failureSummary)}));
    }""")
    return [f"{v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"])
            for v in results if v["impact"] in impacts]  # fmt: skip
