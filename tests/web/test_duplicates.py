"""The duplicate check while registering, and the supervisor's review: merge, undo, not a duplicate."""

from __future__ import annotations

import re
from datetime import date

import pytest

from registry.domain.errors import InvalidDetails, NotFound, PossibleDuplicates
from registry.extensions import db
from registry.models import (
    Case,
    CaseMember,
    DuplicatePair,
    IdentityDocument,
    Person,
    PersonChange,
    PersonMatchKey,
    User,
)
from registry.services import duplicates, registration
from registry.services.registration import DocumentData, MemberData, RegistrationData
from tests.web.test_registration import FORM, count, valid_form

HASSAN = {"given_names": "Mohamed Ali", "family_name": "Hassan", "sex": "male", "nationality": "SOM",
          "date_of_birth": date(1991, 4, 2), "dob_precision": "exact"}  # fmt: skip


def form_for(**changes: str) -> dict[str, str]:
    fields = {"given_names": "Muhammad Ali", "family_name": "Hasan", "other_names": "", "sex": "male",
              "nationality": "SOM", "country_of_birth": "SOM", "date_of_birth": "1991-04-02", "phone": "",
              "vulnerabilities": None, "documents-0-number": ""}  # fmt: skip
    return valid_form(**{**fields, **changes})


def shown_ids(page: str) -> str:
    return re.search(r'name="candidates_shown"[^>]*value="([^"]*)"', page).group(1)


@pytest.fixture
def logged_in(browser, officer):
    browser.login("officer.mny")
    return browser


def test_registering_the_same_person_under_another_spelling_shows_the_match_first(app, logged_in, officer, register):
    first = register(officer, **HASSAN)
    response = logged_in.submit(FORM, form_for())
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Possible matches" in page and first.case_number in page
    assert "Similar names" in page and "Same date of birth" in page and "likely" in page
    assert f'href="/cases/{first.case_number}"' in page  # the officer may open it
    assert 'value="Muhammad Ali"' in page  # nothing typed is lost
    with app.app_context():
        assert count(Case) == 1
    # "A different person": registered, and the pair remembered as decided.
    response = logged_in.submit(FORM, {**form_for(), "candidates_shown": shown_ids(page), "confirm_different": "y"})
    assert response.status_code == 302
    with app.app_context():
        assert count(Case) == 2
        pair = db.session.scalars(db.select(DuplicatePair)).one()
        assert pair.status == "not_duplicate" and pair.score >= 0.9 and "name_similar" in pair.reasons


def test_a_match_at_another_border_point_shows_no_personal_data_and_can_be_flagged(
        app, logged_in, other_officer, national_supervisor, new_browser, register):  # fmt: skip
    theirs = register(other_officer, **HASSAN, place_of_origin="Kismayo")
    response = logged_in.submit(FORM, form_for())
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    row = re.search(r'<tr class="candidate[^"]*"[^>]*>.*?</tr>', page, re.S).group(0)
    assert theirs.case_number in row and "KBG" in row and "Another border point: no details shown" in row
    assert "Mohamed" not in page and "Kismayo" not in page and "1991" not in row
    assert f'href="/cases/{theirs.case_number}"' not in page
    with app.app_context():
        candidate_id = theirs.person_id
    response = logged_in.submit(FORM, {**form_for(), "candidates_shown": shown_ids(page),
                                       "flag_candidates": str(candidate_id)})  # fmt: skip
    assert response.status_code == 302
    with app.app_context():
        pair = db.session.scalars(db.select(DuplicatePair)).one()
        assert pair.status == "flagged" and pair.flagged_by_id is not None
    boss = new_browser()
    boss.login("supervisor")
    review = boss.get("/duplicates/").get_data(as_text=True)
    assert theirs.case_number in review and "Flagged by an officer" in review and "Mohamed Ali" in review


def test_a_document_number_already_registered_is_a_strong_match_whatever_the_name(app, logged_in, officer, register):
    first = register(officer, documents=(DocumentData("passport", "P-SO 123 4567"),), **HASSAN)
    response = logged_in.submit(FORM, form_for(given_names="Abdi", family_name="Warsame", date_of_birth="1980-01-01",
                                               **{"documents-0-type": "passport", "documents-0-number": "pso1234567"}))  # fmt: skip
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert first.case_number in page and "Same identity document number" in page


