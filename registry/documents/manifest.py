"""The departure manifest: everyone leaving from a border point on a day, one row per person."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NamedTuple

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Spacer

from registry.documents.base import (
    RULE,
    SHADE,
    LabelledDocument,
    para,
    text_table,
)
from registry.domain.i18n import N_

DEFAULT_LABELS: Mapping[str, str] = MappingProxyType({
    "title": N_("Departure manifest"),
    "confidential": N_("Confidential"),
    "page_of": N_("Page %(page)s of %(pages)s"),
    "printed_by": N_("Printed by %(name)s at %(when)s"),
    "number": N_("No."),
    "case_number": N_("Case number"),
    "family_name": N_("Family name"),
    "given_names": N_("Given names"),
    "sex": N_("Sex"),
    "age": N_("Age"),
    "nationality": N_("Nationality"),
    "destination": N_("Destination"),
    "document": N_("Travel document"),
    "signature": N_("Signature"),
    "totals": N_("Totals"),
    "total": N_("Total"),
    "nobody": N_("Nobody is recorded as leaving on this day."),
    "empty": "—",
})

COLUMNS = ("number", "case_number", "family_name", "given_names", "sex", "age", "nationality",
           "destination", "document", "signature")
# Points; the given names take what is left of the landscape page.
WIDTHS = (9 * mm, 31 * mm, 34 * mm, None, 16 * mm, 11 * mm, 26 * mm, 30 * mm, 30 * mm, 32 * mm)


class ManifestRow(NamedTuple):
    case_number: str
    family_name: str
    given_names: str
    sex: str
    age: str
    nationality: str
    destination: str
    document: str


class ManifestGroup(NamedTuple):
    """The people leaving from one departure point (a gate, a port): one table each."""

    title: str
    rows: Sequence[ManifestRow]


@dataclass(frozen=True)
class ManifestData:
    """What the manifest prints, already translated.

    reference: what the footer shows in place of a case number (border point and date).
    facts: (label, value) rows under the title (border point, date, people).
    totals: (heading, [(label, count), ...]) tables under the list: by sex, by age group.
    """

    organisation_name: str
    reference: str
    printed_by: str
    printed_at: str
    facts: Sequence[tuple[str, str]] = ()
    groups: Sequence[ManifestGroup] = ()
    totals: Sequence[tuple[str, Sequence[tuple[str, int]]]] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    logo_path: str | None = None


class DepartureManifest(LabelledDocument):
    """Builds the manifest on A4 landscape: `DepartureManifest(data).build()` returns the PDF."""

    pagesize = landscape(A4)
    default_labels = DEFAULT_LABELS
    data: ManifestData

    @staticmethod
    def reference(data: ManifestData) -> str:
        return data.reference

    def story(self) -> list[Flowable]:
        data, labels = self.data, self.labels
        story: list[Flowable] = [para(labels["title"], "title"), Spacer(1, 2 * mm)]
        if data.facts:
            story.append(text_table([(label, value) for label, value in data.facts],
                                    [48 * mm, None], self.content_width / 2,
                                    ["label", "value"],
                                    commands=[("LEFTPADDING", (0, 0), (0, -1), 0)]))
        if not any(group.rows for group in data.groups):
            story += [Spacer(1, 6 * mm), para(labels["nobody"], "heading")]
        number = 0
        header = [labels[column] for column in COLUMNS]
        for group in data.groups:
            if not group.rows:
                continue
            rows = [header]
            for row in group.rows:
                number += 1
                rows.append([str(number), *(value or labels["empty"] for value in row), ""])
            story += [CondPageBreak(30 * mm), para(group.title, "heading"),
                      text_table(rows, WIDTHS, self.content_width, ["small"] * len(COLUMNS),
                                 header_style="small_bold",
                                 commands=[("BACKGROUND", (0, 0), (-1, 0), SHADE),
                                           ("LINEBELOW", (0, 0), (-1, 0), 0.6, RULE),
                                           ("LINEBEFORE", (-1, 0), (-1, -1), 0.25, RULE),
                                           # Room to sign on each row.
                                           ("TOPPADDING", (0, 1), (-1, -1), 5),
                                           ("BOTTOMPADDING", (0, 1), (-1, -1), 5)])]
        if data.totals:
            story.append(KeepTogether([para(labels["totals"], "heading"), *self._totals()]))
        return story

    def _totals(self) -> list[Flowable]:
        tables: list[Flowable] = []
        for heading, counts in self.data.totals:
            labels = [heading, *(label for label, _ in counts), self.labels["total"]]
            values = ["", *(str(count) for _, count in counts), str(sum(c for _, c in counts))]
            width = min(22 * mm, (self.content_width - 40 * mm) / max(len(counts) + 1, 1))
            tables += [text_table([labels, values], [40 * mm] + [width] * (len(counts) + 1),
                                  self.content_width, ["small"] * len(labels),
                                  header_style="small_bold",
                                  commands=[("BACKGROUND", (1, 0), (-1, 0), SHADE)]),
                       Spacer(1, 3 * mm)]
        return tables
