"""SVG text printed as whole runs: WeasyPrint's SVG ``<text>`` laid out once per run and document, not per character.

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
the width of that run: WeasyPrint's own ``text-anchor`` code (which measures the bounding box of what
was drawn) would draw every anchored element into a PDF group (a form XObject) and place the group,
688 of them per language, where the run's width is known before drawing (:func:`_anchored_draw_node`).

:func:`install` swaps the function into WeasyPrint's SVG tag table only when it finds the
function it replaces (same name, module and parameters); otherwise WeasyPrint is left alone
and prints as before, only slower. ``tests/report/test_svg_text.py`` checks the text comes out.
"""

from __future__ import annotations

import inspect
from typing import Any

DRAW_NODE_PARAMETERS = ["self", "node", "font_size", "fill_stroke", "context"]
"""The parameters of the ``SVG.draw_node`` that :func:`_anchored_draw_node` wraps (WeasyPrint 70); another is left alone."""
PER_CHARACTER = ("dx", "dy", "rotate", "textLength", "letter-spacing", "display-anchor")
"""Attributes that place or stretch single glyphs: an element with any of them is drawn by WeasyPrint's per-character code."""
CENTRAL = ("central", "middle")
HANGING = ("text-before-edge", "before_edge", "top", "hanging", "text-top")
BOTTOM = ("text-after-edge", "after_edge", "bottom", "text-bottom")


ANCHOR_SHIFT = {"middle": 0.5, "end": 1.0}
"""How much of its width an anchored run moves left (WeasyPrint's own rule, ``svg/__init__.py``, for left-to-right text)."""


def _single(value: str | None) -> bool:
    return value is not None and len(value.replace(",", " ").split()) == 1


def _whole_run(node: Any) -> bool:
    """Whether :func:`_make_whole_run`'s function draws ``node`` itself (else WeasyPrint's per-character code does)."""
    attributes = node.attrib
    return bool(node.text and not any(name in attributes for name in PER_CHARACTER) and node.get("direction") not in ("ltr", "rtl")
                and _single(attributes.get("x")) and _single(attributes.get("y")))


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


RUNS = "_proeftuin_shaped_runs"
"""The attribute of a document's ``FontConfiguration`` that holds its shaped runs (:func:`_make_whole_run`)."""


def _make_whole_run(per_character: Any) -> Any:
    """WeasyPrint's SVG text function for whole runs, falling back to ``per_character`` (WeasyPrint's own).

    A run is shaped once per document and text, font and size: the figures repeat their labels (arm
    and municipality names, tick numbers, axis titles; 1,350 elements, some 400 distinct runs per
    language), and each run's Pango layout is drawn again wherever it recurs. The layout is measured
    and drawn as it is (WeasyPrint's ``split_first_line`` would shape it, free it, and the draw shape it
    anew), in single-paragraph mode from the start (as WeasyPrint draws it; text without paragraph
    separators lays out the same either way). The runs live on the document's font configuration (the
    fonts they were shaped with), so they go with it; what a run draws into a page's stream (fonts,
    glyph widths) WeasyPrint keeps per document, keyed by Pango's font, as for any text it draws.
    """
    from weasyprint.css.properties import INITIAL_VALUES
    from weasyprint.draw.text import draw_emojis, draw_first_line
    from weasyprint.matrix import Matrix
    from weasyprint.svg.bounding_box import extend_bounding_box
    from weasyprint.svg.text import Style, TextBox
    from weasyprint.svg.utils import size
    from weasyprint.text.ffi import FROM_UNITS, pango
    from weasyprint.text.line_break import Layout, line_size

    def shaped(svg: Any, node: Any, font_size: float) -> tuple[Any, float, float]:
        """``node``'s run as a text box ready to draw (a Pango layout with its style and baseline), with its width
        and height (WeasyPrint's ``split_first_line`` figures for one unbroken line), shaped at its first use in the document."""
        family, font_style, weight = node.get("font-family", "sans-serif"), node.get("font-style", "normal"), node.get("font-weight", 400)
        key = (node.text, family, font_style, weight, font_size)
        runs = svg.font_config.__dict__.setdefault(RUNS, {})
        if key not in runs:
            style = Style()
            style.update(INITIAL_VALUES)
            style.font_config = svg.font_config
            style["font_family"] = [font.strip("\"'") for font in family.split(",")]
            style["font_style"] = font_style
            style["font_weight"] = _font_weight(weight)
            style["font_size"] = font_size
            layout = Layout(style)
            pango.pango_layout_set_single_paragraph_mode(layout.layout, True)
            layout.set_text(node.text)
            first_line, _ = layout.get_first_line()
            width, height = line_size(first_line, style)
            box = TextBox(layout, style)
            box.baseline = pango.pango_layout_get_baseline(layout.layout) * FROM_UNITS
            runs[key] = box, width, height
        return runs[key]

    def text(svg: Any, node: Any, font_size: float) -> None:
        """Draw one ``<text>`` node's text as one Pango layout (see the module's docstring)."""
        if not _whole_run(node):
            per_character(svg, node, font_size)
            return
        attributes = node.attrib
        box, width, height = shaped(svg, node, font_size)
        baseline = box.baseline

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
        shift = width * getattr(node, "anchor_shift", 0.0)  # set by _anchored_draw_node; WeasyPrint's group would move it as much
        x_position, y_position = x + svg.cursor_d_position[0] - shift, y + svg.cursor_d_position[1] + y_align
        node.text_bounding_box = extend_bounding_box(
            node.text_bounding_box, ((x_position, y_position - baseline), (x_position + width, y_position - baseline + height)))

        svg.stream.push_state()
        fill, stroke = svg.set_graphical_state(node, font_size)
        svg.stream.begin_text()
        svg.fill_stroke(fill, stroke, text=True)
        emojis = draw_first_line(svg.stream, box, "none", "none", Matrix(a=1, d=-1, e=x_position, f=y_position))
        svg.stream.end_text()
        svg.stream.pop_state()
        draw_emojis(svg.stream, box.style, x - shift, y, emojis)

    text.per_character = per_character  # type: ignore[attr-defined]
    return text


