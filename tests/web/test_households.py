"""Households: registered in one flow, members added or split off later, corrections with their
history, protection needs and priority, documents and photos."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from PIL import Image

from registry.extensions import db
from registry.models import AuditEntry, Case, CaseMember, IdentityDocument, Person, PersonChange
from tests.conftest import sample_photo
from tests.unit.test_photos import image_bomb
from tests.web.test_registration import FORM, count, valid_form


@pytest.fixture
def logged_in(browser, officer):
    browser.login("officer.mny")
    return browser


def member(index: int, **changes: str) -> dict[str, str]:
    data = {"relationship": "child", "given_names": "Divine", "family_name": "Ndayishimiye", "sex": "female",
            "date_of_birth": "2019-06-01", "dob_precision": "exact", "nationality": ""}  # fmt: skip
    data.update(changes)
    return {f"members-{index}-{name}": value for name, value in data.items()}


def case_of(app, case_number: str | None = None) -> Case:  # type: ignore[no-untyped-def]
    query = db.select(Case).order_by(Case.id.desc())
    if case_number:
        query = query.where(Case.case_number == case_number)
    return db.session.scalars(query).first()


# --- Registration in one flow -----------------------------------------------------------------


def test_a_household_is_registered_in_one_flow_with_each_members_relationship(app, logged_in):
    form = {**valid_form(vulnerabilities=None),
            **member(0, relationship="spouse", given_names="Aline", sex="female", date_of_birth="",
                     approximate_age="30", vulnerabilities="pregnant_or_lactating",
                     document_type="national_id", document_number="BDI 77 1234"),
            **member(1)}  # fmt: skip
    response = logged_in.submit(FORM, form)
    assert response.status_code == 302, re.findall(r"invalid-feedback[^>]*>([^<]*)|alert-(?:danger|warning)[^>]*>([^<]*)", response.get_data(as_text=True))
    page = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "Aline" in page and "Divine" in page and "Spouse" in page
    with app.app_context():
        case = case_of(app)
        members = {m.person.given_names: m for m in case.members}
        assert {name: m.relationship_to_head for name, m in members.items()} == {
            "Jean-Pierre": "head", "Aline": "spouse", "Divine": "child"}
        spouse = members["Aline"].person
        assert spouse.dob_precision == "estimated" and spouse.nationality == "BDI"  # the head's
        assert spouse.documents[0].number_normalised == "BDI771234"
        assert case.priority == "high"  # from the spouse's vulnerability
        assert not case.child_without_adult


def test_children_registered_without_an_adult_are_flagged_and_the_case_is_urgent(app, logged_in):
    form = {**valid_form(date_of_birth="2012-02-02", vulnerabilities=None, phone="", **{"documents-0-number": ""}),
            **member(0, relationship="sibling", given_names="Esperance")}  # fmt: skip
    response = logged_in.submit(FORM, form)
    assert response.status_code == 302
    page = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="child-alone"' in page
    with app.app_context():
        case = case_of(app)
        assert case.priority == "urgent" and case.child_without_adult
        assert all(m.person.vulnerabilities == ["unaccompanied_child"] for m in case.members)


@pytest.mark.parametrize("extra,field,message", [
    (member(0, relationship="head"), "members-0-relationship", "Not a valid choice"),
    ({**member(0), **member(1)}, "members-1-given_names", "listed twice"),
    (member(0, given_names="Jean-Pierre", relationship="sibling", sex="male", date_of_birth="1988-03-14"),
     "members-0-given_names", "listed twice"),
    (member(0, document_type="passport", document_number="12 345-678"), "members-0-document_number", "given twice"),
    (member(0, document_type="passport", document_number="😀😀😀"), "members-0-document_number", "letters or digits"),
    (member(0, relationship=""), "members-0-relationship", "Choose the relationship"),
])  # fmt: skip
def test_a_bad_household_is_refused_whole_with_the_message_beside_the_field(app, logged_in, extra, field, message):
    response = logged_in.submit(FORM, {**valid_form(), **extra})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    # The message sits beside the field it is about.
    assert re.search(rf'id="{field}-error"[^>]*>[^<]*{re.escape(message)}', page), field
    assert 'value="Jean-Pierre"' in page  # what was typed comes back
    with app.app_context():
        assert count(Case) == 0 and count(Person) == 0


def test_a_document_number_of_emoji_is_refused(app, logged_in):
    response = logged_in.submit(FORM, valid_form(**{"documents-0-number": "🛂🛂"}))
    assert response.status_code == 422
    assert "A document number needs letters or digits." in response.get_data(as_text=True)
    with app.app_context():
        assert count(Person) == 0


def test_several_identity_documents_per_person(app, logged_in):
    form = valid_form(**{"documents-1-type": "passport", "documents-1-number": "op 441 7782",
                         "documents-1-issuing_country": "BDI"})  # fmt: skip
    assert logged_in.submit(FORM, form).status_code == 302
    with app.app_context():
        numbers = sorted(d.number_normalised for d in db.session.scalars(db.select(IdentityDocument)))
        assert numbers == ["12345678", "OP4417782"]


# --- Photos -----------------------------------------------------------------------------------


def stored_files(app) -> set[str]:  # type: ignore[no-untyped-def]
    from pathlib import Path

    return {str(path) for path in Path(app.config["UPLOAD_FOLDER"]).rglob("*") if path.is_file()}


def photo_upload(data: bytes, name: str = "photo.jpg"):  # type: ignore[no-untyped-def]
    return (io.BytesIO(data), name)


def test_a_photo_taken_at_registration_is_re_encoded_and_served_only_through_the_checked_route(
        app, logged_in, new_browser, other_officer):  # fmt: skip
    from tests.unit.test_photos import gps_exif

    form = {**valid_form(), "photo": photo_upload(sample_photo(exif=gps_exif()), "../../IMG_0042.JPG")}
    response = logged_in.submit(FORM, form, content_type="multipart/form-data")
    assert response.status_code == 302
    case_page = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert 'capture="environment"' in logged_in.get(FORM).get_data(as_text=True)
    with app.app_context():
        case = case_of(app)
        person = case.principal
        name, url = person.photo_filename, f"/cases/{case.case_number}/people/{person.id}/photo"
        assert name and name.endswith(".jpg") and "IMG" not in name
    assert url in case_page
    served = logged_in.get(url)
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    with Image.open(io.BytesIO(served.data)) as image:
        assert not image.getexif()
    with app.app_context():
        assert db.session.scalars(db.select(AuditEntry.action).order_by(AuditEntry.id.desc())).first() == "photo_view"
    outsider = new_browser()
    outsider.login("officer.kbg")
    assert outsider.get(url).status_code == 404
    assert any(path.endswith(name) for path in stored_files(app))


@pytest.mark.parametrize("data,message", [
    (b"%PDF-1.4 renamed to photo.jpg", "not a photo"),
    (b"<?php system($_GET['c']); ?>", "not a photo"),
    (sample_photo(size=(300, 200))[:400], "damaged or incomplete"),
    (image_bomb(), "dimensions are too large"),
])  # fmt: skip
def test_a_bad_photo_refuses_the_registration_and_stores_nothing(app, logged_in, data, message):
    before = stored_files(app)
    response = logged_in.submit(FORM, {**valid_form(), "photo": photo_upload(data)},
                                content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert count(Person) == 0
    assert stored_files(app) == before


def test_a_50_mb_upload_is_refused_before_it_is_read(app, logged_in):
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    huge = b"\xff\xd8\xff" + b"\x00" * (50 * 1024 * 1024)
    fields = {**valid_form(), "csrf_token": logged_in.csrf_token(FORM),
              "photo": FileStorage(io.BytesIO(huge), "photo.jpg")}  # fmt: skip
    boundary, body = encode_multipart(fields)
    response = logged_in.client.post(FORM, data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)
    with app.app_context():
        assert count(Person) == 0


def test_without_consent_no_photo_is_taken(app, logged_in):
    form = {**valid_form(consent_given="no", phone="", **{"documents-0-number": ""}),
            "photo": photo_upload(sample_photo())}  # fmt: skip
    response = logged_in.submit(FORM, form, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Without consent a photo is not taken." in response.get_data(as_text=True)


# --- Corrections, members, protection needs, priority -------------------------------------------


def test_a_correction_keeps_who_when_why_and_the_old_value(app, browser, officer, register):
    case = register(officer, given_names="Alin")
    browser.login("officer.mny")
    url = f"/cases/{case.case_number}/correct"
    page = browser.get(url).get_data(as_text=True)
    import re

    version = re.search(r'name="version"[^>]*value="(\d+)"', page).group(1)
    response = browser.submit(url, {"given_names": "Aline", "family_name": "Ndayishimiye", "sex": "female",
                                    "date_of_birth": "1990-05-17", "dob_precision": "exact", "nationality": "BDI",
                                    "reason": "Her national ID shows Aline", "version": version})  # fmt: skip
    assert response.status_code == 302
    history = browser.get(f"/cases/{case.case_number}/changes").get_data(as_text=True)
    assert "Alin" in history and "Aline" in history and "Her national ID shows Aline" in history
    with app.app_context():
        [change] = db.session.scalars(db.select(PersonChange)).all()
        assert (change.field, change.old_value, change.new_value) == ("given_names", "Alin", "Aline")
        assert change.actor_id == officer.id and change.at is not None
    # The same stale form again: refused, nothing changed.
    stale = browser.submit(url, {"given_names": "Alina", "family_name": "Ndayishimiye", "sex": "female",
                                 "date_of_birth": "1990-05-17", "dob_precision": "exact", "nationality": "BDI",
                                 "reason": "again", "version": version})  # fmt: skip
    assert stale.status_code == 409
    with app.app_context():
        assert db.session.get(Person, case.person_id).given_names == "Aline"


def test_a_newborn_is_added_to_the_household_with_history(app, browser, officer, register):
    case = register(officer)
    browser.login("officer.mny")
    url = f"/cases/{case.case_number}/members/new"
    assert "Add a household member" in browser.get(url).get_data(as_text=True)
    with app.app_context():
        version = case_of(app, case.case_number).version
    response = browser.submit(url, {"member-relationship": "child", "member-given_names": "Grace",
                                    "member-family_name": "Ndayishimiye", "member-sex": "female",
                                    "member-date_of_birth": date.today().isoformat(), "member-dob_precision": "exact",
                                    "member-nationality": "", "reason": "Born at the transit centre",
                                    "version": str(version)})  # fmt: skip
    assert response.status_code == 302
    page = browser.get(f"/cases/{case.case_number}").get_data(as_text=True)
    assert "Grace" in page and "Household member added" in page and "Born at the transit centre" in page
    with app.app_context():
        assert {m.person.given_names for m in case_of(app, case.case_number).members} == {"Aline", "Grace"}


def test_adding_a_member_twice_or_without_a_reason_is_refused(app, browser, officer, register):
    case = register(officer)
    browser.login("officer.mny")
    url = f"/cases/{case.case_number}/members/new"
    with app.app_context():
        version = str(case_of(app, case.case_number).version)
    same = {"member-relationship": "sibling", "member-given_names": "Aline", "member-family_name": "Ndayishimiye",
            "member-sex": "female", "member-date_of_birth": "1990-05-17", "member-dob_precision": "exact",
            "reason": "arrived later", "version": version}  # fmt: skip
    response = browser.submit(url, same)
    assert response.status_code == 422 and "covered by the case already" in response.get_data(as_text=True)
    response = browser.submit(url, {**same, "member-given_names": "Claudine", "reason": ""})
    assert response.status_code == 422 and "Say why." in response.get_data(as_text=True)
    with app.app_context():
        assert count(CaseMember) == 1


def test_a_member_split_into_a_case_of_their_own(app, browser, officer, register):
    from registry.services.registration import MemberData

    case = register(officer, members=(MemberData(relationship="spouse", given_names="Eric", family_name="Niyonzima",
                                                 sex="male", nationality="BDI", date_of_birth=date(1985, 1, 1),
                                                 dob_precision="exact"),))  # fmt: skip
    browser.login("officer.mny")
    with app.app_context():
        old = case_of(app, case.case_number)
        eric = next(m.person_id for m in old.members if m.relationship_to_head == "spouse")
        version = str(old.version)
    url = f"/cases/{case.case_number}/members/{eric}/split"
    assert "Give a member a case of their own" in browser.get(url).get_data(as_text=True)
    response = browser.submit(url, {"reason": "Separated: travels on alone", "version": version})
    assert response.status_code == 302
    new_number = response.headers["Location"].rsplit("/", 1)[1]
    assert new_number != case.case_number
    with app.app_context():
        old, new = case_of(app, case.case_number), case_of(app, new_number)
        assert [m.person_id for m in old.members] == [case.person_id]
        assert new.principal_id == eric and new.members[0].relationship_to_head == "head"
        assert old.events[-1].kind == "member_split" and old.events[-1].details["new_case"] == new_number
        assert new.events[0].details["split_from"] == case.case_number
    # The head cannot be split from their own case.
    head = browser.submit(f"/cases/{case.case_number}/members/{case.person_id}/split",
                          {"reason": "why not", "version": str(version)}, form_url=url)  # fmt: skip
    assert head.status_code in (409, 422)


def test_protection_needs_set_the_priority_and_a_supervisor_raises_it(app, browser, new_browser, officer,
                                                                      supervisor, register):  # fmt: skip
    case = register(officer)
    browser.login("officer.mny")
    url = f"/cases/{case.case_number}/people/{case.person_id}/vulnerabilities"
    with app.app_context():
        version = str(db.session.get(Person, case.person_id).version)
    response = browser.submit(url, {"vulnerabilities": "disability", "reason": "Seen by the nurse", "version": version})
    assert response.status_code == 302
    with app.app_context():
        assert case_of(app, case.case_number).priority == "high"
        change = db.session.scalars(db.select(PersonChange)).one()
        assert (change.field, change.old_value, change.new_value) == ("vulnerabilities", None, "disability")
    show = f"/cases/{case.case_number}"
    # An officer may not raise it.
    assert browser.submit(f"{show}/priority", {"priority": "urgent", "reason": "x", "version": "1"},
                          form_url=show).status_code == 403  # fmt: skip
    boss = new_browser()
    boss.login("supervisor.mny")
    with app.app_context():
        case_version = str(case_of(app, case.case_number).version)
    response = boss.submit(f"{show}/priority", {"priority": "urgent", "reason": "Threats reported",
                                                "version": case_version}, form_url=show)  # fmt: skip
    assert response.status_code == 302
    with app.app_context():
        assert case_of(app, case.case_number).priority == "urgent"
    # Removing the need does not lower what the supervisor raised.
    with app.app_context():
        version = str(db.session.get(Person, case.person_id).version)
    browser.submit(url, {"reason": "Mistake", "version": version})
    with app.app_context():
        assert case_of(app, case.case_number).priority == "urgent"


def test_documents_are_added_and_removed_with_history(app, browser, officer, register):
    case = register(officer)
    browser.login("officer.mny")
    url = f"/cases/{case.case_number}/people/{case.person_id}/documents"
    with app.app_context():
        version = str(db.session.get(Person, case.person_id).version)
    bad = browser.submit(url, {"type": "passport", "number": "✈✈", "reason": "Found it", "version": version})
    assert bad.status_code == 422 and "letters or digits" in bad.get_data(as_text=True)
    response = browser.submit(url, {"type": "passport", "number": "op-441 7782", "issuing_country": "BDI",
                                    "reason": "Found in her bag", "version": version})  # fmt: skip
    assert response.status_code == 302
    with app.app_context():
        document = db.session.scalars(db.select(IdentityDocument)).one()
        assert document.number_normalised == "OP4417782"
        version = str(db.session.get(Person, case.person_id).version)
    response = browser.submit(f"{url}/{document.id}/remove", {"reason": "Belongs to her sister", "version": version},
                              form_url=url)  # fmt: skip
    assert response.status_code == 302
    with app.app_context():
        assert count(IdentityDocument) == 0
        fields = [(c.field, c.old_value) for c in db.session.scalars(db.select(PersonChange).order_by(PersonChange.id))]
        assert fields[-1] == ("documents", "passport op-441 7782 (BDI)")


def test_the_case_summary_prints_the_household(app, browser, officer, register):
    from registry.services.registration import MemberData
    from tests.web.test_cases import pdf_text

    case = register(officer, members=(MemberData("child", "Grace", "Ndayishimiye", "female", "BDI",
                                                 vulnerabilities=("disability",)),))  # fmt: skip
    browser.login("officer.mny")
    _reader, text = pdf_text(browser.get(f"/cases/{case.case_number}/summary.pdf").data)
    assert "Household" in text and "Grace Ndayishimiye" in text and "Child" in text and "Disability" in text
