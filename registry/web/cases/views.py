"""Finding a case, reading it, printing it."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from markupsafe import Markup

from registry.domain.cases import CASE_NUMBER
from registry.domain.errors import Forbidden
from registry.domain.i18n import N_
from registry.models import User
from registry.services import cases as case_service
from registry.services import exports, verification
from registry.services import printing as printing_service
from registry.templating import Reader, current_language, label_of, show_datetime
from registry.web.cases import printing
from registry.web.cases.forms import CaseFilterForm, ExportForm
from registry.web.common import actor, audit_here, client_ip, timezone

bp = Blueprint("cases", __name__)


@bp.before_request
def _people_data_is_for_officers_and_supervisors() -> None:
    if not actor().sees_people:
        raise Forbidden(N_("Administrators do not see people's data."))


def filter_form(user: User, form_class: type[CaseFilterForm] = CaseFilterForm) -> CaseFilterForm:
    """The list's filters read from the query string, with the choices this user may make."""
    points, assignees = _filter_choices(user)
    form = form_class(request.args, border_points=list(points), assignees=list(assignees))
    form.validate()
    return form


def _filter_choices(user: User) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """The border points (code, name) and the assignees (username, name) this user may filter by."""
    border_points = case_service.list_border_points(user)
    return (tuple((point.code, str(point)) for point in border_points),
            tuple(case_service.list_assignees(user, border_points)))  # fmt: skip


@dataclass(frozen=True, slots=True)
class ListRow:
    """One case as the list's table row shows it: every cell's text worked out before rendering.

    A row's cells were eight calls from the template (labels, a country, a date, a link, a
    translated sentence), each through Jinja's call machinery: half of a list page's rendering.
    """

    case_number: str
    link: str
    print_label: str
    name: str
    sex: str
    nationality: str
    status: str
    priority: str
    badge: str | None  # the priority's badge colour; None for a normal priority, shown plain
    registered_on: str


BADGES = {"urgent": "danger", "normal": None}


def case_links() -> Callable[[str], str]:
    """url_for("cases.show") for a page of case numbers, the route built once (url_for costs as
    much as the rest of a row). A case number (capitals, digits, hyphens: CASE_NUMBER) goes into
    a URL as it is, so it takes the place of another in the built link; anything else is given
    to url_for."""
    placeholder = "XXX-0000-000000"
    before, _, after = url_for("cases.show", case_number=placeholder).rpartition(placeholder)

    def link(case_number: str) -> str:
        if CASE_NUMBER.fullmatch(case_number):
            return f"{before}{case_number}{after}"
        return url_for("cases.show", case_number=case_number)

    return link


def list_rows(cases: list[case_service.ListedCase], reader: Reader) -> list[ListRow]:
    link = case_links()
    # As the template's _() would: the sentence is markup, the case number put in escaped.
    print_label = Markup(reader.catalogue.ugettext("Print the sheet of %(case_number)s"))  # noqa: S704 - a translation, as Jinja's _() takes it
    return [
        ListRow(
            case_number=case.case_number,
            link=link(case.case_number),
            print_label=print_label % {"case_number": case.case_number},
            name=case.principal.full_name,
            sex=reader.label_of("sex", case.principal.sex),
            nationality=reader.country_of(case.principal.nationality),
            status=reader.label_of("status", case.status),
            priority=reader.label_of("priority", case.priority),
            badge=BADGES.get(case.priority, "warning"),
            registered_on=reader.show_date(case.registered_at),
        )
        for case in cases
    ]


@dataclass(frozen=True, slots=True)
class ListFilters:
    """The list's filters as read from the query string, and their form as the page shows it."""

    filters: case_service.CaseFilters
    sort: str
    html: Markup


# The filter forms already rendered, by everything their HTML and values depend on: the
# language, the choices this user may make, and what the query string gives each field.
_LIST_FILTERS: dict[tuple[object, ...], ListFilters] = {}
_LIST_FILTERS_SIZE = 256


