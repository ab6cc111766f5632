"""The self-contained HTML report: forest plots, monthly profiles and a table of all estimates.

Figures are inline SVG, styles are inline: the file opens in a browser with no network.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pandas as pd
from jinja2 import Environment, PackageLoader, Template, select_autoescape
from markupsafe import Markup

from proeftuin import __version__
from proeftuin.analysis.options import DEFAULT_LEVEL
from proeftuin.analysis.results import Effect
from proeftuin.analysis.trial import PooledGroup, TrialResults
from proeftuin.design.outcomes import OutcomeDefinition
from proeftuin.design.plan import TrialPlan
from proeftuin.design.spec import ExperimentSpec
from proeftuin.report.disclosure import DEFAULT_MIN_CELL, format_count, is_disclosive
from proeftuin.report.forest import (
    Panel,
    format_effect,
    format_level,
    pool_label,
    pooled_panel,
    profile_figure,
    scale,
    work_pays_figure,
)
from proeftuin.report.forest_svg import draw_forest
from proeftuin.report.i18n import MISSING, Lang, number, t
from proeftuin.report.reasons import reason_text
from proeftuin.report.sections.data import TrialSections
from proeftuin.report.sections.labels import covariate_name
from proeftuin.report.sections.view import sections_view
from proeftuin.report.sentences import effect_sentence, outcome_definition

if TYPE_CHECKING:  # matplotlib is imported where a figure is drawn (write_reports loads it before its fork)
    import numpy as np
    from matplotlib.figure import Figure

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
    pooled: dict[str, list[PooledGroup]] = field(default_factory=dict)
    """Per outcome, each pooling group's arms pooled across trials (the bottom panel of its figure)."""
    work_pays: dict[str, pd.DataFrame] = field(default_factory=dict)
    """Per experiment slug, net income by hours with one column per group of arms (see
    :func:`~proeftuin.report.forest.work_pays_figure`)."""
    plans: dict[str, TrialPlan] = field(default_factory=dict)
    """Per experiment slug, its plan: the design card's randomization moment and strata labels come from it."""
    sections: dict[str, TrialSections] = field(default_factory=dict)
    """Per experiment slug, the numbers of the extra sections (subgroups, services, sources, balance and response)."""


def outcome_definitions(trials: Sequence[TrialResults]) -> list[OutcomeDefinition]:
    """Every outcome estimated in any of ``trials``, once, in report order (labour, income, the plans' own, survey)."""
    seen: dict[str, OutcomeDefinition] = {}
    for results in trials:
        for o in results.outcomes:
            seen.setdefault(o.name, o)
    order = {"labour": 0, "income": 1, "own": 2, "survey": 3}
    return sorted(seen.values(), key=lambda o: order[o.family])


def load_figures() -> None:
    """Import what drawing a figure needs (matplotlib's figures and SVG writer, its font list: 0.3-0.5 s),
    so that processes forked afterwards share it instead of each importing it."""
    import matplotlib.backends.backend_svg  # noqa: F401 - imported for its side effect: loaded once
    import matplotlib.figure  # noqa: F401 - likewise


def figure_grid(rows: int, columns: int, size: tuple[float, float]) -> tuple[Figure, np.ndarray]:
    """A figure of ``size`` inches with a grid of axes sharing their y axis, drawn with matplotlib's
    object API (no pyplot: no figure registry, no backend machinery to load)."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=size)
    return figure, figure.subplots(rows, columns, sharey=True, squeeze=False)


def _svg(figure: Figure, name: str) -> Markup:
    """Inline SVG of ``figure``: text kept as text (smaller, selectable, read by screen readers); the ids of
    clip paths and markers hashed with the figure's ``name`` (unique in a page, as ids must be) and no date of
    drawing in the metadata, so that the same figure gives the same SVG in every run."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": f"proeftuin-{name}"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    return Markup(text[text.index("<svg") :])  # noqa: S704 - our own matplotlib output


def trial_titles(specs: Sequence[ExperimentSpec]) -> dict[str, str]:
    """Per slug, how a trial is named beside others: its municipality, or its name where a municipality runs several."""
    counts = Counter(spec.municipality for spec in specs)
    return {spec.slug: spec.municipality if counts[spec.municipality] == 1 else spec.name for spec in specs}


def forest_panels(trials: Sequence[TrialResults], outcome: OutcomeDefinition, lang: Lang, pooled: Sequence[PooledGroup] = ()) -> list[Panel]:
    """The panels of ``outcome``'s forest figure: one per trial that measured it, the pooled panel last."""
    panels: list[Panel] = []
    titles = trial_titles([r.spec for r in trials])
    for r in trials:
        effects = [e for e in r.adjusted if e.outcome == outcome.name]
        if effects:
            panels.append((titles[r.spec.slug], effects, r.spec.arms, effects[0].control_mean))
    if pooled:
        panels.append(pooled_panel(pooled, outcome=outcome.name, lang=lang))
    return panels


