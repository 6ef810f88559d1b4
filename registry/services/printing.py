"""What the printed documents read: batches of cases by the list's filters, departure manifests.

Every print is recorded in the audit log (who, which document, which case): one row per case
printed, whether alone, in a batch or on a manifest.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from registry.domain.cases import looks_like_case_number
from registry.domain.errors import InvalidDetails, NotFound
from registry.domain.i18n import N_
from registry.domain.vocabulary import CaseStatus
from registry.extensions import db
from registry.models import BorderPoint, Case, CaseEvent, CaseMember, FollowUp, Person, User
from registry.services import audit
from registry.services.cases import CaseFilters, _order, count_cases, filtered, scoped

# The statuses of the people a manifest lists: about to leave, or gone that day.
LEAVING = (CaseStatus.TRAVEL_READY, CaseStatus.DEPARTED)
# Cases read (with everything a sheet prints) per query while a batch is printed.
BATCH_CHUNK = 50


def full_case_options() -> list:
    """Everything a case summary sheet prints, loaded in a few queries per chunk of cases."""
    return [
        selectinload(Case.members).selectinload(CaseMember.person).selectinload(Person.documents),
        selectinload(Case.members).selectinload(CaseMember.person)
        .selectinload(Person.vulnerability_rows),
        selectinload(Case.principal).selectinload(Person.documents),
        selectinload(Case.principal).selectinload(Person.vulnerability_rows),
        selectinload(Case.events).selectinload(CaseEvent.actor),
        selectinload(Case.assigned_to),
        selectinload(Case.registered_by),
    ]


def open_follow_ups(case: Case) -> list[FollowUp]:
    return list(db.session.scalars(
        select(FollowUp).where(FollowUp.case_id == case.id, FollowUp.done_on.is_(None))
        .order_by(FollowUp.due_on, FollowUp.id)
    ))  # fmt: skip


@dataclass(frozen=True)
class Batch:
    """The cases of one batch print, in the list's order; `count` known before printing."""

    ids: list[int]
    selected: bool

    @property
    def count(self) -> int:
        return len(self.ids)


def batch(actor: User, filters: CaseFilters, *, selection: Sequence[str], timezone: str,
          sort: str, limit: int) -> Batch:  # fmt: skip
    """The cases to print: those selected in the list, else every case the filters match.

    A selected case outside the actor's border points (or that does not exist) refuses the
    whole batch, naming it, as for one case: NotFound. More than `limit` cases are refused:
    a print of that size is a mistake in the filters, and would hold a worker for minutes.
    """
    if selection:
        numbers = list(dict.fromkeys(number.strip().upper() for number in selection))
        if len(numbers) > limit:
            raise _too_many(limit)
        malformed = [number for number in numbers if not looks_like_case_number(number)]
        found = dict(db.session.execute(
            scoped(actor).with_only_columns(Case.case_number, Case.id)
            .where(Case.case_number.in_(numbers))
        ).all()) if not malformed else {}  # fmt: skip
        missing = malformed or [number for number in numbers if number not in found]
        if missing:
            raise NotFound(N_("No case %(case_number)s among your border points."),
                           params={"case_number": ", ".join(missing)[:200]})
        return Batch([found[number] for number in numbers], selected=True)
    query = filtered(actor, filters, timezone=timezone)
    total, exact = count_cases(query, limit)
    if not exact:
        raise _too_many(limit)
    ids = list(db.session.scalars(query.with_only_columns(Case.id).order_by(*_order(sort))))
    return Batch(ids, selected=False)


def _too_many(limit: int) -> InvalidDetails:
    return InvalidDetails(N_("At most %(limit)s case sheets are printed at once: narrow the "
                             "filters or select the cases to print."), params={"limit": limit})


def batch_cases(selected: Batch) -> Iterator[Case]:
    """The batch's cases, fully loaded, a chunk at a time, each chunk let go once printed."""
    for start in range(0, selected.count, BATCH_CHUNK):
        ids = selected.ids[start:start + BATCH_CHUNK]
        loaded = {case.id: case for case in db.session.scalars(
            select(Case).where(Case.id.in_(ids)).options(*full_case_options()))}  # fmt: skip
        for case_id in ids:
            if case_id in loaded:
                yield loaded[case_id]
        # Printed rows need not stay in the session's identity map.
        for case in loaded.values():
            db.session.expunge(case)


def record_print(actor: User, case: Case, document: str, *, ip_address: str | None,
                 details: dict[str, object] | None = None) -> None:  # fmt: skip
    audit.record(f"print_{document}", actor=actor, object_type="case", object_id=case.case_number,
                 ip_address=ip_address, details=details)  # fmt: skip


# --- Departure manifests ---------------------------------------------------------------------


@dataclass(frozen=True)
class Departure:
    """A day on which people leave from a border point, and how many (for the manifests page)."""

    border_point: BorderPoint
    day: date
    cases: int
    people: int


def border_point_in_scope(actor: User, code: str) -> BorderPoint:
    point = db.session.scalar(
        select(BorderPoint).where(BorderPoint.code == code.strip().upper(),
                                  BorderPoint.id.in_(actor.border_point_scope())))  # fmt: skip
    if point is None:
        raise NotFound(N_("No border point %(code)s among yours."), params={"code": code[:20]})
    return point


def departures(actor: User, since: date, limit: int = 60) -> list[Departure]:
    """Days from `since` on which people of the actor's border points leave, soonest first."""
    people = (select(CaseMember.case_id, func.count().label("people"))
              .group_by(CaseMember.case_id).subquery())  # fmt: skip
    rows = db.session.execute(
        scoped(actor)
        .with_only_columns(Case.border_point_id, Case.departure_date, func.count(Case.id),
                           func.coalesce(func.sum(people.c.people), 0))
        .outerjoin(people, people.c.case_id == Case.id)
        .where(Case.status.in_(LEAVING), Case.departure_date >= since)
        .group_by(Case.border_point_id, Case.departure_date)
        .order_by(Case.departure_date, Case.border_point_id)
        .limit(limit)
    ).all()
    points = {point.id: point for point in db.session.scalars(
        select(BorderPoint).where(BorderPoint.id.in_({row[0] for row in rows})))}  # fmt: skip
    return [Departure(points[point_id], day, cases, int(count))
            for point_id, day, cases, count in rows]  # fmt: skip


def manifest_cases(actor: User, point: BorderPoint, day: date) -> list[Case]:
    """The cases of `point` leaving on `day`, by departure point then case number, with their
    members (one row per person on the manifest)."""
    return list(db.session.scalars(
        scoped(actor)
        .where(Case.border_point_id == point.id, Case.status.in_(LEAVING),
               Case.departure_date == day)
        .order_by(Case.departure_point, Case.case_number)
        .options(selectinload(Case.members).selectinload(CaseMember.person)
                 .selectinload(Person.documents))
    ))  # fmt: skip


def record_manifest(actor: User, point: BorderPoint, day: date, cases: list[Case], people: int, *,
                    ip_address: str | None) -> None:  # fmt: skip
    """One row for the manifest (even an empty one), and one per case it lists."""
    details = {"border_point": point.code, "departure_date": day.isoformat()}
    audit.record("print_manifest", actor=actor, object_type="manifest",
                 object_id=f"{point.code}/{day.isoformat()}", ip_address=ip_address,
                 details={**details, "cases": len(cases), "people": people})  # fmt: skip
    for case in cases:
        record_print(actor, case, "manifest", ip_address=ip_address, details=details)
