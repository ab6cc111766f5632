"""The report as PDF: the same HTML as the web page, printed by WeasyPrint.

WeasyPrint lays out CSS paged media (``@page``, ``break-inside: avoid``, ``target-counter``), so
the PDF is the HTML report itself: a table of contents with page numbers, every figure whole on
one page with its caption. Matplotlib's own PDF backend cannot flow text and tables; a browser
engine (headless Chromium) would be a far heavier dependency for the same result.
"""

from __future__ import annotations

import logging

logging.getLogger("weasyprint").setLevel(logging.ERROR)  # its CSS warnings (e.g. on the screen-only rules) are not the reader's concern
logging.getLogger("fontTools").setLevel(logging.ERROR)


def html_to_pdf(html: str) -> bytes:
    """Print one HTML page (rendered with ``medium="print"``, :func:`~proeftuin.report.html.render_report`) to PDF bytes."""
    from weasyprint import HTML  # here, not at import: WeasyPrint takes ~1.5 s to import and most callers never print

    from proeftuin.report.svg_text import install

    install()  # the figures' SVG text laid out run by run, not character by character (see its module)
    pdf = HTML(string=html).write_pdf()
    assert pdf is not None  # write_pdf returns the bytes when given no target
    return pdf


__all__ = ["html_to_pdf"]
