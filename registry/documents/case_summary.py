"""The case summary sheet: the A4 record of one case for the file (person, case, timeline)."""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NamedTuple

from PIL import Image as PILImage
from PIL import ImageOps, UnidentifiedImageError
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    Spacer,
    Table,
    TableStyle,
)

from registry.documents.base import (
    INK,
    RULE,
    SHADE,
    DocumentBuilder,
    EndOfPart,
    LabelledDocument,
    Letterhead,
    para,
    qr_code,
    text_table,
)
from registry.documents.fonts import LATIN
from registry.domain.i18n import N_

# English fallbacks: the view passes translated labels; a missing key prints in English
# rather than failing the print. (Marked N_ so that the catalogues hold them all.)
DEFAULT_LABELS: Mapping[str, str] = MappingProxyType({
    "title": N_("Case summary"),
    "confidential": N_("Confidential"),
    "page_of": N_("Page %(page)s of %(pages)s"),
    "printed_by": N_("Printed by %(name)s at %(when)s"),
    "status": N_("Status"),
    "pathway": N_("Pathway"),
    "timeline": N_("Timeline"),
    "when": N_("When"),
    "who": N_("Who"),
    "from": N_("From"),
    "to": N_("To"),
    "reason": N_("Reason"),
    "no_events": N_("No events recorded."),
    "signatures": N_("Signatures"),
    "name": N_("Name"),
    "date": N_("Date"),
    "signature": N_("Signature"),
    "batch_title": N_("Case summaries"),
    "empty": "—",
})

QR_SIZE = 30 * mm
PHOTO_WIDTH = 28 * mm
PHOTO_MAX_HEIGHT = 36 * mm
# Longer side: about 280 dpi at the printed size (36 mm), which a laser printer does justice
# to; a camera's photo is scaled down, and a batch of sheets stays small.
PHOTO_MAX_PIXELS = 400
LABEL_WIDTH = 48 * mm
# When, Who, From, To; Reason takes the rest of the width.
TIMELINE_WIDTHS = (29 * mm, 32 * mm, 26 * mm, 26 * mm)
# A heading starts a new page unless this much room is left under it for its first rows.
KEEP_WITH_HEADING = 25 * mm
_EXIF_ORIENTATION = 0x0112


class ListSection(NamedTuple):
    """A section printed as a table with a header row (repeated on every page it runs over):
    household members, identity documents, open follow-ups...

    widths: in points, one per column; one may be None to take the rest of the width.
    empty: printed instead of the table when there are no rows.
    """

    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[str]]
    widths: Sequence[float | None]
    empty: str = ""


class TimelineRow(NamedTuple):
    when: str
    who: str
    from_status: str
    to_status: str
    reason: str


@dataclass(frozen=True)
class CaseSummaryData:
    """Everything the sheet prints, already translated and formatted as strings.

    labels: translated labels keyed as in DEFAULT_LABELS ("title", "confidential", "page_of"
    with %(page)s and %(pages)s, "printed_by" with %(name)s and %(when)s, "status",
    "pathway", "timeline", "when", "who", "from", "to", "reason", "no_events", "empty").
    sections: in print order, each either (section title, [(field label, value), ...]) or a
    ListSection (a table: household, documents, follow-ups...).
    timeline: rows of (when, who, from status, to status, reason), oldest first.
    photo: JPEG or PNG bytes, printed beside the title block.
    signatures: whose signature lines close the sheet (e.g. "Officer", "Supervisor").
    """

    organisation_name: str
    case_number: str
    verify_url: str
    status_label: str
    pathway_label: str
    printed_by: str
    printed_at: str
    labels: Mapping[str, str] = field(default_factory=dict)
    sections: Sequence[tuple[str, Sequence[tuple[str, str]]] | ListSection] = ()
    timeline: Sequence[TimelineRow | tuple[str, str, str, str, str]] = ()
    photo: bytes | None = None
    logo_path: str | None = None
    signatures: Sequence[str] = ()


