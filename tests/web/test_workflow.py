"""Moving a case on its page: the next steps offered, each step's form, the refusals and their
answers (403, 404, 409, 422), and that a refused step changes nothing."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from registry.extensions import db
from registry.models import AuditEntry, Case, CaseEvent
from tests.conftest import Browser

VERSION = re.compile(r'name="version" type="hidden" value="(\d+)"')


def page_of(browser: Browser, case_number: str) -> str:
    return browser.get(f"/cases/{case_number}").get_data(as_text=True)


def version_on(page: str) -> str:
    match = VERSION.search(page)
    assert match, "no version on the page"
    return match.group(1)


def move(browser: Browser, case_number: str, to: str, *, version: str | None = None, **fields):  # type: ignore[no-untyped-def]
    """Open the case page and send the move's form, as a person would."""
    page = page_of(browser, case_number)
    data = {"to": to, "version": version_on(page) if version is None else version, **fields}
    return browser.submit(f"/cases/{case_number}/transitions", data, form_url=f"/cases/{case_number}")


def state(app, case_number: str) -> tuple[str, int, int]:  # type: ignore[no-untyped-def]
    """Status, version and number of timeline events: what a refused step must not change."""
    with app.app_context():
        case = db.session.scalar(select(Case).filter_by(case_number=case_number))
        events = db.session.scalar(select(func.count()).where(CaseEvent.case_id == case.id))
        return case.status, case.version, events


def offered_steps(page: str) -> list[str]:
    return re.findall(r'<details class="mb-2 step" data-action="([a-z_]+)"', page)


def blocked_steps(page: str) -> list[str]:
    return re.findall(r'class="text-muted mb-2 blocked-step" data-action="([a-z_]+)"', page)


@pytest.fixture
def officer_browser(browser, officer):  # type: ignore[no-untyped-def]
    browser.login("officer.mny")
    return browser


@pytest.fixture
def supervisor_browser(new_browser, supervisor):  # type: ignore[no-untyped-def]
    user = new_browser()
    user.login("supervisor.mny")
    return user


@pytest.fixture
def screening_case(officer, register, move_case):  # type: ignore[no-untyped-def]
    case = register(officer)
    move_case(case.case_number, officer, "screening", fear_of_return="no")
    return case


# --------------------------------------------------------------------------------------------
# What the page offers
# --------------------------------------------------------------------------------------------


def test_an_officer_is_offered_only_the_steps_open_to_them_now(officer_browser, officer, register):
    case = register(officer)
    page = page_of(officer_browser, case.case_number)
    assert offered_steps(page) == ["start_screening"]
    assert page.index('id="next-steps"') < page.index('id="h-person"'), "the next step comes first"


def test_a_supervisor_is_also_offered_to_close(supervisor_browser, officer, register):
    case = register(officer)
    assert offered_steps(page_of(supervisor_browser, case.case_number)) == ["start_screening", "close"]


def test_each_steps_form_asks_for_what_the_step_records(officer_browser, screening_case):
    page = page_of(officer_browser, screening_case.case_number)
    assert offered_steps(page) == ["request_return", "request_regularisation", "refer"]
    form = page[page.index('data-action="request_return"'):page.index('data-action="request_regularisation"')]
    assert 'name="destination_country"' in form and 'name="destination_place"' in form
    assert 'for="request_return-destination_country">Country of return<' in form
    assert 'name="to" type="hidden" value="return_requested"' in form
    assert 'name="travel_document"' not in form


def test_a_step_blocked_by_a_guard_is_shown_with_its_reason(officer_browser, officer, register,
                                                            move_case):  # fmt: skip
    case = register(officer)
    move_case(case.case_number, officer, "screening", fear_of_return="yes")
    page = page_of(officer_browser, case.case_number)
    assert "request_return" in blocked_steps(page)
    assert "waiting for a supervisor to clear it" in page
    assert "refer" in offered_steps(page)


# --------------------------------------------------------------------------------------------
# Moving a case
# --------------------------------------------------------------------------------------------


