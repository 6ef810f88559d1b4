"""Administration: accounts with temporary passwords, deactivation, border points, partners; no people's data."""

from __future__ import annotations

import re

import pytest

from registry.extensions import db
from registry.models import AuditEntry, BorderPoint, Partner, User
from tests.conftest import PASSWORD

TEMPORARY = re.compile(r'id="temporary-password">([^<]+)<')


@pytest.fixture
def administrator(browser, admin, create_border_point):
    create_border_point("MNY")
    create_border_point("KBG", "Kabanga")
    browser.login("admin")
    return browser


def _user(app, username: str) -> User:  # type: ignore[no-untyped-def]
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(username=username))
        db.session.expunge(user)
        return user


def test_admin_creates_an_account_with_a_temporary_password_shown_once(app, administrator, new_browser):
    response = administrator.submit("/admin/users/new", {
        "username": "Neema.Mushi", "full_name": "Neema Mushi", "role": "officer", "border_points": ["MNY"],
    }, form_url="/admin/users/new")  # fmt: skip
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    password = TEMPORARY.search(page).group(1)
    user = _user(app, "neema.mushi")
    assert user.must_change_password and user.role == "officer"
    newcomer = new_browser()
    assert newcomer.login("neema.mushi", password).headers["Location"] == "/account/password"


