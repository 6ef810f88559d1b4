"""Moving a case along its workflow, and what goes with it: fear of return, assignment, transfer,
notes and follow-ups.

Every change of a case is checked in the same order: the case must be in the actor's border
points (NotFound, 404), then the version the user saw must still be the case's (StaleVersion,
409), then the role and the rules (403, 422). The change, its timeline event and its audit row
are flushed together; the request commits them as one transaction.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import date, datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from registry.domain import workflow as rules
from registry.domain.errors import Forbidden, InvalidDetails, NotAllowed, NotFound, StaleVersion
from registry.domain.i18n import N_
from registry.domain.names import has_control_characters
from registry.domain.vocabulary import CaseStatus, Role
from registry.extensions import db
from registry.models import BorderPoint, Case, CaseEvent, CaseNote, FollowUp, User
from registry.models.base import utcnow
from registry.models.user import user_border_point
from registry.models.workflow import FOLLOW_UP_TITLE_MAX_LENGTH, NOTE_MAX_LENGTH
from registry.services import audit
from registry.services.cases import get_case, list_border_points

CASE_CHANGED = N_(
    "Case %(case_number)s changed since you opened it: someone else saved a change first."
)
FORM_DAMAGED = N_("The form was damaged: reload the case page and try again.")
_REQUIRED = N_("This detail is required.")
_TOO_LONG = N_("Too long.")
_BAD_CHARACTERS = N_("Contains characters that are not allowed.")
_DETAILS_INVALID = N_("Some details are missing or invalid.")


# --------------------------------------------------------------------------------------------
# Loading a case for a change: scope, then version
# --------------------------------------------------------------------------------------------


def parse_version(raw: object) -> int:
    """The version a form carried; a form without one cannot say what its user saw."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().isdigit() and len(raw.strip()) <= 9:
        return int(raw.strip())
    raise InvalidDetails(FORM_DAMAGED, fields={"version": FORM_DAMAGED})


def open_for_change(actor: User, case_number: str, version: object) -> Case:
    """The case to change: NotFound outside the actor's points, StaleVersion if it moved on."""
    case = get_case(actor, case_number)
    if parse_version(version) != case.version:
        raise StaleVersion(CASE_CHANGED, params={"case_number": case.case_number})
    return case


def _flush_case(case: Case) -> None:
    # Two requests that both passed the version check race here: the UPDATE carries
    # "WHERE version = <seen>", so the second one matches no row and SQLAlchemy says so.
    case_number = case.case_number  # after a failed flush the case can no longer be read
    try:
        db.session.flush()
    except StaleDataError:
        raise StaleVersion(CASE_CHANGED, params={"case_number": case_number}) from None


def _event(
    case: Case,
    actor: User,
    kind: str,
    *,
    at: datetime | None = None,
    reason: str | None = None,
    details: Mapping[str, object] | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
) -> CaseEvent:
    event = CaseEvent(
        case_id=case.id,
        at=at or utcnow(),
        actor_id=actor.id,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        details=dict(details or {}),
        case_version=case.version,
    )
    db.session.add(event)
    return event


def changes_since(case: Case, seen_version: int) -> list[CaseEvent]:
    """The timeline events written after the user's version of the case, oldest first."""
    return list(
        db.session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == case.id, CaseEvent.case_version > seen_version)
            .options(selectinload(CaseEvent.actor))
            .order_by(CaseEvent.id)
        )
    )


# --------------------------------------------------------------------------------------------
# Moves
# --------------------------------------------------------------------------------------------


