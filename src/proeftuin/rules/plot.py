"""The "does work pay" chart of :func:`proeftuin.rules.income_curve`."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Literal

import pandas as pd

from proeftuin.rules.errors import RulesError
from proeftuin.rules.regimes import get_regime

if TYPE_CHECKING:  # matplotlib (0.5-1 s to import) is loaded by the one command that draws the chart
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

LABELS = {
    "nl": {
        "x": "Uren werk per week (tegen het minimumloon)",
        "y": "Netto inkomen per maand (EUR)",
        "title": "Loont werken? Netto inkomen naar gewerkte uren",
    },
    "en": {
        "x": "Hours worked per week (at the minimum wage)",
        "y": "Net income per month (EUR)",
        "title": "Does work pay? Net income by hours worked",
    },
}


def plot_income_curve(
    df: pd.DataFrame, ax: Axes | None = None, lang: Literal["nl", "en"] = "nl"
) -> Figure:
    """Net income against hours, one line per regime column of ``df`` (``income_curve``).

    Labels are Dutch by default; ``lang="en"`` for English. Draws on ``ax`` if given.
    """
    if lang not in LABELS:
        raise RulesError(f"unknown language {lang!r}: expected one of {', '.join(LABELS)}")
    from matplotlib.figure import Figure

    names = [c for c in df.columns if c != "earnings"]
    if ax is None:
        # room below the axes for a legend of long regime descriptions, one per line
        fig = Figure(figsize=(8, 5 + 0.45 * len(names)))
        ax = fig.add_subplot()
    else:
        fig = ax.get_figure()
    text = LABELS[lang]
    styles = ["-", "--", ":", "-."]
    for i, name in enumerate(names):
        regime = get_regime(name)
        description = regime.label if lang == "nl" else regime.label_en
        label = textwrap.fill(f"{name}: {description}", width=90)
        # regimes often coincide over a range of hours: dashes keep every line visible
        ax.plot(df.index, df[name], label=label, linestyle=styles[i % len(styles)], linewidth=2.2 - 0.3 * (i % 3))
    ax.set_xlabel(text["x"])
    ax.set_ylabel(text["y"])
    ax.set_title(text["title"])
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=1, frameon=False)
    return fig
