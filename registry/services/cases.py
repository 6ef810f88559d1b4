"""Finding and reading cases, always within the acting user's border points."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from types import SimpleNamespace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import CTE, ColumnElement, Select, bindparam, false, func, intersect, select, tuple_, union
from sqlalchemy.orm import joinedload, selectinload

from registry.domain.cases import looks_like_case_number
from registry.domain.errors import NotFound
from registry.domain.i18n import N_
from registry.domain.names import fold, name_tokens, phone_search_key
from registry.domain.vocabulary import Role
from registry.extensions import db
from registry.models import (
    BorderPoint,
    Case,
    CaseEvent,
    CaseMember,
    CaseNameToken,
    IdentityDocument,
    Person,
    PersonVulnerability,
    User,
    user_border_point,
)
from registry.services import audit
from registry.services.registration import normalise_document_number

MAX_QUERY_LENGTH = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# More words than this in one search add nothing but work.
MAX_QUERY_WORDS = 6
# The value of `assigned_to` that selects the cases nobody follows yet.
UNASSIGNED = "none"
SORTS = ("newest", "oldest", "case_number")
MAX_ID = 2**31 - 1  # the largest id an INTEGER column holds


@dataclass(frozen=True)
class CaseFilters:
    """The case list's filters; the dashboard, the exports and printing take the same ones.

    The names are the query parameters (a contract). Codes are the data dictionary's;
    `border_point` a code, `assigned_to` a username or UNASSIGNED; the dates are days of
    registration in the registry's time zone, both included.
    """

    status: str | None = None
    pathway: str | None = None
    border_point: str | None = None
    assigned_to: str | None = None
    priority: str | None = None
    vulnerability: str | None = None
    nationality: str | None = None
    registered_from: date | None = None
    registered_to: date | None = None
    q: str | None = None

    def query_args(self) -> dict[str, str]:
        """The filters as query parameters, for links that keep them (next page, export)."""
        return {name: value.isoformat() if isinstance(value, date) else str(value)
                for name, value in asdict(self).items() if value}  # fmt: skip

    def for_audit(self) -> dict[str, Any]:
        """The filters as the audit log keeps them: codes and dates, never the words searched."""
        recorded: dict[str, Any] = {name: value for name, value in self.query_args().items() if name != "q"}
        recorded["searched"] = bool(self.q)
        return recorded


@dataclass(frozen=True)
class CasePage:
    """One page of the list. The count stops at `count_limit`: beyond, the page says "more than"."""

    cases: list[Case] | list[ListedCase]
    total: int
    total_is_exact: bool
    has_next: bool
    has_previous: bool
    sort: str = "newest"
    count_limit: int = 0
    messages: list[str] = field(default_factory=list)

    @property
    def next_cursor(self) -> str | None:
        return self.cases[-1].case_number if self.has_next and self.cases else None

    @property
    def previous_cursor(self) -> str | None:
        return self.cases[0].case_number if self.has_previous and self.cases else None


def scoped(actor: User) -> Select[tuple[Case]]:
    """Every case query starts here: only the border points the actor holds."""
    return select(Case).where(Case.border_point_id.in_(actor.border_point_scope()))


def starts_with(column: Any, prefix: str) -> ColumnElement[bool]:
    """`column` begins with `prefix`, as a range an index answers (LIKE 'x%' reads every row on
    SQLite, whose LIKE ignores case). The columns compared this way hold ASCII and sort by byte
    (collation "C" on PostgreSQL), so every string with the prefix lies below prefix + U+FFFF.
    Nothing in `prefix` is a wildcard: % and _ are characters like any other."""
    return (column >= prefix) & (column < prefix + "\uffff")


def day_bounds(first: date | None, last: date | None, timezone: str) -> tuple[datetime | None, datetime | None]:
    """The moments (UTC) from the start of `first` to the end of `last` in the registry's time zone."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(first, time(), zone) if first else None
    end = datetime.combine(last + timedelta(days=1), time(), zone) if last else None
    return start, end


