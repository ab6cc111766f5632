"""What the results pages show, computed once per (database, experiment, import state) and kept in memory.

The analysis is the workflow's standard one (:func:`proeftuin.workflow.demo.analyze`); balance,
attrition and pooling come from the analysis package's public API; figures from the report
package. Every count shown goes through the disclosure rule (cells under ``min_cell`` are
suppressed). Nothing here writes to the database.
"""

from __future__ import annotations

import io
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from proeftuin.analysis import AttritionReport, BalanceTable, attrition_table, balance_table, pool_effects
from proeftuin.analysis.results import Effect
from proeftuin.analysis.trial import TrialResults
from proeftuin.design import ExperimentSpec
from proeftuin.design.outcomes import INCOME_OUTCOMES, LABOUR_OUTCOMES, SURVEY_INDICES, OutcomeDefinition
from proeftuin.registry import load_experiment_data, session_scope
from proeftuin.report.disclosure import Line, format_count, is_disclosive, publish
from proeftuin.report.forest import format_level, scale
from proeftuin.report.html import ReportContext, forest_svg, profiles_svg, render_report
from proeftuin.web.deps import templates
from proeftuin.web.queries import data_state, enrolment_counts, experiment_overviews
from proeftuin.workflow.demo import analyze

LEVEL = 0.90
"""Confidence level of every interval on the results pages (as the seed articles)."""
BALANCE_COVARIATES = ("age", "sex", "household", "months_on_benefit", "education", "health", "migration_background",
                      "distance_to_labour_market")
OUTCOMES: tuple[OutcomeDefinition, ...] = (*LABOUR_OUTCOMES, *INCOME_OUTCOMES, *SURVEY_INDICES)
PROFILE_OUTCOME = "work_8h"


@dataclass(frozen=True)
class ConsortArm:
    """One arm's boxes of the flow diagram (counts already formatted for disclosure)."""

    code: str
    randomized: str
    analysed: str


@dataclass(frozen=True)
class Consort:
    invited: str
    enrolled: str
    consented: str
    randomized: str
    arms: list[ConsortArm]


@dataclass(frozen=True)
class EffectRow:
    """One arm's effect on one outcome, as text (empty when suppressed)."""

    municipality: str
    arm: str
    estimate: str
    ci: str
    p_value: str
    n: str
    control_mean: str


@dataclass(frozen=True)
class OutcomeFigure:
    name: str
    label: str
    svg: Markup
    rows: list[EffectRow]


