"""Each role's day in a real browser, at a desk, on a tablet and on a phone: every journey fails
on a console error, a failed request or a Content-Security-Policy violation (see conftest)."""

from __future__ import annotations

import io
import re
import uuid

from PIL import Image
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.e2e.conftest import EVERY_VIEWPORT, WIDER_THAN_THE_SCREEN, axe_violations, log_in
from tests.e2e.steps import (
    choose_language,
    days_from,
    fill_person,
    iso,
    labelled,
    open_case,
    open_collapsed_menu,
    open_menu,
    register_person,
    seed_case,
    take_step,
    unique_name,
)


@EVERY_VIEWPORT
def test_an_officer_logs_in_and_out(open_session, watch):
    page = open_session(None).page
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login"))
    # The icon the page names, and the one browsers ask for where a page names none (a PDF).
    for icon in (page.locator("link[rel=icon]").get_attribute("href"), "/favicon.ico"):
        answer = page.request.get(icon)
        assert answer.ok and answer.headers["content-type"].startswith("image/svg+xml"), icon
    page.get_by_label("Username").fill("officer.mny")
    page.get_by_label("Password").fill("not the password")
    with watch.expecting(401, 422):
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_label("Username")).to_have_value("officer.mny")

    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My cases")

    open_collapsed_menu(page)
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login"))


@EVERY_VIEWPORT
def test_a_voluntary_return_from_registration_to_arrival(open_session, today):
    officer = open_session("officer.mny").page
    family_name = unique_name("Ndayishimiye")
    case_number = register_person(officer, "Aline", family_name)
    expect(officer.locator("#case-status")).to_have_attribute("data-status", "registered")

    take_step(officer, "start_screening", {"Fear of return": "no"}, reaches="screening")
    take_step(officer, "request_return", {"Country of return": "BDI",
                                          "Place of return (town, district)": "Makamba"},
              reaches="return_requested")  # fmt: skip
    expect(officer.locator("details.step[data-action=approve_return]")).to_have_count(0)

    supervisor = open_session("supervisor.mny").page
    open_menu(supervisor, "Queue")
    approvals = supervisor.locator("#approvals")
    expect(approvals.get_by_role("row").filter(has_text=case_number)).to_contain_text(family_name)
    approvals.get_by_role("link", name=case_number).click()
    take_step(supervisor, "approve_return", reaches="return_approved")

    officer.reload()
    take_step(officer, "schedule_travel", {
        "Travel document (type and number)": "Laissez-passer LP-1",
        "Departure date": iso(today),
        "Departure point": "Manyovu gate",
        "Found fit to travel (medical check) on": iso(today),
        "Means of transport": "Bus",
        "Escort required": True,
    }, reaches="travel_ready")
    manifest = print_the_manifest(officer, today)
    assert family_name in manifest and "Manyovu" in manifest
    officer.go_back()  # from the PDF to the manifests page
    open_case(officer, case_number)
    take_step(officer, "mark_departed", reaches="departed")
    take_step(officer, "confirm_return", {"Arrival confirmed on": iso(today)}, reaches="returned")
    timeline = officer.locator("#timeline")
    for status in ("Returned", "Departed", "Ready to travel", "Return approved", "Return requested"):
        expect(timeline).to_contain_text(status)


def print_the_manifest(page, today) -> str:  # type: ignore[no-untyped-def]
    """Print today's departure manifest of the officer's border point; the PDF's text.
    Chromium shows the PDF in its viewer, which hides the bytes: they are read again through the
    page's own session."""
    open_menu(page, "Manifests")
    link = page.locator("#departures tr").filter(has_text="Manyovu").get_by_role(
        "link", name="Print the manifest (PDF)")
    with page.expect_response(lambda response: "/manifests/" in response.url) as answer:
        link.click()
    assert answer.value.ok and answer.value.headers["content-type"] == "application/pdf"
    pdf = PdfReader(io.BytesIO(page.request.get(answer.value.url).body()))
    return "\n".join(sheet.extract_text() for sheet in pdf.pages)


