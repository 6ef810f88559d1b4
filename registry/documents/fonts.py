"""Fonts for printed documents: registers the shipped TrueType files and picks one per script.

ReportLab has no glyph fallback: a character missing from the current font prints as a
box. So text is cut into runs by script and each run is given a font that has its glyphs:
DejaVu Sans for Latin (with diacritics), Greek, Cyrillic, Hebrew and punctuation; Noto Sans
Arabic for Arabic script; Noto Sans Ethiopic for Ge'ez (Amharic, Tigrinya...).

Arabic needs two more steps that ReportLab does not do on its own without optional packages
(see docs/documents.md): contextual shaping (arabic_reshaper turns letters into their joined
presentation forms) and bidirectional reordering (python-bidi's get_display turns logical
order into the left-to-right visual order that the PDF is drawn in).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from pathlib import Path
from xml.sax.saxutils import escape

import arabic_reshaper
from bidi import get_display
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).with_name("fonts")

LATIN = "DejaVuSans"
LATIN_BOLD = "DejaVuSans-Bold"
ARABIC = "NotoSansArabic"
ARABIC_BOLD = "NotoSansArabic-Bold"
ETHIOPIC = "NotoSansEthiopic"
ETHIOPIC_BOLD = "NotoSansEthiopic-Bold"

# (family, regular name, regular file, bold name, bold file)
_FAMILIES = (
    (LATIN, LATIN, "DejaVuSans.ttf", LATIN_BOLD, "DejaVuSans-Bold.ttf"),
    (ARABIC, ARABIC, "NotoSansArabic-Regular.ttf", ARABIC_BOLD, "NotoSansArabic-Bold.ttf"),
    (ETHIOPIC, ETHIOPIC, "NotoSansEthiopic-Regular.ttf", ETHIOPIC_BOLD,
     "NotoSansEthiopic-Bold.ttf"),
)

_registered = False
_lock = threading.Lock()


def register_fonts() -> None:
    """Register the shipped fonts with ReportLab, once per process (safe to call from threads)."""
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        for family, regular, regular_file, bold, bold_file in _FAMILIES:
            pdfmetrics.registerFont(TTFont(regular, str(FONT_DIR / regular_file)))
            pdfmetrics.registerFont(TTFont(bold, str(FONT_DIR / bold_file)))
            # No italics are shipped: <i> falls back to upright. The italic mappings go first
            # because the last mapping of a name wins ReportLab's reverse lookup, and <b>
            # inside a paragraph must see the regular face as "not bold, not italic".
            addMapping(family, 0, 1, regular)
            addMapping(family, 1, 1, bold)
            addMapping(family, 0, 0, regular)
            addMapping(family, 1, 0, bold)
        _registered = True


# Script ranges. Arabic covers the base block, supplement, extended blocks and the
# presentation forms that arabic_reshaper produces.
_ARABIC_CHARS = "\u0600-\u06ff\u0750-\u077f\u0870-\u08ff\ufb50-\ufdff\ufe70-\ufeff"
_ETHIOPIC_CHARS = "\u1200-\u139f\u2d80-\u2ddf\uab00-\uab2f\U0001e7e0-\U0001e7ff"
# Any right-to-left script (Hebrew, Arabic, Syriac, Thaana, N'Ko...): triggers bidi reordering.
_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")
# A run of one script, with the spaces between its words (but not around it).
_RUN = re.compile(
    f"(?P<arabic>[{_ARABIC_CHARS}](?:[\\s{_ARABIC_CHARS}]*[{_ARABIC_CHARS}])?)"
    f"|(?P<ethiopic>[{_ETHIOPIC_CHARS}](?:[\\s{_ETHIOPIC_CHARS}]*[{_ETHIOPIC_CHARS}])?)"
)
_NEEDS_FONT_SWITCH = re.compile(f"[{_ARABIC_CHARS}{_ETHIOPIC_CHARS}]")
# Characters that cannot be printed or are not valid in the paragraph markup: C0/C1
# controls (except tab and newline) and lone surrogates.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

_FONT_FOR = {
    ("arabic", False): ARABIC,
    ("arabic", True): ARABIC_BOLD,
    ("ethiopic", False): ETHIOPIC,
    ("ethiopic", True): ETHIOPIC_BOLD,
}


def single_font(text: str) -> bool:
    """True if the Latin font alone prints `text` in logical order (no markup needed)."""
    return not _NEEDS_FONT_SWITCH.search(text) and not _RTL.search(text)


def printable(text: str) -> str:
    """`text` without control characters and lone surrogates, which no font can print."""
    return _UNPRINTABLE.sub("", text)


def is_rtl(text: str) -> bool:
    """True if the text's first strong character is right-to-left (Unicode bidi rule P2)."""
    if not _RTL.search(text):
        return False
    for char in text:
        direction = unicodedata.bidirectional(char)
        if direction == "L":
            return False
        if direction in ("R", "AL"):
            return True
    return False