def transition(
    actor: User,
    case_number: str,
    to: str,
    version: object,
    details: Mapping[str, object],
    reason: str | None,
    today: date,
    *,
    ip_address: str | None = None,
) -> Case:
    """Move the case to status `to`, recording the step's details, its event and its audit row."""
    case = open_for_change(actor, case_number, version)
    record = rules.apply_transition(case, actor, to, details, reason, today)
    now = utcnow()
    case.status_changed_at = now
    _flush_case(case)
    _event(case, actor, "transition", at=now, reason=record.reason, details=record.details,
           from_status=record.from_status, to_status=record.to_status)  # fmt: skip
    audit.record("case_transition", actor=actor, object_type="case", object_id=case.case_number,
                 ip_address=ip_address, details={
                     "action": record.action, "from_status": record.from_status,
                     "to_status": record.to_status, "fields": sorted(record.details),
                 })  # fmt: skip
    db.session.flush()
    return case


def record_fear(
    actor: User, case_number: str, version: object, value: object, *, ip_address: str | None = None
) -> Case:
    """Record what the person said about fear of return (a new answer withdraws a clearance)."""
    case = open_for_change(actor, case_number, version)
    record = rules.record_fear_of_return(case, actor, value)
    _flush_case(case)
    _event(case, actor, "fear_recorded", details=record.details)
    audit.record("fear_of_return_recorded", actor=actor, object_type="case",
                 object_id=case.case_number, ip_address=ip_address)  # fmt: skip
    db.session.flush()
    return case


def clear_fear(
    actor: User, case_number: str, version: object, reason: object, *, ip_address: str | None = None
) -> Case:
    """A supervisor clears an expressed fear of return, saying why."""
    case = open_for_change(actor, case_number, version)
    record = rules.clear_fear_of_return(case, actor, reason if isinstance(reason, str) else None)
    _flush_case(case)
    _event(case, actor, "fear_cleared", reason=record.reason, details=record.details)
    audit.record("fear_of_return_cleared", actor=actor, object_type="case",
                 object_id=case.case_number, ip_address=ip_address)  # fmt: skip
    db.session.flush()
    return case


# --------------------------------------------------------------------------------------------
# Assignment and transfer: a supervisor's
# --------------------------------------------------------------------------------------------


def assignable_officers(case: Case) -> list[User]:
    """Active officers of the case's border point, by name."""
    return list(
        db.session.scalars(
            select(User)
            .join(user_border_point, user_border_point.c.user_id == User.id)
            .where(
                user_border_point.c.border_point_id == case.border_point_id,
                User.role == Role.OFFICER,
                User.active.is_(True),
            )
            .order_by(User.full_name, User.username)
        )
    )


def assign(
    actor: User, case_number: str, version: object, username: object, *,
    ip_address: str | None = None,
) -> Case:  # fmt: skip
    """Assign the case to an officer of its border point (a blank username: to nobody)."""
    case = open_for_change(actor, case_number, version)
    if actor.role != Role.SUPERVISOR:
        raise Forbidden(N_("Only a supervisor assigns cases."))
    wanted = username.strip() if isinstance(username, str) else ""
    officer = None
    if wanted:
        officer = next((user for user in assignable_officers(case) if user.username == wanted), None)
        if officer is None:
            message = N_("Choose an officer of this case's border point.")
            raise InvalidDetails(message, fields={"assigned_to": message})
    if (officer.id if officer else None) == case.assigned_to_id:
        message = N_("The case is already assigned so: nothing to change.")
        raise InvalidDetails(message, fields={"assigned_to": message})
    previous = case.assigned_to
    case.assigned_to = officer
    _flush_case(case)
    _event(case, actor, "assignment", details={
        "assigned_to": officer.username if officer else None,
        "assigned_to_name": officer.display_name if officer else None,
        "previously": previous.username if previous else None,
    })  # fmt: skip
    audit.record("case_assigned", actor=actor, object_type="case", object_id=case.case_number,
                 ip_address=ip_address, details={"assigned_to_id": officer.id if officer else None})  # fmt: skip
    db.session.flush()
    return case


def transfer_targets(actor: User, case: Case) -> list[BorderPoint]:
    """The other active border points the actor supervises: where this case could go."""
    if actor.role != Role.SUPERVISOR:
        return []
    return [point for point in list_border_points(actor)
            if point.id != case.border_point_id and point.active]  # fmt: skip