def test_a_new_person_is_registered_without_a_detour(app, logged_in, officer, register):
    register(officer, **HASSAN)
    response = logged_in.submit(FORM, form_for(given_names="Claudine", family_name="Niyonsaba", sex="female",
                                               nationality="BDI", date_of_birth="2001-09-09"))  # fmt: skip
    assert response.status_code == 302


def test_the_check_covers_every_member_of_the_household(app, officer, register):
    child = register(officer, given_names="Amina", family_name="Hassan", sex="female", nationality="SOM",
                     date_of_birth=date(2015, 3, 3), dob_precision="exact")  # fmt: skip
    with app.app_context():
        actor = db.session.get(User, officer.id)
        data = RegistrationData(border_point="MNY", **{**HASSAN, "given_names": "Abdi"}, consent_given=True,
                                consent_date=date(2026, 1, 5), acknowledged_candidates=(),
                                members=(MemberData("child", "Aminah", "Hasan", "female", "SOM",
                                                    date_of_birth=date(2015, 3, 3), dob_precision="exact"),))  # fmt: skip
        with pytest.raises(PossibleDuplicates) as found:
            registration.register(actor, data, today=date.today(), timezone="Africa/Dar_es_Salaam", ip_address=None)
        head, member = found.value.candidates
        assert head == [] and [c.case_number for c in member] == [child.case_number]
        assert member[0].may_see_details and member[0].details.given_names == "Amina"


def test_two_heads_or_a_person_listed_twice_are_refused_by_the_service(app, officer):
    with app.app_context():
        actor = db.session.get(User, officer.id)
        twice = MemberData("child", "Amina", "Hassan", "female", "SOM")
        data = RegistrationData(border_point="MNY", **HASSAN, consent_given=True, consent_date=date(2026, 1, 5),
                                members=(MemberData("head", "Abdi", "Hassan", "male", "SOM"), twice, twice))  # fmt: skip
        with pytest.raises(InvalidDetails) as refused:
            registration.register(actor, data, today=date.today(), timezone="Africa/Dar_es_Salaam", ip_address=None)
        assert "one head" in refused.value.fields["members-0-relationship"]
        assert "listed twice" in refused.value.fields["members-2-given_names"]
        assert count(Person) == 0


def test_blocking_keys_follow_every_change_of_what_is_compared(app, officer, register):
    case = register(officer, **HASSAN)
    with app.app_context():
        keys = set(db.session.scalars(db.select(PersonMatchKey.key).filter_by(person_id=case.person_id)))
        assert any(key.startswith("n2") for key in keys)
        person = db.session.get(Person, case.person_id)
        person.documents.append(IdentityDocument(type="passport", number="X1", number_normalised="X1"))
        db.session.commit()
        assert "doc:X1" in set(db.session.scalars(db.select(PersonMatchKey.key).filter_by(person_id=person.id)))


# --- The supervisor's review ---------------------------------------------------------------------


@pytest.fixture
def pair(app, officer, other_officer, register):  # type: ignore[no-untyped-def]
    mine = register(officer, documents=(DocumentData("national_id", "SO-55"),), **HASSAN)
    theirs = register(other_officer, **{**HASSAN, "given_names": "Muhammad Ali", "family_name": "Hasan"})
    with app.app_context():
        checked, added = duplicates.find_duplicates()
        db.session.commit()
        assert (checked, added) == (2, 1)
        found = db.session.scalars(db.select(DuplicatePair)).one()
        return found.id, mine, theirs


def test_find_duplicates_fills_the_review_list_once(app, runner, pair):
    result = runner.invoke(args=["registry", "find-duplicates"])
    assert result.exit_code == 0 and "0 new suspected pairs" in result.output
    with app.app_context():
        assert count(DuplicatePair) == 1


