"""What the results pages show, computed once per (database, experiment, audit head) and kept in memory and on disk.

The analysis, balance, attrition, pooled effects and downloads are the workflow's
(:mod:`proeftuin.workflow.standard_analysis`, :mod:`proeftuin.workflow.report`): the same
numbers as ``proeftuin report`` and the demo. Rows and figures come from the report package.
Every count shown goes through the disclosure rule (cells under ``min_cell`` are suppressed).
Nothing here writes to the database.

With a folder configured (``PROEFTUIN_WEB_RESULTS_CACHE``), each experiment's results, with the
pages and reports rendered from them, are also kept in a file keyed by the audit chain's head, so
the first view after a restart (or in another worker) reads the file instead of running the
analysis. The file holds what the pages and downloads show, and aggregates only: estimates,
their variances and counts per arm (the counts unsuppressed, as the report's data), the plan and
the seal commitments; no pseudonym, no BSN, no row of a participant. It is signed (HMAC-SHA256
with a key derived from the web secret) and read only when the signature holds.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import tempfile
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup

from proeftuin.analysis import AttritionReport, BalanceTable
from proeftuin.analysis.trial import TrialResults
from proeftuin.design import ExperimentSpec, TrialPlan
from proeftuin.design.outcomes import OutcomeDefinition
from proeftuin.report.disclosure import Line, is_disclosive, publish
from proeftuin.report.html import FIGURE_1 as PROFILE_OUTCOME
from proeftuin.report.html import EffectRow, PooledRow, effect_row, forest_svg, outcome_definitions, pooled_rows, profiles_svg
from proeftuin.report.forest import format_effect
from proeftuin.report.i18n import MISSING, Lang, number
from proeftuin.report.sections.balance import BalanceRow, ResponseRow, balance_rows, response_rows
from proeftuin.registry import Engine, Session, session_scope
from proeftuin.registry.listings import data_state, enrolment_counts, experiment_overviews
from proeftuin.web.deps import templates
from proeftuin.workflow.report import TrialsReport, assemble_report, pooled_effects
from proeftuin.workflow.standard_analysis import (
    NotAnalysable,
    StoredTrial,
    analyze_stored,
    attrition_of,
    balance_of,
    load_trial,
)

LEVEL = 0.90
"""Confidence level of every interval on the results pages (as the seed articles)."""


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
    plan: TrialPlan | None = None
    trial: TrialResults | None = None
    problem: str | None = None
    balance: BalanceTable | None = None
    balance_problem: str | None = None
    attrition: AttritionReport | None = None
    attrition_wave: int | None = None
    attrition_problem: str | None = None
    arm_sizes: dict[str, int] = field(default_factory=dict)
    downloads: TrialsReport | None = None
    _figures: dict[tuple[str, str], OutcomeFigure] = field(default_factory=dict)
    _profiles: dict[str, Markup] = field(default_factory=dict)
    _files: dict[tuple[str, str], bytes] = field(default_factory=dict)
    _bodies: dict[str, Markup] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _rendered: Callable[[ExperimentResults], None] | None = None
    """Told when a page or report was rendered (the disk cache keeps it); not kept itself."""

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in ("_lock", "_rendered")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, _lock=threading.Lock(), _rendered=None)

    def _tell_rendered(self) -> None:
        if self._rendered is not None:
            self._rendered(self)

    def outcomes(self) -> list[OutcomeDefinition]:
        return outcome_definitions([self.trial]) if self.trial else []

    def figure(self, outcome: OutcomeDefinition, lang: Lang, min_cell: int) -> OutcomeFigure:
        """The forest plot of ``outcome`` with its table alternative (rendered once per language)."""
        assert self.trial is not None
        with self._lock:
            key = (outcome.name, lang)
            if key not in self._figures:
                effects = [e for e in self.trial.adjusted if e.outcome == outcome.name]
                rows = [effect_row(e, self.trial, lang, min_cell) for e in effects]
                self._figures[key] = OutcomeFigure(outcome.name, outcome.label(lang), forest_svg([self.trial], outcome, lang), rows)
            return self._figures[key]

    def monthly_table(self, lang: Lang, min_cell: int) -> list[tuple[int, list[str]]]:
        """The profile figure as rows: month, then ``estimate [low; high]`` per treatment arm (percentage points,
        in ``lang``'s notation by :func:`~proeftuin.report.forest.format_effect`)."""
        assert self.trial is not None
        definition = self.trial.definition(PROFILE_OUTCOME)
        effects = {(int(e.outcome.split("@")[1]), e.term): e for e in self.trial.monthly if e.outcome.split("@")[0] == PROFILE_OUTCOME}
        rows = []
        for month in sorted({m for m, _ in effects}):
            cells = []
            for arm in self.spec.treatments:
                e = effects.get((month, arm.code))
                if e is None or e.not_estimable is not None or is_disclosive(e.n_arm, e.n_control, min_cell=min_cell):
                    cells.append(MISSING)
                else:
                    cells.append(" ".join(format_effect(e.estimate, e.ci_low, e.ci_high, definition, lang)))
            rows.append((month, cells))
        return rows

    def balance_rows(self, lang: Lang, min_cell: int) -> list[BalanceRow]:
        """The balance table as the report shows it: labelled covariates, Babel numbers, an arm's means hidden
        when its size is suppressed, complementary suppression included (:func:`~proeftuin.report.sections.balance.open_arms`)."""
        assert self.balance is not None
        return balance_rows(self.balance, self.spec, self.plan, self.arm_sizes, lang, min_cell)

    def response_rows(self, lang: Lang, min_cell: int) -> list[ResponseRow]:
        """Response by arm, counts published so that none comes back from the totals (:func:`~proeftuin.report.sections.balance.response_rows`)."""
        assert self.attrition is not None
        return response_rows(self.attrition, self.spec, lang, min_cell)

    def body(self, lang: Lang, min_cell: int) -> Markup:
        """The page's content (no user or CSRF token in it), rendered once per language."""
        with self._lock:
            cached = self._bodies.get(lang)
        if cached is None:
            figures = [self.figure(o, lang, min_cell) for o in self.outcomes()] if self.trial else []
            context = {"r": self, "slug": self.spec.slug, "figures": figures, "min_cell": min_cell, "lang": lang,
                       "tr": (lambda nl, en: en if lang == "en" else nl),
                       "profiles": self.profiles(lang) if self.has_profiles else None,
                       "monthly": self.monthly_table(lang, min_cell) if self.has_profiles else [],
                       "balance_rows": self.balance_rows(lang, min_cell) if self.balance is not None else [],
                       "response_rows": self.response_rows(lang, min_cell) if self.attrition is not None else [],
                       "number": (lambda value, digits=3: number(value, lang, digits=digits))}
            cached = Markup(templates.env.get_template("results_body.html").render(context))  # noqa: S704 - autoescaped template
            with self._lock:
                self._bodies[lang] = cached
            self._tell_rendered()
        return cached

    def download(self, lang: Lang, fmt: str) -> bytes:
        """The report of this experiment (:mod:`proeftuin.workflow.report`) as HTML or PDF, rendered once per language."""
        assert self.downloads is not None
        with self._lock:
            cached = self._files.get((lang, fmt))
            if cached is None:
                cached = self._files[(lang, fmt)] = self.downloads.render(lang, "pdf" if fmt == "pdf" else "html")
                rendered = True
            else:
                rendered = False
        if rendered:
            self._tell_rendered()
        return cached

    @property
    def has_profiles(self) -> bool:
        """Whether the trial estimated the outcome the monthly profiles show (a plan may leave it out)."""
        return self.trial is not None and any(o.name == PROFILE_OUTCOME for o in self.trial.outcomes)

    def profiles(self, lang: Lang) -> Markup:
        assert self.trial is not None
        with self._lock:
            if lang not in self._profiles:
                self._profiles[lang] = profiles_svg([self.trial], self.trial.definition(PROFILE_OUTCOME), lang)
            return self._profiles[lang]


def _consort(engine: Engine, trial: StoredTrial, min_cell: int) -> Consort:
    """The flow diagram's counts, suppressed so that no step's small difference (enrolled minus consented, an arm
    minus its analysed, ...) follows by subtraction (:func:`proeftuin.report.disclosure.protect`)."""
    spec, participants, months = trial.data.spec, trial.data.participants, trial.data.months
    with session_scope(engine) as session:
        enrolled, consented = enrolment_counts(session=session, slug=spec.slug)
    analysed = set(months["participant_id"].unique()) if not months.empty else set()
    values: dict[Hashable, int] = {"enrolled": enrolled, "consented": consented, "randomized": len(participants)}
    hidden: dict[Hashable, int] = {"refused": enrolled - consented, "waiting": consented - len(participants)}
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
    trial = load_trial(engine, slug)
    spec, participants = trial.data.spec, trial.data.participants
    results = ExperimentResults(spec=spec, consort=_consort(engine, trial, min_cell), plan=trial.plan)
    arm = participants["arm"].to_numpy(dtype=str)
    results.arm_sizes = {a.code: int((arm == a.code).sum()) for a in spec.arms}
    if min(results.arm_sizes.values(), default=0) < 2:
        results.problem = "too-few"
        return results
    try:
        results.balance = balance_of(trial)
    except ValueError as exc:
        results.balance_problem = str(exc)
    try:
        found = attrition_of(trial, level=LEVEL)
        if found is not None:
            results.attrition_wave, results.attrition = found
    except ValueError as exc:
        results.attrition_problem = str(exc)
    if trial.data.months.empty:
        results.problem = "no-outcomes"
        return results
    try:
        results.trial = analyze_stored(trial, level=LEVEL)
    except NotAnalysable as exc:
        results.problem = f"analysis: {exc}"
        return results
    results.downloads = assemble_report(engine, [results.trial], level=LEVEL, min_cell=min_cell, stored=[trial])
    return results


FRESH_SECONDS = 1.0
"""How long a check that the data did not change holds: pages under load then skip the database."""
CACHE_FORMAT = 1
"""Version of the files :class:`DiskResults` writes (raise it when :class:`ExperimentResults` changes shape)."""


class DiskResults:
    """Results kept in ``folder`` between starts: one signed file per (database, experiment, min_cell).

    A file names the audit head (:func:`proeftuin.registry.listings.data_state`) it was computed
    at, and is used only at that head, so any change to the data (which appends an event) makes it
    stale; it is then replaced by the next computation. A file whose signature fails (written with
    another key, changed, cut short) or that no longer unpickles (another version of proeftuin) is
    ignored. Written atomically (a temporary file renamed), so workers sharing the folder never
    read half a file.
    """

    def __init__(self, folder: Path, key: bytes) -> None:
        self.folder = folder
        self._key = hmac.new(key, b"proeftuin results cache", hashlib.sha256).digest()

    def path(self, url: str, slug: str, min_cell: int) -> Path:
        name = hashlib.sha256(f"{url}|{slug}|{min_cell}".encode()).hexdigest()[:32]
        return self.folder / f"{name}.results"

    def _tag(self, data: bytes) -> bytes:
        return hmac.new(self._key, data, hashlib.sha256).digest()

    def load(self, url: str, slug: str, min_cell: int, state: tuple[Any, ...]) -> ExperimentResults | None:
        """The results kept for ``state``; ``None`` if there are none (or stale, or not to be trusted)."""
        try:
            content = self.path(url, slug, min_cell).read_bytes()
        except OSError:
            return None
        tag, data = content[:32], content[32:]
        if not hmac.compare_digest(tag, self._tag(data)):
            return None
        try:
            version, kept_state, results = pickle.loads(data)  # noqa: S301 - signed by this server's key
        except Exception:  # written by another version of proeftuin: compute again
            return None
        if version != CACHE_FORMAT or tuple(kept_state) != tuple(state) or not isinstance(results, ExperimentResults):
            return None
        return results

    def store(self, url: str, slug: str, min_cell: int, state: tuple[Any, ...], results: ExperimentResults) -> None:
        """Keep ``results`` (with what is rendered so far) for ``state``, replacing what was kept."""
        with results._lock:  # noqa: SLF001 - no page renders into the results while they are written
            data = pickle.dumps((CACHE_FORMAT, tuple(state), results), protocol=pickle.HIGHEST_PROTOCOL)
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.path(url, slug, min_cell)
        handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=target.stem, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(self._tag(data) + data)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def remove(self, url: str, slug: str, min_cell: int) -> None:
        self.path(url, slug, min_cell).unlink(missing_ok=True)


class ResultsCache:
    """Per process: results per (database, slug), recomputed when the registry's data changed.

    Whether it changed is asked of the database at most once per :data:`FRESH_SECONDS` per
    experiment, so a change made elsewhere (the CLI, another worker) shows within a second; a
    write through this process (any POST) makes the next request ask at once (:meth:`recheck`). Figures and the report are rendered lazily per
    language and kept with the results. With ``disk`` (:class:`DiskResults`), results missing
    from memory are read from their file when it is at the current audit head, and computed
    results and every page rendered from them are written there.
    """

    def __init__(self, disk: DiskResults | None = None) -> None:
        self.disk = disk
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
                cached = (state, self._load_or_compute(engine, slug, min_cell, state))
                self._entries[key] = cached
            self._checked[key] = time.monotonic()
            return cached[1]

    def _load_or_compute(self, engine: Engine, slug: str, min_cell: int, state: tuple[Any, ...]) -> ExperimentResults:
        url = str(engine.url)
        results = self.disk.load(url, slug, min_cell, state) if self.disk is not None else None
        if results is None:
            results = compute(engine, slug, min_cell)
            if self.disk is not None:
                self.disk.store(url, slug, min_cell, state, results)
        if self.disk is not None:
            disk = self.disk
            results._rendered = lambda rendered: disk.store(url, slug, min_cell, state, rendered)  # noqa: SLF001
        return results

    def recheck(self) -> None:
        """Ask the database again on the next request (after a write through this process)."""
        self._checked.clear()

    def clear(self, slug: str) -> None:
        with self._guard:
            for key in [k for k in self._entries if k[1] == slug]:
                del self._entries[key]


def pooled_table(results: list[ExperimentResults], lang: Lang) -> list[PooledRow]:
    """The effects pooled across the analysed experiments, as ``proeftuin report`` pools them."""
    trials = [r.trial for r in results if r.trial is not None]
    return pooled_rows(pooled_effects(trials, level=LEVEL), outcome_definitions(trials), lang)


def experiment_slugs(session: Session) -> list[tuple[str, str]]:
    """(slug, municipality) of every experiment."""
    return [(e.slug, e.municipality) for e in experiment_overviews(session=session)]
