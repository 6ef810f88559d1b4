"""A date of birth is shown only as precisely as it is known."""

from datetime import date

import pytest

from registry.templating import show_birth_date


@pytest.mark.parametrize(
    ("precision", "shown"),
    [
        ("exact", "Mar 10, 1991 (Exact date)"),
        ("year", "1991 (Year only)"),
        ("estimated", "1991 (Estimated)"),
        (None, "Mar 10, 1991"),
    ],
)
def test_a_birth_date_shows_no_more_than_is_known(app, precision, shown):
    with app.test_request_context():
        assert show_birth_date(date(1991, 3, 10), precision) == shown


def test_an_unknown_birth_date_shows_nothing(app):
    with app.test_request_context():
        assert show_birth_date(None, "year") == ""


def test_the_year_is_written_in_the_readers_language(app):
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert show_birth_date(date(1991, 3, 10), "year").startswith("1991 (")
