"""The case list's filters (a GET form: no CSRF token, nothing changes)."""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional

from registry.domain.vocabulary import CaseStatus
from registry.services.cases import MAX_QUERY_LENGTH, CaseFilters
from registry.templating import label_of
from registry.web.forms import Form, options


class CaseFilterForm(Form):
    q = StringField(_l("Name or case number"), validators=[Optional(), Length(max=MAX_QUERY_LENGTH)])
    status = SelectField(_l("Status"), validators=[Optional()])
    border_point = SelectField(_l("Border point"), validators=[Optional()])
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=1_000_000)])

    def __init__(self, formdata: object, border_points: list[tuple[str, str]]) -> None:
        super().__init__(formdata)
        self.status.choices = options(
            [("", gettext("Any status"))] + [(status, label_of("status", status)) for status in CaseStatus]
        )
        self.border_point.choices = options([("", gettext("All my border points"))] + border_points)

    def filters(self) -> CaseFilters:
        """Only valid values filter; an unknown value is reported beside its field, not applied."""
        valid_status = self.status.data if not self.status.errors else None
        valid_point = self.border_point.data if not self.border_point.errors else None
        query = (self.q.data or "")[:MAX_QUERY_LENGTH]
        return CaseFilters(status=valid_status or None, border_point=valid_point or None,
                           q=query or None)  # fmt: skip