def list_filters(user: User) -> ListFilters:
    """The filter form read, checked and rendered, or the same form as an earlier request's.

    Building the form's eleven fields, checking them and rendering them through the macros was
    a fifth of a list page, and gives the same for the same language, choices and values: most
    pages are the plain list or a filter or two. A search (q) is never kept: its words stay in
    no memory beyond its own request.
    """
    points, assignees = _filter_choices(user)
    args = request.args
    key = None
    if not any(args.getlist("q")):
        key = (current_language(), request.script_root, points, assignees,
               *((name, tuple(args.getlist(name))) for name in CaseFilterForm.FIELDS))  # fmt: skip
        found = _LIST_FILTERS.get(key)
        if found is not None:
            return found
    form = CaseFilterForm(args, border_points=list(points), assignees=list(assignees))
    form.validate()
    shown = ListFilters(form.filters(), form.chosen_sort(),
                        Markup(render_template("cases/_filters.html", form=form)))  # noqa: S704 - Jinja escaped it
    if key is not None:
        if len(_LIST_FILTERS) >= _LIST_FILTERS_SIZE:
            _LIST_FILTERS.clear()
        _LIST_FILTERS[key] = shown
    return shown


@bp.get("/cases")
def index() -> str:
    user = actor()
    shown = list_filters(user)
    filters = shown.filters
    settings = current_app.config["REGISTRY"]
    result = case_service.list_cases(
        user, filters, timezone=timezone(), per_page=settings.CASES_PER_PAGE,
        count_limit=settings.CASES_COUNT_LIMIT, sort=shown.sort,
        after=request.args.get("after"), before=request.args.get("before"), listed=True,
    )  # fmt: skip
    audit_here("case_list", object_type="case", search_text=filters.q,
               details={**filters.for_audit(), "shown": len(result.cases)})  # fmt: skip
    args = filters.query_args()
    if result.sort != "newest":
        args["sort"] = result.sort
    reader = Reader()
    return render_template("cases/index.html", filters=shown, result=result, args=args,
                           rows=list_rows(result.cases, reader), reader=reader,
                           can_anonymise=user.is_supervisor)  # fmt: skip


@bp.get("/cases/export.csv")
def export_csv() -> Response | tuple[str, int]:
    return _export("csv")


@bp.get("/cases/export.xlsx")
def export_xlsx() -> Response | tuple[str, int]:
    return _export("xlsx")


MIMETYPES = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _export(kind: str) -> Response | tuple[str, int]:
    """The filtered list as a file. Unlike the list, an export refuses a filter it cannot apply:
    a file quietly holding more than was asked for would leave the building."""
    user = actor()
    form = filter_form(user, ExportForm)
    if form.errors:
        return render_template("cases/export_refused.html", form=form, args=_typed_args()), 422
    filters = form.filters()
    anonymised = form.anonymised.data == "1"
    export = exports.open_export(user, filters, timezone=timezone(), anonymised=anonymised)
    xlsx_max_rows = current_app.config["REGISTRY"].XLSX_MAX_ROWS
    if kind == "xlsx" and not exports.xlsx_fits(export, xlsx_max_rows):
        export.close()
        return render_template("cases/export_refused.html", form=form, args=_typed_args(),
                               too_many_rows=export.rows,
                               xlsx_limit=exports.xlsx_limit(xlsx_max_rows)), 422  # fmt: skip
    audit_here("export", object_type="case", search_text=filters.q, details={
        **filters.for_audit(), "format": kind, "anonymised": anonymised, "rows": export.rows,
    })  # fmt: skip
    stamp = datetime.now(ZoneInfo(timezone())).strftime("%Y-%m-%d-%H%M")
    filename = f"cases-{stamp}{'-anonymised' if anonymised else ''}.{kind}"
    if kind == "csv":
        body = exports.csv_chunks(export)
    else:
        body = exports.xlsx_chunks(export, _("Cases"))
    # nginx would otherwise hold the whole file before sending its first byte.
    headers = {"Content-Disposition": f'attachment; filename="{filename}"', "X-Accel-Buffering": "no"}
    return Response(stream_with_context(body), mimetype=MIMETYPES[kind], headers=headers)


def _typed_args() -> dict[str, str]:
    return {key: value for key, value in request.args.items() if value}


@bp.get("/cases/<case_number>")
def show(case_number: str) -> tuple[str, int]:
    from registry.web.workflow.views import render_case_page

    return render_case_page(case_number)


@bp.get("/cases/<case_number>/summary.pdf")
def summary_pdf(case_number: str) -> Response:
    """The case summary sheet, in the language asked for (?lang=en|fr|sw) or the person's."""
    return _case_document(case_number, "summary", printing.summary_pdf)


