"""What every printed document shares: page furniture, styles, the QR code, build to bytes."""

from __future__ import annotations

import functools
import io
import re
from types import MappingProxyType
from typing import IO, Any
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from reportlab import rl_config
from reportlab.graphics.barcode import qrencoder
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    LongTable,
    PageTemplate,
    Paragraph,
    Table,
    TableStyle,
)

from registry.documents.fonts import (
    ARABIC,
    ARABIC_BOLD,
    ETHIOPIC,
    ETHIOPIC_BOLD,
    LATIN,
    LATIN_BOLD,
    is_rtl,
    markup,
    printable,
    register_fonts,
    single_font,
    string_width,
)

# ReportLab's default wraps every compressed stream in ASCII85 as well: a quarter bigger and,
# without the rl_accel extension, a tenth of a case sheet's build time. Binary PDF is fine
# everywhere today. (A process-wide setting: ReportLab has no per-document switch.)
rl_config.useA85 = 0

INK = colors.HexColor("#1a1a1a")
MUTED = colors.HexColor("#555555")
RULE = colors.HexColor("#9a9a9a")
HAIRLINE = colors.HexColor("#d0d0d0")
SHADE = colors.HexColor("#eeeeee")
CONFIDENTIAL_RED = colors.HexColor("#9b1c1c")

MARGIN = 18 * mm
HEADER_HEIGHT = 16 * mm  # from the top edge of the paper to the header rule
FOOTER_HEIGHT = 14 * mm  # from the bottom edge of the paper to the footer rule


def style(name: str, size: float = 9, bold: bool = False, color=INK, leading: float | None = None,
          **kwargs) -> ParagraphStyle:
    return ParagraphStyle(
        name,
        fontName=LATIN_BOLD if bold else LATIN,
        fontSize=size,
        leading=leading or round(size * 1.3, 1),
        textColor=color,
        **kwargs,
    )


STYLES = {
    "title": style("title", 16, bold=True, leading=20),
    "case_number": style("case_number", 13, bold=True, leading=17, spaceBefore=2),
    "heading": style("heading", 10.5, bold=True, leading=14, spaceBefore=10, spaceAfter=3),
    # Table cell styles: leading 1.2 x size (see _cell_font).
    "label": style("label", 8.5, color=MUTED, leading=10.2),
    "value": style("value", 9, leading=10.8),
    "small": style("small", 8, leading=9.6),
    "small_bold": style("small_bold", 8, bold=True, leading=9.6),
    "caption": style("caption", 8, bold=True, leading=10, alignment=TA_CENTER),
    "header_org": style("header_org", 10, bold=True, leading=12),
    "header_right": style("header_right", 9, bold=True, leading=11, alignment=TA_RIGHT,
                          color=CONFIDENTIAL_RED),
    "footer": style("footer", 7.5, color=MUTED, leading=9),
    "footer_right": style("footer_right", 7.5, color=MUTED, leading=9, alignment=TA_RIGHT),
}


def para(text: str, style_name: str = "value", bold: bool | None = None) -> Flowable:
    """A paragraph of plain (untrusted, unescaped) text in one of STYLES."""
    chosen = STYLES[style_name]
    if bold is None:
        bold = chosen.fontName == LATIN_BOLD
    else:
        chosen = _BOLD_STYLES[style_name] if bold else chosen
    text = "" if text is None else str(text)
    if single_font(text):
        return Paragraph(markup(text), chosen)
    return ScriptParagraph(text, chosen, bold)


