"""Registering a person or a household: the form, the duplicate check, and the case it opens."""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from wtforms import Field

from registry.domain.errors import Forbidden, InvalidDetails, PossibleDuplicates
from registry.domain.i18n import N_
from registry.errors import rerender_on_csrf_error, translated
from registry.extensions import db
from registry.services import audit, registration
from registry.services.cases import list_border_points
from registry.templating import today
from registry.web.common import actor, client_ip, timezone
from registry.web.registrations.forms import RegistrationForm

bp = Blueprint("registrations", __name__, url_prefix="/registrations")


def _form() -> RegistrationForm:
    user = actor()
    if not user.sees_people:
        raise Forbidden(N_("Only officers and supervisors register people."))
    points = [(point.code, str(point)) for point in list_border_points(user)]
    form = RegistrationForm(border_points=points)
    if request.method == "GET":
        if points:
            form.border_point.data = points[0][0]
        form.arrival_date.data = today()
        form.consent_date.data = today()
    return form


def field_named(form: object, name: str) -> Field | None:
    """The field of a form (or of its sub-forms) whose input is called `name` ("members-0-sex")."""
    for field in form:  # type: ignore[attr-defined]
        if field.name == name:
            return field
        if field.type in ("FieldList", "FormField"):
            found = field_named(field, name)
            if found is not None:
                return found
    return None


def _render(form: RegistrationForm, status: int = 200, candidates: list | None = None):  # type: ignore[no-untyped-def]
    people = [form.given_names.data or form.family_name.data or ""]
    people += [f"{e.form.given_names.data or ''} {e.form.family_name.data or ''}".strip() for e in form.members
               if e.form.filled]  # fmt: skip
    return render_template("registrations/new.html", form=form, candidates=candidates or [],
                           people=people), status  # fmt: skip


@bp.route("/new", methods=["GET", "POST"])
@rerender_on_csrf_error
def new() -> Response | tuple[str, int] | str:
    form = _form()
    if request.method == "GET":
        return _render(form)
    if request.form.get("more_members"):
        form.add_member_rows()
        return _render(form)
    if not form.validate_on_submit():
        flash(_("Some details need correcting: see the messages beside the fields."), "danger")
        return _render(form, 400 if form.csrf_token.errors else 422)
    shown = form.shown_ids()
    flagged = {int(v) for v in request.form.getlist("flag_candidates") if v.isdigit()} & set(shown)
    upload = request.files.get(form.photo.name)
    data = replace(form.to_data(today()), photo=upload.read() if upload and upload.filename else None,
                   acknowledged_candidates=tuple(shown) if form.confirm_different.data else tuple(flagged),
                   flagged_candidates=tuple(sorted(flagged)))  # fmt: skip
    try:
        checked = registration.check(actor(), data, today=today())
        # Checked without holding the write lock; written holding it (see security.CHECKED_BEFORE_WRITING).
        audit.leave_snapshot()
        case, possible = registration.write(actor(), checked, today=today(), timezone=timezone(),
                                            ip_address=client_ip())  # fmt: skip
        db.session.flush()
    except PossibleDuplicates as error:
        db.session.rollback()
        pending = [c.person_id for candidates in error.candidates for c in candidates]  # type: ignore[attr-defined]
        acknowledged = list(data.acknowledged_candidates or ())
        form.candidates_shown.data = ",".join(str(i) for i in dict.fromkeys(acknowledged + pending))
        form.confirm_different.data = False
        if data.photo:
            form.photo.errors = [_("Choose or take the photo again after deciding about the possible matches.")]
        flash(translated(error), "warning")
        return _render(form, 422, error.candidates)
    except InvalidDetails as error:
        db.session.rollback()
        for name, message in error.fields.items():
            # A member's row has one document: the rules about "documents" are shown beside it.
            if name.startswith("members-") and name.endswith("-documents"):
                name = name.removesuffix("documents") + "document_number"
            target = field_named(form, name) or form.given_names
            target.errors = [*target.errors, _(message)]  # type: ignore[attr-defined]
        flash(translated(error), "danger")
        return _render(form, 422)
    except IntegrityError:
        # The same form sent twice at once: the other request created the case.
        db.session.rollback()
        case = registration.case_of_submission(data.submission_id)
        if case is None:
            raise
        possible = []
    flash(_("Registered. Case number %(case_number)s.", case_number=case.case_number), "success")
    if possible:
        listed = ", ".join(_("%(case_number)s (%(border_point)s, %(score)s %%)", case_number=c.case_number,
                             border_point=c.border_point, score=round(c.score * 100)) for c in possible)  # fmt: skip
        flash(_("Less likely matches, to open if in doubt: %(cases)s.", cases=listed), "info")
    return redirect(url_for("cases.show", case_number=case.case_number))
