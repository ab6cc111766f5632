"""The "does work pay" chart of :func:`proeftuin.rules.income_curve`."""

from __future__ import annotations

from typing import Literal

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from proeftuin.rules.errors import RulesError
from proeftuin.rules.regimes import get_regime

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
    if ax is None:
        fig = Figure(figsize=(7, 4.5))
        ax = fig.add_subplot()
    else:
        fig = ax.get_figure()
    text = LABELS[lang]
    for name in (c for c in df.columns if c != "earnings"):
        regime = get_regime(name)
        ax.plot(df.index, df[name], label=regime.label if lang == "nl" else regime.label_en)
    ax.set_xlabel(text["x"])
    ax.set_ylabel(text["y"])
    ax.set_title(text["title"])
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    return fig