class ScriptParagraph(Flowable):
    """A paragraph mixing scripts, broken into lines before right-to-left runs are reordered.

    ReportLab reorders nothing itself (without rlbidi) and breaks lines after markup() has
    put each line in drawing order; for Arabic text longer than a line that would print the
    last words first. So the lines are broken here in reading order at the width offered,
    and each is then shaped, reordered and marked up on its own. Right-to-left text that
    takes more than one line is right-aligned.
    """

    def __init__(self, text: str, style: ParagraphStyle, bold: bool = False):
        super().__init__()
        self.text = text
        self.style = style
        self.bold = bold
        self.rtl = is_rtl(text)
        self._paragraph: Paragraph | None = None
        self._broken_at: float | None = None

    def _layout(self, available_width: float) -> Paragraph:
        if self._paragraph is None or available_width != self._broken_at:
            size = self.style.fontSize
            lines = wrap_lines(self.text, available_width,
                               lambda text: string_width(text, size, self.bold),
                               _widest_space(size))
            chosen = self.style
            if self.rtl and len(lines) > 1:
                chosen = ParagraphStyle(f"{chosen.name}_rtl", parent=chosen, alignment=TA_RIGHT)
            self._paragraph = Paragraph(
                "<br/>".join(markup(line, self.bold, self.rtl) for line in lines), chosen)
            self._broken_at = available_width
        return self._paragraph

    def wrap(self, available_width, available_height):
        self.width, self.height = self._layout(available_width).wrap(available_width,
                                                                     available_height)
        return self.width, self.height

    def split(self, available_width, available_height):
        return self._layout(available_width).split(available_width, available_height)

    def draw(self):
        self._paragraph.drawOn(self.canv, 0, 0)

    def getSpaceBefore(self):
        return self.style.spaceBefore

    def getSpaceAfter(self):
        return self.style.spaceAfter


@functools.lru_cache(maxsize=32)
def _widest_space(size: float) -> float:
    register_fonts()
    return max(pdfmetrics.stringWidth(" ", font, size)
               for font in (LATIN_BOLD, ARABIC_BOLD, ETHIOPIC_BOLD, LATIN, ARABIC, ETHIOPIC))


CELL_PADDING = {"LEFTPADDING": 3, "RIGHTPADDING": 4, "TOPPADDING": 3, "BOTTOMPADDING": 3}


def text_table(rows: Sequence[Sequence[str]], widths: Sequence[float | None], total_width: float,
               column_styles: Sequence[str], header_style: str | None = None,
               commands: Sequence[tuple] = (), **kwargs) -> Table:
    """A table of plain text with hairlines between rows; long values wrap, rows may split.

    widths: one may be None, taking what the others leave of total_width. column_styles
    name a STYLES entry per column; header_style, if given, styles row 0 and repeats it on
    every page. Text that one font prints is pre-wrapped into the cell as a string, which
    ReportLab draws much faster than a Paragraph (a 2,000-event timeline has 10,000 cells);
    other text (Arabic, Ethiopic) becomes a Paragraph with per-script fonts.
    """
    free = total_width - sum(width for width in widths if width is not None)
    widths = [free if width is None else width for width in widths]
    inner = [width - CELL_PADDING["LEFTPADDING"] - CELL_PADDING["RIGHTPADDING"]
             for width in widths]
    data = []
    for index, row in enumerate(rows):
        names = [header_style] * len(row) if header_style and index == 0 else column_styles
        data.append([_cell(value, name, width) for value, name, width in zip(row, names, inner)])
    first = 1 if header_style else 0
    table_style = [("VALIGN", (0, 0), (-1, -1), "TOP"),
                   *((key, (0, 0), (-1, -1), value) for key, value in CELL_PADDING.items()),
                   ("LINEBELOW", (0, 0), (-1, -1), 0.25, HAIRLINE)]
    if len(data) > first:
        for column, name in enumerate(column_styles):
            table_style += _cell_font((column, first), (column, -1), name)
    if header_style:
        table_style += _cell_font((0, 0), (-1, 0), header_style)
    table_style += commands
    return LongTable(data, colWidths=widths, style=TableStyle(table_style),
                     repeatRows=1 if header_style else 0, splitInRow=MIN_ROW_SPLIT,
                     hAlign="LEFT", **kwargs)


# Rows may split across pages (a 10,000-character reason) if at least this much fits.
MIN_ROW_SPLIT = 24


def _cell(value: str | None, style_name: str, width: float) -> str | Flowable:
    value = "" if value is None else str(value)
    if single_font(value):
        chosen = STYLES[style_name]
        font, size = chosen.fontName, chosen.fontSize
        return "\n".join(wrap_lines(value, width, lambda text: pdfmetrics.stringWidth(
            text, font, size)))
    return para(value, style_name)