@dataclass
class ExperimentResults:
    """Everything one results page shows."""

    spec: ExperimentSpec
    consort: Consort
    trial: TrialResults | None = None
    problem: str | None = None
    balance: BalanceTable | None = None
    balance_problem: str | None = None
    attrition: AttritionReport | None = None
    attrition_wave: int | None = None
    attrition_problem: str | None = None
    arm_sizes: dict[str, int] = field(default_factory=dict)
    _figures: dict[tuple[str, str], OutcomeFigure] = field(default_factory=dict)
    _profiles: dict[str, Markup] = field(default_factory=dict)
    _reports: dict[str, str] = field(default_factory=dict)
    _bodies: dict[str, Markup] = field(default_factory=dict)
    _pdfs: dict[str, bytes] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def outcomes(self) -> list[OutcomeDefinition]:
        measured = {e.outcome for e in self.trial.adjusted} if self.trial else set()
        return [o for o in OUTCOMES if o.name in measured]

    def figure(self, outcome: OutcomeDefinition, lang: str, min_cell: int) -> OutcomeFigure:
        """The forest plot of ``outcome`` with its table alternative (rendered once per language)."""
        assert self.trial is not None
        with self._lock:
            key = (outcome.name, lang)
            if key not in self._figures:
                effects = [e for e in self.trial.adjusted if e.outcome == outcome.name]
                rows = [effect_row(e, self.trial, lang, min_cell) for e in effects]
                self._figures[key] = OutcomeFigure(outcome.name, outcome.label(lang), forest_svg([self.trial], outcome.name, lang), rows)  # type: ignore[arg-type]
            return self._figures[key]

    def monthly_table(self, min_cell: int) -> list[tuple[int, list[str]]]:
        """The profile figure as rows: month, then ``estimate [low; high]`` per treatment arm (percentage points)."""
        assert self.trial is not None
        effects = {(int(e.outcome.split("@")[1]), e.term): e for e in self.trial.monthly if e.outcome.split("@")[0] == PROFILE_OUTCOME}
        rows = []
        for month in sorted({m for m, _ in effects}):
            cells = []
            for arm in self.spec.treatments:
                e = effects.get((month, arm.code))
                if e is None or is_disclosive(e.n_arm, e.n_control, min_cell=min_cell):
                    cells.append("–")
                else:
                    cells.append(f"{100 * e.estimate:+.1f} [{100 * e.ci_low:+.1f}; {100 * e.ci_high:+.1f}]")
            rows.append((month, cells))
        return rows

    def body(self, lang: str, min_cell: int) -> Markup:
        """The page's content (no user or CSRF token in it), rendered once per language."""
        with self._lock:
            cached = self._bodies.get(lang)
        if cached is None:
            figures = [self.figure(o, lang, min_cell) for o in self.outcomes()] if self.trial else []
            context = {"r": self, "slug": self.spec.slug, "figures": figures, "min_cell": min_cell, "lang": lang,
                       "tr": (lambda nl, en: en if lang == "en" else nl),
                       "profiles": self.profiles(lang) if self.trial else None, "monthly": self.monthly_table(min_cell) if self.trial else []}
            cached = Markup(templates.env.get_template("results_body.html").render(context))  # noqa: S704 - autoescaped template
            with self._lock:
                self._bodies[lang] = cached
        return cached

    def report(self, lang: str, min_cell: int) -> str:
        """The self-contained HTML report of this experiment (rendered once per language)."""
        assert self.trial is not None
        with self._lock:
            if lang not in self._reports:
                self._reports[lang] = render_report([self.trial], lang=lang, context=ReportContext(min_cell=min_cell))  # type: ignore[arg-type]
            return self._reports[lang]

    def pdf(self, lang: str, min_cell: int) -> bytes:
        """The report as PDF, drawn by matplotlib alone (no system libraries): a page of estimates, then the figures."""
        assert self.trial is not None
        with self._lock:
            if lang not in self._pdfs:
                self._pdfs[lang] = report_pdf(self, lang, min_cell)
            return self._pdfs[lang]

    def profiles(self, lang: str) -> Markup:
        assert self.trial is not None
        with self._lock:
            if lang not in self._profiles:
                self._profiles[lang] = profiles_svg([self.trial], PROFILE_OUTCOME, lang)  # type: ignore[arg-type]
            return self._profiles[lang]


def effect_row(effect: Effect, trial: TrialResults, lang: str, min_cell: int) -> EffectRow:
    k = scale(effect.outcome)
    suppressed = is_disclosive(effect.n_arm, effect.n_control, min_cell=min_cell)
    return EffectRow(
        municipality=trial.spec.municipality,
        arm=trial.spec.arm(effect.term).label(lang),  # type: ignore[arg-type]
        estimate="" if suppressed else f"{effect.estimate * k:+.1f}",
        ci="" if suppressed else f"[{effect.ci_low * k:+.1f}; {effect.ci_high * k:+.1f}]",
        p_value="" if suppressed else f"{effect.p_value:.3f}",
        n=f"{format_count(effect.n_arm, min_cell=min_cell)} / {format_count(effect.n_control, min_cell=min_cell)}",
        control_mean="" if suppressed else format_level(effect.control_mean, effect.outcome),
    )


def _consort(engine: Engine, spec: ExperimentSpec, participants: pd.DataFrame, months: pd.DataFrame, min_cell: int) -> Consort:
    """The flow diagram's counts, suppressed so that no step's small difference (enrolled minus consented, an arm
    minus its analysed, ...) follows by subtraction (:func:`proeftuin.report.disclosure.protect`)."""
    with session_scope(engine) as session:
        enrolled, consented = enrolment_counts(session=session, slug=spec.slug)
    analysed = set(months["participant_id"].unique()) if not months.empty else set()
    values = {"enrolled": enrolled, "consented": consented, "randomized": len(participants)}
    hidden = {"refused": enrolled - consented, "waiting": consented - len(participants)}
    lines = [Line("enrolled", ("consented", "refused")), Line("consented", ("randomized", "waiting")),
             Line("randomized", tuple(f"arm:{arm.code}" for arm in spec.arms))]
    if spec.invited:
        values["invited"], hidden["not enrolled"] = spec.invited, spec.invited - enrolled
        lines.append(Line("invited", ("enrolled", "not enrolled")))
    for arm in spec.arms:
        members = participants.loc[participants["arm"] == arm.code, "participant_id"]
        values[f"arm:{arm.code}"], values[f"analysed:{arm.code}"] = len(members), int(members.isin(analysed).sum())
        hidden[f"lost:{arm.code}"] = len(members) - values[f"analysed:{arm.code}"]
        lines.append(Line(f"arm:{arm.code}", (f"analysed:{arm.code}", f"lost:{arm.code}")))
    shown = publish(values, lines, min_cell=min_cell, hidden=hidden)
    arms = [ConsortArm(arm.code, shown[f"arm:{arm.code}"], shown[f"analysed:{arm.code}"]) for arm in spec.arms]
    return Consort(shown.get("invited", "–"), shown["enrolled"], shown["consented"], shown["randomized"], arms)


