"""Finding a case, reading it, printing it."""

from __future__ import annotations

import io

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _

from registry.documents.case_summary import CaseSummary
from registry.domain.errors import Forbidden, NotFound
from registry.domain.i18n import N_
from registry.services import cases as case_service
from registry.services import verification
from registry.web.cases import printing
from registry.web.cases.forms import CaseFilterForm
from registry.web.common import actor, audit_here, client_ip

bp = Blueprint("cases", __name__)


@bp.before_request
def _people_data_is_for_officers_and_supervisors() -> None:
    if not actor().sees_people:
        raise Forbidden(N_("Administrators do not see people's data."))


@bp.get("/cases")
def index() -> str:
    user = actor()
    points = [(point.code, str(point)) for point in case_service.list_border_points(user)]
    form = CaseFilterForm(request.args, border_points=points)
    form.validate()
    filters = form.filters()
    per_page = current_app.config["REGISTRY"].CASES_PER_PAGE
    page = form.page.data if form.page.data and not form.page.errors else 1
    result = case_service.list_cases(user, filters, page=page, per_page=per_page)
    audit_here("case_list", object_type="case", search_text=filters.q, details={
        "status": filters.status, "border_point": filters.border_point,
        "searched": bool(filters.q), "shown": len(result.cases),
    })  # fmt: skip
    args = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template("cases/index.html", form=form, result=result, args=args)


@bp.get("/cases/<case_number>")
def show(case_number: str) -> tuple[str, int]:
    from registry.web.workflow.views import render_case_page

    return render_case_page(case_number)


@bp.get("/cases/<case_number>/summary.pdf")
def summary_pdf(case_number: str) -> Response:
    """The case summary sheet, in the language asked for (?lang=en|fr|sw) or the person's."""
    user = actor()
    case = case_service.get_case(user, case_number)
    language = printing.print_language(case, request.args.get("lang"))
    case_service.record_view(user, case, purpose="print_summary", ip_address=client_ip(),
                             details={"language": language})  # fmt: skip
    with force_locale(language):
        data = printing.summary_data(case, user)
    pdf = CaseSummary(data).build()
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", download_name=f"{case.case_number}-summary.pdf")


@bp.get("/v/<case_number>/<code>")
def verify(case_number: str, code: str) -> Response:
    """Where a printed QR code leads: the case itself, for a user allowed to see it."""
    if not verification.is_valid(current_app.config["SECRET_KEY"], case_number, code):
        raise NotFound(N_("This verification code does not match any printed document."))
    case = case_service.open_case(actor(), case_number, purpose="verify_print", ip_address=client_ip())
    flash(_("This document was issued by this registry for case %(case_number)s.",
            case_number=case.case_number), "success")  # fmt: skip
    return redirect(url_for("cases.show", case_number=case.case_number))