@EVERY_VIEWPORT
def test_a_household_with_a_photo_is_registered_past_a_possible_duplicate(open_session, server,
                                                                          watch, today,
                                                                          tmp_path):  # fmt: skip
    family_name = unique_name("Ndayizeye")
    national_id = f"BDI-{uuid.uuid4().hex[:8].upper()}"
    earlier = seed_case(server.app, "officer.mny", family_name, today=today, national_id=national_id)
    photo = tmp_path / "photo.jpg"
    Image.new("RGB", (240, 320), (150, 110, 80)).save(photo, "JPEG")

    officer = open_session("officer.mny").page
    open_menu(officer, "Register a person")
    fill_person(officer, "Aline", family_name)  # as the earlier registration: a possible duplicate
    papers = officer.get_by_role("group", name="Identity document 1")
    papers.get_by_label("Document type").select_option("national_id")
    papers.get_by_label("Document number").fill(national_id)  # the same card: a likely match
    officer.get_by_label(labelled("Photo")).set_input_files(photo)
    child = officer.get_by_role("group", name="Member 1")
    child.get_by_label("Relationship to the head").select_option("child")
    child.get_by_label("Given names").fill("Ange")
    child.get_by_label("Family name").fill(family_name)
    child.get_by_label("Sex").select_option("female")
    child.get_by_label("Date of birth", exact=True).fill(days_from(today, -6 * 365))
    with watch.expecting(422):
        officer.get_by_role("button", name="Register", exact=True).click()
        candidates = officer.locator("#candidates")
        expect(candidates).to_contain_text("Possible matches")
    expect(candidates.locator(f"tr[data-case-number='{earlier}']")).to_contain_text(family_name)
    assert axe_violations(officer) == []

    officer.get_by_label("None of these is the person I am registering").check()
    officer.get_by_label(labelled("Photo")).set_input_files(photo)  # a browser never keeps a file
    officer.get_by_role("button", name="Register", exact=True).click()
    expect(officer.get_by_role("status").filter(has_text="Registered. Case number")).to_be_visible()
    assert officer.locator("#case-number").inner_text() != earlier
    household = officer.locator("#household")
    expect(household.locator(".household-person")).to_have_count(2)
    expect(household).to_contain_text(f"Ange {family_name}")
    picture = household.get_by_role("img", name=f"Photo of Aline {family_name}")
    expect(picture).to_be_visible()
    assert picture.evaluate("image => image.complete && image.naturalWidth > 0")


@EVERY_VIEWPORT
def test_a_regularisation_ends_with_a_permit(open_session, today):
    officer = open_session("officer.mny").page
    case_number = register_person(officer, "Josué", unique_name("Habimana"), sex="Male",
                                  nationality="COD")  # fmt: skip
    take_step(officer, "start_screening", {"Fear of return": "yes"}, reaches="screening")
    take_step(officer, "request_regularisation", {"Permit applied for": "Residence permit"},
              reaches="regularisation_requested")  # fmt: skip
    take_step(officer, "submit_application", {"Application reference": "IMM/2026/118",
                                              "Submitted on": iso(today)},
              reaches="application_submitted")  # fmt: skip
    take_step(officer, "grant_permit", {"Permit number": "RP-4471",
                                        "Permit valid until": days_from(today, 365),
                                        "Decided on": iso(today)},
              reaches="regularised")  # fmt: skip
    expect(officer.locator("#case-number")).to_have_text(case_number)
    expect(officer.locator("#timeline")).to_contain_text("RP-4471")


@EVERY_VIEWPORT
def test_a_supervisor_closes_a_case_and_reopens_it(open_session, server, today):
    case_number = seed_case(server.app, "officer.mny", unique_name("Ndikumana"),
                            to=("screening",), today=today)  # fmt: skip
    supervisor = open_session("supervisor.mny").page
    open_case(supervisor, case_number)
    take_step(supervisor, "close", {"Why the case is closed": "lost_contact",
                                    "Why (required)": "No answer for two months"},
              reaches="closed")  # fmt: skip
    take_step(supervisor, "reopen", {"Why (required)": "The person came back to the post"},
              reaches="screening")
    expect(supervisor.locator("#timeline")).to_contain_text("The person came back to the post")


