"""Duplicate detection: the check while registering, the supervisor's review, merges and their undoing.

The check searches every border point (the same person crosses several) through the blocking keys
of `person_match_key` (domain/dedupe.py): at most a few hundred people are read and scored, never
the table. A candidate outside the actor's border points shows only its case number, border point,
score and reasons; a supervisor holding both resolves it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select, union_all
from sqlalchemy.orm import aliased

from registry.domain import dedupe
from registry.domain.cases import priority_for, raise_only
from registry.domain.errors import Forbidden, InvalidDetails, NotAllowed, NotFound
from registry.domain.i18n import N_
from registry.domain.vocabulary import Role
from registry.extensions import db
from registry.models import (
    Case,
    CaseEvent,
    CaseMember,
    DuplicatePair,
    DuplicateStatus,
    IdentityDocument,
    Person,
    PersonChange,
    PersonMatchKey,
    PersonMerge,
    PersonVulnerability,
    User,
)
from registry.models.base import utcnow
from registry.models.person import match_keys_of
from registry.services import audit

MIN_REASON_LENGTH = 5


@dataclass(frozen=True)
class CandidateDetails:
    """What an actor who holds the candidate's border point sees of them."""

    given_names: str
    family_name: str
    other_names: str
    sex: str
    date_of_birth: date | None
    dob_precision: str | None
    nationality: str
    relationship: str


@dataclass(frozen=True)
class Candidate:
    """A person already registered who may be the one being registered.

    `person_id` is an opaque reference (to acknowledge or flag the candidate); `details` is None
    when the candidate's case lies outside the actor's border points (`may_see_details` False).
    `reasons` are codes of dedupe.REASON_LABELS.
    """

    person_id: int
    case_number: str
    border_point: str
    score: float
    likely: bool
    reasons: tuple[str, ...]
    may_see_details: bool
    details: CandidateDetails | None = None

    @property
    def reason_labels(self) -> tuple[str, ...]:
        return tuple(dedupe.REASON_LABELS[reason] for reason in self.reasons)

    @property
    def needs_a_look(self) -> bool:
        """Likely, or likely on its own but sharing the likelihood with other records (the person
        may be registered twice already): either stops a registration until the officer looked."""
        return self.likely or "other_matches" in self.reasons


def identity(*, given_names: str = "", family_name: str = "", other_names: str = "", sex: str = "unknown",
             date_of_birth: date | None = None, dob_precision: str | None = None, nationality: str = "",
             document_numbers: Iterable[str] = (), phone: str | None = None) -> dedupe.Identity:  # fmt: skip
    """The matcher's view of plain data (a registration, a member, an API payload)."""
    return dedupe.Identity(
        given_names=given_names or "", family_name=family_name or "", other_names=other_names or "",
        sex=sex or "unknown", date_of_birth=date_of_birth, dob_precision=dob_precision or "exact",
        nationality=nationality or "", document_numbers=frozenset(document_numbers), phone=phone or "",
    )  # fmt: skip


def _candidate_ids(query: dedupe.Identity, newer_than: int | None = None) -> set[int]:
    """People sharing a blocking key with `query`: one statement, each key read up to its limit.
    `newer_than`: only people registered after that one (ids grow with time)."""
    keys = sorted(dedupe.lookup_keys(query))
    if not keys:
        return set()
    # Each key is read up to one row past its limit: enough to know it is too common to use.
    parts = [
        select(PersonMatchKey.key, PersonMatchKey.person_id)
        .where(PersonMatchKey.key == key, *(() if newer_than is None else (PersonMatchKey.person_id > newer_than,)))
        .limit(dedupe.key_limit(key) + 1)
        .subquery(f"k{i}")
        for i, key in enumerate(keys)
    ]
    statement = union_all(*(select(part.c.key, part.c.person_id) for part in parts))
    rows = db.session.execute(statement)
    return dedupe.candidate_ids(rows)


