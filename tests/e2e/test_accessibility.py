"""Usable without a mouse and with a screen reader: axe-core finds no serious or critical
violation on the main pages, every field has a label, errors are announced beside their field,
and a registration can be done with the keyboard alone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import EVERY_VIEWPORT, WIDER_THAN_THE_SCREEN, axe_violations, log_in
from tests.e2e.steps import open_menu, seed_case, unique_name

# Every <input>, <select> and <textarea> a person can reach, without a label that names it.
UNLABELLED = """() => [...document.querySelectorAll("input, select, textarea")]
    .filter((el) => el.type !== "hidden")
    .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute("aria-label")
                    && !el.getAttribute("aria-labelledby"))
    .map((el) => el.outerHTML)"""


def check_page(page) -> None:  # type: ignore[no-untyped-def]
    """Every field labelled, nothing serious or critical for axe-core, and nothing wider than
    the screen (a phone scrolls up and down, never sideways)."""
    assert page.evaluate(UNLABELLED) == []
    assert page.evaluate(WIDER_THAN_THE_SCREEN) == []
    assert axe_violations(page) == []


@EVERY_VIEWPORT
def test_an_officers_pages_have_no_serious_accessibility_violation(open_session, server, today):
    case_number = seed_case(server.app, "officer.mny", unique_name("Uwimana"), to=("screening",),
                            today=today)  # fmt: skip
    page = open_session(None).page
    page.goto("/login")
    check_page(page)
    log_in(page, "officer.mny")
    check_page(page)  # my cases
    for path in ("/registrations/new", "/cases", f"/cases/{case_number}",
                 f"/cases/{case_number}/correct", f"/cases/{case_number}/transfers", "/manifests",
                 "/account/password",
                 "/account/language"):  # fmt: skip
        page.goto(path)
        check_page(page)
    page.goto(f"/cases/{case_number}")
    page.locator("details.step[data-action=request_return] summary").click()
    check_page(page)


@EVERY_VIEWPORT
def test_a_supervisors_and_an_administrators_pages_have_no_serious_violation(open_session,
                                                                             server, today):  # fmt: skip
    case_number = seed_case(server.app, "officer.mny", unique_name("Hakizimana"), today=today,
                            to=("screening", "return_requested"))  # fmt: skip
    supervisor = open_session("supervisor.mny").page
    check_page(supervisor)  # the queue
    for path in ("/dashboard", "/duplicates/", f"/cases/{case_number}",
                 f"/cases/{case_number}/access", f"/cases/{case_number}/members/new",
                 f"/cases/{case_number}/changes"):  # fmt: skip
        supervisor.goto(path)
        check_page(supervisor)
    admin = open_session("admin").page
    for path in ("/admin/", "/admin/users/new", "/admin/border-points/new", "/audit"):
        admin.goto(path)
        check_page(admin)


@EVERY_VIEWPORT
def test_registration_errors_are_announced_beside_their_fields(open_session, watch):
    page = open_session("officer.mny").page
    open_menu(page, "Register a person")
    with watch.expecting(422):
        page.get_by_role("button", name="Register", exact=True).click()
        expect(page.get_by_role("alert").first).to_contain_text("Some details need correcting")

    nationality = page.locator("#nationality")
    expect(nationality).to_have_attribute("aria-invalid", "true")
    expect(nationality).to_have_attribute("aria-describedby", "nationality-error")
    expect(page.locator("#nationality-error")).to_have_attribute("role", "alert")
    expect(page.locator("#nationality-error")).to_have_text("Choose a nationality.")
    for radio in page.get_by_role("group", name="Sex").get_by_role("radio").all():
        expect(radio).to_have_attribute("aria-invalid", "true")
        expect(radio).to_have_attribute("aria-describedby", "sex-error")
    expect(page.locator("#sex-error")).to_have_text("Choose a sex.")
    # The cursor waits in the first field in error: its label and message are read at once.
    first_invalid = page.locator("main [aria-invalid=true]").first
    expect(first_invalid).to_be_focused()
    check_page(page)


@EVERY_VIEWPORT
def test_a_refused_step_is_announced_beside_its_field(open_session, server, watch, today):
    case_number = seed_case(server.app, "officer.mny", unique_name("Nkurunziza"), today=today,
                            to=("screening", "return_requested", "return_approved"),
                            by={"return_approved": "supervisor.mny"})  # fmt: skip
    page = open_session("officer.mny").page
    page.goto(f"/cases/{case_number}")
    step = page.locator("details.step[data-action=schedule_travel]")
    if step.get_attribute("open") is None:
        step.locator("summary").click()
    with watch.expecting(422):
        step.locator("button[type=submit]").click()
        expect(page.locator("#case-status")).to_have_attribute("data-status", "return_approved")
    field = page.locator("#schedule_travel-travel_document")
    expect(field).to_have_attribute("aria-invalid", "true")
    error = page.locator("#" + field.get_attribute("aria-describedby"))
    expect(error).to_have_attribute("role", "alert")
    expect(error).not_to_be_empty()
    expect(page.locator("main [aria-invalid=true]").first).to_be_focused()
    check_page(page)


def tab_to(page, selector: str, limit: int = 120) -> None:  # type: ignore[no-untyped-def]
    """Press Tab until `selector` has the focus, as a keyboard user moves through a form."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)",
                         selector):  # fmt: skip
            return
    pytest.fail(f"{selector} is not reachable with the Tab key")


def test_a_registration_with_the_keyboard_alone(open_session):
    page = open_session("officer.mny").page
    family_name = unique_name("Keyboard")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    tab_to(page, "a[href='/registrations/new']")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Register a person")).to_be_visible()

    tab_to(page, "#given_names")
    page.keyboard.type("Aline")
    page.keyboard.press("Tab")
    expect(page.locator("#family_name")).to_be_focused()
    page.keyboard.type(family_name)
    tab_to(page, "input[name=sex]")
    # Arrow keys move within a group of radio buttons; the first arrow lands on the second option.
    page.keyboard.press("ArrowRight")
    expect(page.locator("input[name=sex]:checked")).to_have_count(1)
    tab_to(page, "#date_of_birth")
    page.keyboard.type("17051990")
    tab_to(page, "#nationality")
    page.keyboard.type("Burundi")
    expect(page.locator("#nationality")).to_have_value("BDI")
    tab_to(page, "input[name=consent_given]")
    page.keyboard.press("Space")
    expect(page.locator("input[name=consent_given][value=yes]")).to_be_checked()
    tab_to(page, "button[type=submit].btn-primary")
    page.keyboard.press("Enter")

    expect(page.get_by_role("status").filter(has_text="Registered. Case number")).to_be_visible()
    expect(page.locator("h1")).to_contain_text(family_name)
    expect(page.locator("#next-steps")).to_contain_text("Start screening")
