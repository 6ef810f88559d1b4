"""Countries and languages: codes from pycountry, names in the reader's language from CLDR (Babel)."""

from __future__ import annotations

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


def country_choices(locale: str = "en") -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(the region's countries in REGION_COUNTRIES order, every other country sorted by name)."""
    region = [(code, country_name(code, locale)) for code in REGION_COUNTRIES]
    others = sorted(
        ((code, country_name(code, locale)) for code in _countries() if code not in REGION_COUNTRIES),
        key=lambda pair: pair[1].casefold(),
    )
    return region, others


@lru_cache(maxsize=1)
def _languages() -> dict[str, tuple[str | None, str]]:
    """ISO 639-3 code -> (ISO 639-1 code if any, English name), living and macro languages."""
    table: dict[str, tuple[str | None, str]] = {}
    for language in pycountry.languages:
        code = getattr(language, "alpha_3", None)
        if code:
            table[code] = (getattr(language, "alpha_2", None), language.name)
    return table


def is_language(code: str | None) -> bool:
    return bool(code) and code in _languages()


def language_name(code: str | None, locale: str = "en") -> str:
    if not code:
        return ""
    entry = _languages().get(code)
    if entry is None:
        return code
    alpha_2, english = entry
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
