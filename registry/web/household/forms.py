"""Forms of the household pages: each change carries a reason and the version it was made on."""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import DateField, FileField, FormField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from registry.domain.vocabulary import DocumentType, Priority, Vulnerability
from registry.services.household import PRIORITY_ORDER
from registry.services.registration import DocumentData
from registry.templating import label_of
from registry.web.forms import (
    CachedOptionsSelect,
    FlaskForm,
    MultiCheckboxField,
    no_control_characters,
    options,
    strip,
)
from registry.web.registrations.forms import MemberForm, country_choices, member_choices

REASON = [DataRequired(message=_l("Say why.")), Length(max=2000), no_control_characters]


class _Versioned(FlaskForm):
    reason = TextAreaField(_l("Why? (who asked, what shows it)"), filters=[strip], validators=REASON)
    version = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])


class AddMemberForm(_Versioned):
    """A member added later (a newborn): the same fields as on the registration form."""

    member = FormField(MemberForm)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        member_choices(self.member.form)

    def validate(self, extra_validators=None) -> bool:  # type: ignore[no-untyped-def]
        valid = super().validate(extra_validators)
        if not self.member.form.filled:
            self.member.form.given_names.errors = [
                *self.member.form.given_names.errors, gettext("Give at least a given name or a family name.")]  # fmt: skip
            valid = False
        return valid


class SplitForm(_Versioned):
    pass


class VulnerabilitiesForm(_Versioned):
    vulnerabilities = MultiCheckboxField(_l("Protection needs"))

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.vulnerabilities.choices = options((code, label_of("vulnerability", code)) for code in Vulnerability)


class DocumentForm(_Versioned):
    type = SelectField(_l("Document type"), validators=[InputRequired(message=_l("Choose the document type."))])
    number = StringField(_l("Document number"), filters=[strip],
                         validators=[DataRequired(), Length(max=60), no_control_characters])  # fmt: skip
    issuing_country = SelectField(_l("Issuing country"), validators=[Optional()], widget=CachedOptionsSelect())
    expiry_date = DateField(_l("Expiry date"), validators=[Optional()])

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.type.choices = options([("", gettext("Choose…"))]) + options(
            (code, label_of("document_type", code)) for code in DocumentType)  # fmt: skip
        self.issuing_country.choices = country_choices(gettext("Not known"))

    def document(self) -> DocumentData:
        return DocumentData(type=self.type.data or "", number=self.number.data or "",
                            issuing_country=self.issuing_country.data or None, expiry_date=self.expiry_date.data)  # fmt: skip


class RemoveDocumentForm(_Versioned):
    pass


class PriorityForm(_Versioned):
    priority = SelectField(_l("Raise the priority to"), validators=[InputRequired()])

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.priority.choices = options((code, label_of("priority", code)) for code in PRIORITY_ORDER
                                        if code != Priority.NORMAL)  # fmt: skip


class PhotoForm(FlaskForm):
    photo = FileField(_l("Photo"), render_kw={"accept": "image/jpeg,image/png,image/webp", "capture": "environment"})