def _identities(ids: Sequence[int]) -> list[tuple[int, dedupe.Identity]]:
    """The matcher's view of stored people, read column by column (no ORM objects: it is faster)."""
    if not ids:
        return []
    numbers: dict[int, set[str]] = defaultdict(set)
    for person_id, number in db.session.execute(
        select(IdentityDocument.person_id, IdentityDocument.number_normalised)
        .where(IdentityDocument.person_id.in_(ids))
    ):  # fmt: skip
        numbers[person_id].add(number)
    rows = db.session.execute(
        select(Person.id, Person.given_names, Person.family_name, Person.other_names, Person.sex,
               Person.date_of_birth, Person.dob_precision, Person.nationality, Person.phone)
        .where(Person.id.in_(ids), Person.merged_into_id.is_(None))
    )  # fmt: skip
    return [
        (row.id, identity(given_names=row.given_names, family_name=row.family_name,
                          other_names=row.other_names, sex=row.sex, date_of_birth=row.date_of_birth,
                          dob_precision=row.dob_precision, nationality=row.nationality,
                          document_numbers=numbers[row.id], phone=row.phone))
        for row in rows
    ]


def ranked(query: dedupe.Identity, *, exclude: Iterable[int] = (), limit: int = 5,
           newer_than: int | None = None) -> list[tuple[int, dedupe.Match]]:  # fmt: skip
    """(person id, match) of the likeliest people, best first; no scope, no audit (a building block)."""
    excluded = set(exclude)
    ids = sorted(_candidate_ids(query, newer_than) - excluded)
    return dedupe.rank(query, _identities(ids), limit=limit)


def _cases_of(person_ids: Iterable[int]) -> dict[int, tuple[Case, str]]:
    """Each person's newest case and their relationship in it."""
    found: dict[int, tuple[Case, str]] = {}
    rows = db.session.execute(
        select(CaseMember.person_id, CaseMember.relationship_to_head, Case)
        .join(Case, Case.id == CaseMember.case_id)
        .where(CaseMember.person_id.in_(list(person_ids)))
        .order_by(Case.id)
    )
    for person_id, relationship, case in rows:
        found[person_id] = (case, relationship)
    return found


def find_candidates(actor: User, query: dedupe.Identity, *, exclude_person_ids: Iterable[int] = (),
                    limit: int = 5, newer_than: int | None = None) -> list[Candidate]:  # fmt: skip
    """Possible duplicates of `query` across every border point, best first, with score and reasons.

    Details only for candidates whose case the actor may see. Not audited by itself: the caller
    records the check (registration does, with the number of candidates shown).
    """
    if not actor.sees_people:
        raise Forbidden(N_("Only officers and supervisors register people."))
    matches = ranked(query, exclude=exclude_person_ids, limit=limit, newer_than=newer_than)
    cases = _cases_of(person_id for person_id, _ in matches)
    visible = set(db.session.scalars(actor.border_point_scope()))
    people = {person.id: person for person in db.session.scalars(
        select(Person).where(Person.id.in_([pid for pid, _ in matches])))}  # fmt: skip
    candidates = []
    for person_id, match in matches:
        if person_id not in cases:
            continue  # a person without a case (being deleted): nothing to open
        case, relationship = cases[person_id]
        may_see = case.border_point_id in visible
        person = people[person_id]
        details = CandidateDetails(
            given_names=person.given_names, family_name=person.family_name, other_names=person.other_names,
            sex=person.sex, date_of_birth=person.date_of_birth, dob_precision=person.dob_precision,
            nationality=person.nationality, relationship=relationship,
        ) if may_see else None  # fmt: skip
        candidates.append(Candidate(
            person_id=person_id, case_number=case.case_number, border_point=case.border_point.code,
            score=match.score, likely=match.likely, reasons=match.reasons, may_see_details=may_see,
            details=details,
        ))  # fmt: skip
    return candidates


