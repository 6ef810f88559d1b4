"""The case workflow: every move of a case's life, who may make it, what it records and guards."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal, Protocol

import pycountry

from registry.domain.errors import Forbidden, GuardRefused, InvalidDetails, NotAllowed
from registry.domain.i18n import N_
from registry.domain.vocabulary import (
    BidOutcome,
    CaseStatus,
    ClosureReason,
    FearOfReturn,
    Pathway,
    Role,
)

# --------------------------------------------------------------------------------------------
# What the workflow works on
# --------------------------------------------------------------------------------------------


class CaseLike(Protocol):
    """The attributes of a case the workflow reads and writes (the Case model has these names)."""

    status: str
    pathway: str
    fear_of_return: str | None
    fear_of_return_cleared: bool
    fear_of_return_cleared_by_id: int | None
    fear_of_return_cleared_reason: str | None
    return_requested_by_id: int | None
    return_approved_by_id: int | None
    return_approved_on: date | None
    destination_country: str | None
    destination_place: str | None
    travel_document: str | None
    departure_date: date | None
    departure_point: str | None
    transport_mode: str | None
    escort_required: bool
    arrival_confirmed_on: date | None
    fit_to_travel_on: date | None
    bid_decided_on: date | None
    bid_outcome: str | None
    family_assessment_on: date | None
    permit_type: str | None
    application_reference: str | None
    submitted_on: date | None
    decision_on: date | None
    permit_number: str | None
    permit_valid_until: date | None
    closure_reason: str | None

    @property
    def child_without_adult(self) -> bool:
        """True when the principal is an unaccompanied or separated child; never written here."""
        ...


class ActorLike(Protocol):
    """Whoever makes a move: a user id and the role they act in."""

    @property
    def id(self) -> int: ...

    @property
    def role(self) -> str: ...


# --------------------------------------------------------------------------------------------
# The pieces of the table
# --------------------------------------------------------------------------------------------

FieldKind = Literal["text", "date", "country", "choice", "bool"]

# Where a date may fall relative to today; the web also uses it for the input's min/max.
DateRange = Literal["any", "up_to_today", "from_today", "after_today"]

TEXT_MAX_LENGTH = 200
REASON_MAX_LENGTH = 2000
FIT_TO_TRAVEL_MAX_DAYS_BEFORE_DEPARTURE = 3


@dataclass(frozen=True, kw_only=True)
class FieldSpec:
    """One detail a step records on the case; forms and the API schema are built from these."""

    name: str
    kind: FieldKind
    label: str
    required: bool = False
    choices: tuple[str, ...] = ()
    max_length: int | None = None
    dates: DateRange = "any"
    # When the step's details leave it blank, the value already on the case stands in (and is
    # checked again), so an officer need not retype what the case already holds.
    defaults_to_case: bool = False

    def __post_init__(self) -> None:
        if self.kind == "text" and self.max_length is None:
            raise ValueError(f"text field {self.name} needs a max_length")
        if self.kind == "choice" and not self.choices:
            raise ValueError(f"choice field {self.name} needs choices")


# Details as parsed: field name -> date, str or bool.
Values = Mapping[str, object]

# A rule across details; returns field name -> message for each detail it finds wrong.
DetailRule = Callable[[Values, "CaseLike", date], dict[str, str]]

# A guard returns the reason it refuses the move, or None.
GuardCheck = Callable[["CaseLike", "ActorLike", Values, date], str | None]

# What a move does beyond writing its details and the new status; sees the case as it was.
Effect = Callable[["CaseLike", "ActorLike", Values, date], None]


@dataclass(frozen=True)
class Guard:
    """A rule that protects the person (fear of return, a child alone, four eyes)."""

    check: GuardCheck
    # True when the step's own details can satisfy the guard: the step is then still offered
    # (its form is how the missing facts get recorded) instead of being shown as blocked.
    satisfiable_by_details: bool = False


@dataclass(frozen=True, kw_only=True)
class Transition:
    """One allowed move: from which statuses, to which status, by whom, recording what."""

    action: str
    sources: frozenset[CaseStatus]
    target: CaseStatus
    roles: frozenset[Role]
    label: str
    description: str
    fields: tuple[FieldSpec, ...] = ()
    reason_required: bool = False
    rules: tuple[DetailRule, ...] = ()
    guards: tuple[Guard, ...] = ()
    effects: tuple[Effect, ...] = ()


@dataclass(frozen=True)
class TransitionRecord:
    """What a step recorded, for the case's timeline (the service adds who and when).

    Also returned for fear-of-return entries, which are not moves: from and to are then equal.
    """

    action: str
    from_status: str
    to_status: str
    reason: str | None
    details: dict[str, object] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Statuses, roles and the pathway they imply
# --------------------------------------------------------------------------------------------

S = CaseStatus

OFFICER_WORK = frozenset({Role.OFFICER, Role.SUPERVISOR})  # a supervisor can do an officer's work
SUPERVISOR_ONLY = frozenset({Role.SUPERVISOR})

RETURN_STATUSES = (S.RETURN_REQUESTED, S.RETURN_APPROVED, S.TRAVEL_READY, S.DEPARTED, S.RETURNED)
REGULARISATION_STATUSES = (
    S.REGULARISATION_REQUESTED,
    S.APPLICATION_SUBMITTED,
    S.REGULARISED,
    S.REFUSED,
)
FEAR_ASSESSED_IN = frozenset({S.REGISTERED, S.SCREENING})

_PATHWAY_OF_STATUS: dict[CaseStatus, Pathway] = {
    S.REGISTERED: Pathway.UNDECIDED,
    S.SCREENING: Pathway.UNDECIDED,
    **{status: Pathway.VOLUNTARY_RETURN for status in RETURN_STATUSES},
    **{status: Pathway.REGULARISATION for status in REGULARISATION_STATUSES},
    S.REFERRED: Pathway.REFERRAL,
}


def pathway_for(status: str, previous_pathway: str) -> Pathway:
    """The pathway a case in `status` is on; a closed case keeps the one it had."""
    if status == S.CLOSED:
        return Pathway(previous_pathway)
    return _PATHWAY_OF_STATUS[CaseStatus(status)]


# --------------------------------------------------------------------------------------------
# The details steps record
# --------------------------------------------------------------------------------------------

FEAR_OF_RETURN = FieldSpec(
    name="fear_of_return",
    kind="choice",
    label=N_("Fear of return"),
    choices=tuple(FearOfReturn),
)
DESTINATION_COUNTRY = FieldSpec(
    name="destination_country", kind="country", label=N_("Country of return"), required=True
)
DESTINATION_PLACE = FieldSpec(
    name="destination_place",
    kind="text",
    label=N_("Place of return (town, district)"),
    max_length=TEXT_MAX_LENGTH,
)
BID_DECIDED_ON = FieldSpec(
    name="bid_decided_on",
    kind="date",
    label=N_("Best-interests determination decided on"),
    dates="up_to_today",
    defaults_to_case=True,
)
BID_OUTCOME = FieldSpec(
    name="bid_outcome",
    kind="choice",
    label=N_("Best-interests determination outcome"),
    choices=tuple(BidOutcome),
    defaults_to_case=True,
)
FAMILY_ASSESSMENT_ON = FieldSpec(
    name="family_assessment_on",
    kind="date",
    label=N_("Family assessment in the country of origin done on"),
    dates="up_to_today",
    defaults_to_case=True,
)
TRAVEL_DOCUMENT = FieldSpec(
    name="travel_document",
    kind="text",
    label=N_("Travel document (type and number)"),
    required=True,
    max_length=TEXT_MAX_LENGTH,
)
DEPARTURE_DATE = FieldSpec(
    name="departure_date",
    kind="date",
    label=N_("Departure date"),
    required=True,
    dates="from_today",
)
DEPARTURE_POINT = FieldSpec(
    name="departure_point",
    kind="text",
    label=N_("Departure point"),
    required=True,
    max_length=TEXT_MAX_LENGTH,
)
FIT_TO_TRAVEL_ON = FieldSpec(
    name="fit_to_travel_on",
    kind="date",
    label=N_("Found fit to travel (medical check) on"),
    required=True,
    dates="up_to_today",
)
TRANSPORT_MODE = FieldSpec(
    name="transport_mode",
    kind="text",
    label=N_("Means of transport"),
    max_length=TEXT_MAX_LENGTH,
)
ESCORT_REQUIRED = FieldSpec(name="escort_required", kind="bool", label=N_("Escort required"))
DEPARTED_ON = FieldSpec(
    name="departure_date",
    kind="date",
    label=N_("Departed on"),
    required=True,
    dates="up_to_today",
    defaults_to_case=True,
)
ARRIVAL_CONFIRMED_ON = FieldSpec(
    name="arrival_confirmed_on",
    kind="date",
    label=N_("Arrival confirmed on"),
    required=True,
    dates="up_to_today",
)
PERMIT_TYPE_SOUGHT = FieldSpec(
    name="permit_type",
    kind="text",
    label=N_("Permit applied for"),
    max_length=TEXT_MAX_LENGTH,
)
APPLICATION_REFERENCE = FieldSpec(
    name="application_reference",
    kind="text",
    label=N_("Application reference"),
    required=True,
    max_length=TEXT_MAX_LENGTH,
)
SUBMITTED_ON = FieldSpec(
    name="submitted_on",
    kind="date",
    label=N_("Submitted on"),
    required=True,
    dates="up_to_today",
)
PERMIT_TYPE_GRANTED = FieldSpec(
    name="permit_type",
    kind="text",
    label=N_("Permit granted"),
    required=True,
    max_length=TEXT_MAX_LENGTH,
    defaults_to_case=True,
)
PERMIT_NUMBER = FieldSpec(
    name="permit_number",
    kind="text",
    label=N_("Permit number"),
    required=True,
    max_length=TEXT_MAX_LENGTH,
)
PERMIT_VALID_UNTIL = FieldSpec(
    name="permit_valid_until",
    kind="date",
    label=N_("Permit valid until"),
    required=True,
    dates="after_today",
)
GRANTED_ON = FieldSpec(
    name="decision_on", kind="date", label=N_("Decided on"), dates="up_to_today"
)
REFUSED_ON = FieldSpec(
    name="decision_on", kind="date", label=N_("Refused on"), required=True, dates="up_to_today"
)
CLOSURE_REASON = FieldSpec(
    name="closure_reason",
    kind="choice",
    label=N_("Why the case is closed"),
    required=True,
    choices=tuple(ClosureReason),
)


# --------------------------------------------------------------------------------------------
# Rules across details
# --------------------------------------------------------------------------------------------


def _departure_not_before_approval(values: Values, case: CaseLike, today: date) -> dict[str, str]:
    departure = values.get("departure_date")
    approved_on = case.return_approved_on
    if isinstance(departure, date) and approved_on is not None and departure < approved_on:
        return {"departure_date": N_("Cannot be before the return was approved.")}
    return {}


def _medical_check_just_before_departure(
    values: Values, case: CaseLike, today: date
) -> dict[str, str]:
    # The pre-departure medical check only says something about the journey if it is recent.
    # (It cannot fall after the departure: it is not in the future, the departure not past.)
    checked_on, departure = values.get("fit_to_travel_on"), values.get("departure_date")
    if not (isinstance(checked_on, date) and isinstance(departure, date)):
        return {}
    if departure - checked_on > timedelta(days=FIT_TO_TRAVEL_MAX_DAYS_BEFORE_DEPARTURE):
        return {
            "fit_to_travel_on": N_(
                "The medical check must be at most 3 days before the departure."
            )
        }
    return {}


def _arrival_not_before_departure(values: Values, case: CaseLike, today: date) -> dict[str, str]:
    arrival = values.get("arrival_confirmed_on")
    departure = case.departure_date
    if isinstance(arrival, date) and departure is not None and arrival < departure:
        return {"arrival_confirmed_on": N_("Cannot be before the departure.")}
    return {}


def _decision_not_before_submission(
    values: Values, case: CaseLike, today: date
) -> dict[str, str]:
    decision = values.get("decision_on")
    submitted = case.submitted_on
    if isinstance(decision, date) and submitted is not None and decision < submitted:
        return {"decision_on": N_("Cannot be before the application was submitted.")}
    return {}


def _appeal_not_before_refusal(values: Values, case: CaseLike, today: date) -> dict[str, str]:
    submitted = values.get("submitted_on")
    refused = case.decision_on
    if isinstance(submitted, date) and refused is not None and submitted < refused:
        return {"submitted_on": N_("An appeal cannot be submitted before the refusal.")}
    return {}


# --------------------------------------------------------------------------------------------
# Guards: the rules that protect the person
# --------------------------------------------------------------------------------------------

FEAR_UNKNOWN = N_("Record whether the person fears return before choosing a pathway.")
FEAR_NOT_CLEARED = N_(
    "The person expressed fear of return: waiting for a supervisor to clear it."
)
SAME_PERSON_APPROVING = N_(
    "A return needs two people: a supervisor other than the one who requested it must approve it."
)
REQUESTER_UNKNOWN = N_(
    "Who requested this return is not recorded: send it back to screening and request it again."
)
CHILD_WITHOUT_BID = N_(
    "A child without an adult is approved for return only after a best-interests determination "
    "for return and a family assessment in the country of origin."
)


def _fear_of_return_known(
    case: CaseLike, actor: ActorLike, values: Values, today: date
) -> str | None:
    return FEAR_UNKNOWN if case.fear_of_return is None else None


def _no_uncleared_fear_of_return(
    case: CaseLike, actor: ActorLike, values: Values, today: date
) -> str | None:
    if case.fear_of_return is None:
        return FEAR_UNKNOWN
    if case.fear_of_return != FearOfReturn.NO and not case.fear_of_return_cleared:
        return FEAR_NOT_CLEARED
    return None


def _approver_is_not_requester(
    case: CaseLike, actor: ActorLike, values: Values, today: date
) -> str | None:
    if case.return_requested_by_id is None:
        return REQUESTER_UNKNOWN
    if case.return_requested_by_id == actor.id:
        return SAME_PERSON_APPROVING
    return None


def _child_alone_has_best_interests_determination(
    case: CaseLike, actor: ActorLike, values: Values, today: date
) -> str | None:
    if not case.child_without_adult:
        return None
    if (
        values.get("bid_decided_on") is None
        or values.get("bid_outcome") != BidOutcome.RETURN
        or values.get("family_assessment_on") is None
    ):
        return CHILD_WITHOUT_BID
    return None


FEAR_KNOWN = Guard(_fear_of_return_known)
NO_UNCLEARED_FEAR = Guard(_no_uncleared_fear_of_return)
FOUR_EYES = Guard(_approver_is_not_requester)
CHILD_BEST_INTERESTS = Guard(
    _child_alone_has_best_interests_determination, satisfiable_by_details=True
)


# --------------------------------------------------------------------------------------------
# Effects
# --------------------------------------------------------------------------------------------


def _remember_requester(case: CaseLike, actor: ActorLike, values: Values, today: date) -> None:
    case.return_requested_by_id = actor.id


def _remember_approver(case: CaseLike, actor: ActorLike, values: Values, today: date) -> None:
    case.return_approved_by_id = actor.id
    case.return_approved_on = today


def _forget_return_decision(case: CaseLike, actor: ActorLike, values: Values, today: date) -> None:
    # Back in screening, a return must be requested and approved afresh by two people.
    case.return_requested_by_id = None
    case.return_approved_by_id = None
    case.return_approved_on = None


def _forget_closure_reason(case: CaseLike, actor: ActorLike, values: Values, today: date) -> None:
    case.closure_reason = None


def _withdraw_clearance_if_fear_changes(
    case: CaseLike, actor: ActorLike, values: Values, today: date
) -> None:
    if "fear_of_return" in values:
        _set_fear_of_return(case, str(values["fear_of_return"]))


def _set_fear_of_return(case: CaseLike, value: str) -> None:
    # A supervisor cleared what the person said then; a new answer needs a new look.
    if value != case.fear_of_return:
        case.fear_of_return_cleared = False
        case.fear_of_return_cleared_by_id = None
        case.fear_of_return_cleared_reason = None
    case.fear_of_return = value


# --------------------------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------------------------

TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        action="start_screening",
        sources=frozenset({S.REGISTERED}),
        target=S.SCREENING,
        roles=OFFICER_WORK,
        label=N_("Start screening"),
        description=N_(
            "Counselling and assessment begin: the pathway, protection needs and any fear of "
            "return."
        ),
        fields=(FEAR_OF_RETURN,),
        effects=(_withdraw_clearance_if_fear_changes,),
    ),
    Transition(
        action="request_return",
        sources=frozenset({S.SCREENING}),
        target=S.RETURN_REQUESTED,
        roles=OFFICER_WORK,
        label=N_("Request voluntary return"),
        description=N_(
            "The person signed a voluntary return declaration. A supervisor other than the "
            "requester must approve it."
        ),
        fields=(DESTINATION_COUNTRY, DESTINATION_PLACE),
        guards=(NO_UNCLEARED_FEAR,),
        effects=(_remember_requester,),
    ),
    Transition(
        action="request_regularisation",
        sources=frozenset({S.SCREENING}),
        target=S.REGULARISATION_REQUESTED,
        roles=OFFICER_WORK,
        label=N_("Prepare a regularisation"),
        description=N_("The person will apply for a permit to stay; the application is prepared."),
        fields=(PERMIT_TYPE_SOUGHT,),
        guards=(FEAR_KNOWN,),
    ),
    Transition(
        action="refer",
        sources=frozenset({S.SCREENING}),
        target=S.REFERRED,
        roles=OFFICER_WORK,
        label=N_("Refer to a protection actor"),
        description=N_(
            "Hand the person to a protection actor (asylum, trafficking, child protection). "
            "Say to whom and why. Allowed whatever the person said about fear of return."
        ),
        reason_required=True,
    ),
    Transition(
        action="approve_return",
        sources=frozenset({S.RETURN_REQUESTED}),
        target=S.RETURN_APPROVED,
        roles=SUPERVISOR_ONLY,
        label=N_("Approve the return"),
        description=N_(
            "A supervisor who did not request the return approves it. For a child without an "
            "adult, record the best-interests determination and the family assessment."
        ),
        fields=(BID_DECIDED_ON, BID_OUTCOME, FAMILY_ASSESSMENT_ON),
        guards=(NO_UNCLEARED_FEAR, FOUR_EYES, CHILD_BEST_INTERESTS),
        effects=(_remember_approver,),
    ),
    Transition(
        action="send_back",
        sources=frozenset({S.RETURN_REQUESTED, S.RETURN_APPROVED, S.TRAVEL_READY}),
        target=S.SCREENING,
        roles=OFFICER_WORK,
        label=N_("Back to screening"),
        description=N_(
            "Send the return back, or record that the person withdrew: a return is voluntary "
            "until departure. Say why."
        ),
        fields=(FEAR_OF_RETURN,),
        reason_required=True,
        effects=(_forget_return_decision, _withdraw_clearance_if_fear_changes),
    ),
    Transition(
        action="schedule_travel",
        sources=frozenset({S.RETURN_APPROVED}),
        target=S.TRAVEL_READY,
        roles=OFFICER_WORK,
        label=N_("Schedule the travel"),
        description=N_(
            "The travel document is in hand, the person was found fit to travel at most 3 days "
            "before departure, and the departure is set."
        ),
        fields=(
            TRAVEL_DOCUMENT,
            DEPARTURE_DATE,
            DEPARTURE_POINT,
            FIT_TO_TRAVEL_ON,
            TRANSPORT_MODE,
            ESCORT_REQUIRED,
            DESTINATION_PLACE,
        ),
        rules=(_departure_not_before_approval, _medical_check_just_before_departure),
        guards=(NO_UNCLEARED_FEAR,),
    ),
    Transition(
        action="mark_departed",
        sources=frozenset({S.TRAVEL_READY}),
        target=S.DEPARTED,
        roles=OFFICER_WORK,
        label=N_("Mark as departed"),
        description=N_("The person left the border point."),
        fields=(DEPARTED_ON,),
        rules=(_departure_not_before_approval,),
        guards=(NO_UNCLEARED_FEAR,),
    ),
    Transition(
        action="confirm_return",
        sources=frozenset({S.DEPARTED}),
        target=S.RETURNED,
        roles=OFFICER_WORK,
        label=N_("Confirm the arrival"),
        description=N_("The arrival in the country of origin is confirmed."),
        fields=(ARRIVAL_CONFIRMED_ON,),
        rules=(_arrival_not_before_departure,),
    ),
    Transition(
        action="submit_application",
        sources=frozenset({S.REGULARISATION_REQUESTED}),
        target=S.APPLICATION_SUBMITTED,
        roles=OFFICER_WORK,
        label=N_("Record the submission"),
        description=N_("The application was submitted to the immigration authority."),
        fields=(APPLICATION_REFERENCE, SUBMITTED_ON),
    ),
    Transition(
        action="grant_permit",
        sources=frozenset({S.APPLICATION_SUBMITTED}),
        target=S.REGULARISED,
        roles=OFFICER_WORK,
        label=N_("Record the permit granted"),
        description=N_("The immigration authority granted a permit."),
        fields=(PERMIT_TYPE_GRANTED, PERMIT_NUMBER, PERMIT_VALID_UNTIL, GRANTED_ON),
        rules=(_decision_not_before_submission,),
    ),
    Transition(
        action="record_refusal",
        sources=frozenset({S.APPLICATION_SUBMITTED}),
        target=S.REFUSED,
        roles=OFFICER_WORK,
        label=N_("Record the refusal"),
        description=N_(
            "The immigration authority refused the application. It can be appealed, or another "
            "pathway chosen."
        ),
        fields=(REFUSED_ON,),
        rules=(_decision_not_before_submission,),
    ),
    Transition(
        action="appeal",
        sources=frozenset({S.REFUSED}),
        target=S.APPLICATION_SUBMITTED,
        roles=OFFICER_WORK,
        label=N_("Record an appeal"),
        description=N_("An appeal against the refusal was submitted."),
        fields=(APPLICATION_REFERENCE, SUBMITTED_ON),
        rules=(_appeal_not_before_refusal,),
    ),
    Transition(
        action="change_pathway",
        sources=frozenset({S.REGULARISATION_REQUESTED, S.REFUSED}),
        target=S.SCREENING,
        roles=OFFICER_WORK,
        label=N_("Choose another pathway"),
        description=N_("Back to screening to choose another pathway. Say why."),
        fields=(FEAR_OF_RETURN,),
        reason_required=True,
        effects=(_withdraw_clearance_if_fear_changes,),
    ),
    Transition(
        action="close",
        sources=frozenset(set(CaseStatus) - {S.CLOSED}),
        target=S.CLOSED,
        roles=SUPERVISOR_ONLY,
        label=N_("Close the case"),
        description=N_("The case ends. Say why."),
        fields=(CLOSURE_REASON,),
        reason_required=True,
    ),
    Transition(
        action="reopen",
        sources=frozenset({S.CLOSED}),
        target=S.SCREENING,
        roles=SUPERVISOR_ONLY,
        label=N_("Reopen the case"),
        description=N_("The case returns to screening. Say why."),
        fields=(FEAR_OF_RETURN,),
        reason_required=True,
        effects=(
            _forget_closure_reason,
            _forget_return_decision,
            _withdraw_clearance_if_fear_changes,
        ),
    ),
)

TRANSITIONS_BY_ACTION: dict[str, Transition] = {t.action: t for t in TRANSITIONS}


def _one_move_per_pair() -> dict[tuple[str, str], Transition]:
    # A case's status and a target name the move; two moves for one pair would be ambiguous.
    moves: dict[tuple[str, str], Transition] = {}
    for transition in TRANSITIONS:
        for source in transition.sources:
            pair = (source, transition.target)
            if pair in moves:
                raise ValueError(f"two moves from {source} to {transition.target}")
            moves[pair] = transition
    return moves


_MOVES = _one_move_per_pair()


def find_transition(from_status: str, to_status: str) -> Transition | None:
    """The move from `from_status` to `to_status`, whoever makes it; None if there is none."""
    return _MOVES.get((from_status, to_status))


# --------------------------------------------------------------------------------------------
# Making a move
# --------------------------------------------------------------------------------------------


def apply_transition(
    case: CaseLike,
    actor: ActorLike,
    to: str,
    details: Mapping[str, object],
    reason: str | None,
    today: date,
) -> TransitionRecord:
    """Move `case` to status `to`, or raise without touching it.

    Refusals, in this order: an unknown status is NotAllowed; a move the actor's role may not
    make is Forbidden; a move not possible from the current status is NotAllowed; missing or
    invalid details are InvalidDetails (all at once); a protecting rule is GuardRefused.
    Keys of `details` that are not fields of the move are ignored.
    """
    transition = _transition_for(case, actor, to)
    values, clean_reason = _check_details(transition, case, details, reason, today)
    refusal = _first_refusal(transition, case, actor, values, today)
    if refusal is not None:
        raise GuardRefused(refusal)

    # Nothing below may refuse: the case changes whole or not at all.
    from_status = case.status
    pathway = pathway_for(transition.target, case.pathway)
    for effect in transition.effects:
        effect(case, actor, values, today)
    for name, value in values.items():
        setattr(case, name, value)
    case.pathway = pathway.value
    case.status = transition.target.value
    return TransitionRecord(
        action=transition.action,
        from_status=str(from_status),
        to_status=str(transition.target),
        reason=clean_reason,
        details={name: _json_safe(value) for name, value in values.items()},
    )


def available_transitions(case: CaseLike, actor: ActorLike, today: date) -> list[Transition]:
    """The moves the actor's role may make from the case's status, in the table's order.

    Some may still be blocked by a guard: ask `blocked_reason` before offering the button.
    No move's availability depends on the date yet; `today` is taken so callers need not
    change when one does.
    """
    return [t for t in TRANSITIONS if case.status in t.sources and actor.role in t.roles]


# Asked only about a child without an adult: for anyone else they are noise on the approval.
CHILD_ALONE_FIELDS = frozenset({BID_DECIDED_ON.name, BID_OUTCOME.name, FAMILY_ASSESSMENT_ON.name})


def fields_for(transition: Transition, case: CaseLike) -> tuple[FieldSpec, ...]:
    """The details a form for `transition` asks about this case, in the table's order."""
    if case.child_without_adult:
        return transition.fields
    return tuple(spec for spec in transition.fields if spec.name not in CHILD_ALONE_FIELDS)