def _cell_font(start: tuple[int, int], end: tuple[int, int], style_name: str) -> list[tuple]:
    """Table commands giving string cells the font of a STYLES entry.

    ReportLab splits a string cell between lines as if its leading were 1.2 x the font
    size, so the cell styles use exactly that leading.
    """
    chosen = STYLES[style_name]
    return [("FONT", start, end, chosen.fontName, chosen.fontSize, chosen.leading),
            ("TEXTCOLOR", start, end, chosen.textColor)]


def wrap_lines(value: str, width: float, measure: Callable[[str], float],
               space: float | None = None) -> list[str]:
    """Break text into lines no wider than `width`, at spaces, in reading order.

    measure gives the printed width of a piece of text; space, the width allowed for a
    space between words (by default measured). A word wider than a line is cut where it
    overflows. Newlines are kept as line breaks.
    """
    value = printable(value)
    if "\n" not in value and measure(value) <= width:
        return [" ".join(value.split())]  # most values: one short line
    if space is None:
        space = measure(" ")
    lines: list[str] = []
    for paragraph in value.split("\n"):
        line: list[str] = []
        line_width = 0.0
        for word in paragraph.split():
            word_width = measure(word)
            if word_width > width:
                if line:
                    lines.append(" ".join(line))
                *whole, word = _cut_word(word, width, measure)
                lines.extend(whole)
                line, line_width = [word], measure(word)
            elif line and line_width + space + word_width > width:
                lines.append(" ".join(line))
                line, line_width = [word], word_width
            else:
                line_width += (space if line else 0) + word_width
                line.append(word)
        lines.append(" ".join(line))
    return lines


def _cut_word(word: str, width: float, measure: Callable[[str], float]) -> list[str]:
    pieces, start, used = [], 0, 0.0
    for index, char in enumerate(word):
        char_width = measure(char)
        if used + char_width > width and index > start:
            pieces.append(word[start:index])
            start, used = index, 0.0
        used += char_width
    pieces.append(word[start:])
    return pieces


_BOLD_STYLES = {name: ParagraphStyle(f"{name}_bold", parent=chosen, fontName=LATIN_BOLD)
                for name, chosen in STYLES.items()}


def fill(template: str, **values: str) -> str:
    """Fill a translated %(name)s template; a broken translation must not stop a print."""
    try:
        return template % values
    except (KeyError, ValueError, TypeError):
        return " ".join([template, *values.values()])


class QrCode(Flowable):
    """A QR code of `url`, `size` points square including the quiet zone, drawn as vectors.

    Uses ReportLab's own encoder (the one behind reportlab.graphics.barcode.qr) but draws
    each run of dark modules as one rectangle of a single path: the stock QrCodeWidget
    encodes twice and draws one shape per module, a third of a case sheet's build time.
    """

    def __init__(self, url: str, size: float = 30 * mm, border: int = 4):
        super().__init__()
        self.url = url
        self.size = size
        self.border = border
        self.width = self.height = size
        self._modules = _qr_modules(url)

    def wrap(self, available_width, available_height):
        return self.size, self.size

    def draw(self):
        count = len(self._modules)
        module = self.size / (count + 2 * self.border)
        # One rectangle per horizontal run of dark modules, in module units (row 0 on top),
        # written as a single fill: a few hundred short operators instead of a shape each.
        runs = []
        for row_index, row in enumerate(self._modules):
            y = count - 1 - row_index
            start = None
            for col_index, dark in enumerate((*row, False)):
                if dark and start is None:
                    start = col_index
                elif not dark and start is not None:
                    runs.append(f"{start} {y} {col_index - start} 1 re")
                    start = None
        canvas = self.canv
        canvas.saveState()
        canvas.translate(self.border * module, self.border * module)
        canvas.scale(module, module)
        canvas.setFillColor(colors.black)
        canvas.addLiteral("\n".join(runs) + "\nf")
        canvas.restoreState()


