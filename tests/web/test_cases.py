"""The case list, the case page and the printed summary."""

from __future__ import annotations

import io
import re
from datetime import date

import pypdfium2
import pytest
import zxingcpp
from pypdf import PdfReader

from registry.extensions import db
from registry.models import AuditEntry


@pytest.fixture
def logged_in(browser, officer):
    browser.login("officer.mny")
    return browser


def case_numbers(page: str) -> list[str]:
    return re.findall(r'class="case-number" href="/cases/([A-Z]+-\d{4}-\d{6})"', page)


def test_list_is_paginated_newest_first_by_the_last_case_shown(app, logged_in, officer, register):
    app.config["REGISTRY"].CASES_PER_PAGE, before = 2, app.config["REGISTRY"].CASES_PER_PAGE
    try:
        created = [register(officer, given_names=name).case_number for name in ("A", "B", "C")]
        first = logged_in.get("/cases").get_data(as_text=True)
        next_link = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
        second = logged_in.get(next_link).get_data(as_text=True)
        previous_link = re.search(r'rel="prev" href="([^"]+)"', second).group(1).replace("&amp;", "&")
        back = logged_in.get(previous_link).get_data(as_text=True)
    finally:
        app.config["REGISTRY"].CASES_PER_PAGE = before
    assert case_numbers(first) == [created[2], created[1]]
    assert next_link == f"/cases?after={created[1]}"
    assert case_numbers(second) == [created[0]]
    assert 'rel="next"' not in second
    assert case_numbers(back) == [created[2], created[1]]
    assert "3 cases" in first and "3 cases" in second


@pytest.mark.parametrize("query, expected", [
    ("ndayishimiye", ["Ndayishimiye"]),
    ("NDAYI", ["Ndayishimiye"]),
    ("Nshimirimana", ["Nshimirimana"]),
    ("josue", ["Nshimirimana"]),  # accents folded: Josué
    ("mny-", ["Ndayishimiye", "Nshimirimana", "Niyonzima"]),
    ("%", []),
    ("_", []),
    ("' OR 1=1 --", []),
    ("x" * 5000, []),
])  # fmt: skip
def test_search_by_name_or_case_number(logged_in, officer, register, query, expected):
    register(officer, given_names="Aline", family_name="Ndayishimiye")
    register(officer, given_names="Josué", family_name="Nshimirimana", sex="male")
    register(officer, given_names="Eric", family_name="Niyonzima", sex="male")
    response = logged_in.get("/cases", query_string={"q": query})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    found = [name for name in ("Ndayishimiye", "Nshimirimana", "Niyonzima")
             if f"<td>{'Aline' if name == 'Ndayishimiye' else 'Josué' if name == 'Nshimirimana' else 'Eric'} {name}</td>" in page]  # fmt: skip
    assert sorted(found) == sorted(expected)


def test_search_by_exact_case_number(logged_in, officer, register):
    first = register(officer)
    register(officer, given_names="Other")
    page = logged_in.get(f"/cases?q={first.case_number.lower()}").get_data(as_text=True)
    assert case_numbers(page) == [first.case_number]


def test_filter_by_status_and_unknown_values(logged_in, officer, register):
    register(officer)
    assert len(case_numbers(logged_in.get("/cases?status=registered").get_data(as_text=True))) == 1
    assert case_numbers(logged_in.get("/cases?status=closed").get_data(as_text=True)) == []
    response = logged_in.get("/cases?status=deleted&page=abc&border_point=ZZZ")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Not a valid choice" in page
    # An unknown value is not applied: the officer still sees their cases.
    assert len(case_numbers(page)) == 1


def test_case_page_shows_number_status_timeline_and_the_person(logged_in, officer, register):
    case = register(officer, vulnerabilities=("unaccompanied_child",))
    page = logged_in.get(f"/cases/{case.case_number}").get_data(as_text=True)
    assert f'id="case-number">{case.case_number}<' in page
    assert 'data-status="registered"' in page
    assert "Unaccompanied child" in page and "Urgent" in page
    timeline = page[page.index('id="timeline"'):]
    assert "Registered" in timeline and "Officer.Mny" in timeline