def compute(engine: Engine, slug: str, min_cell: int) -> ExperimentResults:
    """Load, count and analyse one experiment (slow: seconds for thousands of people)."""
    with session_scope(engine) as session:
        data = load_experiment_data(session=session, slug=slug)
    spec, participants = data.spec, data.participants
    results = ExperimentResults(spec=spec, consort=_consort(engine, spec, participants, data.months, min_cell))
    arm = participants["arm"].to_numpy(dtype=str)
    results.arm_sizes = {a.code: int((arm == a.code).sum()) for a in spec.arms}
    if min(results.arm_sizes.values(), default=0) < 2:
        results.problem = "too-few"
        return results
    try:
        results.balance = balance_table(participants[list(BALANCE_COVARIATES)], arm, spec.control.code)
    except (ValueError, np.linalg.LinAlgError) as exc:
        results.balance_problem = str(exc)
    waves = sorted(int(w) for w in data.survey["wave"].unique() if int(w) > 0) if not data.survey.empty else []
    if waves:
        results.attrition_wave = waves[-1]
        answered = set(data.survey.loc[data.survey["wave"] == waves[-1], "participant_id"])
        try:
            results.attrition = attrition_table(participants["participant_id"].isin(answered).to_numpy(), arm, spec.control.code,
                                                level=LEVEL)
        except (ValueError, np.linalg.LinAlgError) as exc:
            results.attrition_problem = str(exc)
    if data.months.empty:
        results.problem = "no-outcomes"
        return results
    try:
        results.trial = analyze(engine, spec, level=LEVEL)
    except (ValueError, KeyError, IndexError, np.linalg.LinAlgError) as exc:
        results.problem = f"analysis: {exc}"
    return results


FRESH_SECONDS = 1.0
"""How long a check that the data did not change holds: pages under load then skip the database."""


class ResultsCache:
    """Per process: results per (database, slug), recomputed when the registry's data changed.

    Whether it changed is asked of the database at most once per :data:`FRESH_SECONDS` per
    experiment, so a change made elsewhere (the CLI, another worker) shows within a second; a
    write through this process (any POST) makes the next request ask at once (:meth:`recheck`). Figures and the report are rendered lazily per
    language and kept with the results.
    """

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], tuple[tuple[Any, ...], ExperimentResults]] = {}
        self._checked: dict[tuple[str, str], float] = {}
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, session: Session, engine: Engine, slug: str, min_cell: int) -> ExperimentResults:
        """The results of ``slug``; ``session`` (the request's) answers whether the data changed, then is closed.

        Closing it hands its connection back to the pool before this request waits for (or runs)
        an analysis, so fifty requests waiting for the first analysis never exhaust the pool.
        """
        key = (str(engine.url), slug)
        cached = self._entries.get(key)
        if cached is not None and time.monotonic() - self._checked.get(key, 0.0) < FRESH_SECONDS:
            session.close()
            return cached[1]
        state = data_state(session=session, slug=slug)
        session.close()
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:  # one computation per key; concurrent requests wait for it
            cached = self._entries.get(key)
            if cached is None or cached[0] != state:
                cached = (state, compute(engine, slug, min_cell))
                self._entries[key] = cached
            self._checked[key] = time.monotonic()
            return cached[1]

    def recheck(self) -> None:
        """Ask the database again on the next request (after a write through this process)."""
        self._checked.clear()

    def clear(self, slug: str) -> None:
        with self._guard:
            for key in [k for k in self._entries if k[1] == slug]:
                del self._entries[key]


