"""`flask registry ...` commands."""

from __future__ import annotations

import pytest

from registry.extensions import db
from registry.models import BorderPoint, Case, User


def count(app, model) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_init_is_idempotent(runner):
    for _ in range(2):
        result = runner.invoke(args=["registry", "init"])
        assert result.exit_code == 0, result.output
        assert "Database ready" in result.output


def test_add_border_point_and_refuse_a_bad_code(app, runner):
    result = runner.invoke(args=["registry", "add-border-point", "MNY", "Manyovu", "--country", "TZA",
                                 "--region", "Kigoma"])  # fmt: skip
    assert result.exit_code == 0 and "Manyovu (MNY)" in result.output
    result = runner.invoke(args=["registry", "add-border-point", "M1", "Bad", "--country", "TZA"])
    assert result.exit_code == 1 and "2 to 8 letters" in result.output
    result = runner.invoke(args=["registry", "add-border-point", "KBG", "Kabanga", "--country", "ZZZ"])
    assert result.exit_code == 1 and "Unknown country code" in result.output
    assert count(app, BorderPoint) == 1


def test_create_user_reads_the_password_from_stdin(app, runner, create_border_point):
    create_border_point("MNY")
    result = runner.invoke(args=["registry", "create-user", "neema", "--role", "officer",
                                 "--border-point", "MNY", "--password-stdin"],
                           input="a long enough password\n")  # fmt: skip
    assert result.exit_code == 0, result.output
    client = app.test_client()
    from tests.conftest import Browser

    response = Browser(client).login("neema", "a long enough password")
    assert response.status_code == 302


def test_create_user_refuses_short_passwords_and_unknown_points(app, runner, create_border_point):
    create_border_point("MNY")
    short = runner.invoke(args=["registry", "create-user", "neema", "--role", "officer",
                                "--border-point", "MNY", "--password-stdin"], input="short\n")  # fmt: skip
    assert short.exit_code == 1 and "at least 12 characters" in short.output
    unknown = runner.invoke(args=["registry", "create-user", "neema", "--role", "officer",
                                  "--border-point", "XYZ", "--password-stdin"],
                            input="a long enough password\n")  # fmt: skip
    assert unknown.exit_code == 1 and "Unknown border point: XYZ" in unknown.output
    national = runner.invoke(args=["registry", "create-user", "grace", "--role", "supervisor",
                                   "--all-border-points", "--password-stdin"],
                             input="a long enough password\n")  # fmt: skip
    assert national.exit_code == 0
    assert count(app, User) == 1


def test_demo_loads_once_and_prints_the_logins(app, runner):
    first = runner.invoke(args=["registry", "demo"])
    assert first.exit_code == 0, first.output
    assert "officer.mny" in first.output and "border-demo-2026" in first.output
    cases = count(app, Case)
    assert 45 <= cases <= 60
    second = runner.invoke(args=["registry", "demo"])
    assert second.exit_code == 0 and "already there" in second.output
    assert count(app, Case) == cases
    with app.app_context():
        codes = set(db.session.scalars(db.select(BorderPoint.code)))
    assert codes == {"MNY", "KBG", "RSM", "MTK"}


def test_demo_refuses_a_production_configuration(app_factory):
    app = app_factory(ENV="production")
    result = app.test_cli_runner().invoke(args=["registry", "demo"])
    assert result.exit_code == 1 and "production" in result.output


