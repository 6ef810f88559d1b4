"""The person's rights: a printable copy of their data, corrections, and sharing with partners."""

from __future__ import annotations

import io
from dataclasses import replace

from flask import Blueprint, Response, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from registry.documents.case_summary import CaseSummary
from registry.domain.errors import DomainError, InvalidDetails, StaleVersion
from registry.errors import rerender_on_csrf_error, translated
from registry.extensions import db
from registry.services import cases as case_service
from registry.services import household, rights, verification
from registry.templating import current_language, label_of, show_datetime, today
from registry.web.cases import printing
from registry.web.common import actor, client_ip
from registry.web.rights.forms import CorrectionForm, TransferForm

bp = Blueprint("rights", __name__, url_prefix="/cases/<case_number>")


@bp.get("/personal-data.pdf")
def personal_data(case_number: str) -> Response:
    """The right of access: everything held about the person, printable, to hand to them."""
    user = actor()
    case = case_service.open_case(user, case_number, purpose="print_personal_data", ip_address=client_ip())
    printed = verification.issue(user, case, "personal_data", current_language())
    data = printing.summary_data(case, user,
                                 verify=printing.verify_url(case.case_number, printed.code))
    shared = [
        (transfer.partner.name,
         "; ".join(part for part in (
             show_datetime(transfer.approved_at), transfer.purpose,
             label_of("legal_basis", transfer.legal_basis),
             _("agreement %(reference)s", reference=transfer.agreement_reference)
             if transfer.agreement_reference else "",
         ) if part))
        for transfer in rights.transfers_of(case) if transfer.status == "approved"
    ]  # fmt: skip
    sections = [*data.sections, (_("Who your data was shared with"), shared or [(_("Nobody"), "")])]
    labels = {**data.labels, "title": _("Your personal data held by the registry")}
    pdf = CaseSummary(replace(data, labels=labels, sections=sections, signatures=())).build()
    return send_file(io.BytesIO(pdf), mimetype="application/pdf",
                     download_name=f"{case.case_number}-personal-data.pdf")  # fmt: skip


def _show_field_errors(form, error: DomainError) -> None:  # type: ignore[no-untyped-def]
    db.session.rollback()
    for name, message in error.fields.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*field.errors, _(message)]
    flash(translated(error), "danger")


@bp.route("/correct", methods=["GET", "POST"])
@rerender_on_csrf_error
def correct(case_number: str) -> Response | str | tuple[str, int]:
    """Correct the details of a person of the case (`?person_id=`; the principal by default)."""
    user = actor()
    person_id = request.args.get("person_id", type=int)
    case = case_service.open_case(user, case_number, purpose="case_view", ip_address=client_ip())
    _case, person = household.person_of(user, case_number, person_id)
    if request.method == "GET":
        form = CorrectionForm(data={**rights.details_for_form(case, person), "version": person.version})
        return render_template("rights/correct.html", form=form, case=case, person=person)
    form = CorrectionForm()
    if form.validate_on_submit():
        try:
            changed = rights.correct_person(user, case_number, form.correction(), reason=form.reason.data or "",
                                            person_version=form.version.data or 0, today=today(),
                                            ip_address=client_ip(), person_id=person.id)  # fmt: skip
        except (InvalidDetails, StaleVersion) as error:
            _show_field_errors(form, error)
            case = case_service.get_case(user, case_number)
            return render_template("rights/correct.html", form=form, case=case, person=person), error.http_status
        flash(_("Corrected: %(count)s field(s). The timeline records who and why.", count=len(changed)), "success")
        return redirect(url_for("cases.show", case_number=case.case_number))
    flash(_("Some details need correcting: see the messages beside the fields."), "danger")
    status = 400 if form.csrf_token.errors else 422
    return render_template("rights/correct.html", form=form, case=case, person=person), status


@bp.route("/transfers", methods=["GET", "POST"])
@rerender_on_csrf_error
def transfers(case_number: str) -> Response | str | tuple[str, int]:
    """The case's transfers register, and the form to propose sharing it with a partner."""
    user = actor()
    case = case_service.open_case(user, case_number, purpose="transfers_view", ip_address=client_ip())
    form = TransferForm(partners=[(partner.id, partner.name) for partner in rights.active_partners()])
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                rights.request_transfer(user, case_number, partner_id=form.partner_id.data or 0,
                                        purpose=form.purpose.data or "", legal_basis=form.legal_basis.data or "",
                                        consent_checked=form.consent_checked.data, ip_address=client_ip())  # fmt: skip
            except InvalidDetails as error:
                _show_field_errors(form, error)
                case = case_service.get_case(user, case_number)
                status = 422
            else:
                flash(_("Recorded. A supervisor must approve before anything is shared."), "success")
                return redirect(url_for("rights.transfers", case_number=case.case_number))
        else:
            status = 400 if form.csrf_token.errors else 422
    return render_template("rights/transfers.html", case=case, form=form,
                           transfers=rights.transfers_of(case)), status  # fmt: skip


@bp.post("/transfers/<int:transfer_id>/approve")
def approve_transfer(case_number: str, transfer_id: int) -> Response:
    rights.approve_transfer(actor(), case_number, transfer_id, client_ip())
    flash(_("Approved: the data may now be shared with this partner."), "success")
    return redirect(url_for("rights.transfers", case_number=case_number.upper()))
