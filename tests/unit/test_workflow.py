"""The case workflow as specified in PRODUCT.md, one behaviour per test."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest

from registry.domain.errors import Forbidden, GuardRefused, InvalidDetails, NotAllowed
from registry.domain.workflow import (
    TRANSITIONS,
    CaseLike,
    apply_transition,
    available_transitions,
    blocked_reason,
    check_invariants,
    clear_fear_of_return,
    find_transition,
    mermaid_diagram,
    pathway_for,
    record_fear_of_return,
)

TODAY = date(2026, 11, 28)


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


@dataclass
class FakeCase:
    status: str = "registered"
    pathway: str = "undecided"
    fear_of_return: str | None = None
    fear_of_return_cleared: bool = False
    fear_of_return_cleared_by_id: int | None = None
    fear_of_return_cleared_reason: str | None = None
    child_without_adult: bool = False
    return_requested_by_id: int | None = None
    return_approved_by_id: int | None = None
    return_approved_on: date | None = None
    destination_country: str | None = None
    destination_place: str | None = None
    travel_document: str | None = None
    departure_date: date | None = None
    departure_point: str | None = None
    transport_mode: str | None = None
    escort_required: bool = False
    arrival_confirmed_on: date | None = None
    fit_to_travel_on: date | None = None
    bid_decided_on: date | None = None
    bid_outcome: str | None = None
    family_assessment_on: date | None = None
    permit_type: str | None = None
    application_reference: str | None = None
    submitted_on: date | None = None
    decision_on: date | None = None
    permit_number: str | None = None
    permit_valid_until: date | None = None
    closure_reason: str | None = None


@dataclass(frozen=True)
class Actor:
    id: int
    role: str


OFFICER = Actor(1, "officer")
OTHER_OFFICER = Actor(2, "officer")
SUPERVISOR = Actor(3, "supervisor")
OTHER_SUPERVISOR = Actor(4, "supervisor")
ADMIN = Actor(5, "admin")
ACTOR_OF_ROLE = {"officer": OFFICER, "supervisor": SUPERVISOR, "admin": ADMIN}

STATUSES = (
    "registered",
    "screening",
    "return_requested",
    "return_approved",
    "travel_ready",
    "departed",
    "returned",
    "regularisation_requested",
    "application_submitted",
    "regularised",
    "refused",
    "referred",
    "closed",
)
ROLES = ("officer", "supervisor", "admin")

# The "Allowed moves" table of PRODUCT.md, written out again so the test does not trust the code.
OFFICER_OR_SUPERVISOR = frozenset({"officer", "supervisor"})
SUPERVISOR_ONLY = frozenset({"supervisor"})
ALLOWED: dict[tuple[str, str], frozenset[str]] = {
    ("registered", "screening"): OFFICER_OR_SUPERVISOR,
    ("screening", "return_requested"): OFFICER_OR_SUPERVISOR,
    ("screening", "regularisation_requested"): OFFICER_OR_SUPERVISOR,
    ("screening", "referred"): OFFICER_OR_SUPERVISOR,
    ("return_requested", "return_approved"): SUPERVISOR_ONLY,
    ("return_requested", "screening"): OFFICER_OR_SUPERVISOR,
    ("return_approved", "screening"): OFFICER_OR_SUPERVISOR,
    ("travel_ready", "screening"): OFFICER_OR_SUPERVISOR,
    ("return_approved", "travel_ready"): OFFICER_OR_SUPERVISOR,
    ("travel_ready", "departed"): OFFICER_OR_SUPERVISOR,
    ("departed", "returned"): OFFICER_OR_SUPERVISOR,
    ("regularisation_requested", "application_submitted"): OFFICER_OR_SUPERVISOR,
    ("regularisation_requested", "screening"): OFFICER_OR_SUPERVISOR,
    ("refused", "screening"): OFFICER_OR_SUPERVISOR,
    ("application_submitted", "regularised"): OFFICER_OR_SUPERVISOR,
    ("application_submitted", "refused"): OFFICER_OR_SUPERVISOR,
    ("refused", "application_submitted"): OFFICER_OR_SUPERVISOR,
    **{(status, "closed"): SUPERVISOR_ONLY for status in STATUSES if status != "closed"},
    ("closed", "screening"): SUPERVISOR_ONLY,
}

PATHWAY_OF_STATUS = {
    "registered": "undecided",
    "screening": "undecided",
    "return_requested": "voluntary_return",
    "return_approved": "voluntary_return",
    "travel_ready": "voluntary_return",
    "departed": "voluntary_return",
    "returned": "voluntary_return",
    "regularisation_requested": "regularisation",
    "application_submitted": "regularisation",
    "regularised": "regularisation",
    "refused": "regularisation",
    "referred": "referral",
}

# Details that make a valid move into each target from any status that may reach it.
VALID_DETAILS: dict[str, dict[str, object]] = {
    "registered": {},
    "screening": {"fear_of_return": "no"},
    "return_requested": {"destination_country": "BDI", "destination_place": "Makamba"},
    "return_approved": {},
    "travel_ready": {
        "travel_document": "Laissez-passer LP-0042",
        "departure_date": days(1).isoformat(),
        "departure_point": "Manyovu",
        "fit_to_travel_on": TODAY.isoformat(),
        "transport_mode": "bus",
        "escort_required": True,
    },
    "departed": {"departure_date": TODAY},
    "returned": {"arrival_confirmed_on": TODAY},
    "regularisation_requested": {"permit_type": "work permit"},
    "application_submitted": {"application_reference": "IMM-2026-77", "submitted_on": TODAY},
    "regularised": {
        "permit_type": "work permit",
        "permit_number": "WP-123",
        "permit_valid_until": days(365),
    },
    "refused": {"decision_on": TODAY},
    "referred": {},
    "closed": {"closure_reason": "withdrawn"},
}
REASON = "The person asked for it after counselling."


def case_in(status: str, **changes: object) -> FakeCase:
    """A case that came through the workflow to `status`, with what each step recorded."""
    on_return = status in PATHWAY_OF_STATUS and PATHWAY_OF_STATUS[status] == "voluntary_return"
    case = FakeCase(status=status, pathway=PATHWAY_OF_STATUS.get(status, "undecided"))
    if status != "registered":
        case.fear_of_return = "no"
    if on_return:
        case.destination_country = "BDI"
        case.return_requested_by_id = OFFICER.id
    if status in ("return_approved", "travel_ready", "departed", "returned"):
        case.return_approved_by_id = SUPERVISOR.id
        case.return_approved_on = days(-2)
    if status in ("travel_ready", "departed", "returned"):
        case.travel_document = "Laissez-passer LP-0042"
        case.departure_date = TODAY if status == "travel_ready" else days(-1)
        case.departure_point = "Manyovu"
        case.fit_to_travel_on = days(-1)
    if status == "returned":
        case.arrival_confirmed_on = TODAY
    if status in ("regularisation_requested", "application_submitted", "regularised", "refused"):
        case.permit_type = "work permit"
    if status in ("application_submitted", "regularised", "refused"):
        case.application_reference = "IMM-2026-77"
        case.submitted_on = days(-10)
    if status in ("regularised", "refused"):
        case.decision_on = days(-1)
    if status == "regularised":
        case.permit_number = "WP-123"
        case.permit_valid_until = days(365)
    if status == "closed":
        case.closure_reason = "lost_contact"
    for name, value in changes.items():
        setattr(case, name, value)
    return case


def snapshot(case: FakeCase) -> dict[str, object]:
    return dataclasses.asdict(case)


def expected_refusal(source: str, target: str, role: str) -> type[Exception]:
    """What PRODUCT.md answers: 403 for a move the role may not make, 422 for one from here."""
    if role == "admin" or (source, target) in ALLOWED:
        return Forbidden
    roles_reaching_target = {r for (_, to), rs in ALLOWED.items() if to == target for r in rs}
    if roles_reaching_target and role not in roles_reaching_target:
        return Forbidden
    return NotAllowed


ALLOWED_MOVES = [
    pytest.param(source, target, role, id=f"{source}->{target} by {role}")
    for (source, target), roles in ALLOWED.items()
    for role in sorted(roles)
]
REFUSED_MOVES = [
    pytest.param(source, target, role, id=f"{source}->{target} by {role}")
    for source in STATUSES
    for target in STATUSES
    for role in ROLES
    if role not in ALLOWED.get((source, target), frozenset())
]


def test_the_specification_covers_every_status_role_and_target() -> None:
    assert len(ALLOWED_MOVES) + len(REFUSED_MOVES) == len(STATUSES) ** 2 * len(ROLES)


def test_the_case_fixture_is_consistent_in_every_status() -> None:
    for status in STATUSES:
        assert check_invariants(case_in(status)) == [], status


# --- every pair of statuses, every role ---------------------------------------------------


@pytest.mark.parametrize(("source", "target", "role"), ALLOWED_MOVES)
def test_an_allowed_move_sets_the_status_and_its_pathway(
    source: str, target: str, role: str
) -> None:
    case = case_in(source)
    pathway_before = case.pathway

    record = apply_transition(
        case, ACTOR_OF_ROLE[role], target, VALID_DETAILS[target], REASON, TODAY
    )

    assert case.status == target
    assert case.pathway == PATHWAY_OF_STATUS.get(target, pathway_before)
    assert (record.from_status, record.to_status, record.reason) == (source, target, REASON)
    assert check_invariants(case) == []


@pytest.mark.parametrize(("source", "target", "role"), REFUSED_MOVES)
def test_a_refused_move_raises_its_error_and_changes_nothing(
    source: str, target: str, role: str
) -> None:
    case = case_in(source)
    before = snapshot(case)

    with pytest.raises(expected_refusal(source, target, role)):
        apply_transition(case, ACTOR_OF_ROLE[role], target, VALID_DETAILS[target], REASON, TODAY)

    assert snapshot(case) == before


def test_a_forged_target_is_not_allowed_and_changes_nothing() -> None:
    case = case_in("screening")
    before = snapshot(case)

    with pytest.raises(NotAllowed):
        apply_transition(case, SUPERVISOR, "deleted", {}, REASON, TODAY)

    assert snapshot(case) == before


def test_the_role_is_checked_before_the_details() -> None:
    with pytest.raises(Forbidden):
        apply_transition(case_in("return_requested"), OFFICER, "return_approved",
                         {"bid_decided_on": "not a date"}, None, TODAY)


def test_the_details_are_checked_before_the_guards() -> None:
    case = case_in("screening", fear_of_return="yes")

    with pytest.raises(InvalidDetails) as refusal:
        apply_transition(case, OFFICER, "return_requested", {}, None, TODAY)

    assert set(refusal.value.fields) == {"destination_country"}


def test_each_pair_of_statuses_has_at_most_one_move() -> None:
    pairs = [(source, t.target) for t in TRANSITIONS for source in t.sources]
    assert len(pairs) == len(set(pairs))


def test_every_detail_a_move_records_is_an_attribute_of_the_case() -> None:
    case_attributes = set(CaseLike.__annotations__)
    for transition in TRANSITIONS:
        for spec in transition.fields:
            assert spec.name in case_attributes, (transition.action, spec.name)


def test_find_transition_names_the_move_between_two_statuses() -> None:
    assert find_transition("refused", "application_submitted").action == "appeal"
    assert find_transition("regularisation_requested", "application_submitted").action == (
        "submit_application"
    )
    assert find_transition("returned", "screening") is None


# --- details ------------------------------------------------------------------------------


def schedule(case: FakeCase | None = None, **details: object) -> FakeCase:
    case = case or case_in("return_approved")
    apply_transition(
        case, OFFICER, "travel_ready", {**VALID_DETAILS["travel_ready"], **details}, None, TODAY
    )
    return case


def refused_details(case: FakeCase, to: str, details: dict[str, object]) -> dict[str, str]:
    before = snapshot(case)
    with pytest.raises(InvalidDetails) as refusal:
        apply_transition(case, OFFICER, to, details, REASON, TODAY)
    assert snapshot(case) == before
    return refusal.value.fields


def test_missing_required_details_are_all_reported_at_once() -> None:
    fields = refused_details(case_in("return_approved"), "travel_ready", {})

    assert set(fields) == {"travel_document", "departure_date", "departure_point",
                           "fit_to_travel_on"}


@pytest.mark.parametrize("bad_date", ["2026-13-40", "28/11/2026", "20261128", "tomorrow", 20261128])
def test_an_invalid_date_is_reported_on_its_field(bad_date: object) -> None:
    details = {**VALID_DETAILS["travel_ready"], "departure_date": bad_date}

    fields = refused_details(case_in("return_approved"), "travel_ready", details)

    assert set(fields) == {"departure_date"}


def test_a_moment_is_not_accepted_as_a_date() -> None:
    details = {**VALID_DETAILS["travel_ready"], "departure_date": datetime(2026, 11, 29, 8, 0)}

    assert "departure_date" in refused_details(case_in("return_approved"), "travel_ready", details)


def test_dates_may_be_given_as_dates_or_iso_strings() -> None:
    case = schedule(departure_date=days(2), fit_to_travel_on=TODAY.isoformat())

    assert (case.departure_date, case.fit_to_travel_on) == (days(2), TODAY)


def test_a_departure_date_in_the_past_is_refused() -> None:
    details = {**VALID_DETAILS["travel_ready"], "departure_date": days(-1),
               "fit_to_travel_on": days(-2)}

    fields = refused_details(case_in("return_approved"), "travel_ready", details)

    assert set(fields) == {"departure_date"}


def test_a_departure_before_the_approval_is_refused() -> None:
    case = case_in("return_approved", return_approved_on=days(2))
    details = {**VALID_DETAILS["travel_ready"], "departure_date": days(1)}

    assert set(refused_details(case, "travel_ready", details)) == {"departure_date"}


def test_a_fit_to_travel_check_four_days_before_departure_is_refused() -> None:
    details = {**VALID_DETAILS["travel_ready"], "fit_to_travel_on": days(-1),
               "departure_date": days(3)}

    assert set(refused_details(case_in("return_approved"), "travel_ready", details)) == {
        "fit_to_travel_on"
    }


def test_a_fit_to_travel_check_three_days_before_departure_is_accepted() -> None:
    case = schedule(fit_to_travel_on=TODAY, departure_date=days(3))

    assert case.status == "travel_ready"


def test_a_fit_to_travel_check_in_the_future_is_refused() -> None:
    details = {**VALID_DETAILS["travel_ready"], "fit_to_travel_on": days(1),
               "departure_date": days(2)}

    assert "fit_to_travel_on" in refused_details(case_in("return_approved"), "travel_ready",
                                                 details)


def test_scheduling_records_the_travel_details() -> None:
    case = schedule()

    assert (case.travel_document, case.departure_date, case.departure_point,
            case.fit_to_travel_on, case.transport_mode, case.escort_required) == (
        "Laissez-passer LP-0042", days(1), "Manyovu", TODAY, "bus", True
    )


def test_the_departure_date_defaults_to_the_scheduled_one() -> None:
    case = case_in("travel_ready", departure_date=TODAY)

    record = apply_transition(case, OFFICER, "departed", {}, None, TODAY)

    assert case.departure_date == TODAY
    assert record.details == {"departure_date": TODAY.isoformat()}


def test_departing_before_the_scheduled_date_needs_the_actual_date() -> None:
    case = case_in("travel_ready", departure_date=days(2))

    assert set(refused_details(case, "departed", {})) == {"departure_date"}
    apply_transition(case, OFFICER, "departed", {"departure_date": TODAY}, None, TODAY)
    assert case.departure_date == TODAY


def test_a_departure_in_the_future_is_refused() -> None:
    case = case_in("travel_ready")

    assert set(refused_details(case, "departed", {"departure_date": days(1)})) == {
        "departure_date"
    }


def test_an_arrival_before_the_departure_is_refused() -> None:
    case = case_in("departed", departure_date=days(-1))

    assert set(refused_details(case, "returned", {"arrival_confirmed_on": days(-2)})) == {
        "arrival_confirmed_on"
    }


def test_an_arrival_in_the_future_is_refused() -> None:
    assert set(refused_details(case_in("departed"), "returned",
                               {"arrival_confirmed_on": days(1)})) == {"arrival_confirmed_on"}


def test_a_submission_in_the_future_is_refused() -> None:
    details = {"application_reference": "IMM-1", "submitted_on": days(1)}

    assert set(refused_details(case_in("regularisation_requested"), "application_submitted",
                               details)) == {"submitted_on"}


@pytest.mark.parametrize("valid_until", [TODAY, days(-1)], ids=["today", "past"])
def test_a_permit_must_be_valid_after_today(valid_until: date) -> None:
    details = {**VALID_DETAILS["regularised"], "permit_valid_until": valid_until}

    assert set(refused_details(case_in("application_submitted"), "regularised", details)) == {
        "permit_valid_until"
    }


def test_the_permit_type_defaults_to_the_one_applied_for() -> None:
    case = case_in("application_submitted", permit_type="family permit")
    details = {"permit_number": "FP-9", "permit_valid_until": days(30)}

    apply_transition(case, OFFICER, "regularised", details, None, TODAY)

    assert (case.permit_type, case.permit_number) == ("family permit", "FP-9")


def test_a_decision_before_the_submission_is_refused() -> None:
    case = case_in("application_submitted", submitted_on=days(-3))

    assert set(refused_details(case, "refused", {"decision_on": days(-4)})) == {"decision_on"}


def test_an_appeal_needs_a_reference_and_a_submission_date() -> None:
    assert set(refused_details(case_in("refused"), "application_submitted", {})) == {
        "application_reference", "submitted_on"
    }


def test_an_appeal_submitted_before_the_refusal_is_refused() -> None:
    case = case_in("refused", decision_on=days(-1))
    details = {"application_reference": "APPEAL-1", "submitted_on": days(-2)}

    assert set(refused_details(case, "application_submitted", details)) == {"submitted_on"}


@pytest.mark.parametrize("code", ["ZZZ", "Burundi", "BI", "XXA", "XXX", 108])
def test_a_destination_must_be_a_real_country_code(code: object) -> None:
    assert set(refused_details(case_in("screening"), "return_requested",
                               {"destination_country": code})) == {"destination_country"}


def test_a_country_code_is_stored_in_capitals() -> None:
    case = case_in("screening")

    apply_transition(case, OFFICER, "return_requested", {"destination_country": " cod "}, None,
                     TODAY)

    assert case.destination_country == "COD"


def test_text_details_are_stripped() -> None:
    case = schedule(departure_point="  Kabanga  ")

    assert case.departure_point == "Kabanga"


@pytest.mark.parametrize("text", ["Manyovu\x00", "Many\novu", "Manyovu\x1b[31m"])
def test_text_with_control_characters_is_refused(text: str) -> None:
    details = {**VALID_DETAILS["travel_ready"], "departure_point": text}

    assert set(refused_details(case_in("return_approved"), "travel_ready", details)) == {
        "departure_point"
    }


def test_text_longer_than_its_limit_is_refused() -> None:
    details = {**VALID_DETAILS["travel_ready"], "travel_document": "x" * 201}

    assert set(refused_details(case_in("return_approved"), "travel_ready", details)) == {
        "travel_document"
    }


def test_text_must_be_text() -> None:
    details = {**VALID_DETAILS["travel_ready"], "travel_document": 12345}

    assert set(refused_details(case_in("return_approved"), "travel_ready", details)) == {
        "travel_document"
    }


def test_an_unknown_closure_reason_is_refused() -> None:
    case = case_in("screening")
    before = snapshot(case)

    with pytest.raises(InvalidDetails) as refusal:
        apply_transition(case, SUPERVISOR, "closed", {"closure_reason": "bored"}, REASON, TODAY)

    assert set(refusal.value.fields) == {"closure_reason"}
    assert snapshot(case) == before


@pytest.mark.parametrize(
    ("source", "target", "actor"),
    [
        ("screening", "referred", OFFICER),
        ("return_requested", "screening", OFFICER),
        ("return_approved", "screening", SUPERVISOR),
        ("travel_ready", "screening", OFFICER),
        ("regularisation_requested", "screening", OFFICER),
        ("refused", "screening", OFFICER),
        ("screening", "closed", SUPERVISOR),
        ("closed", "screening", SUPERVISOR),
    ],
)
@pytest.mark.parametrize("reason", [None, "", "   "], ids=["none", "empty", "blank"])
def test_these_moves_need_a_reason(
    source: str, target: str, actor: Actor, reason: str | None
) -> None:
    case = case_in(source)
    before = snapshot(case)

    with pytest.raises(InvalidDetails) as refusal:
        apply_transition(case, actor, target, VALID_DETAILS[target], reason, TODAY)

    assert "reason" in refusal.value.fields
    assert snapshot(case) == before


def test_a_reason_may_span_lines_and_is_stripped() -> None:
    record = apply_transition(case_in("screening"), OFFICER, "referred", {},
                              "  Referred to UNHCR.\nAsylum claim.  ", TODAY)

    assert record.reason == "Referred to UNHCR.\nAsylum claim."


def test_details_that_are_not_fields_of_the_move_are_ignored() -> None:
    case = case_in("screening")

    record = apply_transition(case, OFFICER, "return_requested",
                              {"destination_country": "BDI", "status": "returned"}, None, TODAY)

    assert case.status == "return_requested"
    assert record.details == {"destination_country": "BDI"}


def test_the_record_holds_the_details_in_json_safe_form() -> None:
    case = case_in("return_approved")

    record = apply_transition(case, OFFICER, "travel_ready", VALID_DETAILS["travel_ready"],
                              None, TODAY)

    assert record.action == "schedule_travel"
    assert record.details == {
        "travel_document": "Laissez-passer LP-0042",
        "departure_date": days(1).isoformat(),
        "departure_point": "Manyovu",
        "fit_to_travel_on": TODAY.isoformat(),
        "transport_mode": "bus",
        "escort_required": True,
    }


# --- the rules that protect the person ----------------------------------------------------


def test_requesting_a_return_records_who_requested_it() -> None:
    case = case_in("screening")

    apply_transition(case, OTHER_OFFICER, "return_requested", {"destination_country": "BDI"},
                     None, TODAY)

    assert case.return_requested_by_id == OTHER_OFFICER.id


def test_approving_a_return_records_who_approved_it_and_when() -> None:
    case = case_in("return_requested")

    apply_transition(case, OTHER_SUPERVISOR, "return_approved", {}, None, TODAY)

    assert (case.return_approved_by_id, case.return_approved_on) == (OTHER_SUPERVISOR.id, TODAY)


def test_the_supervisor_who_requested_a_return_cannot_approve_it() -> None:
    case = case_in("return_requested", return_requested_by_id=SUPERVISOR.id)
    before = snapshot(case)

    with pytest.raises(GuardRefused):
        apply_transition(case, SUPERVISOR, "return_approved", {}, None, TODAY)

    assert snapshot(case) == before


def test_another_supervisor_can_approve_a_return_a_supervisor_requested() -> None:
    case = case_in("return_requested", return_requested_by_id=SUPERVISOR.id)

    apply_transition(case, OTHER_SUPERVISOR, "return_approved", {}, None, TODAY)

    assert case.status == "return_approved"


def test_a_return_without_a_recorded_requester_cannot_be_approved() -> None:
    with pytest.raises(GuardRefused):
        apply_transition(case_in("return_requested", return_requested_by_id=None), SUPERVISOR,
                         "return_approved", {}, None, TODAY)


def test_a_child_without_an_adult_is_not_approved_for_return_without_a_bid() -> None:
    case = case_in("return_requested", child_without_adult=True)
    before = snapshot(case)

    with pytest.raises(GuardRefused):
        apply_transition(case, SUPERVISOR, "return_approved", {}, None, TODAY)

    assert snapshot(case) == before


@pytest.mark.parametrize(
    "missing", ["bid_decided_on", "bid_outcome", "family_assessment_on"]
)
def test_a_child_without_an_adult_needs_every_part_of_the_bid(missing: str) -> None:
    details: dict[str, object] = {"bid_decided_on": days(-5), "bid_outcome": "return",
                                  "family_assessment_on": days(-3)}
    del details[missing]

    with pytest.raises(GuardRefused):
        apply_transition(case_in("return_requested", child_without_adult=True), SUPERVISOR,
                         "return_approved", details, None, TODAY)


def test_a_child_whose_bid_says_stay_is_not_approved_for_return() -> None:
    details = {"bid_decided_on": days(-5), "bid_outcome": "stay",
               "family_assessment_on": days(-3)}

    with pytest.raises(GuardRefused):
        apply_transition(case_in("return_requested", child_without_adult=True), SUPERVISOR,
                         "return_approved", details, None, TODAY)


def test_a_child_with_a_bid_for_return_given_at_approval_is_approved() -> None:
    case = case_in("return_requested", child_without_adult=True)
    details = {"bid_decided_on": days(-5).isoformat(), "bid_outcome": "return",
               "family_assessment_on": days(-3)}

    apply_transition(case, SUPERVISOR, "return_approved", details, None, TODAY)

    assert (case.status, case.bid_decided_on, case.bid_outcome, case.family_assessment_on) == (
        "return_approved", days(-5), "return", days(-3)
    )


def test_a_child_with_a_bid_for_return_already_on_the_case_is_approved() -> None:
    case = case_in("return_requested", child_without_adult=True, bid_decided_on=days(-5),
                   bid_outcome="return", family_assessment_on=days(-3))

    apply_transition(case, SUPERVISOR, "return_approved", {}, None, TODAY)

    assert case.status == "return_approved"


def test_a_bid_in_the_future_is_refused() -> None:
    details = {"bid_decided_on": days(1), "bid_outcome": "return", "family_assessment_on": TODAY}

    with pytest.raises(InvalidDetails):
        apply_transition(case_in("return_requested", child_without_adult=True), SUPERVISOR,
                         "return_approved", details, None, TODAY)


@pytest.mark.parametrize("fear", ["yes", "unclear"])
def test_an_uncleared_fear_of_return_blocks_a_return_request(fear: str) -> None:
    case = case_in("screening", fear_of_return=fear)
    before = snapshot(case)

    with pytest.raises(GuardRefused):
        apply_transition(case, OFFICER, "return_requested", {"destination_country": "BDI"},
                         None, TODAY)

    assert snapshot(case) == before


def test_an_unknown_fear_of_return_blocks_a_return_request() -> None:
    with pytest.raises(GuardRefused):
        apply_transition(case_in("screening", fear_of_return=None), OFFICER, "return_requested",
                         {"destination_country": "BDI"}, None, TODAY)


def test_a_cleared_fear_of_return_allows_a_return_request() -> None:
    case = case_in("screening", fear_of_return="yes", fear_of_return_cleared=True,
                   fear_of_return_cleared_by_id=SUPERVISOR.id,
                   fear_of_return_cleared_reason="Fear was about the journey, addressed.")

    apply_transition(case, OFFICER, "return_requested", {"destination_country": "BDI"}, None,
                     TODAY)

    assert case.status == "return_requested"


@pytest.mark.parametrize("fear", ["yes", "unclear", None])
def test_a_referral_is_allowed_whatever_the_fear_of_return(fear: str | None) -> None:
    case = case_in("screening", fear_of_return=fear)

    apply_transition(case, OFFICER, "referred", {}, REASON, TODAY)

    assert (case.status, case.pathway) == ("referred", "referral")


def test_a_regularisation_needs_the_fear_of_return_known() -> None:
    with pytest.raises(GuardRefused):
        apply_transition(case_in("screening", fear_of_return=None), OFFICER,
                         "regularisation_requested", {}, None, TODAY)


def test_a_fear_of_return_does_not_block_a_regularisation() -> None:
    case = case_in("screening", fear_of_return="yes")

    apply_transition(case, OFFICER, "regularisation_requested", {}, None, TODAY)

    assert case.status == "regularisation_requested"


def test_a_case_can_be_closed_before_the_fear_of_return_is_known() -> None:
    case = case_in("screening", fear_of_return=None)

    apply_transition(case, SUPERVISOR, "closed", {"closure_reason": "lost_contact"}, REASON, TODAY)

    assert case.status == "closed"


def test_an_uncleared_fear_on_an_approved_return_blocks_the_travel() -> None:
    # Not reachable through the workflow; guards the person if data arrives from elsewhere.
    case = case_in("return_approved", fear_of_return="yes")

    with pytest.raises(GuardRefused):
        schedule(case)


# --- what moves do beside the status -------------------------------------------------------


@pytest.mark.parametrize("source", ["return_requested", "return_approved", "travel_ready"])
def test_going_back_to_screening_forgets_the_return_decision(source: str) -> None:
    case = case_in(source)

    apply_transition(case, OFFICER, "screening", {}, "The person withdrew.", TODAY)

    assert (case.return_requested_by_id, case.return_approved_by_id,
            case.return_approved_on) == (None, None, None)
    assert case.pathway == "undecided"


def test_a_closed_case_keeps_its_pathway() -> None:
    case = case_in("departed")

    apply_transition(case, SUPERVISOR, "closed", {"closure_reason": "lost_contact"}, REASON,
                     TODAY)

    assert (case.status, case.pathway, case.closure_reason) == (
        "closed", "voluntary_return", "lost_contact"
    )


def test_reopening_clears_the_closure_reason_and_the_pathway() -> None:
    case = case_in("closed", pathway="voluntary_return", return_requested_by_id=OFFICER.id)

    apply_transition(case, SUPERVISOR, "screening", {}, "Found again.", TODAY)

    assert (case.status, case.pathway, case.closure_reason, case.return_requested_by_id) == (
        "screening", "undecided", None, None
    )


def test_a_move_into_screening_may_record_the_fear_of_return() -> None:
    case = case_in("registered")

    record = apply_transition(case, OFFICER, "screening", {"fear_of_return": "unclear"}, None,
                              TODAY)

    assert case.fear_of_return == "unclear"
    assert record.details == {"fear_of_return": "unclear"}


def test_a_new_fear_given_on_a_move_into_screening_withdraws_the_clearance() -> None:
    case = case_in("return_requested", fear_of_return="yes", fear_of_return_cleared=True,
                   fear_of_return_cleared_by_id=SUPERVISOR.id, fear_of_return_cleared_reason="ok")

    apply_transition(case, OFFICER, "screening", {"fear_of_return": "unclear"}, REASON, TODAY)

    assert (case.fear_of_return, case.fear_of_return_cleared,
            case.fear_of_return_cleared_by_id) == ("unclear", False, None)


# --- recording and clearing a fear of return ----------------------------------------------


def test_an_officer_records_a_fear_of_return_during_screening() -> None:
    case = case_in("screening", fear_of_return=None)

    record = record_fear_of_return(case, OFFICER, "yes")

    assert case.fear_of_return == "yes"
    assert (record.action, record.from_status, record.to_status, record.details) == (
        "record_fear_of_return", "screening", "screening", {"fear_of_return": "yes"}
    )


def test_an_admin_may_not_record_a_fear_of_return() -> None:
    with pytest.raises(Forbidden):
        record_fear_of_return(case_in("screening"), ADMIN, "yes")


def test_a_fear_of_return_is_not_recorded_once_a_return_is_requested() -> None:
    case = case_in("return_requested")
    before = snapshot(case)

    with pytest.raises(NotAllowed):
        record_fear_of_return(case, OFFICER, "yes")

    assert snapshot(case) == before


@pytest.mark.parametrize("value", ["maybe", None, "", 1])
def test_a_fear_of_return_must_be_no_yes_or_unclear(value: object) -> None:
    with pytest.raises(InvalidDetails) as refusal:
        record_fear_of_return(case_in("screening"), OFFICER, value)

    assert set(refusal.value.fields) == {"fear_of_return"}


def test_a_changed_fear_of_return_withdraws_the_clearance() -> None:
    case = case_in("screening", fear_of_return="yes")
    clear_fear_of_return(case, SUPERVISOR, "Counselled; the fear concerned the journey.")

    record_fear_of_return(case, OFFICER, "unclear")

    assert (case.fear_of_return_cleared, case.fear_of_return_cleared_by_id,
            case.fear_of_return_cleared_reason) == (False, None, None)


def test_the_same_fear_of_return_recorded_again_keeps_the_clearance() -> None:
    case = case_in("screening", fear_of_return="yes")
    clear_fear_of_return(case, SUPERVISOR, "Counselled.")

    record_fear_of_return(case, OFFICER, "yes")

    assert case.fear_of_return_cleared


def test_a_supervisor_clears_a_fear_of_return_with_a_reason() -> None:
    case = case_in("screening", fear_of_return="yes")

    record = clear_fear_of_return(case, SUPERVISOR, "  Counselled; fear was of the journey.  ")

    assert (case.fear_of_return_cleared, case.fear_of_return_cleared_by_id,
            case.fear_of_return_cleared_reason) == (True, SUPERVISOR.id,
                                                    "Counselled; fear was of the journey.")
    assert (record.action, record.reason) == ("clear_fear_of_return",
                                              "Counselled; fear was of the journey.")


def test_an_officer_may_not_clear_a_fear_of_return() -> None:
    case = case_in("screening", fear_of_return="yes")
    before = snapshot(case)

    with pytest.raises(Forbidden):
        clear_fear_of_return(case, OFFICER, "Counselled.")

    assert snapshot(case) == before


@pytest.mark.parametrize("reason", [None, "", "  "])
def test_clearing_a_fear_of_return_needs_a_reason(reason: str | None) -> None:
    case = case_in("screening", fear_of_return="yes")

    with pytest.raises(InvalidDetails) as refusal:
        clear_fear_of_return(case, SUPERVISOR, reason)

    assert set(refusal.value.fields) == {"reason"}
    assert not case.fear_of_return_cleared


@pytest.mark.parametrize("fear", ["no", None])
def test_there_is_nothing_to_clear_without_a_fear_of_return(fear: str | None) -> None:
    with pytest.raises(NotAllowed):
        clear_fear_of_return(case_in("screening", fear_of_return=fear), SUPERVISOR, "Counselled.")


def test_a_fear_of_return_is_cleared_only_once() -> None:
    case = case_in("screening", fear_of_return="yes")
    clear_fear_of_return(case, SUPERVISOR, "Counselled.")

    with pytest.raises(NotAllowed):
        clear_fear_of_return(case, OTHER_SUPERVISOR, "Again.")


# --- what the case page offers -------------------------------------------------------------


def actions(case: FakeCase, actor: Actor) -> list[str]:
    return [t.action for t in available_transitions(case, actor, TODAY)]


def test_an_officer_in_screening_is_offered_the_three_pathways() -> None:
    assert actions(case_in("screening"), OFFICER) == [
        "request_return", "request_regularisation", "refer"
    ]


def test_a_supervisor_is_also_offered_to_close() -> None:
    assert actions(case_in("screening"), SUPERVISOR) == [
        "request_return", "request_regularisation", "refer", "close"
    ]


def test_an_admin_is_offered_nothing() -> None:
    assert all(actions(case_in(status), ADMIN) == [] for status in STATUSES)


def test_an_officer_is_not_offered_the_approval() -> None:
    assert actions(case_in("return_requested"), OFFICER) == ["send_back"]


def test_a_blocked_return_request_says_it_waits_for_a_supervisor() -> None:
    case = case_in("screening", fear_of_return="yes")
    request_return = find_transition("screening", "return_requested")

    reason = blocked_reason(request_return, case, OFFICER, TODAY)

    assert reason is not None and "supervisor" in reason


def test_an_approval_by_its_requester_is_shown_as_blocked() -> None:
    case = case_in("return_requested", return_requested_by_id=SUPERVISOR.id)
    approve = find_transition("return_requested", "return_approved")

    assert blocked_reason(approve, case, SUPERVISOR, TODAY) is not None
    assert blocked_reason(approve, case, OTHER_SUPERVISOR, TODAY) is None


def test_a_childs_approval_is_not_blocked_before_its_form_records_the_bid() -> None:
    case = case_in("return_requested", child_without_adult=True)
    approve = find_transition("return_requested", "return_approved")

    assert blocked_reason(approve, case, SUPERVISOR, TODAY) is None


def test_a_referral_is_never_blocked_by_fear_of_return() -> None:
    refer = find_transition("screening", "referred")

    assert blocked_reason(refer, case_in("screening", fear_of_return="yes"), OFFICER, TODAY) is None


# --- pathway, diagram, invariants --------------------------------------------------------


@pytest.mark.parametrize("status", sorted(PATHWAY_OF_STATUS))
def test_the_pathway_follows_the_status(status: str) -> None:
    assert pathway_for(status, "referral") == PATHWAY_OF_STATUS[status]


@pytest.mark.parametrize("pathway", ["undecided", "voluntary_return", "regularisation", "referral"])
def test_a_closed_case_keeps_the_pathway_it_had(pathway: str) -> None:
    assert pathway_for("closed", pathway) == pathway


def test_the_diagram_draws_every_allowed_move_with_its_roles() -> None:
    diagram = mermaid_diagram()

    assert diagram.startswith("stateDiagram-v2\n")
    edges = [line.strip() for line in diagram.splitlines() if "-->" in line and "[*]" not in line]
    assert len(edges) == len(ALLOWED)
    assert "return_requested --> return_approved: approve_return (supervisor)" in edges
    assert "screening --> referred: refer (officer, supervisor)" in edges


def test_invariants_catch_a_return_approved_by_its_requester() -> None:
    case = case_in("return_approved", return_approved_by_id=OFFICER.id)

    assert check_invariants(case) != []


def test_invariants_catch_a_closed_case_without_a_reason() -> None:
    assert check_invariants(case_in("closed", closure_reason=None)) != []


def test_invariants_catch_an_open_case_with_a_closure_reason() -> None:
    assert check_invariants(case_in("screening", closure_reason="duplicate")) != []


def test_invariants_catch_an_uncleared_fear_on_the_return_pathway() -> None:
    assert check_invariants(case_in("return_requested", fear_of_return="yes")) != []


def test_invariants_catch_a_child_approved_without_a_bid() -> None:
    assert check_invariants(case_in("return_approved", child_without_adult=True)) != []


def test_invariants_catch_a_pathway_that_does_not_match_the_status() -> None:
    assert check_invariants(case_in("screening", pathway="regularisation")) != []


def test_invariants_catch_a_return_decision_left_on_a_case_back_in_screening() -> None:
    assert check_invariants(case_in("screening", return_requested_by_id=OFFICER.id)) != []


def test_the_approval_form_asks_for_the_bid_only_about_a_child_without_an_adult() -> None:
    from registry.domain.workflow import TRANSITIONS_BY_ACTION, fields_for

    approve = TRANSITIONS_BY_ACTION["approve_return"]
    adult = FakeCase(status="return_requested")
    child = FakeCase(status="return_requested", child_without_adult=True)
    assert [spec.name for spec in fields_for(approve, adult)] == []
    assert [spec.name for spec in fields_for(approve, child)] == [
        "bid_decided_on", "bid_outcome", "family_assessment_on"
    ]


def test_other_forms_ask_for_every_detail_of_their_move() -> None:
    from registry.domain.workflow import TRANSITIONS_BY_ACTION, fields_for

    schedule = TRANSITIONS_BY_ACTION["schedule_travel"]
    assert fields_for(schedule, FakeCase(status="return_approved")) == schedule.fields
