"""Every piece of text a person reads is marked for translation (tests/i18n_lint.py checks)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.i18n_lint import check_project, check_python, check_template

ROOT = Path(__file__).resolve().parents[2]


def test_templates_and_python_modules_mark_every_text_for_translation():
    findings = check_project(ROOT)
    assert not findings, (
        "Text shown to people without _() / _l() / N_() / {% trans %}:\n  "
        + "\n  ".join(str(finding) for finding in findings)
    )


@pytest.mark.parametrize("source, text", [
    ("<p>Registered today</p>", "Registered today"),
    ('<button type="submit">{{ _("Save") }} changes</button>', "changes"),
    ('<a href="/" title="Back to the list">{{ _("Back") }}</a>', "Back to the list"),
    ('<nav aria-label="Main menu"></nav>', "Main menu"),
    ('<input type="text" name="q" placeholder="Name or number">', "Name or number"),
    ('<input type="submit" value="Search">', "Search"),
    ('<img src="x.png" alt="Photo of the person">', "Photo of the person"),
    ("<td>{{ 'Yes' if user.active else 'No' }}</td>", "'Yes'"),
    ('{{ input(form.q, help="Part of a name is enough.") }}', '"Part of a name is enough."'),
    ("{% if case %}\n<p>\n  Nothing to do</p>{% endif %}", "Nothing to do"),
])  # fmt: skip
def test_the_template_check_finds_untranslated_text(source, text):
    findings = check_template(source)
    assert text in {finding.text for finding in findings}, findings


def test_the_template_check_gives_the_line_of_the_text():
    (finding,) = check_template("{% if case %}\n<p>\n  Nothing to do</p>{% endif %}", "x.html")
    assert (finding.path, finding.line) == ("x.html", 3)


@pytest.mark.parametrize("source", [
    '<p>{{ _("Registered today") }}</p>',
    "<p>{% trans count=n %}One case{% pluralize %}{{ count }} cases{% endtrans %}</p>",
    "<td>{{ person.given_names or '—' }}</td><td>{{ a }} · {{ b }} → {{ c }}</td>",
    "<span class=\"badge {{ 'text-bg-danger' if urgent else 'text-bg-warning' }}\"></span>",
    '<html lang="{{ lang }}" dir="{{ \'rtl\' if rtl else \'ltr\' }}">',
    '<a href="{{ url_for(\'cases.index\') }}" aria-label="{{ _(\'Cases\') }}">&rarr;</a>',
    '<script src="{{ url_for(\'static\', filename=\'x.js\') }}"></script><style>p{color:red}</style>',
    "{# A comment for the next developer #}<p>{{ case.case_number }}</p>",
    "<p>{{ label_of('status', status) if status != 'closed' else '—' }}</p>",
])  # fmt: skip
def test_the_template_check_accepts_translated_text_and_markup(source):
    assert check_template(source) == []


@pytest.mark.parametrize("source, text", [
    ('flash("Saved.", "success")', "Saved."),
    ('flash(f"Case {number} saved.")', "f'Case {number} saved.'"),
    ('flash("Case %s saved." % number)', "Case %s saved."),
    ('return render_error(404, "No such case")', "No such case"),
    ('raise ValidationError("Choose a date.")', "Choose a date."),
    ('raise NotAllowed("Closed cases do not move.")', "Closed cases do not move."),
    ('raise InvalidDetails(N_("Check the form."), fields={"phone": "Too long."})', "Too long."),
    ('name = StringField("Family name")', "Family name"),
    ('phone = StringField(_l("Phone"), validators=[Length(max=4, message="Too long")])', "Too long"),
    ('field = SelectField(_l("Sex"), choices=[SelectChoice("f", "Female")])', "Female"),
    ('q = StringField(_l("Search"), render_kw={"placeholder": "Name or number"})', "Name or number"),
    ('click.echo("Done.")', "Done."),
    ('TITLES = {404: "Not found"}', "Not found"),
    ('REASON_LABELS: dict[str, str] = {"lost": "Lost contact"}', "Lost contact"),
    ("from flask_wtf import FlaskForm", "flask_wtf.FlaskForm"),
    ('@bp.get("/ping")\ndef ping():\n    return "Everything is fine", 200', "Everything is fine"),
])  # fmt: skip
def test_the_python_check_finds_unmarked_text(source, text):
    assert [finding.text for finding in check_python(source)] == [text]


@pytest.mark.parametrize("source", [
    'flash(_("Saved."), "success")',
    "flash(translated(error), 'danger')",
    'raise NotAllowed(N_("Closed cases do not move."), params={"status": "closed"})',
    'name = StringField(_l("Family name"), validators=[Length(max=200)])',
    'click.echo(f"  {username:<14} {_(description)}")',
    'TITLES = {404: N_("Not found"), 500: N_("Error")}',
    'logger.info("case %s opened", number)',
    'raise ValueError("not a date")',
    'flash("MNY-2026-000001", "info")  # untranslated: a case number, not a sentence',
    "from registry.web.forms import FlaskForm, Form",
])  # fmt: skip
def test_the_python_check_accepts_marked_text_and_other_strings(source):
    assert check_python(source) == []
