"""Login forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)],
                           render_kw={"autocomplete": "username", "autofocus": True})  # fmt: skip
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)],
                             render_kw={"autocomplete": "current-password"})  # fmt: skip
    next = HiddenField()


class LanguageForm(FlaskForm):
    # Each language named in itself, so a reader finds theirs whatever the page's language.
    lang = SelectField(_l("Language"), choices=[SelectChoice("en", "English"),
                                                SelectChoice("fr", "Français"),
                                                SelectChoice("sw", "Kiswahili")])  # fmt: skip
    next = HiddenField()


class TwoFactorForm(FlaskForm):
    code = StringField(_l("Code from your authenticator app"),
                       validators=[DataRequired(), Length(max=12)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric",
                                  "autofocus": True})  # fmt: skip
