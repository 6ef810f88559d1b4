"""The printed documents through the web: slip, declaration, manifest, batches, verification."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta

import pypdfium2
import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from registry.extensions import db
from registry.models import (
    AuditEntry,
    Case,
    CaseEvent,
    CaseMember,
    Person,
    PersonVulnerability,
    PrintIssue,
)
from registry.services.uploads import UploadStore


@pytest.fixture
def logged_in(browser, officer):
    browser.login("officer.mny")
    return browser


def pdf_pages(pdf: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, [page.extract_text() for page in reader.pages]


def pdf_text(pdf: bytes) -> str:
    return "\n".join(pdf_pages(pdf)[1])


def sheet_pages(pages: list[str]) -> dict[str, list[str]]:
    """A batch's pages by the case number in their footer, in print order."""
    sheets: dict[str, list[str]] = {}
    for page in pages:
        number = re.findall(r"([A-Z]{3}-\d{4}-\d{6}) · ", page)[-1]
        sheets.setdefault(number, []).append(page)
    return sheets


def page_size(pdf: bytes, index: int = 0) -> tuple[int, int]:
    box = PdfReader(io.BytesIO(pdf)).pages[index].mediabox
    return round(float(box.width)), round(float(box.height))


def qr_codes(pdf: bytes, index: int = 0) -> list[str]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[index].render(scale=3).to_pil()
    finally:
        document.close()
    return [code.text for code in zxingcpp.read_barcodes(image)
            if code.format == zxingcpp.BarcodeFormat.QRCode]  # fmt: skip


def images_on(pdf: bytes, index: int = 0) -> int:
    resources = PdfReader(io.BytesIO(pdf)).pages[index]["/Resources"]
    return len(resources.get("/XObject", {}))


def actions(app, case_number: str | None = None) -> list[str]:  # type: ignore[no-untyped-def]
    with app.app_context():
        query = db.select(AuditEntry.action).order_by(AuditEntry.id)
        if case_number:
            query = query.filter_by(object_id=case_number)
        return list(db.session.scalars(query))


def change_case(app, case_number: str, **fields) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        row = db.session.scalar(db.select(Case).filter_by(case_number=case_number))
        for name, value in fields.items():
            setattr(row, name, value)
        db.session.commit()


def add_members(app, case_number: str, *members: tuple[str, str, str, date | None]) -> None:  # type: ignore[no-untyped-def]
    """Household members (given names, relationship, sex, date of birth) added to a case."""
    with app.app_context():
        case = db.session.scalar(db.select(Case).filter_by(case_number=case_number))
        for given, relationship, sex, born in members:
            person = Person(given_names=given, family_name=case.principal.family_name, sex=sex,
                            date_of_birth=born, dob_precision="exact" if born else None,
                            nationality=case.principal.nationality, languages=[])  # fmt: skip
            case.members.append(CaseMember(person=person, relationship_to_head=relationship))
        db.session.commit()


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 400), (120, 140, 160)).save(out, "JPEG")
    return out.getvalue()


# --- The case summary sheet ---------------------------------------------------------------------


def test_summary_sheet_prints_household_documents_needs_follow_ups_and_signature_lines(
        app, logged_in, officer, register, move_case):  # fmt: skip
    from registry.services.registration import DocumentData

    case = register(officer, given_names="Claudine", family_name="Bizimana",
                    documents=(DocumentData(type="passport", number="OP1234567",
                                            issuing_country="BDI"),),
                    vulnerabilities=("single_parent",))  # fmt: skip
    add_members(app, case.case_number, ("Ange", "child", "female", date(2019, 6, 3)))
    move_case(case.case_number, officer, "screening", fear_of_return="no")
    with app.app_context():
        from registry.models import FollowUp

        db.session.add(FollowUp(case_id=case.id, title="Check the travel document",
                                due_on=date(2026, 1, 2), created_by_id=officer.id))
        db.session.commit()
    reader, pages = pdf_pages(logged_in.get(f"/cases/{case.case_number}/summary.pdf").data)
    text = "\n".join(pages)
    for expected in ("Identity documents", "Passport", "OP1234567", "Protection needs",
                     "Single parent", "Household", "Head of household", "Ange Bizimana", "Child",
                     "Registration", "Consent", "The case", "Fear of return", "Open follow-ups",
                     "Check the travel document", "overdue", "Timeline", "Screening",
                     "Signatures", "Officer", "Supervisor"):  # fmt: skip
        assert expected in text, expected
    assert f"Page {len(pages)} of {len(pages)}" in pages[-1]