def blocked_reason(
    transition: Transition, case: CaseLike, actor: ActorLike, today: date
) -> str | None:
    """Why `actor` cannot make `transition` now, before any detail is typed; None if they can.

    Guards the step's own details can satisfy (a child's best-interests determination) do not
    block: the form is where those facts are recorded.
    """
    if case.status not in transition.sources:
        return N_("This step is not possible from the case's current status.")
    if actor.role not in transition.roles:
        return N_("Your role may not take this step.")
    return _first_refusal(transition, case, actor, {}, today, before_details=True)


_NOT_FROM_HERE = N_("A case cannot move from %(from_status)s to %(to_status)s.")
_ROLE_MAY_NOT = N_("Your role may not move a case from %(from_status)s to %(to_status)s.")
_NOT_A_STATUS = N_("%(to_status)s is not a case status.")


def _transition_for(case: CaseLike, actor: ActorLike, to: str) -> Transition:
    try:
        target = CaseStatus(to)
    except ValueError:
        raise NotAllowed(_NOT_A_STATUS, params={"to_status": to}) from None
    params: dict[str, object] = {"from_status": str(case.status), "to_status": str(target)}
    into_target = [t for t in TRANSITIONS if t.target == target]

    move = find_transition(case.status, target)
    if move is not None:
        if actor.role in move.roles:
            return move
        raise Forbidden(_ROLE_MAY_NOT, params=params)
    # No such move from here. It is still the role's refusal (403) when the role makes no
    # moves at all (admin) or never moves a case into this status; it is the case's (422)
    # when the role could reach it from another status, or nobody moves a case into it.
    if not any(actor.role in t.roles for t in TRANSITIONS):
        raise Forbidden(_ROLE_MAY_NOT, params=params)
    role_reaches_target = any(actor.role in t.roles for t in into_target)
    if into_target and not role_reaches_target:
        raise Forbidden(_ROLE_MAY_NOT, params=params)
    raise NotAllowed(_NOT_FROM_HERE, params=params)


