"""The forms' base classes, and fields and validators shared by the forms of several areas."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import cached_property
from typing import ClassVar

import flask_wtf
import wtforms
from flask_babel import get_translations, lazy_ngettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from wtforms import Field, SelectField, SelectMultipleField, ValidationError, widgets
from wtforms.fields.choices import SelectChoice

from registry.domain.i18n import N_
from registry.domain.names import has_control_characters
from registry.templating import today


def html_params(**attributes: object) -> Markup:
    """WTForms' `html_params`, to the byte: the same attributes, sorted, escaped the same way.

    WTForms writes each attribute through `Markup.format`, markupsafe's `string.Formatter`, three
    times as slow for a field's six attributes. The registration form's 85 inputs, 45 ticks and
    their labels call it about 240 times: a third of the page's CPU time went there (bench/LOAD.md,
    seventh round). It is put in WTForms' place for every widget below
    (`tests/unit/test_html_params.py` compares the two).
    """
    params = []
    for key, value in sorted(attributes.items()):
        key = widgets.core.clean_key(key)
        if value is True:
            params.append(key)
        elif value is not False:
            # escape() writes a quote as &#34;; a value given as Markup keeps its quotes: WTForms
            # replaces those with &quot;, and so does this.
            params.append(f'{escape(key)}="{str(escape(value)).replace(chr(34), "&quot;")}"')
    return Markup(" ".join(params))  # noqa: S704 - every key and value escaped above


WTFORMS_HTML_PARAMS = widgets.core.html_params
widgets.core.html_params = widgets.html_params = html_params
widgets.core.Input.html_params = widgets.core.Button.html_params = staticmethod(html_params)


class _CatalogueTranslations:
    """WTForms' own messages ("This field is required.") from the registry's catalogues.

    WTForms ships no Swahili catalogue and Flask-WTF cannot be given another, so the messages
    below are listed for extraction and translated with everything else, in the user's
    language (Flask-Babel's, so force_locale() applies too).
    """

    def gettext(self, string: str) -> str:
        return get_translations().gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        # Not flask_babel.ngettext: it would fill in %(num)s, and WTForms fills in the rest.
        return get_translations().ngettext(singular, plural, n)


TRANSLATIONS = _CatalogueTranslations()


class Form(wtforms.Form):
    """Base of the forms that are not posted (filters, sub-forms): messages in the user's language."""

    class Meta:
        def get_translations(self, form: wtforms.Form) -> _CatalogueTranslations:
            return TRANSLATIONS


class FlaskForm(flask_wtf.FlaskForm):
    """Base of every posted form: a CSRF token, and messages in the user's language."""

    class Meta:
        def get_translations(self, form: wtforms.Form) -> _CatalogueTranslations:
            return TRANSLATIONS


# The messages WTForms and Flask-WTF may show (from wtforms.pot), for pybabel to collect.
WTFORMS_MESSAGES = (
    N_("This field is required."),
    N_("Invalid input."),
    N_("Not a valid choice."),
    N_("Invalid Choice: could not coerce."),
    N_("Invalid choice(s): one or more data inputs could not be coerced."),
    lazy_ngettext("'%(value)s' is not a valid choice for this field.",
                  "'%(value)s' are not valid choices for this field.", 1),
    N_("Not a valid date value."),
    N_("Not a valid datetime value."),
    N_("Not a valid time value."),
    N_("Not a valid integer value."),
    N_("Not a valid decimal value."),
    N_("Not a valid float value."),
    lazy_ngettext("Field must be at least %(min)d character long.",
                  "Field must be at least %(min)d characters long.", 1),
    lazy_ngettext("Field cannot be longer than %(max)d character.",
                  "Field cannot be longer than %(max)d characters.", 1),
    lazy_ngettext("Field must be exactly %(max)d character long.",
                  "Field must be exactly %(max)d characters long.", 1),
    N_("Field must be between %(min)d and %(max)d characters long."),
    N_("Number must be at least %(min)s."),
    N_("Number must be at most %(max)s."),
    N_("Number must be between %(min)s and %(max)s."),
    N_("Date must be at least %(min)s."),
    N_("Date must be at most %(max)s."),
    N_("Date must be between %(min)s and %(max)s."),
    N_("Field must be equal to %(other_name)s."),
    N_("Invalid email address."),
    N_("Invalid value, must be one of: %(values)s."),
    N_("Invalid value, can't be any of: %(values)s."),
    N_("This field cannot be edited."),
    N_("This field is disabled and cannot have a value."),
    N_("File does not have an approved extension."),
    N_("File does not have an approved extension: {extensions}"),
)  # fmt: skip


class MultiCheckboxField(SelectMultipleField):
    """A list of ticks instead of a multi-select: usable on a tablet and by keyboard."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def no_control_characters(_form: wtforms.Form, field: Field) -> None:
    if isinstance(field.data, str) and has_control_characters(field.data):
        raise ValidationError(_l("Remove the invisible control characters from this field."))


def not_in_future(_form: wtforms.Form, field: Field) -> None:
    if isinstance(field.data, date) and field.data > today():
        raise ValidationError(_l("This date cannot be in the future."))


def strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def options(pairs: Iterable[tuple[str, str]], optgroup: str | None = None) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices, optionally inside an <optgroup>."""
    return [SelectChoice(value, label, optgroup=optgroup) for value, label in pairs]


class SharedChoices(tuple[SelectChoice, ...]):
    """Choices built once and shown to every request in the same language (statuses, countries).

    A tuple, so that no request changes them for the others; what showing and checking them
    needs (their <option>s, the set of their values) is worked out once, on first use.
    """

    @cached_property
    def values(self) -> frozenset[str]:
        return frozenset(choice.value for choice in self)

    @cached_property
    def options_html(self) -> str:
        return _options_html(self)


def _options_html(choices: Iterable[SelectChoice]) -> str:
    groups: dict[str | None, list[str]] = {}
    for choice in choices:
        groups.setdefault(choice.optgroup, []).append(
            f'<option value="{escape(choice.value)}">{escape(choice.label)}</option>'
        )
    parts = []
    for group, items in groups.items():
        if group is None:
            parts.extend(items)
        else:
            parts.append(f'<optgroup label="{escape(group)}">{"".join(items)}</optgroup>')
    return "".join(parts)


class ChoiceField(SelectField):
    """A select of plain string values. Given SharedChoices, a value is checked by one look-up in
    their set of values, where WTForms builds an object for each of the (250) choices."""

    def pre_validate(self, form: wtforms.Form) -> None:
        choices = self.choices
        if not isinstance(choices, SharedChoices) or self.process_errors or not self.validate_choice:
            super().pre_validate(form)
            return
        if self.data not in choices.values:
            raise ValidationError(self.invalid_choice_message or self.gettext("Not a valid choice."))


class CachedOptionsSelect(widgets.Select):
    """A <select> whose options are rendered once for each list of choices.

    WTForms builds each <option> through several layers of escaping; with three country lists
    on the registration form that took most of the page's time, and the case list's eight
    filters a fifth of the list's. The options are kept by their values and labels, so two
    users' different lists (their border points, their colleagues) never share a rendering;
    SharedChoices keep their own. The <select> tag's attributes are kept too, by their values.
    """

    _cache: ClassVar[dict[tuple[object, ...], str]] = {}
    _tags: ClassVar[dict[tuple[object, ...], str]] = {}
    _CACHE_SIZE = 512

    def __call__(self, field: Field, **kwargs: object) -> Markup:
        kwargs.setdefault("id", field.id)
        choices = field.choices
        if isinstance(choices, SharedChoices):
            options_html = choices.options_html
        else:
            key = tuple((c.value, str(c.label), c.optgroup) for c in choices)
            options_html = self._cache.get(key)
            if options_html is None:
                if len(self._cache) >= self._CACHE_SIZE:  # lists of colleagues change over the years
                    self._cache.clear()
                options_html = self._cache[key] = _options_html(choices)
        selected = field.data if isinstance(field.data, str) else ""
        if selected:
            needle = f'<option value="{escape(selected)}">'
            options_html = options_html.replace(needle, needle[:-1] + " selected>", 1)
        return Markup(f"{self._tag(field.name, kwargs)}{options_html}</select>")

    def _tag(self, name: str, attributes: dict[str, object]) -> str:
        key = (name, *sorted(attributes.items()))
        try:
            tag = self._tags.get(key)
        except TypeError:  # an attribute whose value cannot be a key: built each time
            return f"<select {widgets.html_params(name=name, **attributes)}>"
        if tag is None:
            if len(self._tags) >= self._CACHE_SIZE:
                self._tags.clear()
            tag = self._tags[key] = f"<select {widgets.html_params(name=name, **attributes)}>"
        return tag