def check_household(actor: User, people: Sequence[dedupe.Identity], *, exclude_person_ids: Iterable[int] = (),
                    newer_than: int | None = None) -> list[list[Candidate]]:  # fmt: skip
    """The candidates of each person of a household, in the order given (`newer_than`: among the
    people registered after that one only)."""
    return [find_candidates(actor, person, exclude_person_ids=exclude_person_ids, newer_than=newer_than)
            for person in people]  # fmt: skip


# --- Pairs: flagged at registration, found by the batch job, decided by a supervisor --------------


def _pair(person_id: int, other_id: int) -> DuplicatePair | None:
    low, high = sorted((person_id, other_id))
    return db.session.scalar(
        select(DuplicatePair).where(DuplicatePair.person_id == low, DuplicatePair.other_person_id == high)
    )


def _person_identity(person: Person) -> dedupe.Identity:
    return identity(given_names=person.given_names, family_name=person.family_name,
                    other_names=person.other_names, sex=person.sex, date_of_birth=person.date_of_birth,
                    dob_precision=person.dob_precision, nationality=person.nationality,
                    document_numbers=[d.number_normalised for d in person.documents], phone=person.phone)  # fmt: skip


def record_pair(actor: User | None, person: Person, other_id: int, status: str, *,
                reason: str | None = None) -> DuplicatePair | None:  # fmt: skip
    """Remember a pair (flagged for a supervisor, or confirmed as two people). The score and
    reasons are computed here, never taken from the client. A pair decided already is left alone."""
    other = db.session.get(Person, other_id)
    if other is None or other.id == person.id:
        return None
    match = dedupe.score(_person_identity(person), _person_identity(other))
    pair = _pair(person.id, other.id)
    if pair is not None and pair.status not in DuplicateStatus.OPEN:
        return pair
    low, high = sorted((person.id, other.id))
    if pair is None:
        pair = DuplicatePair(person_id=low, other_person_id=high, found_at=utcnow())
        db.session.add(pair)
    pair.score, pair.reasons, pair.status = match.score, list(match.reasons), status
    if status == DuplicateStatus.FLAGGED:
        pair.flagged_by_id = actor.id if actor else None
        pair.reason = reason
    elif status == DuplicateStatus.NOT_DUPLICATE:
        pair.decided_by_id, pair.decided_at = (actor.id if actor else None), utcnow()
        pair.reason = reason
    return pair


@dataclass(frozen=True)
class PairView:
    """A suspected pair as a supervisor reviews it: both people and their cases."""

    pair: DuplicatePair
    person: Person
    person_case: Case
    other: Person
    other_case: Case

    @property
    def reason_labels(self) -> tuple[str, ...]:
        return tuple(dedupe.REASON_LABELS.get(reason, reason) for reason in self.pair.reasons)


def _require_supervisor(actor: User) -> None:
    if actor.role != Role.SUPERVISOR:
        raise Forbidden(N_("Only a supervisor resolves suspected duplicates."))


def _holds_every_case_of(actor: User, person_ids: Iterable[int]) -> bool:
    ids = list(person_ids)
    points = set(db.session.scalars(
        select(Case.border_point_id).join(CaseMember, CaseMember.case_id == Case.id)
        .where(CaseMember.person_id.in_(ids))
    ))  # fmt: skip
    principal_points = set(db.session.scalars(select(Case.border_point_id).where(Case.principal_id.in_(ids))))
    return all(actor.holds(point) for point in points | principal_points)


