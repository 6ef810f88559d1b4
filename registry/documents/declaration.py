"""The voluntary return declaration: the A4 page the person signs, in a language they read."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NamedTuple

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Spacer, Table, TableStyle

from registry.documents.base import (
    HAIRLINE,
    RULE,
    SHADE,
    LabelledDocument,
    para,
    qr_code,
    text_table,
)
from registry.documents.fonts import LATIN
from registry.domain.i18n import N_

DEFAULT_LABELS: Mapping[str, str] = MappingProxyType({
    "title": N_("Voluntary return declaration"),
    "confidential": N_("Confidential"),
    "page_of": N_("Page %(page)s of %(pages)s"),
    "printed_by": N_("Printed by %(name)s at %(when)s"),
    "identity": N_("The person"),
    "household": N_("Household members returning with the person"),
    "destination": N_("Return"),
    "declaration": N_("Declaration"),
    "signatures": N_("Signatures"),
    "name": N_("Name"),
    "date": N_("Date"),
    "signature": N_("Signature"),
    "thumbprint": N_("Thumbprint"),
    "empty": "—",
})

QR_SIZE = 26 * mm
LABEL_WIDTH = 48 * mm
BOX_HEIGHT = 18 * mm
THUMB_WIDTH = 34 * mm


class Signer(NamedTuple):
    """One person who signs: who they are, what they attest, whether a thumbprint box is
    offered (for someone who does not write)."""

    title: str
    attestation: str
    thumbprint: bool = False


@dataclass(frozen=True)
class DeclarationData:
    """What the declaration prints, already translated into the print language.

    identity, destination: (label, value) rows. household: (headers, rows) of the members
    the case covers besides the person, or None. statements: the numbered sentences the
    person declares. signers: the person, an interpreter, the officer.
    """

    organisation_name: str
    case_number: str
    verify_url: str
    printed_by: str
    printed_at: str
    identity: Sequence[tuple[str, str]] = ()
    destination: Sequence[tuple[str, str]] = ()
    household: tuple[Sequence[str], Sequence[Sequence[str]]] | None = None
    statements: Sequence[str] = ()
    signers: Sequence[Signer] = ()
    language_note: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)
    logo_path: str | None = None


class ReturnDeclaration(LabelledDocument):
    """Builds the declaration: `ReturnDeclaration(data).build()` returns the PDF bytes."""

    default_labels = DEFAULT_LABELS
    data: DeclarationData

    def story(self) -> list[Flowable]:
        data, labels = self.data, self.labels
        left = [para(labels["title"], "title"), para(data.case_number, "case_number")]
        if data.language_note:
            left += [Spacer(1, 2 * mm), para(data.language_note, "label")]
        story: list[Flowable] = [Table(
            [[left, qr_code(data.verify_url, QR_SIZE)]],
            colWidths=[None, QR_SIZE + 2 * mm],
            style=TableStyle([
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, RULE),
            ]),
        )]
        story += [para(labels["identity"], "heading"), self._fields(data.identity)]
        if data.household is not None:
            headers, rows = data.household
            story += [CondPageBreak(20 * mm), para(labels["household"], "heading"),
                      text_table([headers, *rows], [None] + [36 * mm] * (len(headers) - 2)
                                 + [48 * mm],
                                 self.content_width, ["small"] * len(headers),
                                 header_style="small_bold",
                                 commands=[("BACKGROUND", (0, 0), (-1, 0), SHADE)])]
        story += [para(labels["destination"], "heading"), self._fields(data.destination)]
        story += [CondPageBreak(30 * mm), para(labels["declaration"], "heading")]
        numbered = [[para(f"{number}.", "value"), para(sentence, "value")]
                    for number, sentence in enumerate(data.statements, start=1)]
        if numbered:
            story.append(Table(numbered, colWidths=[7 * mm, None], style=TableStyle([
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]), hAlign="LEFT"))
        story.append(para(labels["signatures"], "heading"))
        story += [self._signature_box(signer) for signer in data.signers]
        return story

    def _fields(self, rows: Sequence[tuple[str, str]]) -> Flowable:
        empty = self.labels["empty"]
        filled = [(label, value or empty) for label, value in rows] or [(empty, "")]
        return text_table(filled, [LABEL_WIDTH, None], self.content_width, ["label", "value"],
                          commands=[("LEFTPADDING", (0, 0), (0, -1), 0)])

    def _signature_box(self, signer: Signer) -> Flowable:
        """Who signs, what they attest, then boxes for name, date, signature (and thumb)."""
        labels = self.labels
        thumb = THUMB_WIDTH if signer.thumbprint else 0
        name_width = 55 * mm
        date_width = 28 * mm
        signature_width = self.content_width - name_width - date_width - thumb
        header = [labels["name"], labels["date"], labels["signature"]]
        widths = [name_width, date_width, signature_width]
        if signer.thumbprint:
            header.append(labels["thumbprint"])
            widths.append(thumb)
        boxes = Table(
            [header, [""] * len(header)],
            colWidths=widths,
            rowHeights=[None, BOX_HEIGHT],
            style=TableStyle([
                ("FONT", (0, 0), (-1, 0), LATIN, 7.5, 9),
                ("GRID", (0, 1), (-1, 1), 0.6, RULE),
                ("LINEBELOW", (0, 0), (-1, 0), 0.25, HAIRLINE),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
            ]),
            hAlign="LEFT",
        )
        parts: list[Flowable] = [para(signer.title, "small_bold")]
        if signer.attestation:
            parts.append(para(signer.attestation, "small"))
        parts += [Spacer(1, 1 * mm), boxes, Spacer(1, 3 * mm)]
        return KeepTogether(parts)