def test_a_move_changes_the_status_and_writes_its_event_and_audit_row(app, officer_browser,
                                                                     officer, register):  # fmt: skip
    case = register(officer)
    response = move(officer_browser, case.case_number, "screening", fear_of_return="unclear",
                    reason="Counselling started with an interpreter")  # fmt: skip
    assert response.status_code == 302
    page = officer_browser.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-status="screening"' in page and "The case is now: Screening." in page
    timeline = page[page.index('id="timeline"'):]
    assert "Registered → Screening" in timeline
    assert "Counselling started with an interpreter" in timeline
    assert "Fear of return:</dt> <dd class=\"d-inline me-2\">Unclear" in timeline
    with app.app_context():
        event = db.session.scalars(select(CaseEvent).filter_by(kind="transition")).one()
        assert (event.from_status, event.to_status, event.actor_id) == ("registered", "screening", officer.id)
        assert event.details == {"fear_of_return": "unclear"}
        entry = db.session.scalars(select(AuditEntry).filter_by(action="case_transition")).one()
        assert entry.object_id == case.case_number
        assert entry.details["fields"] == ["fear_of_return"]  # names, never the values


def test_a_voluntary_return_needs_two_people_and_ends_closed(app, officer_browser,
                                                            supervisor_browser, screening_case,
                                                            today):  # fmt: skip
    n = screening_case.case_number
    assert move(officer_browser, n, "return_requested", destination_country="BDI",
                destination_place="Makamba").status_code == 302  # fmt: skip
    assert "approve_return" not in offered_steps(page_of(officer_browser, n))
    assert move(supervisor_browser, n, "return_approved").status_code == 302
    assert move(officer_browser, n, "travel_ready", travel_document="Laissez-passer LP-1",
                departure_date=today.isoformat(), departure_point="Manyovu gate",
                fit_to_travel_on=today.isoformat(), escort_required="y").status_code == 302  # fmt: skip
    assert move(officer_browser, n, "departed").status_code == 302  # the scheduled date stands in
    assert move(officer_browser, n, "returned", arrival_confirmed_on=today.isoformat()).status_code == 302
    assert move(supervisor_browser, n, "closed", closure_reason="returned",
                reason="Arrival confirmed by the receiving office").status_code == 302  # fmt: skip
    with app.app_context():
        case = db.session.scalar(select(Case).filter_by(case_number=n))
        assert (case.status, case.pathway, case.closure_reason) == ("closed", "voluntary_return", "returned")
        assert case.escort_required is True and case.departure_date == today
        kinds = [(e.from_status, e.to_status) for e in case.events if e.kind == "transition"]
    assert kinds[-1] == ("returned", "closed") and len(kinds) == 7


def test_the_supervisor_who_requested_a_return_cannot_approve_it(app, supervisor_browser,
                                                                 screening_case):  # fmt: skip
    n = screening_case.case_number
    assert move(supervisor_browser, n, "return_requested", destination_country="BDI").status_code == 302
    page = page_of(supervisor_browser, n)
    assert "approve_return" in blocked_steps(page) and "A return needs two people" in page
    before = state(app, n)
    response = move(supervisor_browser, n, "return_approved")
    assert response.status_code == 422
    assert "A return needs two people" in response.get_data(as_text=True)
    assert state(app, n) == before


def test_a_child_alone_is_approved_only_with_a_bid_recorded_on_the_form(app, officer, supervisor,
                                                                       supervisor_browser, register,
                                                                       move_case, today):  # fmt: skip
    case = register(officer, vulnerabilities=("unaccompanied_child",))
    move_case(case.case_number, officer, "screening", fear_of_return="no")
    move_case(case.case_number, officer, "return_requested", destination_country="BDI")
    page = page_of(supervisor_browser, case.case_number)
    assert 'name="bid_decided_on"' in page and 'name="family_assessment_on"' in page
    refused = move(supervisor_browser, case.case_number, "return_approved")
    assert refused.status_code == 422 and "best-interests determination" in refused.get_data(as_text=True)
    approved = move(supervisor_browser, case.case_number, "return_approved",
                    bid_decided_on=today.isoformat(), bid_outcome="return",
                    family_assessment_on=today.isoformat())  # fmt: skip
    assert approved.status_code == 302
    assert state(app, case.case_number)[0] == "return_approved"


