"""SVG text printed as whole runs (proeftuin.report.svg_text) lands where WeasyPrint's own code point by code point path puts it."""

from __future__ import annotations

import base64
import io
import re

import pytest

pypdf = pytest.importorskip("pypdf")
weasyprint = pytest.importorskip("weasyprint")

from proeftuin.report import svg_text  # noqa: E402
from proeftuin.report.pdf import html_to_pdf  # noqa: E402

TEXTS = (
    ("start", "central", "Zelf in Actie"),
    ("end", "central", "Extra Hulp + Werken Loont"),
    ("middle", "central", "+0,2 [-0,2; +0,5]"),
    ("start", None, "Groningen — Controlegroep: 5,9"),
)


def _pdf() -> bytes:
    rows = "".join(
        f'<text x="200" y="{30 + 30 * i}" font-size="9" text-anchor="{anchor}"'
        + (f' dominant-baseline="{baseline}"' if baseline else "")
        + f' font-family="DejaVu Sans, sans-serif">{text}</text>'
        for i, (anchor, baseline, text) in enumerate(TEXTS)
    )
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 150" width="400pt" height="150pt">{rows}</svg>'
    return html_to_pdf(f'<html><body><img src="data:image/svg+xml;base64,{base64.b64encode(svg.encode()).decode()}"></body></html>')


def _layout(pdf: bytes) -> tuple[list[float], list[list[tuple[float, float]]]]:
    """The anchor shifts of the page (an anchored text is a group drawn moved left by its width, or half of
    it) and, per text block (``BT`` ... ``ET``) of the page and its groups, where each of its runs is placed."""
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    groups = page["/Resources"]["/XObject"]
    streams = [page.get_contents().get_data()] + [groups[name].get_object().get_data() for name in sorted(groups)]
    text = b"\n".join(streams).decode("latin-1")
    shifts = [float(v) for v in re.findall(r"1 0 0 1 (-?[\d.]+) 0 cm\s+/x\d+ Do", text)]
    blocks = [[(float(x), float(y)) for x, y in re.findall(r"1 0 0 -1 (-?[\d.]+) (-?[\d.]+) Tm", block)]
              for block in re.findall(r"BT(.*?)ET", text, flags=re.S)]
    return shifts, blocks


def test_whole_runs_are_placed_as_weasyprint_places_glyphs(monkeypatch: pytest.MonkeyPatch) -> None:
    if not svg_text.install():
        pytest.skip(f"WeasyPrint {weasyprint.__version__}: its own SVG text path is used")
    shifts, blocks = _layout(_pdf())
    assert len(blocks) == len(TEXTS) and all(len(b) == 1 for b in blocks)  # one run per text node
    monkeypatch.setattr(weasyprint.svg, "text", svg_text.ORIGINAL)
    monkeypatch.setitem(weasyprint.svg.TAGS, "text", svg_text.ORIGINAL)
    monkeypatch.setitem(weasyprint.svg.TAGS, "tspan", svg_text.ORIGINAL)
    own_shifts, own_blocks = _layout(_pdf())
    assert [len(b) for b in own_blocks] == [len(text.replace(" ", "")) for *_, text in sorted(TEXTS, key=lambda t: t[0] != "start")]  # a run per glyph drawn
    assert [v for b in blocks for v in b[0]] == pytest.approx([v for b in own_blocks for v in b[0]], abs=1e-6)  # each text starts where it did
    # anchored by its width: kerned as one run it is up to 1% narrower than its glyphs set one by one (1 unit in 122)
    assert len(shifts) == 2 and shifts == pytest.approx(own_shifts, rel=0.01)


def test_per_glyph_positions_keep_weasyprint_path() -> None:
    class Node:
        def __init__(self, tag: str, attrib: dict[str, str], text: str) -> None:
            self.tag, self.attrib, self.text = tag, attrib, text

    assert svg_text.one_point(Node("text", {"x": "1", "y": "2"}, "ab")) == ("1", "2")
    assert svg_text.one_point(Node("text", {"x": "1 2", "y": "2"}, "ab")) is None
    assert svg_text.one_point(Node("text", {"x": "1", "y": "2", "dx": "3"}, "ab")) is None
    assert svg_text.one_point(Node("tspan", {"x": "1", "y": "2"}, "ab")) is None
    assert svg_text.one_point(Node("text", {"x": "1", "y": "2"}, "")) is None