def pdf_text(pdf: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def test_summary_pdf_is_an_a4_document_with_the_case_and_a_verifiable_qr(app, logged_in, officer,
                                                                         register):  # fmt: skip
    case = register(officer, given_names="Zoé", family_name="Ñdayishimiye")
    response = logged_in.get(f"/cases/{case.case_number}/summary.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader, text = pdf_text(response.data)
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    assert case.case_number in text and "Zoé" in text and "Ñdayishimiye" in text
    assert "Registered" in text and "Confidential" in text
    assert f"Page 1 of {len(reader.pages)}" in text
    assert "Printed by Officer.Mny" in text
    image = pypdfium2.PdfDocument(response.data)[0].render(scale=3).to_pil()
    [code] = [c for c in zxingcpp.read_barcodes(image) if c.format == zxingcpp.BarcodeFormat.QRCode]
    assert re.fullmatch(rf"http://localhost/v/{case.case_number}/[a-z2-7]{{16}}", code.text)
    assert "Zo" not in code.text and "dayishimiye" not in code.text
    # The QR link leads back to the case for someone allowed to see it.
    followed = logged_in.get(code.text.removeprefix("http://localhost"))
    assert followed.status_code == 302 and followed.headers["Location"] == f"/cases/{case.case_number}"
    with app.app_context():
        actions = db.session.scalars(db.select(AuditEntry.action)).all()
        assert "print_summary" in actions and "verify_print" in actions


def test_summary_pdf_renders_arabic_and_ethiopic_names(logged_in, officer, register):
    case = register(officer, given_names="محمد", family_name="ሙሉጌታ ተስፋዬ")
    response = logged_in.get(f"/cases/{case.case_number}/summary.pdf")
    reader, text = pdf_text(response.data)
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert any("NotoSansArabic" in f for f in fonts) and any("NotoSansEthiopic" in f for f in fonts)
    assert "ሙሉጌታ" in text


def test_forged_verification_code_is_404(logged_in, officer, register):
    case = register(officer)
    assert logged_in.get(f"/v/{case.case_number}/aaaaaaaaaaaaaaaa").status_code == 404


def test_officer_of_another_point_cannot_follow_a_printed_qr(app, logged_in, new_browser, officer,
                                                             other_officer, register):  # fmt: skip
    case = register(officer)
    logged_in.get(f"/cases/{case.case_number}/summary.pdf")
    with app.app_context():
        from registry.models import PrintIssue

        code = db.session.scalars(db.select(PrintIssue.code)).one()
    other = new_browser()
    other.login("officer.kbg")
    assert other.get(f"/v/{case.case_number}/{code}").status_code == 404


def test_case_registered_today_is_numbered_in_the_border_points_time_zone(officer, register):
    case = register(officer)
    assert case.case_number.split("-")[1] in {str(date.today().year), str(date.today().year + 1)}


# ----------------------------------------------------------------------------------------------
# Filters, search and counts at scale (the list's query parameters are a contract)
# ----------------------------------------------------------------------------------------------


def change_case(app, case, **fields) -> None:  # type: ignore[no-untyped-def]
    from registry.models import Case

    with app.app_context():
        row = db.session.get(Case, case.id)
        for name, value in fields.items():
            setattr(row, name, value)
        db.session.commit()


def listed(browser, **args) -> list[str]:  # type: ignore[no-untyped-def]
    response = browser.get("/cases", query_string=args)
    assert response.status_code == 200
    return case_numbers(response.get_data(as_text=True))


@pytest.mark.parametrize("parameter, value, matching", [
    ("status", "referred", "referred"),
    ("pathway", "referral", "referred"),
    ("priority", "urgent", "child"),
    ("vulnerability", "unaccompanied_child", "child"),
    ("nationality", "COD", "congolese"),
    ("assigned_to", "none", "unassigned"),
])  # fmt: skip
def test_each_filter_selects_only_the_matching_cases(app, logged_in, officer, register,
                                                    parameter, value, matching):  # fmt: skip
    cases = {
        "plain": register(officer),
        "referred": register(officer, given_names="Referred"),
        "child": register(officer, given_names="Child", vulnerabilities=("unaccompanied_child",),
                          date_of_birth=date(2012, 3, 1)),
        "congolese": register(officer, given_names="Glody", nationality="COD"),
        "unassigned": register(officer, given_names="Nobody"),
    }
    change_case(app, cases["referred"], status="referred", pathway="referral")
    change_case(app, cases["unassigned"], assigned_to_id=None)
    assert listed(logged_in, **{parameter: value}) == [cases[matching].case_number]


def test_assigned_to_filters_by_the_officer_following_the_case(app, logged_in, officer, register,
                                                               create_user):  # fmt: skip
    colleague = create_user("officer.two", "officer", ("MNY",))
    mine = register(officer)
    theirs = register(officer, given_names="Other")
    change_case(app, theirs, assigned_to_id=colleague.id)
    assert listed(logged_in, assigned_to="officer.two") == [theirs.case_number]
    assert listed(logged_in, assigned_to="officer.mny") == [mine.case_number]


def test_registration_dates_are_days_in_the_registrys_time_zone(app, logged_in, officer, register):
    from datetime import UTC, datetime

    # 22:30 UTC on 31 January is already 1 February in Dar es Salaam (UTC+3).
    late = register(officer, given_names="Late")
    early = register(officer, given_names="Early")
    change_case(app, late, registered_at=datetime(2026, 1, 31, 22, 30, tzinfo=UTC))
    change_case(app, early, registered_at=datetime(2026, 1, 31, 20, 30, tzinfo=UTC))
    assert listed(logged_in, registered_from="2026-02-01", registered_to="2026-02-01") == [late.case_number]
    assert listed(logged_in, registered_to="2026-01-31") == [early.case_number]
    assert listed(logged_in, registered_from="2026-01-31", registered_to="2026-02-28") == [
        late.case_number, early.case_number]  # fmt: skip


@pytest.mark.parametrize("query", ["AB 12-34", "ab1234", "AB12"])
def test_search_finds_a_document_number_however_it_is_typed(logged_in, officer, register, query):
    from registry.services.registration import DocumentData

    case = register(officer, documents=(DocumentData("passport", "AB-1234", "BDI"),))
    register(officer, given_names="Other", documents=(DocumentData("passport", "CD-9999", "BDI"),))
    assert listed(logged_in, q=query) == [case.case_number]


@pytest.mark.parametrize("query", ["+255 712 345 678", "0712345678", "712 345 678", "255712345678"])
def test_search_finds_a_phone_number_with_or_without_country_code(logged_in, officer, register, query):
    case = register(officer, phone="+255 712 345 678")
    register(officer, given_names="Other", phone="+255 700 000 001")
    assert listed(logged_in, q=query) == [case.case_number]


@pytest.mark.parametrize("query, expected", [
    ("jean pierre", ["Jean-Pierre Hakizimana"]),
    ("HAKIZ jean", ["Jean-Pierre Hakizimana"]),
    ("pierre", ["Jean-Pierre Hakizimana"]),
    ("ndayi", ["Zoé Ndayishimiye"]),
    ("zoe", ["Zoé Ndayishimiye"]),
    ("ZOÉ", ["Zoé Ndayishimiye"]),
    ("muhammad", ["محمد Abdi"]),
    ("hakizimana zoe", []),  # every word must match the same person
    ("kizimana", []),  # a name is found by its beginning or a word's, not its middle
])  # fmt: skip
def test_name_search_is_accent_and_case_insensitive_and_partial(logged_in, officer, register,
                                                                query, expected):  # fmt: skip
    people = {
        "Jean-Pierre Hakizimana": register(officer, given_names="Jean-Pierre", family_name="Hakizimana"),
        "Zoé Ndayishimiye": register(officer, given_names="Zoé", family_name="Ndayishimiye"),
        "محمد Abdi": register(officer, given_names="محمد", family_name="Abdi", other_names="Muhammad"),
    }
    found = listed(logged_in, q=query)
    assert sorted(found) == sorted(people[name].case_number for name in expected)


def test_search_finds_the_case_of_a_household_member(app, logged_in, officer, register):
    from registry.models import Case, CaseMember, Person

    case = register(officer, given_names="Aline", family_name="Ndayishimiye")
    with app.app_context():
        row = db.session.get(Case, case.id)
        child = Person(given_names="Keza", family_name="Irakoze", sex="female", nationality="BDI")
        row.members.append(CaseMember(person=child, relationship_to_head="child"))
        db.session.commit()
    assert listed(logged_in, q="keza irak") == [case.case_number]


def test_renamed_person_is_found_by_the_new_name_only(app, logged_in, officer, register):
    from registry.models import Person

    case = register(officer, given_names="Aline", family_name="Ndayishimiye")
    with app.app_context():
        person = db.session.get(Person, case.person_id)
        person.family_name = "Irakoze"
        db.session.commit()
    assert listed(logged_in, q="irakoze") == [case.case_number]
    assert listed(logged_in, q="ndayishimiye") == []


@pytest.mark.parametrize("query", ["%", "_", "%%", "a_i", "\\", "' OR '1'='1", "'; DROP TABLE person; --",
                                   "x" * 5000, "🙂", "\u0000"])  # fmt: skip
def test_search_with_wildcards_sql_or_absurd_text_finds_nothing_and_fails_nothing(logged_in, officer,
                                                                                  register, query):  # fmt: skip
    register(officer, given_names="Aline", family_name="Ndayishimiye")
    response = logged_in.get("/cases", query_string={"q": query})
    assert response.status_code == 200
    assert case_numbers(response.get_data(as_text=True)) == []
    assert "0 cases" in response.get_data(as_text=True)


def test_percent_and_underscore_are_not_wildcards(logged_in, officer, register):
    case = register(officer, given_names="Aline", family_name="Ndayishimiye")
    # As wildcards, "Al_ne" and "A%ye" would match; as characters they are left out, like any
    # punctuation in a name, and what remains must begin the words of one person's names.
    assert listed(logged_in, q="Al_ne") == []
    assert listed(logged_in, q="A%ye") == []
    assert listed(logged_in, q="Ndayi%") == [case.case_number]


def test_a_long_search_is_refused_beside_the_field_and_cut(logged_in, officer, register):
    register(officer)
    page = logged_in.get("/cases", query_string={"q": "Ndayishimiye " + "x" * 5000}).get_data(as_text=True)
    assert "Field cannot be longer than 200 characters." in page


@pytest.mark.parametrize("args, message", [
    ({"registered_from": "2026-05-01", "registered_to": "2026-01-01"}, "The end of the period is before its start."),
    ({"registered_from": "0001-01-01"}, "Give a date between 1900 and 2100."),
    ({"registered_to": "9999-12-31"}, "Give a date between 1900 and 2100."),
    ({"registered_from": "2026-02-30"}, "Not a valid date value."),
    ({"registered_from": "yesterday"}, "Not a valid date value."),
    ({"pathway": "deportation"}, "Not a valid choice."),
    ({"priority": "0"}, "Not a valid choice."),
    ({"vulnerability": "tall"}, "Not a valid choice."),
    ({"nationality": "ZZZ"}, "Not a valid choice."),
    ({"assigned_to": "nobody.here"}, "Not a valid choice."),
    ({"sort": "name; drop"}, "Not a valid choice."),
])  # fmt: skip
def test_a_filter_that_cannot_apply_is_explained_and_not_applied(logged_in, officer, register, args, message):
    case = register(officer)
    response = logged_in.get("/cases", query_string=args)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    # Not applied: the officer still sees their case, and the count says so.
    assert case_numbers(page) == [case.case_number] and "1 case" in page


def test_the_count_stops_at_the_limit_and_says_more_than(app, logged_in, officer, register):
    for name in ("A", "B", "C"):
        register(officer, given_names=name)
    app.config["REGISTRY"].CASES_COUNT_LIMIT, before = 2, app.config["REGISTRY"].CASES_COUNT_LIMIT
    try:
        page = logged_in.get("/cases").get_data(as_text=True)
        exact = logged_in.get("/cases", query_string={"q": "A"}).get_data(as_text=True)
    finally:
        app.config["REGISTRY"].CASES_COUNT_LIMIT = before
    assert "More than 2 cases" in page and "3 cases" not in page
    assert '<p class="text-muted mb-0" role="status" id="case-count">1 case</p>' in exact


def test_pages_follow_the_chosen_order(app, logged_in, officer, register):
    app.config["REGISTRY"].CASES_PER_PAGE, before = 2, app.config["REGISTRY"].CASES_PER_PAGE
    try:
        created = [register(officer, given_names=name).case_number for name in ("A", "B", "C")]
        first = logged_in.get("/cases?sort=oldest").get_data(as_text=True)
        second = logged_in.get(f"/cases?sort=oldest&after={created[1]}").get_data(as_text=True)
        by_number = logged_in.get("/cases?sort=case_number").get_data(as_text=True)
    finally:
        app.config["REGISTRY"].CASES_PER_PAGE = before
    assert case_numbers(first) == created[:2] and case_numbers(second) == created[2:]
    assert case_numbers(by_number) == created[:2]
    assert f"after={created[1]}&amp;sort=oldest" in first or f"sort=oldest&amp;after={created[1]}" in first


@pytest.mark.parametrize("q", [None, "ndayishimiye"])
def test_pages_neither_skip_nor_repeat_cases_registered_at_the_same_moment(app, officer, register, q):
    """Ties on the registration moment are broken by the case's id; on PostgreSQL the session's
    time zone (here three hours from UTC) must not move the page's bounds. A search pages its
    matches the same way (they are gathered first, then ordered and counted)."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import text

    from registry.models import Case, User
    from registry.services import cases as case_service

    created = [register(officer, given_names=name).case_number for name in "ABCDEFG"]
    moment = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    # Three at the same moment, then one an hour apart, as a day's work might register them.
    moments = [moment, moment, moment, moment + timedelta(hours=1), moment + timedelta(hours=2),
               moment + timedelta(hours=3), moment - timedelta(hours=1)]  # fmt: skip
    with app.app_context():
        for number, registered_at in zip(created, moments, strict=True):
            db.session.scalar(db.select(Case).filter_by(case_number=number)).registered_at = registered_at
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("SET LOCAL TIME ZONE 'Africa/Dar_es_Salaam'"))
        user = db.session.get(User, officer.id)
        expected = {
            "newest": [number for _, _, number in sorted(
                ((at, case_id, number) for case_id, (number, at) in enumerate(zip(created, moments, strict=True))),
                reverse=True)],
            "case_number": sorted(created),
        }  # fmt: skip
        expected["oldest"] = expected["newest"][::-1]

        def page(sort: str, **cursor: str | None) -> case_service.CasePage:
            return case_service.list_cases(user, case_service.CaseFilters(q=q), timezone="Africa/Dar_es_Salaam",
                                           per_page=2, count_limit=100, sort=sort, **cursor)  # fmt: skip

        for sort, order in expected.items():
            pages = [page(sort)]
            while pages[-1].next_cursor and len(pages) < 10:
                pages.append(page(sort, after=pages[-1].next_cursor))
            forward = [case.case_number for shown in pages for case in shown.cases]
            backward = []
            shown = pages[-1]
            for _ in range(10):
                backward[:0] = [case.case_number for case in shown.cases]
                if not shown.previous_cursor:
                    break
                shown = page(sort, before=shown.previous_cursor)
            assert forward == order, sort
            assert backward == order, sort
            assert pages[0].total == 7


def test_a_page_link_to_an_unknown_or_foreign_case_starts_again_from_the_first_page(logged_in, officer,
                                                                                    other_officer, register):  # fmt: skip
    mine = register(officer)
    theirs = register(other_officer, given_names="Hidden")
    for cursor in ("MNY-2026-999999", theirs.case_number, "x" * 300, "MNY\x00"):
        page = logged_in.get("/cases", query_string={"after": cursor}).get_data(as_text=True)
        assert case_numbers(page) == [mine.case_number]
        assert "That page is no longer available: here is the first page." in page


def test_list_view_is_audited_with_its_filters_but_not_the_words_searched(app, logged_in, officer, register):
    register(officer)
    logged_in.get("/cases", query_string={"q": "Ndayishimiye", "status": "registered"})
    with app.app_context():
        entry = db.session.scalars(db.select(AuditEntry).filter_by(action="case_list")).one()
    assert entry.details["status"] == "registered" and entry.details["searched"] is True
    assert "Ndayishimiye" not in str(entry.details)


def test_the_list_reads_only_what_it_shows_and_refuses_to_read_more_row_by_row(app, officer, register):
    """The list's cases carry what the page shows; reading anything else would be a query a row."""
    from registry.models import User
    from registry.services import cases as case_service

    register(officer, given_names="Aline", family_name="Ndayishimiye", nationality="BDI")
    with app.app_context():
        actor = db.session.get(User, officer.id)
        page = case_service.list_cases(actor, case_service.CaseFilters(), timezone="Africa/Dar_es_Salaam",
                                       per_page=25, count_limit=1000, listed=True)  # fmt: skip
        case = page.cases[0]
        assert (case.status, case.priority, case.principal.full_name, case.principal.sex,
                case.principal.nationality) == ("registered", "normal", "Aline Ndayishimiye", "female", "BDI")  # fmt: skip
        for read_more in (lambda: case.pathway, lambda: case.border_point, lambda: case.principal.phone):
            with pytest.raises(AttributeError):
                read_more()


def test_the_filter_form_kept_from_an_earlier_page_is_the_one_a_new_page_would_render(
        app, browser, officer, register, monkeypatch):  # fmt: skip
    from registry.web.cases import views

    register(officer)
    browser.login("officer.mny")
    urls = ["/cases", "/cases?status=screening&registered_from=2026-13-01", "/cases?status=nonsense",
            "/cases?sort=oldest&status="]  # fmt: skip

    def pages() -> list[str]:
        # The CSRF tokens (of the language menu and the logout button) are signed anew each second.
        return [re.sub(r'name="csrf_token" value="[^"]+"', "", browser.get(url).get_data(as_text=True))
                for url in urls]  # fmt: skip

    kept, again = pages(), pages()
    monkeypatch.setattr(views, "_LIST_FILTERS_SIZE", 0)  # each page renders its own
    new = pages()
    assert kept == again == new
    assert 'value="screening" selected' in kept[1] and "is-invalid" in kept[1] and "is-invalid" in kept[2]


def test_the_filter_form_is_kept_by_every_field_it_reads_and_never_for_a_search(app, browser, officer, register):
    from wtforms.fields.core import UnboundField

    from registry.web.cases import views
    from registry.web.cases.forms import CaseFilterForm

    fields = {name for name in dir(CaseFilterForm) if isinstance(getattr(CaseFilterForm, name), UnboundField)}
    assert set(CaseFilterForm.FIELDS) == fields
    register(officer)
    browser.login("officer.mny")
    views._LIST_FILTERS.clear()
    browser.get("/cases?q=Ndayishimiye")
    browser.get("/cases?q=Ndayishimiye&status=registered")
    assert views._LIST_FILTERS == {}
    browser.get("/cases?status=registered")
    assert len(views._LIST_FILTERS) == 1


def test_the_list_shows_the_cases_in_the_readers_language(app, browser, officer, register):
    register(officer, sex="female", nationality="XXA")
    browser.login("officer.mny")
    page = browser.get("/cases", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "<td>Féminin</td>" in page and "<td>Apatride</td>" in page
    assert "<td>Enregistré</td>" in page and "<td>Normale</td>" in page
    assert 'aria-label="Imprimer la fiche du dossier ' in page and ">Dossiers<" in page
    assert '<option value="screening">En évaluation</option>' in page


def test_a_filter_value_outside_the_choices_is_refused_beside_its_field(logged_in, officer, register):
    register(officer)
    page = logged_in.get("/cases", query_string={"nationality": "ZZZ", "sort": "sideways"}).get_data(as_text=True)
    assert page.count("Not a valid choice.") == 2
    assert ('<select aria-describedby="nationality-error" aria-invalid="true" '
            'class="form-select is-invalid" id="nationality" name="nationality">') in page
    assert '<select class="form-select" id="status" name="status">' in page


def test_a_chosen_filter_is_selected_on_its_own_page_only(logged_in, officer, register):
    """The options are rendered once for everyone: the choice of one page must not stay in them."""
    register(officer)
    chosen = logged_in.get("/cases", query_string={"nationality": "BDI"}).get_data(as_text=True)
    assert '<option value="BDI" selected>' in chosen
    plain = logged_in.get("/cases").get_data(as_text=True)
    assert '<option value="BDI">' in plain and " selected>" not in plain


@pytest.mark.parametrize("case_number", ["MNY-2026-000042", "MNY-2026-000042\n", "a b/c?d", "KBG-2026-1234567"])
def test_the_lists_links_are_what_url_for_gives(app, case_number):
    from flask import url_for

    from registry.web.cases.views import case_links

    with app.test_request_context("/cases"):
        assert case_links()(case_number) == url_for("cases.show", case_number=case_number)
