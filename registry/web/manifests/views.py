"""The manifests page (the coming departures, a form for any day) and the manifest itself."""

from __future__ import annotations

import io
from datetime import date, timedelta

from flask import Blueprint, Response, redirect, render_template, request, send_file, url_for

from registry.domain.errors import InvalidDetails
from registry.domain.i18n import N_
from registry.services import cases as case_service
from registry.services import printing as printing_service
from registry.templating import current_language, interface_languages, today
from registry.web.cases import printing
from registry.web.common import actor, client_ip
from registry.web.manifests.forms import ManifestForm

bp = Blueprint("manifests", __name__, url_prefix="/manifests")

# The manifests page lists departures from a week ago on: a manifest is also printed again
# after the bus has left, for the file.
LOOK_BACK_DAYS = 7


@bp.get("")
def index() -> Response | tuple[str, int]:
    user = actor()
    points = case_service.list_border_points(user)
    formdata = request.args if request.args else None
    form = ManifestForm(formdata, border_points=[(p.code, str(p)) for p in points],
                        languages=interface_languages())  # fmt: skip
    if formdata is None:
        form.departure_date.data = today()
        form.lang.data = current_language()
        if len(points) == 1:
            form.border_point.data = points[0].code
    elif form.validate():
        return redirect(url_for("manifests.pdf", border_point=form.border_point.data,
                                departure_date=form.departure_date.data.isoformat(),
                                lang=form.lang.data))  # fmt: skip
    coming = printing_service.departures(user, today() - timedelta(days=LOOK_BACK_DAYS))
    status = 422 if form.errors else 200
    return render_template("manifests/index.html", form=form, departures=coming), status


@bp.get("/<border_point>/<departure_date>.pdf")
def pdf(border_point: str, departure_date: str) -> Response:
    """Everyone of the border point's cases travel-ready or departed on that day, one row per
    person, A4 landscape. A day with nobody leaving prints a manifest saying so."""
    user = actor()
    point = printing_service.border_point_in_scope(user, border_point)
    try:
        day = date.fromisoformat(departure_date)
    except ValueError:
        raise InvalidDetails(N_("Give the departure date as year-month-day, e.g. 2026-03-01."),
                             fields={"departure_date": N_("Not a date.")}) from None
    language = printing.requested_language() or current_language()
    cases = printing_service.manifest_cases(user, point, day)
    body = printing.manifest_pdf(point, day, cases, user, language, ip_address=client_ip())
    return send_file(io.BytesIO(body), mimetype="application/pdf",
                     download_name=f"manifest-{point.code}-{day.isoformat()}.pdf")