def _first_refusal(
    transition: Transition,
    case: CaseLike,
    actor: ActorLike,
    values: Values,
    today: date,
    *,
    before_details: bool = False,
) -> str | None:
    for guard in transition.guards:
        if before_details and guard.satisfiable_by_details:
            continue
        refusal = guard.check(case, actor, values, today)
        if refusal is not None:
            return refusal
    return None


# --------------------------------------------------------------------------------------------
# Fear of return: recorded and cleared beside the moves
# --------------------------------------------------------------------------------------------


def record_fear_of_return(case: CaseLike, actor: ActorLike, value: object) -> TransitionRecord:
    """Record what the person said about fear of return; a new answer withdraws any clearance."""
    if actor.role not in OFFICER_WORK:
        raise Forbidden(N_("Your role may not record a fear of return."))
    if case.status not in FEAR_ASSESSED_IN:
        raise NotAllowed(N_("Fear of return is recorded during registration and screening."))
    spec = FEAR_OF_RETURN
    try:
        if _is_blank(value):
            raise _Invalid(_REQUIRED)
        fear = str(_parse_value(spec, value))
    except _Invalid as invalid:
        raise InvalidDetails(_DETAILS_INVALID, fields={spec.name: invalid.message}) from None
    _set_fear_of_return(case, fear)
    return TransitionRecord(
        action="record_fear_of_return",
        from_status=str(case.status),
        to_status=str(case.status),
        reason=None,
        details={"fear_of_return": fear},
    )


