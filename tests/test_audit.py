"""The audit trail: a hash chain that shows any edit, deletion or reordering; search terms as keyed hashes."""

from __future__ import annotations

import threading
from itertools import pairwise

import pytest
from sqlalchemy import text

from registry.extensions import db
from registry.models import AuditChainHead, AuditEntry
from registry.models.audit import AuditLogIsAppendOnly
from registry.services import audit


def _write_rows(app, count: int) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        for index in range(count):
            audit.record("case_view", actor=None, actor_username=f"user{index}", object_type="case",
                         object_id=f"MNY-2026-{index:06d}", ip_address="10.0.0.1",
                         details={"fields": ["given_names"], "n": index})  # fmt: skip
        db.session.commit()


def _verify(runner):  # type: ignore[no-untyped-def]
    return runner.invoke(args=["registry", "verify-audit"])


def test_rows_are_numbered_and_linked_in_commit_order(app):
    _write_rows(app, 3)
    _write_rows(app, 2)
    with app.app_context():
        rows = db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.seq)).all()
        assert [row.seq for row in rows] == [1, 2, 3, 4, 5]
        assert rows[0].prev_hash == "0" * 64
        assert all(later.prev_hash == earlier.row_hash for earlier, later in pairwise(rows))
        head = db.session.get(AuditChainHead, 1)
        assert (head.last_seq, head.last_hash) == (5, rows[-1].row_hash)


def test_every_row_hashes_as_the_verifier_recomputes_it_whoever_chained_it(app, runner):
    """On PostgreSQL the database chains each row (one statement), on SQLite Python does: either
    way each row's hash is the one `row_hash()` gives, non-Latin text, quotes and several rows
    in one transaction included, and the recorded entries carry their place in the chain."""
    with app.app_context():
        entries = [
            audit.record("case_view", actor=None, actor_username="نور.الهدى", object_type="case",
                         object_id="MNY-2026-000001", ip_address="2001:db8::1",
                         details={"fields": ["given_names", "family_name"], "note": 'Ньямвезі "Amani" \\ é'}),
            audit.record("case_print", actor=None, actor_username="amani", object_type="case",
                         object_id="MNY-2026-000002", details={}),
            audit.record("page_view", actor=None, actor_username="amani"),
        ]  # fmt: skip
        db.session.commit()
        rows = db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.seq)).all()
        assert [(row.seq, row.prev_hash, row.row_hash) for row in rows] == [
            (entry.seq, entry.prev_hash, entry.row_hash) for entry in entries]
        for row in rows:
            assert row.row_hash == audit.row_hash(row, row.seq, row.prev_hash)
        assert rows[0].details["note"] == 'Ньямвезі "Amani" \\ é'
    assert _verify(runner).exit_code == 0


def test_the_canonical_form_is_the_json_list_it_always_was(app):
    """Rows hashed before the database could chain them must still verify: the canonical bytes
    are json.dumps of [seq, at, ..., details, prev_hash], keys sorted, no spaces, UTF-8."""
    import json
    from datetime import UTC, datetime

    entry = AuditEntry(at=datetime(2026, 11, 28, 21, 0, 0, 123456, tzinfo=UTC), actor_id=7,
                       actor_username="ñandú", action="case_view", object_type="case", object_id="MNY-2026-000001",
                       ip_address=None, details={"z": [1, "二"], "a": {"b": None, "a": True}})  # fmt: skip
    before = json.dumps([41, "2026-11-28T21:00:00.123456Z", 7, "ñandú", "case_view", "case", "MNY-2026-000001",
                         None, entry.details, "ab" * 32], sort_keys=True, separators=(",", ":"),
                        ensure_ascii=False).encode()  # fmt: skip
    assert audit.canonical(entry, 41, "ab" * 32) == before