def test_workflow_diagram_prints_the_transition_table_as_mermaid(runner):
    result = runner.invoke(args=["registry", "workflow-diagram"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "stateDiagram-v2"
    assert "    return_requested --> return_approved: approve_return (supervisor)" in lines
    assert "    closed --> screening: reopen (supervisor)" in lines


def test_the_workflow_doc_shows_exactly_the_diagram_the_command_prints(runner):
    from pathlib import Path

    doc = (Path(__file__).resolve().parent.parent / "docs" / "workflow.md").read_text()
    printed = runner.invoke(args=["registry", "workflow-diagram"]).output
    blocks = doc.split("```mermaid\n")
    assert len(blocks) == 2, "docs/workflow.md holds one Mermaid diagram"
    assert blocks[1].split("```")[0] == printed, "run `flask registry workflow-diagram` into docs/workflow.md"


def test_demo_cases_are_spread_along_the_workflow_and_keep_its_rules(app, runner, today):
    from registry.domain.workflow import check_invariants
    from registry.models import FollowUp

    assert runner.invoke(args=["registry", "demo"]).exit_code == 0
    with app.app_context():
        cases = db.session.scalars(db.select(Case)).all()
        statuses = {case.status for case in cases}
        problems = {case.case_number: check_invariants(case) for case in cases if check_invariants(case)}
        overdue = db.session.scalar(db.select(db.func.count()).select_from(FollowUp).where(
            FollowUp.done_on.is_(None), FollowUp.due_on < today))
        assigned_elsewhere = db.session.scalar(db.select(db.func.count()).select_from(Case).where(
            Case.assigned_to_id.is_not(None), Case.assigned_to_id != Case.registered_by_id))
    assert problems == {}
    assert len(statuses) >= 10 and {"return_requested", "closed", "regularised", "referred"} <= statuses
    assert overdue == 2
    assert assigned_elsewhere >= 3


def test_stats_prints_the_months_figures_as_csv(app, runner, officer, register, today):
    import csv
    import io
    from datetime import date

    register(officer, sex="female", date_of_birth=date(1990, 5, 17))
    register(officer, sex="male", date_of_birth=date(2020, 1, 1), nationality="COD")
    result = runner.invoke(args=["registry", "stats", "--from", "2020-01-01", "--to", today.isoformat(),
                                 "--border-point", "MNY", "--format", "csv"])  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.output)))
    assert rows[0] == ["figure", "category", "subcategory", "value"]
    figures = {(figure, category, subcategory): value for figure, category, subcategory, value in rows[1:]}
    assert figures[("people_registered", "", "")] == "2"
    assert figures[("cases_by_status", "registered", "")] == "2"
    assert figures[("people_by_nationality", "COD", "")] == "1"
    assert figures[("people_by_sex_and_age", "female", "18-59")] == "1"
    assert figures[("people_by_sex_and_age", "male", "5-11")] == "1"
    assert figures[("people_registered_per_month", today.isoformat()[:7], "")] == "2"
    assert figures[("overdue_follow_ups", "", "")] == "0"
    with app.app_context():
        from registry.models import AuditEntry

        entry = db.session.scalars(db.select(AuditEntry).filter_by(action="stats_report")).one()
        assert entry.details["border_points"] == ["MNY"]


@pytest.mark.parametrize("args, message", [
    (["--from", "2026-05-01", "--to", "2026-01-01"], "The end of the period is before its start."),
    (["--from", "2026-01-01", "--to", "2026-01-31", "--border-point", "XYZ"], "Unknown border point: XYZ"),
    (["--from", "01/01/2026", "--to", "2026-01-31"], "Invalid value for '--from'"),
    (["--from", "2026-01-01", "--to", "2026-01-31", "--format", "pdf"], "Invalid value for '--format'"),
])  # fmt: skip
def test_stats_refuses_bad_input_with_a_message(app, runner, officer, args, message):
    result = runner.invoke(args=["registry", "stats", *args])
    assert result.exit_code != 0
    assert message in result.output


