"""The synthetic data generator: a large load's shortcuts leave the same consistent registry."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from registry import synthetic
from registry.domain import dedupe
from registry.domain.names import name_tokens
from registry.extensions import db
from registry.models import Case, DailyFigure, MonthlyFigure, Person
from registry.services import stats
from tests.conftest import _empty_tables

NOW = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)


@pytest.fixture
def large(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loads from 10 people count as large: the shortcuts of a large load are taken."""
    monkeypatch.setattr(synthetic, "REBUILD_INDEXES_FROM", 10)


def schema() -> set[tuple[str, str, str]]:
    return set(map(tuple, db.session.execute(db.text(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND type IN ('table', 'index', 'trigger') AND name NOT LIKE 'sqlite%'"
    ))))  # fmt: skip


def figures_by_status() -> tuple[Counter[str], Counter[str]]:
    """Cases and people by status, from the dashboard's daily and monthly figures."""
    daily, monthly = Counter[str](), Counter[str]()
    for value, cases, people in db.session.execute(
        db.select(DailyFigure.value, DailyFigure.cases, DailyFigure.people).where(DailyFigure.figure == "status")
    ):  # fmt: skip
        daily[f"{value} cases"] += cases
        daily[f"{value} people"] += people
    for value, cases, people in db.session.execute(
        db.select(MonthlyFigure.value, MonthlyFigure.cases, MonthlyFigure.people).where(MonthlyFigure.figure == "status")
    ):  # fmt: skip
        monthly[f"{value} cases"] += cases
        monthly[f"{value} people"] += people
    return daily, monthly


def counted_by_status() -> Counter[str]:
    """The same, counted from the cases and their members."""
    counted = Counter[str]()
    for status, members in db.session.execute(db.text(
        "SELECT c.status, (SELECT count(*) FROM case_member m WHERE m.case_id = c.id) FROM case_file c"
    )):  # fmt: skip
        counted[f"{status} cases"] += 1
        counted[f"{status} people"] += members
    return counted


def test_a_large_fill_leaves_figures_that_match_the_cases_and_the_triggers_in_place(app, large):
    with app.app_context():
        sqlite = db.engine.dialect.name == "sqlite"
        before = schema() if sqlite else None
        made = synthetic.generate(300, ["MNY", "KBG"], years=1, seed=3, batch_people=40, workers=2, now=NOW)
        assert made.people == 300 and db.session.scalar(db.select(db.func.count()).select_from(Person)) == 300
        if sqlite:
            assert schema() == before  # the same indexes and triggers, no loading table left
            assert db.session.execute(db.text("PRAGMA integrity_check")).scalar_one() == "ok"
        daily, monthly = figures_by_status()
        assert daily == monthly == counted_by_status()
        # The triggers work again: a changed case queues its day for the next count.
        case = db.session.scalars(db.select(Case).where(Case.status == "registered").limit(1)).one()
        db.session.execute(db.text("UPDATE case_file SET status = 'closed' WHERE id = :id"), {"id": case.id})
        queued = db.session.scalar(db.text("SELECT count(*) FROM daily_figure_stale"))
        db.session.commit()
        assert queued >= 1


def all_figures() -> tuple[set[tuple[object, ...]], set[tuple[object, ...]]]:
    daily = set(map(tuple, db.session.execute(db.select(
        DailyFigure.border_point_id, DailyFigure.utc_day, DailyFigure.local_day, DailyFigure.pathway,
        DailyFigure.figure, DailyFigure.value, DailyFigure.cases, DailyFigure.people))))  # fmt: skip
    monthly = set(map(tuple, db.session.execute(db.select(
        MonthlyFigure.border_point_id, MonthlyFigure.month, MonthlyFigure.pathway, MonthlyFigure.figure,
        MonthlyFigure.value, MonthlyFigure.cases, MonthlyFigure.people))))  # fmt: skip
    return daily, monthly


