"""A case's household after registration: thin views over services/household.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from registry.domain.errors import DomainError, InvalidDetails, NotAllowed, StaleVersion
from registry.errors import rerender_on_csrf_error, translated
from registry.extensions import db
from registry.services import cases as case_service
from registry.services import household
from registry.templating import today
from registry.web.common import actor, client_ip, timezone
from registry.web.household.forms import (
    AddMemberForm,
    DocumentForm,
    PhotoForm,
    PriorityForm,
    RemoveDocumentForm,
    SplitForm,
    VulnerabilitiesForm,
)
from registry.web.registrations.views import field_named

bp = Blueprint("household", __name__, url_prefix="/cases/<case_number>")

REFUSALS = (InvalidDetails, StaleVersion, NotAllowed)


def _back(case_number: str) -> Response:
    return redirect(url_for("cases.show", case_number=case_number.upper()))


def _show_errors(form: Any, error: DomainError) -> None:
    db.session.rollback()
    for name, message in error.fields.items():
        # A document's rules speak of "documents"; the form has one document's number.
        name = "number" if name == "documents" and hasattr(form, "number") else name
        field = field_named(form, name) or field_named(form, f"member-{name}")
        if field is not None:
            field.errors = [*field.errors, _(message)]
    flash(translated(error), "danger")


def _form_page(template: str, case_number: str, form: Any, change: Callable[[], object], done: str,
               person_id: int | None = None, **context: Any) -> Response | tuple[str, int]:  # fmt: skip
    """GET: the form; POST: the change, or the form again with the refusal beside its fields."""
    user = actor()
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                change()
            except REFUSALS as error:
                _show_errors(form, error)
                status = error.http_status
            else:
                flash(done, "success")
                return _back(case_number)
        else:
            status = 400 if form.csrf_token.errors else 422
    else:
        status = 200
    case, person = household.person_of(user, case_number, person_id)
    case_service.record_view(user, case, purpose="case_view", ip_address=client_ip())
    return render_template(template, case=case, person=person, form=form, **context), status


@bp.route("/members/new", methods=["GET", "POST"])
@rerender_on_csrf_error
def add_member(case_number: str) -> Response | tuple[str, int]:
    form = AddMemberForm()
    if request.method == "GET":
        form.version.data = case_service.get_case(actor(), case_number).version

    def change() -> object:
        case = case_service.get_case(actor(), case_number)
        return household.add_member(actor(), case_number, form.member.form.to_data(today(), case.principal.nationality),
                                    reason=form.reason.data or "", case_version=form.version.data,
                                    today=today(), ip_address=client_ip())  # fmt: skip

    return _form_page("household/add_member.html", case_number, form, change, _("Member added to the household."))


@bp.route("/members/<int:person_id>/split", methods=["GET", "POST"])
@rerender_on_csrf_error
def split_member(case_number: str, person_id: int) -> Response | tuple[str, int]:
    form = SplitForm()
    if request.method == "GET":
        form.version.data = case_service.get_case(actor(), case_number).version
    status = 200
    if request.method == "POST":
        status = 400 if form.csrf_token.errors else 422
        if form.validate_on_submit():
            try:
                new_case = household.split_member(actor(), case_number, person_id, reason=form.reason.data or "",
                                                  case_version=form.version.data, timezone=timezone(),
                                                  ip_address=client_ip())  # fmt: skip
            except REFUSALS as error:
                _show_errors(form, error)
                status = error.http_status
            else:
                flash(_("A case of their own was opened: %(case_number)s.", case_number=new_case.case_number),
                      "success")  # fmt: skip
                return redirect(url_for("cases.show", case_number=new_case.case_number))
    user = actor()
    case, person = household.person_of(user, case_number, person_id)
    case_service.record_view(user, case, purpose="case_view", ip_address=client_ip())
    return render_template("household/split.html", case=case, person=person, form=form), status


@bp.route("/people/<int:person_id>/vulnerabilities", methods=["GET", "POST"])
@rerender_on_csrf_error
def vulnerabilities(case_number: str, person_id: int) -> Response | tuple[str, int]:
    form = VulnerabilitiesForm()
    if request.method == "GET":
        _case, person = household.person_of(actor(), case_number, person_id)
        form.vulnerabilities.data, form.version.data = person.vulnerabilities, person.version

    def change() -> object:
        return household.set_vulnerabilities(actor(), case_number, person_id, form.vulnerabilities.data or [],
                                             reason=form.reason.data or "", person_version=form.version.data,
                                             ip_address=client_ip())  # fmt: skip

    return _form_page("household/vulnerabilities.html", case_number, form, change,
                      _("Protection needs changed; the case's priority follows them."), person_id=person_id)  # fmt: skip


@bp.route("/people/<int:person_id>/documents", methods=["GET", "POST"])
@rerender_on_csrf_error
def documents(case_number: str, person_id: int) -> Response | tuple[str, int]:
    form = DocumentForm()
    _case, person = household.person_of(actor(), case_number, person_id)
    if request.method == "GET":
        form.version.data = person.version

    def change() -> object:
        return household.add_document(actor(), case_number, person_id, form.document(), reason=form.reason.data or "",
                                      person_version=form.version.data, today=today(), ip_address=client_ip())  # fmt: skip

    return _form_page("household/documents.html", case_number, form, change, _("Document added."),
                      person_id=person_id, remove_form=RemoveDocumentForm(formdata=None, version=person.version))  # fmt: skip


@bp.post("/people/<int:person_id>/documents/<int:document_id>/remove")
def remove_document(case_number: str, person_id: int, document_id: int) -> Response | tuple[str, int]:
    form = RemoveDocumentForm()
    if form.validate_on_submit():
        try:
            household.remove_document(actor(), case_number, person_id, document_id, reason=form.reason.data or "",
                                      person_version=form.version.data, ip_address=client_ip())  # fmt: skip
        except REFUSALS as error:
            _show_errors(form, error)
        else:
            flash(_("Document removed; the history keeps what it said."), "success")
            return _back(case_number)
    else:
        flash(_("Say why the document is removed."), "danger")
    return redirect(url_for("household.documents", case_number=case_number.upper(), person_id=person_id))


@bp.post("/priority")
def raise_priority(case_number: str) -> Response:
    form = PriorityForm()
    if form.validate_on_submit():
        household.raise_priority(actor(), case_number, form.priority.data or "", reason=form.reason.data or "",
                                 case_version=form.version.data, ip_address=client_ip())  # fmt: skip
        flash(_("Priority raised."), "success")
    else:
        flash(_("Choose a priority and say why."), "danger")
    return _back(case_number)


@bp.get("/people/<int:person_id>/photo")
def photo(case_number: str, person_id: int) -> Response:
    """The photo, only through this access-checked and audited route (never a static URL)."""
    data, mimetype = household.read_photo(actor(), case_number, person_id, ip_address=client_ip())
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = "inline"
    return response


@bp.post("/people/<int:person_id>/photo")
def upload_photo(case_number: str, person_id: int) -> Response:
    form = PhotoForm()
    upload = request.files.get("photo")
    if form.validate_on_submit() and upload is not None and upload.filename:
        try:
            household.set_photo(actor(), case_number, person_id, upload.read(), ip_address=client_ip())
        except InvalidDetails as error:
            db.session.rollback()
            flash(" ".join([translated(error), *(_(m) for m in error.fields.values())]), "danger")
        else:
            flash(_("Photo saved."), "success")
    else:
        flash(_("Choose or take a photo first."), "danger")
    return _back(case_number)


@bp.get("/changes")
def history(case_number: str) -> str:
    """Every change to the case's people: who, when, why, the old and the new value."""
    user = actor()
    case = case_service.open_case(user, case_number, purpose="change_history_view", ip_address=client_ip())
    return render_template("household/history.html", case=case, changes=household.history(user, case_number))