def _anchored_draw_node(draw_node: Any) -> Any:
    """WeasyPrint's ``SVG.draw_node`` for which an anchored ``<text>`` drawn as one run (no child elements) is
    placed by its run's width (:func:`_make_whole_run`) instead of drawn into a PDF group that is placed afterwards.

    WeasyPrint moves such a group left by the width of the bounding box of what it drew, which for one run
    is the run's width: the same place. A group per element cost 0.1-0.2 s of CPU per language to print
    the report's 21 forest figures (of 1.2-1.3 s), and made their PDF 3.8x as large (296 against 78 kB),
    measured on the 2-core development machine (load 3-5). The element's ``text-anchor`` is set back after drawing.
    """

    from weasyprint.svg import TAGS

    def anchored(svg: Any, node: Any, font_size: float, fill_stroke: bool = True, context: Any = None) -> None:
        anchor = node.get("text-anchor") if node.tag == "text" else None
        if (anchor not in ANCHOR_SHIFT or getattr(TAGS.get("text"), "per_character", None) is None  # WeasyPrint's own text function in place
                or not _whole_run(node) or next(iter(node), None) is not None):
            draw_node(svg, node, font_size, fill_stroke, context)
            return
        node.attrib["text-anchor"], node.anchor_shift = "start", ANCHOR_SHIFT[anchor]
        try:
            draw_node(svg, node, font_size, fill_stroke, context)
        finally:
            node.attrib["text-anchor"], node.anchor_shift = anchor, 0.0

    anchored.unanchored = draw_node  # type: ignore[attr-defined]
    return anchored


def install() -> bool:
    """Put the whole-run text function in WeasyPrint's SVG tag table, and its anchoring in ``SVG.draw_node``
    (:func:`_anchored_draw_node`, where that method is the one it wraps); ``True`` when the text function is in (now or before)."""
    import weasyprint.svg as svg

    current = svg.TAGS.get("text")
    if getattr(current, "per_character", None) is None:
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
    draw_node = svg.SVG.draw_node
    if getattr(draw_node, "unanchored", None) is None and list(inspect.signature(draw_node).parameters) == DRAW_NODE_PARAMETERS:
        svg.SVG.draw_node = _anchored_draw_node(draw_node)  # type: ignore[method-assign]
    return True


__all__ = ["install"]