def search_condition(text: str, scope: Select[Any]) -> ColumnElement[bool] | None:
    """Cases found by one search box (see `search_matches`); None for an empty search."""
    matches = search_matches(text, scope)
    return None if matches is None else Case.id.in_(select(matches.c.id))


def search_matches(text: str, scope: Select[Any]) -> CTE | None:
    """The cases among `scope`'s border points (the user's, `User.border_point_scope`) that one
    search box finds: case number, document number, phone, or names; as (id, registered_at),
    each case once. None for an empty search.

    Names match by the beginning of any word, accents and case folded ("josu" finds Josué); every
    word typed must match the same person (a member of the case, not only its principal).
    """
    if not text.strip():
        return None
    # Control characters (a NUL byte) match nothing, and PostgreSQL refuses them in a query.
    text = _CONTROL.sub(" ", text).strip()[:MAX_QUERY_LENGTH]
    in_scope = Case.border_point_id.in_(scope)
    # Each subquery stands alone (correlate(None)): the outer query also reads case_file.
    found: list[Select[Any]] = [
        select(Case.id, Case.registered_at)
        .where(in_scope, starts_with(Case.case_number, text.upper()) if text else false())
        .correlate(None)
    ]
    document = normalise_document_number(text)
    if len(document) >= 3:
        found.append(
            select(Case.id, Case.registered_at)
            .join(CaseMember, CaseMember.case_id == Case.id)
            .join(IdentityDocument, IdentityDocument.person_id == CaseMember.person_id)
            .where(in_scope, starts_with(IdentityDocument.number_normalised, document))
            .correlate(None)
        )
    phone = phone_search_key(text)
    if phone:
        found.append(
            select(Case.id, Case.registered_at)
            .join(CaseMember, CaseMember.case_id == Case.id)
            .join(Person, Person.id == CaseMember.person_id)
            .where(in_scope, starts_with(Person.phone_digits_reversed, phone))
            .correlate(None)
        )
    words = name_tokens(fold(text))[:MAX_QUERY_WORDS]
    if words:
        # Only the entries of the user's border points: one index range per point and word,
        # each entry with its case's registration time (the list's order).
        members = [
            select(CaseNameToken.case_id, CaseNameToken.registered_at, CaseNameToken.person_id)
            .where(CaseNameToken.border_point_id.in_(scope), starts_with(CaseNameToken.token, word))
            .correlate(None)
            for word in words
        ]
        matching = members[0] if len(members) == 1 else intersect(*members).subquery().select()
        columns = matching.selected_columns
        found.append(matching.with_only_columns(columns.case_id, columns.registered_at).correlate(None))
    # Matched once per statement: the list's page and its count read the same matches. UNION
    # keeps each case once (a case has many members, a member many words).
    return union(*found).cte("searched").prefix_with("MATERIALIZED")


def filtered(actor: User, filters: CaseFilters, *, timezone: str | None = None) -> Select[tuple[Case]]:
    """The actor's cases that match `filters` (unordered). `timezone` gives the dates their days."""
    query = scoped(actor)
    if filters.status:
        query = query.where(Case.status == filters.status)
    if filters.pathway:
        query = query.where(Case.pathway == filters.pathway)
    if filters.priority:
        query = query.where(Case.priority == filters.priority)
    if filters.border_point:
        point = select(BorderPoint.id).where(BorderPoint.code == filters.border_point)
        query = query.where(Case.border_point_id == point.correlate(None).scalar_subquery())
    if filters.assigned_to == UNASSIGNED:
        query = query.where(Case.assigned_to_id.is_(None))
    elif filters.assigned_to:
        user = select(User.id).where(User.username == filters.assigned_to)
        query = query.where(Case.assigned_to_id == user.correlate(None).scalar_subquery())
    if filters.nationality:
        query = query.where(Case.principal_nationality == filters.nationality)
    if filters.vulnerability:
        query = query.where(Case.id.in_(
            select(CaseMember.case_id)
            .join(PersonVulnerability, PersonVulnerability.person_id == CaseMember.person_id)
            .where(PersonVulnerability.code == filters.vulnerability)
            .correlate(None)
        ))  # fmt: skip
    if filters.registered_from or filters.registered_to:
        if timezone is None:
            raise ValueError("registration dates need the registry's time zone")
        start, end = day_bounds(filters.registered_from, filters.registered_to, timezone)
        if start is not None:
            query = query.where(Case.registered_at >= start)
        if end is not None:
            query = query.where(Case.registered_at < end)
    if filters.q:
        condition = search_condition(filters.q, actor.border_point_scope())
        if condition is not None:
            query = query.where(condition)
    return query