def clear_fear_of_return(case: CaseLike, actor: ActorLike, reason: str | None) -> TransitionRecord:
    """A supervisor clears an expressed fear of return, saying why, so a return may be requested."""
    if actor.role not in SUPERVISOR_ONLY:
        raise Forbidden(N_("Only a supervisor may clear a fear of return."))
    if case.status not in FEAR_ASSESSED_IN:
        raise NotAllowed(N_("Fear of return is cleared during registration and screening."))
    if case.fear_of_return not in (FearOfReturn.YES, FearOfReturn.UNCLEAR):
        raise NotAllowed(N_("The person expressed no fear of return to clear."))
    if case.fear_of_return_cleared:
        raise NotAllowed(N_("This fear of return was already cleared."))
    errors: dict[str, str] = {}
    clean_reason = _check_reason(reason, required=True, errors=errors)
    if errors:
        raise InvalidDetails(_DETAILS_INVALID, fields=errors)
    case.fear_of_return_cleared = True
    case.fear_of_return_cleared_by_id = actor.id
    case.fear_of_return_cleared_reason = clean_reason
    return TransitionRecord(
        action="clear_fear_of_return",
        from_status=str(case.status),
        to_status=str(case.status),
        reason=clean_reason,
        details={"fear_of_return": case.fear_of_return},
    )


