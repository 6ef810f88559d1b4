"""The account's forms."""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from registry.templating import interface_languages, text_direction
from registry.web.forms import FlaskForm

BROWSER = "browser"


class LanguageChoiceForm(FlaskForm):
    lang = RadioField(_l("Language of the interface"), validators=[InputRequired()])
    next = HiddenField()

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.lang.choices = [
            SelectChoice(code, name, render_kw={"lang": code, "dir": text_direction(code)})
            for code, name in interface_languages()
        ] + [SelectChoice(BROWSER, gettext("The browser's language"))]

    @property
    def chosen_locale(self) -> str | None:
        return None if self.lang.data == BROWSER else self.lang.data
