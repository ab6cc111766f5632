"""The report as PDF: the same HTML as the web page, printed by WeasyPrint.

WeasyPrint lays out CSS paged media (``@page``, ``break-inside: avoid``, ``target-counter``), so
the PDF is the HTML report itself: a table of contents with page numbers, every figure whole on
one page with its caption. Matplotlib's own PDF backend cannot flow text and tables; a browser
engine (headless Chromium) would be a far heavier dependency for the same result.
"""

from __future__ import annotations

import ctypes.util
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

logging.getLogger("weasyprint").setLevel(logging.ERROR)  # its CSS warnings (e.g. on the screen-only rules) are not the reader's concern
logging.getLogger("fontTools").setLevel(logging.ERROR)


@contextmanager
def _library_cache_lookups() -> Iterator[None]:
    """``ctypes.util.find_library`` answering from the dynamic linker's cache only (``ldconfig -p``), on Linux.

    WeasyPrint (through cffi) opens each native library by a list of names for every platform,
    e.g. ``libgobject-2.0-0``, ``gobject-2.0-0``, ``gobject-2.0``, then ``libgobject-2.0.so.0``;
    for every name it cannot open directly cffi asks ``find_library``, whose Linux version, after
    the linker's cache, compiles and links an empty program with ``gcc`` and runs ``ld`` to look for
    it: 54 processes and 0.1-0.2 s of CPU to import WeasyPrint (measured on the 2-core development
    machine). Those last two steps find only libraries outside the linker's cache, which WeasyPrint's
    own list of sonames (``libgobject-2.0.so.0`` ...) opens anyway through ``dlopen`` (which reads
    ``LD_LIBRARY_PATH``). Elsewhere, or when CPython no longer has the cache lookup, nothing changes.
    """
    cache_only = getattr(ctypes.util, "_findSoname_ldconfig", None)
    if not sys.platform.startswith("linux") or cache_only is None:
        yield
        return
    find_library = ctypes.util.find_library
    ctypes.util.find_library = cache_only
    try:
        yield
    finally:
        ctypes.util.find_library = find_library


def load_weasyprint() -> None:
    """Import WeasyPrint (about a second: here, not at import, as most callers never print), opening its
    native libraries without ``find_library``'s compiler runs (:func:`_library_cache_lookups`)."""
    if "weasyprint" in sys.modules:
        return
    with _library_cache_lookups():
        import weasyprint  # noqa: F401 - imported for its side effect: loaded once


def html_to_pdf(html: str) -> bytes:
    """Print one HTML page (rendered with ``medium="print"``, :func:`~proeftuin.report.html.render_report`) to PDF bytes."""
    load_weasyprint()
    from weasyprint import HTML

    from proeftuin.report.svg_text import install

    install()  # the figures' SVG text laid out run by run, not character by character (see its module)
    pdf = HTML(string=html).write_pdf()
    assert pdf is not None  # write_pdf returns the bytes when given no target
    return pdf


__all__ = ["html_to_pdf", "load_weasyprint"]