class CaseSummary(LabelledDocument):
    """Builds the case summary sheet: `CaseSummary(data).build()` returns the PDF bytes."""

    default_labels = DEFAULT_LABELS
    data: CaseSummaryData

    def story(self) -> list[Flowable]:
        story: list[Flowable] = [self._title_block()]
        for section in self.data.sections:
            if isinstance(section, ListSection):
                body = self._list_table(section)
                title = section.title
            else:
                title, fields = section
                body = self._fields_table(fields)
            story += [CondPageBreak(KEEP_WITH_HEADING), para(title, "heading"), body]
        story += [CondPageBreak(KEEP_WITH_HEADING), para(self.labels["timeline"], "heading"),
                  self._timeline()]
        if self.data.signatures:
            story.append(signature_block(
                self.labels["signatures"], self.data.signatures, self.content_width,
                (self.labels["name"], self.labels["date"], self.labels["signature"])))
        return story

    def _title_block(self) -> Table:
        """Title, case number, status and pathway on the left; photo; QR code on the right."""
        labels, data = self.labels, self.data
        facts = Table(
            [[para(labels["status"], "label"), para(data.status_label, "value", bold=True)],
             [para(labels["pathway"], "label"), para(data.pathway_label, "value", bold=True)]],
            colWidths=[28 * mm, None],
            style=_compact(),
            hAlign="LEFT",
        )
        left = [para(labels["title"], "title"), para(data.case_number, "case_number"),
                Spacer(1, 4 * mm), facts]
        photo = _photo(data.photo)
        cells: list = [left]
        widths: list[float | None] = [None]
        if photo:
            cells.append(photo)
            widths.append(PHOTO_WIDTH + 6 * mm)
        if data.verify_url:
            cells.append([qr_code(data.verify_url, QR_SIZE), para(data.case_number, "caption")])
            widths.append(QR_SIZE + 2 * mm)
        last = len(cells) - 1
        return Table(
            [cells],
            colWidths=widths,
            style=TableStyle([
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                ("ALIGN", (1, 0), (-1, 0), "CENTER"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, RULE),
                ("LEFTPADDING", (last, 0), (last, 0), 2 * mm),
            ]),
        )

    def _fields_table(self, fields: Sequence[tuple[str, str]]) -> Table:
        empty = self.labels["empty"]
        rows = [(label, value or empty) for label, value in fields] or [(empty, "")]
        return text_table(rows, [LABEL_WIDTH, None], self.content_width, ["label", "value"],
                          commands=[("LEFTPADDING", (0, 0), (0, -1), 0)])

    def _list_table(self, section: ListSection) -> Flowable:
        if not section.rows:
            return para(section.empty or self.labels["empty"], "label")
        empty = self.labels["empty"]
        rows = [section.headers, *([value or empty for value in row] for row in section.rows)]
        return text_table(rows, section.widths, self.content_width, ["small"] * len(section.widths),
                          header_style="small_bold",
                          commands=[("BACKGROUND", (0, 0), (-1, 0), SHADE),
                                    ("LINEBELOW", (0, 0), (-1, 0), 0.6, RULE)])

    def _timeline(self) -> Flowable:
        if not self.data.timeline:
            return para(self.labels["no_events"], "label")
        empty = self.labels["empty"]
        header = [self.labels[key] for key in ("when", "who", "from", "to", "reason")]
        rows = [header, *([value or empty for value in row] for row in self.data.timeline)]
        return text_table(rows, [*TIMELINE_WIDTHS, None], self.content_width, ["small"] * 5,
                          header_style="small_bold",
                          commands=[("BACKGROUND", (0, 0), (-1, 0), SHADE),
                                    ("LINEBELOW", (0, 0), (-1, 0), 0.6, RULE)])


class CaseSummaryBatch(DocumentBuilder):
    """Many case summary sheets in one PDF, for printing a list of cases at once.

    Each sheet starts on a new page and numbers its own pages ("Page 1 of 2") with its own
    case number in the footer. The sheets are laid out one at a time from an iterable (a
    generator reading the cases in chunks), so memory does not grow with their number; the
    fonts are embedded once for the whole batch.
    """

    def __init__(self, sheets: Iterable[CaseSummaryData], letterhead: Letterhead,
                 title: str, pagesize: tuple[float, float] | None = None):
        super().__init__(letterhead, pagesize=pagesize)
        self.sheets = sheets
        self.title = title
        self.count = 0

    @property
    def document_name(self) -> str:
        return self.title

    def parts(self) -> Iterator[list[Flowable]]:
        for data in self.sheets:
            sheet = CaseSummary(data, pagesize=self.pagesize)
            story = sheet.story()
            if self.count:
                story.insert(0, PageBreak())
            story.append(EndOfPart(sheet.letterhead))
            self.count += 1
            yield story