def review_list(actor: User, *, limit: int = 50) -> list[PairView]:
    """Open pairs whose two people's cases the supervisor holds: flagged ones first, then by score."""
    _require_supervisor(actor)
    scope = actor.border_point_scope()
    member_a, member_b = aliased(CaseMember), aliased(CaseMember)
    case_a, case_b = aliased(Case), aliased(Case)
    rows = db.session.execute(
        select(DuplicatePair, case_a, case_b)
        .join(member_a, member_a.person_id == DuplicatePair.person_id)
        .join(case_a, case_a.id == member_a.case_id)
        .join(member_b, member_b.person_id == DuplicatePair.other_person_id)
        .join(case_b, case_b.id == member_b.case_id)
        .where(DuplicatePair.status.in_(DuplicateStatus.OPEN),
               case_a.border_point_id.in_(scope), case_b.border_point_id.in_(scope))
        .order_by((DuplicatePair.status == DuplicateStatus.FLAGGED).desc(), DuplicatePair.score.desc(),
                  DuplicatePair.id)
        .limit(limit * 2)
    )  # fmt: skip
    views: dict[int, PairView] = {}
    for pair, first, second in rows:
        if pair.id not in views:
            views[pair.id] = PairView(pair, pair.person, first, pair.other_person, second)
    return list(views.values())[:limit]


def get_pair(actor: User, pair_id: int) -> DuplicatePair:
    """The pair, if the supervisor holds every case of both people; NotFound otherwise."""
    _require_supervisor(actor)
    pair = db.session.get(DuplicatePair, pair_id)
    if pair is None or not _holds_every_case_of(actor, (pair.person_id, pair.other_person_id)):
        raise NotFound(N_("No such suspected duplicate among your border points."))
    return pair


def _require_reason(reason: str) -> str:
    if len((reason or "").strip()) < MIN_REASON_LENGTH:
        message = N_("Say why (at least 5 characters).")
        raise InvalidDetails(message, fields={"reason": message})
    return reason.strip()


def mark_not_duplicate(actor: User, pair_id: int, *, reason: str, ip_address: str | None) -> DuplicatePair:
    """Two people after all: remembered, and never shown again."""
    pair = get_pair(actor, pair_id)
    reason = _require_reason(reason)
    if pair.status not in DuplicateStatus.OPEN:
        raise NotAllowed(N_("This pair was decided already."))
    pair.status, pair.decided_by_id, pair.decided_at, pair.reason = (
        DuplicateStatus.NOT_DUPLICATE, actor.id, utcnow(), reason)  # fmt: skip
    db.session.flush()
    audit.record("duplicate_dismissed", actor=actor, object_type="duplicate_pair", object_id=pair.id,
                 ip_address=ip_address, details={"person_ids": [pair.person_id, pair.other_person_id]})  # fmt: skip
    return pair


def _recompute_priority(case: Case) -> None:
    codes = [code for person in case.people for code in person.vulnerabilities]
    derived = priority_for(codes)
    case.priority = raise_only(derived, case.priority_raised) if case.priority_raised else derived


