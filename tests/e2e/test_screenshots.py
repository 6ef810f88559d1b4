"""The pictures of the main pages in the README and the user guides, taken by `make screenshots`
(which sets REGISTRY_SCREENSHOTS to the folder to write, docs/screenshots/). Skipped otherwise."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import log_in
from tests.e2e.steps import open_menu, seed_case

FOLDER = os.environ.get("REGISTRY_SCREENSHOTS")
pytestmark = pytest.mark.skipif(not FOLDER, reason="`make screenshots` takes the pictures")

RETURN = ("screening", "return_requested", "return_approved", "travel_ready", "departed",
          "returned")  # fmt: skip
APPROVER = {"return_approved": "supervisor.mny"}


def save(page, name: str, *, full_page: bool = False) -> None:  # type: ignore[no-untyped-def]
    folder = Path(FOLDER or ".")
    folder.mkdir(parents=True, exist_ok=True)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(folder / f"{name}.png"), full_page=full_page, animations="disabled")


@pytest.fixture
def scene(server, today) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A few people at various steps, so that lists, the queue and the dashboard have something."""
    app = server.app
    cases = {
        "waiting": seed_case(app, "officer.mny", "Ndayishimiye", today=today,
                             to=("screening", "return_requested")),
        "screening": seed_case(app, "officer.mny", "Habimana", today=today, to=("screening",)),
        "returned": seed_case(app, "officer.mny", "Niyonzima", today=today, to=RETURN,
                              by=APPROVER),
        "regularising": seed_case(app, "officer.mny", "Mukamana", today=today,
                                  to=("screening", "regularisation_requested")),
        "new": seed_case(app, "officer.mny", "Irakoze", today=today),
        "travelling": seed_case(app, "officer.mny", "Nduwimana", today=today, to=RETURN[:4],
                                by=APPROVER),
        "kabanga": seed_case(app, "officer.kbg", "Bizimana", today=today, to=("screening",)),
    }  # fmt: skip
    return cases


def test_the_main_pages_pictured(open_session, scene):
    page = open_session(None).page
    page.goto("/login")
    save(page, "login")

    log_in(page, "officer.mny")
    save(page, "my-cases")
    open_menu(page, "Register a person")
    save(page, "registration")
    open_menu(page, "Cases")
    save(page, "case-list")
    open_menu(page, "Manifests")
    save(page, "manifests")
    page.goto(f"/cases/{scene['screening']}")
    expect(page.locator("#next-steps")).to_be_visible()
    save(page, "case-page")

    supervisor = open_session("supervisor").page
    save(supervisor, "queue")
    open_menu(supervisor, "Dashboard")
    save(supervisor, "dashboard")


@pytest.mark.parametrize("viewport", ["phone"], indirect=True)
def test_the_registration_form_on_a_phone_pictured(open_session):
    page = open_session("officer.mny").page
    open_menu(page, "Register a person")
    save(page, "registration-phone")