def _order(sort: str, reverse: bool = False, rows: Any = Case) -> list[Any]:
    """The list's order on `rows`' columns (the case table's, or those of a set of matches)."""
    if sort == "case_number":
        keys = [rows.case_number.desc() if reverse else rows.case_number.asc()]
    else:
        descending = (sort == "newest") != reverse
        keys = [rows.registered_at, rows.id]
        keys = [key.desc() if descending else key.asc() for key in keys]
    return keys


# The cursor's values, bound when a page's statement runs (see cursor_values), each as its
# column's type: a value bound without one (an aware datetime in a bare tuple_()) would be sent as
# TIMESTAMP WITH TIME ZONE, which PostgreSQL compares with the naive UTC column in the session's
# time zone (pages skipping or repeating hours).
_CURSOR = SimpleNamespace(registered_at=bindparam("cursor_at", type_=Case.registered_at.type),
                          id=bindparam("cursor_id", type_=Case.id.type),
                          case_number=bindparam("cursor_number", type_=Case.case_number.type))  # fmt: skip


def cursor_values(cursor: Case) -> dict[str, Any]:
    return {"cursor_at": cursor.registered_at, "cursor_id": cursor.id, "cursor_number": cursor.case_number}


def _beyond(sort: str, forward: bool, rows: Any = Case) -> ColumnElement[bool]:
    """Rows after (forward) or before the cursor's row in the list's order: the keyset. The
    cursor's values are _CURSOR's parameters."""
    if sort == "case_number":
        return rows.case_number > _CURSOR.case_number if forward else rows.case_number < _CURSOR.case_number
    key, here = tuple_(rows.registered_at, rows.id), tuple_(_CURSOR.registered_at, _CURSOR.id)
    later_first = sort == "newest"
    return key < here if later_first == forward else key > here


@dataclass(frozen=True, slots=True)
class ListedPerson:
    """What the case list shows of a case's principal."""

    given_names: str | None
    family_name: str | None
    sex: str
    nationality: str | None

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.given_names, self.family_name) if part)


@dataclass(frozen=True, slots=True)
class ListedCase:
    """What the case list shows of a case, read as plain values in one statement for the page.

    Loading the page's 25 cases and their principals as ORM objects cost four times as much as
    the values themselves. Nothing else is here: a page reading any other column of a case fails
    (AttributeError) rather than asking for it once a row.
    """

    id: int
    case_number: str
    status: str
    priority: str
    registered_at: datetime
    principal: ListedPerson


_LISTED = select(Case.id, Case.case_number, Case.status, Case.priority, Case.registered_at,
                 Person.given_names, Person.family_name, Person.sex, Person.nationality
                 ).join(Person, Person.id == Case.principal_id)  # fmt: skip


_LISTED_BY_ID = _LISTED.where(Case.id.in_(bindparam("ids", expanding=True)))