def _qr_modules(url: str) -> list[list[bool]]:
    """The module matrix of `url` (level M), with the mask chosen by the standard's penalty.

    ReportLab's encoder scores the eight masks by laying the symbol out eight times and
    walking it cell by cell in Python (about a fifth of a case sheet's build time). The
    same choice is made here on rows held as integers: lay out once, flip the data modules
    for each mask, score with regular expressions and bit operations.
    """
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(url)
    code.version = code.calculate_version()
    code.makeImpl(True, 0)  # "test" layout: format bits left light, as the standard scores
    size = code.moduleCount
    rows = [int("".join("1" if dark else "0" for dark in row), 2) for row in code.modules]
    flips = _MASK_FLIPS.get(code.version)
    if flips is None:
        flips = _MASK_FLIPS.setdefault(code.version, _mask_flips(size, code.dataPosIterator()))
    best = min(range(8), key=lambda mask: (
        _penalty([row ^ flip for row, flip in zip(rows, flips[mask])], size), mask))
    code.makeImpl(False, best)
    return code.modules


_RUN = re.compile(r"0{5,}|1{5,}")
_FINDER_LIKE = re.compile(r"(?=10111010000|00001011101)")


def _penalty(rows: list[int], size: int) -> int:
    """ISO/IEC 18004 mask penalty (rules N1 to N4) of a symbol given as row integers."""
    lines = [format(row, f"0{size}b") for row in rows]
    columns = ["".join(column) for column in zip(*lines)]
    score = 0
    for line in lines + columns:
        score += sum(len(run) - 2 for run in _RUN.findall(line))  # N1: 3 + (run - 5)
        score += 40 * len(_FINDER_LIKE.findall(line))  # N3
    full = (1 << size) - 1
    for upper, lower in zip(rows, rows[1:]):  # N2: 2x2 blocks of one colour
        same_vertically = ~(upper ^ lower) & full
        same_across = ~(upper ^ (upper >> 1)) & (full >> 1)
        score += 3 * (same_vertically & (same_vertically >> 1) & same_across).bit_count()
    dark = sum(line.count("1") for line in lines)
    score += 10 * (abs(100 * dark // (size * size) - 50) // 5)  # N4
    return score


_MASK_FLIPS: dict[int, list[list[int]]] = {}  # by QR version


def _mask_flips(size: int, positions: Sequence[tuple[int, int]]) -> list[list[int]]:
    """For each mask, per row, the bits that differ from mask 0 on data modules."""
    masks = [qrencoder.QRUtil.getMask(mask) for mask in range(8)]
    flips = [[0] * size for _ in range(8)]
    for col, row in positions:
        base = masks[0](row, col)
        bit = 1 << (size - 1 - col)
        for mask in range(1, 8):
            if masks[mask](row, col) != base:
                flips[mask][row] |= bit
    return flips


def qr_code(url: str, size: float = 30 * mm) -> QrCode:
    """A QR code flowable holding exactly `url`."""
    return QrCode(url, size)


@dataclass(frozen=True)
class Letterhead:
    """What every page of a document carries, already translated and formatted.

    page_of is a template with %(page)s and %(pages)s, e.g. "Page %(page)s of %(pages)s".
    printed is the whole footer sentence, e.g. "Printed by A. Officer at 2026-03-01 14:05".
    case_number may be empty for documents that are not about one case (a manifest).
    """

    organisation_name: str
    confidential: str
    page_of: str
    printed: str
    case_number: str = ""
    logo_path: str | None = None


class EndOfPart(Flowable):
    """Marks the end of one part of a document (one case's sheet in a batch): its pages are
    numbered "Page X of Y" among themselves and carry that part's letterhead."""

    # Placed on the part's last page even when that page is full (never on a page of its own).
    _ZEROSIZE = True

    def __init__(self, letterhead: Letterhead):
        super().__init__()
        self.letterhead = letterhead
        self.width = self.height = 0

    def wrap(self, available_width, available_height):
        return 0, 0

    def draw(self):
        self.canv.end_part(self.letterhead)


class _NumberedCanvas(Canvas):
    """Holds the pages of the current part until it ends, so each can say "Page X of Y" with
    the true Y; then draws their header and footer and writes them out. A document of one
    part (most) is held to the end; a batch of sheets holds one sheet at a time."""

    def __init__(self, *args, draw_furniture, letterhead: Letterhead, **kwargs):
        super().__init__(*args, **kwargs)
        self._draw_furniture = draw_furniture
        self._letterhead = letterhead
        self._pages: list[dict] = []
        self._part_ends: Letterhead | None = None

    def end_part(self, letterhead: Letterhead) -> None:
        self._part_ends = letterhead

    def showPage(self):
        self._pages.append(dict(self.__dict__))
        self._startPage()
        if self._part_ends is not None:
            self._write_part(self._part_ends)

    def _write_part(self, letterhead: Letterhead) -> None:
        pages = self._pages
        for number, page in enumerate(pages, start=1):
            self.__dict__.update(page)
            self._draw_furniture(self, letterhead, number, len(pages))
            super().showPage()
        self._pages = []
        self._part_ends = None

    def save(self):
        if self._pages:
            self._write_part(self._part_ends or self._letterhead)
        super().save()


class _PartByPartStory(list):
    """The story handed to ReportLab one part at a time: platypus takes flowables from the
    front of its list and asks its length before each, so the next part's flowables are made
    only when the previous part has been laid out, and memory does not grow with the parts."""

    def __init__(self, parts: Iterator[list[Flowable]]):
        super().__init__()
        self._parts = parts

    def __len__(self) -> int:
        while not list.__len__(self):
            part = next(self._parts, None)
            if part is None:
                return 0
            self.extend(part)
        return list.__len__(self)


class DocumentBuilder:
    """Base class of the printed documents: subclasses provide `document_name` and `story()`.

    `build()` lays the story out on pages that carry the letterhead (organisation, logo,
    "Confidential", case number, "Page X of Y", who printed it and when) and returns the PDF.
    The metadata holds only the document name and case number: never personal data.
    """

    pagesize = A4

    def __init__(self, letterhead: Letterhead, pagesize: tuple[float, float] | None = None):
        self.letterhead = letterhead
        if pagesize is not None:
            self.pagesize = pagesize
        self._logo: ImageReader | None = None

    @property
    def document_name(self) -> str:
        raise NotImplementedError

    def story(self) -> list[Flowable]:
        raise NotImplementedError

    def parts(self) -> Iterator[list[Flowable]]:
        """The story in parts, each numbered on its own pages and ending with EndOfPart; by
        default one part, the whole story, under the document's letterhead."""
        yield self.story()

    @property
    def content_width(self) -> float:
        return self.pagesize[0] - 2 * MARGIN

    def metadata_title(self) -> str:
        return " ".join(part for part in (self.document_name, self.letterhead.case_number) if part)

    def build(self) -> bytes:
        buffer = io.BytesIO()
        self.build_into(buffer)
        return buffer.getvalue()

    def build_into(self, output: IO[bytes]) -> None:
        """Write the PDF to a file object (a temporary file, for a large batch)."""
        register_fonts()
        doc = BaseDocTemplate(
            output,
            pagesize=self.pagesize,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=HEADER_HEIGHT + 5 * mm,
            bottomMargin=FOOTER_HEIGHT + 4 * mm,
            title=self.metadata_title(),
            author=self.letterhead.organisation_name,
            subject=self.document_name,
            creator="registry",
            invariant=1,
            initialFontName=LATIN,
        )
        frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body",
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        doc.addPageTemplates([PageTemplate(id="page", frames=[frame], pagesize=self.pagesize)])
        self._logo = self._load_logo()
        doc.build(
            _PartByPartStory(self.parts()),
            canvasmaker=lambda *args, **kwargs: _NumberedCanvas(
                *args, draw_furniture=self._draw_furniture, letterhead=self.letterhead,
                **kwargs),
        )

    def _load_logo(self) -> ImageReader | None:
        if not self.letterhead.logo_path:
            return None
        try:
            return ImageReader(self.letterhead.logo_path)
        except OSError:
            return None  # a missing logo file must not stop a print

    def _draw_furniture(self, canvas: Canvas, letterhead: Letterhead, page: int,
                        pages: int) -> None:
        """Header and footer of one page, drawn once the number of pages of its part is known."""
        width, height = self.pagesize
        inner = width - 2 * MARGIN
        canvas.saveState()

        # Header: logo and organisation on the left, "Confidential" on the right, a rule.
        rule_y = height - HEADER_HEIGHT
        x = MARGIN
        if self._logo is not None:
            logo_height = 9 * mm
            image_width, image_height = self._logo.getSize()
            logo_width = min(logo_height * image_width / image_height, 30 * mm)
            canvas.drawImage(self._logo, x, rule_y + 2 * mm, logo_width, logo_height,
                             preserveAspectRatio=True, anchor="sw", mask="auto")
            x += logo_width + 3 * mm
        right_width = 50 * mm if letterhead.confidential else 0
        organisation, confidential, printed = self._furniture(letterhead)
        _draw_paragraph(canvas, organisation, x, rule_y + 2 * mm,
                        MARGIN + inner - right_width - (4 * mm if right_width else 0) - x)
        if right_width:
            _draw_paragraph(canvas, confidential, MARGIN + inner - right_width, rule_y + 2 * mm,
                            right_width)
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.6)
        canvas.line(MARGIN, rule_y, MARGIN + inner, rule_y)

        # Footer: a rule; who printed it on the left; case number and page on the right.
        rule_y = FOOTER_HEIGHT
        canvas.line(MARGIN, rule_y, MARGIN + inner, rule_y)
        page_of = fill(letterhead.page_of, page=str(page), pages=str(pages))
        right = " · ".join(part for part in (letterhead.case_number, page_of) if part)
        right_width = 70 * mm
        _draw_paragraph(canvas, para(right, "footer_right"), MARGIN + inner - right_width,
                        rule_y - 2 * mm, right_width, top=True)
        _draw_paragraph(canvas, printed, MARGIN, rule_y - 2 * mm, inner - right_width - 4 * mm,
                        top=True)
        canvas.restoreState()

    def _furniture(self, letterhead: Letterhead) -> tuple[Flowable, Flowable, Flowable]:
        """The header and footer paragraphs that are the same on every page, made once per
        document (the parts of a batch share them)."""
        key = (letterhead.organisation_name, letterhead.confidential, letterhead.printed)
        cache = self.__dict__.setdefault("_furniture_cache", {})
        if key not in cache:
            cache.clear()
            cache[key] = (para(letterhead.organisation_name, "header_org"),
                          para(letterhead.confidential, "header_right"),
                          para(letterhead.printed, "footer"))
        return cache[key]


def _draw_paragraph(canvas: Canvas, paragraph: Flowable, x: float, y: float, width: float,
                    top: bool = False) -> None:
    """Draw a paragraph with its bottom (or, with top=True, its top) edge at y."""
    _, height = paragraph.wrap(width, 1000)
    paragraph.drawOn(canvas, x, y - height if top else y)


class LabelledDocument(DocumentBuilder):
    """A document drawn from one data record: its translated `labels` complete the class's
    `default_labels`, its letterhead comes from the record (organisation_name, printed_by,
    printed_at, logo_path, and `reference()`: the case number), its name is the "title" label."""

    default_labels: Mapping[str, str] = MappingProxyType({})
    confidential = True  # False for the person's own paper: no "Confidential" on it

    def __init__(self, data: Any, pagesize: tuple[float, float] | None = None):
        self.data = data
        self.labels = {**self.default_labels, **data.labels}
        super().__init__(
            Letterhead(
                organisation_name=data.organisation_name,
                confidential=self.labels["confidential"] if self.confidential else "",
                page_of=self.labels["page_of"],
                printed=fill(self.labels["printed_by"], name=data.printed_by,
                             when=data.printed_at),
                case_number=self.reference(data),
                logo_path=data.logo_path,
            ),
            pagesize=pagesize,
        )

    @staticmethod
    def reference(data: Any) -> str:
        return data.case_number

    @property
    def document_name(self) -> str:
        return self.labels["title"]
