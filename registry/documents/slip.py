"""The registration slip: the half-A4 paper the person keeps, with their case number and QR code."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from reportlab.lib.pagesizes import A5
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer, Table, TableStyle

from registry.documents.base import (
    RULE,
    LabelledDocument,
    para,
    qr_code,
    text_table,
)
from registry.domain.i18n import N_

DEFAULT_LABELS: Mapping[str, str] = MappingProxyType({
    "title": N_("Registration slip"),
    "page_of": N_("Page %(page)s of %(pages)s"),
    "printed_by": N_("Printed by %(name)s at %(when)s"),
    "case_number": N_("Case number"),
    "empty": "—",
})

QR_SIZE = 38 * mm
LABEL_WIDTH = 34 * mm


@dataclass(frozen=True)
class SlipData:
    """What the slip prints, already translated: nothing sensitive (no birth date, no
    nationality, no protection needs), since the person carries it and may lose it.

    facts: (label, value) rows: border point, date of registration, where to come back...
    instructions: sentences printed under the facts ("Keep this slip...").
    """

    organisation_name: str
    case_number: str
    verify_url: str
    name: str
    printed_by: str
    printed_at: str
    facts: Sequence[tuple[str, str]] = ()
    instructions: Sequence[str] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    logo_path: str | None = None


class RegistrationSlip(LabelledDocument):
    """Builds the slip: `RegistrationSlip(data).build()` returns the PDF bytes (A5: half A4)."""

    pagesize = A5
    default_labels = DEFAULT_LABELS
    confidential = False  # the person's own paper
    data: SlipData

    def story(self) -> list[Flowable]:
        data, labels = self.data, self.labels
        left = [para(labels["title"], "title"), Spacer(1, 3 * mm),
                para(data.name or labels["empty"], "case_number"), Spacer(1, 3 * mm),
                para(labels["case_number"], "label"), para(data.case_number, "title")]
        head = Table(
            [[left, [qr_code(data.verify_url, QR_SIZE)]]],
            colWidths=[None, QR_SIZE + 2 * mm],
            style=TableStyle([
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, RULE),
            ]),
        )
        story: list[Flowable] = [head, Spacer(1, 4 * mm)]
        if data.facts:
            rows = [(label, value or labels["empty"]) for label, value in data.facts]
            story.append(text_table(rows, [LABEL_WIDTH, None], self.content_width,
                                    ["label", "value"],
                                    commands=[("LEFTPADDING", (0, 0), (0, -1), 0)]))
        story.append(Spacer(1, 4 * mm))
        for sentence in data.instructions:
            story += [para(sentence, "value"), Spacer(1, 2 * mm)]
        return story
