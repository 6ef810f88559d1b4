"""Languages: who sees which language, choosing it, and what is formatted for it."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from flask_babel import force_locale
from pypdf import PdfReader

from registry.extensions import db
from registry.models import AuditEntry, User
from registry.templating import show_number


def html_lang(page: str) -> str:
    match = re.search(r'<html lang="([^"]+)" dir="([^"]+)"', page)
    assert match, "no <html lang dir>"
    return match.group(1)


def stored_locale(app, user_id: int) -> str | None:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.get(User, user_id).locale


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


# --- before login --------------------------------------------------------------------------


def test_login_page_follows_the_browsers_language(browser):
    page = browser.get("/login", headers={"Accept-Language": "sw-TZ,sw;q=0.9,en;q=0.5"})
    text = page.get_data(as_text=True)
    assert html_lang(text) == "sw" and 'dir="ltr"' in text
    assert "Jina la mtumiaji" in text and "Nenosiri" in text and ">Ingia<" in text


def test_login_page_falls_back_to_english_for_a_language_not_offered(browser):
    text = browser.get("/login", headers={"Accept-Language": "de-DE,de"}).get_data(as_text=True)
    assert html_lang(text) == "en" and "Username" in text


def test_switcher_on_the_login_page_overrides_the_browser(browser):
    token = browser.csrf_token()
    browser.client.post("/language", data={"csrf_token": token, "lang": "fr", "next": "/login"})
    text = browser.get("/login", headers={"Accept-Language": "sw"}).get_data(as_text=True)
    assert html_lang(text) == "fr" and "Nom d’utilisateur" in text and "Mot de passe" in text


def test_login_switcher_names_each_language_in_itself(browser):
    text = browser.get("/login", headers={"Accept-Language": "sw"}).get_data(as_text=True)
    for code, name in (("en", "English"), ("fr", "Français"), ("sw", "Kiswahili")):
        assert f'<option lang="{code}" dir="ltr"' in text or f'value="{code}"' in text
        assert name in text


def test_login_switcher_ignores_a_language_not_offered(browser):
    token = browser.csrf_token()
    response = browser.client.post("/language", data={"csrf_token": token, "lang": "xx"})
    assert response.status_code == 302
    assert html_lang(browser.get("/login").get_data(as_text=True)) == "en"


def test_language_chosen_before_login_is_kept_on_the_account(app, browser, officer):
    token = browser.csrf_token()
    browser.client.post("/language", data={"csrf_token": token, "lang": "sw"})
    browser.login("officer.mny")
    assert stored_locale(app, officer.id) == "sw"
    assert "Sajili mtu" in browser.get("/cases").get_data(as_text=True)


def test_failed_login_answers_in_the_chosen_language(browser, officer):
    browser.get("/login", headers={"Accept-Language": "fr"})
    response = browser.submit("/login", {"username": "officer.mny", "password": "wrong password!"},
                              headers={"Accept-Language": "fr"})  # fmt: skip
    assert response.status_code == 401
    assert "Nom d’utilisateur inconnu ou mot de passe incorrect." in response.get_data(as_text=True)


# --- the account's language ----------------------------------------------------------------


def test_account_language_page_needs_a_login(browser):
    response = browser.get("/account/language")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    response = browser.client.post("/account/language", data={"lang": "fr"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_officer_chooses_french_and_every_page_follows(app, browser, officer):
    browser.login("officer.mny")
    response = browser.submit("/account/language", {"lang": "fr", "next": "/cases"},
                              headers={"Accept-Language": "sw"})  # fmt: skip
    assert response.status_code == 302 and response.headers["Location"] == "/cases"
    assert stored_locale(app, officer.id) == "fr"
    page = browser.get("/cases", headers={"Accept-Language": "sw"}).get_data(as_text=True)
    assert html_lang(page) == "fr"
    assert "L’interface est maintenant en Français." in page
    assert "Dossiers" in page and "Enregistrer une personne" in page
    with app.app_context():
        entry = db.session.scalars(db.select(AuditEntry).filter_by(action="language_changed")).one()
        assert entry.actor_id == officer.id and entry.details == {"locale": "fr"}


def test_the_accounts_language_beats_the_browsers_in_a_new_session(app, browser, new_browser,
                                                                   officer):  # fmt: skip
    browser.login("officer.mny")
    browser.submit("/account/language", {"lang": "sw"})
    other = new_browser()
    other.login("officer.mny")
    page = other.get("/cases", headers={"Accept-Language": "fr,en"}).get_data(as_text=True)
    assert html_lang(page) == "sw" and "Tafuta" in page


def test_choosing_the_browsers_language_forgets_the_accounts(app, browser, officer):
    browser.login("officer.mny")
    browser.submit("/account/language", {"lang": "fr"})
    browser.submit("/account/language", {"lang": "browser"})
    assert stored_locale(app, officer.id) is None
    page = browser.get("/cases", headers={"Accept-Language": "sw"}).get_data(as_text=True)
    assert html_lang(page) == "sw"


def test_account_language_page_shows_the_current_choice(browser, officer):
    browser.login("officer.mny")
    browser.submit("/account/language", {"lang": "sw"})
    page = browser.get("/account/language").get_data(as_text=True)
    assert re.search(r'<input[^>]*checked[^>]*value="sw"|<input[^>]*value="sw"[^>]*checked', page)
    assert "Lugha ya mfumo" in page and "Lugha ya kivinjari" in page


def test_a_language_not_offered_is_refused_beside_the_field(app, browser, officer):
    browser.login("officer.mny")
    response = browser.submit("/account/language", {"lang": "de"}, form_url="/account/language")
    assert response.status_code == 422
    assert "Not a valid choice." in response.get_data(as_text=True)
    assert stored_locale(app, officer.id) is None


def test_a_language_choice_without_csrf_token_changes_nothing(app, browser, officer):
    browser.login("officer.mny")
    response = browser.client.post("/account/language", data={"lang": "fr"})
    assert response.status_code == 400
    assert stored_locale(app, officer.id) is None
    assert "security token" in response.get_data(as_text=True)


def test_account_language_never_redirects_to_another_site(browser, officer):
    browser.login("officer.mny")
    response = browser.submit("/account/language", {"lang": "fr", "next": "//evil.example/x"})
    assert response.headers["Location"] == "/account/language"


def test_a_refused_choice_offers_no_link_to_another_site(browser, officer):
    browser.login("officer.mny")
    response = browser.submit("/account/language", {"lang": "de", "next": "//evil.example/x"},
                              form_url="/account/language")  # fmt: skip
    assert response.status_code == 422 and "evil.example" not in response.get_data(as_text=True)


def test_navbar_switcher_posts_each_language_to_the_account(browser, officer):
    browser.login("officer.mny")
    page = browser.get("/cases").get_data(as_text=True)
    menu = page[page.index('action="/account/language"'):]
    menu = menu[: menu.index("</form>")]
    assert 'name="csrf_token"' in menu and 'name="next" value="/cases"' in menu
    for code, name in (("en", "English"), ("fr", "Français"), ("sw", "Kiswahili")):
        assert f'name="lang" value="{code}" lang="{code}"' in menu and name in menu


def test_administrators_choose_their_language_too(app, browser, admin):
    browser.login("admin")
    browser.submit("/account/language", {"lang": "sw"})
    page = browser.get("/admin/").get_data(as_text=True)
    assert stored_locale(app, admin.id) == "sw" and "Akaunti" in page


# --- what each language shows --------------------------------------------------------------


def test_dates_are_written_for_the_reader(browser, officer, register):
    case = register(officer, date_of_birth=date(1990, 5, 17))
    browser.login("officer.mny")
    browser.submit("/account/language", {"lang": "fr"})
    assert "17 mai 1990" in browser.get(f"/cases/{case.case_number}").get_data(as_text=True)
    browser.submit("/account/language", {"lang": "sw"})
    assert "17 Mei 1990" in browser.get(f"/cases/{case.case_number}").get_data(as_text=True)


def test_numbers_are_written_for_the_reader(app):
    with app.test_request_context():
        with force_locale("en"):
            assert show_number(1234567) == "1,234,567"
        with force_locale("fr"):
            assert show_number(1234567) == "1\u202f234\u202f567"


def test_case_count_agrees_with_the_number_in_each_language(browser, officer, register):
    register(officer)
    browser.login("officer.mny")
    browser.submit("/account/language", {"lang": "fr"})
    assert "1 dossier<" in browser.get("/cases").get_data(as_text=True)
    register(officer, given_names="Béatrice")
    assert "2 dossiers<" in browser.get("/cases").get_data(as_text=True)
    browser.submit("/account/language", {"lang": "sw"})
    assert "kesi 2<" in browser.get("/cases").get_data(as_text=True)


def test_country_names_come_in_swahili_from_cldr(browser, officer):
    browser.login("officer.mny")
    browser.submit("/account/language", {"lang": "sw"})
    page = browser.get("/registrations/new").get_data(as_text=True)
    # pycountry's Swahili leaves these in English; CLDR has them in Swahili.
    assert "Kongo - Kinshasa" in page and "Congo, The Democratic Republic" not in page
    assert "Kirundi" in page and "Kifaransa" in page  # language names too


def test_countries_are_sorted_as_a_french_reader_expects(browser, officer):
    browser.login("officer.mny")
    browser.submit("/account/language", {"lang": "fr"})
    page = browser.get("/registrations/new").get_data(as_text=True)
    nationality = page[page.index('name="nationality"'):]
    nationality = nationality[: nationality.index("</select>")]
    assert nationality.index(">Dominique<") < nationality.index(">Égypte<") < nationality.index(
        ">Espagne<")


def test_wtforms_own_messages_are_translated(browser, officer):
    browser.login("officer.mny")
    browser.submit("/account/language", {"lang": "sw"})
    response = browser.submit("/registrations/new", {
        "border_point": "MNY", "given_names": "Aline", "sex": "female", "nationality": "BDI",
        "entry_type": "unknown", "circumstances": "other", "consent_given": "no",
        "date_of_birth": "17/05/1990", "approximate_age": "many",
    })  # fmt: skip
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Tarehe si sahihi." in page and "Namba kamili si sahihi." in page
    assert "Not a valid" not in page


def test_a_filter_form_reports_a_bad_value_in_the_readers_language(browser, officer):
    browser.login("officer.mny")
    browser.submit("/account/language", {"lang": "fr"})
    page = browser.get("/cases?status=lost").get_data(as_text=True)
    assert "Choix non valide." in page


def test_error_pages_speak_the_readers_language(browser, officer):
    browser.login("officer.mny")
    browser.submit("/account/language", {"lang": "sw"})
    response = browser.get("/cases/MNY-2026-999999")
    text = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Haikupatikana" in text and "Hakuna kesi MNY-2026-999999" in text


def test_a_language_written_right_to_left_turns_the_page(app_factory, create_user):
    app = app_factory(LANGUAGES=("en", "fr", "sw", "ar"))
    client = app.test_client()
    text = client.get("/login", headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in text
    assert "bootstrap.rtl.min.css" in text and "bootstrap.min.css" not in text
    assert "العربية" in text  # offered in the switcher, named in itself


def test_left_to_right_pages_use_the_left_to_right_stylesheet(browser):
    text = browser.get("/login").get_data(as_text=True)
    assert 'dir="ltr"' in text and "bootstrap.min.css" in text and "rtl" not in text


# --- printed documents ---------------------------------------------------------------------


@pytest.fixture
def logged_in(browser, officer):
    browser.login("officer.mny")
    return browser


@pytest.mark.parametrize("lang, labels", [
    ("fr", ["Résumé du dossier", "Confidentiel", "Statut",
            "Parcours", "Historique", "Prénoms", "Nom de famille", "Nationalité", "Burundi",
            "Féminin", "Page 1 sur", "Imprimé par Officer.Mny"]),
    ("sw", ["Muhtasari wa kesi", "Siri", "Hali", "Njia", "Historia ya kesi", "Majina ya kwanza",
            "Jina la ukoo", "Uraia", "Mwanamke", "Bado haijaamuliwa", "Ukurasa 1 kati ya",
            "Imechapishwa na Officer.Mny"]),
])  # fmt: skip
def test_summary_pdf_prints_in_the_language_asked_for(logged_in, officer, register, lang, labels):
    case = register(officer)
    response = logged_in.get(f"/cases/{case.case_number}/summary.pdf?lang={lang}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    for label in labels:
        assert label in text, label
    assert "Case summary" not in text and "Confidential" not in text


def test_summary_pdf_defaults_to_the_persons_language(logged_in, officer, register):
    case = register(officer, languages=("run", "fra"))
    text = pdf_text(logged_in.get(f"/cases/{case.case_number}/summary.pdf").data)
    # Kirundi first, but documents are not printed in it: the first language they are printed in.
    assert "Résumé du dossier" in text and "Kirundi, Français" in text


def test_summary_pdf_defaults_to_the_language_the_person_was_informed_in(logged_in, officer,
                                                                         register):  # fmt: skip
    case = register(officer, languages=("fra",), consent_language="swa")
    text = pdf_text(logged_in.get(f"/cases/{case.case_number}/summary.pdf").data)
    assert "Muhtasari wa kesi" in text


def test_summary_pdf_falls_back_to_the_officers_language(logged_in, officer, register):
    case = register(officer, languages=("run", "kin"))
    logged_in.submit("/account/language", {"lang": "sw"})
    text = pdf_text(logged_in.get(f"/cases/{case.case_number}/summary.pdf").data)
    assert "Muhtasari wa kesi" in text


def test_case_page_offers_each_print_language_with_the_default_chosen(logged_in, officer,
                                                                      register):  # fmt: skip
    case = register(officer, languages=("swa",))
    page = logged_in.get(f"/cases/{case.case_number}").get_data(as_text=True)
    form = page[page.index(f'action="/cases/{case.case_number}/summary.pdf"'):]
    form = form[: form.index("</form>")]
    assert 'name="lang"' in form and 'for="print-language"' in form
    assert re.search(r'<option value="sw" lang="sw" selected>Kiswahili</option>', form)
    assert '<option value="fr" lang="fr">Français</option>' in form
    # The page itself stays in the officer's language.
    assert "Print the case summary (PDF)" in page


def test_printing_in_a_language_not_offered_is_refused_and_not_recorded(app, logged_in, officer,
                                                                        register):  # fmt: skip
    case = register(officer)
    response = logged_in.get(f"/cases/{case.case_number}/summary.pdf?lang=de")
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and response.mimetype == "text/html"
    assert "Documents are printed in these languages only: English, Français, Kiswahili." in text
    with app.app_context():
        assert not db.session.scalars(db.select(AuditEntry).filter_by(action="print_summary")).all()


def test_printing_another_points_case_is_404_whatever_the_language(
        new_browser, officer, other_officer, register):  # fmt: skip
    case = register(officer)
    other = new_browser()
    other.login("officer.kbg")
    assert other.get(f"/cases/{case.case_number}/summary.pdf?lang=de").status_code == 404
    assert other.get(f"/cases/{case.case_number}/summary.pdf?lang=fr").status_code == 404


def test_the_print_records_its_language(app, logged_in, officer, register):
    case = register(officer)
    logged_in.get(f"/cases/{case.case_number}/summary.pdf?lang=sw")
    with app.app_context():
        entry = db.session.scalars(db.select(AuditEntry).filter_by(action="print_summary")).one()
        assert entry.object_id == case.case_number and entry.details == {"language": "sw"}


def test_printing_in_another_language_leaves_the_page_language_alone(logged_in, officer, register):
    case = register(officer)
    logged_in.get(f"/cases/{case.case_number}/summary.pdf?lang=sw")
    page = logged_in.get(f"/cases/{case.case_number}").get_data(as_text=True)
    assert html_lang(page) == "en" and "The person" in page


def test_names_take_their_own_direction_on_any_page(logged_in, officer, register):
    case = register(officer, given_names="محمد", family_name="Hassan")
    form = logged_in.get("/registrations/new").get_data(as_text=True)
    assert re.search(r'<input[^>]*dir="auto"[^>]*name="given_names"|'
                     r'<input[^>]*name="given_names"[^>]*dir="auto"', form)
    page = logged_in.get(f"/cases/{case.case_number}").get_data(as_text=True)
    assert "· <bdi>محمد Hassan</bdi></h1>" in page


def test_a_pages_reader_says_what_the_template_helpers_say_in_each_language(app):
    """Templates find the language once per page (templating.Reader): the same words as
    label_of(), country_of(), show_date() and gettext(), force_locale() included."""
    from datetime import UTC, datetime

    from flask import render_template_string
    from flask_babel import gettext

    from registry.templating import Reader, country_of, label_of, show_date

    late_evening = datetime(2026, 3, 1, 22, 30, tzinfo=UTC)  # already 2 March in Dar es Salaam
    with app.test_request_context():
        for language in ("en", "fr", "sw"):
            with force_locale(language):
                reader = Reader()
                assert reader.label_of("status", "registered") == label_of("status", "registered")
                assert reader.country_of("BDI") == country_of("BDI")
                assert reader.country_of("XXA") == country_of("XXA") == gettext("Stateless")
                assert reader.show_date(late_evening) == show_date(late_evening)
                assert reader.show_date(late_evening.replace(tzinfo=None)) == show_date(late_evening)
                page = render_template_string(
                    "{{ _('Cases') }}|{{ label_of('sex', 'female') }}|{{ 'TZA'|country_of }}|"
                    "{{ moment|show_date }}|{{ reader.language }}", moment=late_evening)
                assert page == "|".join([gettext("Cases"), label_of("sex", "female"), country_of("TZA"),
                                         show_date(late_evening), language])  # fmt: skip
        with force_locale("fr"):
            assert "2 mars 2026" in show_date(late_evening)
            # A macro imported without the page's context has no reader: it finds the language itself.
            macro = render_template_string(
                "{% from '_macros.html' import form_errors %}{{ form_errors(form) }}",
                form={"csrf_token": type("Token", (), {"errors": ["expired"]})()})
            assert "Le jeton de sécurité de votre session avait expiré" in macro
