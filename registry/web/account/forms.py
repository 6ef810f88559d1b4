"""Changing one's password; turning the second factor on and off; the interface's language."""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, PasswordField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length

from registry.templating import interface_languages, text_direction
from registry.web.forms import FlaskForm

PASSWORD = [DataRequired(), Length(max=1024)]
BROWSER = "browser"


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=PASSWORD,
                                     render_kw={"autocomplete": "current-password"})  # fmt: skip
    password = PasswordField(_l("New password"), validators=PASSWORD,
                             render_kw={"autocomplete": "new-password"})  # fmt: skip
    confirm = PasswordField(_l("New password again"), validators=[
        DataRequired(), EqualTo("password", message=_l("The two new passwords differ."))],
        render_kw={"autocomplete": "new-password"})  # fmt: skip


class EnableTwoFactorForm(FlaskForm):
    code = StringField(_l("Code shown by the app"), validators=[DataRequired(), Length(max=12)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})  # fmt: skip


class DisableTwoFactorForm(FlaskForm):
    password = PasswordField(_l("Current password"), validators=PASSWORD,
                             render_kw={"autocomplete": "current-password"})  # fmt: skip


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