def test_a_supervisor_merges_and_undoes_a_merge(app, new_browser, national_supervisor, pair):
    pair_id, mine, theirs = pair
    with app.app_context():
        # Their record was corrected once: that history moves with them.
        db.session.add(PersonChange(person_id=theirs.person_id, field="phone", old_value="+252 61 000 000",
                                    new_value=None, reason="Lost phone", actor_id=national_supervisor.id))  # fmt: skip
        db.session.commit()
    boss = new_browser()
    boss.login("supervisor")
    page = boss.get("/duplicates/").get_data(as_text=True)
    assert mine.case_number in page and theirs.case_number in page
    bad = boss.submit(f"/duplicates/{pair_id}/merge", {"keep": str(mine.person_id), "reason": ""}, form_url="/duplicates/")
    assert bad.status_code == 302
    with app.app_context():
        assert db.session.get(Person, theirs.person_id).merged_into_id is None
    boss.submit(f"/duplicates/{pair_id}/merge", {"keep": str(mine.person_id), "reason": "Same passport photo"},
                form_url="/duplicates/")  # fmt: skip
    with app.app_context():
        merged = db.session.get(Person, theirs.person_id)
        kept = db.session.get(Person, mine.person_id)
        assert merged.merged_into_id == kept.id  # kept as an alias
        their_case = db.session.scalars(db.select(Case).filter_by(case_number=theirs.case_number)).one()
        assert their_case.principal_id == kept.id
        assert [m.person_id for m in their_case.members] == [kept.id]
        assert their_case.events[-1].kind == "people_merged" and their_case.events[-1].reason == "Same passport photo"
        assert "Muhammad Ali Hasan" in kept.other_names
        assert db.session.get(DuplicatePair, pair_id).status == "merged"
        assert db.session.scalars(db.select(PersonChange.person_id)).one() == kept.id
    page = boss.get("/duplicates/").get_data(as_text=True)
    merge_id = re.search(r'/duplicates/merges/(\d+)/undo', page).group(1)
    boss.submit(f"/duplicates/merges/{merge_id}/undo", {"reason": "Two brothers after all"}, form_url="/duplicates/")
    with app.app_context():
        merged = db.session.get(Person, theirs.person_id)
        assert merged.merged_into_id is None
        their_case = db.session.scalars(db.select(Case).filter_by(case_number=theirs.case_number)).one()
        assert their_case.principal_id == merged.id and their_case.events[-1].kind == "merge_undone"
        assert db.session.get(Person, mine.person_id).other_names == ""
        assert db.session.get(DuplicatePair, pair_id).status == "flagged"
        assert db.session.scalars(db.select(PersonChange.person_id)).one() == merged.id


def test_a_merge_across_border_points_the_supervisor_does_not_hold_is_refused(app, new_browser, supervisor, pair):
    pair_id, mine, theirs = pair
    boss = new_browser()
    boss.login("supervisor.mny")  # holds MNY only; the pair spans MNY and KBG
    assert theirs.case_number not in boss.get("/duplicates/").get_data(as_text=True)
    response = boss.submit(f"/duplicates/{pair_id}/merge", {"keep": str(mine.person_id), "reason": "Same person"},
                           form_url="/duplicates/")  # fmt: skip
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(Person, theirs.person_id).merged_into_id is None
        with pytest.raises(NotFound):
            duplicates.merge_people(db.session.get(User, supervisor.id), mine.person_id, theirs.person_id,
                                    reason="Same person", ip_address=None)  # fmt: skip


def test_a_person_cannot_be_merged_with_themselves(app, national_supervisor, pair):
    _pair_id, mine, _theirs = pair
    with app.app_context():
        with pytest.raises(InvalidDetails, match="themselves"):
            duplicates.merge_people(db.session.get(User, national_supervisor.id), mine.person_id, mine.person_id,
                                    reason="Same person", ip_address=None)  # fmt: skip
        assert count(CaseMember) == 2


