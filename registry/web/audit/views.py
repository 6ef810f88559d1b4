"""Reading the audit log: a case's access history for its supervisors, the whole log for administrators."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from registry.services import audit
from registry.services import cases as case_service
from registry.web.audit.forms import AuditSearchForm
from registry.web.common import actor, audit_here, client_ip, timezone

bp = Blueprint("audit", __name__)
PER_PAGE = 50


@bp.get("/cases/<case_number>/access")
def case_history(case_number: str) -> str:
    case = case_service.open_case(actor(), case_number, purpose="access_history_view", ip_address=client_ip())
    entries = audit.case_access_history(case.case_number)
    return render_template("audit/case_history.html", case=case, entries=entries)


@bp.get("/audit")
def search() -> str:
    form = AuditSearchForm(request.args)
    form.validate()
    filters = form.filters(timezone())
    page = form.page.data if form.page.data and not form.page.errors else 1
    entries, total = audit.search_log(filters, page, PER_PAGE)
    # The investigator's own search is recorded like any other (its term as a keyed hash too).
    audit_here("audit_search", object_type="audit", search_text=filters.search_term, details={
        "fields": sorted(name for name, value in vars(filters).items() if value), "shown": len(entries),
    })  # fmt: skip
    args = {key: value for key, value in request.args.items() if key != "page" and value}
    pages = max(1, -(-total // PER_PAGE))
    return render_template("audit/search.html", form=form, entries=entries, total=total, page=page,
                           pages=pages, args=args)  # fmt: skip