def _rows(statement: Select[Any], parameters: dict[str, Any]) -> list[Any]:
    """A statement of plain columns run on the session's connection, in its transaction: its rows
    as the database gives them. Through the session itself, each statement also passed through the
    ORM's result machinery (a third of its cost), for rows that hold no object. Nothing is flushed
    first: the pages and API calls that list cases have changed nothing when they do."""
    return list(db.session.connection().execute(statement, parameters).all())


def _listed_cases(ids: list[int]) -> dict[int, ListedCase]:
    rows = _rows(_LISTED_BY_ID, {"ids": ids})
    return {row[0]: ListedCase(*row[:5], ListedPerson(*row[5:])) for row in rows}


# Statements of a page and its count already built, by all they are built from: the actor's
# scope, the filters but a search, the order, which way from a cursor, the page's size and the
# count's limit. Building and keying a statement of this size cost more than SQLite's answering
# it; the cursor's values are bound when it runs.
_PAGES: dict[tuple[object, ...], Select[Any]] = {}
_PAGES_SIZE = 1024


def _page_statement(actor: User, filters: CaseFilters, timezone: str, sort: str, forward: bool | None,
                    per_page: int, count_limit: int) -> Select[Any]:  # fmt: skip
    """The ids of a page of cases (and their count), without a search; `forward`: None on the
    first page, else whether the page follows its cursor or precedes it."""
    key = (actor.id, actor.role, actor.all_border_points, filters, timezone, sort, forward, per_page,
           count_limit)  # fmt: skip
    page = _PAGES.get(key)
    if page is None:
        query = filtered(actor, filters, timezone=timezone)
        # The page's ids first: sorting many matches then reads two columns (often from an index
        # alone), not every column of each case and its principal. The count comes in the same
        # statement.
        page_query = query if forward is None else query.where(_beyond(sort, forward))
        page = (page_query.with_only_columns(Case.id, _capped_count(query, count_limit).scalar_subquery())
                .order_by(*_order(sort, reverse=forward is False)).limit(per_page + 1))  # fmt: skip
        if len(_PAGES) >= _PAGES_SIZE:
            _PAGES.clear()
        _PAGES[key] = page
    return page


def list_cases(actor: User, filters: CaseFilters, *, timezone: str, per_page: int, count_limit: int,
               sort: str = "newest", after: str | None = None, before: str | None = None,
               listed: bool = False) -> CasePage:  # fmt: skip
    """A page of the actor's matching cases, in `sort` order, after or before a case number.

    Pages follow each other by the last (or first) case shown, not by an offset: page 4,000 is as
    fast as page 1, and a case registered meanwhile does not shift the next page. `listed`: the
    cases as ListedCase values (what the case list shows), not as Case objects.
    """
    if sort not in SORTS:
        sort = "newest"
    messages: list[str] = []
    cursor_number, forward = (before, False) if before else (after, True)
    cursor = None
    if cursor_number:
        number = cursor_number.strip().upper()
        if looks_like_case_number(number):
            cursor = db.session.scalar(scoped(actor).where(Case.case_number == number))
        if cursor is None:
            messages.append(N_("That page is no longer available: here is the first page."))
    reverse = not forward and cursor is not None
    parameters = {} if cursor is None else cursor_values(cursor)
    if filters.q and filters.q.strip():
        query = filtered(actor, filters, timezone=timezone)
        # A search's matches within the actor's scope, found once: the page and its count read
        # them from there. Checking each match's border point (a look-up of its case) twice, once
        # for the page and once for the count, was a fifth of a common name's search.
        # Only the columns the order needs: id and registration time come from an index alone.
        keys = [Case.id, Case.case_number] if sort == "case_number" else [Case.id, Case.registered_at]
        alone = sort != "case_number" and filters == CaseFilters(q=filters.q)
        searched = search_matches(filters.q, actor.border_point_scope()) if alone else None
        if searched is not None:
            # The search alone: its matches are within scope and carry their registration time,
            # names from the name index itself; their cases are not read at all.
            matched = searched
        else:
            matched = query.with_only_columns(*keys).cte("matched").prefix_with("MATERIALIZED")
        counted = select(func.count()).select_from(select(matched.c.id).limit(count_limit + 1).subquery())
        page = select(matched.c.id, counted.scalar_subquery())
        if cursor is not None:
            page = page.where(_beyond(sort, forward, matched.c))
        page = page.order_by(*_order(sort, reverse, matched.c)).limit(per_page + 1)
    else:
        page = _page_statement(actor, filters, timezone, sort, None if cursor is None else forward,
                               per_page, count_limit)  # fmt: skip
    found = _rows(page, parameters)
    ids = [case_id for case_id, _ in found]
    loaded: dict[int, Any]
    if listed:
        loaded = _listed_cases(ids)
    else:
        loaded = {case.id: case for case in db.session.scalars(select(Case).where(Case.id.in_(ids)))}
    rows = [loaded[case_id] for case_id in ids]
    more = len(rows) > per_page
    rows = rows[:per_page]
    if cursor is not None and not forward:
        rows.reverse()
        has_next, has_previous = True, more
    else:
        has_next, has_previous = more, cursor is not None
    if found:
        counted = found[0][1]
        total, exact = (count_limit, False) if counted > count_limit else (counted, True)
    else:
        total, exact = (count_cases(filtered(actor, filters, timezone=timezone), count_limit)
                        if cursor is not None else (0, True))  # fmt: skip
    return CasePage(cases=rows, total=total, total_is_exact=exact, has_next=has_next,
                    has_previous=has_previous, sort=sort, count_limit=count_limit,
                    messages=messages)  # fmt: skip


