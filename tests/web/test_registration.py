"""Registering a person through the form: the case it opens, and every bad input refused whole."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from registry.extensions import db
from registry.models import AuditEntry, Case, CaseEvent, Person
from tests.clock import border_today

FORM = "/registrations/new"


def valid_form(**changes: str) -> dict[str, str]:
    data = {
        "border_point": "MNY",
        "arrival_date": border_today().isoformat(),
        "entry_type": "irregular",
        "circumstances": "intercepted",
        "given_names": "Jean-Pierre",
        "family_name": "Ndayishimiye",
        "other_names": "J.P. Ndayisimiye",
        "sex": "male",
        "date_of_birth": "1988-03-14",
        "dob_precision": "exact",
        "nationality": "BDI",
        "country_of_birth": "BDI",
        "place_of_origin": "Makamba",
        "languages": "run",
        "other_languages": "Lingala",
        "phone": "+255 712 345 678",
        "documents-0-type": "national_id",
        "documents-0-number": "12-345 678",
        "documents-0-issuing_country": "BDI",
        "documents-0-expiry_date": "",
        "vulnerabilities": "single_parent",
        "consent_given": "yes",
        "consent_scope": "case_management",
        "consent_date": border_today().isoformat(),
        "consent_language": "run",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def logged_in(browser, officer):
    browser.login("officer.mny")
    return browser


def count(model) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_form_is_prefilled_with_the_officers_border_point_and_today(logged_in):
    page = logged_in.get(FORM).get_data(as_text=True)
    assert re.search(r'<option selected value="MNY">|<option value="MNY" selected>', page)
    assert f'value="{border_today().isoformat()}"' in page
    # The region's nationalities come first.
    assert page.index('value="BDI"') < page.index('value="AFG"')


def test_registration_opens_a_case_and_lands_on_its_page(app, logged_in):
    response = logged_in.submit(FORM, valid_form())
    assert response.status_code == 302
    case_number = response.headers["Location"].rsplit("/", 1)[1]
    assert re.fullmatch(rf"MNY-{border_today().year}-000001", case_number)
    page = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert case_number in page
    assert 'data-status="registered"' in page
    assert "Jean-Pierre" in page and "Ndayishimiye" in page
    with app.app_context():
        case = db.session.scalars(db.select(Case)).one()
        person = case.principal
        assert person.languages == ["run", "lin"]
        assert person.documents[0].number_normalised == "12345678"
        assert person.vulnerabilities == ["single_parent"]
        assert case.priority == "high"
        assert case.consent_given and case.consent_language == "run"
        assert person.search_name == "jean pierre ndayishimiye j p ndayisimiye"
        [event] = case.events
        assert (event.kind, event.to_status) == ("registered", "registered")


def test_case_numbers_follow_a_sequence_per_border_point(app, logged_in):
    numbers = []
    # Three different people (the duplicate check would stop one registered twice).
    for n, given in enumerate(("Aline", "Claudine", "Divine")):
        response = logged_in.submit(FORM, valid_form(given_names=given, date_of_birth=f"19{80 + 4 * n}-0{n + 1}-1{n}",
                                                     **{"documents-0-number": f"BDI-{n}0{n}", "phone": ""}))
        numbers.append(response.headers["Location"].rsplit("/", 1)[1])
    year = border_today().year
    assert numbers == [f"MNY-{year}-00000{n}" for n in (1, 2, 3)]


def test_registration_and_view_are_audited(app, logged_in):
    response = logged_in.submit(FORM, valid_form())
    logged_in.get(response.headers["Location"])
    with app.app_context():
        actions = [e.action for e in db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id))]
    assert actions[-2:] == ["registration", "case_view"]


def test_approximate_age_sets_an_estimated_birth_date(app, logged_in):
    logged_in.submit(FORM, valid_form(date_of_birth="", approximate_age="30"))
    with app.app_context():
        person = db.session.scalars(db.select(Person)).one()
        assert person.dob_precision == "estimated"
        assert border_today().year - person.date_of_birth.year in (30, 31)


def test_non_latin_names_are_kept_as_typed(app, logged_in):
    logged_in.submit(FORM, valid_form(given_names="محمد", family_name="ሙሉጌታ", other_names="王秀英"))
    with app.app_context():
        person = db.session.scalars(db.select(Person)).one()
        assert (person.given_names, person.family_name, person.other_names) == ("محمد", "ሙሉጌታ", "王秀英")
        assert person.search_name  # transliterated for search


def test_the_same_form_posted_twice_creates_one_person(app, logged_in):
    data = valid_form(submission_id="2f1c1c7e-6f0e-4a37-9a59-3f6a0d6f7b11")
    first = logged_in.submit(FORM, data)
    second = logged_in.submit(FORM, data)
    assert first.headers["Location"] == second.headers["Location"]
    with app.app_context():
        assert count(Person) == 1 and count(Case) == 1


def test_without_consent_only_the_minimum_is_kept(app, logged_in):
    response = logged_in.submit(FORM, valid_form(consent_given="no", phone="", **{
        "documents-0-number": "", "documents-0-type": ""}))  # fmt: skip
    assert response.status_code == 302
    page = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "Not given: only the minimum is recorded." in page


BAD_INPUTS = [
    ("empty names", {"given_names": "", "family_name": ""}, "given_names",
     "Give at least a given name or a family name."),
    ("birth date in the future", {"date_of_birth": (border_today() + timedelta(days=2)).isoformat()},
     "date_of_birth", "This date cannot be in the future."),
    ("birth date not a date", {"date_of_birth": "14/03/88x"}, "date_of_birth", "Not a valid date value."),
    ("unknown nationality", {"nationality": "ZZZ"}, "nationality", "Not a valid choice."),
    ("huge field", {"family_name": "N" * 10_000}, "family_name", "Field cannot be longer than 200"),
    ("control characters", {"given_names": "Ali\x00ce\x07"}, "given_names",
     "Remove the invisible control characters"),
    ("no sex", {"sex": None}, "sex", "Choose a sex."),
    ("arrival in the future", {"arrival_date": (border_today() + timedelta(days=1)).isoformat()},
     "arrival_date", "This date cannot be in the future."),
    ("unknown language", {"other_languages": "Klingonese"}, "other_languages", "Unknown language"),
    ("phone without consent", {"consent_given": "no"}, "phone",
     "Without consent a phone number is not recorded."),
    ("consent not recorded", {"consent_given": None}, "consent_given",
     "Record whether consent was given."),
    ("age and date both", {"approximate_age": "30"}, "approximate_age",
     "Give a date of birth or an age, not both."),
    ("age absurd", {"date_of_birth": "", "approximate_age": "400"}, "approximate_age",
     "Number must be between 0 and 120."),
    ("another border point", {"border_point": "KBG"}, "border_point", "Not a valid choice."),
    ("document number of emoji", {"documents-0-number": "😀😀"}, "documents",
     "A document number needs letters or digits."),
]  # fmt: skip


@pytest.mark.parametrize("change, field, message", [case[1:] for case in BAD_INPUTS],
                         ids=[case[0] for case in BAD_INPUTS])  # fmt: skip
def test_bad_input_comes_back_with_the_message_and_what_was_typed(
    app, logged_in, change, field, message
):
    response = logged_in.submit(FORM, valid_form(**change))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert 'aria-invalid="true"' in page or f'id="{field}-error"' in page
    # What was typed is still there.
    assert 'value="Makamba"' in page
    with app.app_context():
        assert count(Person) == 0 and count(Case) == 0 and count(CaseEvent) == 0


def test_right_to_left_and_cjk_names_survive_an_error(logged_in):
    response = logged_in.submit(FORM, valid_form(given_names="محمد", family_name="王秀英", sex=None))
    page = response.get_data(as_text=True)
    assert 'value="محمد"' in page and 'value="王秀英"' in page


def test_expired_csrf_token_brings_the_form_back_with_everything_typed(app, logged_in):
    data = valid_form()
    data["csrf_token"] = "expired-or-forged"
    response = logged_in.client.post(FORM, data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "security token" in page
    assert 'value="Ndayishimiye"' in page and 'value="Makamba"' in page
    with app.app_context():
        assert count(Case) == 0


def test_csrf_token_does_not_expire_after_an_hour(app_factory, officer):
    from flask_wtf.csrf import generate_csrf
    app = app_factory()
    assert app.config["WTF_CSRF_TIME_LIMIT"] is None
    with app.test_request_context():
        assert generate_csrf()


def test_administrator_cannot_register_people(browser, admin):
    browser.login("admin")
    assert browser.get(FORM).status_code == 403
