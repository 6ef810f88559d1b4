"""The case list's filters (a GET form: no CSRF token, nothing changes); the exports take the same."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import lru_cache

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import DateField, Field, SelectField, StringField, ValidationError
from wtforms.validators import Length, Optional

from registry.domain.vocabulary import CaseStatus, Pathway, Priority, Vulnerability
from registry.services.cases import MAX_QUERY_LENGTH, SORTS, UNASSIGNED, CaseFilters
from registry.templating import current_language, label_of
from registry.web.forms import CachedOptionsSelect, ChoiceField, Form, SharedChoices, options
from registry.web.registrations.forms import country_choices

# Dates outside these are typing mistakes (a year 20026), and beyond them date arithmetic fails.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2100, 12, 31)


def sensible_date(_form: Form, field: Field) -> None:
    if isinstance(field.data, date) and not EARLIEST_DATE <= field.data <= LATEST_DATE:
        raise ValidationError(_l("Give a date between 1900 and 2100."))


@lru_cache(maxsize=8)
def _nationalities(language: str) -> SharedChoices:
    """Built once per language: some 250 country names looked up in CLDR on every list page showed."""
    return SharedChoices(country_choices(gettext("Any nationality"), nationality=True))


@lru_cache(maxsize=8)
def _fixed_choices(language: str) -> dict[str, SharedChoices]:
    """The filters whose choices are the same for everyone, translated once per language."""

    def labelled(blank: str, kind: str, codes: Iterable[str]) -> SharedChoices:
        return SharedChoices(options([("", blank)] + [(code, label_of(kind, code)) for code in codes]))

    return {
        "status": labelled(gettext("Any status"), "status", CaseStatus),
        "pathway": labelled(gettext("Any pathway"), "pathway", Pathway),
        "priority": labelled(gettext("Any priority"), "priority", Priority),
        "vulnerability": labelled(gettext("Any or none"), "vulnerability", Vulnerability),
        "sort": SharedChoices(options([("newest", gettext("Newest first")),
                                       ("oldest", gettext("Oldest first")),
                                       ("case_number", gettext("By case number"))])),
    }  # fmt: skip


class RegistrationDatesForm(Form):
    """The registration date range shared by the list's and the dashboard's filters."""

    registered_from = DateField(_l("Registered from"), validators=[Optional(), sensible_date])
    registered_to = DateField(_l("Registered until"), validators=[Optional(), sensible_date])

    def validate_registered_to(self, field: DateField) -> None:
        first = self.registered_from.data
        if field.data and first and not self.registered_from.errors and field.data < first:
            raise ValidationError(_l("The end of the period is before its start."))

    def valid_dates(self) -> tuple[date | None, date | None]:
        """The dates to apply: a range with an error in it is not applied at all."""
        if self.registered_from.errors or self.registered_to.errors:
            return None, None
        return self.registered_from.data, self.registered_to.data


class CaseFilterForm(RegistrationDatesForm):
    q = StringField(_l("Name, case, document or phone number"),
                    validators=[Optional(), Length(max=MAX_QUERY_LENGTH)])  # fmt: skip
    status = ChoiceField(_l("Status"), validators=[Optional()], widget=CachedOptionsSelect())
    pathway = ChoiceField(_l("Pathway"), validators=[Optional()], widget=CachedOptionsSelect())
    border_point = ChoiceField(_l("Border point"), validators=[Optional()], widget=CachedOptionsSelect())
    assigned_to = ChoiceField(_l("Followed by"), validators=[Optional()], widget=CachedOptionsSelect())
    priority = ChoiceField(_l("Priority"), validators=[Optional()], widget=CachedOptionsSelect())
    vulnerability = ChoiceField(_l("Vulnerability"), validators=[Optional()], widget=CachedOptionsSelect())
    nationality = ChoiceField(_l("Nationality"), validators=[Optional()], widget=CachedOptionsSelect())
    sort = ChoiceField(_l("Order"), validators=[Optional()], widget=CachedOptionsSelect())

    SELECTS = ("status", "pathway", "border_point", "assigned_to", "priority", "vulnerability",
               "nationality")  # fmt: skip
    # Every field read from the query string: what the form's values and errors depend on.
    FIELDS = ("q", *SELECTS, "registered_from", "registered_to", "sort")

    def __init__(self, formdata: object, border_points: list[tuple[str, str]],
                 assignees: list[tuple[str, str]]) -> None:  # fmt: skip
        super().__init__(formdata)
        fixed = _fixed_choices(current_language())
        for name in ("status", "pathway", "priority", "vulnerability", "sort"):
            getattr(self, name).choices = fixed[name]
        self.border_point.choices = options([("", gettext("All my border points"))] + border_points)
        self.assigned_to.choices = options(
            [("", gettext("Anyone or no one")), (UNASSIGNED, gettext("No one yet"))] + assignees
        )
        self.nationality.choices = _nationalities(current_language())

    def filters(self) -> CaseFilters:
        """Only valid values filter; an unknown value is reported beside its field, not applied."""
        values = {name: (getattr(self, name).data or None) if not getattr(self, name).errors else None
                  for name in self.SELECTS}  # fmt: skip
        first, last = self.valid_dates()
        query = (self.q.data or "")[:MAX_QUERY_LENGTH].strip()
        return CaseFilters(**values, registered_from=first, registered_to=last, q=query or None)

    def chosen_sort(self) -> str:
        return self.sort.data if self.sort.data in SORTS and not self.sort.errors else "newest"

    def has_more_filters(self) -> bool:
        """Whether a filter beyond the first row is set (the "more filters" section opens)."""
        return any(getattr(self, name).data for name in
                   ("pathway", "assigned_to", "priority", "vulnerability", "nationality",
                    "registered_from", "registered_to")) or any(
            getattr(self, name).errors for name in self._fields)  # fmt: skip


class ExportForm(CaseFilterForm):
    anonymised = SelectField(_l("Anonymised"), validators=[Optional()])

    def __init__(self, formdata: object, border_points: list[tuple[str, str]],
                 assignees: list[tuple[str, str]]) -> None:  # fmt: skip
        super().__init__(formdata, border_points=border_points, assignees=assignees)
        self.anonymised.choices = options([("", ""), ("0", gettext("No")), ("1", gettext("Yes"))])
