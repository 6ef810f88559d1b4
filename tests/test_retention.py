"""Retention: `flask registry anonymise-expired` leaves no personal value anywhere, keeps the statistics."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from registry.domain.names import fold
from registry.extensions import db
from registry.models import Base, Case, CaseEvent, Partner, Person, User
from registry.services import rights
from registry.services.registration import DocumentData

PERSONAL = {
    "given_names": "Esperance",
    "family_name": "Nshimirimana",
    "other_names": "Espe Nshimi",
    "phone": "+257 79 123 456",
    "place_of_origin": "Gitega",
    "document": "OP4417782",
}


def _register_and_close(app, officer, register, closed_days_ago: int, **extra):  # type: ignore[no-untyped-def]
    case = register(officer, given_names=PERSONAL["given_names"], family_name=PERSONAL["family_name"],
                    other_names=PERSONAL["other_names"], phone=PERSONAL["phone"],
                    place_of_origin=PERSONAL["place_of_origin"], date_of_birth=date(1990, 5, 17),
                    vulnerabilities=("single_parent",),
                    documents=(DocumentData("passport", PERSONAL["document"], "BDI"),), **extra)  # fmt: skip
    with app.app_context():
        actor = db.session.get(User, officer.id)
        model = db.session.get(Case, case.id)
        model.status, model.closure_reason = "closed", "withdrawn"
        model.destination_place = "near Gitega, with her uncle Nshimirimana"
        closed_at = datetime.now(UTC) - timedelta(days=closed_days_ago)
        model.events.append(CaseEvent(at=closed_at, actor_id=officer.id, kind="transition",
                                      from_status="registered", to_status="closed",
                                      reason="Esperance Nshimirimana withdrew"))  # fmt: skip
        partner = Partner(name="Child Protection Agency", kind="protection_agency")
        db.session.add(partner)
        db.session.flush()
        rights.request_transfer(actor, case.case_number, partner_id=partner.id,
                                purpose="Follow-up of Esperance in Gitega", legal_basis="consent",
                                consent_checked=True, ip_address=None)  # fmt: skip
        db.session.commit()
    return case


def _every_value_in_the_database(app) -> str:  # type: ignore[no-untyped-def]
    with app.app_context():
        values = []
        for table in Base.metadata.sorted_tables:
            for row in db.session.execute(db.select(table)).all():
                values.extend(str(value) for value in row)
    return "\n".join(values)


def test_anonymisation_leaves_no_personal_value_in_any_table(app, runner, officer, register):
    case = _register_and_close(app, officer, register, closed_days_ago=800)
    before = _every_value_in_the_database(app)
    assert PERSONAL["family_name"] in before and PERSONAL["document"] in before  # the search works
    result = runner.invoke(args=["registry", "anonymise-expired"])
    assert result.exit_code == 0, result.output
    assert case.case_number in result.output
    everything = _every_value_in_the_database(app)
    lowered = everything.lower()
    for name, value in PERSONAL.items():
        assert value.lower() not in lowered, name
        assert fold(value) not in fold(everything) or not fold(value), name
    assert "1990-05-17" not in everything and "79 123" not in everything
    assert "Gitega" not in everything and "Espe" not in everything


def test_anonymisation_keeps_the_statistics(app, runner, officer, register):
    case = _register_and_close(app, officer, register, closed_days_ago=800)
    runner.invoke(args=["registry", "anonymise-expired"])
    with app.app_context():
        model = db.session.get(Case, case.id)
        person = db.session.get(Person, case.person_id)
        assert (model.status, model.closure_reason, model.border_point.code) == ("closed", "withdrawn", "MNY")
        assert (person.sex, person.nationality, person.date_of_birth.year) == ("female", "BDI", 1990)
        assert person.dob_precision == "year" and person.vulnerabilities == ["single_parent"]
        assert model.events[-1].kind == "anonymised"


def test_cases_inside_the_retention_period_or_still_open_are_kept(app, runner, officer, register):
    recent = _register_and_close(app, officer, register, closed_days_ago=100)
    open_case = register(officer, family_name="Hakizimana")
    result = runner.invoke(args=["registry", "anonymise-expired"])
    assert "0 case(s)" in result.output
    with app.app_context():
        assert db.session.get(Person, recent.person_id).family_name == PERSONAL["family_name"]
        assert db.session.get(Person, open_case.person_id).family_name == "Hakizimana"


def test_the_retention_period_is_configurable(app_factory, officer, register):
    app = app_factory(RETENTION_DAYS=30)
    case = _register_and_close(app, officer, register, closed_days_ago=31)
    result = app.test_cli_runner().invoke(args=["registry", "anonymise-expired"])
    assert case.case_number in result.output and "1 case(s) anonymised" in result.output


def test_a_dry_run_changes_nothing_and_a_second_run_finds_nothing(app, runner, officer, register):
    case = _register_and_close(app, officer, register, closed_days_ago=800)
    dry = runner.invoke(args=["registry", "anonymise-expired", "--dry-run"])
    assert dry.exit_code == 0 and case.case_number in dry.output and "would be" in dry.output
    with app.app_context():
        assert db.session.get(Person, case.person_id).family_name == PERSONAL["family_name"]
    runner.invoke(args=["registry", "anonymise-expired"])
    again = runner.invoke(args=["registry", "anonymise-expired"])
    assert "0 case(s)" in again.output


def test_the_audit_chain_stays_intact_after_anonymisation(app, runner, officer, register):
    _register_and_close(app, officer, register, closed_days_ago=800)
    runner.invoke(args=["registry", "anonymise-expired"])
    assert runner.invoke(args=["registry", "verify-audit"]).exit_code == 0


def test_anonymisation_blanks_the_change_history_members_and_photos(app, runner, officer, register):
    from pathlib import Path

    from registry.services import household
    from registry.services.registration import MemberData
    from tests.conftest import sample_photo

    member = MemberData("child", "Ineza", PERSONAL["family_name"], "female", "BDI",
                        date_of_birth=date(2015, 1, 1), dob_precision="exact")  # fmt: skip
    case = _register_and_close(app, officer, register, closed_days_ago=800, members=(member,))
    with app.app_context():
        actor = db.session.get(User, officer.id)
        model = db.session.get(Case, case.id)
        child = next(m.person for m in model.members if m.relationship_to_head == "child")
        household.set_photo(actor, case.case_number, child.id, sample_photo(), ip_address=None)
        correction = rights.PersonCorrection(
            given_names="Inès", family_name=child.family_name, other_names="", sex="female",
            date_of_birth=child.date_of_birth, dob_precision="exact", nationality="BDI",
            place_of_origin=None, phone=None)  # fmt: skip
        rights.correct_person(actor, case.case_number, correction, reason="Ineza asked for Inès",
                              person_version=child.version, today=date.today(), ip_address=None,
                              person_id=child.id)  # fmt: skip
        db.session.commit()
        photo = Path(app.config["UPLOAD_FOLDER"], "photos", db.session.get(Person, child.id).photo_filename)
    assert photo.exists() and "Ineza" in _every_value_in_the_database(app)
    assert runner.invoke(args=["registry", "anonymise-expired"]).exit_code == 0
    everything = _every_value_in_the_database(app)
    assert "Ineza" not in everything and "Inès" not in everything and PERSONAL["family_name"] not in everything
    assert not photo.exists()
