"""Changing one's password; turning the second factor on and off."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

PASSWORD = [DataRequired(), Length(max=1024)]


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
