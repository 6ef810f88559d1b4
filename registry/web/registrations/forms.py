"""The registration form: one page, in the order an officer asks the questions."""

from __future__ import annotations

import uuid
from functools import lru_cache
from datetime import date

from dateutil.relativedelta import relativedelta

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    FileField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from registry.domain import labels, reference
from registry.domain.vocabulary import (
    Circumstances,
    DobPrecision,
    DocumentType,
    EntryType,
    Relationship,
    Sex,
    Vulnerability,
)
from registry.services.registration import DocumentData, MemberData, RegistrationData
from registry.templating import country_of, current_language, label_of, language_of
from registry.web.forms import (
    CachedOptionsSelect,
    FlaskForm,
    Form,
    MultiCheckboxField,
    no_control_characters,
    not_in_future,
    options,
    strip,
)

NAME = [Optional(), Length(max=200), no_control_characters]
MAX_MEMBERS = 15


def _choices(kind: str, codes: list[str]) -> list[SelectChoice]:
    return options((code, label_of(kind, code)) for code in codes)


def country_choices(blank: str | None = None, nationality: bool = False) -> list[SelectChoice]:
    """Countries in <optgroup>s: the region first, then every other country."""
    return list(_country_choices(current_language(), blank, nationality))


@lru_cache(maxsize=64)
def _country_choices(language: str, blank: str | None, nationality: bool) -> tuple[SelectChoice, ...]:
    """Built once per language and first line: the registration form alone shows six such lists,
    each of some 250 countries. (`gettext` speaks `language` here: it is the request's.)"""
    region, others = reference.country_choices(language)
    choices = options([("", blank)]) if blank is not None else []
    choices += options(region, optgroup=gettext("In the region"))
    if nationality:
        choices += options(
            ((code, country_of(code)) for code in reference.SPECIAL_NATIONALITIES),
            optgroup=gettext("Stateless or unknown"),
        )
    return tuple(choices + options(others, optgroup=gettext("All countries")))


class DocumentForm(Form):
    type = SelectField(_l("Document type"), validators=[Optional()])
    number = StringField(_l("Document number"), filters=[strip],
                         validators=[Optional(), Length(max=60), no_control_characters])  # fmt: skip
    issuing_country = SelectField(_l("Issuing country"), validators=[Optional()],
                                  widget=CachedOptionsSelect())  # fmt: skip
    expiry_date = DateField(_l("Expiry date"), validators=[Optional()])

    def validate_number(self, field: StringField) -> None:
        if field.data and not self.type.data:
            raise ValidationError(_l("Choose the document type."))


class MemberForm(Form):
    """Another member of the household; a row without a name is left out."""

    relationship = SelectField(_l("Relationship to the head"), validators=[Optional()])
    given_names = StringField(_l("Given names"), filters=[strip], validators=NAME)
    family_name = StringField(_l("Family name"), filters=[strip], validators=NAME)
    sex = SelectField(_l("Sex"), validators=[Optional()])
    date_of_birth = DateField(_l("Date of birth"), validators=[Optional(), not_in_future])
    dob_precision = SelectField(_l("How precise is the date of birth?"), default=DobPrecision.EXACT)
    approximate_age = IntegerField(_l("Or approximate age (years)"),
                                   validators=[Optional(), NumberRange(min=0, max=120)])  # fmt: skip
    nationality = SelectField(_l("Nationality"), widget=CachedOptionsSelect(), validators=[Optional()])
    vulnerabilities = MultiCheckboxField(_l("Vulnerabilities"))
    document_type = SelectField(_l("Document type"), validators=[Optional()])
    document_number = StringField(_l("Document number"), filters=[strip],
                                  validators=[Optional(), Length(max=60), no_control_characters])  # fmt: skip

    @property
    def filled(self) -> bool:
        return bool(self.given_names.data or self.family_name.data)

    def validate(self, extra_validators=None) -> bool:  # type: ignore[no-untyped-def]
        valid = super().validate(extra_validators)
        if not self.filled:
            return valid
        for field, message in ((self.relationship, _l("Choose the relationship to the head.")),
                               (self.sex, _l("Choose a sex."))):  # fmt: skip
            if not field.data:
                field.errors = [*field.errors, message]
                valid = False
        if self.date_of_birth.data and self.approximate_age.data is not None:
            self.approximate_age.errors = [*self.approximate_age.errors,
                                           gettext("Give a date of birth or an age, not both.")]  # fmt: skip
            valid = False
        if self.document_number.data and not self.document_type.data:
            self.document_type.errors = [*self.document_type.errors, gettext("Choose the document type.")]
            valid = False
        return valid

    def to_data(self, today_: date, nationality: str) -> MemberData:
        date_of_birth, precision = _birth(self.date_of_birth.data, self.dob_precision.data,
                                          self.approximate_age.data, today_)  # fmt: skip
        documents = ()
        if self.document_number.data:
            documents = (DocumentData(type=self.document_type.data or "", number=self.document_number.data),)
        return MemberData(
            relationship=self.relationship.data or "", given_names=self.given_names.data or "",
            family_name=self.family_name.data or "", sex=self.sex.data or "",
            nationality=self.nationality.data or nationality, date_of_birth=date_of_birth,
            dob_precision=precision, vulnerabilities=tuple(self.vulnerabilities.data or []),
            documents=documents,
        )  # fmt: skip


