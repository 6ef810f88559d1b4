"""The schema: migrations match the models, and case numbers never collide under concurrency."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

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