def merge_people(actor: User, kept_person_id: int, merged_person_id: int, *, reason: str,
                 ip_address: str | None, pair_id: int | None = None) -> PersonMerge:  # fmt: skip
    """Keep one person: the other's documents, case memberships and vulnerabilities move to them,
    the other stays as an alias (merged_into). Every case touched gets a timeline event; the
    merge records what moved, so that `undo_merge` can put it back."""
    _require_supervisor(actor)
    if kept_person_id == merged_person_id:
        raise InvalidDetails(N_("A person cannot be merged with themselves."))
    kept, merged = db.session.get(Person, kept_person_id), db.session.get(Person, merged_person_id)
    if (kept is None or merged is None
            or not _holds_every_case_of(actor, (kept_person_id, merged_person_id))):  # fmt: skip
        raise NotFound(N_("No such suspected duplicate among your border points."))
    if kept.merged_into_id is not None or merged.merged_into_id is not None:
        raise NotAllowed(N_("One of these people was merged already."))
    reason = _require_reason(reason)
    moved: dict[str, Any] = {"documents": [], "memberships": [], "removed_memberships": [],
                             "principal_of": [], "vulnerabilities": [], "other_names": kept.other_names,
                             "changes": []}  # fmt: skip
    # The merged person's history of corrections follows them.
    for change in db.session.scalars(select(PersonChange).where(PersonChange.person_id == merged.id)):
        change.person_id = kept.id
        moved["changes"].append(change.id)
    for document in list(merged.documents):
        merged.documents.remove(document)
        kept.documents.append(document)
        moved["documents"].append(document.id)
    kept_cases = set(db.session.scalars(select(CaseMember.case_id).where(CaseMember.person_id == kept.id)))
    touched: set[int] = set()
    for member in list(db.session.scalars(select(CaseMember).where(CaseMember.person_id == merged.id))):
        touched.add(member.case_id)
        if member.case_id in kept_cases:
            moved["removed_memberships"].append([member.case_id, member.relationship_to_head])
            db.session.delete(member)
        else:
            member.person_id = kept.id
            moved["memberships"].append(member.id)
    for case in db.session.scalars(select(Case).where(Case.principal_id == merged.id)):
        case.principal_id = kept.id
        moved["principal_of"].append(case.id)
        touched.add(case.id)
    present = set(kept.vulnerabilities)
    for code in merged.vulnerabilities:
        if code not in present:
            kept.vulnerability_rows.append(PersonVulnerability(code=code))
            moved["vulnerabilities"].append(code)
    alias = " ".join(part for part in (merged.given_names, merged.family_name) if part)
    if alias and dedupe.fold(alias) not in dedupe.fold(" ".join((kept.given_names, kept.family_name,
                                                                  kept.other_names))):  # fmt: skip
        kept.other_names = " ".join(part for part in (kept.other_names, alias) if part)[:400]
    merged.merged_into_id = kept.id
    record = PersonMerge(kept_person_id=kept.id, merged_person_id=merged.id, pair_id=pair_id, at=utcnow(),
                         actor_id=actor.id, reason=reason, moved=moved)  # fmt: skip
    db.session.add(record)
    pair = _pair(kept.id, merged.id)
    if pair is not None:
        pair.status, pair.decided_by_id, pair.decided_at, pair.reason = (
            DuplicateStatus.MERGED, actor.id, utcnow(), reason)  # fmt: skip
    db.session.flush()
    record.pair_id = pair.id if pair is not None else pair_id
    for case in db.session.scalars(select(Case).where(Case.id.in_(touched | kept_cases))):
        db.session.refresh(case, ["members"])
        _recompute_priority(case)
        case.events.append(CaseEvent(at=utcnow(), actor_id=actor.id, kind="people_merged", reason=reason,
                                     details={"kept_person_id": kept.id, "merged_person_id": merged.id}))  # fmt: skip
    db.session.flush()
    audit.record("people_merged", actor=actor, object_type="person", object_id=kept.id, ip_address=ip_address,
                 details={"merged_person_id": merged.id, "merge_id": record.id})  # fmt: skip
    return record