# --------------------------------------------------------------------------------------------
# Reading details
# --------------------------------------------------------------------------------------------

_DETAILS_INVALID = N_("Some details are missing or invalid.")
_REQUIRED = N_("This detail is required.")
_REASON_REQUIRED = N_("Say why.")
_NOT_TEXT = N_("Must be text.")
_TOO_LONG = N_("Too long.")
_BAD_CHARACTERS = N_("Contains characters that are not allowed.")
_BAD_DATE = N_("Not a valid date (use YYYY-MM-DD).")
_BAD_COUNTRY = N_("Not a country code (ISO 3166-1 alpha-3, e.g. BDI).")
_BAD_CHOICE = N_("Not one of the allowed values.")
_BAD_BOOL = N_("Must be yes or no.")
_IN_THE_FUTURE = N_("Cannot be in the future.")
_IN_THE_PAST = N_("Cannot be in the past.")
_NOT_AFTER_TODAY = N_("Must be after today.")

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ALPHA_3 = re.compile(r"[A-Z]{3}")
_TRUE_WORDS = frozenset({"true", "on", "yes", "y", "1"})
_FALSE_WORDS = frozenset({"false", "off", "no", "n", "0"})
# A reason is prose: line breaks and tabs are fine there, not in a one-line detail.
_PROSE_WHITESPACE = frozenset("\n\r\t")


