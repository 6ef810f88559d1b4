"""Finding and reading cases, always within the acting user's border points."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from registry.domain.errors import NotFound
from registry.domain.i18n import N_
from registry.domain.names import fold
from registry.extensions import db
from registry.models import BorderPoint, Case, CaseEvent, CaseMember, Person, User
from registry.services import audit

MAX_QUERY_LENGTH = 200


@dataclass(frozen=True)
class CaseFilters:
    status: str | None = None
    border_point: str | None = None
    q: str | None = None


@dataclass(frozen=True)
class CasePage:
    cases: list[Case]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def scoped(actor: User) -> Select[tuple[Case]]:
    """Every case query starts here: only the border points the actor holds."""
    return select(Case).where(Case.border_point_id.in_(actor.border_point_scope()))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filtered(actor: User, filters: CaseFilters) -> Select[tuple[Case]]:
    query = scoped(actor)
    if filters.status:
        query = query.where(Case.status == filters.status)
    if filters.border_point:
        query = query.join(Case.border_point).where(BorderPoint.code == filters.border_point)
    text = (filters.q or "").strip()[:MAX_QUERY_LENGTH]
    if text:
        upper = text.upper()
        folded = fold(text)
        conditions = [Case.case_number == upper]
        if len(upper) >= 3:
            conditions.append(Case.case_number.like(f"%{_escape_like(upper)}%", escape="\\"))
        if folded:
            conditions.append(
                Case.principal_id.in_(
                    select(Person.id).where(
                        Person.search_name.like(f"%{_escape_like(folded)}%", escape="\\")
                    )
                )
            )
        query = query.where(or_(*conditions))
    return query


def list_cases(actor: User, filters: CaseFilters, page: int, per_page: int) -> CasePage:
    query = filtered(actor, filters)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = max(1, min(page, max(1, -(-total // per_page))))
    cases = list(
        db.session.scalars(
            query.options(selectinload(Case.assigned_to))
            .order_by(Case.registered_at.desc(), Case.id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    return CasePage(cases=cases, page=page, per_page=per_page, total=total)


def get_case(actor: User, case_number: str) -> Case:
    """The case, if the actor may see it; otherwise NotFound, whether or not it exists."""
    case = db.session.scalar(
        scoped(actor)
        .where(Case.case_number == case_number.strip().upper())
        .options(
            selectinload(Case.members).selectinload(CaseMember.person),
            selectinload(Case.events).selectinload(CaseEvent.actor),
        )
    )
    if case is None:
        raise case_not_found(case_number)
    return case


def case_not_found(case_number: str) -> NotFound:
    return NotFound(N_("No case %(case_number)s among your border points."),
                    params={"case_number": case_number[:40]})  # fmt: skip


def require_in_scope(actor: User, case_number: str) -> None:
    """NotFound unless the case exists among the actor's border points (the access matrix's check)."""
    found = db.session.scalar(
        select(Case.id).where(Case.case_number == case_number.strip().upper(),
                              Case.border_point_id.in_(actor.border_point_scope()))  # fmt: skip
    )
    if found is None:
        raise case_not_found(case_number)


def open_case(actor: User, case_number: str, *, purpose: str, ip_address: str | None,
              details: dict[str, object] | None = None) -> Case:  # fmt: skip
    """Load a case for viewing or printing and record that the actor saw the person's data."""
    case = get_case(actor, case_number)
    record_view(actor, case, purpose=purpose, ip_address=ip_address, details=details)
    return case


def record_view(actor: User, case: Case, *, purpose: str, ip_address: str | None,
                details: dict[str, object] | None = None) -> None:  # fmt: skip
    """Record that the actor saw or printed the person's data (`details`: never that data)."""
    audit.record(purpose, actor=actor, object_type="case", object_id=case.case_number,
                 ip_address=ip_address, details=details)  # fmt: skip


def list_border_points(actor: User) -> list[BorderPoint]:
    return list(
        db.session.scalars(
            select(BorderPoint)
            .where(BorderPoint.id.in_(actor.border_point_scope()))
            .order_by(BorderPoint.code)
        )
    )
