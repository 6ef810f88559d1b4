"""Fields and validators shared by the forms of several areas."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from wtforms import Field, Form, SelectMultipleField, ValidationError, widgets
from wtforms.fields.choices import SelectChoice

from registry.domain.names import has_control_characters
from registry.templating import today


class MultiCheckboxField(SelectMultipleField):
    """A list of ticks instead of a multi-select: usable on a tablet and by keyboard."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def no_control_characters(_form: Form, field: Field) -> None:
    if isinstance(field.data, str) and has_control_characters(field.data):
        raise ValidationError(_l("Remove the invisible control characters from this field."))


def not_in_future(_form: Form, field: Field) -> None:
    if isinstance(field.data, date) and field.data > today():
        raise ValidationError(_l("This date cannot be in the future."))


def strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def options(pairs: Iterable[tuple[str, str]], optgroup: str | None = None) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices, optionally inside an <optgroup>."""
    return [SelectChoice(value, label, optgroup=optgroup) for value, label in pairs]


class CachedOptionsSelect(widgets.Select):
    """A <select> whose long option list (every country) is rendered once per language.

    WTForms builds each <option> through several layers of escaping; with three country lists
    on the registration form that took most of the page's time.
    """

    _cache: dict[tuple[object, ...], str] = {}

    def __call__(self, field: Field, **kwargs: object) -> Markup:
        from flask_babel import get_locale

        kwargs.setdefault("id", field.id)
        key = (str(get_locale()), field.name.rsplit("-", 1)[-1],
               tuple((c.value, str(c.label), c.optgroup) for c in field.choices[:3]), len(field.choices))  # fmt: skip
        options_html = self._cache.get(key)
        if options_html is None:
            groups: dict[str | None, list[str]] = {}
            for choice in field.choices:
                groups.setdefault(choice.optgroup, []).append(
                    f'<option value="{escape(choice.value)}">{escape(choice.label)}</option>'
                )
            parts = []
            for group, items in groups.items():
                if group is None:
                    parts.extend(items)
                else:
                    parts.append(f'<optgroup label="{escape(group)}">{"".join(items)}</optgroup>')
            options_html = "".join(parts)
            self._cache[key] = options_html
        selected = field.data if isinstance(field.data, str) else ""
        if selected:
            needle = f'<option value="{escape(selected)}">'
            options_html = options_html.replace(needle, needle[:-1] + " selected>", 1)
        return Markup(f"<select {widgets.html_params(name=field.name, **kwargs)}>{options_html}</select>")
