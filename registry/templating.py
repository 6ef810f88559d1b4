"""Locale and time zone selection, and what templates may call to show values."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.support import NullTranslations
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import (
    format_date,
    format_datetime,
    format_decimal,
    get_locale,
    get_timezone,
    get_translations,
    gettext,
    to_user_timezone,
)
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

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
    return _label(str(get_locale()), kind, code) if code else ""


# Labels already translated, by language: a list shows a few labels hundreds of times.
_LABELS: dict[tuple[str, str, str], str] = {}


def _label(language: str, kind: str, code: str) -> str:
    """A code's label in `language`, which must be the current locale's name ("None" outside a
    request, where gettext translates nothing): gettext speaks it."""
    found = _LABELS.get((language, kind, code))
    if found is None:
        if len(_LABELS) >= 4096:  # codes come from the data: never let them grow without end
            _LABELS.clear()
        found = _LABELS[language, kind, code] = gettext(labels.label(kind, code))
    return found


def country_of(code: str | None) -> str:
    return _country(current_language(), code)


# Countries already named, by language: a list names the same few nationalities many times.
_COUNTRIES: dict[tuple[str, str | None], str] = {}


def _country(language: str, code: str | None) -> str:
    """A country's name in `language`, which must be the current locale's (gettext speaks it)."""
    found = _COUNTRIES.get((language, code))
    if found is None:
        if len(_COUNTRIES) >= 4096:
            _COUNTRIES.clear()
        if code in reference.SPECIAL_NATIONALITIES:
            found = gettext(reference.SPECIAL_NATIONALITIES[code])
        else:
            found = reference.country_name(code, language)
        _COUNTRIES[language, code] = found
    return found


def language_of(code: str | None) -> str:
    # Capitalised: shown alone or in a list of values (CLDR writes French names in lower case).
    name = reference.language_name(code, current_language())
    return name[:1].upper() + name[1:]


def show_date(value: date | None) -> str:
    if not value:
        return ""
    if isinstance(value, datetime):  # the day it was where the reader is
        value = to_user_timezone(value).date()
    return _formatted_date(str(get_locale()), value)


# Days already written out, by language: a list shows the same few days many times.
_DATES: dict[tuple[str, date], str] = {}


def _formatted_date(language: str, value: date) -> str:
    """A day as `language`, which must be the current locale's name, writes it."""
    found = _DATES.get((language, value))
    if found is None:
        if len(_DATES) >= 4096:
            _DATES.clear()
        found = _DATES[language, value] = format_date(value, "medium")
    return found


class Reader:
    """The reader of the page being rendered: their language, catalogue and time zone, found once.

    Flask-Babel finds the language again on every call (three look-ups of Flask's context
    objects); a list page shows some 200 labels, names of countries, dates and sentences, and
    those look-ups were a tenth of its Python calls. A Reader is made for each page rendered (see
    init_app), so it speaks the language in force then, force_locale() included, and gives the
    same strings as label_of(), country_of(), show_date() and gettext().
    """

    def __init__(self) -> None:
        locale = get_locale()
        self.language = str(locale or "en")
        self._locale_name = str(locale)  # what label_of() and show_date() keep their strings by
        self.catalogue = get_translations()
        self.zone = get_timezone()

    def label_of(self, kind: str, code: str | None) -> str:
        return _label(self._locale_name, kind, code) if code else ""

    def country_of(self, code: str | None) -> str:
        return _country(self.language, code)

    def show_date(self, value: date | None) -> str:
        if not value:
            return ""
        if isinstance(value, datetime):  # as to_user_timezone() does
            aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
            value = self.zone.normalize(aware.astimezone(self.zone)).date()
        return _formatted_date(self._locale_name, value)


def _reader(context: Context) -> Reader | None:
    """The page's reader; None in a macro imported without the page's context (it sees only
    its own module's names), which then finds the language as label_of() and the others do."""
    found = context.get("reader")
    return found if isinstance(found, Reader) else None


@pass_context
def _show_date(context: Context, value: date | None) -> str:
    reader = _reader(context)
    return reader.show_date(value) if reader is not None else show_date(value)