def test_control_characters_in_a_recorded_path_are_stored_as_replacement_characters(app, runner):
    # A NUL byte typed into a URL: PostgreSQL refuses it in text, and the refusal must be recorded.
    with app.app_context():
        audit.record("access_refused", actor=None, actor_username="someone\x00", object_type="path",
                     object_id="/v/MNY-2026-000001/\x00\x1b", ip_address="10.0.0.1")  # fmt: skip
        db.session.commit()
        row = db.session.scalars(db.select(AuditEntry)).one()
        assert (row.object_id, row.actor_username) == ("/v/MNY-2026-000001/\ufffd\ufffd",
                                                       "someone\ufffd")  # fmt: skip
    assert _verify(runner).exit_code == 0


def test_an_intact_chain_verifies_with_exit_code_0(app, runner):
    _write_rows(app, 5)
    result = _verify(runner)
    assert result.exit_code == 0, result.output
    assert "intact: 5 rows" in result.output


def test_an_empty_log_verifies(runner):
    assert _verify(runner).exit_code == 0


def _sql(app, statement: str, **params) -> None:  # type: ignore[no-untyped-def]
    """Change the table behind the application's back, as someone with database access could."""
    with app.app_context():
        db.session.execute(text(statement), params)
        db.session.commit()


def test_an_edited_row_is_named(app, runner):
    _write_rows(app, 5)
    _sql(app, "UPDATE audit_entry SET object_id = 'MNY-2026-999999' WHERE seq = 3")
    result = _verify(runner)
    assert result.exit_code == 1
    assert "BROKEN at row 3" in result.output and "content does not match" in result.output


def test_an_edited_row_with_its_hash_recomputed_breaks_the_next_link(app, runner):
    _write_rows(app, 5)
    with app.app_context():
        row = db.session.scalars(db.select(AuditEntry).filter_by(seq=3)).one()
        row.action = "nothing_to_see"
        forged = audit.row_hash(row, row.seq, row.prev_hash)
        db.session.expunge(row)
    _sql(app, "UPDATE audit_entry SET action = 'nothing_to_see', row_hash = :hash WHERE seq = 3", hash=forged)
    result = _verify(runner)
    assert result.exit_code == 1 and "BROKEN at row 4" in result.output


def test_a_deleted_row_is_named(app, runner):
    _write_rows(app, 5)
    _sql(app, "DELETE FROM audit_entry WHERE seq = 2")
    result = _verify(runner)
    assert result.exit_code == 1 and "BROKEN at row 2" in result.output and "missing" in result.output


def test_deleted_last_rows_are_noticed_through_the_chain_head(app, runner):
    _write_rows(app, 5)
    _sql(app, "DELETE FROM audit_entry WHERE seq >= 4")
    result = _verify(runner)
    assert result.exit_code == 1 and "row 5" in result.output


def test_reordered_rows_are_named(app, runner):
    _write_rows(app, 5)
    # Swap the places of rows 2 and 3 (through a free number: seq is unique).
    _sql(app, "UPDATE audit_entry SET seq = 1000 WHERE seq = 2")
    _sql(app, "UPDATE audit_entry SET seq = 2 WHERE seq = 3")
    _sql(app, "UPDATE audit_entry SET seq = 3 WHERE seq = 1000")
    result = _verify(runner)
    assert result.exit_code == 1 and "BROKEN at row 2" in result.output


def test_the_orm_refuses_to_change_or_delete_an_audit_row(app):
    _write_rows(app, 1)
    with app.app_context():
        row = db.session.scalars(db.select(AuditEntry)).one()
        row.action = "edited"
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.scalars(db.select(AuditEntry)).one())
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.flush()
        db.session.rollback()


def test_a_rolled_back_transaction_leaves_no_row_and_no_gap(app, runner):
    with app.app_context():
        audit.record("case_view", actor=None)
        db.session.rollback()
        audit.record("case_view", actor=None)
        db.session.commit()
        assert db.session.scalars(db.select(AuditEntry.seq)).all() == [1]
    assert _verify(runner).exit_code == 0


def test_concurrent_writers_never_fork_the_chain(app, runner):
    errors: list[BaseException] = []

    def write() -> None:
        try:
            with app.app_context():
                for index in range(10):
                    audit.record("case_view", actor=None, object_id=str(index))
                    audit.record("print_summary", actor=None, object_id=str(index))
                    db.session.commit()
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=write) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        assert db.session.scalars(db.select(AuditEntry.seq).order_by(AuditEntry.seq)).all() == list(range(1, 121))
    result = _verify(runner)
    assert result.exit_code == 0, result.output


