"""The dashboard: the supervisors' figures, as charts and as the same figures in tables."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import format_date
from flask_babel import gettext as _

from registry.domain.errors import Forbidden
from registry.domain.figures import AGE_GROUP_CODES, AGE_GROUP_LABELS
from registry.domain.i18n import N_
from registry.services import cases as case_service
from registry.services import stats
from registry.templating import country_of, label_of, show_date
from registry.web.common import actor, audit_here, timezone
from registry.web.dashboard.forms import DashboardFilterForm

bp = Blueprint("dashboard", __name__)

SERIES_TITLES = {"day": N_("Registrations per day"), "week": N_("Registrations per week"),
                 "month": N_("Registrations per month")}  # fmt: skip
# Nationalities shown one by one in the chart; the rest are summed as "other".
CHART_NATIONALITIES = 10


@bp.before_request
def _supervisors_only() -> None:
    if not actor().is_supervisor:
        raise Forbidden(N_("The dashboard is for supervisors."))


@bp.get("/dashboard")
def index() -> str:
    user = actor()
    points = [(point.code, str(point)) for point in case_service.list_border_points(user)]
    form = DashboardFilterForm(request.args, border_points=points)
    form.validate()
    first, last = form.valid_dates()
    border_point, pathway = form.valid("border_point"), form.valid("pathway")
    figures = stats.dashboard(user, border_point, first, last, pathway, timezone=timezone(),
                              per=form.valid("per"))  # fmt: skip
    audit_here("dashboard_view", object_type="figures", details={
        "border_point": border_point, "pathway": pathway,
        "registered_from": first.isoformat() if first else None,
        "registered_to": last.isoformat() if last else None,
    })  # fmt: skip
    # The list with the same filters: each count links to the cases it counts.
    list_args = {key: value for key, value in {
        "border_point": border_point, "pathway": pathway,
        "registered_from": first.isoformat() if first else None,
        "registered_to": last.isoformat() if last else None,
    }.items() if value}  # fmt: skip
    return render_template("dashboard/index.html", form=form, figures=figures, list_args=list_args,
                           charts=_charts(figures), age_groups=AGE_GROUP_CODES,
                           age_label=lambda group: _(AGE_GROUP_LABELS[group]),
                           period_label=lambda start: _period_label(start, figures.per),
                           series_title=_(SERIES_TITLES[figures.per]))  # fmt: skip


def _period_label(start: str, per: str) -> str:
    day = date.fromisoformat(start)
    if per == "month":
        return format_date(day, "MMMM y")
    if per == "week":
        return _("Week of %(day)s", day=show_date(day))
    return show_date(day)


def _charts(figures: stats.Figures) -> dict[str, Any]:
    """What each chart draws, labels translated: read by static/js/dashboard.js."""
    people, cases = _("People"), _("Cases")
    nationalities = figures.by_nationality[:CHART_NATIONALITIES]
    rest = figures.by_nationality[CHART_NATIONALITIES:]
    nationality_labels = [country_of(c.key) for c in nationalities]
    nationality_values = [c.people for c in nationalities]
    if rest:
        nationality_labels.append(_("Other nationalities"))
        nationality_values.append(sum(c.people for c in rest))
    sexes = [sex for sex, row in figures.sex_age_people.items()
             if sex in ("female", "male") or any(row.values())]  # fmt: skip
    return {
        "series": {"type": "bar", "labels": [_period_label(c.key, figures.per) for c in figures.series],
                   "datasets": [{"label": people, "data": [c.people for c in figures.series]},
                                {"label": cases, "data": [c.cases for c in figures.series]}]},
        "status": {"type": "bar", "horizontal": True,
                   "labels": [label_of("status", c.key) for c in figures.by_status],
                   "datasets": [{"label": cases, "data": [c.cases for c in figures.by_status]}]},
        "pathway": {"type": "bar", "labels": [label_of("pathway", c.key) for c in figures.by_pathway],
                    "datasets": [{"label": cases, "data": [c.cases for c in figures.by_pathway]}]},
        "border_point": {"type": "bar", "labels": [c.key for c in figures.by_border_point],
                         "datasets": [{"label": people, "data": [c.people for c in figures.by_border_point]},
                                      {"label": cases, "data": [c.cases for c in figures.by_border_point]}]},
        "nationality": {"type": "bar", "horizontal": True, "labels": nationality_labels,
                        "datasets": [{"label": people, "data": nationality_values}]},
        "sex_age": {"type": "bar", "labels": [_(AGE_GROUP_LABELS[g]) for g in AGE_GROUP_CODES],
                    "datasets": [{"label": label_of("sex", sex),
                                  "data": [figures.sex_age_people[sex][g] for g in AGE_GROUP_CODES]}
                                 for sex in sexes]},
        "vulnerability": {"type": "bar", "horizontal": True,
                          "labels": [label_of("vulnerability", c.key) for c in figures.by_vulnerability],
                          "datasets": [{"label": people, "data": [c.people for c in figures.by_vulnerability]}]},
    }  # fmt: skip