def test_summary_sheet_shows_return_details_once_a_return_is_requested(app, logged_in, officer,
                                                                       register, move_case):  # fmt: skip
    case = register(officer)
    move_case(case.case_number, officer, "screening", fear_of_return="no")
    move_case(case.case_number, officer, "return_requested", destination_country="BDI")
    text = pdf_text(logged_in.get(f"/cases/{case.case_number}/summary.pdf").data)
    assert "Voluntary return" in text and "Destination" in text and "Burundi" in text
    assert "Regularisation" not in text


def test_summary_sheet_prints_the_stored_photo(app, logged_in, officer, register):
    case = register(officer)
    with app.app_context():
        name = UploadStore(app.config["UPLOAD_FOLDER"]).save(jpeg())
    change_case(app, case.case_number)
    with app.app_context():
        db.session.get(Case, case.id).principal.photo_filename = name
        db.session.commit()
    assert images_on(logged_in.get(f"/cases/{case.case_number}/summary.pdf").data) == 1


@pytest.mark.parametrize("filename", ["0123456789abcdef0123456789abcdef.jpg", "../../etc/passwd"])
def test_a_missing_or_unsafe_photo_file_prints_the_sheet_without_it(app, logged_in, officer,
                                                                     register, filename):  # fmt: skip
    case = register(officer)
    with app.app_context():
        db.session.get(Case, case.id).principal.photo_filename = filename
        db.session.commit()
    response = logged_in.get(f"/cases/{case.case_number}/summary.pdf")
    assert response.status_code == 200
    assert images_on(response.data) == 0
    assert case.case_number in pdf_text(response.data)


def test_no_photo_is_printed_for_a_case_without_consent(app, logged_in, officer, register):
    case = register(officer, consent_given=False, consent_date=None)
    with app.app_context():
        name = UploadStore(app.config["UPLOAD_FOLDER"]).save(jpeg())
        db.session.get(Case, case.id).principal.photo_filename = name
        db.session.commit()
    assert images_on(logged_in.get(f"/cases/{case.case_number}/summary.pdf").data) == 0


def test_a_case_with_2000_events_prints_them_all_over_many_pages(app, logged_in, officer, register):
    case = register(officer)
    with app.app_context():
        start = datetime(2026, 1, 1, tzinfo=UTC)
        db.session.add_all(CaseEvent(case_id=case.id, at=start + timedelta(minutes=i),
                                     actor_id=officer.id, kind="note", reason=f"Entry {i}")
                           for i in range(2000))  # fmt: skip
        db.session.commit()
    response = logged_in.get(f"/cases/{case.case_number}/summary.pdf")
    assert response.status_code == 200
    reader, pages = pdf_pages(response.data)
    assert len(pages) > 20
    assert "Entry 1999" in "".join(pages[-3:])
    assert all(f"of {len(pages)}" in page for page in pages)


def test_the_organisation_name_and_logo_are_configurable(app_factory, officer_in, tmp_path):
    logo = tmp_path / "logo.png"
    Image.new("RGB", (200, 80), (0, 80, 160)).save(logo)
    app, browser, case = officer_in(ORGANISATION_NAME="Wizara ya Mambo ya Ndani",
                                    ORGANISATION_LOGO=str(logo))  # fmt: skip
    pdf = browser.get(f"/cases/{case}/slip.pdf").data
    assert "Wizara ya Mambo ya Ndani" in pdf_text(pdf).replace("\n", " ")
    assert images_on(pdf) == 1


@pytest.fixture
def officer_in(app_factory):  # type: ignore[no-untyped-def]
    """An app with some settings changed, an officer logged in, and one case registered."""
    from tests.conftest import Browser, _register

    def make(**settings):  # type: ignore[no-untyped-def]
        from registry.services import accounts

        app = app_factory(**settings)
        with app.app_context():
            accounts.add_border_point("MNY", "Manyovu", "TZA")
            user = accounts.create_user("officer.mny", "correct horse battery", "officer", ["MNY"])
            db.session.commit()
            case = _register(user, {})
        browser = Browser(app.test_client())
        browser.login("officer.mny")
        return app, browser, case.case_number

    return make


# --- Registration slip --------------------------------------------------------------------------