@dataclass(frozen=True)
class PooledRow:
    outcome: str
    arm: str
    k: int
    municipalities: str
    estimate: str
    ci: str
    tau2: str
    i2: str


def pooled_rows(results: list[ExperimentResults], lang: str, min_cell: int) -> list[PooledRow]:
    """Per outcome and arm code shared by two or more experiments: the REML pooled adjusted effect (90%)."""
    rows = []
    trials = [r.trial for r in results if r.trial is not None]
    for outcome in OUTCOMES:
        codes = dict.fromkeys(a.code for t in trials for a in t.spec.treatments)
        for code in codes:
            found = [(t, e) for t in trials for e in t.adjusted if e.outcome == outcome.name and e.term == code
                     and np.isfinite(e.std_error) and e.std_error > 0 and not is_disclosive(e.n_arm, e.n_control, min_cell=min_cell)]
            if len(found) < 2:
                continue
            pooled = pool_effects([e.estimate for _, e in found], [e.std_error for _, e in found],
                                  labels=[t.spec.municipality for t, _ in found], method="reml", level=LEVEL)
            k = scale(outcome.name)
            label = found[0][0].spec.arm(code).label(lang)  # type: ignore[arg-type]
            rows.append(PooledRow(outcome.label(lang), label, pooled.k, ", ".join(t.spec.municipality for t, _ in found),  # type: ignore[arg-type]
                                  f"{pooled.estimate * k:+.1f}", f"[{pooled.ci_low * k:+.1f}; {pooled.ci_high * k:+.1f}]",
                                  f"{pooled.tau2 * k * k:.2f}", f"{pooled.i2:.0f}%"))
    return rows


def experiment_slugs(session: Session) -> list[tuple[str, str]]:
    """(slug, municipality) of every experiment."""
    return [(e.slug, e.municipality) for e in experiment_overviews(session=session)]


PDF_ROWS_PER_PAGE = 34


def report_pdf(results: ExperimentResults, lang: str, min_cell: int) -> bytes:
    """A PDF of the results: the adjusted estimates as tables (small cells suppressed), one forest plot per outcome."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    from proeftuin.report import forest_figure

    trial = results.trial
    assert trial is not None
    en = lang == "en"
    header = ["Outcome" if en else "Uitkomst", "Arm" if en else "Groep", "Effect", "90% CI" if en else "90% BI", "p", "n"]
    rows = []
    for outcome in results.outcomes():
        for row in (effect_row(e, trial, lang, min_cell) for e in trial.adjusted if e.outcome == outcome.name):
            suppressed = "suppressed" if en else "onderdrukt"
            rows.append([outcome.label(lang)[:38], row.arm[:24], row.estimate or suppressed, row.ci, row.p_value, row.n])  # type: ignore[arg-type]
    buffer = io.BytesIO()
    with PdfPages(buffer, metadata={"Title": f"proeftuin: {results.spec.municipality}", "Creator": "proeftuin"}) as pdf:
        for start in range(0, max(len(rows), 1), PDF_ROWS_PER_PAGE):
            figure, ax = plt.subplots(figsize=(8.27, 11.69))
            ax.axis("off")
            title = (f"{'Results' if en else 'Resultaten'}: {results.spec.municipality} — {results.spec.name}\n"
                     f"{'adjusted for baseline covariates, 90% CI, percentage points' if en else 'gecorrigeerd voor kenmerken bij de start, 90%-BI, procentpunten'}")
            ax.set_title(title, fontsize=10, loc="left")
            chunk = rows[start:start + PDF_ROWS_PER_PAGE]
            if chunk:
                table = ax.table(cellText=chunk, colLabels=header, loc="upper left", cellLoc="left")
                table.auto_set_font_size(False)
                table.set_fontsize(7)
                table.auto_set_column_width(list(range(len(header))))
            pdf.savefig(figure)
            plt.close(figure)
        for outcome in results.outcomes():
            effects = [e for e in trial.adjusted if e.outcome == outcome.name]
            control_mean = effects[0].control_mean if effects else float("nan")
            figure = forest_figure([(results.spec.municipality, effects, results.spec.arms, control_mean)], outcome=outcome.name,
                                   lang=lang, level=trial.level)  # type: ignore[arg-type]
            figure.suptitle(outcome.label(lang), fontsize=10)  # type: ignore[arg-type]
            pdf.savefig(figure, bbox_inches="tight")
            plt.close(figure)
    return buffer.getvalue()