def test_an_adults_approval_form_does_not_ask_for_a_bid(supervisor_browser, officer, screening_case,
                                                        move_case):  # fmt: skip
    move_case(screening_case.case_number, officer, "return_requested", destination_country="BDI")
    page = page_of(supervisor_browser, screening_case.case_number)
    assert "approve_return" in offered_steps(page) and 'name="bid_decided_on"' not in page


def test_a_fear_of_return_blocks_the_return_until_a_supervisor_clears_it(app, officer_browser,
                                                                        supervisor_browser,
                                                                        screening_case):  # fmt: skip
    n = screening_case.case_number
    page = page_of(officer_browser, n)
    assert officer_browser.submit(f"/cases/{n}/fear-of-return",
                                  {"fear_of_return": "yes", "version": version_on(page)},
                                  form_url=f"/cases/{n}").status_code == 302  # fmt: skip
    refused = move(officer_browser, n, "return_requested", destination_country="BDI")
    assert refused.status_code == 422 and "waiting for a supervisor" in refused.get_data(as_text=True)
    page = page_of(supervisor_browser, n)
    cleared = supervisor_browser.submit(f"/cases/{n}/fear-of-return/clear",
                                        {"reason": "Explained by fear of debt collectors, not persecution",
                                         "version": version_on(page)}, form_url=f"/cases/{n}")  # fmt: skip
    assert cleared.status_code == 302
    assert move(officer_browser, n, "return_requested", destination_country="BDI").status_code == 302
    timeline = page_of(officer_browser, n)
    assert "Fear of return cleared" in timeline and "fear of debt collectors" in timeline


def test_an_officer_may_not_clear_a_fear_of_return(app, officer_browser, officer, register, move_case):
    case = register(officer)
    move_case(case.case_number, officer, "screening", fear_of_return="yes")
    page = page_of(officer_browser, case.case_number)
    assert "/fear-of-return/clear" not in page
    before = state(app, case.case_number)
    response = officer_browser.submit(f"/cases/{case.case_number}/fear-of-return/clear",
                                      {"reason": "I think it is fine", "version": version_on(page)},
                                      form_url=f"/cases/{case.case_number}")  # fmt: skip
    assert response.status_code == 403
    assert state(app, case.case_number) == before


# --------------------------------------------------------------------------------------------
# Bad input: a clear refusal, and nothing changes
# --------------------------------------------------------------------------------------------


def test_a_move_not_possible_from_the_current_status_is_422(app, supervisor_browser, officer, register):
    case = register(officer)
    before = state(app, case.case_number)
    response = move(supervisor_browser, case.case_number, "travel_ready")
    assert response.status_code == 422
    assert "A case cannot move from registered to travel_ready." in response.get_data(as_text=True)
    assert state(app, case.case_number) == before


def test_a_move_the_role_may_not_make_is_403(app, officer_browser, officer, register):
    case = register(officer)
    before = state(app, case.case_number)
    response = move(officer_browser, case.case_number, "closed", closure_reason="withdrawn", reason="x")
    assert response.status_code == 403
    assert "Your role may not move a case" in response.get_data(as_text=True)
    assert state(app, case.case_number) == before


def test_a_move_on_another_points_case_is_404_like_a_case_that_does_not_exist(
    app, browser, officer, other_officer, register
):
    case = register(officer)
    browser.login("officer.kbg")
    before = state(app, case.case_number)
    token = browser.csrf_token("/my-cases")
    data = {"csrf_token": token, "to": "screening", "version": "1"}
    response = browser.client.post(f"/cases/{case.case_number}/transitions", data=data)
    unknown = browser.client.post("/cases/MNY-2026-999999/transitions", data=data)
    assert response.status_code == 404 and unknown.status_code == 404
    assert "Ndayishimiye" not in response.get_data(as_text=True)
    assert response.get_data(as_text=True).replace(case.case_number, "MNY-2026-999999") == \
        unknown.get_data(as_text=True)
    assert state(app, case.case_number) == before


