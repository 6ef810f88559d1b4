"""Administration forms: accounts, border points, partners."""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from registry.domain.vocabulary import Role
from registry.services.accounts import PARTNER_KINDS
from registry.templating import label_of
from registry.web.forms import FlaskForm, MultiCheckboxField, no_control_characters, options, strip
from registry.web.registrations.forms import country_choices

TEXT = [Optional(), Length(max=200), no_control_characters]


class UserForm(FlaskForm):
    username = StringField(_l("Username"), filters=[strip],
                           validators=[DataRequired(), Length(max=80), no_control_characters],
                           render_kw={"autocomplete": "off"})  # fmt: skip
    full_name = StringField(_l("Full name"), filters=[strip], validators=TEXT)
    role = SelectField(_l("Role"), validators=[InputRequired()])
    border_points = MultiCheckboxField(_l("Border points"))
    all_border_points = BooleanField(_l("Every border point, present and future (national supervisor)"))

    def __init__(self, border_points: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.role.choices = options((role, label_of("role", role)) for role in Role)
        self.border_points.choices = options(border_points)


class BorderPointForm(FlaskForm):
    code = StringField(_l("Code (2 to 8 letters, the prefix of case numbers)"), filters=[strip],
                       validators=[DataRequired(), Length(max=8)])  # fmt: skip
    name = StringField(_l("Name"), filters=[strip], validators=[DataRequired(), *TEXT])
    country = SelectField(_l("Country"), validators=[InputRequired()])
    region = StringField(_l("Region"), filters=[strip], validators=TEXT)
    active = BooleanField(_l("Active (offered when registering)"), default=True)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.country.choices = country_choices(gettext("Choose…"))


class PartnerForm(FlaskForm):
    name = StringField(_l("Name of the organisation"), filters=[strip],
                       validators=[DataRequired(), *TEXT])  # fmt: skip
    kind = SelectField(_l("Kind"), validators=[InputRequired()])
    agreement_reference = StringField(_l("Data-sharing agreement reference"), filters=[strip],
                                      validators=[Optional(), Length(max=120), no_control_characters])  # fmt: skip
    active = BooleanField(_l("Active (offered when sharing a case)"), default=True)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.kind.choices = options((kind, label_of("partner_kind", kind)) for kind in PARTNER_KINDS)


class ConfirmForm(FlaskForm):
    """A button that changes something: only its CSRF token."""