@bp.get("/cases/<case_number>/slip.pdf")
def slip_pdf(case_number: str) -> Response:
    """The registration slip the person keeps (half A4)."""
    return _case_document(case_number, "slip", printing.slip_pdf)


@bp.get("/cases/<case_number>/declaration.pdf")
def declaration_pdf(case_number: str) -> Response:
    """The voluntary return declaration to sign, in the person's language or ?lang=."""
    return _case_document(case_number, "declaration", printing.declaration_pdf)


def _case_document(case_number: str, document: str, build: Callable[..., bytes]) -> Response:
    """Print one document of a case: the case within the user's scope, the print language
    (`?lang=`, else the person's), then the builder, which records the print issue and the
    audit row."""
    user = actor()
    case = case_service.get_case(user, case_number, with_people=True)
    language = printing.print_language(case, request.args.get("lang"))
    pdf = build(case, user, language, ip_address=client_ip())
    return send_file(io.BytesIO(pdf), mimetype="application/pdf",
                     download_name=f"{case.case_number}-{document}.pdf")  # fmt: skip


@bp.get("/cases/sheets.pdf")
def sheets_pdf() -> Response | tuple[str, int]:
    """The summary sheets of the cases selected in the list (`case=`), else of every case the
    list's filters match, as one PDF. Like an export, it refuses a filter it cannot apply."""
    user = actor()
    form = filter_form(user)
    if form.errors:
        return render_template("cases/print_refused.html", form=form, args=_typed_args()), 422
    filters = form.filters()
    language = printing.requested_language()
    selection = request.args.getlist("case")
    if request.args.get("selection") and not selection:
        flash(_("No case was ticked: tick the cases whose sheets to print, or print every sheet "
                "of the list."), "warning")  # fmt: skip
        return redirect(url_for("cases.index", **filters.query_args()))
    settings = current_app.config["REGISTRY"]
    chosen = printing_service.batch(user, filters, selection=selection,
                                    timezone=timezone(), sort=form.chosen_sort(),
                                    limit=settings.BATCH_PRINT_LIMIT)  # fmt: skip
    if not chosen.count:
        flash(_("No case matches these filters: there is no sheet to print."), "warning")
        return redirect(url_for("cases.index", **filters.query_args()))
    audit_here("print_batch", object_type="case", search_text=filters.q, details={
        **filters.for_audit(), "selected": chosen.selected, "cases": chosen.count})  # fmt: skip
    # A batch can run to tens of megabytes: written to a temporary file, not held in memory.
    output = tempfile.TemporaryFile()  # noqa: SIM115 (closed by _file_chunks)
    try:
        printing.sheets_pdf(printing_service.batch_cases(chosen), user, language, output,
                            ip_address=client_ip(), details={"selected": chosen.selected})  # fmt: skip
        size = output.tell()
        output.seek(0)
    except BaseException:
        output.close()
        raise
    stamp = datetime.now(ZoneInfo(timezone())).strftime("%Y-%m-%d-%H%M")
    headers = {"Content-Disposition": f'inline; filename="case-sheets-{stamp}.pdf"',
               "Content-Length": str(size)}
    return Response(_file_chunks(output), mimetype="application/pdf", headers=headers)


def _file_chunks(file: IO[bytes], size: int = 256 * 1024) -> Iterator[bytes]:
    """The file's content, closing it once sent (or once the client went away)."""
    try:
        while chunk := file.read(size):
            yield chunk
    finally:
        file.close()


@bp.get("/v/<case_number>/<code>")
def verify(case_number: str, code: str) -> Response:
    """Where a printed QR code leads: the case itself, for a user allowed to see it, with what
    the printout is and whether it is the latest issue of its document."""
    result = verification.verify(actor(), case_number, code, ip_address=client_ip())
    issue = result.issue
    values = {"document": label_of("document", issue.document),
              "date": show_datetime(issue.issued_at),
              "name": issue.issued_by.display_name if issue.issued_by else "—"}
    if result.is_latest:
        flash(_("This printout (%(document)s, printed on %(date)s by %(name)s) was issued by this "
                "registry and is the latest issue.", **values), "success")  # fmt: skip
    else:
        flash(_("This printout (%(document)s, printed on %(date)s by %(name)s) was issued by this "
                "registry, but a newer one was printed on %(latest)s: it may be out of date.",
                latest=show_datetime(result.latest.issued_at), **values), "warning")  # fmt: skip
    return redirect(url_for("cases.show", case_number=result.case.case_number))
