"""The layout's kept fragments (templating.layout_fragment): each reader gets what a fresh
rendering would give them, whoever asked before."""

from __future__ import annotations

import re

import pytest
from flask_login import login_user
from jinja2 import ChoiceLoader, DictLoader

from registry.extensions import db
from registry.models import User
from registry.templating import layout_fragment
from tests.conftest import Browser

NAV = re.compile(r'<ul class="navbar-nav me-auto">.*?</ul>', re.DOTALL)
LANGUAGE_BUTTONS = re.compile(r'<button type="submit" class="dropdown-item.*?</button>', re.DOTALL)


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


def test_a_fragment_cannot_read_the_request_or_the_user(app, officer):
    app.jinja_env.loader = ChoiceLoader([DictLoader({
        "layout/peeking.html": "{{ request.path }}{{ current_user.username }}"}), app.jinja_env.loader])
    try:
        with app.test_request_context("/cases"):
            login_user(db.session.scalars(db.select(User).filter_by(username="officer.mny")).one())
            with pytest.raises(RuntimeError, match="shows only its inputs"):
                layout_fragment("peeking")
    finally:
        app.jinja_env.loader = app.jinja_env.loader.loaders[1]
        app.jinja_env.cache.clear()
