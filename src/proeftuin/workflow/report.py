"""Use case: the report of one or several stored trials, side by side (``proeftuin report``).

Every trial gets the standard analysis (:mod:`proeftuin.workflow.standard_analysis`); arms of
different trials that share a pooling group are pooled by random-effects meta-analysis
(:func:`proeftuin.analysis.trial.pool_groups`, the members named in the caption); the report
shows each trial's seal commitment, its "does work pay" curves and says when its participants
are synthetic (built by ``proeftuin demo``). The demo writes its report through this module, and
the web's downloads and pooled table come from it too, so all three show the same numbers.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from proeftuin.analysis import DEFAULT_LEVEL
from proeftuin.analysis.trial import PooledGroup, TrialResults, pool_groups
from proeftuin.design import ExperimentSpec
from proeftuin.registry import RegistryError, get_experiment, latest_analysis_run, session_scope
from proeftuin.registry.experiments import seal_of
from proeftuin.design.plan import TrialPlan
from proeftuin.registry.experiments import trial_plan
from proeftuin.report.formats import Format
from proeftuin.report import LANGUAGES, Lang, ReportContext
from proeftuin.report.disclosure import DEFAULT_MIN_CELL
from proeftuin.report.html import Medium, load_figures, outcome_definitions, render_report_media, report_template
from proeftuin.report.pdf import html_to_pdf, load_weasyprint
from proeftuin.rules import income_curve
from proeftuin.report.sections.data import TrialSections
from proeftuin.workflow.report_sections import trial_sections
from proeftuin.workflow.standard_analysis import StoredTrial, analyze_stored, load_trial

FORMATS: tuple[Format, ...] = ("html", "pdf")
SYNTHETIC_BUILD = "demo-build"
"""The kind of analysis run that marks a trial built from synthetic people (``proeftuin demo``)."""


def report_name(lang: Lang, fmt: Format) -> str:
    """The file name of a report: ``report.html`` in Dutch, ``report.en.html`` in English (``.pdf`` likewise)."""
    return f"report.{fmt}" if lang == "nl" else f"report.{lang}.{fmt}"


def work_pays_curve(spec: ExperimentSpec, *, lang: Lang, household: str = "single") -> pd.DataFrame:
    """Net income by hours under each of the experiment's regimes, on its start date.

    Columns are labelled by the arms that share a regime (e.g. control and exemption both have
    the regular disregard), plus ``earnings``.
    """
    arms_by_regime: dict[str, list[str]] = {}
    for arm in spec.arms:
        arms_by_regime.setdefault(arm.regime, []).append(arm.label(lang))
    curve = income_curve(date=spec.start, household=household, regimes=list(arms_by_regime))
    return curve.rename(columns={regime: ", ".join(labels) for regime, labels in arms_by_regime.items()})


@dataclass(frozen=True)
class TrialsReport:
    """What a report of several trials shows: their results, the pooled groups per outcome, the seals."""

    trials: tuple[TrialResults, ...]
    pooled: dict[str, list[PooledGroup]]
    commitments: dict[str, str]
    synthetic: bool
    min_cell: int
    plans: dict[str, TrialPlan]
    sections: dict[str, TrialSections]

    def context(self, lang: Lang, *, other_language_href: str | None = None) -> ReportContext:
        """The report's context in ``lang`` (the work-pays curves are labelled in it)."""
        return ReportContext(
            commitments=self.commitments, synthetic=self.synthetic, min_cell=self.min_cell, pooled=self.pooled,
            work_pays={r.spec.slug: work_pays_curve(r.spec, lang=lang) for r in self.trials},
            other_language_href=other_language_href, plans=self.plans, sections=self.sections,
        )

    def render(self, lang: Lang, fmt: Format, *, other_language_href: str | None = None) -> bytes:
        """The report as the bytes of an HTML page (UTF-8) or a PDF file."""
        return self.render_formats(lang, (fmt,), other_language_href=other_language_href)[fmt]

    def render_formats(self, lang: Lang, fmts: Sequence[Format], *, other_language_href: str | None = None) -> dict[Format, bytes]:
        """The report in each of ``fmts``, its figures drawn once: the PDF is the HTML printed by WeasyPrint."""
        context = self.context(lang, other_language_href=other_language_href)
        media: dict[Format, Medium] = {"html": "screen", "pdf": "print"}
        pages = render_report_media(self.trials, lang=lang, context=context, media=[media[f] for f in fmts])
        return {f: html_to_pdf(pages["print"]) if f == "pdf" else pages["screen"].encode("utf-8") for f in fmts}


def pooled_effects(trials: Sequence[TrialResults], *, level: float = DEFAULT_LEVEL) -> dict[str, list[PooledGroup]]:
    """Per outcome, every pooling group with arms in two or more of ``trials`` (none for a single trial)."""
    pooled = {}
    for definition in outcome_definitions(trials):
        groups = pool_groups(trials, definition.name, level=level)
        if groups:
            pooled[definition.name] = groups
    return pooled


