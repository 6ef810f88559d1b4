"""What a person does in the registry's pages, in their words: open a menu entry, register
someone, take a step on a case. Every helper goes through the page as a person would: labels,
buttons and links, never a URL that the page does not show."""

from __future__ import annotations

import random
import re
import uuid
from datetime import date, timedelta
from typing import Any

from playwright.sync_api import Page, expect

from registry.extensions import db
from registry.models import Case, User
from registry.services import registration, workflow
from registry.services.registration import DocumentData, RegistrationData

TIMEZONE = "Africa/Dar_es_Salaam"

# The details and reason of each move `seed_case` makes, by the status it reaches.
MOVES: dict[str, Any] = {
    "screening": lambda today: ({"fear_of_return": "no"}, None),
    "return_requested": lambda today: ({"destination_country": "BDI"}, None),
    "return_approved": lambda today: ({}, None),
    "travel_ready": lambda today: ({"travel_document": "LP-1", "departure_date": iso(today),
                                    "departure_point": "Manyovu gate",
                                    "fit_to_travel_on": iso(today)}, None),
    "departed": lambda today: ({}, None),
    "returned": lambda today: ({"arrival_confirmed_on": iso(today)}, None),
    "regularisation_requested": lambda today: ({"permit_type": "Residence permit"}, None),
}


def unique_name(prefix: str) -> str:
    """A family name no other test uses, so that searches find one person and the duplicate
    check sees no one like them: the prefix's first letters, then random syllables (a whole
    prefix plus a suffix would read as the same family name to the duplicate check)."""
    syllables = [random.choice("bdgkmnrstvz") + random.choice("aeiou") for _ in range(5)]
    return (prefix[:3] + "".join(syllables)).title()


def unique_birth_date() -> str:
    """A date of birth between 1960 and 1999, so that two journeys' people differ in it too."""
    return (date(1960, 1, 1) + timedelta(days=random.randrange(40 * 365))).isoformat()


def open_menu(page: Page, name: str) -> None:
    """Follow a link of the top menu; on a narrow screen the menu opens first."""
    open_collapsed_menu(page)
    page.locator("#nav-links").get_by_role("link", name=name, exact=True).click()


def open_collapsed_menu(page: Page) -> None:
    """On a narrow screen the menu hides behind its button: press it."""
    page.wait_for_load_state()  # the styles decide whether the button shows
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()
        # Open, not opening: a click during the animation can land on a moving target.
        expect(page.locator("#nav-links")).to_have_class(re.compile(r"\bshow\b"))


def choose_language(page: Page, current: str, language: str) -> None:
    """Switch the interface's language with the menu in the top bar."""
    open_collapsed_menu(page)
    page.locator("#language-menu").click()
    page.get_by_role("button", name=language, exact=True).click()
    expect(page.locator("html")).not_to_have_attribute("lang", current)


def register_person(page: Page, given_names: str, family_name: str, *, sex: str = "Female",
                    nationality: str = "BDI", date_of_birth: str | None = None) -> str:  # fmt: skip
    """Fill the registration form with the essentials and send it; the new case number."""
    date_of_birth = date_of_birth or unique_birth_date()
    open_menu(page, "Register a person")
    expect(page.get_by_role("heading", name="Register a person")).to_be_visible()
    fill_person(page, given_names, family_name, sex=sex, nationality=nationality,
                date_of_birth=date_of_birth)  # fmt: skip
    page.get_by_role("button", name="Register", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Registered. Case number")).to_be_visible()
    case_number = page.locator("#case-number").inner_text()
    expect(page.locator("h1")).to_contain_text(family_name)
    return case_number


def fill_person(page: Page, given_names: str, family_name: str, *, sex: str = "Female",
                nationality: str = "BDI", date_of_birth: str = "1990-05-17") -> None:  # fmt: skip
    """The registration form's essentials: the person's names, sex, birth date, nationality, and
    their consent."""
    person = page.get_by_role("region", name="The person")
    person.get_by_label("Given names").fill(given_names)
    person.get_by_label("Family name").fill(family_name)
    person.get_by_role("group", name="Sex").get_by_label(sex, exact=True).check()
    person.get_by_label("Date of birth", exact=True).fill(date_of_birth)
    person.get_by_label(labelled("Nationality")).select_option(nationality)
    page.get_by_role("group", name="Did the person consent").get_by_label("Yes").check()


def take_step(page: Page, action: str, fields: dict[str, Any] | None = None, *,
              reaches: str) -> None:  # fmt: skip
    """Open a step of the case page's "Next step", fill it by its labels, send it."""
    step = page.locator(f'details.step[data-action="{action}"]')
    if step.get_attribute("open") is None:
        step.locator("summary").click()
    for label, value in (fields or {}).items():
        field = step.get_by_label(labelled(label))
        kind = field.evaluate("element => element.tagName.toLowerCase() + ':' + element.type")
        if kind.startswith("select"):
            field.select_option(value)
        elif kind == "input:checkbox":
            field.set_checked(bool(value))
        else:
            field.fill(value)
    step.locator("button[type=submit]").click()
    expect(page.locator("#case-status")).to_have_attribute("data-status", reaches)


def labelled(label: str) -> re.Pattern[str]:
    """A label as written, with or without the star of a needed field."""
    return re.compile(rf"^{re.escape(label)}(\s*\*)?$")


def open_case(page: Page, case_number: str) -> None:
    """Find a case by its number in the case list and open it."""
    open_menu(page, "Cases")
    page.get_by_label("Name, case, document or phone number").fill(case_number)
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_role("link", name=case_number).click()
    expect(page.locator("#case-number")).to_have_text(case_number)


def iso(day: date) -> str:
    return day.isoformat()


def days_from(today: date, days: int) -> str:
    return (today + timedelta(days=days)).isoformat()


def seed_case(app: Any, username: str, family_name: str, *, to: tuple[str, ...] = (),
              by: dict[str, str] | None = None, today: date,
              national_id: str | None = None) -> str:  # fmt: skip
    """Set a scene without the browser: register a person as `username` and move the case
    through the statuses `to` (each move as the user `by[status]`, else `username`)."""
    documents = (DocumentData("national_id", national_id, "BDI"),) if national_id else ()
    with app.app_context():
        officer = db.session.scalar(db.select(User).filter_by(username=username))
        data = RegistrationData(border_point=officer.border_points[0].code, given_names="Aline",
                                family_name=family_name, sex="female", nationality="BDI",
                                date_of_birth=date(1990, 5, 17), dob_precision="exact",
                                consent_given=True, consent_date=today, documents=documents,
                                submission_id=str(uuid.uuid4()))  # fmt: skip
        case = registration.register(officer, data, today=today, timezone=TIMEZONE,
                                     ip_address="127.0.0.1")  # fmt: skip
        db.session.commit()
        case_number = case.case_number
        for status in to:
            name = (by or {}).get(status, username)
            acting = db.session.scalar(db.select(User).filter_by(username=name))
            case = db.session.scalar(db.select(Case).filter_by(case_number=case_number))
            details, reason = MOVES[status](today)
            workflow.transition(acting, case_number, status, case.version, details, reason, today)
            db.session.commit()
        db.session.remove()
    return case_number
