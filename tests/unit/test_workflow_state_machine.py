"""Random lives of a case: whatever anyone tries, it stays consistent; refusals change nothing."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from datetime import date, timedelta

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from registry.domain.errors import DomainError
from registry.domain.vocabulary import ClosureReason, FearOfReturn
from registry.domain.workflow import (
    TRANSITIONS,
    FieldSpec,
    apply_transition,
    available_transitions,
    blocked_reason,
    check_invariants,
    clear_fear_of_return,
    record_fear_of_return,
)

# The fake case and the cast of actors are the specification's own.
from .test_workflow import (
    ADMIN,
    OFFICER,
    OTHER_OFFICER,
    OTHER_SUPERVISOR,
    STATUSES,
    SUPERVISOR,
    TODAY,
    Actor,
    FakeCase,
)

ACTORS = (OFFICER, OTHER_OFFICER, SUPERVISOR, OTHER_SUPERVISOR, ADMIN)
TARGETS = (*STATUSES, "deleted")
STEPS_BACK = frozenset({"send_back", "change_pathway", "close", "reopen", "refer"})
REASONS = st.sampled_from([None, "", "   ", "The person asked.", "bad\x00reason", "x" * 3000])

# Day offsets from the machine's today: enough to fall on both sides of every date rule.
OFFSETS = st.integers(min_value=-6, max_value=6)


def raw_values(spec: FieldSpec, today: date) -> st.SearchStrategy[object]:
    """Values an officer or a client might send for `spec`: valid, blank, malformed."""
    if spec.kind == "date":
        return st.one_of(
            OFFSETS.map(lambda n: today + timedelta(days=n)),
            OFFSETS.map(lambda n: (today + timedelta(days=n)).isoformat()),
            st.sampled_from(["", "2026-02-30", "yesterday"]),
        )
    if spec.kind == "country":
        return st.sampled_from(["BDI", " cod ", "ZZZ", "XXA", ""])
    if spec.kind == "choice":
        return st.sampled_from([*spec.choices, "bogus", ""])
    if spec.kind == "bool":
        return st.sampled_from([True, False, "on", "maybe"])
    return st.sampled_from(["LP-0042", "  Manyovu ", "", "bad\x07text", "x" * 201])


SPECS_BY_NAME = {spec.name: spec for t in TRANSITIONS for spec in t.fields}


@functools.cache  # building the strategy anew at every step would dominate the run time
def random_details(today: date) -> st.SearchStrategy[dict[str, object]]:
    return st.fixed_dictionaries(
        {}, optional={name: raw_values(spec, today) for name, spec in SPECS_BY_NAME.items()}
    )


def valid_details(data: st.DataObject, action: str, today: date) -> dict[str, object]:
    """Details that pass every detail rule of `action` (its guards may still refuse)."""
    if action in ("start_screening", "send_back", "change_pathway", "reopen"):
        fear = data.draw(st.sampled_from([None, "no", "no", "yes", "unclear"]))
        return {} if fear is None else {"fear_of_return": fear}
    if action == "request_return":
        return {"destination_country": "BDI"}
    if action == "approve_return" and data.draw(st.booleans(), label="with a BID"):
        return {"bid_decided_on": today, "bid_outcome": "return", "family_assessment_on": today}
    if action == "schedule_travel":
        return {
            "travel_document": "LP-0042",
            "departure_date": today + timedelta(days=data.draw(st.integers(0, 3))),
            "departure_point": "Manyovu",
            "fit_to_travel_on": today,
        }
    if action == "mark_departed":
        return {"departure_date": today}
    if action == "confirm_return":
        return {"arrival_confirmed_on": today}
    if action in ("submit_application", "appeal"):
        return {"application_reference": "IMM-1", "submitted_on": today}
    if action == "grant_permit":
        return {
            "permit_type": "work",
            "permit_number": "WP-1",
            "permit_valid_until": today + timedelta(days=365),
        }
    if action == "record_refusal":
        return {"decision_on": today}
    if action == "close":
        return {"closure_reason": data.draw(st.sampled_from(list(ClosureReason)))}
    return {}


class CaseLife(RuleBasedStateMachine):
    case: FakeCase
    today: date

    @initialize(child_without_adult=st.booleans())
    def register(self, child_without_adult: bool) -> None:
        self.case = FakeCase(child_without_adult=child_without_adult)
        self.today = TODAY

    def attempt(self, step: Callable[..., object], *args: object) -> bool:
        """Take `step` on the case; a refusal must leave the case exactly as it was."""
        before = dataclasses.asdict(self.case)
        try:
            step(self.case, *args)
        except DomainError:
            assert dataclasses.asdict(self.case) == before
            return False
        return True

    @rule(
        actor=st.sampled_from(ACTORS),
        to=st.sampled_from(TARGETS),
        reason=REASONS,
        data=st.data(),
    )
    def try_any_move(self, actor: Actor, to: str, reason: str | None, data: st.DataObject) -> None:
        details = data.draw(random_details(self.today))
        if self.attempt(apply_transition, actor, to, details, reason, self.today):
            assert self.case.status == to

    @rule(steps=st.integers(min_value=1, max_value=6), data=st.data())
    def follow_the_workflow(self, steps: int, data: st.DataObject) -> None:
        # Random moves rarely get far; taking offered, unblocked steps in a row with valid
        # details reaches departed, returned, regularised and refused often enough to check them.
        for _ in range(steps):
            if data.draw(st.booleans(), label="a day passes"):
                self.today += timedelta(days=1)
            offered = [
                (actor, transition)
                for actor in ACTORS
                for transition in available_transitions(self.case, actor, self.today)
                if blocked_reason(transition, self.case, actor, self.today) is None
            ]
            forward = [(a, t) for a, t in offered if t.action not in STEPS_BACK]
            if not offered:
                return
            choices = forward if forward and data.draw(st.integers(0, 4)) else offered
            actor, transition = data.draw(st.sampled_from(choices))
            details = valid_details(data, transition.action, self.today)
            self.attempt(
                apply_transition, actor, transition.target, details, "Because.", self.today
            )

    @rule(actor=st.sampled_from(ACTORS), value=st.sampled_from([*FearOfReturn, "maybe", None]))
    def record_fear(self, actor: Actor, value: str | None) -> None:
        self.attempt(record_fear_of_return, actor, value)

    @rule(actor=st.sampled_from(ACTORS), reason=REASONS)
    def clear_fear(self, actor: Actor, reason: str | None) -> None:
        self.attempt(clear_fear_of_return, actor, reason)

    @invariant()
    def the_case_is_consistent(self) -> None:
        assert check_invariants(self.case) == []


CaseLife.TestCase.settings = settings(max_examples=200, stateful_step_count=30, deadline=None)
TestTheLifeOfACase = CaseLife.TestCase
