"""A supervisor's decision on a suspected duplicate: always with a reason."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from registry.web.forms import FlaskForm, no_control_characters, strip


class DecisionForm(FlaskForm):
    reason = TextAreaField(_l("Why?"), filters=[strip],
                           validators=[DataRequired(), Length(min=5, max=2000), no_control_characters])  # fmt: skip


class MergeForm(DecisionForm):
    keep = IntegerField(_l("Keep this record"), validators=[InputRequired()])