@pass_context
def _country_of(context: Context, code: str | None) -> str:
    reader = _reader(context)
    return reader.country_of(code) if reader is not None else country_of(code)


def show_birth_date(value: date | None, precision: str | None) -> str:
    """A date of birth only as precise as it is known: "10 Mar 1991 (Exact date)", but
    "1991 (Year only)" or "1991 (Estimated)" when only the year means anything."""
    if not value:
        return ""
    shown = show_date(value) if precision in (None, "exact") else format_date(value, "yyyy")
    return f"{shown} ({label_of('dob_precision', precision)})" if precision else shown


def show_datetime(value: datetime | None) -> str:
    return format_datetime(value, "medium") if value else ""


# The layout's parts that are the same on many pages (its links, the navigation, the language
# menu's buttons, its scripts), rendered once per application and kept: building their dozen
# links and labels through Jinja's call machinery was a tenth of a list page's CPU.
FRAGMENTS_KEPT = 512


class _NotInFragments:
    """What a kept fragment finds in place of the request, session, g or user: reading it fails."""

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError("a kept layout fragment shows only its inputs: pass the value it needs")

    def __str__(self) -> str:
        return self.__getattr__("__str__")


_HIDDEN_FROM_FRAGMENTS = dict.fromkeys(("request", "session", "g", "current_user"), _NotInFragments())


def layout_fragment(name: str, **inputs: Any) -> Markup:
    """templates/layout/<name>.html rendered with `inputs` alone, in the page's language: kept by
    those, the language and the application's root URL. The fragment sees no request, session or
    user (Jinja's environment, not Flask's render_template, with Flask's own globals hidden):
    whatever it shows must be one of its inputs, so a fragment kept for one reader is the one
    another reader would get."""
    kept: dict[tuple[object, ...], Markup] = current_app.extensions.setdefault("layout_fragments", {})
    key = (name, current_language(), request.script_root, *sorted(inputs.items()))
    found = kept.get(key)
    if found is None:
        if len(kept) >= FRAGMENTS_KEPT:
            kept.clear()
        template = current_app.jinja_env.get_template(f"layout/{name}.html")
        # Flask's request, session and g are globals of the environment too: hidden here.
        page = template.render(**{**_HIDDEN_FROM_FRAGMENTS, **inputs})
        found = kept[key] = Markup(page.strip())  # noqa: S704 - Jinja's autoescaped output
    return found


def init_app(app: Flask) -> None:
    @app.context_processor
    def _page_reader() -> dict[str, object]:
        reader = Reader()
        # The page's own label_of() and country_of() shadow the global ones below.
        return {"reader": reader, "label_of": reader.label_of, "country_of": reader.country_of}

    app.jinja_env.globals.update(
        label_of=label_of,
        country_of=country_of,
        language_of=language_of,
        current_language=current_language,
        interface_languages=interface_languages,
        text_direction=text_direction,
        endonym=endonym,
        show_birth_date=show_birth_date,
        layout_fragment=layout_fragment,
    )
    app.jinja_env.filters.update(
        show_date=_show_date, show_datetime=show_datetime, show_number=show_number,
        language_of=language_of, country_of=_country_of,
    )  # fmt: skip
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    _install_catalogue_lookups(app)


def _install_catalogue_lookups(app: Flask) -> None:
    """The templates' _() and ngettext() as Flask-Babel's, with the catalogue found once per page
    (the page's Reader): Flask-Babel looks it up again on every call (three context look-ups),
    and a page of cases calls _() some sixty times."""

    def catalogue(context: Context) -> NullTranslations:
        reader = _reader(context)
        return reader.catalogue if reader is not None else get_translations()

    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=pass_context(lambda context, s: catalogue(context).ugettext(s)),
        ngettext=pass_context(lambda context, s, p, n: catalogue(context).ungettext(s, p, n)),
        pgettext=pass_context(lambda context, c, s: catalogue(context).upgettext(c, s)),
        npgettext=pass_context(lambda context, c, s, p, n: catalogue(context).unpgettext(c, s, p, n)),
        newstyle=True,
    )
