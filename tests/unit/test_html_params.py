"""Form fields' HTML attributes: the registry's quicker html_params writes exactly what WTForms' wrote."""

from __future__ import annotations

import pytest
from markupsafe import Markup
from wtforms import Form, StringField, widgets

from registry.web.forms import WTFORMS_HTML_PARAMS, MultiCheckboxField, html_params, options

ATTRIBUTES = [
    {},
    {"name": "given_names", "id": "given_names", "class_": "form-control", "dir": "auto", "value": ""},
    {"checked": True, "readonly": False, "required": True, "name": "consent"},
    {"data_bs_toggle": "dropdown", "aria_describedby": "x-help x-error", "aria_invalid": "true", "for_": "x"},
    {"value": 'Amani "the tall" <b>O\'Neil</b> & co'},
    {"value": Markup('already <em>markup</em> with "quotes"')},
    {"value": "نور الهدى عبد الله", "placeholder": "Ньямвезі 日本"},
    {"value": 42, "min": 0, "max": 150.5, "step": None},
    {"value": "%(name)s {0} {name}"},
]


@pytest.mark.parametrize("attributes", ATTRIBUTES)
def test_the_same_attributes_as_wtforms(attributes):
    ours, theirs = html_params(**attributes), WTFORMS_HTML_PARAMS(**attributes)
    assert ours == theirs
    assert isinstance(ours, Markup)


def test_nothing_typed_escapes_its_attribute():
    written = html_params(value='"><script>alert(1)</script>')
    assert "<script>" not in written and written.startswith('value="&#34;&gt;&lt;script&gt;')


def test_every_widget_writes_with_it():
    class Details(Form):
        name = StringField("Name")
        needs = MultiCheckboxField("Needs", choices=options([("child", "Child"), ("medical", "Medical")]))

    form = Details(data={"name": 'Ama "Kofi"', "needs": ["child"]})
    assert widgets.core.html_params is html_params and widgets.html_params is html_params
    assert widgets.TextInput.html_params is html_params and widgets.CheckboxInput.html_params is html_params
    assert str(form.name(class_="form-control")) == (
        '<input class="form-control" id="name" name="name" type="text" value="Ama &#34;Kofi&#34;">')
    assert '<input checked id="needs-0" name="needs" type="checkbox" value="child">' in str(form.needs())
