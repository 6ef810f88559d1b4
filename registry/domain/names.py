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
