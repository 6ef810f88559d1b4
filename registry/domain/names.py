"""Names as search compares them: transliterated, accent- and case-folded."""

from __future__ import annotations

import re
import unicodedata

from unidecode import unidecode

_NOT_WORD = re.compile(r"[^a-z0-9]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def fold(text: str | None) -> str:
    """'Ndayishimiye, Jean-Pierre' -> 'ndayishimiye jean pierre'; Arabic and Ethiopic transliterated."""
    if not text:
        return ""
    latin = unidecode(unicodedata.normalize("NFKC", text))
    return _NOT_WORD.sub(" ", latin.lower()).strip()


def has_control_characters(text: str) -> bool:
    return bool(_CONTROL.search(text))


def clean(text: str | None) -> str:
    """Trim and normalise (NFC) what an officer typed; whitespace runs become one space."""
    if not text:
        return ""
    return " ".join(unicodedata.normalize("NFC", text).split())


# A name word longer than this is cut: nobody types more to find a person, and the index stays small.
TOKEN_MAX_LENGTH = 40
# A phone search needs this many digits: fewer would match a large share of all numbers.
PHONE_SEARCH_MIN_DIGITS = 6
_DIGITS = re.compile(r"\d")
_PHONE_LIKE = re.compile(r"^[\d\s()+./-]+$")


def name_tokens(search_name: str | None) -> list[str]:
    """The distinct words of a folded name, each one an entry of the name search index."""
    words = (word[:TOKEN_MAX_LENGTH] for word in (search_name or "").split())
    return list(dict.fromkeys(word for word in words if word))


def phone_digits_reversed(phone: str | None) -> str | None:
    """The phone's digits last first: a number typed without its country code or leading zero
    is then a prefix of the stored key, which an index finds."""
    digits = "".join(_DIGITS.findall(phone or ""))
    return digits[::-1] or None


def phone_search_key(text: str) -> str | None:
    """What a search box entry looks for among phone keys, if it looks like a phone number.

    The trunk prefix is dropped ('0712 345 678' finds '+255 712 345 678').
    """
    if not _PHONE_LIKE.match(text.strip()):
        return None
    digits = "".join(_DIGITS.findall(text)).lstrip("0")
    if len(digits) < PHONE_SEARCH_MIN_DIGITS:
        return None
    return digits[::-1]
