"""Login forms."""

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from registry.templating import interface_languages, text_direction
from registry.web.forms import FlaskForm


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)],
                           render_kw={"autocomplete": "username", "autofocus": True})  # fmt: skip
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)],
                             render_kw={"autocomplete": "current-password"})  # fmt: skip
    next = HiddenField()


class LanguageForm(FlaskForm):
    lang = SelectField(_l("Language"))
    next = HiddenField()

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        # Each language named in itself, so a reader finds theirs whatever the page's language.
        self.lang.choices = [
            SelectChoice(code, name, render_kw={"lang": code, "dir": text_direction(code)})
            for code, name in interface_languages()
        ]

class TwoFactorForm(FlaskForm):
    code = StringField(_l("Code from your authenticator app"),
                       validators=[DataRequired(), Length(max=12)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric",
                                  "autofocus": True})  # fmt: skip
