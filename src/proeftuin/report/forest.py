"""Forest plots in the style of the seed articles' Figures 1 and 2.

One panel per municipality, one row per arm: the point estimate with its confidence interval,
a vertical line at zero, and the control group's level printed above each panel. Binary
outcomes are shown in percentage points. Plot functions accept ``ax=None`` so callers compose.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

from proeftuin.analysis.trial import PooledGroup
from proeftuin.analysis.results import Effect
from proeftuin.design.outcomes import OutcomeDefinition
from proeftuin.design.spec import ArmSpec, Component
from proeftuin.report.i18n import MISSING, TEXT, Lang, euro, number, t

if TYPE_CHECKING:  # matplotlib is imported by the functions that draw: the formatters here are used without it
    from matplotlib.axes import Axes

TITLE_Y = 1.0
"""Titles at a fixed height above their axes (whose ticks are all below): matplotlib's automatic
placement measures every tick label of every panel for each title, a third of a report's drawing."""

FIGURE_WIDTH = 9.0
LABEL_MARGIN = 2.9
"""Inches left of the panels for the arm labels (the longest, Tilburg's combined arms, fits)."""
VALUE_MARGIN = 1.55
"""Inches right of the panels for each row's estimate and interval."""

COMPONENT_COLOURS = {
    Component.exemption: "#1f5fa8",
    Component.intensive: "#e07b00",
    Component.disregard: "#2a9d47",
    Component.coaching: "#7b4fa0",
    Component.choice: "#777777",
}


def arm_colour(arm: ArmSpec) -> str:
    """The colour of an arm's first component (blue: exemption, as in the seeds' Figure 1)."""
    return COMPONENT_COLOURS.get(arm.components[0], "#444444") if arm.components else "#000000"


def scale(outcome: OutcomeDefinition) -> float:
    """Factor to the reporting unit: 100 for binary outcomes (percentage points), else 1."""
    return 100.0 if outcome.kind == "binary" else 1.0


def format_level(value: float, outcome: OutcomeDefinition, lang: Lang) -> str:
    """A control-group level as the reader sees it in ``lang``: a percentage, a score or an amount
    in euros (Babel's notation); :data:`~proeftuin.report.i18n.MISSING` where there is none."""
    if value != value:
        return MISSING
    kind = outcome.kind
    if kind == "binary":
        return number(value * 100, lang, digits=0) + "%"
    return euro(value, lang) if kind == "amount" else number(value, lang)


def format_effect(estimate: float, low: float, high: float, outcome: OutcomeDefinition, lang: Lang) -> tuple[str, str]:
    """An effect and its interval in reporting units (:func:`scale`), signed, in ``lang``'s notation:
    ``("+8,3", "[+3,1; +13,5]")`` in Dutch."""
    k = scale(outcome)
    return number(estimate * k, lang, signed=True), f"[{number(low * k, lang, signed=True)}; {number(high * k, lang, signed=True)}]"


UNIT_TEXT = {"pp": "effect_pp", "points": "effect_points", "EUR": "effect_euro"}


Panel = tuple[str, Sequence[Effect], Sequence[ArmSpec], float]
"""One panel of a forest figure: its title, the effects on the outcome, the arms (rows), the control group's level."""


def pool_label(group: str, lang: Lang) -> str:
    """The name of a pooling group (a plan's ``pool_as``): each ``+``-joined part by the seed articles'
    name of a component's arms (``Zelf in Actie + Werken Loont``), else as the plan wrote it."""
    return " + ".join(t(f"component_{part}", lang) if f"component_{part}" in TEXT else part for part in group.split("+"))


def pooled_panel(pooled: Sequence[PooledGroup], *, outcome: str, lang: Lang) -> Panel:
    """The pooled estimates as one more panel: a row per pooling group, its interval from the meta-analysis."""
    effects: list[Effect] = []
    arms: list[ArmSpec] = []
    for group in pooled:
        code, result = group.group, group.result
        arms.append(ArmSpec(code=f"pool_{len(arms)}", label_nl=f"{pool_label(code, 'nl')} (k={result.k})",
                            label_en=f"{pool_label(code, 'en')} (k={result.k})", components=group.members[0][1].components))
        effects.append(Effect(outcome=outcome, term=arms[-1].code, estimate=result.estimate, std_error=result.std_error,
                              statistic=result.statistic, p_value=result.p_value, ci_low=result.ci_low, ci_high=result.ci_high,
                              df=result.df, n=result.k, n_arm=0, n_control=0, control_mean=float("nan"), level=result.level,
                              vcov=result.method.upper(), estimator="pooled"))
    return t("pooled_title", lang), effects, arms, float("nan")


def new_axes() -> Axes:
    """The axes of a new figure of its own (matplotlib's object API: no pyplot state, no backend)."""
    from matplotlib.figure import Figure

    return Figure().add_subplot()


def profile_figure(
    months: Sequence[int], series: Sequence[tuple[ArmSpec, Sequence[Effect]]], *, outcome: OutcomeDefinition, title: str,
    lang: Lang = "nl", ax: Axes | None = None,
) -> Axes:
    """Monthly effect profile: estimate and interval band per arm against months since randomization."""
    ax = ax or new_axes()
    k = scale(outcome)
    for arm, effects in series:
        colour = arm_colour(arm)
        ax.plot(months, [e.estimate * k for e in effects], color=colour, label=arm.label(lang), linewidth=1.6)
        ax.fill_between(months, [e.ci_low * k for e in effects], [e.ci_high * k for e in effects], color=colour, alpha=0.12, linewidth=0)
    ax.axhline(0.0, color="#333333", linewidth=0.8)
    ax.set_title(title, fontsize=9, loc="left", y=TITLE_Y)
    ax.set_xlabel(t("month", lang), fontsize=8)
    ax.legend(fontsize=7, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.42), ncols=1)  # below the axes, off the bands
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax


def work_pays_figure(curve, *, title: str, lang: Lang = "nl", ax: Axes | None = None) -> Axes:
    """"Does work pay": net income per month against hours worked at the minimum wage.

    ``curve`` is a frame indexed by hours with one net-income column per line (already labelled
    by the caller, e.g. the arms sharing a benefit regime); the ``earnings`` column, if present,
    is drawn as a dotted reference (income from work alone).
    """
    ax = ax or new_axes()
    for column in curve.columns:
        if column == "earnings":
            ax.plot(curve.index, curve[column], linestyle=":", color="#888888", linewidth=1.0, label=t("earnings_only", lang))
        else:
            ax.plot(curve.index, curve[column], linewidth=1.6, label=textwrap.fill(column, 34))
    ax.set_title(title, fontsize=9, loc="left", y=TITLE_Y)
    ax.set_xlabel(t("hours_per_week", lang), fontsize=8)
    ax.set_ylabel(t("net_income", lang), fontsize=8)
    ax.legend(fontsize=6.5, frameon=False, loc="lower right")
    ax.grid(color="#dddddd", linewidth=0.6)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax
