"""Forest figures written as plain SVG: the report's figures 1 and 2 and one per outcome.

Our own drawing code, for one reason: speed. Through matplotlib a forest figure cost 150-300 ms of
CPU to build and save (its artists, ticks and text are Python objects drawn one by one), and
WeasyPrint another 0.8 s to print its SVG (thousands of nodes, every glyph run laid out); the
report has 21 of them per language, most of ``proeftuin demo``'s time. A forest figure is only
rows of lines, markers and text in fixed margins, so it is written here as a few hundred SVG
elements in about a millisecond, and prints in a fraction of the time. It draws what the
matplotlib version drew (which it replaces): one panel per municipality (rows in the
arms' declared order), the point estimate with its confidence interval, a line at zero, the
control group's level above each panel, the estimate and interval printed right of each row,
and the row's numbers as the browser's hover text (an SVG ``<title>``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from html import escape

from matplotlib.ticker import MaxNLocator

from proeftuin.analysis.options import DEFAULT_LEVEL
from proeftuin.analysis.results import Effect
from proeftuin.design.outcomes import OutcomeDefinition
from proeftuin.report.forest import LABEL_MARGIN, UNIT_TEXT, VALUE_MARGIN, FIGURE_WIDTH, Panel, arm_colour, format_effect, format_level, scale
from proeftuin.report.i18n import Lang, number, t

POINT = 72.0
"""SVG user units per inch (points, as matplotlib's SVG)."""
ROW = 0.42 * POINT
"""Height of one row, and of the title space above a panel (1.2 rows)."""
TOP, BOTTOM = 0.35 * POINT, 0.6 * POINT
FONT = 'font-family="DejaVu Sans, sans-serif"'
"""matplotlib's font (WeasyPrint prints with it), the browser's sans-serif where it is missing."""
GRID, AXIS, TEXT = "#dddddd", "#333333", "#222222"


def ticks(low: float, high: float) -> list[float]:
    """Round tick values for the x axis from ``low`` to ``high`` (matplotlib's locator, as its figures have)."""
    return [float(v) for v in MaxNLocator(nbins=7, steps=[1, 2, 2.5, 5, 10]).tick_values(low, high) if low - 1e-12 <= v <= high + 1e-12]


def tick_digits(values: Sequence[float]) -> int:
    """The fewest decimals that write every tick exactly (0 for 5, 10; 1 for 2.5)."""
    return next((d for d in range(4) if all(abs(round(v, d) - v) < 1e-9 for v in values)), 4)


def x_range(effects: Sequence[Effect], k: float) -> tuple[float, float]:
    """The x axis: every interval and zero, with a 5% margin either side (matplotlib's default)."""
    ends = [v * k for e in effects for v in (e.ci_low, e.ci_high, e.estimate) if math.isfinite(v)] + [0.0]
    low, high = min(ends), max(ends)
    if high - low <= 0:
        low, high = low - 1.0, high + 1.0
    pad = 0.05 * (high - low)
    return low - pad, high + pad


def _text(x: float, y: float, text: str, *, size: float, anchor: str = "start", colour: str = "#000000") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" dominant-baseline="central" '
            f'fill="{colour}">{escape(text)}</text>')


def _row(effect: Effect, label: str, colour: str, y: float, to_x: Callable[[float], float], outcome: OutcomeDefinition, lang: Lang,
         right: float) -> list[str]:
    """One arm's row: its interval and point (with the numbers as hover text) and the numbers right of the panel."""
    k = scale(outcome)
    estimate, ci = format_effect(effect.estimate, effect.ci_low, effect.ci_high, outcome, lang)
    parts = [f"<g><title>{escape(f'{label}: {estimate} {ci}')}</title>"]
    if math.isfinite(effect.ci_low) and math.isfinite(effect.ci_high):
        parts.append(f'<line x1="{to_x(effect.ci_low * k):.1f}" x2="{to_x(effect.ci_high * k):.1f}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="{colour}" stroke-width="2.2"/>')
    if math.isfinite(effect.estimate):
        x = to_x(effect.estimate * k)
        if effect.estimator == "pooled":  # a meta-analytic summary is a diamond, as in metafor's forest()
            parts.append(f'<path d="M{x:.1f},{y - 4.5:.1f} L{x + 3.5:.1f},{y:.1f} L{x:.1f},{y + 4.5:.1f} L{x - 3.5:.1f},{y:.1f} Z" fill="{colour}"/>')
        else:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>')
    parts.append("</g>")
    beside = t("not_estimable_short", lang) if effect.not_estimable is not None else f"{estimate} {ci}"
    parts.append(_text(right + 6, y, beside, size=7.5, colour=TEXT))
    return parts


def draw_forest(panels: Sequence[Panel], *, outcome: OutcomeDefinition, lang: Lang = "nl", level: float = DEFAULT_LEVEL) -> str:
    """The forest figure of ``panels`` (``(title, effects, arms, control mean)`` each, see
    :data:`proeftuin.report.forest.Panel`; a NaN control mean, as the pooled panel's, shows no
    control level) as one ``<svg>`` element."""
    k = scale(outcome)
    rows_of = [[a for a in arms if a.code in {e.term for e in effects}] for _, effects, arms, _ in panels]
    heights = [(max(1, sum(1 for a in arms if not a.is_control)) + 1.2) * ROW for _, _, arms, _ in panels]
    width, height = FIGURE_WIDTH * POINT, sum(heights) + TOP + BOTTOM
    left, right = LABEL_MARGIN * POINT, (FIGURE_WIDTH - VALUE_MARGIN) * POINT
    low, high = x_range([e for _, effects, _, _ in panels for e in effects], k)
    marks = ticks(low, high)
    digits = tick_digits(marks)

    def to_x(value: float) -> float:
        return left + (value - low) / (high - low) * (right - left)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}pt" height="{height:.0f}pt" {FONT}>',
           f'<rect width="{width:.0f}" height="{height:.0f}" fill="#ffffff"/>']
    top = TOP
    for index, ((title, effects, _, control_mean), rows, panel_height) in enumerate(zip(panels, rows_of, heights, strict=True)):
        by_arm = {e.term: e for e in effects}
        body_top = top + 1.2 * ROW * 0.55  # the title's space above the rows, as matplotlib's hspace
        body = panel_height - 1.2 * ROW * 0.55
        step = body / max(1, len(rows))
        bottom = body_top + body
        for v in marks:
            out.append(f'<line x1="{to_x(v):.1f}" x2="{to_x(v):.1f}" y1="{body_top:.1f}" y2="{bottom:.1f}" stroke="{GRID}" stroke-width="0.6"/>')
        zero = to_x(0.0)
        out.append(f'<line x1="{zero:.1f}" x2="{zero:.1f}" y1="{body_top:.1f}" y2="{bottom:.1f}" stroke="{AXIS}" stroke-width="0.8"/>')
        out.append(f'<path d="M{left:.1f},{body_top:.1f} V{bottom:.1f} H{right:.1f}" fill="none" stroke="#000000" stroke-width="0.8"/>')
        heading = title if control_mean != control_mean else f"{title} — {t('control_level', lang, value=format_level(control_mean, outcome, lang))}"
        out.append(_text(left, body_top - 7, heading, size=9))
        for i, arm in enumerate(rows):
            y = body_top + (i + 0.5) * step
            out.append(_text(left - 4, y, arm.label(lang), size=8, anchor="end"))
            out.extend(_row(by_arm[arm.code], arm.label(lang), arm_colour(arm), y, to_x, outcome, lang, right))
        if index == len(panels) - 1:  # the x axis's numbers and label under the last panel only
            out.extend(_text(to_x(v), bottom + 9, number(v, lang, digits=digits), size=8, anchor="middle") for v in marks)
            out.append(_text((left + right) / 2, bottom + 26, f"{t(UNIT_TEXT[outcome.unit], lang)} ({t('ci', lang, level=round(level * 100))})", size=9, anchor="middle"))
        top += panel_height
    out.append("</svg>")
    return "".join(out)


__all__ = ["draw_forest", "tick_digits", "ticks", "x_range"]