def test_not_a_duplicate_is_remembered_and_never_shown_again(app, new_browser, national_supervisor, pair):
    pair_id, mine, _theirs = pair
    boss = new_browser()
    boss.login("supervisor")
    boss.submit(f"/duplicates/{pair_id}/not-duplicate", {"reason": "Different fathers' names"}, form_url="/duplicates/")
    assert mine.case_number not in boss.get("/duplicates/").get_data(as_text=True)
    with app.app_context():
        assert duplicates.find_duplicates() == (2, 0)
        assert db.session.get(DuplicatePair, pair_id).status == "not_duplicate"


def test_an_officer_cannot_resolve_duplicates(app, browser, officer, pair):
    pair_id, mine, _theirs = pair
    browser.login("officer.mny")
    assert browser.get("/duplicates/").status_code == 403
    response = browser.submit(f"/duplicates/{pair_id}/merge", {"keep": str(mine.person_id), "reason": "Same"},
                              form_url=FORM)  # fmt: skip
    assert response.status_code == 403


def test_a_less_likely_match_does_not_stop_the_registration_but_is_listed(app, logged_in, officer, register):
    sister = register(officer)  # Aline Ndayishimiye, born 1990-05-17
    response = logged_in.submit(FORM, form_for(given_names="Claudine", family_name="Ndayishimiye", sex="female",
                                               nationality="BDI", date_of_birth="1990-05-17"))  # fmt: skip
    assert response.status_code == 302
    page = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "Less likely matches" in page and sister.case_number in page
    with app.app_context():
        assert count(Case) == 2 and count(DuplicatePair) == 0


def test_find_duplicates_computes_the_keys_of_people_registered_before_them(app, runner, officer, register):
    first = register(officer, **HASSAN)
    second = register(officer, **{**HASSAN, "given_names": "Muhammad Ali"})
    with app.app_context():
        # As after migration 0401: people without blocking keys, whom the check cannot find.
        db.session.execute(db.delete(PersonMatchKey))
        db.session.commit()
    result = runner.invoke(args=["registry", "find-duplicates"])
    assert result.exit_code == 0, result.output
    assert "blocking keys computed for 2" in result.output and "1 new suspected pairs" in result.output
    with app.app_context():
        pair = db.session.scalars(db.select(DuplicatePair)).one()
        assert {pair.person_id, pair.other_person_id} == {first.person_id, second.person_id}
        assert count(PersonMatchKey) > 0


def test_a_person_registered_twice_already_still_stops_the_registration(app, logged_in, officer, other_officer,
                                                                        register):  # fmt: skip
    # Two records share the likelihood (neither is "likely" against the other): still a look first.
    register(other_officer, **HASSAN)
    register(officer, **{**HASSAN, "given_names": "Mohamed Aly"})
    response = logged_in.submit(FORM, form_for())
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert page.count('<tr class="candidate') == 2 and "Other registered people match as well" in page


def test_a_registration_is_checked_without_the_write_lock_and_catches_a_duplicate_registered_meanwhile(
        app, logged_in, officer, register, monkeypatch):  # fmt: skip
    """On SQLite the form is checked (validation, photo, duplicate check) in a snapshot and only
    written under the write lock: another officer who registers the same person while this one is
    being checked is not kept waiting, and is found when this registration is written."""
    real_check = registration.check
    registered_meanwhile: list = []
    started: list[bool] = []

    def check_while_another_officer_registers(*args, **kwargs):  # type: ignore[no-untyped-def]
        checked = real_check(*args, **kwargs)
        if not started:  # the other officer's own registration is checked here too
            started.append(True)
            registered_meanwhile.append(register(officer, **HASSAN))  # its own session, committed
        return checked

    monkeypatch.setattr(registration, "check", check_while_another_officer_registers)
    response = logged_in.submit(FORM, form_for())
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Possible matches" in page and registered_meanwhile[0].case_number in page
    assert 'value="Muhammad Ali"' in page
    with app.app_context():
        assert count(Case) == 1  # the other officer's only
    # Confirmed as a different person, it is registered: the check is not repeated for nothing.
    response = logged_in.submit(FORM, {**form_for(), "candidates_shown": shown_ids(page), "confirm_different": "y"})
    assert response.status_code == 302
    with app.app_context():
        assert count(Case) == 2 and count(DuplicatePair) == 1
