"""Reports: forest plots, tables and the HTML report, in Dutch first and English as a choice."""

from proeftuin.report.disclosure import DEFAULT_MIN_CELL, format_count, is_disclosive
from proeftuin.report.forest import forest_figure, forest_panel, profile_figure
from proeftuin.report.html import ReportContext, render_report, write_report
from proeftuin.report.i18n import LANGUAGES, Lang, t

__all__ = [
    "DEFAULT_MIN_CELL",
    "LANGUAGES",
    "Lang",
    "ReportContext",
    "format_count",
    "forest_figure",
    "forest_panel",
    "is_disclosive",
    "profile_figure",
    "render_report",
    "t",
    "write_report",
]
