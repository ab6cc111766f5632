"""Use case: the six experiments of 2017-2019, from randomization to report, on synthetic data.

For each municipality of the catalog: synthetic recipients with fake but valid BSNs pass the
pseudonymization door and are enrolled; they are randomized with a recorded seed, stratified by
the municipality's strata; 24 months of labour-market records and three survey waves are
simulated and stored; every arm is estimated against control for every outcome; the report is
written. Same seed, same database contents and the same report, on every machine.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Engine, func, select

from proeftuin.analysis.trial import TrialResults, analyze_trial
from proeftuin.design import ALGORITHM_VERSION, ExperimentSpec, catalog, stratified_assignment
from proeftuin.registry import (
    add_outcome_months,
    add_survey_responses,
    create_experiment,
    enrol_participants,
    load_experiment_data,
    make_engine,
    migrate,
    pseudonymize,
    record_assignments,
    session_scope,
)
from proeftuin.registry.models import Assignment, Experiment, Participant
from proeftuin.report import Lang, ReportContext, write_report
from proeftuin.rules import income_curve, minimum_wage
from proeftuin.simulate import synthetic_population, simulate_trial

DEFAULT_SEED = 2017

Progress = Callable[[str], None]
"""Called with a short description after each step (the CLI draws progress bars with it)."""


class DemoError(ValueError):
    """The demo cannot run as asked (e.g. the database holds a demo made with other settings)."""


@dataclass(frozen=True)
class DemoSeeds:
    """The three seeds of one experiment, derived from the demo seed and its place in the catalog."""

    population: int
    randomization: int
    outcomes: int

    @classmethod
    def derive(cls, seed: int, index: int) -> DemoSeeds:
        state = np.random.SeedSequence([seed, index]).generate_state(3, dtype=np.uint32)
        return cls(*(int(s) for s in state))


@dataclass(frozen=True)
class DemoResult:
    """What the demo made: the report's path, per-experiment results and seeds."""

    report: Path
    trials: list[TrialResults]
    seeds: dict[str, int]
    participants: int


MIN_PER_ARM = 30
"""Below this many people per arm the covariate-adjusted survey models have too few answers."""


def group_size(spec: ExperimentSpec, scale: float) -> int:
    """Participants of a municipality at ``scale`` (1 = the published number), at least
    :data:`MIN_PER_ARM` per arm."""
    if scale <= 0:
        raise DemoError(f"--scale must be positive; got {scale}")
    return max(len(spec.arms) * MIN_PER_ARM, round(spec.participants * scale))


def build_experiment(engine: Engine, spec: ExperimentSpec, seeds: DemoSeeds, *, n: int, secret: bytes) -> None:
    """Enrol, randomize and simulate one experiment, in one transaction."""
    population = synthetic_population(spec, n=n, seed=seeds.population)
    frame = population.frame
    pseudonyms = [pseudonymize(bsn, secret) for bsn in frame["bsn"]]
    arms = stratified_assignment(frame["stratum"], [a.code for a in spec.arms], [a.ratio for a in spec.arms], seed=seeds.randomization)
    trial = simulate_trial(population, spec, arms, seed=seeds.outcomes)
    with session_scope(engine) as session:
        experiment = create_experiment(session=session, spec=spec)
        ids = np.asarray(enrol_participants(session=session, experiment=experiment, pseudonyms=pseudonyms, covariates=population.covariates, enrolled_on=spec.start))
        record_assignments(session=session, experiment=experiment, participant_ids=ids, arm_codes=arms, seed=seeds.randomization, algorithm=ALGORITHM_VERSION, assigned_on=spec.start)
        months = trial.monthly_frame()
        add_outcome_months(session=session, records=months.assign(participant_id=ids[months.pop("person")], source="municipal"))
        survey = trial.survey_frame()
        add_survey_responses(session=session, records=survey.assign(participant_id=ids[survey.pop("person")]))


def _existing(engine: Engine, spec: ExperimentSpec) -> tuple[int, int] | None:
    """(randomization seed, participants) of a demo experiment already in the database."""
    with session_scope(engine) as session:
        experiment = session.scalar(select(Experiment).where(Experiment.slug == spec.slug))
        if experiment is None:
            return None
        seed = session.scalar(select(Assignment.seed).join(Participant).where(Participant.experiment_id == experiment.id).limit(1))
        count = session.scalar(select(func.count()).select_from(Participant).where(Participant.experiment_id == experiment.id))
        return int(seed or -1), int(count or 0)


def analyze(engine: Engine, spec: ExperimentSpec, *, level: float) -> TrialResults:
    """The standard analysis of one stored experiment."""
    with session_scope(engine) as session:
        data = load_experiment_data(session=session, slug=spec.slug)
    periods = np.sort(data.months["period"].unique()).astype("datetime64[D]")
    return analyze_trial(data.spec, data.participants, data.months, data.survey, minimum_wage(periods), level=level)


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


@contextmanager
def _engine(url: str) -> Iterator[Engine]:
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def run_demo(
    *,
    db: str,
    out: Path,
    seed: int = DEFAULT_SEED,
    scale: float = 1.0,
    lang: Lang = "nl",
    level: float = 0.90,
    progress: Progress | None = None,
) -> DemoResult:
    """Run the whole demo; see the module docstring. ``progress`` is told of every step."""
    step = progress or (lambda _message: None)
    specs = catalog()
    secret = secrets.token_bytes(32)  # synthetic people: a key used once, so pseudonyms cannot be re-linked
    seeds = {spec.slug: DemoSeeds.derive(seed, i) for i, spec in enumerate(specs)}
    with _engine(db) as engine:
        migrate(engine)
        for spec in specs:
            n = group_size(spec, scale)
            existing = _existing(engine, spec)
            if existing is None:
                build_experiment(engine, spec, seeds[spec.slug], n=n, secret=secret)
            elif existing != (seeds[spec.slug].randomization, n):
                raise DemoError(
                    f"the database {db} already holds a demo of {spec.municipality} made with another --seed or "
                    "--scale; use another --db (or remove that database file)"
                )
            step(f"build:{spec.municipality}")
        trials = []
        for spec in specs:
            trials.append(analyze(engine, spec, level=level))
            step(f"analyse:{spec.municipality}")
    context = ReportContext(
        seeds={slug: s.randomization for slug, s in seeds.items()},
        synthetic=True,
        work_pays={spec.slug: work_pays_curve(spec, lang=lang) for spec in specs},
    )
    name = "report.html" if lang == "nl" else "report.en.html"
    report = write_report(trials, out / name, lang=lang, context=context)
    step("report")
    return DemoResult(report=report, trials=trials, seeds=context.seeds, participants=sum(sum(t.n_randomized.values()) for t in trials))


DEMO_STEPS = 2 * len(catalog()) + 1
"""How many times :func:`run_demo` calls ``progress`` (for a progress bar's total)."""

__all__ = ["DEFAULT_SEED", "DEMO_STEPS", "DemoError", "DemoResult", "DemoSeeds", "run_demo"]
