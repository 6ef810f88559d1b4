"""Choosing a manifest: a border point and a day (a GET form: nothing changes)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField
from wtforms.validators import InputRequired

from registry.web.cases.forms import sensible_date
from registry.web.forms import Form, options


class ManifestForm(Form):
    border_point = SelectField(_l("Border point"), validators=[InputRequired()])
    departure_date = DateField(_l("Departure date"), validators=[InputRequired(), sensible_date])
    lang = SelectField(_l("Language of the printout"), validators=[InputRequired()])

    def __init__(self, formdata: object, border_points: list[tuple[str, str]],
                 languages: list[tuple[str, str]]) -> None:  # fmt: skip
        super().__init__(formdata)
        self.border_point.choices = options(border_points)
        self.lang.choices = options(languages)
