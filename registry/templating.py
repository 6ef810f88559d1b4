"""Locale and time zone selection, and what templates may call to show values."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.support import NullTranslations
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import (
    format_date,
    format_datetime,
    format_decimal,
    get_locale,
    get_translations,
    gettext,
    to_user_timezone,
)
from flask_login import current_user

from registry.domain import labels, reference


def select_locale() -> str:
    languages = current_app.config["REGISTRY"].LANGUAGES
    if not has_request_context():
        return "en"
    if current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("lang") in languages:
        return session["lang"]
    return request.accept_languages.best_match(languages) or "en"


def select_timezone() -> str:
    return current_app.config["REGISTRY"].TIMEZONE


def today() -> date:
    """Today at the border points (the configured time zone), not on the server's clock."""
    return datetime.now(ZoneInfo(current_app.config["REGISTRY"].TIMEZONE)).date()


def current_language() -> str:
    return str(get_locale() or "en")


def interface_languages() -> list[tuple[str, str]]:
    """The languages the interface is offered in: (code, name in that language itself).

    Each language is named in itself, so a reader finds theirs whatever the page's language.
    """
    return [(code, endonym(code)) for code in current_app.config["REGISTRY"].LANGUAGES]


@lru_cache(maxsize=32)
def endonym(code: str) -> str:
    """"Français", "Kiswahili", "العربية": a language's name in that language (CLDR)."""
    try:
        name = Locale.parse(code).get_display_name(code) or code
    except (ValueError, TypeError):
        return code
    return name[:1].upper() + name[1:]


@lru_cache(maxsize=32)
def text_direction(code: str) -> str:
    """"rtl" for a language written right to left (CLDR's character order), else "ltr"."""
    try:
        return "rtl" if Locale.parse(code).character_order == "right-to-left" else "ltr"
    except (ValueError, TypeError):
        return "ltr"


def show_number(value: int | float | None) -> str:
    """A number as the reader writes it: 12,345 in English, 12 345 in French."""
    return format_decimal(value) if value is not None else ""


def label_of(kind: str, code: str | None) -> str:
    return _label(get_locale(), kind, code) if code else ""


@lru_cache(maxsize=4096)
def _label(locale: Locale | None, kind: str, code: str) -> str:
    """A code's label in `locale`, the current one: a list shows a few labels hundreds of times."""
    return gettext(labels.label(kind, code))


def country_of(code: str | None) -> str:
    if code in reference.SPECIAL_NATIONALITIES:
        return gettext(reference.SPECIAL_NATIONALITIES[code])
    return reference.country_name(code, current_language())


def language_of(code: str | None) -> str:
    # Capitalised: shown alone or in a list of values (CLDR writes French names in lower case).
    name = reference.language_name(code, current_language())
    return name[:1].upper() + name[1:]


def show_date(value: date | None) -> str:
    if not value:
        return ""
    if isinstance(value, datetime):  # the day it was where the reader is
        value = to_user_timezone(value).date()
    return _formatted_date(get_locale(), value)


@lru_cache(maxsize=4096)
def _formatted_date(locale: Locale | None, value: date) -> str:
    """A day as `locale`, the current one, writes it: a list shows the same few days many times."""
    return format_date(value, "medium")


def show_birth_date(value: date | None, precision: str | None) -> str:
    """A date of birth only as precise as it is known: "10 Mar 1991 (Exact date)", but
    "1991 (Year only)" or "1991 (Estimated)" when only the year means anything."""
    if not value:
        return ""
    shown = show_date(value) if precision in (None, "exact") else format_date(value, "yyyy")
    return f"{shown} ({label_of('dob_precision', precision)})" if precision else shown


def show_datetime(value: datetime | None) -> str:
    return format_datetime(value, "medium") if value else ""


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        label_of=label_of,
        country_of=country_of,
        language_of=language_of,
        current_language=current_language,
        interface_languages=interface_languages,
        text_direction=text_direction,
        endonym=endonym,
        show_birth_date=show_birth_date,
    )
    app.jinja_env.filters.update(
        show_date=show_date, show_datetime=show_datetime, show_number=show_number,
        language_of=language_of, country_of=country_of,
    )  # fmt: skip
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    _install_catalogue_lookups(app)


def _install_catalogue_lookups(app: Flask) -> None:
    """The templates' _() and ngettext() as Flask-Babel's, with each language's catalogue found
    once: Flask-Babel looks it up again on every call (three context look-ups), and a page of
    cases calls _() some sixty times."""
    catalogues: dict[Locale | None, NullTranslations] = {}

    def catalogue() -> NullTranslations:
        locale = get_locale()  # force_locale() included
        found = catalogues.get(locale)
        if found is None:
            found = catalogues[locale] = get_translations()
        return found

    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: catalogue().ugettext(s),
        ngettext=lambda s, p, n: catalogue().ungettext(s, p, n),
        pgettext=lambda c, s: catalogue().upgettext(c, s),
        npgettext=lambda c, s, p, n: catalogue().unpgettext(c, s, p, n),
        newstyle=True,
    )
