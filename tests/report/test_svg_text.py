"""The figures' SVG text printed as whole runs (:mod:`proeftuin.report.svg_text`): the same text at the same places."""

from __future__ import annotations

import base64
import io
import re

import pytest

pytest.importorskip("weasyprint")
from pypdf import PdfReader  # noqa: E402

import weasyprint.svg  # noqa: E402
from proeftuin.report import svg_text  # noqa: E402
from proeftuin.report.pdf import html_to_pdf  # noqa: E402

SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 80" width="300pt" height="80pt" font-family="DejaVu Sans, sans-serif">'
    '<text x="150" y="15" font-size="9" text-anchor="end" dominant-baseline="central" fill="#222222">Zelf in Actie + Werken Loont</text>'
    '<text x="150" y="35" font-size="8" text-anchor="middle">+4,2 [-3,0; +11,4]</text>'
    '<text x="10" y="55" font-size="8" font-weight="bold">Groningen — Controlegroep: 21%</text>'
    '<text x="10 20 30" y="72" font-size="8">abc per character</text>'
    '<text x="200" y="72" font-size="8">tspan <tspan x="230" y="72" font-weight="bold">inside</tspan><tspan dy="1"> after</tspan></text>'
    "</svg>"
)
PAGE = f'<img alt="" src="data:image/svg+xml;base64,{base64.b64encode(SVG.encode()).decode()}">'
WORDS = ("Zelf in Actie + Werken Loont", "+4,2 [-3,0; +11,4]", "Groningen — Controlegroep: 21%")


def shown_texts(pdf: bytes) -> tuple[str, list[str]]:
    """The first page's text as extracted, and the strings of its text-showing operators, one by one."""
    shown: list[str] = []
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    extracted = page.extract_text(visitor_text=lambda text, *_: shown.append(text) if text.strip() else None)
    return extracted, shown


def test_installs_on_the_weasyprint_in_use() -> None:
    assert svg_text.install()
    assert all(weasyprint.svg.TAGS[tag] is weasyprint.svg.text for tag in ("text", "tspan", "textPath", "a"))
    assert getattr(weasyprint.svg.text, "per_character", None) is not None
    assert svg_text.install()  # twice is once


def test_same_text_as_weasyprints_own_and_drawn_run_by_run(monkeypatch: pytest.MonkeyPatch) -> None:
    svg_text.install()
    own = weasyprint.svg.text.per_character
    calls: list[str] = []

    def spy(svg: object, node: object, font_size: float) -> None:
        calls.append(node.text)  # type: ignore[attr-defined]
        own(svg, node, font_size)

    whole_run = svg_text._make_whole_run(spy)
    for tag in ("text", "tspan", "textPath", "a"):
        monkeypatch.setitem(weasyprint.svg.TAGS, tag, whole_run)
    monkeypatch.setattr(weasyprint.svg, "text", whole_run)
    whole = html_to_pdf(PAGE)
    assert calls == ["abc per character", " after"]  # only the elements that place characters go to WeasyPrint's code
    for tag in ("text", "tspan", "textPath", "a"):
        monkeypatch.setitem(weasyprint.svg.TAGS, tag, own)
    monkeypatch.setattr(weasyprint.svg, "text", own)
    monkeypatch.setattr(svg_text, "install", lambda: False)
    per_character = html_to_pdf(PAGE)
    (text_whole, shown_whole), (text_own, _) = shown_texts(whole), shown_texts(per_character)
    for word in WORDS:
        assert word in text_whole and word in text_own
        assert word in shown_whole  # drawn as one run
    assert "a b c per character" in text_whole and "a b c per character" in text_own
    for word in ("tspan", "inside", "after"):
        assert word in text_whole and word in text_own



ANCHORS = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 80" width="300pt" height="80pt" font-family="DejaVu Sans, sans-serif">'
    '<text x="150" y="15" font-size="9">Zelf in Actie</text>'
    '<text x="150" y="35" font-size="9" text-anchor="end">Zelf in Actie</text>'
    '<text x="150" y="55" font-size="9" text-anchor="middle">Zelf in Actie</text>'
    "</svg>"
)


def run_starts(pdf: bytes) -> list[tuple[str, float]]:
    """Each text run of the first page with the page x at which it starts (its text matrix times the current matrix)."""
    out: list[tuple[str, float]] = []

    def visit(text: str, cm: list[float], tm: list[float], *_: object) -> None:
        if text.strip():
            out.append((text, tm[4] * cm[0] + tm[5] * cm[2] + cm[4]))

    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=visit)
    return out


def test_anchored_runs_placed_by_their_width_without_a_group_each() -> None:
    # WeasyPrint's own anchoring draws each anchored <text> into a form XObject and moves it by the width of what it
    # drew; a run drawn whole is moved by its width as it is drawn: the same place (the demo's 45 report pages,
    # rasterised by Ghostscript at 300 dpi, came out the same pixel for pixel either way), and no XObject.
    assert svg_text.install()
    assert getattr(weasyprint.svg.SVG.draw_node, "unanchored", None) is not None
    pdf = html_to_pdf(f'<img alt="" src="data:image/svg+xml;base64,{base64.b64encode(ANCHORS.encode()).decode()}">')
    assert not PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"].get("/XObject")
    runs = run_starts(pdf)
    assert [text for text, _ in runs] == ["Zelf in Actie"] * 3  # each drawn as one run
    start, end, middle = (x for _, x in runs)
    width = start - end
    assert width > 20  # 13 characters at 9 pt
    assert middle == pytest.approx(start - width / 2, abs=1e-9)


def test_a_repeated_run_shaped_once_per_document_and_drawn_alike_on_every_page(monkeypatch: pytest.MonkeyPatch) -> None:
    # The forest figures repeat their labels; each distinct run is laid out by Pango once per document and that
    # layout drawn wherever the run recurs, on any page.
    import weasyprint.text.line_break as line_break
    from weasyprint.svg.text import Style

    shaped: list[str] = []

    class CountingLayout(line_break.Layout):  # type: ignore[misc]
        def set_text(self, text: str, justify: bool = False) -> None:
            if isinstance(self.style, Style):  # an SVG run, not the HTML's text
                shaped.append(text)
            super().set_text(text, justify)

    monkeypatch.setattr(line_break, "Layout", CountingLayout)
    whole_run = svg_text._make_whole_run(weasyprint.svg.text.per_character)  # type: ignore[attr-defined]
    for tag in ("text", "tspan", "textPath", "a"):
        monkeypatch.setitem(weasyprint.svg.TAGS, tag, whole_run)
    monkeypatch.setattr(weasyprint.svg, "text", whole_run)
    monkeypatch.setattr(svg_text, "install", lambda: True)
    image = f'<img alt="" src="data:image/svg+xml;base64,{base64.b64encode(ANCHORS.encode()).decode()}">'
    pdf = html_to_pdf(f'{image}<div style="break-before: page">{image}</div>')
    assert shaped == ["Zelf in Actie"]  # three elements on each of two pages
    first, second = PdfReader(io.BytesIO(pdf)).pages
    shown = [re.findall(rb"BT.*?ET", page.get_contents().get_data(), re.S) for page in (first, second)]  # type: ignore[union-attr]
    assert len(shown[0]) == 3 and shown[0] == shown[1]  # the same font, glyphs and places in the figure
    html_to_pdf(image)
    assert shaped == ["Zelf in Actie"] * 2  # another document shapes its own
