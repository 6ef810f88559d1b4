"""Beside the moves: notes, follow-ups, assignment and transfer on the case page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from registry.extensions import db
from registry.models import AuditEntry, Case, CaseNote, FollowUp
from registry.models.workflow import NotesAreAppendOnly
from tests.web.test_workflow import page_of, state, version_on


def post(browser, case_number: str, path: str, data: dict):  # type: ignore[no-untyped-def]
    return browser.submit(f"/cases/{case_number}{path}", data, form_url=f"/cases/{case_number}")


def with_version(browser, case_number: str, **data):  # type: ignore[no-untyped-def]
    return {"version": version_on(page_of(browser, case_number)), **data}


@pytest.fixture
def officer_browser(browser, officer):  # type: ignore[no-untyped-def]
    browser.login("officer.mny")
    return browser


@pytest.fixture
def supervisor_browser(new_browser, supervisor):  # type: ignore[no-untyped-def]
    user = new_browser()
    user.login("supervisor.mny")
    return user


# --------------------------------------------------------------------------------------------
# Notes
# --------------------------------------------------------------------------------------------


def test_a_note_is_added_to_the_case_with_its_author(app, officer_browser, officer, register):
    case = register(officer)
    response = post(officer_browser, case.case_number, "/notes",
                    {"text": "Speaks Kirundi only.\nNeeds an interpreter."})  # fmt: skip
    assert response.status_code == 302 and response.headers["Location"].endswith("#notes")
    page = page_of(officer_browser, case.case_number)
    notes = page[page.index('id="note-list"'):]
    assert "Speaks Kirundi only.\nNeeds an interpreter." in notes and "Officer.Mny" in notes
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).filter_by(action="note_added")).one()
        assert "Kirundi" not in str(entry.details)


def test_a_confidential_note_is_seen_by_supervisors_and_its_author_only(app, officer_browser,
                                                                      supervisor_browser, officer,
                                                                      register, new_browser,
                                                                      create_user):  # fmt: skip
    create_user("officer2.mny", "officer", ("MNY",))
    case = register(officer)
    post(officer_browser, case.case_number, "/notes",
         {"text": "Disclosed violence by a family member", "confidential": "y"})  # fmt: skip
    colleague = new_browser()
    colleague.login("officer2.mny")
    assert "Disclosed violence" not in page_of(colleague, case.case_number)
    assert "Disclosed violence" in page_of(supervisor_browser, case.case_number)
    assert "Disclosed violence" in page_of(officer_browser, case.case_number)


@pytest.mark.parametrize("text, message", [("", "This detail is required."), ("   ", "This detail is required."),
                                           ("x" * 5001, "Too long."), ("bell\x07", "not allowed")])  # fmt: skip
def test_a_bad_note_is_refused_and_nothing_is_saved(app, officer_browser, officer, register, text, message):
    case = register(officer)
    response = post(officer_browser, case.case_number, "/notes", {"text": text})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="note-text-error"' in page and message in page
    with app.app_context():
        assert db.session.scalar(select(CaseNote.id)) is None


def test_a_note_cannot_be_changed_once_written(app, officer, register):
    case = register(officer)
    with app.app_context():
        db.session.add(CaseNote(case_id=case.id, author_id=officer.id, text="first"))
        db.session.commit()
        note = db.session.scalars(select(CaseNote)).one()
        note.text = "rewritten"
        with pytest.raises(NotesAreAppendOnly):
            db.session.flush()
        db.session.rollback()


# --------------------------------------------------------------------------------------------
# Follow-ups
# --------------------------------------------------------------------------------------------


def test_a_follow_up_is_added_and_marked_done(app, officer_browser, officer, register, today):
    case = register(officer)
    due = (today + timedelta(days=3)).isoformat()
    response = post(officer_browser, case.case_number, "/follow-ups",
                    {"title": "Check travel document", "due_on": due})  # fmt: skip
    assert response.status_code == 302
    with app.app_context():
        follow_up = db.session.scalars(select(FollowUp)).one()
    page = page_of(officer_browser, case.case_number)
    assert "Check travel document" in page and "Overdue" not in page[page.index('id="follow-ups"'):]
    done = post(officer_browser, case.case_number, f"/follow-ups/{follow_up.id}/done", {})
    assert done.status_code == 302
    page = page_of(officer_browser, case.case_number)
    assert "<s>Check travel document</s>" in page
    timeline = page[page.index('id="timeline"'):]
    assert "Follow-up done" in timeline and "Follow-up added" in timeline


def test_an_overdue_follow_up_is_flagged_on_the_case(app, officer_browser, officer, register, today):
    case = register(officer)
    post(officer_browser, case.case_number, "/follow-ups", {"title": "Confirm arrival", "due_on": today.isoformat()})
    with app.app_context():
        db.session.execute(update(FollowUp).values(due_on=today - timedelta(days=2)))
        db.session.commit()
    page = page_of(officer_browser, case.case_number)
    section = page[page.index('id="follow-ups"'):page.index('id="notes"')]
    assert 'follow-up overdue' in section and "Overdue" in section


@pytest.mark.parametrize("title, due, field, message", [
    ("", "{today}", "title", "This detail is required."),
    ("Check\ndocument", "{today}", "title", "not allowed"),
    ("x" * 201, "{today}", "title", "Too long."),
    ("Check document", "", "due_on", "This detail is required."),
    ("Check document", "next week", "due_on", "Not a valid date"),
    ("Check document", "{yesterday}", "due_on", "Cannot be in the past."),
])  # fmt: skip
def test_a_bad_follow_up_is_refused_with_the_input_kept(app, officer_browser, officer, register,
                                                        today, title, due, field, message):  # fmt: skip
    case = register(officer)
    due = due.format(today=today.isoformat(), yesterday=(today - timedelta(days=1)).isoformat())
    response = post(officer_browser, case.case_number, "/follow-ups", {"title": title, "due_on": due})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="follow_up-{field}-error"' in page and message in page
    if due:
        assert f'value="{due}"' in page
    with app.app_context():
        assert db.session.scalar(select(FollowUp.id)) is None


def test_a_follow_up_marked_done_twice_is_refused_the_second_time(app, officer_browser, officer,
                                                                  register, today):  # fmt: skip
    case = register(officer)
    post(officer_browser, case.case_number, "/follow-ups", {"title": "Call the family", "due_on": today.isoformat()})
    with app.app_context():
        follow_up_id = db.session.scalar(select(FollowUp.id))
    assert post(officer_browser, case.case_number, f"/follow-ups/{follow_up_id}/done", {}).status_code == 302
    again = post(officer_browser, case.case_number, f"/follow-ups/{follow_up_id}/done", {})
    assert again.status_code == 422 and "already marked done" in again.get_data(as_text=True)


def test_a_follow_up_of_another_case_is_404(app, officer_browser, officer, register, today):
    first, second = register(officer), register(officer, given_names="Other")
    post(officer_browser, first.case_number, "/follow-ups", {"title": "Call", "due_on": today.isoformat()})
    with app.app_context():
        follow_up_id = db.session.scalar(select(FollowUp.id))
    response = post(officer_browser, second.case_number, f"/follow-ups/{follow_up_id}/done", {})
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(FollowUp, follow_up_id).done_on is None


def test_a_closed_case_takes_no_follow_up(app, officer_browser, officer, supervisor, register,
                                          move_case, today):  # fmt: skip
    case = register(officer)
    move_case(case.case_number, supervisor, "closed", reason="Registered twice", closure_reason="duplicate")
    response = post(officer_browser, case.case_number, "/follow-ups", {"title": "Call", "due_on": today.isoformat()})
    assert response.status_code == 422 and "reopen it first" in response.get_data(as_text=True)


# --------------------------------------------------------------------------------------------
# Assignment
# --------------------------------------------------------------------------------------------


def test_a_supervisor_assigns_a_case_to_an_officer_of_its_point(app, supervisor_browser, officer,
                                                                register, create_user):  # fmt: skip
    create_user("officer2.mny", "officer", ("MNY",))
    case = register(officer)
    page = page_of(supervisor_browser, case.case_number)
    assert '<option value="officer2.mny">Officer2.Mny</option>' in page
    response = post(supervisor_browser, case.case_number, "/assignment",
                    with_version(supervisor_browser, case.case_number, assigned_to="officer2.mny"))  # fmt: skip
    assert response.status_code == 302
    page = page_of(supervisor_browser, case.case_number)
    assert 'id="assigned-to">Officer2.Mny<' in page
    assert "Assigned to:</dt> <dd class=\"d-inline me-2\">Officer2.Mny" in page


def test_an_officer_may_not_assign(app, officer_browser, officer, register, create_user):
    create_user("officer2.mny", "officer", ("MNY",))
    case = register(officer)
    assert 'action="/cases/' + case.case_number + '/assignment"' not in page_of(officer_browser, case.case_number)
    before = state(app, case.case_number)
    response = post(officer_browser, case.case_number, "/assignment",
                    with_version(officer_browser, case.case_number, assigned_to="officer2.mny"))  # fmt: skip
    assert response.status_code == 403
    assert state(app, case.case_number) == before


@pytest.mark.parametrize("username", ["officer.kbg", "supervisor.mny", "admin", "nobody.at.all"])
def test_a_case_is_assigned_only_to_an_officer_of_its_point(app, supervisor_browser, officer,
                                                            other_officer, admin, register, username):  # fmt: skip
    case = register(officer)
    before = state(app, case.case_number)
    response = post(supervisor_browser, case.case_number, "/assignment",
                    with_version(supervisor_browser, case.case_number, assigned_to=username))  # fmt: skip
    assert response.status_code == 422
    assert "Choose an officer of this case&#39;s border point." in response.get_data(as_text=True)
    assert state(app, case.case_number) == before


def test_an_assignment_on_a_stale_page_is_a_conflict(app, supervisor_browser, officer, register,
                                                     move_case):  # fmt: skip
    case = register(officer)
    seen = version_on(page_of(supervisor_browser, case.case_number))
    move_case(case.case_number, officer, "screening")
    response = post(supervisor_browser, case.case_number, "/assignment", {"version": seen, "assigned_to": ""})
    assert response.status_code == 409
    assert state(app, case.case_number)[1] == int(seen) + 1


# --------------------------------------------------------------------------------------------
# Transfer
# --------------------------------------------------------------------------------------------


@pytest.fixture
def two_point_supervisor(create_user, other_officer):  # type: ignore[no-untyped-def]
    return create_user("supervisor.lake", "supervisor", ("MNY", "KBG"))


def test_a_supervisor_of_both_points_transfers_a_case(app, new_browser, officer, other_officer,
                                                      two_point_supervisor, register):  # fmt: skip
    case = register(officer)
    supervisor = new_browser()
    supervisor.login("supervisor.lake")
    response = post(supervisor, case.case_number, "/transfer", with_version(
        supervisor, case.case_number, border_point="KBG", reason="The family moved to Kabanga camp"))
    assert response.status_code == 302
    kbg, mny = new_browser(), new_browser()
    kbg.login("officer.kbg")
    mny.login("officer.mny")
    assert kbg.get(f"/cases/{case.case_number}").status_code == 200
    assert mny.get(f"/cases/{case.case_number}").status_code == 404
    page = page_of(supervisor, case.case_number)
    timeline = page[page.index('id="timeline"'):]
    assert "Transferred" in timeline and "The family moved to Kabanga camp" in timeline
    # The Manyovu officer who followed it does not work in Kabanga: nobody follows it now.
    assert 'id="assigned-to">Nobody yet<' in page
    with app.app_context():
        moved = db.session.scalar(select(Case).filter_by(case_number=case.case_number))
        assert moved.border_point.code == "KBG" and moved.case_number == case.case_number
        assert db.session.scalars(select(AuditEntry).filter_by(action="case_transferred")).one()


def test_a_supervisor_of_one_point_is_offered_no_transfer_and_is_refused_one(app, supervisor_browser,
                                                                           officer, other_officer,
                                                                           register):  # fmt: skip
    case = register(officer)
    assert "/transfer\"" not in page_of(supervisor_browser, case.case_number)
    before = state(app, case.case_number)
    response = post(supervisor_browser, case.case_number, "/transfer", with_version(
        supervisor_browser, case.case_number, border_point="KBG", reason="Moved"))
    assert response.status_code == 422
    assert state(app, case.case_number) == before


def test_a_transfer_needs_a_reason(app, new_browser, officer, two_point_supervisor, register):
    case = register(officer)
    supervisor = new_browser()
    supervisor.login("supervisor.lake")
    response = post(supervisor, case.case_number, "/transfer",
                    with_version(supervisor, case.case_number, border_point="KBG", reason=" "))  # fmt: skip
    assert response.status_code == 422
    assert re.search(r'id="transfer-reason-error"[^>]*>This detail is required', response.get_data(as_text=True))


def test_an_officer_may_not_transfer(app, officer_browser, officer, register):
    case = register(officer)
    response = post(officer_browser, case.case_number, "/transfer",
                    with_version(officer_browser, case.case_number, border_point="KBG", reason="Moved"))  # fmt: skip
    assert response.status_code == 403
