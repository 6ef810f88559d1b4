"""The dashboard's filters: border point, registration period, pathway, and how to group days."""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import Optional

from registry.domain.vocabulary import Pathway
from registry.templating import label_of
from registry.web.cases.forms import RegistrationDatesForm
from registry.web.forms import options


class DashboardFilterForm(RegistrationDatesForm):
    border_point = SelectField(_l("Border point"), validators=[Optional()])
    pathway = SelectField(_l("Pathway"), validators=[Optional()])
    per = SelectField(_l("Registrations per"), validators=[Optional()])

    def __init__(self, formdata: object, border_points: list[tuple[str, str]]) -> None:
        super().__init__(formdata)
        self.border_point.choices = options([("", gettext("All my border points"))] + border_points)
        self.pathway.choices = options(
            [("", gettext("Any pathway"))] + [(code, label_of("pathway", code)) for code in Pathway]
        )
        self.per.choices = options([("", gettext("Chosen for the period")), ("day", gettext("Day")),
                                    ("week", gettext("Week")), ("month", gettext("Month"))])  # fmt: skip

    def valid(self, name: str) -> str | None:
        field = getattr(self, name)
        return (field.data or None) if not field.errors else None
