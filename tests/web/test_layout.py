"""The layout's kept fragments (templating.layout_fragment): each reader gets what a fresh
rendering would give them, whoever asked before."""

from __future__ import annotations

import re

from tests.conftest import Browser

NAV = re.compile(r'<ul class="navbar-nav me-auto">.*?</ul>', re.S)
LANGUAGE_BUTTONS = re.compile(r'<button type="submit" class="dropdown-item.*?</button>', re.S)


def _nav(browser: Browser, url: str) -> str:
    page = browser.get(url).get_data(as_text=True)
    found = NAV.search(page)
    assert found, f"no navigation on {url}"
    return found.group(0)


def _links(nav: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', nav)


def test_each_role_gets_its_own_navigation_whoever_asked_first(app, new_browser, officer, supervisor, admin):
    browsers = {}
    for username in ("officer.mny", "supervisor.mny", "admin"):
        browsers[username] = new_browser()
        browsers[username].login(username)
    # Twice each, alternately: the second time every fragment is a kept one.
    for _ in range(2):
        officer_nav = _nav(browsers["officer.mny"], "/cases")
        supervisor_nav = _nav(browsers["supervisor.mny"], "/cases")
        admin_nav = _nav(browsers["admin"], "/admin/")
        assert _links(officer_nav) == ["/my-cases", "/cases", "/registrations/new", "/manifests"]
        assert _links(supervisor_nav) == ["/queue", "/cases", "/registrations/new", "/manifests",
                                          "/dashboard", "/duplicates/"]
        assert _links(admin_nav) == ["/admin/"]
    assert len(app.extensions["layout_fragments"]) >= 3


def test_the_current_page_is_marked_active_and_only_it(browser, officer):
    browser.login("officer.mny")
    on_cases = _nav(browser, "/cases")
    on_new = _nav(browser, "/registrations/new")
    assert re.search(r'nav-link active" href="/cases"', on_cases)
    assert not re.search(r'nav-link active" href="/registrations/new"', on_cases)
    assert re.search(r'nav-link active" href="/registrations/new"', on_new)
    assert not re.search(r'nav-link active" href="/cases"', on_new)
    # The same page with other query strings: the same fragment.
    assert _nav(browser, "/cases?status=screening") == on_cases


def test_the_navigation_and_language_menu_follow_the_readers_language(browser, officer):
    browser.login("officer.mny")
    english = _nav(browser, "/cases")
    browser.submit("/account/language", {"lang": "fr", "next": "/cases"}, form_url="/account/language")
    page = browser.get("/cases").get_data(as_text=True)
    french = NAV.search(page).group(0)
    assert "Register a person" in english and "Enregistrer une personne" in french
    assert "Register a person" not in french
    active = [button for button in LANGUAGE_BUTTONS.findall(page) if "active" in button]
    assert len(active) == 1 and 'value="fr"' in active[0] and 'aria-current="true"' in active[0]