def test_details_keep_field_names_and_long_values_are_cut_before_hashing(app, runner):
    with app.app_context():
        audit.record("x" * 60, actor=None, object_id="y" * 60, details={1: "key becomes text"})
        db.session.commit()
        row = db.session.scalars(db.select(AuditEntry)).one()
        assert len(row.action) == 40 and len(row.object_id) == 40 and row.details == {"1": "key becomes text"}
    assert _verify(runner).exit_code == 0


# --- Search terms: keyed hashes only ------------------------------------------------------------


def _all_text(app) -> str:  # type: ignore[no-untyped-def]
    with app.app_context():
        rows = db.session.execute(db.select(AuditEntry.__table__)).all()
    return " ".join(str(value) for row in rows for value in row)


def test_a_search_is_recorded_as_keyed_hashes_never_as_text(app, browser, officer, register):
    register(officer, family_name="Niyonzima")
    browser.login("officer.mny")
    browser.get("/cases?q=Niyonzima Josué")
    logged = _all_text(app)
    assert "Niyonzima" not in logged and "niyonzima" not in logged and "Josu" not in logged
    with app.app_context():
        row = db.session.scalars(db.select(AuditEntry).filter_by(action="case_list")).one()
        assert row.details["searched"] is True
        assert audit.search_hash("niyonzima") in row.details["search_hashes"]
        assert audit.search_hash("NIYONZIMA josue") in row.details["search_hashes"]


def test_the_search_hash_needs_the_key(app, app_factory):
    with app.app_context():
        ours = audit.search_hash("Niyonzima")
    with app_factory(AUDIT_KEY="another key").app_context():
        assert audit.search_hash("Niyonzima") != ours


def test_an_administrator_learns_who_searched_for_a_name(app, browser, new_browser, officer, other_officer,
                                                         admin, register):  # fmt: skip
    register(officer, family_name="Niyonzima")
    browser.login("officer.mny")
    browser.get("/cases?q=niyonzima")
    other = new_browser()
    other.login("officer.kbg")
    other.get("/cases?q=Hakizimana")
    administrator = new_browser()
    administrator.login("admin")
    page = administrator.get("/audit?search_term=Niyonzima").get_data(as_text=True)
    assert "1 row" in page and "officer.mny" in page and "officer.kbg" not in page
    page = administrator.get("/audit?search_term=Nobody").get_data(as_text=True)
    assert "0 rows" in page
    # The investigator's own search is recorded, its term hashed too.
    assert "Niyonzima" not in _all_text(app)


def test_administrators_filter_the_log(app, browser, new_browser, officer, admin, register):
    case = register(officer)
    browser.login("officer.mny")
    browser.get(f"/cases/{case.case_number}")
    administrator = new_browser()
    administrator.login("admin")
    page = administrator.get(f"/audit?object_id={case.case_number}&action=case_view").get_data(as_text=True)
    assert "1 row" in page and "officer.mny" in page and "Ndayishimiye" not in page
    bad = administrator.get("/audit?since=not-a-date&page=-4")
    assert bad.status_code == 200  # a bad filter is ignored and shown beside its field, not a 500


def test_supervisor_reads_the_access_history_of_a_case(app, browser, new_browser, officer, other_officer,
                                                       supervisor, register):  # fmt: skip
    case = register(officer)
    browser.login("officer.mny")
    browser.get(f"/cases/{case.case_number}")
    browser.get(f"/cases/{case.case_number}/summary.pdf")
    intruder = new_browser()
    intruder.login("officer.kbg")
    intruder.get(f"/cases/{case.case_number}")
    boss = new_browser()
    boss.login("supervisor.mny")
    page = boss.get(f"/cases/{case.case_number}/access").get_data(as_text=True)
    for expected in ("case_view", "print_summary", "access_refused", "officer.kbg", "registration"):
        assert expected in page, expected
    # Officers do not read who opened a case.
    assert browser.get(f"/cases/{case.case_number}/access").status_code == 403
