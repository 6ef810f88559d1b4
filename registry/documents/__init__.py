"""Printed documents: ReportLab builders taking plain, translated data and returning PDF bytes."""

from registry.documents.base import DocumentBuilder, Letterhead, qr_code
from registry.documents.case_summary import CaseSummary, CaseSummaryData, TimelineRow
from registry.documents.fonts import draw_string, markup, register_fonts

__all__ = [
    "CaseSummary",
    "CaseSummaryData",
    "DocumentBuilder",
    "Letterhead",
    "TimelineRow",
    "draw_string",
    "markup",
    "qr_code",
    "register_fonts",
]
