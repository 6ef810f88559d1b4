"""The name search index (`case_name_token`): whoever writes a name, a membership or a case's
border point, the index holds exactly each member's words under the case's border point, and a
search finds the case where it now is, by the names it now has."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import text

from registry.extensions import db
from registry.models import Case, CaseMember, Person, User
from registry.services import duplicates, household, retention, rights, workflow
from registry.services.cases import CaseFilters, list_cases
from registry.services.registration import MemberData

TIMEZONE = "Africa/Dar_es_Salaam"

# What the index must hold: every word of every member of every case (as migration 0703 fills it).
DERIVED = """SELECT c.border_point_id, t.token, c.registered_at, c.id, t.person_id
    FROM person_name_token t JOIN case_member m ON m.person_id = t.person_id JOIN case_file c ON c.id = m.case_id"""
INDEXED = "SELECT border_point_id, token, registered_at, case_id, person_id FROM case_name_token"


def assert_in_step() -> None:
    indexed, derived = db.session.execute(text(INDEXED)).all(), db.session.execute(text(DERIVED)).all()
    assert sorted(indexed) == sorted(derived)
    assert derived, "nothing indexed: the test would prove nothing"


def found(user: Any, query: str) -> list[str]:
    """Case numbers of the user's search, as the case list finds them."""
    with db.session.no_autoflush:
        page = list_cases(db.session.get(User, user.id), CaseFilters(q=query), timezone=TIMEZONE, per_page=50,
                          count_limit=1000)  # fmt: skip
    return sorted(case.case_number for case in page.cases)


@pytest.fixture
def both_points(create_user):  # type: ignore[no-untyped-def]
    """An officer at each of two border points, and a supervisor of both."""
    return (create_user("officer.mny", "officer", ("MNY",)), create_user("officer.kbg", "officer", ("KBG",)),
            create_user("supervisor.both", "supervisor", ("MNY", "KBG")))  # fmt: skip


def _member(given: str, family: str, relationship: str = "child") -> MemberData:
    return MemberData(relationship, given, family, "female", "BDI", date_of_birth=date(2015, 3, 1),
                      dob_precision="exact")  # fmt: skip


def test_a_registration_files_every_members_words_under_the_cases_border_point(app, register, both_points):
    mny, kbg, _ = both_points
    case = register(mny, given_names="Aline", family_name="Niyonzima",
                    members=(_member("Keza", "Irakoze"),))  # fmt: skip
    with app.app_context():
        assert_in_step()
        assert found(mny, "keza irak") == found(mny, "niyon") == [case.case_number]
        assert found(kbg, "keza") == found(kbg, "niyonzima") == []


def test_every_word_typed_must_match_the_same_member(app, register, both_points):
    mny, _, _ = both_points
    case = register(mny, given_names="Aline", family_name="Niyonzima", members=(_member("Keza", "Irakoze"),))
    with app.app_context():
        assert found(mny, "aline niyonzima") == found(mny, "irakoze keza") == [case.case_number]
        assert found(mny, "aline irakoze") == []


def test_a_transferred_case_is_found_at_its_new_border_point_only(app, register, both_points):
    mny, kbg, boss = both_points
    case = register(mny, given_names="Aline", family_name="Niyonzima", members=(_member("Keza", "Irakoze"),))
    with app.app_context():
        version = db.session.get(Case, case.id).version
        workflow.transfer(db.session.get(User, boss.id), case.case_number, version, "KBG", "Moved to Kabanga")
        db.session.commit()
        assert_in_step()
        assert found(mny, "niyonzima") == found(mny, "keza") == []
        assert found(kbg, "niyonzima") == found(kbg, "keza") == [case.case_number]
        assert found(boss, "irakoze") == [case.case_number]


def test_a_member_added_is_found_and_one_split_off_is_found_in_their_own_case(app, register, both_points):
    mny, _, _ = both_points
    case = register(mny, given_names="Aline", family_name="Niyonzima")
    with app.app_context():
        actor = db.session.get(User, mny.id)
        version = db.session.get(Case, case.id).version
        child = household.add_member(actor, case.case_number, _member("Keza", "Irakoze"), reason="Born here",
                                     case_version=version, today=date.today(), ip_address=None)  # fmt: skip
        db.session.commit()
        assert_in_step()
        assert found(mny, "keza irakoze") == [case.case_number]
        version = db.session.get(Case, case.id).version
        own = household.split_member(actor, case.case_number, child.id, reason="Now an adult", case_version=version,
                                     timezone=TIMEZONE, ip_address=None)  # fmt: skip
        db.session.commit()
        assert_in_step()
        assert found(mny, "keza irakoze") == [own.case_number]
        assert found(mny, "aline") == [case.case_number]


def test_a_member_removed_is_no_longer_found_in_the_case(app, register, both_points):
    mny, _, _ = both_points
    case = register(mny, given_names="Aline", family_name="Niyonzima", members=(_member("Keza", "Irakoze"),))
    with app.app_context():
        member = db.session.scalars(db.select(CaseMember).where(CaseMember.case_id == case.id,
                                                                CaseMember.relationship_to_head == "child")).one()
        db.session.delete(member)
        db.session.commit()
        assert_in_step()
        assert found(mny, "keza") == []
        assert found(mny, "aline") == [case.case_number]