def test_a_missing_detail_comes_back_beside_its_field_with_what_was_typed(app, officer_browser,
                                                                         screening_case):  # fmt: skip
    n = screening_case.case_number
    before = state(app, n)
    response = move(officer_browser, n, "return_requested", destination_country="",
                    destination_place="Rumonge, near the lake")  # fmt: skip
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="request_return-destination_country-error"' in page and "This detail is required." in page
    assert 'value="Rumonge, near the lake"' in page
    assert re.search(r'<details class="mb-2 step" data-action="request_return" open>', page)
    assert state(app, n) == before


def test_a_departure_before_the_approval_is_refused(app, officer_browser, officer, supervisor,
                                                     screening_case, move_case, today):  # fmt: skip
    n = screening_case.case_number
    move_case(n, officer, "return_requested", destination_country="BDI")
    move_case(n, supervisor, "return_approved")
    move_case(n, officer, "travel_ready", travel_document="LP-1", departure_date=today.isoformat(),
              departure_point="Manyovu", fit_to_travel_on=today.isoformat())  # fmt: skip
    with app.app_context():  # the approval was given five days ago
        db.session.execute(update(Case).where(Case.case_number == n)
                           .values(return_approved_on=today - timedelta(days=5)))  # fmt: skip
        db.session.commit()
    before = state(app, n)
    response = move(officer_browser, n, "departed", departure_date=(today - timedelta(days=6)).isoformat())
    assert response.status_code == 422
    assert "Cannot be before the return was approved." in response.get_data(as_text=True)
    assert state(app, n) == before


def test_a_permit_valid_until_a_past_date_is_refused(app, officer_browser, officer, screening_case,
                                                     move_case, today):  # fmt: skip
    n = screening_case.case_number
    move_case(n, officer, "regularisation_requested", permit_type="Work permit")
    move_case(n, officer, "application_submitted", application_reference="IMM/2026/77",
              submitted_on=today.isoformat())  # fmt: skip
    before = state(app, n)
    response = move(officer_browser, n, "regularised", permit_number="RP-99",
                    permit_valid_until=(today - timedelta(days=1)).isoformat())  # fmt: skip
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="grant_permit-permit_valid_until-error"' in page and "Must be after today." in page
    assert 'value="RP-99"' in page
    assert state(app, n) == before


@pytest.mark.parametrize("forged", ["deleted", "", "SCREENING", "screening'; DROP TABLE case_file;--"])
def test_a_forged_target_state_is_refused(app, officer_browser, officer, register, forged):
    case = register(officer)
    before = state(app, case.case_number)
    response = move(officer_browser, case.case_number, forged)
    assert response.status_code == 422
    assert "is not a case status" in html.unescape(response.get_data(as_text=True))
    assert state(app, case.case_number) == before


@pytest.mark.parametrize("version", ["", "abc", "-1", "99999999999"])
def test_a_form_without_a_readable_version_is_refused(app, officer_browser, officer, register, version):
    case = register(officer)
    before = state(app, case.case_number)
    response = move(officer_browser, case.case_number, "screening", version=version)
    assert response.status_code == 422
    assert "The form was damaged" in response.get_data(as_text=True)
    assert state(app, case.case_number) == before


def test_an_administrator_may_not_move_a_case(app, browser, officer, admin, register):
    case = register(officer)
    browser.login("admin")
    before = state(app, case.case_number)
    response = browser.submit(f"/cases/{case.case_number}/transitions",
                              {"to": "screening", "version": "1"}, form_url="/login")  # fmt: skip
    assert response.status_code == 403
    assert state(app, case.case_number) == before


def test_a_move_sent_without_a_csrf_token_comes_back_with_what_was_typed(app, officer_browser,
                                                                          officer, register):  # fmt: skip
    case = register(officer)
    response = officer_browser.client.post(f"/cases/{case.case_number}/transitions", data={
        "to": "screening", "version": "1", "reason": "Typed before the session token expired"})
    assert response.status_code == 400
    assert "Typed before the session token expired" in response.get_data(as_text=True)
    assert state(app, case.case_number)[0] == "registered"