@EVERY_VIEWPORT
def test_an_officer_of_another_border_point_finds_neither_case(open_session, server, watch,
                                                               today):  # fmt: skip
    family_name = unique_name("Irakoze")
    returned = seed_case(server.app, "officer.mny", family_name, today=today,
                         to=("screening", "return_requested", "return_approved", "travel_ready",
                             "departed", "returned"),
                         by={"return_approved": "supervisor.mny"})  # fmt: skip
    regularising = seed_case(server.app, "officer.mny", family_name, today=today,
                             to=("screening", "regularisation_requested"))  # fmt: skip
    stranger = open_session("officer.kbg").page
    open_menu(stranger, "Cases")
    for term in (family_name, returned, regularising):
        stranger.get_by_label("Name, case, document or phone number").fill(term)
        stranger.get_by_role("button", name="Search", exact=True).click()
        expect(stranger.get_by_role("main")).to_contain_text("No case matches")
        expect(stranger.get_by_role("main")).not_to_contain_text(family_name)
    for case_number in (returned, regularising):
        with watch.expecting(404):
            response = stranger.goto(f"/cases/{case_number}")
        assert response is not None and response.status == 404
        expect(stranger.get_by_role("main")).not_to_contain_text(family_name)


@EVERY_VIEWPORT
def test_the_dashboard_shows_the_new_figures(open_session, server, today):
    supervisor = open_session("supervisor").page
    open_menu(supervisor, "Dashboard")

    def figure(name: str) -> int:
        text = supervisor.locator(f"[data-figure={name}]").inner_text()
        return int(re.sub(r"\D", "", text))

    people, returns, permits = figure("people"), figure("returns_completed"), figure(
        "regularisations_granted")
    seed_case(server.app, "officer.mny", unique_name("Nshimirimana"), today=today,
              to=("screening", "return_requested", "return_approved", "travel_ready",
                  "departed", "returned"), by={"return_approved": "supervisor.mny"})  # fmt: skip
    seed_case(server.app, "officer.kbg", unique_name("Mugisha"), today=today)
    supervisor.reload()
    assert (figure("people"), figure("returns_completed"), figure("regularisations_granted")) == (
        people + 2, returns + 1, permits)
    status_rows = supervisor.locator("#table-status")
    expect(status_rows.locator("tr[data-key=returned]")).to_be_visible()


@EVERY_VIEWPORT
def test_a_user_switches_the_interface_to_french_and_to_swahili(open_session, viewport):
    page = open_session(f"polyglot.{viewport}").page
    expect(page.locator("html")).to_have_attribute("lang", "en")
    choose_language(page, "en", "Français")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes dossiers")
    assert page.evaluate(WIDER_THAN_THE_SCREEN) == []  # longer words, the same width
    choose_language(page, "fr", "Kiswahili")
    expect(page.locator("html")).to_have_attribute("lang", "sw")
    expect(page.locator("form[action$='/logout'] button")).to_have_text("Ondoka")
    # The choice stays with the account: the next login is in Swahili too.
    page.context.clear_cookies()
    log_in(page, f"polyglot.{viewport}")
    expect(page.locator("html")).to_have_attribute("lang", "sw")
    choose_language(page, "sw", "English")


def test_the_watch_sees_a_csp_violation_a_script_error_and_a_missing_file(open_session, watch):
    page = open_session("officer.mny").page
    page.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.injected = true";
        document.body.append(script);
        const image = document.createElement("img");
        image.src = "/static/no-such-icon.png";
        document.body.append(image);
        setTimeout(() => { throw new Error("broken script"); });
    }""")
    page.wait_for_timeout(500)
    seen = "\n".join(watch.problems)
    assert "CSP violation: script-src" in seen
    assert "404 for GET" in seen and "no-such-icon.png" in seen
    assert "script error: broken script" in seen
    assert page.evaluate("window.injected === undefined")
    watch.problems.clear()  # seen, as they should be: this test passes