def undo_merge(actor: User, merge_id: int, *, reason: str, ip_address: str | None) -> PersonMerge:
    """Put back what a merge moved; the pair is open again."""
    _require_supervisor(actor)
    record = db.session.get(PersonMerge, merge_id)
    if record is None or not _holds_every_case_of(actor, (record.kept_person_id, record.merged_person_id)):
        raise NotFound(N_("No such merge among your border points."))
    if record.undone_at is not None:
        raise NotAllowed(N_("This merge was undone already."))
    reason = _require_reason(reason)
    kept, merged = record.kept_person, record.merged_person
    moved = record.moved
    for document in [d for d in kept.documents if d.id in set(moved.get("documents", []))]:
        kept.documents.remove(document)
        merged.documents.append(document)
    touched: set[int] = set()
    for member in db.session.scalars(select(CaseMember).where(CaseMember.id.in_(moved.get("memberships", [])))):
        member.person_id = merged.id
        touched.add(member.case_id)
    for case_id, relationship in moved.get("removed_memberships", []):
        db.session.add(CaseMember(case_id=case_id, person_id=merged.id, relationship_to_head=relationship))
        touched.add(case_id)
    for case in db.session.scalars(select(Case).where(Case.id.in_(moved.get("principal_of", [])))):
        case.principal_id = merged.id
        touched.add(case.id)
    for change in db.session.scalars(select(PersonChange).where(PersonChange.id.in_(moved.get("changes", [])))):
        change.person_id = merged.id
    for row in [row for row in kept.vulnerability_rows if row.code in set(moved.get("vulnerabilities", []))]:
        kept.vulnerability_rows.remove(row)
    kept.other_names = moved.get("other_names", kept.other_names) or ""
    merged.merged_into_id = None
    record.undone_at, record.undone_by_id = utcnow(), actor.id
    pair = _pair(kept.id, merged.id)
    if pair is not None:
        pair.status, pair.decided_by_id, pair.decided_at = DuplicateStatus.FLAGGED, None, None
    db.session.flush()
    kept_cases = set(db.session.scalars(select(CaseMember.case_id).where(CaseMember.person_id == kept.id)))
    for case in db.session.scalars(select(Case).where(Case.id.in_(touched | kept_cases))):
        db.session.refresh(case, ["members"])
        _recompute_priority(case)
        case.events.append(CaseEvent(at=utcnow(), actor_id=actor.id, kind="merge_undone", reason=reason,
                                     details={"kept_person_id": kept.id, "merged_person_id": merged.id}))  # fmt: skip
    db.session.flush()
    audit.record("merge_undone", actor=actor, object_type="person", object_id=kept.id, ip_address=ip_address,
                 details={"merged_person_id": merged.id, "merge_id": record.id})  # fmt: skip
    return record


def merges_of(actor: User, *, limit: int = 20) -> list[PersonMerge]:
    """The latest merges the supervisor may see (to undo one)."""
    _require_supervisor(actor)
    records = db.session.scalars(select(PersonMerge).order_by(PersonMerge.id.desc()).limit(limit * 3))
    return [r for r in records if _holds_every_case_of(actor, (r.kept_person_id, r.merged_person_id))][:limit]


# --- The batch job -----------------------------------------------------------------------------


def fill_missing_keys(batch: int = 1000) -> int:
    """Blocking keys for people who have none (registered before the keys existed, or bulk-loaded)."""
    filled = 0
    while True:
        without = select(Person).where(
            Person.merged_into_id.is_(None),
            ~select(PersonMatchKey.person_id).where(PersonMatchKey.person_id == Person.id).exists(),
            Person.id > 0,
        ).order_by(Person.id).limit(batch)  # fmt: skip
        people = list(db.session.scalars(without))
        people = [person for person in people if match_keys_of(person)]
        if not people:
            return filled
        for person in people:
            db.session.add_all(PersonMatchKey(key=key, person_id=person.id) for key in match_keys_of(person))
        db.session.flush()
        filled += len(people)
        db.session.commit()


def find_duplicates(*, threshold: float = dedupe.LIKELY, after_id: int = 0, batch: int = 500,
                    limit: int | None = None) -> tuple[int, int]:  # fmt: skip
    """Check every person (from `after_id`) against the others; pairs scoring at least `threshold`
    become suspected duplicates, unless already known. Returns (people checked, pairs added)."""
    checked = added = 0
    last = after_id
    while limit is None or checked < limit:
        people = list(db.session.scalars(
            select(Person).where(Person.id > last, Person.merged_into_id.is_(None)).order_by(Person.id).limit(batch)
        ))  # fmt: skip
        if not people:
            break
        for person in people:
            last = person.id
            checked += 1
            for other_id, match in ranked(_person_identity(person), exclude=[person.id]):
                if match.score < threshold or _pair(person.id, other_id) is not None:
                    continue
                low, high = sorted((person.id, other_id))
                db.session.add(DuplicatePair(person_id=low, other_person_id=high, score=match.score,
                                             reasons=list(match.reasons), found_at=utcnow()))  # fmt: skip
                db.session.flush()
                added += 1
        db.session.commit()
    return checked, added