def assemble_report(
    engine: Engine, trials: Sequence[TrialResults], *, level: float = DEFAULT_LEVEL, min_cell: int = DEFAULT_MIN_CELL,
    stored: Sequence[StoredTrial] | None = None,
) -> TrialsReport:
    """The report of already analysed ``trials``: pooled groups, seal commitments, whether all are synthetic, and
    the extra sections (:func:`~proeftuin.workflow.report_sections.trial_sections`) from ``stored``, each trial's
    data as analysed (read again when not given)."""
    loaded = list(stored) if stored is not None else [load_trial(engine, r.spec.slug) for r in trials]
    sections = {r.spec.slug: trial_sections(engine, data, r) for r, data in zip(trials, loaded, strict=True)}
    with session_scope(engine) as session:
        experiments = [get_experiment(session=session, slug=r.spec.slug) for r in trials]
        commitments = {}
        for e in experiments:
            try:
                commitments[e.slug] = seal_of(session=session, experiment=e).commitment
            except RegistryError:  # created without a sealed randomization: nothing to state
                continue
        synthetic = all(latest_analysis_run(session=session, experiment=e, kind=SYNTHETIC_BUILD) is not None for e in experiments)
        plans = {}
        for e in experiments:
            try:
                plans[e.slug] = trial_plan(e)
            except RegistryError:  # created without a plan: the card states what the spec says
                continue
    return TrialsReport(tuple(trials), pooled_effects(trials, level=level), commitments, synthetic, min_cell, plans, sections)


def build_report(engine: Engine, slugs: Sequence[str], *, level: float = DEFAULT_LEVEL, min_cell: int = DEFAULT_MIN_CELL) -> TrialsReport:
    """The standard analysis of every trial in ``slugs`` (in that order), assembled into one report.

    Raises :class:`~proeftuin.registry.RegistryError` for an unknown trial and
    :class:`~proeftuin.workflow.standard_analysis.NotAnalysable` for one that cannot be analysed yet.
    """
    if not slugs:
        raise ValueError("a report needs at least one experiment")
    if len(set(slugs)) != len(slugs):
        raise ValueError(f"an experiment is named twice: {', '.join(slugs)}")
    stored = [load_trial(engine, slug) for slug in slugs]
    trials = [analyze_stored(trial, level=level) for trial in stored]
    return assemble_report(engine, trials, level=level, min_cell=min_cell, stored=stored)


def _language_process() -> None:
    """The garbage collector of a process that draws one language: what it inherits frozen (``gc.freeze``: the
    loaded modules, the analysed trials) and no automatic collection while it lives (it ends with its report).

    In the six demo trials' report, each language's process spent 0.27 s of CPU in 10 collections, mostly
    walking the objects inherited from the parent; 0.11-0.12 s once they were frozen, none without automatic
    collection, for 9 MB more at its peak (412 -> 422 MB): what becomes garbage in a cycle while a report is
    laid out stays until the process ends (measured on the 2-core development machine, load 6-7). The
    parent's own collector is left as it was.
    """
    gc.freeze()
    gc.disable()


def write_reports(
    report: TrialsReport, out: Path, *, langs: Sequence[Lang] = LANGUAGES, fmt: Format | Sequence[Format] = "html"
) -> dict[Lang, Path]:
    """Write the report in each of ``langs`` and formats ``fmt`` into folder ``out`` (:func:`report_name`);
    HTML versions written together link to each other. Returns the path per language (of the first format).

    The languages are drawn in parallel: matplotlib holds the GIL, so in processes, forked (no
    database connection is open here) where the platform can, else one after the other. A
    language's HTML and PDF are made in the same process from the same figures.
    """
    fmts: tuple[Format, ...] = (fmt,) if isinstance(fmt, str) else tuple(fmt)
    out.mkdir(parents=True, exist_ok=True)

    def other(lang: Lang) -> str | None:
        return next((report_name(o, "html") for o in langs if o != lang), None) if "html" in fmts else None

    workers = min(len(langs), os.cpu_count() or 1) if "fork" in multiprocessing.get_all_start_methods() else 1
    if workers > 1 and "pdf" in fmts:
        load_weasyprint()  # loaded once before the fork, not in each language's process
    if workers > 1:
        load_figures()  # matplotlib and its SVG writer loaded once here, not in each language's process
        report_template()  # compiled once here, not in each language's process
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"), initializer=_language_process) as pool:
            jobs = {lang: pool.submit(report.render_formats, lang, fmts, other_language_href=other(lang)) for lang in langs}
            contents = {lang: job.result() for lang, job in jobs.items()}
    else:
        contents = {lang: report.render_formats(lang, fmts, other_language_href=other(lang)) for lang in langs}
    for lang, files in contents.items():
        for f, content in files.items():
            (out / report_name(lang, f)).write_bytes(content)
    return {lang: out / report_name(lang, fmts[0]) for lang in langs}


def report_experiments(
    engine: Engine,
    slugs: Sequence[str],
    *,
    out: Path,
    langs: Sequence[Lang] = ("nl",),
    fmt: Format = "html",
    level: float = DEFAULT_LEVEL,
    min_cell: int = DEFAULT_MIN_CELL,
) -> dict[Lang, Path]:
    """``proeftuin report``: analyse ``slugs`` and write their report into ``out``."""
    report = build_report(engine, slugs, level=level, min_cell=min_cell)
    engine.dispose()  # no pooled connection may be inherited by the processes that draw the report
    return write_reports(report, out, langs=langs, fmt=fmt)


__all__ = [
    "FORMATS",
    "Format",
    "SYNTHETIC_BUILD",
    "TrialsReport",
    "assemble_report",
    "build_report",
    "pooled_effects",
    "report_experiments",
    "report_name",
    "work_pays_curve",
    "write_reports",
]
