"""Registering a person: the form, and the case it opens."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from registry.domain.errors import InvalidDetails
from registry.errors import translated
from registry.extensions import db
from registry.services import registration
from registry.services.cases import list_border_points
from registry.templating import today
from registry.web.common import actor, client_ip, timezone
from registry.web.registrations.forms import RegistrationForm
from registry.errors import rerender_on_csrf_error
from registry.domain.errors import Forbidden
from registry.domain.i18n import N_

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


@bp.route("/new", methods=["GET", "POST"])
@rerender_on_csrf_error
def new() -> Response | tuple[str, int] | str:
    form = _form()
    if request.method == "GET":
        return render_template("registrations/new.html", form=form)
    if form.validate_on_submit():
        data = form.to_data(today())
        try:
            case = registration.register(
                actor(), data, today=today(), timezone=timezone(), ip_address=client_ip()
            )
            db.session.flush()
        except InvalidDetails as error:
            db.session.rollback()
            for name, message in error.fields.items():
                target = getattr(form, name, None) or form.given_names
                target.errors = [*target.errors, _(message)]
            flash(translated(error), "danger")
            return render_template("registrations/new.html", form=form), 422
        except IntegrityError:
            # The same form sent twice at once: the other request created the case.
            db.session.rollback()
            case = registration.case_of_submission(data.submission_id)
            if case is None:
                raise
        flash(_("Registered. Case number %(case_number)s.", case_number=case.case_number), "success")
        return redirect(url_for("cases.show", case_number=case.case_number))
    flash(_("Some details need correcting: see the messages beside the fields."), "danger")
    return render_template("registrations/new.html", form=form), 400 if form.csrf_token.errors else 422