# --------------------------------------------------------------------------------------------
# No lost updates
# --------------------------------------------------------------------------------------------


def test_a_stale_submit_shows_what_changed_and_keeps_the_input(app, officer, register, new_browser,
                                                              create_user):  # fmt: skip
    create_user("officer2.mny", "officer", ("MNY",))
    case = register(officer)
    first, second = new_browser(), new_browser()
    first.login("officer.mny")
    second.login("officer2.mny")
    seen = version_on(page_of(first, case.case_number))
    assert move(second, case.case_number, "screening", fear_of_return="no",
                reason="Second officer started").status_code == 302  # fmt: skip
    response = move(first, case.case_number, "screening", version=seen, fear_of_return="yes",
                    reason="My interview notes, typed at length")  # fmt: skip
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "This case changed since you opened it" in page
    changes = page[page.index('id="changes"'):page.index("</ul>", page.index('id="changes"'))]
    assert "Registered → Screening" in changes and "Officer2.Mny" in changes
    assert "Second officer started" in changes
    assert "My interview notes, typed at length" in page  # kept, though the step is gone
    assert state(app, case.case_number)[0] == "screening"
    with app.app_context():
        reasons = db.session.scalars(select(CaseEvent.reason).filter_by(kind="transition")).all()
    assert reasons == ["Second officer started"]


def test_after_a_conflict_the_same_step_can_be_sent_again_from_the_kept_form(app, officer_browser,
                                                                            supervisor_browser,
                                                                            screening_case):  # fmt: skip
    n = screening_case.case_number
    seen = version_on(page_of(officer_browser, n))
    page = page_of(supervisor_browser, n)
    supervisor_browser.submit(f"/cases/{n}/assignment", {"assigned_to": "", "version": version_on(page)},
                              form_url=f"/cases/{n}")  # fmt: skip
    conflict = move(officer_browser, n, "referred", version=seen, reason="Referred to UNHCR for asylum")
    assert conflict.status_code == 409
    page = conflict.get_data(as_text=True)
    assert "What you typed is kept in the form below" in page
    assert "Referred to UNHCR for asylum</textarea>" in page
    again = move(officer_browser, n, "referred", version=version_on(page), reason="Referred to UNHCR for asylum")
    assert again.status_code == 302 and state(app, n)[0] == "referred"


def test_a_change_that_lands_between_the_check_and_the_save_is_a_conflict_too(app, monkeypatch,
                                                                              officer_browser,
                                                                              officer, register):  # fmt: skip
    from registry.services import workflow

    case = register(officer)
    real_apply = workflow.rules.apply_transition

    def apply_after_someone_else(case_, *args, **kwargs):  # type: ignore[no-untyped-def]
        # Another request commits its change after this one checked the version.
        db.session.execute(update(Case).where(Case.id == case_.id).values(version=Case.version + 1)
                           .execution_options(synchronize_session=False))  # fmt: skip
        return real_apply(case_, *args, **kwargs)

    monkeypatch.setattr(workflow.rules, "apply_transition", apply_after_someone_else)
    response = move(officer_browser, case.case_number, "screening")
    assert response.status_code == 409
    assert "This case changed since you opened it" in response.get_data(as_text=True)
    assert state(app, case.case_number) == ("registered", 1, 1)


def test_a_move_is_saved_with_its_event_and_audit_row_or_not_at_all(app, monkeypatch, officer_browser,
                                                                    officer, register):  # fmt: skip
    from registry.services import workflow

    case = register(officer)
    real_record = workflow.audit.record

    def broken_audit(action, **kwargs):  # type: ignore[no-untyped-def]
        if action == "case_transition":
            raise RuntimeError("the audit log's disk is full")
        return real_record(action, **kwargs)

    monkeypatch.setattr(workflow.audit, "record", broken_audit)
    response = move(officer_browser, case.case_number, "screening")
    assert response.status_code == 500
    assert state(app, case.case_number) == ("registered", 1, 1)
