"""SVG text printed as whole runs: WeasyPrint's SVG ``<text>`` laid out once per element, not per character.

WeasyPrint (60 to at least 70) lays out and draws every character of an SVG ``<text>`` on its
own (``weasyprint/svg/text.py``), so that per-character ``x``/``dx``/``rotate`` lists can place
each glyph. The report's figures hold some 24,000 characters in 1,350 ``<text>`` elements per
language, none with per-character positions: printing them cost 2.4 s of CPU per language, 40%
of the PDF. WeasyPrint's maintainers name drawing the whole text where no glyph-specific values
are given as the way out (Kozea/WeasyPrint#2249, which this follows); until a release does, this
module does it for the elements it can: one ``x`` and one ``y``, no ``dx``, ``dy``, ``rotate``,
``textLength``, ``letter-spacing`` or ``display-anchor``. Every other element goes to
WeasyPrint's own function, unchanged. The run is shaped by Pango as WeasyPrint shapes HTML text
(kerning included), placed where WeasyPrint would place its first character and anchored by
WeasyPrint's own ``text-anchor`` code, which measures the bounding box set here.

:func:`install` swaps the function into WeasyPrint's SVG tag table only when it finds the
function it replaces (same name, module and parameters); otherwise WeasyPrint is left alone
and prints as before, only slower. ``tests/report/test_svg_text.py`` checks the text comes out.
"""

from __future__ import annotations

import inspect
from math import inf
from typing import Any

PER_CHARACTER = ("dx", "dy", "rotate", "textLength", "letter-spacing", "display-anchor")
"""Attributes that place or stretch single glyphs: an element with any of them is drawn by WeasyPrint's per-character code."""
CENTRAL = ("central", "middle")
HANGING = ("text-before-edge", "before_edge", "top", "hanging", "text-top")
BOTTOM = ("text-after-edge", "after_edge", "bottom", "text-bottom")


def _single(value: str | None) -> bool:
    return value is not None and len(value.replace(",", " ").split()) == 1


def _font_weight(value: Any) -> int:
    """WeasyPrint's reading of ``font-weight`` in SVG: ``normal`` 400, ``bold`` 700, a number, else 400."""
    if value == "normal":
        return 400
    if value == "bold":
        return 700
    try:
        return int(value)
    except ValueError:
        return 400


def _make_whole_run(per_character: Any) -> Any:
    """WeasyPrint's SVG text function for whole runs, falling back to ``per_character`` (WeasyPrint's own)."""
    from weasyprint.css.properties import INITIAL_VALUES
    from weasyprint.draw.text import draw_emojis, draw_first_line
    from weasyprint.matrix import Matrix
    from weasyprint.svg.bounding_box import extend_bounding_box
    from weasyprint.svg.text import Style, TextBox
    from weasyprint.svg.utils import size
    from weasyprint.text.line_break import split_first_line

    def text(svg: Any, node: Any, font_size: float) -> None:
        """Draw one ``<text>`` node's text as one Pango layout (see the module's docstring)."""
        attributes = node.attrib
        if (not node.text or any(name in attributes for name in PER_CHARACTER) or node.get("direction") in ("ltr", "rtl")
                or not _single(attributes.get("x")) or not _single(attributes.get("y"))):
            per_character(svg, node, font_size)
            return
        style = Style()
        style.update(INITIAL_VALUES)
        style.font_config = svg.font_config
        style["font_family"] = [font.strip("\"'") for font in node.get("font-family", "sans-serif").split(",")]
        style["font_style"] = node.get("font-style", "normal")
        style["font_weight"] = _font_weight(node.get("font-weight", 400))
        style["font_size"] = font_size
        layout, _, _, width, height, baseline = split_first_line(node.text, style, svg.context, inf, 0)

        ascent, descent = font_size * 0.8, font_size * 0.2  # WeasyPrint's own approximation, as in its per-character code
        alignment = node.get("dominant-baseline", node.get("alignment-baseline"))
        y_align = (ascent + descent) / 2 - descent if alignment in CENTRAL else ascent if alignment in HANGING else -descent if alignment in BOTTOM else 0
        x = size(attributes["x"], font_size, svg.inner_width)
        y = size(attributes["y"], font_size, svg.inner_height)
        if x:
            svg.cursor_d_position[0] = 0
        if y:
            svg.cursor_d_position[1] = 0
        svg.cursor_position = x + width, y
        x_position, y_position = x + svg.cursor_d_position[0], y + svg.cursor_d_position[1] + y_align
        node.text_bounding_box = extend_bounding_box(
            node.text_bounding_box, ((x_position, y_position - baseline), (x_position + width, y_position - baseline + height)))

        svg.stream.push_state()
        fill, stroke = svg.set_graphical_state(node, font_size)
        svg.stream.begin_text()
        layout.reactivate(style)
        svg.fill_stroke(fill, stroke, text=True)
        box = TextBox(layout, style)
        box.baseline = baseline
        emojis = draw_first_line(svg.stream, box, "none", "none", Matrix(a=1, d=-1, e=x_position, f=y_position))
        svg.stream.end_text()
        svg.stream.pop_state()
        draw_emojis(svg.stream, style, x, y, emojis)

    text.per_character = per_character  # type: ignore[attr-defined]
    return text


def install() -> bool:
    """Put the whole-run text function in WeasyPrint's SVG tag table; ``True`` when it is (now or before)."""
    import weasyprint.svg as svg

    current = svg.TAGS.get("text")
    if getattr(current, "per_character", None) is not None:
        return True
    expected = ["svg", "node", "font_size"]
    if (current is None or current is not svg.text or getattr(current, "__module__", "") != "weasyprint.svg.text"
            or list(inspect.signature(current).parameters) != expected):
        return False
    whole_run = _make_whole_run(current)
    # WeasyPrint's draw_node recognises text nodes (text, tspan, textPath, a) by comparing their TAGS entry with its
    # module's ``text``: every such entry and ``text`` itself change together.
    for tag in [tag for tag, function in svg.TAGS.items() if function is current]:
        svg.TAGS[tag] = whole_run
    svg.text = whole_run
    return True


__all__ = ["install"]
