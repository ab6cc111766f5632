"""Reports: forest plots, tables and the HTML report, in Dutch first and English as a choice.

The figures (matplotlib), the HTML report and the disclosure rules (NumPy) load on first use
(PEP 562 ``__getattr__``): the command line imports the language vocabulary from here, and every
command would otherwise start by importing NumPy, matplotlib and WeasyPrint (seconds) before it
parses its arguments.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from proeftuin.report.i18n import LANGUAGES, Lang, t

_LAZY = {
    "DEFAULT_MIN_CELL": "proeftuin.report.disclosure",
    "format_count": "proeftuin.report.disclosure",
    "is_disclosive": "proeftuin.report.disclosure",
    "draw_forest": "proeftuin.report.forest_svg",
    "profile_figure": "proeftuin.report.forest",
    "ReportContext": "proeftuin.report.html",
    "render_report": "proeftuin.report.html",
    "write_report": "proeftuin.report.html",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'proeftuin.report' has no attribute {name!r}")


__all__ = [
    "DEFAULT_MIN_CELL",
    "LANGUAGES",
    "Lang",
    "ReportContext",
    "format_count",
    "draw_forest",
    "is_disclosive",
    "profile_figure",
    "render_report",
    "t",
    "write_report",
]