def forest_svg(trials: Sequence[TrialResults], outcome: OutcomeDefinition, lang: Lang, pooled: Sequence[PooledGroup] = ()) -> Markup:
    """One forest figure (a panel per municipality, the pooled panel last) for ``outcome``, adjusted estimates."""
    level = trials[0].level if trials else DEFAULT_LEVEL
    return Markup(draw_forest(forest_panels(trials, outcome, lang, pooled), outcome=outcome, lang=lang, level=level))  # noqa: S704 - our own SVG, its text escaped


def fixed_margins(figure: Figure, rows: int, *, left: float, right: float, top: float, bottom: float, gap: float, wspace: float) -> None:
    """Place a grid of ``rows`` rows of axes with margins and the gap between rows in inches: what
    ``tight_layout`` found for the report's small multiples, without its measuring every label
    (a third of such a figure's drawing time)."""
    width, height = figure.get_size_inches()
    axes_height = (height - top - bottom - (rows - 1) * gap) / rows
    figure.subplots_adjust(left=left / width, right=1 - right / width, top=1 - top / height, bottom=bottom / height,
                           wspace=wspace, hspace=gap / axes_height)


def profiles_svg(trials: Sequence[TrialResults], outcome: OutcomeDefinition, lang: Lang) -> Markup:
    """Small multiples: the monthly effect on ``outcome`` per municipality."""
    columns = min(3, max(1, len(trials)))
    rows = -(-len(trials) // columns)
    figure, axes = figure_grid(rows, columns, (10, 3.2 * rows))
    titles = trial_titles([r.spec for r in trials])
    for ax, results in zip(axes.ravel(), trials, strict=False):
        effects = [e for e in results.monthly if e.outcome.split("@")[0] == outcome.name]
        months = sorted({int(e.outcome.split("@")[1]) for e in effects})
        series = [(arm, [e for e in effects if e.term == arm.code]) for arm in results.spec.treatments]
        profile_figure(months, series, outcome=outcome, title=titles[results.spec.slug], lang=lang, ax=ax)
    for ax in axes.ravel()[len(trials) :]:
        ax.set_visible(False)
    fixed_margins(figure, rows, left=0.55, right=0.15, top=0.35, bottom=1.6, gap=1.95, wspace=0.1)  # the legends below the axes
    return _svg(figure, f"profiles-{outcome.name}")


def work_pays_svg(trials: Sequence[TrialResults], curves: dict[str, pd.DataFrame], lang: Lang) -> Markup | None:
    """Small multiples of the "does work pay" curves of the experiments that have one."""
    shown = [r for r in trials if r.spec.slug in curves]
    if not shown:
        return None
    columns = min(3, len(shown))
    rows = -(-len(shown) // columns)
    figure, axes = figure_grid(rows, columns, (11, 3.4 * rows))
    for ax, results in zip(axes.ravel(), shown, strict=False):
        work_pays_figure(curves[results.spec.slug], title=results.spec.municipality, lang=lang, ax=ax)
    for ax in axes.ravel()[len(shown) :]:
        ax.set_visible(False)
    fixed_margins(figure, rows, left=0.8, right=0.15, top=0.35, bottom=0.55, gap=0.75, wspace=0.12)
    return _svg(figure, "work-pays")


@dataclass(frozen=True)
class EffectRow:
    """One arm's effect on one outcome as the reader sees it; the numbers are empty when ``suppressed``."""

    municipality: str
    arm: str
    outcome: str
    estimate: str
    ci: str
    p_value: str
    n: str
    control_mean: str
    suppressed: bool
    significant: bool


def effect_row(effect: Effect, results: TrialResults, lang: Lang, min_cell: int) -> EffectRow:
    """The one formatter of an estimate for tables (report, PDF, web): reporting units in ``lang``'s
    notation, small cells suppressed, a not-estimable effect with its reason (never ``nan``)."""
    definition = results.definition(effect.outcome)
    suppressed = is_disclosive(effect.n_arm, effect.n_control, min_cell=min_cell)
    n = f"{format_count(effect.n_arm, min_cell=min_cell)} / {format_count(effect.n_control, min_cell=min_cell)}"
    arm, outcome = results.spec.arm(effect.term).label(lang), definition.label(lang)
    control = "" if suppressed else format_level(effect.control_mean, definition, lang)
    if effect.not_estimable is not None and not suppressed:  # the reason, never a misleading number
        return EffectRow(results.spec.municipality, arm, outcome, MISSING, t("not_estimable_reason", lang, reason=reason_text(effect.not_estimable, lang)),
                         "", n, control, False, False)
    estimate, ci = format_effect(effect.estimate, effect.ci_low, effect.ci_high, definition, lang)
    return EffectRow(
        municipality=results.spec.municipality,
        arm=arm,
        outcome=outcome,
        estimate="" if suppressed else estimate,
        ci="" if suppressed else ci,
        p_value="" if suppressed else number(effect.p_value, lang, digits=3),
        n=n,
        control_mean=control,
        suppressed=suppressed,
        significant=not suppressed and (effect.ci_low > 0 or effect.ci_high < 0),
    )


@dataclass(frozen=True)
class PooledRow:
    """One pooling group's effect on one outcome as text: its members named, in reporting units."""

    outcome: str
    group: str
    k: int
    members: str
    estimate: str
    ci: str
    tau2: str
    i2: str


def pooled_rows(pooled: dict[str, list[PooledGroup]], definitions: Sequence[OutcomeDefinition], lang: Lang) -> list[PooledRow]:
    """The pooled effects of :func:`~proeftuin.analysis.trial.pool_groups` as table rows, outcome by outcome."""
    rows = []
    for definition in definitions:
        k = scale(definition)
        for group in pooled.get(definition.name, []):
            r = group.result
            estimate, ci = format_effect(r.estimate, r.ci_low, r.ci_high, definition, lang)
            rows.append(PooledRow(definition.label(lang), pool_label(group.group, lang), r.k, pooled_members(group, lang),
                                  estimate, ci, number(r.tau2 * k * k, lang, digits=2), number(r.i2, lang, digits=0) + "%"))
    return rows


def pooled_members(group: PooledGroup, lang: Lang) -> str:
    """The arms a pooled estimate pools, named (``Municipality: arm``, :func:`trial_titles`)."""
    titles = trial_titles([spec for spec, _ in group.members])
    return "; ".join(f"{titles[spec.slug]}: {arm.label(lang)}" for spec, arm in group.members)


def pooled_caption(pooled: Sequence[PooledGroup], lang: Lang) -> str:
    """The caption naming the members of every pooled row of a figure."""
    return " ".join(f"{pool_label(g.group, lang)} (k={g.result.k}): {pooled_members(g, lang)}." for g in pooled)


@cache
def report_template() -> Template:
    """The report's Jinja template, compiled once per process (0.1 s): :func:`~proeftuin.workflow.report.write_reports`
    compiles it before it forks the processes that draw each language."""
    env = Environment(loader=PackageLoader("proeftuin.report", "templates"), autoescape=select_autoescape(["html", "j2"]))
    env.filters["b64"] = lambda text: base64.b64encode(str(text).encode("utf-8")).decode("ascii")
    return env.get_template("report.html.j2")


Medium = Literal["screen", "print"]
"""``screen``: the web page (collapsible sections); ``print``: the page WeasyPrint prints (all open, a table of contents with page numbers)."""


def effect_sentences(trials: Sequence[TrialResults], definition: OutcomeDefinition, lang: Lang, context: ReportContext) -> list[str]:
    """Every arm's effect on ``definition`` in words (:func:`~proeftuin.report.sentences.effect_sentence`),
    trial by trial, then each pooled group's."""
    titles = trial_titles([r.spec for r in trials])
    sentences = []
    for r in trials:
        for e in (e for e in r.adjusted if e.outcome == definition.name):
            who = f"{titles[r.spec.slug]}, {r.spec.arm(e.term).label(lang)}"
            small = context.min_cell if is_disclosive(e.n_arm, e.n_control, min_cell=context.min_cell) else None
            sentences.append(effect_sentence(who, e.estimate, e.ci_low, e.ci_high, definition, level=e.level, lang=lang,
                                             not_estimable=None if e.not_estimable is None else reason_text(e.not_estimable, lang),
                                             suppressed_below=small))
    for g in context.pooled.get(definition.name, []):
        who = t("pooled_who", lang, group=pool_label(g.group, lang), k=g.result.k)
        sentences.append(effect_sentence(who, g.result.estimate, g.result.ci_low, g.result.ci_high, definition, level=g.result.level, lang=lang))
    return sentences


def design_note(results: TrialResults, lang: Lang, context: ReportContext) -> str | None:
    """The design card's randomization sentence: when lots were drawn (the plan's ``invitations``),
    the strata by their labels, the seal's commitment; ``None`` for a trial without a seal."""
    commitment = context.commitments.get(results.spec.slug)
    if commitment is None:
        return None
    plan = context.plans.get(results.spec.slug)
    before = plan is not None and plan.invitations.randomized_before_invitation
    moment = t("randomized_before_invitation" if before else "randomized_after_consent", lang)
    labels = [covariate_name(plan, name, lang) for name in results.spec.strata]
    strata = t("stratified_by", lang, strata=", ".join(labels)) if labels else t("not_stratified", lang)
    return t("seal", lang, moment=moment, strata=strata, commitment=commitment[:16])


def plan_notes(results: TrialResults, lang: Lang, context: ReportContext) -> str:
    """A plan's free-text notes in the report's language (:meth:`~proeftuin.design.spec.ExperimentSpec.note`;
    none where the plan has none in it), not for synthetic data: they describe the real trial."""
    return results.spec.note(lang) if not context.synthetic else ""


def render_report_media(
    trials: Sequence[TrialResults], *, lang: Lang = "nl", context: ReportContext | None = None, media: Sequence[Medium] = ("screen",)
) -> dict[Medium, str]:
    """The report as one HTML string per medium, its figures drawn once for all."""
    context = context or ReportContext()
    level = round((trials[0].level if trials else DEFAULT_LEVEL) * 100)
    definitions = {o.name: o for o in outcome_definitions(trials)}
    tables = {
        version: [effect_row(e, r, lang, context.min_cell) for r in trials for e in getattr(r, version)]
        for version in ("adjusted", "unadjusted")
    }

    def figure(definition: OutcomeDefinition) -> tuple[Markup, str, list[str]]:
        pooled = context.pooled.get(definition.name, [])
        return forest_svg(trials, definition, lang, pooled), pooled_caption(pooled, lang), effect_sentences(trials, definition, lang, context)

    headline = {name: figure(definitions[name]) for name in (FIGURE_1, FIGURE_2) if name in definitions}
    titles = {
        FIGURE_1: t("figure_title", lang, n=1, label=definitions[FIGURE_1].label(lang)) if FIGURE_1 in definitions else "",
        FIGURE_2: t("figure_title", lang, n=2, label=t("figure_last_wave", lang, label=definitions[FIGURE_2].label(lang)))
        if FIGURE_2 in definitions else "",
    }
    others = [(o.label(lang), *figure(o)) for name, o in definitions.items() if name not in (FIGURE_1, FIGURE_2)]
    variables = dict(
        lang=lang,
        t=lambda key, **values: t(key, lang, **values),
        level=level,
        version=__version__,
        today=dt.date.today().isoformat(),
        context=context,
        trials=trials,
        figure1=headline.get(FIGURE_1),
        figure2=headline.get(FIGURE_2),
        figure_titles=titles,
        other_figures=others,
        pooled_note=t("pooled_note", lang) if context.pooled else "",
        profiles=profiles_svg(trials, definitions[FIGURE_1], lang) if FIGURE_1 in definitions else None,
        profiles_title=t("monthly", lang, label=definitions[FIGURE_1].label(lang)) if FIGURE_1 in definitions else "",
        work_pays=work_pays_svg(trials, context.work_pays, lang),
        tables=tables,
        definitions=[outcome_definition(o, lang) for o in definitions.values()],
        design_notes={r.spec.slug: design_note(r, lang, context) for r in trials},
        plan_notes={r.spec.slug: plan_notes(r, lang, context) for r in trials},
        not_estimable=[(r.spec.municipality, definitions[name].label(lang) if name in definitions else name, reason_text(reason, lang))
                       for r in trials for name, reason in r.not_estimable.items()],
        other_lang_href=context.other_language_href,
        extra=[sections_view(r, context.sections[r.spec.slug], context.plans.get(r.spec.slug), definitions, lang, context.min_cell)
               for r in trials if r.spec.slug in context.sections],
    )
    template = report_template()
    return {medium: template.render(printed=medium == "print", **variables) for medium in media}


def render_report(trials: Sequence[TrialResults], *, lang: Lang = "nl", context: ReportContext | None = None, medium: Medium = "screen") -> str:
    """The report as one HTML string (``medium="print"``: the source of the PDF, :mod:`proeftuin.report.pdf`)."""
    return render_report_media(trials, lang=lang, context=context, media=(medium,))[medium]


def write_report(trials: Sequence[TrialResults], path: Path, *, lang: Lang = "nl", context: ReportContext | None = None) -> Path:
    """Write :func:`render_report` to ``path`` (folders created); returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(trials, lang=lang, context=context), encoding="utf-8")
    return path