def test_slip_is_half_a4_with_name_case_number_border_point_and_qr(app, logged_in, officer,
                                                                   register):  # fmt: skip
    case = register(officer, given_names="Zoé", family_name="Ñdayishimiye", phone="+257 79 1")
    response = logged_in.get(f"/cases/{case.case_number}/slip.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert page_size(response.data) == (420, 595)  # A5
    text = pdf_text(response.data)
    for expected in ("Registration slip", "Zoé Ñdayishimiye", case.case_number, "Point MNY",
                     "Where to come back", "Keep this slip", "Page 1 of 1"):  # fmt: skip
        assert expected in text, expected
    # Nothing sensitive on the paper the person carries.
    for absent in ("1990", "Burundi", "+257", "Confidential"):
        assert absent not in text, absent
    [url] = qr_codes(response.data)
    assert re.fullmatch(rf"http://localhost/v/{case.case_number}/[a-z2-7]{{16}}", url)
    with app.app_context():
        issue = db.session.scalars(db.select(PrintIssue)).one()
        assert (issue.document, issue.language, issue.code) == ("slip", "en", url.rsplit("/", 1)[1])
    assert actions(app, case.case_number)[-1] == "print_slip"


def test_slip_of_a_person_with_no_family_name_or_a_300_character_name(app, logged_in, officer,
                                                                      register):  # fmt: skip
    only_given = register(officer, given_names="Amani", family_name="")
    assert "Amani" in pdf_text(logged_in.get(f"/cases/{only_given.case_number}/slip.pdf").data)
    long_name = "Ñ" + "a" * 198 + "Z"
    long = register(officer, given_names=long_name, family_name="B" * 100)
    response = logged_in.get(f"/cases/{long.case_number}/slip.pdf")
    assert response.status_code == 200
    assert long_name in pdf_text(response.data).replace("\n", "")


# --- Voluntary return declaration ---------------------------------------------------------------


@pytest.mark.parametrize("lang, expected", [
    ("en", ["Voluntary return declaration", "I ask to return voluntarily to Burundi",
            "withdraw this declaration", "Thumbprint", "Interpreter", "written in English"]),
    ("fr", ["Déclaration de retour volontaire", "Je demande à rentrer volontairement",
            "pays suivant : Burundi", "retirer cette déclaration",
            "Empreinte", "Interprète", "rédigée en français"]),
    ("sw", ["Tamko la kurejea kwa hiari", "kurejea kwa hiari nchini Burundi", "Alama ya kidole",
            "Mkalimani", "limeandikwa kwa Kiswahili"]),
])  # fmt: skip
def test_declaration_is_printed_in_the_language_asked_for(app, logged_in, officer, register,
                                                          move_case, lang, expected):  # fmt: skip
    case = register(officer, given_names="Claudine", family_name="Bizimana")
    move_case(case.case_number, officer, "screening", fear_of_return="no")
    move_case(case.case_number, officer, "return_requested", destination_country="BDI")
    response = logged_in.get(f"/cases/{case.case_number}/declaration.pdf?lang={lang}")
    assert response.status_code == 200
    assert page_size(response.data) == (595, 842)
    text = pdf_text(response.data).replace("\n", " ")
    for label in expected:
        assert label.lower() in text.lower(), label
    assert "Claudine" in text and "Bizimana" in text and case.case_number in text
    [url] = qr_codes(response.data)
    assert f"/v/{case.case_number}/" in url
    with app.app_context():
        entry = db.session.scalars(db.select(AuditEntry).filter_by(action="print_declaration")).one()
        assert entry.object_id == case.case_number and entry.details == {"language": lang}


def test_declaration_names_the_household_and_leaves_a_line_for_an_unknown_destination(
        app, logged_in, officer, register):  # fmt: skip
    case = register(officer)
    add_members(app, case.case_number, ("Ange", "child", "female", None))
    text = pdf_text(logged_in.get(f"/cases/{case.case_number}/declaration.pdf").data)
    assert "Household members returning with the person" in text and "Ange" in text
    assert "return voluntarily to ____" in text
    assert "The members of my household named above return with me." in text


@pytest.mark.parametrize("lang", ["de", "xx", "../en", "e" * 300])
def test_a_document_in_a_language_not_offered_is_refused_and_not_recorded(app, logged_in, officer,
                                                                          register, lang):  # fmt: skip
    case = register(officer)
    for document in ("slip", "declaration"):
        response = logged_in.get(f"/cases/{case.case_number}/{document}.pdf", query_string={"lang": lang})
        assert response.status_code == 422
        assert "Documents are printed in these languages only" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(db.select(PrintIssue)).all() == []
    assert not [a for a in actions(app) if a.startswith("print_")]


def test_another_points_documents_are_404(new_browser, officer, other_officer, register):
    case = register(officer)
    other = new_browser()
    other.login("officer.kbg")
    for document in ("summary", "slip", "declaration"):
        assert other.get(f"/cases/{case.case_number}/{document}.pdf").status_code == 404


# --- Verification -------------------------------------------------------------------------------


def test_a_scanned_qr_opens_the_case_and_says_whether_it_is_the_latest_issue(app, logged_in, officer,
                                                                            register):  # fmt: skip
    case = register(officer)
    [first] = qr_codes(logged_in.get(f"/cases/{case.case_number}/slip.pdf").data)
    [second] = qr_codes(logged_in.get(f"/cases/{case.case_number}/slip.pdf").data)
    assert first != second
    followed = logged_in.get(second.removeprefix("http://localhost"))
    assert followed.status_code == 302 and followed.headers["Location"] == f"/cases/{case.case_number}"
    page = logged_in.get(followed.headers["Location"]).get_data(as_text=True)
    assert "Registration slip" in page and "is the latest issue" in page
    older = logged_in.get(first.removeprefix("http://localhost"), follow_redirects=True)
    text = older.get_data(as_text=True)
    assert "a newer one was printed" in text and "out of date" in text
    # A summary printed since does not make the slip out of date: issues are per document.
    logged_in.get(f"/cases/{case.case_number}/summary.pdf")
    again = logged_in.get(second.removeprefix("http://localhost"), follow_redirects=True)
    assert "is the latest issue" in again.get_data(as_text=True)
    with app.app_context():
        scans = db.session.scalars(db.select(AuditEntry).filter_by(action="verify_print")).all()
        assert [scan.details["latest"] for scan in scans] == [True, False, True]


def test_a_printout_still_verifies_after_the_secret_key_is_rotated(app, logged_in, officer, register):
    case = register(officer)
    [url] = qr_codes(logged_in.get(f"/cases/{case.case_number}/slip.pdf").data)
    before = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"], app.config["SECRET_KEY_FALLBACKS"] = "a-new-key", [before]
    try:
        response = logged_in.get(url.removeprefix("http://localhost"), follow_redirects=True)
    finally:
        app.config["SECRET_KEY"], app.config["SECRET_KEY_FALLBACKS"] = before, []
    assert "is the latest issue" in response.get_data(as_text=True)


@pytest.mark.parametrize("code", ["aaaaaaaaaaaaaaaa", "AAAA", "x" * 500, "é" * 16, "%00"])
def test_an_unknown_or_malformed_code_is_404(app, logged_in, officer, register, code):
    case = register(officer)
    logged_in.get(f"/cases/{case.case_number}/slip.pdf")
    response = logged_in.get(f"/v/{case.case_number}/{code}")
    assert response.status_code == 404
    assert "does not match any printed document" in response.get_data(as_text=True)


def test_a_code_printed_for_one_case_does_not_verify_another(logged_in, officer, register):
    first, second = register(officer), register(officer, given_names="Divine")
    [url] = qr_codes(logged_in.get(f"/cases/{first.case_number}/slip.pdf").data)
    code = url.rsplit("/", 1)[1]
    assert logged_in.get(f"/v/{second.case_number}/{code}").status_code == 404


def test_an_officer_of_another_point_cannot_follow_a_printed_qr(new_browser, logged_in, officer,
                                                                other_officer, register):  # fmt: skip
    case = register(officer)
    [url] = qr_codes(logged_in.get(f"/cases/{case.case_number}/slip.pdf").data)
    other = new_browser()
    other.login("officer.kbg")
    response = other.get(url.removeprefix("http://localhost"))
    assert response.status_code == 404 and "Ndayishimiye" not in response.get_data(as_text=True)


# --- Departure manifests ------------------------------------------------------------------------


@pytest.fixture
def leaving(app, officer, register):  # type: ignore[no-untyped-def]
    """Two households travel-ready from Manyovu on 2026-03-02, one departed that day from another
    gate, one leaving another day, one still in screening: the manifest of the 2nd lists five."""
    day = date(2026, 3, 2)

    def make(given, status, when, point="Manyovu gate", **fields):  # type: ignore[no-untyped-def]
        case = register(officer, given_names=given, **fields)
        change_case(app, case.case_number, status=status, departure_date=when,
                    departure_point=point, destination_country="BDI", destination_place="Makamba",
                    travel_document="Laissez-passer LP-1")  # fmt: skip
        return case.case_number

    family = make("Claudine", "travel_ready", day, date_of_birth=date(1991, 3, 10))
    add_members(app, family, ("Ange", "child", "female", date(2019, 6, 3)),
                ("Josué", "child", "male", date(2012, 1, 9)))  # fmt: skip
    make("Félix", "travel_ready", day, sex="male", date_of_birth=None, dob_precision=None)
    make("Odette", "departed", day, point="Kigoma port", date_of_birth=date(1950, 1, 1))
    make("Later", "travel_ready", day + timedelta(days=1))
    make("Waiting", "screening", day)
    return day


def test_manifest_lists_one_row_per_person_leaving_with_totals_by_sex_and_age(app, logged_in,
                                                                              leaving):  # fmt: skip
    response = logged_in.get(f"/manifests/MNY/{leaving.isoformat()}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert page_size(response.data) == (842, 595)  # A4 landscape
    text = pdf_text(response.data)
    for name in ("Claudine", "Ange", "Josué", "Félix", "Odette"):
        assert name in text, name
    assert "Later" not in text and "Waiting" not in text
    for expected in ("Departure manifest", "Point MNY (MNY)", "Departure point: Manyovu gate (4 people)",
                     "Departure point: Kigoma port (1 person)", "Laissez-passer", "LP-1",
                     "Makamba, Burundi", "Signature", "By sex", "By age group", "Totals"):  # fmt: skip
        assert expected in text, expected
    # Female: Claudine, Ange, Odette; male: Josué, Félix. Ages on the day of departure.
    totals = text[text.index("By sex"):]
    assert re.search(r"Female\s+Male\s+Other\s+Unknown\s+Total\s+3\s+2\s+0\s+0\s+5", totals)
    assert re.search(r"0–4\s+5–11\s+12–17\s+18–59\s+60\+\s+Age\s*unknown\s+Total\s+"
                     r"0\s+1\s+1\s+1\s+1\s+1\s+5", totals)
    with app.app_context():
        rows = db.session.scalars(db.select(AuditEntry).where(
            AuditEntry.action.in_(["print_manifest"])).order_by(AuditEntry.id)).all()
        assert rows[0].object_id == "MNY/2026-03-02" and rows[0].details["people"] == 5
        assert len(rows) == 1 + 3  # the manifest, then each of its three cases


def test_a_day_with_nobody_leaving_prints_a_manifest_saying_so(logged_in, officer, leaving):
    response = logged_in.get("/manifests/MNY/2026-04-01.pdf?lang=fr")
    assert response.status_code == 200
    text = pdf_text(response.data)
    assert "Manifeste de départ" in text and "Personne n’est enregistré" in text


@pytest.mark.parametrize("day", ["2026-13-45", "yesterday", "2026-3-1x", "9" * 40])
def test_a_manifest_date_that_is_not_a_date_is_refused(logged_in, officer, day):
    response = logged_in.get(f"/manifests/MNY/{day}.pdf")
    assert response.status_code == 422
    assert "Give the departure date as year-month-day" in response.get_data(as_text=True)


def test_another_points_manifest_is_404(new_browser, officer, other_officer, leaving):
    other = new_browser()
    other.login("officer.kbg")
    response = other.get(f"/manifests/MNY/{leaving.isoformat()}.pdf")
    assert response.status_code == 404 and "Claudine" not in response.get_data(as_text=True)
    assert other.get("/manifests/XYZ/2026-03-02.pdf").status_code == 404


def test_manifests_page_lists_coming_departures_and_opens_any_days_manifest(app, logged_in, officer,
                                                                            register, today):  # fmt: skip
    case = register(officer)
    change_case(app, case.case_number, status="travel_ready", departure_date=today)
    page = logged_in.get("/manifests").get_data(as_text=True)
    assert f'href="/manifests/MNY/{today.isoformat()}.pdf"' in page
    response = logged_in.get("/manifests", query_string={
        "border_point": "MNY", "departure_date": "2026-03-02", "lang": "sw"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/manifests/MNY/2026-03-02.pdf?lang=sw"


@pytest.mark.parametrize("args, field", [
    ({"border_point": "KBG", "departure_date": "2026-03-02", "lang": "en"}, "border_point"),
    ({"border_point": "MNY", "departure_date": "20026-03-02", "lang": "en"}, "departure_date"),
    ({"border_point": "MNY", "departure_date": "", "lang": "en"}, "departure_date"),
    ({"border_point": "MNY", "departure_date": "2026-03-02", "lang": "de"}, "lang"),
])  # fmt: skip
def test_manifests_form_with_errors_comes_back_with_them(logged_in, officer, args, field):
    response = logged_in.get("/manifests", query_string=args)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page
    assert 'value="2026-03-02"' in page or field == "departure_date"


# --- Batches from the list ----------------------------------------------------------------------


def test_the_list_offers_to_print_ticked_cases_or_the_whole_list(logged_in, officer, register):
    case = register(officer)
    page = logged_in.get("/cases?status=registered").get_data(as_text=True)
    assert f'name="case" value="{case.case_number}" form="print-sheets"' in page
    assert 'href="/cases/sheets.pdf?status=registered"' in page
    form = page[page.index('id="print-sheets"'):]
    assert '<input type="hidden" name="status" value="registered">' in form[:form.index("</form>")]


def test_batch_prints_every_filtered_case_each_with_its_own_pages_and_qr(app, logged_in, officer,
                                                                         register, move_case):  # fmt: skip
    first = register(officer, given_names="Aline")
    second = register(officer, given_names="Divine")
    screened = register(officer, given_names="Elsewhere")
    move_case(screened.case_number, officer, "screening", fear_of_return="no")
    response = logged_in.get("/cases/sheets.pdf?status=registered&sort=case_number")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader, pages = pdf_pages(response.data)
    sheets = sheet_pages(pages)
    assert list(sheets) == [first.case_number, second.case_number]
    # Each sheet starts on a new page and numbers its own pages.
    for number, name in ((first.case_number, "Aline"), (second.case_number, "Divine")):
        own = sheets[number]
        assert name in own[0] and "Case summary" in own[0]
        assert [f"Page {i} of {len(own)}" in page for i, page in enumerate(own, 1)] == [True] * len(own)
    assert "Elsewhere" not in "".join(pages)
    starts = [index for index, page in enumerate(pages) if page.startswith("Case summary")]
    codes = [qr_codes(response.data, index)[0] for index in starts]
    assert [code.split("/")[-2] for code in codes] == [first.case_number, second.case_number]
    with app.app_context():
        issued = db.session.scalars(db.select(PrintIssue.code).order_by(PrintIssue.id)).all()
        assert issued == [code.rsplit("/", 1)[1] for code in codes]
        batch = db.session.scalars(db.select(AuditEntry).filter_by(action="print_batch")).one()
        assert batch.details["status"] == "registered" and batch.details["cases"] == 2
    assert actions(app, first.case_number)[-1] == "print_summary"
    # Fonts are embedded once for the whole batch, not once per sheet.
    fonts = {font.idnum: str(font.get_object()["/BaseFont"])
             for page in reader.pages for font in page["/Resources"]["/Font"].values()}
    assert len(fonts) == len(set(fonts.values())) <= 3


def test_batch_prints_the_ticked_cases_in_the_order_ticked(logged_in, officer, register):
    cases = [register(officer, given_names=name) for name in ("Aline", "Divine", "Esther")]
    response = logged_in.get("/cases/sheets.pdf", query_string=[
        ("selection", "1"), ("case", cases[2].case_number), ("case", cases[0].case_number)])
    sheets = sheet_pages(pdf_pages(response.data)[1])
    assert list(sheets) == [cases[2].case_number, cases[0].case_number]
    assert "Esther" in sheets[cases[2].case_number][0] and "Aline" in sheets[cases[0].case_number][0]


def test_a_batch_naming_another_points_case_is_refused_whole(app, logged_in, officer, other_officer,
                                                             register):  # fmt: skip
    mine = register(officer)
    theirs = register(other_officer)
    response = logged_in.get("/cases/sheets.pdf", query_string=[
        ("case", mine.case_number), ("case", theirs.case_number)])
    assert response.status_code == 404
    text = response.get_data(as_text=True)
    assert f"No case {theirs.case_number} among your border points." in text
    assert "Ndayishimiye" not in text
    with app.app_context():
        assert db.session.scalars(db.select(PrintIssue)).all() == []
    assert "print_summary" not in actions(app)


def test_a_batch_filtered_on_another_points_cases_is_refused(logged_in, officer, other_officer,
                                                             register):  # fmt: skip
    register(other_officer)
    response = logged_in.get("/cases/sheets.pdf?border_point=KBG")
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "nothing was printed" in text and "Border point" in text


@pytest.mark.parametrize("query", ["case=%27%20OR%201%3D1", "case=" + "X" * 300, "case=MNY-2026-"])
def test_a_batch_naming_malformed_case_numbers_is_refused(logged_in, officer, register, query):
    register(officer)
    assert logged_in.get(f"/cases/sheets.pdf?{query}").status_code == 404


def test_a_batch_larger_than_the_limit_is_refused(app, logged_in, officer, register):
    for name in ("A", "B", "C"):
        register(officer, given_names=name)
    settings = app.config["REGISTRY"]
    settings.BATCH_PRINT_LIMIT, before = 2, settings.BATCH_PRINT_LIMIT
    try:
        response = logged_in.get("/cases/sheets.pdf")
    finally:
        settings.BATCH_PRINT_LIMIT = before
    assert response.status_code == 422
    assert "At most 2 case sheets are printed at once" in response.get_data(as_text=True)


def test_a_batch_with_nothing_ticked_or_nothing_matching_goes_back_to_the_list(logged_in, officer,
                                                                               register):  # fmt: skip
    register(officer)
    response = logged_in.get("/cases/sheets.pdf?selection=1&status=registered", follow_redirects=True)
    assert "No case was ticked" in response.get_data(as_text=True)
    response = logged_in.get("/cases/sheets.pdf?status=closed")
    assert response.status_code == 302 and response.headers["Location"] == "/cases?status=closed"
    assert "No case matches these filters" in logged_in.get("/cases?status=closed").get_data(as_text=True)


def test_batch_sheets_follow_each_persons_language_unless_one_is_asked_for(logged_in, officer,
                                                                           register):  # fmt: skip
    register(officer, given_names="Aline", languages=("fra",))
    register(officer, given_names="Baraka", languages=("swa",))
    sheets = sheet_pages(pdf_pages(logged_in.get("/cases/sheets.pdf?sort=case_number").data)[1])
    first, second = sheets.values()
    assert "Résumé du dossier" in first[0] and "Muhtasari wa kesi" in second[0]
    pages = pdf_pages(logged_in.get("/cases/sheets.pdf?sort=case_number&lang=en").data)[1]
    assert [page.startswith("Case summary") for page in pages].count(True) == 2


def test_member_vulnerabilities_do_not_leak_into_the_principals_needs(app, logged_in, officer,
                                                                      register):  # fmt: skip
    case = register(officer)
    add_members(app, case.case_number, ("Ange", "child", "female", None))
    with app.app_context():
        member = db.session.scalar(db.select(Person).filter_by(given_names="Ange"))
        db.session.add(PersonVulnerability(person_id=member.id, code="disability"))
        db.session.commit()
    text = pdf_text(logged_in.get(f"/cases/{case.case_number}/summary.pdf").data)
    needs = text[text.index("Protection needs"):text.index("Household")]
    assert "None recorded" in needs


def test_the_case_page_offers_each_document_in_the_chosen_language(logged_in, officer, register):
    case = register(officer)
    page = logged_in.get(f"/cases/{case.case_number}").get_data(as_text=True)
    form = page[page.index(f'action="/cases/{case.case_number}/summary.pdf"'):]
    form = form[:form.index("</form>")]
    assert 'name="lang"' in form
    assert f'formaction="/cases/{case.case_number}/slip.pdf"' in form
    assert f'formaction="/cases/{case.case_number}/declaration.pdf"' in form
    assert 'href="/manifests"' in page


def test_the_persons_copy_of_their_data_is_verifiable_too(app, logged_in, officer, register):
    case = register(officer)
    pdf = logged_in.get(f"/cases/{case.case_number}/personal-data.pdf").data
    [url] = qr_codes(pdf)
    page = logged_in.get(url.removeprefix("http://localhost"), follow_redirects=True)
    assert "Copy of the person&#39;s data" in page.get_data(as_text=True)
    assert "is the latest issue" in page.get_data(as_text=True)
    assert "Signatures" not in pdf_text(pdf)
