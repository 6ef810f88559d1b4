"""The schema: migrations match the models, and case numbers never collide under concurrency."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from registry.extensions import db
from registry.models import Base, BorderPoint
from registry.services.registration import next_case_number


def test_migrations_match_the_models(app):
    with app.app_context():
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_sqlite_runs_in_wal_mode_with_foreign_keys(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            return
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_concurrent_registrations_get_distinct_consecutive_numbers(app, create_border_point):
    create_border_point("MNY")
    numbers: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def allocate() -> None:
        try:
            with app.app_context():
                for _ in range(10):
                    point = db.session.scalar(db.select(BorderPoint).filter_by(code="MNY"))
                    number = next_case_number(point, datetime.now(UTC), "Africa/Dar_es_Salaam")
                    db.session.commit()
                    with lock:
                        numbers.append(number)
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=allocate) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    sequences = sorted(int(number.rsplit("-", 1)[1]) for number in numbers)
    assert sequences == list(range(1, 81))


def test_case_number_year_follows_the_configured_time_zone(app, create_border_point):
    create_border_point("MNY")
    # 22:30 UTC on 31 December is already 1 January in Dar es Salaam (UTC+3).
    moment = datetime(2026, 12, 31, 22, 30, tzinfo=UTC)
    with app.app_context():
        point = db.session.scalar(db.select(BorderPoint).filter_by(code="MNY"))
        assert next_case_number(point, moment, "Africa/Dar_es_Salaam") == "MNY-2027-000001"
        assert next_case_number(point, moment, "UTC") == "MNY-2026-000001"
        db.session.rollback()


def stale_partitions(app) -> set[tuple[int, str]]:  # type: ignore[no-untyped-def]
    from registry.models import DailyFigureStale

    with app.app_context():
        rows = db.session.execute(db.select(DailyFigureStale.border_point_id, DailyFigureStale.utc_day)).all()
        db.session.execute(db.delete(DailyFigureStale))
        db.session.commit()
    return {(point, day.isoformat()) for point, day in rows}


def test_every_change_a_figure_depends_on_queues_its_day_for_a_recount(app, officer, register):
    from registry.models import Case, CaseMember, Person, PersonVulnerability

    case = register(officer)
    with app.app_context():
        row = db.session.get(Case, case.id)
        point, day = row.border_point_id, row.registered_at.date().isoformat()
    assert stale_partitions(app) == {(point, day)}  # the registration itself

    changes = [
        lambda row: setattr(row, "status", "screening"),
        lambda row: setattr(row.principal, "sex", "other"),
        lambda row: setattr(row.principal, "date_of_birth", date(1991, 1, 1)),
        lambda row: db.session.add(PersonVulnerability(person_id=row.principal_id, code="disability")),
        lambda row: row.members.append(CaseMember(person=Person(given_names="Keza", sex="female",
                                                                nationality="BDI"), relationship_to_head="child")),
    ]  # fmt: skip
    for change in changes:
        with app.app_context():
            change(db.session.get(Case, case.id))
            db.session.commit()
        assert stale_partitions(app) == {(point, day)}

    with app.app_context():  # a change no figure reads queues nothing
        db.session.get(Case, case.id).destination_place = "Gitega"
        db.session.get(Person, case.person_id).phone = "+255 700 000 000"
        db.session.commit()
    assert stale_partitions(app) == set()

    with app.app_context():
        other = db.session.scalar(db.select(BorderPoint).filter_by(code="MNY"))
        from registry.services import accounts

        moved_to = accounts.add_border_point("KBG", "Kabanga", "TZA")
        db.session.flush()
        row = db.session.get(Case, case.id)
        row.border_point_id = moved_to.id
        db.session.commit()
        assert other.id == point
        moved_id = moved_to.id
    assert stale_partitions(app) == {(point, day), (moved_id, day)}

    with app.app_context():
        db.session.delete(db.session.get(Case, case.id))
        db.session.commit()
    assert (moved_id, day) in stale_partitions(app)


def test_the_bulk_loaders_columns_are_the_tables_columns():
    from registry.models import Base
    from registry.services.stats import DAILY_COLUMNS
    from registry.synthetic import COLUMNS

    tables = Base.metadata.tables
    for name, columns in {**COLUMNS, "daily_figure": DAILY_COLUMNS}.items():
        # Only a generated id may be left out: every other column must be written.
        assert set(tables[name].columns.keys()) - set(columns) <= {"id"}, name
        assert set(columns) <= set(tables[name].columns.keys()), name


def test_a_case_knows_its_principals_nationality_whatever_changes(app, officer, register):
    from registry.models import Case, Person

    case = register(officer, nationality="BDI")
    with app.app_context():
        assert db.session.get(Case, case.id).principal_nationality == "BDI"
        db.session.get(Person, case.person_id).nationality = "COD"
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(Case, case.id).principal_nationality == "COD"
        other = Person(given_names="Other", sex="male", nationality="RWA")
        db.session.add(other)
        db.session.flush()
        db.session.get(Case, case.id).principal_id = other.id
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(Case, case.id).principal_nationality == "RWA"


def test_the_migration_fills_the_search_keys_of_people_already_registered(app):
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from registry.models import Case, Person

    with app.app_context():
        downgrade(revision="0001")
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO border_point (id, code, name, country, active) VALUES (1, 'MNY', 'Manyovu', 'TZA', true);"
            ))
            connection.execute(text(
                "INSERT INTO user_account (id, username, full_name, password_hash, role, active, all_border_points,"
                " session_nonce, created_at) VALUES (1, 'old', '', 'x', 'officer', true, false, 'n', '2025-01-01');"
            ))
            connection.execute(text(
                "INSERT INTO person (id, given_names, family_name, other_names, search_name, sex, nationality,"
                " languages, phone, created_at, updated_at, version) VALUES (1, 'Zoé', 'Ndayishimiye', '',"
                " 'zoe ndayishimiye', 'female', 'BDI', '[]', '+257 79 123 456', '2025-01-01', '2025-01-01', 1)"
            ))
            connection.execute(text(
                "INSERT INTO case_file (id, case_number, border_point_id, principal_id, status, pathway, priority,"
                " version, registered_at, registered_by_id, entry_type, circumstances, consent_given,"
                " fear_of_return_cleared, escort_required, updated_at) VALUES (1, 'MNY-2025-000001', 1, 1,"
                " 'registered', 'undecided', 'normal', 1, '2025-01-01', 1, 'unknown', 'other', true, false, false,"
                " '2025-01-01')"
            ))
            connection.execute(text(
                "INSERT INTO case_member (case_id, person_id, relationship) VALUES (1, 1, 'head')"
            ))
        upgrade()
        person = db.session.get(Person, 1)
        assert person.phone_digits_reversed == "65432197752"
        assert sorted(row.token for row in person.name_token_rows) == ["ndayishimiye", "zoe"]
        assert db.session.get(Case, 1).principal_nationality == "BDI"
        db.session.rollback()