def test_the_figures_a_large_fill_counts_as_it_goes_are_those_a_recount_finds(app, large):
    with app.app_context():
        synthetic.generate(400, ["MNY", "KBG"], years=2, seed=6, batch_people=60, workers=2, now=NOW)
        counted = all_figures()
        assert {figure for _, _, _, _, figure, *_ in counted[0]} >= {"status", "sex_age", "nationality", "vulnerability"}
        stats.recount_all("Africa/Dar_es_Salaam")
        db.session.commit()
        assert all_figures() == counted


def test_filling_an_empty_file_journals_in_memory_and_leaves_it_in_wal_mode(app, large, monkeypatch):
    journals = []
    real = synthetic._journal_in_memory
    monkeypatch.setattr(synthetic, "_journal_in_memory", lambda raw: journals.append(real(raw)) or journals[-1])
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's journal")
        synthetic.generate(100, ["MNY"], seed=2, batch_people=50, workers=0, now=NOW)
        assert journals == [True]
        db.engine.dispose()
        assert db.session.execute(db.text("PRAGMA journal_mode")).scalar_one() == "wal"


def test_generating_into_a_registry_in_use_keeps_its_figures_true(app, large):
    with app.app_context():
        synthetic.generate(120, ["MNY"], years=1, seed=3, batch_people=40, now=NOW)
        # Not empty now: the triggers queue the days, the figures are recounted for them.
        synthetic.generate(80, ["MNY", "KBG"], years=1, seed=4, batch_people=30, workers=2, now=NOW)
        assert db.session.scalar(db.select(db.func.count()).select_from(Person)) == 200
        numbers = db.session.scalars(db.select(Case.case_number)).all()
        assert len(numbers) == len(set(numbers))
        daily, monthly = figures_by_status()
        assert daily == monthly == counted_by_status()


def test_generated_people_carry_the_matchers_blocking_keys_and_their_name_tokens(app, large):
    with app.app_context():
        synthetic.generate(200, ["MNY"], seed=5, batch_people=50, workers=2, now=NOW)
        keys: dict[int, set[str]] = {}
        for key, person_id in db.session.execute(db.text("SELECT key, person_id FROM person_match_key")):
            keys.setdefault(person_id, set()).add(key)
        tokens: dict[int, set[str]] = {}
        for token, person_id in db.session.execute(db.text("SELECT token, person_id FROM person_name_token")):
            tokens.setdefault(person_id, set()).add(token)
        people = db.session.scalars(db.select(Person)).all()
        assert any(person.documents for person in people) and any(person.phone for person in people)
        for person in people:
            assert keys[person.id] == dedupe.blocking_keys(dedupe.Identity.of(person)), person.id
            assert tokens[person.id] == set(name_tokens(person.search_name)), person.id


def test_the_generator_fills_the_name_search_index_whether_the_registry_was_empty_or_not(app, large):
    from tests.test_name_search_index import assert_in_step

    with app.app_context():
        synthetic.generate(120, ["MNY", "KBG"], years=1, seed=3, batch_people=40, workers=2, now=NOW)
        assert_in_step()  # filled at the end of a large load (SQLite), or by the triggers
        synthetic.generate(80, ["MNY", "KBG"], years=1, seed=4, batch_people=30, now=NOW)
        assert_in_step()  # by the triggers


def rows() -> dict[str, list[tuple[object, ...]]]:
    """Every generated row, ids and all."""
    found = {}
    for table in synthetic.TABLE_ORDER:
        columns = ", ".join(f'"{name}"' for name in synthetic.COLUMNS[table])
        found[table] = sorted(map(tuple, db.session.execute(db.text(f'SELECT {columns} FROM "{table}"'))), key=repr)  # noqa: S608 - the generator's own names
    return found


def empty() -> None:
    db.session.remove()
    _empty_tables()


def test_the_same_seed_gives_the_same_registry_whatever_the_number_of_workers(app, large):
    with app.app_context():
        synthetic.generate(150, ["MNY", "KBG"], seed=9, batch_people=40, workers=0, now=NOW)
        alone = rows()
        empty()
        synthetic.generate(150, ["MNY", "KBG"], seed=9, batch_people=40, workers=2, now=NOW)
        assert rows() == alone
        empty()
        synthetic.generate(150, ["MNY", "KBG"], seed=10, batch_people=40, workers=2, now=NOW)
        assert rows()["person"] != alone["person"]
