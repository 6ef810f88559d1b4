"""Correcting a person's details (with a reason) and recording a transfer to a partner."""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from registry.domain.vocabulary import DobPrecision, Sex
from registry.services.rights import LEGAL_BASES, PersonCorrection
from registry.templating import label_of
from registry.web.forms import (
    FlaskForm,
    CachedOptionsSelect,
    no_control_characters,
    not_in_future,
    options,
    strip,
)
from registry.web.registrations.forms import country_choices

NAME = [Optional(), Length(max=200), no_control_characters]


class CorrectionForm(FlaskForm):
    given_names = StringField(_l("Given names"), filters=[strip], validators=NAME)
    family_name = StringField(_l("Family name"), filters=[strip], validators=NAME)
    other_names = StringField(_l("Other names or spellings"), filters=[strip],
                              validators=[Optional(), Length(max=400), no_control_characters])  # fmt: skip
    sex = RadioField(_l("Sex"), validators=[InputRequired(message=_l("Choose a sex."))])
    date_of_birth = DateField(_l("Date of birth"), validators=[Optional(), not_in_future])
    dob_precision = SelectField(_l("How precise is the date of birth?"), default=DobPrecision.EXACT)
    nationality = SelectField(_l("Nationality"), widget=CachedOptionsSelect(),
                              validators=[InputRequired(message=_l("Choose a nationality."))])  # fmt: skip
    place_of_origin = StringField(_l("Place of origin (town, province)"), filters=[strip],
                                  validators=[Optional(), Length(max=200), no_control_characters])  # fmt: skip
    phone = StringField(_l("Phone"), filters=[strip],
                        validators=[Optional(), Length(max=40), no_control_characters])  # fmt: skip
    reason = TextAreaField(_l("Why are the details corrected? (who asked, which document shows it)"),
                           filters=[strip], validators=[DataRequired(message=_l("Say why the details are corrected.")),
                                                        Length(max=2000)])  # fmt: skip
    version = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.sex.choices = options((code, label_of("sex", code)) for code in Sex)
        self.dob_precision.choices = options((code, label_of("dob_precision", code)) for code in DobPrecision)
        self.nationality.choices = country_choices(gettext("Choose…"), nationality=True)

    def correction(self) -> PersonCorrection:
        return PersonCorrection(
            given_names=self.given_names.data or "", family_name=self.family_name.data or "",
            other_names=self.other_names.data or "", sex=self.sex.data or "",
            date_of_birth=self.date_of_birth.data,
            dob_precision=self.dob_precision.data if self.date_of_birth.data else None,
            nationality=self.nationality.data or "", place_of_origin=self.place_of_origin.data or None,
            phone=self.phone.data or None,
        )


class TransferForm(FlaskForm):
    partner_id = SelectField(_l("Partner"), coerce=int, validators=[InputRequired()])
    purpose = TextAreaField(_l("Purpose: what the partner needs the data for"), filters=[strip],
                            validators=[DataRequired(), Length(max=2000), no_control_characters])  # fmt: skip
    legal_basis = RadioField(_l("Basis for sharing"), validators=[InputRequired()])
    consent_checked = BooleanField(_l("The person was told who will receive their data and why, and agreed"))

    def __init__(self, partners: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.partner_id.choices = [(0, gettext("Choose…"))] + partners
        self.legal_basis.choices = options((code, label_of("legal_basis", code)) for code in LEGAL_BASES)