def test_generate_fills_the_database_with_consistent_cases(app, runner):
    from registry.domain.workflow import check_invariants
    from registry.models import CaseEvent, CaseMember, Person

    result = runner.invoke(args=["registry", "generate", "--people", "300", "--border-point", "MNY",
                                 "--border-point", "KBG", "--years", "1"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "300 people in" in result.output
    with app.app_context():
        assert count(app, Person) == 300
        cases = db.session.scalars(db.select(Case)).all()
        assert {case.border_point.code for case in cases} == {"MNY", "KBG"}
        problems = {case.case_number: check_invariants(case) for case in cases}
        assert {number: found for number, found in problems.items() if found} == {}
        # One case per household; each case's timeline begins with its registration.
        assert db.session.scalar(db.select(db.func.count()).select_from(CaseMember)) == 300
        first_events = db.session.execute(
            db.select(CaseEvent.case_id, db.func.min(CaseEvent.id)).group_by(CaseEvent.case_id)
        ).all()
        kinds = {db.session.get(CaseEvent, event_id).kind for _, event_id in first_events}
        assert kinds == {"registered"} and len(first_events) == len(cases)
        numbers = sorted(case.case_number for case in cases if case.case_number.startswith("MNY"))
        assert len(set(numbers)) == len(numbers)


def test_a_large_fill_builds_the_indexes_again_after_the_load(app, runner, monkeypatch):
    from registry import synthetic

    def indexes() -> set[tuple[str, str]]:
        with app.app_context():
            return set(db.session.execute(db.text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")).all())  # fmt: skip

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the indexes are dropped and built again on SQLite only")
    before = indexes()
    monkeypatch.setattr(synthetic, "REBUILD_INDEXES_FROM", 10)
    result = runner.invoke(args=["registry", "generate", "--people", "200", "--border-point", "MNY"])
    assert result.exit_code == 0, result.output
    assert indexes() == before
    with app.app_context():
        assert count(app, Case) > 0
        assert db.session.execute(db.text("PRAGMA integrity_check")).scalar_one() == "ok"
        # The list's index answers again: a filter by nationality reads it, not the whole table.
        plan = " ".join(str(row[-1]) for row in db.session.execute(db.text(
            "EXPLAIN QUERY PLAN SELECT id FROM case_file WHERE principal_nationality = 'BDI' ORDER BY registered_at")))  # fmt: skip
        assert "ix_case_file_nationality_registered" in plan


def test_a_large_fill_that_fails_keeps_no_half_batch_and_its_indexes(app, monkeypatch):
    from registry import synthetic
    from registry.models import Person

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the indexes are dropped and built again on SQLite only")
        schema = "SELECT type, name, sql FROM sqlite_master WHERE type IN ('table', 'index', 'trigger') AND name NOT LIKE 'sqlite_stat%'"
        before = set(map(tuple, db.session.execute(db.text(schema))))
        db.session.commit()
        saved = []
        real_save = synthetic._save_sequences

        def failing_save(connection, sequences):  # type: ignore[no-untyped-def]
            saved.append(sequences)
            if len(saved) == 3:
                raise RuntimeError("disk full")  # the rows of the third batch are written, not committed
            return real_save(connection, sequences)

        monkeypatch.setattr(synthetic, "REBUILD_INDEXES_FROM", 10)
        monkeypatch.setattr(synthetic, "_save_sequences", failing_save)
        with pytest.raises(RuntimeError, match="disk full"):
            synthetic.generate(200, ["MNY"], batch_people=20, workers=2)
        db.session.rollback()
        # Indexes and triggers built again, no loading table left behind.
        assert set(map(tuple, db.session.execute(db.text(schema)))) == before
        # Whole batches only: the one that failed left nothing behind, the others all their rows.
        people = db.session.scalar(db.select(db.func.count()).select_from(Person))
        members = db.session.scalar(db.select(db.func.count()).select_from(db.text("case_member")))
        keys = db.session.scalar(db.text("SELECT count(DISTINCT person_id) FROM person_match_key"))
        assert people == members == keys == 40


def test_generate_continues_the_case_numbers_of_a_registry_in_use(app, runner, officer, register):
    existing = register(officer)
    result = runner.invoke(args=["registry", "generate", "--people", "20", "--border-point", "MNY",
                                 "--years", "0.1"])  # fmt: skip
    assert result.exit_code == 0, result.output
    again = register(officer, given_names="After")
    with app.app_context():
        numbers = db.session.scalars(db.select(Case.case_number)).all()
    assert len(numbers) == len(set(numbers))
    assert existing.case_number in numbers and again.case_number in numbers


def test_generate_is_refused_in_production(app_factory):
    app = app_factory(ENV="production")
    result = app.test_cli_runner().invoke(args=["registry", "generate", "--people", "5"])
    assert result.exit_code == 1 and "production" in result.output
