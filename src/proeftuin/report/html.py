"""The self-contained HTML report: forest plots, monthly profiles and a table of all estimates.

Figures are inline SVG, styles are inline: the file opens in a browser with no network.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from proeftuin import __version__
from proeftuin.analysis.pooling import PooledEffect
from proeftuin.analysis.results import Effect
from proeftuin.analysis.trial import TrialResults
from proeftuin.design.spec import Component
from proeftuin.design.outcomes import INCOME_OUTCOMES, LABOUR_OUTCOMES, SURVEY_INDICES, outcome as outcome_definition
from proeftuin.report.disclosure import DEFAULT_MIN_CELL, format_count, is_disclosive
from proeftuin.report.forest import format_level, forest_figure, pooled_panel, profile_figure, scale, svg_with_tooltips, work_pays_figure
from proeftuin.report.i18n import Lang, t

FIGURE_1 = "work_8h"
FIGURE_2 = "social_trust"


@dataclass(frozen=True)
class ReportContext:
    """What a report says about how its data came about."""

    commitments: dict[str, str] = field(default_factory=dict)
    """Per experiment slug, the SHA-256 commitment of its sealed randomization seed."""
    synthetic: bool = False
    min_cell: int = DEFAULT_MIN_CELL
    other_language_href: str | None = None
    """Link to the same report in the other language, when one is written beside it."""
    pooled: dict[str, list[tuple[Component, PooledEffect]]] = field(default_factory=dict)
    """Per outcome, each arm type pooled across municipalities (the bottom panel of its figure)."""
    work_pays: dict[str, pd.DataFrame] = field(default_factory=dict)
    """Per experiment slug, net income by hours with one column per group of arms (see
    :func:`~proeftuin.report.forest.work_pays_figure`)."""


def _svg(figure: plt.Figure) -> Markup:
    """Inline SVG with text kept as text (smaller, selectable, read by screen readers)."""
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        figure.savefig(buffer, format="svg")
    plt.close(figure)
    text = svg_with_tooltips(buffer.getvalue())
    return Markup(text[text.index("<svg") :])  # noqa: S704 - our own matplotlib output


def _control_mean(results: TrialResults, outcome: str) -> float:
    return next(e.control_mean for e in results.adjusted if e.outcome == outcome)


def forest_svg(trials: Sequence[TrialResults], outcome: str, lang: Lang, pooled: Sequence[tuple[Component, PooledEffect]] = ()) -> Markup:
    """One forest figure (a panel per municipality, the pooled panel last) for ``outcome``, adjusted estimates."""
    panels = [
        (r.spec.municipality, [e for e in r.adjusted if e.outcome == outcome], r.spec.arms, _control_mean(r, outcome))
        for r in trials
    ]
    if pooled:
        panels.append(pooled_panel(pooled, outcome=outcome, lang=lang))
    level = trials[0].level if trials else 0.9
    return _svg(forest_figure(panels, outcome=outcome, lang=lang, level=level))


def profiles_svg(trials: Sequence[TrialResults], outcome: str, lang: Lang) -> Markup:
    """Small multiples: the monthly effect on ``outcome`` per municipality."""
    columns = 3
    rows = -(-len(trials) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(10, 2.6 * rows), sharey=True, squeeze=False)
    for ax, results in zip(axes.ravel(), trials, strict=False):
        effects = [e for e in results.monthly if e.outcome.split("@")[0] == outcome]
        months = sorted({int(e.outcome.split("@")[1]) for e in effects})
        series = [(arm, [e for e in effects if e.term == arm.code]) for arm in results.spec.treatments]
        profile_figure(months, series, title=results.spec.municipality, lang=lang, ax=ax)
    for ax in axes.ravel()[len(trials) :]:
        ax.set_visible(False)
    figure.tight_layout()
    return _svg(figure)


def work_pays_svg(trials: Sequence[TrialResults], curves: dict[str, pd.DataFrame], lang: Lang) -> Markup | None:
    """Small multiples of the "does work pay" curves of the experiments that have one."""
    shown = [r for r in trials if r.spec.slug in curves]
    if not shown:
        return None
    columns = 3
    rows = -(-len(shown) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(11, 3.4 * rows), sharey=True, squeeze=False)
    for ax, results in zip(axes.ravel(), shown, strict=False):
        work_pays_figure(curves[results.spec.slug], title=results.spec.municipality, lang=lang, ax=ax)
    for ax in axes.ravel()[len(shown) :]:
        ax.set_visible(False)
    figure.tight_layout()
    return _svg(figure)


def _row(effect: Effect, results: TrialResults, lang: Lang, context: ReportContext) -> dict[str, str]:
    k = scale(effect.outcome)
    arm = results.spec.arm(effect.term)
    suppressed = is_disclosive(effect.n_arm, effect.n_control, min_cell=context.min_cell)
    return {
        "municipality": results.spec.municipality,
        "arm": arm.label(lang),
        "outcome": outcome_definition(effect.outcome).label(lang),
        "estimate": t("suppressed", lang, k=context.min_cell) if suppressed else f"{effect.estimate * k:+.1f}",
        "ci": "" if suppressed else f"[{effect.ci_low * k:+.1f}; {effect.ci_high * k:+.1f}]",
        "p_value": "" if suppressed else f"{effect.p_value:.3f}",
        "n": f"{format_count(effect.n_arm, min_cell=context.min_cell)} / {format_count(effect.n_control, min_cell=context.min_cell)}",
        "control_mean": "" if suppressed else format_level(effect.control_mean, effect.outcome),
        "significant": "" if suppressed or not (effect.ci_low > 0 or effect.ci_high < 0) else "sig",
    }


def render_report(trials: Sequence[TrialResults], *, lang: Lang = "nl", context: ReportContext | None = None) -> str:
    """The report as one HTML string."""
    context = context or ReportContext()
    env = Environment(loader=PackageLoader("proeftuin.report", "templates"), autoescape=select_autoescape(["html", "j2"]))
    level = round((trials[0].level if trials else 0.9) * 100)
    measured = {e.outcome for r in trials for e in r.adjusted}
    others = [o for o in (*LABOUR_OUTCOMES, *INCOME_OUTCOMES, *SURVEY_INDICES) if o.name not in (FIGURE_1, FIGURE_2) and o.name in measured]
    tables = {
        version: [_row(e, r, lang, context) for r in trials for e in getattr(r, version)]
        for version in ("adjusted", "unadjusted")
    }
    return env.get_template("report.html.j2").render(
        lang=lang,
        t=lambda key, **values: t(key, lang, **values),
        level=level,
        version=__version__,
        today=dt.date.today().isoformat(),
        context=context,
        trials=trials,
        figure1=forest_svg(trials, FIGURE_1, lang, context.pooled.get(FIGURE_1, ())),
        figure2=forest_svg(trials, FIGURE_2, lang, context.pooled.get(FIGURE_2, ())),
        other_figures=[(o.label(lang), forest_svg(trials, o.name, lang, context.pooled.get(o.name, ()))) for o in others],
        pooled_note=t("pooled_note", lang) if context.pooled else "",
        profiles=profiles_svg(trials, FIGURE_1, lang),
        work_pays=work_pays_svg(trials, context.work_pays, lang),
        tables=tables,
        other_lang_href=context.other_language_href,
    )


def write_report(trials: Sequence[TrialResults], path: Path, *, lang: Lang = "nl", context: ReportContext | None = None) -> Path:
    """Write :func:`render_report` to ``path`` (folders created); returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(trials, lang=lang, context=context), encoding="utf-8")
    return path
