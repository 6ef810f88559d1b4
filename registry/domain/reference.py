"""Countries and languages: codes from pycountry, names in the reader's language from CLDR (Babel)."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import pycountry
from babel import Locale, UnknownLocaleError

from registry.domain.i18n import N_
from registry.domain.vocabulary import STATELESS, UNKNOWN_NATIONALITY

# Listed first wherever a country is chosen: the people this registry serves come mostly from here.
REGION_COUNTRIES = ("BDI", "COD", "RWA", "UGA", "KEN", "TZA", "SOM", "ETH", "ERI", "SSD", "SDN")
# Offered as ticks on the registration form; any other ISO 639-3 language can be typed.
COMMON_LANGUAGES = (
    "run", "swa", "fra", "eng", "kin", "lin", "lug", "som", "amh", "tir", "orm", "ara",
)  # fmt: skip

# Names officers use that ISO and CLDR spell otherwise.
LOCAL_LANGUAGE_NAMES = {
    "kirundi": "run", "kiswahili": "swa", "kinyarwanda": "kin", "luganda": "lug",
    "kiha": "haq", "mashi": "shr", "tshiluba": "lua", "kikongo": "kon",
}  # fmt: skip

# Where CLDR's name is not the one the region uses: "Rundi" and "roundi" are "Kirundi" in
# Burundi and Tanzania, in English and French alike; "Ganda" is "Luganda" in Uganda.
REGIONAL_LANGUAGE_NAMES = {
    ("run", "en"): "Kirundi", ("run", "fr"): "kirundi",
    ("lug", "en"): "Luganda", ("lug", "fr"): "luganda",
}  # fmt: skip

SPECIAL_NATIONALITIES = {
    STATELESS: N_("Stateless"),
    UNKNOWN_NATIONALITY: N_("Unknown nationality"),
}


@lru_cache(maxsize=1)
def _countries() -> dict[str, tuple[str, str]]:
    """alpha-3 -> (alpha-2, English name)."""
    return {c.alpha_3: (c.alpha_2, c.name) for c in pycountry.countries}


def is_country(code: str | None) -> bool:
    return bool(code) and code in _countries()


def is_nationality(code: str | None) -> bool:
    return is_country(code) or code in SPECIAL_NATIONALITIES


@lru_cache(maxsize=8)
def _locale(locale: str) -> Locale | None:
    try:
        return Locale.parse(locale)
    except (UnknownLocaleError, ValueError):
        return None


def country_name(code: str | None, locale: str = "en") -> str:
    """The country's name in `locale` from CLDR, falling back to pycountry's English name."""
    if not code:
        return ""
    entry = _countries().get(code)
    if entry is None:
        return code
    alpha_2, english = entry
    cldr = _locale(locale)
    if cldr is not None:
        name = cldr.territories.get(alpha_2)
        if name:
            return name
    return english


@lru_cache(maxsize=16)
def country_choices(locale: str = "en") -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """(the region's countries in REGION_COUNTRIES order, every other country sorted by name).

    Built once per language: the registration form alone shows six lists of countries."""
    region = tuple((code, country_name(code, locale)) for code in REGION_COUNTRIES)
    others = tuple(sorted(
        ((code, country_name(code, locale)) for code in _countries() if code not in REGION_COUNTRIES),
        key=lambda pair: sort_key(pair[1]),
    ))  # fmt: skip
    return region, others


def sort_key(name: str) -> str:
    """Alphabetical order as a reader expects it: "Égypte" between "Dominique" and "Érythrée",
    not after "Zimbabwe" (accents and case are ignored; Python alone compares code points)."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@lru_cache(maxsize=1)
def _languages() -> dict[str, tuple[str | None, str]]:
    """ISO 639-3 code -> (ISO 639-1 code if any, English name), living and macro languages."""
    table: dict[str, tuple[str | None, str]] = {}
    for language in pycountry.languages:
        code = getattr(language, "alpha_3", None)
        if code:
            table[code] = (getattr(language, "alpha_2", None), language.name)
    return table


# ISO 639-3 codes whose speakers read an interface language that has no ISO 639-1 code of
# its own: Swahili's individual languages (Kiswahili of Tanzania and Kenya, of the Congo).
_READS_INTERFACE_LANGUAGE = {"swh": "sw", "swc": "sw"}


def interface_language(code: str | None, offered: tuple[str, ...] | list[str]) -> str | None:
    """The offered interface language (ISO 639-1, e.g. "fr") that a speaker of `code`
    (ISO 639-3, e.g. "fra") reads, or None if none is offered."""
    if not code:
        return None
    entry = _languages().get(code)
    candidate = _READS_INTERFACE_LANGUAGE.get(code) or (entry[0] if entry else None)
    return candidate if candidate in offered else None


def print_language(
    person_languages: list[str] | tuple[str, ...],
    consent_language: str | None,
    officer_language: str,
    offered: tuple[str, ...] | list[str],
) -> str:
    """The language a document about a person is printed in when nobody chose one.

    The person's own language comes first, so that they can read what is printed about them:
    the language they were informed in at registration (they understood it), else the first
    of the languages they speak that documents are printed in; failing both, the officer's.
    """
    for code in (consent_language, *person_languages):
        language = interface_language(code, offered)
        if language:
            return language
    return officer_language


def is_language(code: str | None) -> bool:
    return bool(code) and code in _languages()


def language_name(code: str | None, locale: str = "en") -> str:
    if not code:
        return ""
    entry = _languages().get(code)
    if entry is None:
        return code
    alpha_2, english = entry
    regional = REGIONAL_LANGUAGE_NAMES.get((code, locale.split("_")[0]))
    if regional:
        return regional
    cldr = _locale(locale)
    if cldr is not None:
        name = cldr.languages.get(alpha_2 or code)
        if name:
            return name
    return english


@lru_cache(maxsize=1)
def _language_names() -> dict[str, str]:
    """Every spelling find_language() accepts (folded) -> ISO 639-3 code."""
    cldr_english = _locale("en")
    names: dict[str, str] = {}
    for code, (alpha_2, english) in _languages().items():
        names.setdefault(english.casefold(), code)
        names.setdefault(english.split(" (")[0].casefold(), code)
        if alpha_2:
            names.setdefault(alpha_2, code)
        if cldr_english is not None and cldr_english.languages.get(alpha_2 or code):
            names.setdefault(cldr_english.languages[alpha_2 or code].casefold(), code)
    names.update(LOCAL_LANGUAGE_NAMES)
    return names


def find_language(text: str) -> str | None:
    """An ISO 639-3 code from a code or an English name typed by an officer (case-insensitive)."""
    wanted = text.strip().casefold()
    if not wanted:
        return None
    if wanted in _languages():
        return wanted
    return _language_names().get(wanted)