def transfer(
    actor: User, case_number: str, version: object, border_point: object, reason: object, *,
    ip_address: str | None = None,
) -> Case:  # fmt: skip
    """Move the case to another border point the supervisor holds; the case number stays."""
    case = open_for_change(actor, case_number, version)
    if actor.role != Role.SUPERVISOR:
        raise Forbidden(N_("Only a supervisor transfers cases."))
    code = border_point.strip().upper() if isinstance(border_point, str) else ""
    target = next((point for point in transfer_targets(actor, case) if point.code == code), None)
    errors: dict[str, str] = {}
    if target is None:
        errors["border_point"] = N_("Choose another border point that you supervise.")
    clean_reason = _text(reason, rules.REASON_MAX_LENGTH, "reason", errors, prose=True)
    if errors or target is None or clean_reason is None:
        raise InvalidDetails(_DETAILS_INVALID, fields=errors)
    source = case.border_point
    unassigned = None
    if case.assigned_to is not None and not case.assigned_to.holds(target.id):
        # The officer following it does not work at the new point: its supervisor assigns anew.
        unassigned = case.assigned_to.username
        case.assigned_to = None
    case.border_point = target
    _flush_case(case)
    _event(case, actor, "transfer", reason=clean_reason, details={
        "from_border_point": source.code, "to_border_point": target.code, "unassigned": unassigned,
    })  # fmt: skip
    audit.record("case_transferred", actor=actor, object_type="case", object_id=case.case_number,
                 ip_address=ip_address,
                 details={"from_border_point": source.code, "to_border_point": target.code})  # fmt: skip
    db.session.flush()
    return case


# --------------------------------------------------------------------------------------------
# Notes and follow-ups: added beside the case, never conflicting with another user's change
# --------------------------------------------------------------------------------------------


def _text(
    raw: object, max_length: int, name: str, errors: dict[str, str], *, prose: bool = False
) -> str | None:
    text = unicodedata.normalize("NFC", raw.strip()) if isinstance(raw, str) else ""
    if not text:
        errors[name] = _REQUIRED
        return None
    if len(text) > max_length:
        errors[name] = _TOO_LONG
        return None
    if has_control_characters(text) or (not prose and any(ch in text for ch in "\r\n\t")):
        errors[name] = _BAD_CHARACTERS
        return None
    return text


def _may_work_on_cases(actor: User) -> None:
    if actor.role not in (Role.OFFICER, Role.SUPERVISOR):
        raise Forbidden(N_("Only officers and supervisors work on cases."))


def visible_notes(actor: User, case: Case) -> list[CaseNote]:
    """The case's notes, newest first; a confidential one only for supervisors and its author."""
    query = select(CaseNote).where(CaseNote.case_id == case.id)
    if actor.role != Role.SUPERVISOR:
        query = query.where(or_(CaseNote.confidential.is_(False), CaseNote.author_id == actor.id))
    # The author in the notes' own statement; an author's border points are never shown here.
    author = joinedload(CaseNote.author).lazyload(User.border_points)
    return list(db.session.scalars(
        query.options(author).order_by(CaseNote.at.desc(), CaseNote.id.desc())
    ))  # fmt: skip


def add_note(
    actor: User, case_number: str, text: object, confidential: bool, *,
    ip_address: str | None = None,
) -> CaseNote:  # fmt: skip
    """Append a note to the case. Notes are never changed: a correction is another note."""
    case = get_case(actor, case_number)
    _may_work_on_cases(actor)
    errors: dict[str, str] = {}
    clean = _text(text, NOTE_MAX_LENGTH, "text", errors, prose=True)
    if errors:
        raise InvalidDetails(_DETAILS_INVALID, fields=errors)
    note = CaseNote(case_id=case.id, author_id=actor.id, text=clean, confidential=bool(confidential))
    db.session.add(note)
    db.session.flush()
    audit.record("note_added", actor=actor, object_type="case", object_id=case.case_number,
                 ip_address=ip_address, details={"note_id": note.id, "confidential": note.confidential})  # fmt: skip
    return note