def count_cases(query: Select[Any], limit: int) -> tuple[int, bool]:
    """How many rows `query` selects, counting no further than `limit`: (count, exact).

    Counting a million matching cases to print "1,000,000" would read a million rows on every
    page; "more than 10,000" is as true and reads 10,001.
    """
    total = db.session.scalar(_capped_count(query, limit)) or 0
    if total > limit:
        return limit, False
    return total, True


def _capped_count(query: Select[Any], limit: int) -> Select[tuple[int]]:
    capped = query.with_only_columns(Case.id).limit(limit + 1).subquery()
    return select(func.count()).select_from(capped)


def get_case(actor: User, case_number: str, *, with_people: bool = False) -> Case:
    """The case, if the actor may see it; otherwise NotFound, whether or not it exists.

    `with_people`: also every member's documents and protection needs, for a page or a printout
    that shows them (one statement each for the whole household, not two for each member).
    """
    if not looks_like_case_number(case_number):
        # No case has such a number (and PostgreSQL refuses some characters in a query at all).
        raise case_not_found(case_number)
    # Each member with their person in one statement: one row each, so nothing is repeated.
    people = selectinload(Case.members).joinedload(CaseMember.person)
    options = [
        people,
        # The timeline names who acted; their own border points are never shown with it.
        selectinload(Case.events).selectinload(CaseEvent.actor).lazyload(User.border_points),
    ]
    if with_people:
        options += [
            people.selectinload(Person.documents),
            people.selectinload(Person.vulnerability_rows),
            # Named on the page: in the case's own statement, rather than two more each.
            joinedload(Case.registered_by).lazyload(User.border_points),
            joinedload(Case.assigned_to).lazyload(User.border_points),
        ]
    case = db.session.scalar(
        scoped(actor).where(Case.case_number == case_number.strip().upper()).options(*options)
    )
    if case is None:
        raise case_not_found(case_number)
    return case


def case_not_found(case_number: str) -> NotFound:
    return NotFound(N_("No case %(case_number)s among your border points."),
                    params={"case_number": case_number[:40]})  # fmt: skip