class _Invalid(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _check_details(
    transition: Transition,
    case: CaseLike,
    details: Mapping[str, object],
    reason: str | None,
    today: date,
) -> tuple[dict[str, object], str | None]:
    values: dict[str, object] = {}
    errors: dict[str, str] = {}
    for spec in transition.fields:
        raw = details.get(spec.name)
        try:
            if not _is_blank(raw):
                values[spec.name] = _parse_value(spec, raw, today)
            elif spec.defaults_to_case and getattr(case, spec.name) is not None:
                values[spec.name] = _parse_value(spec, getattr(case, spec.name), today)
            elif spec.required:
                raise _Invalid(_REQUIRED)
        except _Invalid as invalid:
            errors[spec.name] = invalid.message
    for rule in transition.rules:
        for name, message in rule(values, case, today).items():
            errors.setdefault(name, message)
    clean_reason = _check_reason(reason, required=transition.reason_required, errors=errors)
    if errors:
        raise InvalidDetails(_DETAILS_INVALID, fields=errors)
    return values, clean_reason


def _check_reason(reason: object, *, required: bool, errors: dict[str, str]) -> str | None:
    if _is_blank(reason):
        if required:
            errors["reason"] = _REASON_REQUIRED
        return None
    try:
        return _clean_text(reason, REASON_MAX_LENGTH, allowed=_PROSE_WHITESPACE)
    except _Invalid as invalid:
        errors["reason"] = invalid.message
        return None


def _is_blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _parse_value(spec: FieldSpec, raw: object, today: date | None = None) -> object:
    if spec.kind == "text":
        assert spec.max_length is not None  # FieldSpec insists on it
        return _clean_text(raw, spec.max_length)
    if spec.kind == "choice":
        if not isinstance(raw, str) or raw.strip() not in spec.choices:
            raise _Invalid(_BAD_CHOICE)
        return raw.strip()
    if spec.kind == "country":
        return _parse_country(raw)
    if spec.kind == "bool":
        return _parse_bool(raw)
    parsed = _parse_date(raw)
    if today is not None:
        _check_date_range(parsed, spec.dates, today)
    return parsed


def _clean_text(raw: object, max_length: int, allowed: frozenset[str] = frozenset()) -> str:
    if not isinstance(raw, str):
        raise _Invalid(_NOT_TEXT)
    text = unicodedata.normalize("NFC", raw.strip())
    if any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in allowed for ch in text):
        raise _Invalid(_BAD_CHARACTERS)
    if len(text) > max_length:
        raise _Invalid(_TOO_LONG)
    return text


