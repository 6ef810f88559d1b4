"""The person's rights: their data as a printable copy, corrections with who and why, the transfers register."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from registry.extensions import db
from registry.models import AuditEntry, CaseEvent, DataTransfer, Partner, Person


@pytest.fixture
def partner(app) -> int:
    with app.app_context():
        partner = Partner(name="Child Protection Agency", kind="protection_agency",
                          agreement_reference="DSA-2026-01")  # fmt: skip
        db.session.add(partner)
        db.session.commit()
        return partner.id


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


# --- Right of access ---------------------------------------------------------------------------


def test_the_person_gets_a_printable_copy_of_their_data(app, browser, officer, register):
    case = register(officer, phone="+257 79 123 456")
    browser.login("officer.mny")
    response = browser.get(f"/cases/{case.case_number}/personal-data.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = _pdf_text(response.data)
    for expected in ("Your personal data held by the registry", "Ndayishimiye", "+257 79 123 456",
                     case.case_number, "Who your data was shared with"):  # fmt: skip
        assert expected in text, expected
    with app.app_context():
        assert db.session.scalars(db.select(AuditEntry.action)
                                  .filter_by(object_id=case.case_number)).all()[-1] == "print_personal_data"


def test_the_copy_lists_the_approved_transfers(app, browser, new_browser, officer, supervisor, register, partner):
    case = register(officer)
    browser.login("officer.mny")
    browser.submit(f"/cases/{case.case_number}/transfers", {
        "partner_id": partner, "purpose": "Family tracing and reunification", "legal_basis": "consent",
        "consent_checked": "y"})  # fmt: skip
    boss = new_browser()
    boss.login("supervisor.mny")
    boss.submit(f"/cases/{case.case_number}/transfers/1/approve", {}, form_url=f"/cases/{case.case_number}/transfers")
    text = _pdf_text(browser.get(f"/cases/{case.case_number}/personal-data.pdf").data)
    assert "Child Protection Agency" in text and "Family tracing" in text and "DSA-2026-01" in text


# --- Corrections --------------------------------------------------------------------------------


def _correction(**changes: object) -> dict[str, object]:
    fields = {"given_names": "Aline", "family_name": "Ndayishimiye", "other_names": "", "sex": "female",
              "date_of_birth": "1990-05-17", "dob_precision": "exact", "nationality": "BDI",
              "place_of_origin": "", "phone": "", "reason": "", "version": "1"}  # fmt: skip
    fields.update(changes)
    return fields


def test_a_correction_records_who_which_fields_and_why(app, browser, officer, register):
    case = register(officer)
    browser.login("officer.mny")
    response = browser.submit(f"/cases/{case.case_number}/correct", _correction(
        family_name="Ndayishimiye-Bukuru", date_of_birth="1991-05-17",
        reason="Her national ID card shows the full name and the year 1991."))  # fmt: skip
    assert response.status_code == 302
    with app.app_context():
        person = db.session.get(Person, case.person_id)
        assert person.family_name == "Ndayishimiye-Bukuru" and "bukuru" in person.search_name
        event = db.session.scalars(db.select(CaseEvent).filter_by(kind="correction")).one()
        assert event.actor_id == officer.id and "national ID" in event.reason
        assert sorted(event.details["fields"]) == ["date_of_birth", "family_name"]
        audit = db.session.scalars(db.select(AuditEntry).filter_by(action="correction")).one()
        assert "Bukuru" not in str(audit.details) and "1991" not in str(audit.details)
    page = browser.get(f"/cases/{case.case_number}").get_data(as_text=True)
    assert "Data corrected" in page and "Ndayishimiye-Bukuru" in page


@pytest.mark.parametrize("changes, status, message", [
    ({"family_name": "Bukuru", "reason": ""}, 422, "Say why the details are corrected."),
    ({"given_names": "", "family_name": "", "reason": "typo"}, 422, "Give at least a given name"),
    ({"date_of_birth": "2999-01-01", "reason": "typo"}, 422, "cannot be in the future"),
    ({"reason": "nothing really"}, 422, "Nothing was changed."),
    ({"family_name": "Bukuru", "reason": "typo", "version": "0"}, 409, "changed this person"),
])  # fmt: skip
def test_a_bad_correction_changes_nothing_and_keeps_what_was_typed(app, browser, officer, register,
                                                                   changes, status, message):  # fmt: skip
    case = register(officer)
    browser.login("officer.mny")
    response = browser.submit(f"/cases/{case.case_number}/correct", _correction(**changes))
    page = response.get_data(as_text=True)
    assert response.status_code == status and message in page
    if changes.get("family_name"):
        assert f'value="{changes["family_name"]}"' in page
    with app.app_context():
        assert db.session.get(Person, case.person_id).family_name == "Ndayishimiye"


def test_without_consent_a_correction_cannot_add_a_phone(app, browser, officer, register):
    case = register(officer, consent_given=False, consent_date=None)
    browser.login("officer.mny")
    response = browser.submit(f"/cases/{case.case_number}/correct", _correction(phone="+257 1", reason="asked"))
    assert response.status_code == 422 and "Without consent" in response.get_data(as_text=True)


# --- The transfers register ---------------------------------------------------------------------


def _propose(browser, case_number: str, partner: int, **fields: object):  # type: ignore[no-untyped-def]
    data = {"partner_id": partner, "purpose": "Family tracing and reunification", "legal_basis": "consent",
            "consent_checked": "y", **fields}  # fmt: skip
    return browser.submit(f"/cases/{case_number}/transfers", data)


def test_a_transfer_records_recipient_purpose_agreement_consent_and_approver(app, browser, new_browser, officer,
                                                                             supervisor, register, partner):  # fmt: skip
    case = register(officer)
    browser.login("officer.mny")
    assert _propose(browser, case.case_number, partner).status_code == 302
    boss = new_browser()
    boss.login("supervisor.mny")
    page = boss.get(f"/cases/{case.case_number}/transfers").get_data(as_text=True)
    assert "Awaiting approval" in page and "Approve" in page
    response = boss.submit(f"/cases/{case.case_number}/transfers/1/approve", {},
                           form_url=f"/cases/{case.case_number}/transfers")  # fmt: skip
    assert response.status_code == 302
    with app.app_context():
        transfer = db.session.scalars(db.select(DataTransfer)).one()
        assert (transfer.partner.name, transfer.agreement_reference, transfer.legal_basis) == (
            "Child Protection Agency", "DSA-2026-01", "consent")
        assert transfer.consent_checked and transfer.status == "approved"
        assert (transfer.requested_by_id, transfer.approved_by_id) == (officer.id, supervisor.id)


def test_the_requester_cannot_approve_their_own_transfer(app, new_browser, officer, supervisor, register, partner):
    case = register(officer)
    boss = new_browser()
    boss.login("supervisor.mny")
    _propose(boss, case.case_number, partner)
    response = boss.submit(f"/cases/{case.case_number}/transfers/1/approve", {},
                           form_url=f"/cases/{case.case_number}/transfers")  # fmt: skip
    assert response.status_code == 422 and "two people" in response.get_data(as_text=True)


def test_an_officer_cannot_approve_a_transfer(app, browser, officer, register, partner):
    case = register(officer)
    browser.login("officer.mny")
    _propose(browser, case.case_number, partner)
    response = browser.submit(f"/cases/{case.case_number}/transfers/1/approve", {},
                              form_url=f"/cases/{case.case_number}/transfers")  # fmt: skip
    assert response.status_code == 403


@pytest.mark.parametrize("fields, message", [
    ({"consent_checked": ""}, "Confirm that the person agreed"),
    ({"purpose": "x"}, "at least 10 characters"),
    ({"partner_id": "0"}, "Choose a partner"),
    ({"legal_basis": "because"}, "Not a valid choice"),
])  # fmt: skip
def test_a_bad_transfer_is_refused_beside_its_field(app, browser, officer, register, partner, fields, message):
    case = register(officer)
    browser.login("officer.mny")
    response = _propose(browser, case.case_number, partner, **fields)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(DataTransfer)) == 0


def test_without_consent_sharing_needs_the_vital_interests_basis(app, browser, officer, register, partner):
    case = register(officer, consent_given=False, consent_date=None)
    browser.login("officer.mny")
    refused = _propose(browser, case.case_number, partner)
    assert refused.status_code == 422 and "did not consent" in refused.get_data(as_text=True)
    accepted = _propose(browser, case.case_number, partner, legal_basis="vital_interests", consent_checked="")
    assert accepted.status_code == 302


def test_an_officer_of_another_point_sees_no_transfer_page(browser, officer, other_officer, register, partner):
    case = register(officer)
    browser.login("officer.kbg")
    assert browser.get(f"/cases/{case.case_number}/transfers").status_code == 404
    assert _propose(browser, case.case_number, partner).status_code == 404
