"""Forest plots carry the estimate and interval as hover text (SVG <title>), in any language."""

from __future__ import annotations

import io

import matplotlib.pyplot as plt

from proeftuin.report.forest import add_tooltip, svg_with_tooltips


def test_a_tooltip_becomes_an_svg_title_escaped() -> None:
    figure, ax = plt.subplots()
    (line,) = ax.plot([0, 1], [0, 1])
    add_tooltip(line, "Zelf in Actie + Werken Loont: +2.5 [−1.0; +6.0] <&>")
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg")
    plt.close(figure)
    svg = svg_with_tooltips(buffer.getvalue())
    assert "<title>Zelf in Actie + Werken Loont: +2.5 [−1.0; +6.0] &lt;&amp;&gt;</title>" in svg