def signature_block(title: str, signers: Sequence[str], width: float,
                    headers: tuple[str, str, str]) -> Flowable:
    """Lines to sign on: one row per signer (who, then name, date and signature to write by
    hand), kept on one page."""
    name, date, signature = headers
    gap = 5 * mm
    widths = [38 * mm, width - 38 * mm - 30 * mm - 55 * mm - 2 * gap, gap, 30 * mm, gap, 55 * mm]
    rows = [["", name, "", date, "", signature],
            *([para(signer, "small_bold"), "", "", "", "", ""] for signer in signers)]
    table = Table(
        rows,
        colWidths=widths,
        rowHeights=[None] + [14 * mm] * len(signers),
        style=TableStyle([
            ("FONT", (0, 0), (-1, 0), LATIN, 8, 9.6),
            ("TEXTCOLOR", (0, 0), (-1, 0), INK),
            ("VALIGN", (0, 1), (-1, -1), "BOTTOM"),
            *(("LINEBELOW", (column, 1), (column, -1), 0.6, RULE) for column in (1, 3, 5)),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ]),
        hAlign="LEFT",
    )
    return KeepTogether([para(title, "heading"), table])


def _compact() -> TableStyle:
    return TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
    ])


def _photo(photo: bytes | None) -> Flowable | None:
    """The photo as a flowable, upright, as a JPEG no larger than print needs; None if
    unreadable. A JPEG already small enough and upright is embedded as it is."""
    if not photo:
        return None
    try:
        with PILImage.open(io.BytesIO(photo)) as image:
            width, height = image.size
            rotated = image.getexif().get(_EXIF_ORIENTATION, 1) != 1
            if rotated or max(width, height) > PHOTO_MAX_PIXELS or image.format != "JPEG":
                # Decoding a JPEG at a fraction of its size (DCT scaling) is several times
                # faster than decoding it whole: a camera's 12-megapixel photo in milliseconds.
                ratio = min(1.0, PHOTO_MAX_PIXELS / max(width, height))
                image.draft("RGB", (math.ceil(width * ratio), math.ceil(height * ratio)))
                upright = ImageOps.exif_transpose(image) if rotated else image
                upright.thumbnail((PHOTO_MAX_PIXELS, PHOTO_MAX_PIXELS))
                out = io.BytesIO()
                upright.convert("RGB").save(out, "JPEG", quality=85)
                photo = out.getvalue()
                width, height = upright.size
            else:
                image.verify()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError,
            PILImage.DecompressionBombError):
        return None  # a damaged photo must not stop the print of the case file
    scale = min(PHOTO_WIDTH / width, PHOTO_MAX_HEIGHT / height)
    return JpegImage(photo, (width, height), width * scale, height * scale)


class _JpegReader(ImageReader):
    """A JPEG handed to the PDF as it is (DCTDecode), never decoded.

    ReportLab's own ImageReader decodes every image to pixels, digests them to name the
    image, and deflates them into the PDF: for a batch of 500 sheets that was seconds of
    work and a PDF several times larger. drawImage only needs, here, a name (a digest of the
    JPEG's bytes) and the file to copy.
    """

    def __init__(self, data: bytes, size: tuple[int, int]):
        # Not ImageReader.__init__: it opens the image with Pillow, to decode it later.
        self.fileName = "photo.jpg"
        self.fp = None
        self._image = None
        self._data = data
        self._dataA = None
        self._transparent = None
        self.mode = "RGB"
        self._width, self._height = size

    def getRGBData(self) -> bytes:  # only digested by drawImage, to name the image
        return self._data

    def jpeg_fh(self) -> io.BytesIO:
        return io.BytesIO(self._data)

    def getSize(self) -> tuple[int, int]:
        return self._width, self._height

    def getTransparent(self) -> None:
        return None


class JpegImage(Flowable):
    """A JPEG photo of a given printed size, embedded without being decoded."""

    def __init__(self, data: bytes, pixels: tuple[int, int], width: float, height: float):
        super().__init__()
        self.data = data
        self.pixels = pixels
        self.width = width
        self.height = height

    def wrap(self, available_width, available_height):
        return self.width, self.height

    def draw(self):
        self.canv.drawImage(_JpegReader(self.data, self.pixels), 0, 0, self.width, self.height,
                            mask=None)
