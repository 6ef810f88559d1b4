"""The case page's action forms. A move's form is built from its FieldSpecs, so it cannot drift
from the transition table; the domain, not WTForms, judges what was typed."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from registry.web.forms import FlaskForm
from wtforms import BooleanField, Field, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import DateInput

from registry.domain.vocabulary import FearOfReturn
from registry.domain.workflow import (
    REASON_MAX_LENGTH,
    TRANSITIONS_BY_ACTION,
    FieldSpec,
    Transition,
    fields_for,
)
from registry.models import Case
from registry.models.workflow import FOLLOW_UP_TITLE_MAX_LENGTH, NOTE_MAX_LENGTH
from registry.templating import label_of
from registry.web.forms import CachedOptionsSelect, options
from registry.web.registrations.forms import country_choices


class CaseForm(FlaskForm):
    """Every form that changes a case carries the version its user saw."""

    version = HiddenField()


class CsrfOnlyForm(FlaskForm):
    """Checks the token of a posted form whatever its fields."""


def _date_bounds(spec: FieldSpec, today: date) -> dict[str, str]:
    if spec.dates == "up_to_today":
        return {"max": today.isoformat()}
    if spec.dates == "from_today":
        return {"min": today.isoformat()}
    if spec.dates == "after_today":
        return {"min": (today + timedelta(days=1)).isoformat()}
    return {}


def _field(spec: FieldSpec, action: str) -> Field:
    label = _l(spec.label)
    kwargs: dict[str, object] = {"id": f"{action}-{spec.name}"}
    if spec.kind == "text":
        return StringField(label, render_kw={"maxlength": spec.max_length}, **kwargs)
    if spec.kind == "date":
        return StringField(label, widget=DateInput(), **kwargs)
    if spec.kind == "bool":
        return BooleanField(label, **kwargs)
    # Choices are filled per request (they are translated); the domain checks the value.
    widget = CachedOptionsSelect() if spec.kind == "country" else None
    return SelectField(label, validate_choice=False, widget=widget, **kwargs)


@lru_cache(maxsize=None)
def _transition_form_class(action: str, names: tuple[str, ...]) -> type[CaseForm]:
    transition = TRANSITIONS_BY_ACTION[action]
    attributes: dict[str, object] = {"to": HiddenField(id=f"{transition.action}-to")}
    for spec in transition.fields:
        if spec.name in names:
            attributes[spec.name] = _field(spec, transition.action)
    attributes["reason"] = TextAreaField(
        _l("Why (required)") if transition.reason_required else _l("Why (optional)"),
        id=f"{transition.action}-reason",
        render_kw={"rows": 2, "maxlength": REASON_MAX_LENGTH},
    )
    return type(f"{transition.action.title().replace('_', '')}Form", (CaseForm,), attributes)


def transition_form(
    transition: Transition, case: Case, today: date, formdata: object = None
) -> CaseForm:
    """The form for one move on this case; bound to `formdata` when it comes back with errors."""
    specs = fields_for(transition, case)
    form_class = _transition_form_class(transition.action, tuple(spec.name for spec in specs))
    form = form_class(formdata=formdata)
    if formdata is None:
        # Start from what the case already holds: a date scheduled, the permit applied for.
        for spec in specs:
            value = getattr(case, spec.name, None)
            if value is not None:
                form[spec.name].data = value.isoformat() if isinstance(value, date) else value
    form.to.data = transition.target.value
    form.version.data = str(case.version)
    for spec in specs:
        field = form[spec.name]
        render_kw = dict(field.render_kw or {})
        if spec.kind == "date":
            render_kw.update(_date_bounds(spec, today))
        if spec.required and not (spec.defaults_to_case and getattr(case, spec.name) is not None):
            render_kw["required"] = True
            field.flags.required = True
        field.render_kw = render_kw
        if spec.kind == "country":
            field.choices = country_choices(gettext("Choose…"))
        elif spec.kind == "choice":
            field.choices = options([("", gettext("Choose…"))]) + options(
                (code, label_of(spec.name, code)) for code in spec.choices
            )
    if transition.reason_required:
        form.reason.flags.required = True
        form.reason.render_kw = {**(form.reason.render_kw or {}), "required": True}
    return form


class FearForm(CaseForm):
    fear_of_return = SelectField(_l("Does the person fear returning?"), validate_choice=False,
                                 id="fear-fear_of_return")  # fmt: skip

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fear_of_return.choices = options([("", gettext("Choose…"))]) + [
            SelectChoice(code.value, label_of("fear_of_return", code.value)) for code in FearOfReturn
        ]


class ClearFearForm(CaseForm):
    reason = TextAreaField(_l("Why the fear of return is cleared"), id="clear-reason",
                           render_kw={"rows": 2, "required": True, "maxlength": REASON_MAX_LENGTH})  # fmt: skip


class AssignmentForm(CaseForm):
    assigned_to = SelectField(_l("Assign to"), validate_choice=False, id="assignment-assigned_to")


class TransferForm(CaseForm):
    border_point = SelectField(_l("Transfer to border point"), validate_choice=False,
                               id="transfer-border_point")  # fmt: skip
    reason = TextAreaField(_l("Why"), id="transfer-reason",
                           render_kw={"rows": 2, "required": True, "maxlength": REASON_MAX_LENGTH})  # fmt: skip


class NoteForm(FlaskForm):
    text = TextAreaField(_l("Note"), id="note-text",
                         render_kw={"rows": 3, "required": True, "maxlength": NOTE_MAX_LENGTH})  # fmt: skip
    confidential = BooleanField(_l("Confidential: only supervisors (and you) will see it"),
                                id="note-confidential")  # fmt: skip


class FollowUpForm(FlaskForm):
    title = StringField(_l("What to do"), id="follow_up-title",
                        render_kw={"required": True, "maxlength": FOLLOW_UP_TITLE_MAX_LENGTH})
    due_on = StringField(_l("Due on"), widget=DateInput(), id="follow_up-due_on",
                         render_kw={"required": True})  # fmt: skip