def test_a_corrected_name_is_found_by_the_new_words_only(app, register, both_points):
    mny, _, _ = both_points
    case = register(mny, given_names="Ineza", family_name="Niyonzima")
    with app.app_context():
        person = db.session.get(Person, case.person_id)
        correction = rights.PersonCorrection(
            given_names="Inès", family_name="Niyonzima", other_names="Nyiza", sex=person.sex,
            date_of_birth=person.date_of_birth, dob_precision=person.dob_precision, nationality=person.nationality,
            place_of_origin=None, phone=None)  # fmt: skip
        rights.correct_person(db.session.get(User, mny.id), case.case_number, correction, reason="Spelling",
                              person_version=person.version, today=date.today(), ip_address=None)  # fmt: skip
        db.session.commit()
        assert_in_step()
        assert found(mny, "ines") == found(mny, "nyiza") == [case.case_number]
        assert found(mny, "ineza") == []


def test_a_merge_and_its_undo_keep_the_index_in_step(app, register, both_points):
    mny, kbg, boss = both_points
    kept = register(mny, given_names="Aline", family_name="Niyonzima")
    merged = register(kbg, given_names="Alina", family_name="Niyonzima")
    with app.app_context():
        actor = db.session.get(User, boss.id)
        record = duplicates.merge_people(actor, kept.person_id, merged.person_id, reason="Same woman",
                                         ip_address=None)  # fmt: skip
        db.session.commit()
        assert_in_step()
        # The merged person's case now covers the one kept, whose names carry the alias.
        assert found(kbg, "aline") == [merged.case_number]
        assert found(mny, "alina") == [kept.case_number]
        duplicates.undo_merge(actor, record.id, reason="Two women after all", ip_address=None)
        db.session.commit()
        assert_in_step()
        assert found(kbg, "aline") == [] and found(mny, "alina") == []
        assert found(kbg, "alina") == [merged.case_number]


def test_an_anonymised_case_is_found_by_its_names_no_more(app, register, both_points):
    mny, _, _ = both_points
    case = register(mny, given_names="Aline", family_name="Niyonzima", members=(_member("Keza", "Irakoze"),))
    other = register(mny, given_names="Josué", family_name="Niyonzima")
    with app.app_context():
        retention.anonymise_case(db.session.get(Case, case.id))
        db.session.commit()
        assert_in_step()
        assert found(mny, "niyonzima") == [other.case_number]
        assert found(mny, "keza") == []


def test_a_deleted_case_leaves_nothing_in_the_index(app, register, both_points):
    mny, _, _ = both_points
    case = register(mny, given_names="Aline", family_name="Niyonzima", members=(_member("Keza", "Irakoze"),))
    register(mny, given_names="Josué", family_name="Habimana")
    with app.app_context():
        # As a bulk statement would: the members go with the case (ON DELETE CASCADE).
        db.session.execute(text("DELETE FROM case_event WHERE case_id = :id"), {"id": case.id})
        db.session.execute(text("DELETE FROM case_file WHERE id = :id"), {"id": case.id})
        db.session.commit()
        assert_in_step()
        assert found(mny, "niyonzima") == found(mny, "keza") == []


def test_a_national_supervisor_finds_the_name_at_every_border_point(app, register, both_points, national_supervisor):
    mny, kbg, _ = both_points
    here = register(mny, given_names="Aline", family_name="Niyonzima")
    there = register(kbg, given_names="Josué", family_name="Niyonzima")
    with app.app_context():
        assert found(national_supervisor, "niyonzima") == sorted([here.case_number, there.case_number])
        assert found(mny, "niyonzima") == [here.case_number]


def test_a_search_with_another_filter_or_another_order_finds_the_same_cases(app, register, both_points, move_case):
    mny, kbg, _ = both_points
    moved = register(mny, given_names="Aline", family_name="Niyonzima")
    waiting = register(mny, given_names="Josué", family_name="Niyonzima")
    register(kbg, given_names="Keza", family_name="Niyonzima")
    move_case(moved.case_number, mny, "screening")
    with app.app_context():
        actor = db.session.get(User, mny.id)

        def listed(sort: str = "newest", **filters: Any) -> list[str]:
            page = list_cases(actor, CaseFilters(q="niyonzima", **filters), timezone=TIMEZONE, per_page=50,
                              count_limit=1000, sort=sort)  # fmt: skip
            return [case.case_number for case in page.cases]

        newest = listed()
        assert sorted(newest) == sorted([moved.case_number, waiting.case_number])
        assert listed("oldest") == newest[::-1]
        assert listed("case_number") == sorted(newest)
        assert listed(status="screening") == [moved.case_number]
        assert listed(status="registered", sort="oldest") == [waiting.case_number]


def test_a_case_number_is_found_only_among_the_users_border_points(app, register, both_points):
    mny, kbg, _ = both_points
    theirs = register(kbg, given_names="Keza", family_name="Niyonzima")
    with app.app_context():
        assert found(mny, theirs.case_number) == []
        assert found(kbg, theirs.case_number) == [theirs.case_number]