def _parse_date(raw: object) -> date:
    # datetime is a date too, but a moment is not a day: refuse rather than guess the zone.
    if isinstance(raw, date) and not isinstance(raw, datetime):
        return raw
    if isinstance(raw, str) and _ISO_DATE.fullmatch(raw.strip()):
        try:
            return date.fromisoformat(raw.strip())
        except ValueError:
            pass
    raise _Invalid(_BAD_DATE)


def _check_date_range(value: date, dates: DateRange, today: date) -> None:
    if dates == "up_to_today" and value > today:
        raise _Invalid(_IN_THE_FUTURE)
    if dates == "from_today" and value < today:
        raise _Invalid(_IN_THE_PAST)
    if dates == "after_today" and value <= today:
        raise _Invalid(_NOT_AFTER_TODAY)


def _parse_country(raw: object) -> str:
    # A return goes to a real country: the ICAO codes for stateless (XXA) and unknown (XXX),
    # fine as a nationality, are not destinations, and pycountry does not know them.
    if not isinstance(raw, str):
        raise _Invalid(_BAD_COUNTRY)
    code = raw.strip().upper()
    if not _ALPHA_3.fullmatch(code) or pycountry.countries.get(alpha_3=code) is None:
        raise _Invalid(_BAD_COUNTRY)
    return code


