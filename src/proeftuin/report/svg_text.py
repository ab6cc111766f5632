"""SVG text printed by WeasyPrint as whole runs instead of one code point at a time.

Our own code around WeasyPrint, for one reason: speed. WeasyPrint 70 lays out and draws every
SVG ``<text>`` code point by code point (a Pango layout per character, so that SVG's per-glyph
``x``/``y``/``dx``/``dy``/``rotate`` lists can be honoured; Kozea/WeasyPrint#2249, fixed upstream by
shaping a chunk whole when it has no such lists, #2754). The report's figures have 24,000
characters of SVG text per language; laid out one by one they cost 1.7-1.9 s of a 5.5 s PDF.
A ``<text>`` that our figures write (one ``x``, one ``y``, no per-glyph lists, no letter spacing,
no ``textLength``) is laid out here as one run: the same font, size, anchor and baseline, one Pango
layout, the glyphs placed by Pango as in any HTML text (kerned within the run, so a label anchored
at its end or middle may sit up to 1% of its width from where the unkerned glyphs put it). Any other
text node goes to WeasyPrint's own function unchanged.

The replacement mirrors WeasyPrint 70's ``weasyprint.svg.text.text`` and is installed only on
that major version (:func:`install`); on another version WeasyPrint is left as it is.
"""

from __future__ import annotations

import sys
from math import inf
from typing import Any

import weasyprint
import weasyprint.svg
from weasyprint.css.properties import INITIAL_VALUES
from weasyprint.draw.text import draw_emojis, draw_first_line
from weasyprint.matrix import Matrix
from weasyprint.svg.bounding_box import extend_bounding_box
from weasyprint.svg.utils import normalize, size
from weasyprint.text.line_break import split_first_line

SUPPORTED_MAJOR = "70"
"""The WeasyPrint major version whose SVG text drawing :func:`whole_run_text` mirrors."""

PER_GLYPH = ("dx", "dy", "rotate", "letter-spacing", "textLength", "lengthAdjust", "direction")
"""Attributes that place or space single glyphs (or change direction): such text keeps WeasyPrint's own path."""

_svg_text = sys.modules["weasyprint.svg.text"]  # the module (``weasyprint.svg.text`` the attribute is its function)
ORIGINAL = _svg_text.text
"""WeasyPrint's own SVG text function (code point by code point)."""


def one_point(node: Any) -> tuple[str, str] | None:
    """The single ``x`` and ``y`` of a text node that places its whole text at one point, else ``None``."""
    if node.tag != "text" or not node.text or any(a in node.attrib for a in PER_GLYPH):
        return None
    xs, ys = normalize(node.attrib.get("x", "")).split(), normalize(node.attrib.get("y", "")).split()
    return (xs[0], ys[0]) if len(xs) == 1 and len(ys) == 1 else None


def _weight(value: Any) -> int:
    """WeasyPrint's reading of ``font-weight`` (normal 400, bold 700, a number, anything else 400)."""
    if value in ("normal", 400):
        return 400
    if value == "bold":
        return 700
    try:
        return int(value)
    except ValueError:
        return 400


def _baseline_shift(node: Any, font_size: float, height: float) -> float:
    """WeasyPrint's vertical alignment of SVG text (its ascent 0.8 and descent 0.2 of the font size)."""
    ascent, descent = font_size * 0.8, font_size * 0.2
    anchor = node.get("display-anchor")
    baseline = node.get("dominant-baseline", node.get("alignment-baseline"))
    if anchor == "middle":
        return -height / 2
    if anchor == "top":
        return 0.0
    if anchor == "bottom":
        return -height
    if baseline in ("central", "middle"):
        return (ascent + descent) / 2 - descent
    if baseline in ("text-before-edge", "before_edge", "top", "hanging", "text-top"):
        return ascent
    if baseline in ("text-after-edge", "after_edge", "bottom", "text-bottom"):
        return -descent
    return 0.0


def whole_run_text(svg: Any, node: Any, font_size: float) -> None:
    """Draw an SVG text node: placed at one point as one run (module docstring), any other by :data:`ORIGINAL`."""
    point = one_point(node)
    if point is None:
        ORIGINAL(svg, node, font_size)
        return
    style = _svg_text.Style()
    style.update(INITIAL_VALUES)
    style.font_config = svg.font_config
    style["font_family"] = [font.strip("\"'") for font in node.get("font-family", "sans-serif").split(",")]
    style["font_style"] = node.get("font-style", "normal")
    style["font_weight"] = _weight(node.get("font-weight", 400))
    style["font_size"] = font_size
    layout, _, _, width, height, baseline = split_first_line(node.text, style, svg.context, inf, 0)
    x, y = size(point[0], font_size, svg.inner_width), size(point[1], font_size, svg.inner_height)
    svg.cursor_d_position = [0, 0]
    svg.cursor_position = x + width, y
    y += _baseline_shift(node, font_size, height)
    node.text_bounding_box = extend_bounding_box(node.text_bounding_box, ((x, y - baseline), (x + width, y - baseline + height)))
    svg.stream.push_state()
    fill, stroke = svg.set_graphical_state(node, font_size)
    svg.stream.begin_text()
    layout.reactivate(style)
    svg.fill_stroke(fill, stroke, text=True)
    box = _svg_text.TextBox(layout, style)
    box.baseline = baseline
    emojis = draw_first_line(svg.stream, box, "none", "none", Matrix(a=1, d=-1, e=x, f=y))
    svg.stream.end_text()
    svg.stream.pop_state()
    draw_emojis(svg.stream, style, x, y, emojis)


def install() -> bool:
    """Have WeasyPrint draw SVG text with :func:`whole_run_text` (on :data:`SUPPORTED_MAJOR` only); whether it does.

    WeasyPrint looks the function up in its tag table and compares nodes' functions with its module's
    ``text`` (to anchor text chunks), so both are replaced.
    """
    if weasyprint.__version__.split(".")[0] != SUPPORTED_MAJOR:
        return False
    weasyprint.svg.TAGS["text"] = weasyprint.svg.TAGS["tspan"] = whole_run_text
    weasyprint.svg.text = whole_run_text
    return True


__all__ = ["ORIGINAL", "PER_GLYPH", "SUPPORTED_MAJOR", "install", "one_point", "whole_run_text"]
