"""The audit log's search form (a GET form: nothing changes)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, StringField
from wtforms.validators import Length, NumberRange, Optional

from registry.services.audit import AuditFilters
from registry.web.forms import Form


class AuditSearchForm(Form):
    username = StringField(_l("Username"), validators=[Optional(), Length(max=80)])
    action = StringField(_l("Action (e.g. case_view, print_summary, login_failed)"),
                         validators=[Optional(), Length(max=40)])  # fmt: skip
    object_id = StringField(_l("Record (case number, account number)"), validators=[Optional(), Length(max=40)])
    ip_address = StringField(_l("Address"), validators=[Optional(), Length(max=45)])
    search_term = StringField(_l("Did anyone search for… (a name or number, as typed)"),
                              validators=[Optional(), Length(max=200)])  # fmt: skip
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To (inclusive)"), validators=[Optional()])
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=1_000_000)])

    def filters(self, timezone: str) -> AuditFilters:
        zone = ZoneInfo(timezone)

        def moment(day, add_days: int = 0):  # type: ignore[no-untyped-def]
            return datetime.combine(day + timedelta(days=add_days), time(), zone) if day else None

        valid = {name: field.data if not field.errors else None for name, field in self._fields.items()}
        return AuditFilters(
            username=(valid["username"] or "").strip() or None,
            action=(valid["action"] or "").strip() or None,
            object_id=(valid["object_id"] or "").strip() or None,
            ip_address=(valid["ip_address"] or "").strip() or None,
            search_term=(valid["search_term"] or "").strip() or None,
            since=moment(valid["since"]),
            until=moment(valid["until"], 1),
        )