def _parse_bool(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str):
        word = raw.strip().lower()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
    raise _Invalid(_BAD_BOOL)


def _json_safe(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


# --------------------------------------------------------------------------------------------
# The table drawn, and the rules it keeps
# --------------------------------------------------------------------------------------------


def mermaid_diagram() -> str:
    """The workflow as a Mermaid stateDiagram-v2, drawn from TRANSITIONS so it cannot drift."""
    lines = ["stateDiagram-v2", f"    [*] --> {S.REGISTERED}"]
    for transition in TRANSITIONS:
        roles = ", ".join(role for role in Role if role in transition.roles)
        for source in (status for status in CaseStatus if status in transition.sources):
            lines.append(f"    {source} --> {transition.target}: {transition.action} ({roles})")
    return "\n".join(lines) + "\n"


def check_invariants(case: CaseLike) -> list[str]:
    """What is inconsistent in `case` (empty when it could have come through the workflow).

    For developers and tests: the messages are plain English, not shown to users.
    """
    problems: list[str] = []
    status = case.status
    if status not in set(CaseStatus):
        return [f"status {status!r} is not a case status"]
    if case.pathway not in set(Pathway):
        problems.append(f"pathway {case.pathway!r} is not a pathway")
    elif status != S.CLOSED and case.pathway != pathway_for(status, case.pathway):
        problems.append(f"pathway {case.pathway} does not match status {status}")

    if status == S.CLOSED:
        if case.closure_reason not in set(ClosureReason):
            problems.append("a closed case needs a closure reason")
    elif case.closure_reason is not None:
        problems.append("an open case has a closure reason")

    if status in RETURN_STATUSES:
        if case.destination_country is None:
            problems.append("a return needs a destination country")
        if case.return_requested_by_id is None:
            problems.append("a return needs the id of who requested it")
    elif status != S.CLOSED and (
        case.return_requested_by_id is not None or case.return_approved_by_id is not None
    ):
        problems.append("a return decision is recorded on a case not on the return pathway")
    if status == S.RETURN_REQUESTED and case.return_approved_by_id is not None:
        problems.append("a return awaiting approval already has an approver")
    if status in RETURN_STATUSES[1:]:
        if case.return_approved_by_id is None or case.return_approved_on is None:
            problems.append("an approved return needs who approved it and when")
        elif case.return_approved_by_id == case.return_requested_by_id:
            problems.append("a return was approved by the person who requested it")
        if case.child_without_adult and (
            case.bid_decided_on is None
            or case.bid_outcome != BidOutcome.RETURN
            or case.family_assessment_on is None
        ):
            problems.append("a child without an adult was approved without a BID for return")
    if status in RETURN_STATUSES[2:]:
        for name in ("travel_document", "departure_date", "departure_point", "fit_to_travel_on"):
            if getattr(case, name) is None:
                problems.append(f"a scheduled return needs {name}")
    if status == S.RETURNED and case.arrival_confirmed_on is None:
        problems.append("a confirmed return needs arrival_confirmed_on")

    if status in REGULARISATION_STATUSES[1:]:
        if case.application_reference is None or case.submitted_on is None:
            problems.append("a submitted application needs its reference and date")
    if status == S.REGULARISED:
        for name in ("permit_type", "permit_number", "permit_valid_until"):
            if getattr(case, name) is None:
                problems.append(f"a granted permit needs {name}")
    if status == S.REFUSED and case.decision_on is None:
        problems.append("a refusal needs decision_on")

    fear_open = case.fear_of_return in (FearOfReturn.YES, FearOfReturn.UNCLEAR)
    if fear_open and not case.fear_of_return_cleared and status in RETURN_STATUSES:
        problems.append("a person with an uncleared fear of return is on the return pathway")
    if case.fear_of_return_cleared and (
        case.fear_of_return_cleared_by_id is None or not case.fear_of_return_cleared_reason
    ):
        problems.append("a cleared fear of return needs who cleared it and why")
    return problems