def member_choices(entry: MemberForm) -> None:
    """The choices of one member row (lists are built in the reader's language)."""
    blank = options([("", gettext("Choose…"))])
    entry.relationship.choices = blank + _choices(
        "relationship", [code for code in Relationship if code != Relationship.HEAD]
    )
    entry.sex.choices = blank + _choices("sex", list(Sex))
    entry.dob_precision.choices = _choices("dob_precision", list(DobPrecision))
    entry.nationality.choices = country_choices(gettext("As the head"), nationality=True)
    entry.vulnerabilities.choices = _choices("vulnerability", list(Vulnerability))
    entry.document_type.choices = options([("", gettext("None"))]) + _choices("document_type", list(DocumentType))


class RegistrationForm(FlaskForm):
    # Registration.
    border_point = SelectField(_l("Border point"), validators=[InputRequired()])
    arrival_date = DateField(_l("Arrival date"), validators=[Optional(), not_in_future])
    entry_type = RadioField(_l("Entry"), default=EntryType.UNKNOWN, validators=[InputRequired()])
    circumstances = SelectField(_l("Circumstances"), default=Circumstances.OTHER,
                                validators=[InputRequired()])  # fmt: skip

    # The person.
    given_names = StringField(_l("Given names"), filters=[strip], validators=NAME)
    family_name = StringField(_l("Family name"), filters=[strip], validators=NAME)
    other_names = StringField(_l("Other names or spellings"), filters=[strip],
                              validators=[Optional(), Length(max=400), no_control_characters])  # fmt: skip
    sex = RadioField(_l("Sex"), validators=[InputRequired(message=_l("Choose a sex."))])
    date_of_birth = DateField(_l("Date of birth"), validators=[Optional(), not_in_future])
    dob_precision = SelectField(_l("How precise is the date of birth?"),
                                default=DobPrecision.EXACT)  # fmt: skip
    approximate_age = IntegerField(_l("Or approximate age (years)"),
                                   validators=[Optional(), NumberRange(min=0, max=120)])  # fmt: skip
    nationality = SelectField(_l("Nationality"), widget=CachedOptionsSelect(),
                              validators=[InputRequired(message=_l("Choose a nationality."))])  # fmt: skip
    country_of_birth = SelectField(_l("Country of birth"), validators=[Optional()],
                                   widget=CachedOptionsSelect())  # fmt: skip
    place_of_origin = StringField(_l("Place of origin (town, province)"), filters=[strip],
                                  validators=[Optional(), Length(max=200), no_control_characters])  # fmt: skip
    languages = MultiCheckboxField(_l("Languages spoken"))
    other_languages = StringField(_l("Other languages (names or ISO 639-3 codes, separated by commas)"),
                                  filters=[strip], validators=[Optional(), Length(max=200)])  # fmt: skip
    phone = StringField(_l("Phone"), filters=[strip],
                        validators=[Optional(), Length(max=40), no_control_characters],
                        render_kw={"inputmode": "tel", "autocomplete": "off"})  # fmt: skip
    documents = FieldList(FormField(DocumentForm), min_entries=2, max_entries=5)
    vulnerabilities = MultiCheckboxField(_l("Vulnerabilities"))
    photo = FileField(_l("Photo"), render_kw={"accept": "image/jpeg,image/png,image/webp",
                                               "capture": "environment"})  # fmt: skip

    # The household's other members.
    members = FieldList(FormField(MemberForm), min_entries=2, max_entries=MAX_MEMBERS)

    # The duplicate check: the candidates shown last time, and the officer's answer.
    candidates_shown = HiddenField()
    confirm_different = BooleanField(_l("None of these is the person I am registering: register them as a different person"))

    # Consent.
    consent_given = RadioField(_l("Did the person consent to their data being recorded?"),
                               choices=[SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))],
                               validators=[InputRequired(message=_l("Record whether consent was given."))])  # fmt: skip
    consent_scope = SelectField(_l("Consent covers"), validators=[Optional()])
    consent_date = DateField(_l("Consent date"), validators=[Optional(), not_in_future])
    consent_language = SelectField(_l("Language the information was given in"),
                                   validators=[Optional()])  # fmt: skip

    submission_id = HiddenField()

    def __init__(self, border_points: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.border_point.choices = options(border_points)
        self.entry_type.choices = _choices("entry_type", list(EntryType))
        self.circumstances.choices = _choices("circumstances", list(Circumstances))
        self.sex.choices = _choices("sex", list(Sex))
        self.dob_precision.choices = _choices("dob_precision", list(DobPrecision))
        self.nationality.choices = country_choices(gettext("Choose…"), nationality=True)
        self.country_of_birth.choices = country_choices(gettext("Not known"))
        self.languages.choices = options(
            (code, language_of(code)) for code in reference.COMMON_LANGUAGES
        )
        self.vulnerabilities.choices = _choices("vulnerability", list(Vulnerability))
        self.consent_scope.choices = options([("", gettext("Choose…"))]) + _choices(
            "consent_scope", list(labels.CONSENT_SCOPES)
        )
        self.consent_language.choices = options([("", gettext("Choose…"))]) + options(
            (code, language_of(code)) for code in reference.COMMON_LANGUAGES
        )
        for member in self.members:
            member_choices(member.form)
        for entry in self.documents:
            entry.form.type.choices = options([("", gettext("None"))]) + _choices(
                "document_type", list(DocumentType)
            )
            entry.issuing_country.choices = country_choices(gettext("Not known"))
        if not self.submission_id.data:
            self.submission_id.data = str(uuid.uuid4())

    def validate_other_languages(self, field: StringField) -> None:
        for part in (field.data or "").split(","):
            if part.strip() and reference.find_language(part) is None:
                raise ValidationError(
                    gettext("Unknown language: %(name)s.", name=part.strip()[:40])
                )

    def validate_submission_id(self, field: HiddenField) -> None:
        try:
            uuid.UUID(field.data or "")
        except ValueError as error:
            raise ValidationError(_l("The form was damaged; reload the page.")) from error

    def validate(self, extra_validators=None) -> bool:  # type: ignore[no-untyped-def]
        valid = super().validate(extra_validators)
        if not (self.given_names.data or self.family_name.data):
            self.given_names.errors = [*self.given_names.errors,
                                       gettext("Give at least a given name or a family name.")]  # fmt: skip
            valid = False
        if self.date_of_birth.data and self.approximate_age.data is not None:
            self.approximate_age.errors = [*self.approximate_age.errors,
                                           gettext("Give a date of birth or an age, not both.")]  # fmt: skip
            valid = False
        return valid

    def add_member_rows(self, count: int = 2) -> None:
        for _ in range(count):
            if len(self.members) >= MAX_MEMBERS:
                break
            self.members.append_entry()
            member_choices(self.members[-1].form)

    def shown_ids(self) -> list[int]:
        return [int(part) for part in (self.candidates_shown.data or "").split(",") if part.strip().isdigit()]

    def to_data(self, today_: date) -> RegistrationData:
        date_of_birth, precision = _birth(self.date_of_birth.data, self.dob_precision.data,
                                          self.approximate_age.data, today_)  # fmt: skip
        languages = list(self.languages.data or [])
        for part in (self.other_languages.data or "").split(","):
            code = reference.find_language(part)
            if code:
                languages.append(code)
        return RegistrationData(
            border_point=self.border_point.data,
            given_names=self.given_names.data or "",
            family_name=self.family_name.data or "",
            other_names=self.other_names.data or "",
            sex=self.sex.data,
            date_of_birth=date_of_birth,
            dob_precision=precision,
            nationality=self.nationality.data,
            country_of_birth=self.country_of_birth.data or None,
            place_of_origin=self.place_of_origin.data or None,
            languages=tuple(languages),
            phone=self.phone.data or None,
            documents=tuple(
                DocumentData(
                    type=entry.form.type.data,
                    number=entry.number.data,
                    issuing_country=entry.issuing_country.data or None,
                    expiry_date=entry.expiry_date.data,
                )
                for entry in self.documents
                if entry.number.data
            ),
            vulnerabilities=tuple(self.vulnerabilities.data or []),
            arrival_date=self.arrival_date.data,
            entry_type=self.entry_type.data,
            circumstances=self.circumstances.data,
            consent_given=self.consent_given.data == "yes",
            consent_scope=self.consent_scope.data or None,
            consent_date=self.consent_date.data,
            consent_language=self.consent_language.data or None,
            submission_id=self.submission_id.data,
            members=tuple(entry.form.to_data(today_, self.nationality.data) for entry in self.members
                          if entry.form.filled),
        )


def _birth(date_of_birth: date | None, precision: str | None, age: int | None,
           today_: date) -> tuple[date | None, str | None]:  # fmt: skip
    if date_of_birth is not None:
        return date_of_birth, precision
    if age is not None:
        # An age typed instead of a date: the middle of that year of life, marked estimated.
        return _estimated_birth_date(today_, age), DobPrecision.ESTIMATED
    return None, None


def _estimated_birth_date(today_: date, age: int) -> date:
    """Someone aged `age` today was born between age and age+1 years ago: take the middle."""
    return today_ - relativedelta(years=age, months=6)