def visual(line: str, rtl: bool = False) -> str:
    """One line of text in drawing order: Arabic joined, right-to-left runs reversed.

    `rtl` is the paragraph's direction. A line must already be a whole printed line:
    reordering before line breaking would put the end of a long text on the first line.
    """
    if not _RTL.search(line):
        return line
    return get_display(arabic_reshaper.reshape(line), base_dir="R" if rtl else "L")


def runs(line: str, bold: bool = False, rtl: bool = False) -> list[tuple[str | None, str]]:
    """Split one line into (font name, text) runs in drawing order.

    The font name is None for text that the base (Latin) font prints.
    """
    line = visual(_UNPRINTABLE.sub("", line), rtl)
    if not _NEEDS_FONT_SWITCH.search(line):
        return [(None, line)] if line else []
    result: list[tuple[str | None, str]] = []
    position = 0
    for match in _RUN.finditer(line):
        if match.start() > position:
            result.append((None, line[position:match.start()]))
        result.append((_FONT_FOR[match.lastgroup, bold], match.group()))
        position = match.end()
    if position < len(line):
        result.append((None, line[position:]))
    return result


def markup(text: str, bold: bool = False, rtl: bool | None = None) -> str:
    """Paragraph markup for plain text: escaped, with each script run in a font that has it.

    Latin text takes the paragraph style's font; Arabic and Ethiopic runs are wrapped in
    <font name="..."> tags (bold faces when `bold`, since a <font> tag resets ReportLab's
    bold flag). Each line (newlines become line breaks) is put in drawing order, in the
    direction `rtl` or, if None, the direction of the text's first strong character.
    """
    if text is None:
        return ""
    text = str(text)
    if single_font(text):
        # The common case (Latin script only): escaping is all there is to do.
        escaped = escape(_UNPRINTABLE.sub("", text))
        return escaped.replace("\n", "<br/>") if "\n" in escaped else escaped
    if rtl is None:
        rtl = is_rtl(text)
    lines = []
    for line in text.split("\n"):
        parts = []
        for font, run in runs(line, bold, rtl):
            if font is None:
                parts.append(escape(run))
            else:
                parts.append(f'<font name="{font}">{escape(run)}</font>')
        lines.append("".join(parts))
    return "<br/>".join(lines)


def string_width(text: str, size: float, bold: bool = False) -> float:
    """Width in points of one line of text printed with the fonts chosen by script."""
    register_fonts()
    base = LATIN_BOLD if bold else LATIN
    return sum(pdfmetrics.stringWidth(run, font or base, size) for font, run in runs(text, bold))


def draw_string(canvas, x: float, y: float, text: str, size: float = 8, bold: bool = False,
                anchor: str = "start") -> float:
    """Draw one line of text on a canvas, switching fonts by script; returns its width.

    `anchor` is "start" (x is the left edge), "end" (x is the right edge) or "middle".
    """
    register_fonts()
    base = LATIN_BOLD if bold else LATIN
    text = text.replace("\n", " ")
    pieces = [(font or base, run) for font, run in runs(text, bold, is_rtl(text))]
    widths = [pdfmetrics.stringWidth(run, font, size) for font, run in pieces]
    total = sum(widths)
    if anchor == "end":
        x -= total
    elif anchor == "middle":
        x -= total / 2
    for (font, run), width in zip(pieces, widths):
        canvas.setFont(font, size)
        canvas.drawString(x, y, run)
        x += width
    return total