def follow_ups(case: Case) -> list[FollowUp]:
    """Open follow-ups first, soonest due first; then those done, latest first."""
    rows = db.session.scalars(
        select(FollowUp)
        .where(FollowUp.case_id == case.id)
        # Who set and who closed each one, in the same statement, without their border points.
        .options(joinedload(FollowUp.done_by).lazyload(User.border_points),
                 joinedload(FollowUp.created_by).lazyload(User.border_points))
        .order_by(FollowUp.due_on, FollowUp.id)
    ).all()
    return [row for row in rows if row.done_on is None] + sorted(
        (row for row in rows if row.done_on is not None), key=lambda row: row.done_on, reverse=True
    )


def _parse_due_on(raw: object, today: date, errors: dict[str, str]) -> date | None:
    if isinstance(raw, date) and not isinstance(raw, datetime):
        value = raw
    elif isinstance(raw, str) and raw.strip():
        try:
            value = date.fromisoformat(raw.strip())
        except ValueError:
            errors["due_on"] = N_("Not a valid date (use YYYY-MM-DD).")
            return None
    else:
        errors["due_on"] = _REQUIRED
        return None
    if value < today:
        errors["due_on"] = N_("Cannot be in the past.")
        return None
    return value


def add_follow_up(
    actor: User, case_number: str, title: object, due_on: object, today: date, *,
    ip_address: str | None = None,
) -> FollowUp:  # fmt: skip
    """A task on the case with a due date: "check travel document", "confirm arrival"."""
    case = get_case(actor, case_number)
    _may_work_on_cases(actor)
    if case.status == CaseStatus.CLOSED:
        raise NotAllowed(N_("A closed case takes no follow-ups: reopen it first."))
    errors: dict[str, str] = {}
    clean_title = _text(title, FOLLOW_UP_TITLE_MAX_LENGTH, "title", errors)
    due = _parse_due_on(due_on, today, errors)
    if errors or clean_title is None or due is None:
        raise InvalidDetails(_DETAILS_INVALID, fields=errors)
    follow_up = FollowUp(case_id=case.id, title=clean_title, due_on=due, created_by_id=actor.id)
    db.session.add(follow_up)
    db.session.flush()
    _event(case, actor, "follow_up_added", details={"title": clean_title, "due_on": due.isoformat()})
    audit.record("follow_up_added", actor=actor, object_type="case", object_id=case.case_number,
                 ip_address=ip_address, details={"follow_up_id": follow_up.id})  # fmt: skip
    db.session.flush()
    return follow_up


def complete_follow_up(
    actor: User, case_number: str, follow_up_id: int, today: date, *,
    ip_address: str | None = None,
) -> FollowUp:  # fmt: skip
    """Mark a follow-up done; done twice (two officers at once) is refused the second time."""
    case = get_case(actor, case_number)
    _may_work_on_cases(actor)
    follow_up = db.session.get(FollowUp, follow_up_id)
    if follow_up is None or follow_up.case_id != case.id:
        raise NotFound(N_("No such follow-up on case %(case_number)s."),
                       params={"case_number": case.case_number})  # fmt: skip
    # Conditional, so that of two officers marking it at once exactly one does.
    marked = db.session.execute(
        update(FollowUp)
        .where(FollowUp.id == follow_up.id, FollowUp.done_on.is_(None))
        .values(done_on=today, done_by_id=actor.id)
        .execution_options(synchronize_session=False)
    )
    if marked.rowcount != 1:
        raise NotAllowed(N_("This follow-up was already marked done."))
    db.session.refresh(follow_up)
    _event(case, actor, "follow_up_done", details={"title": follow_up.title,
                                                   "due_on": follow_up.due_on.isoformat()})  # fmt: skip
    audit.record("follow_up_done", actor=actor, object_type="case", object_id=case.case_number,
                 ip_address=ip_address, details={"follow_up_id": follow_up.id})  # fmt: skip
    db.session.flush()
    return follow_up