@pytest.mark.parametrize("fields, field_error", [
    ({"username": "Bad Name!", "role": "officer", "border_points": ["MNY"]}, "lower-case letters"),
    ({"username": "neema", "role": "officer"}, "at least one border point"),
    ({"username": "neema", "role": "officer", "all_border_points": "y"}, "Only a supervisor"),
    ({"username": "neema", "role": "admin", "border_points": ["MNY"]}, "holds no border point"),
    ({"username": "admin", "role": "admin"}, "This username is taken."),
    ({"username": "neema", "role": "emperor", "border_points": ["MNY"]}, "Not a valid choice"),
    ({"username": "neema", "role": "officer", "border_points": ["ZZZ"]}, "not a valid choice"),
])  # fmt: skip
def test_a_bad_account_form_comes_back_with_the_error_beside_the_field(app, administrator, fields,
                                                                       field_error):  # fmt: skip
    response = administrator.submit("/admin/users/new", fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error in page
    assert 'class="invalid-feedback d-block"' in page
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 1  # only the admin


def test_admin_changes_role_and_border_points_and_the_audit_names_the_fields(app, administrator, officer):
    response = administrator.submit(f"/admin/users/{officer.id}", {
        "full_name": "Neema", "role": "supervisor", "border_points": ["MNY", "KBG"]})  # fmt: skip
    assert response.status_code == 302
    user = _user(app, "officer.mny")
    with app.app_context():
        user = db.session.get(User, officer.id)
        assert user.role == "supervisor" and [p.code for p in user.border_points] == ["KBG", "MNY"]
        entry = db.session.scalars(db.select(AuditEntry).filter_by(action="user_updated")).one()
        assert set(entry.details["fields"]) == {"role", "full_name", "border_points"}
        assert "Neema" not in str(entry.details)


def test_admin_cannot_change_their_own_role(app, administrator, admin):
    response = administrator.submit(f"/admin/users/{admin.id}", {"role": "supervisor",
                                                                 "all_border_points": "y"})  # fmt: skip
    assert response.status_code == 422 and "your own role" in response.get_data(as_text=True)
    assert _user(app, "admin").role == "admin"


def test_reset_password_gives_a_temporary_one_and_ends_the_sessions(app, administrator, new_browser, officer):
    victim = new_browser()
    victim.login("officer.mny")
    response = administrator.submit(f"/admin/users/{officer.id}/reset-password", {},
                                    form_url=f"/admin/users/{officer.id}")  # fmt: skip
    password = TEMPORARY.search(response.get_data(as_text=True)).group(1)
    assert victim.get("/cases").status_code == 302
    assert new_browser().login("officer.mny", PASSWORD).status_code == 401
    assert new_browser().login("officer.mny", password).headers["Location"] == "/account/password"


def test_deactivation_lists_the_open_cases_for_reassignment(app, administrator, officer, register):
    case = register(officer)
    page = administrator.get(f"/admin/users/{officer.id}/deactivate").get_data(as_text=True)
    assert case.case_number in page and "Ndayishimiye" not in page
    response = administrator.submit(f"/admin/users/{officer.id}/deactivate", {})
    page = response.get_data(as_text=True)
    assert case.case_number in page and "deactivated" in page
    user = _user(app, "officer.mny")
    assert not user.active and user.deactivated_at is not None


def test_an_admin_cannot_deactivate_themselves(app, administrator, admin):
    response = administrator.submit(f"/admin/users/{admin.id}/deactivate", {})
    assert response.status_code == 302
    assert _user(app, "admin").active


def test_reactivation_gives_a_new_temporary_password(app, administrator, new_browser, officer):
    administrator.submit(f"/admin/users/{officer.id}/deactivate", {})
    response = administrator.submit(f"/admin/users/{officer.id}/reactivate", {},
                                    form_url=f"/admin/users/{officer.id}")  # fmt: skip
    password = TEMPORARY.search(response.get_data(as_text=True)).group(1)
    assert new_browser().login("officer.mny", password).status_code == 302


def test_cli_deactivates_and_resets(app, runner, officer, register, new_browser):
    case = register(officer)
    result = runner.invoke(args=["registry", "deactivate-user", "officer.mny"])
    assert result.exit_code == 0 and case.case_number in result.output
    assert new_browser().login("officer.mny").status_code == 401
    result = runner.invoke(args=["registry", "reset-password", "officer.mny"])
    assert result.exit_code == 0
    unknown = runner.invoke(args=["registry", "reset-password", "nobody"])
    assert unknown.exit_code == 1 and "No account nobody" in unknown.output


def test_admin_adds_and_edits_a_border_point(app, administrator):
    response = administrator.submit("/admin/border-points/new", {"code": "rsm", "name": "Rusumo",
                                                                 "country": "TZA", "region": "Kagera",
                                                                 "active": "y"})  # fmt: skip
    assert response.status_code == 302
    response = administrator.submit("/admin/border-points/RSM", {"name": "Rusumo Falls", "country": "TZA"})
    assert response.status_code == 302
    with app.app_context():
        point = db.session.scalar(db.select(BorderPoint).filter_by(code="RSM"))
        assert (point.name, point.region, point.active) == ("Rusumo Falls", None, False)


@pytest.mark.parametrize("fields, message", [
    ({"code": "M1", "name": "Bad", "country": "TZA"}, "2 to 8 letters"),
    ({"code": "MNY", "name": "Again", "country": "TZA"}, "exists already"),
    ({"code": "XYZ", "name": "", "country": "TZA"}, "This field is required."),
    ({"code": "XYZ", "name": "Somewhere", "country": "ZZZ"}, "Not a valid choice"),
])  # fmt: skip
def test_a_bad_border_point_is_refused_beside_its_field(app, administrator, fields, message):
    response = administrator.submit("/admin/border-points/new", fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert f'value="{fields["code"]}"' in response.get_data(as_text=True)  # what was typed stays


def test_admin_keeps_the_partner_list(app, administrator):
    response = administrator.submit("/admin/partners/new", {"name": "Child Protection Agency",
                                                            "kind": "protection_agency",
                                                            "agreement_reference": "DSA-2026-01",
                                                            "active": "y"})  # fmt: skip
    assert response.status_code == 302
    again = administrator.submit("/admin/partners/new", {"name": "child protection agency",
                                                         "kind": "ngo"})  # fmt: skip
    assert again.status_code == 422 and "exists already" in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(Partner.agreement_reference)) == "DSA-2026-01"
    assert "DSA-2026-01" in administrator.get("/admin/").get_data(as_text=True)


def test_unknown_records_are_404(administrator):
    assert administrator.get("/admin/users/9999").status_code == 404
    assert administrator.get("/admin/border-points/NOPE").status_code == 404
    assert administrator.get("/admin/partners/9999").status_code == 404


def test_the_admin_pages_show_no_persons_data(administrator, officer, register):
    register(officer)
    for url in ("/admin/", f"/admin/users/{officer.id}", f"/admin/users/{officer.id}/deactivate", "/audit"):
        assert "Ndayishimiye" not in administrator.get(url).get_data(as_text=True), url
