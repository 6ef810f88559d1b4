"""What waits for whom: a supervisor's queue and an officer's own cases, oldest first."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Select, case as sql_case, func, select
from sqlalchemy.orm import contains_eager, selectinload

from registry.domain.errors import Forbidden
from registry.domain.i18n import N_
from registry.domain.vocabulary import CaseStatus, FearOfReturn, Priority, Role
from registry.domain.workflow import FEAR_ASSESSED_IN
from registry.extensions import db
from registry.models import Case, FollowUp, User
from registry.services.cases import scoped

# A page shows at most this many rows per section; the count says how many wait in all, up to
# COUNT_LIMIT (beyond it the page says "more than"): counting further would cost time for nothing.
SECTION_LIMIT = 25
COUNT_LIMIT = 1000

S = CaseStatus
# Reached the end of a pathway: a supervisor closes them.
WAITING_TO_BE_CLOSED = (S.RETURNED, S.REGULARISED, S.REFERRED)
# Not "stalled" however long they wait: closed, or listed in a section of their own.
NOT_STALLED = (S.CLOSED, S.RETURN_REQUESTED, *WAITING_TO_BE_CLOSED)


@dataclass(frozen=True)
class Section:
    """One kind of work waiting: how many in all, and the oldest of them."""

    key: str
    title: str  # untranslated (N_)
    explanation: str  # untranslated (N_)
    total: int  # at most COUNT_LIMIT + 1
    cases: list[Case] = field(default_factory=list)
    follow_ups: list[FollowUp] = field(default_factory=list)

    @property
    def more_than_counted(self) -> bool:
        return self.total > COUNT_LIMIT


@dataclass(frozen=True)
class Queue:
    sections: list[Section]
    stale_days: int
    count_limit: int


def _count(query: Select, limit: int | None = None) -> int:  # type: ignore[type-arg]
    """How many rows `query` finds, counting no further than `limit` + 1."""
    query = query.order_by(None).with_only_columns(query.selected_columns[0].table.c.id,
                                                  maintain_column_froms=True)
    if limit is not None:
        query = query.limit(limit + 1)
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


def _case_section(key: str, title: str, explanation: str, query: Select) -> Section:  # type: ignore[type-arg]
    cases = list(db.session.scalars(
        query.options(selectinload(Case.assigned_to))
        .order_by(Case.status_changed_at, Case.id).limit(SECTION_LIMIT)
    ))  # fmt: skip
    return Section(key, title, explanation, _count(query, COUNT_LIMIT), cases=cases)


def overdue_follow_ups(cases: Select, today: date) -> Select:  # type: ignore[type-arg]
    """Open follow-ups due before today on the open cases among `cases`, oldest due first."""
    # Joined, not "case_id IN (the cases)": the open follow-ups past due are few, the cases many.
    return (
        select(FollowUp)
        .join(Case, Case.id == FollowUp.case_id)
        .where(cases.whereclause, FollowUp.done_on.is_(None), FollowUp.due_on < today,
               Case.status != S.CLOSED)
        .order_by(FollowUp.due_on, FollowUp.id)
    )


def _with_cases(query: Select) -> Select:  # type: ignore[type-arg]
    return query.options(contains_eager(FollowUp.case), selectinload(FollowUp.created_by))


def _follow_up_section(query: Select) -> Section:  # type: ignore[type-arg]
    rows = list(db.session.scalars(_with_cases(query).limit(SECTION_LIMIT)))
    return Section(
        "overdue_follow_ups",
        N_("Overdue follow-ups"),
        N_("Tasks whose due date has passed on open cases."),
        _count(query, COUNT_LIMIT),
        follow_ups=rows,
    )


def supervisor_queue(actor: User, today: date, now: datetime, stale_days: int) -> Queue:
    """Everything that waits for this supervisor in their border points, each kind oldest first."""
    if actor.role != Role.SUPERVISOR:
        raise Forbidden(N_("The queue lists a supervisor's work."))
    mine = scoped(actor)
    approvals = mine.where(Case.status == S.RETURN_REQUESTED).where(
        # Four eyes: a return this supervisor requested waits for another one.
        (Case.return_requested_by_id != actor.id) | Case.return_requested_by_id.is_(None)
    )
    fears = mine.where(
        Case.status.in_(FEAR_ASSESSED_IN),
        Case.fear_of_return.in_((FearOfReturn.YES, FearOfReturn.UNCLEAR)),
        Case.fear_of_return_cleared.is_(False),
    )
    to_close = mine.where(Case.status.in_(WAITING_TO_BE_CLOSED))
    stalled = mine.where(
        Case.status.not_in(NOT_STALLED),
        Case.status_changed_at < now - timedelta(days=stale_days),
    )
    sections = [
        _case_section("approvals", N_("Returns to approve"),
                      N_("A return needs a supervisor other than the one who requested it."), approvals),
        _case_section("fears", N_("Fears of return to clear"),
                      N_("The person expressed fear of return: no return until it is cleared."), fears),
        _case_section("to_close", N_("Cases to close"),
                      N_("Returned, regularised or referred: close them with a reason."), to_close),
        _follow_up_section(overdue_follow_ups(mine, today)),
        _case_section("stalled", N_("No movement"),
                      N_("Open cases whose status has not changed for %(days)s days or more."), stalled),
    ]  # fmt: skip
    return Queue(sections=sections, stale_days=stale_days, count_limit=COUNT_LIMIT)


@dataclass(frozen=True)
class MyCases:
    overdue: list[FollowUp]
    cases: list[Case]
    next_due: dict[int, date]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


_PRIORITY_ORDER = sql_case(
    (Case.priority == Priority.URGENT, 0), (Case.priority == Priority.HIGH, 1), else_=2
)


def my_cases(actor: User, today: date, page: int, per_page: int) -> MyCases:
    """The open cases assigned to the actor: overdue follow-ups first, then urgent, then oldest."""
    mine = scoped(actor).where(Case.assigned_to_id == actor.id)
    open_cases = mine.where(Case.status != S.CLOSED)
    overdue = list(db.session.scalars(_with_cases(overdue_follow_ups(mine, today)).limit(SECTION_LIMIT)))
    total = _count(open_cases)
    page = max(1, min(page, max(1, -(-total // per_page))))
    cases = list(db.session.scalars(
        open_cases.order_by(_PRIORITY_ORDER, Case.status_changed_at, Case.id)
        .limit(per_page).offset((page - 1) * per_page)
    ))  # fmt: skip
    next_due: dict[int, date] = {}
    if cases:
        rows = db.session.execute(
            select(FollowUp.case_id, func.min(FollowUp.due_on))
            .where(FollowUp.case_id.in_([c.id for c in cases]), FollowUp.done_on.is_(None))
            .group_by(FollowUp.case_id)
        )
        next_due = {case_id: due for case_id, due in rows}
    return MyCases(overdue=overdue, cases=cases, next_due=next_due, page=page, per_page=per_page,
                   total=total)  # fmt: skip