def require_in_scope(actor: User, case_number: str) -> None:
    """NotFound unless the case exists among the actor's border points (the access matrix's check)."""
    if not looks_like_case_number(case_number):
        raise case_not_found(case_number)
    found = db.session.scalar(
        select(Case.id).where(Case.case_number == case_number.strip().upper(),
                              Case.border_point_id.in_(actor.border_point_scope()))
    )
    if found is None:
        raise case_not_found(case_number)


def person_not_found(person_id: object) -> NotFound:
    return NotFound(N_("No person %(person_id)s among your border points."),
                    params={"person_id": str(person_id)[:20]})  # fmt: skip


def require_person_in_scope(actor: User, person_id: object) -> None:
    """NotFound unless the person is a member of a case among the actor's border points."""
    # Beyond a database integer no person exists (and PostgreSQL would refuse the comparison).
    if not isinstance(person_id, int) or not 0 < person_id <= MAX_ID:
        raise person_not_found(person_id)
    found = db.session.scalar(
        select(CaseMember.id)
        .join(Case, Case.id == CaseMember.case_id)
        .where(CaseMember.person_id == person_id,
               Case.border_point_id.in_(actor.border_point_scope()))
        .limit(1)
    )
    if found is None:
        raise person_not_found(person_id)


def case_of_person(actor: User, person_id: int) -> Case:
    """The case (among the actor's border points) that covers the person; NotFound otherwise."""
    case_number = db.session.scalar(
        select(Case.case_number)
        .join(CaseMember, CaseMember.case_id == Case.id)
        .where(CaseMember.person_id == person_id,
               Case.border_point_id.in_(actor.border_point_scope()))
        .order_by(Case.id)
        .limit(1)
    )
    if case_number is None:
        raise person_not_found(person_id)
    return get_case(actor, case_number)


def open_case(actor: User, case_number: str, *, purpose: str, ip_address: str | None,
              details: dict[str, object] | None = None) -> Case:  # fmt: skip
    """Load a case for viewing or printing and record that the actor saw the person's data."""
    case = get_case(actor, case_number, with_people=True)
    record_view(actor, case, purpose=purpose, ip_address=ip_address, details=details)
    return case


def record_view(actor: User, case: Case, *, purpose: str, ip_address: str | None,
                details: dict[str, object] | None = None) -> None:  # fmt: skip
    """Record that the actor saw or printed the person's data (`details`: never that data)."""
    audit.record(purpose, actor=actor, object_type="case", object_id=case.case_number,
                 ip_address=ip_address, details=details)  # fmt: skip


# The accounts that can follow cases of some border points: built once (the list asks it on every page).
_ASSIGNEES = (
    select(User.username, User.full_name)
    .where(User.role.in_([Role.OFFICER, Role.SUPERVISOR]), User.active)
    .where(User.id.in_(select(user_border_point.c.user_id)
                       .where(user_border_point.c.border_point_id.in_(bindparam("points", expanding=True))))
           | (User.all_border_points & (User.role == Role.SUPERVISOR)))
    .order_by(User.username)
)  # fmt: skip


def list_assignees(actor: User, border_points: list[BorderPoint] | None = None) -> list[tuple[str, str]]:
    """(username, name) of the accounts that can follow the actor's cases (officers, supervisors).
    `border_points`: the actor's, from list_border_points() when the caller has them already."""
    if border_points is None:
        border_points = list_border_points(actor)
    rows = _rows(_ASSIGNEES, {"points": [point.id for point in border_points]})
    return [(username, full_name or username) for username, full_name in rows]


def list_border_points(actor: User) -> list[BorderPoint]:
    """The border points whose cases the actor sees, by code."""
    if actor.sees_people and not (actor.all_border_points and actor.role == Role.SUPERVISOR):
        # The points the account holds: loaded with the account (security.load_user).
        return list(actor.border_points)
    return list(
        db.session.scalars(
            select(BorderPoint)
            .where(BorderPoint.id.in_(actor.border_point_scope()))
            .order_by(BorderPoint.code)
        )
    )
