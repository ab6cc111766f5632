"""Use case: diagnose a declared design by simulation, as DeclareDesign's ``diagnose_design`` does.

Each simulated trial draws a synthetic population for the experiment (``proeftuin.simulate``),
randomizes it with the declared stratified procedure, simulates its outcomes, and estimates every
arm against control with the standard estimator (OLS with the baseline covariates, HC2, t
intervals; ANCOVA for a survey index). The estimand is the trial's true sample average effect,
known because the simulator draws every potential outcome. Over the simulations: bias, RMSE,
power (share with p <= 1 - level) and coverage of the interval, per arm, with their Monte Carlo
standard errors (:func:`proeftuin.analysis.summarize_simulations`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from proeftuin.analysis import Diagnosis, EffectTable, ancova_effects, estimate_effects, summarize_simulations
from proeftuin.analysis.options import DEFAULT_LEVEL, check_level
from proeftuin.analysis.balance import covariate_frame
from proeftuin.analysis.trial import covariate_matrix, period_outcome
from proeftuin.design import STANDARD_COVARIATES, ExperimentSpec, TrialPlan, stratified_assignment
from proeftuin.design.outcomes import SURVEY_INDICES, labour_indicators, outcome as outcome_definition
from proeftuin.rules import minimum_wage
from proeftuin.simulate import Calibration, SimulatedTrial, plan_population, simulate_trial, synthetic_population


def _estimate(trial: SimulatedTrial, spec: ExperimentSpec, outcome: str, arm: np.ndarray, x: np.ndarray, level: float) -> EffectTable:
    order = [a.code for a in spec.arms]
    control = spec.control.code
    definition = outcome_definition(outcome)
    if definition.family == "labour":
        wml = minimum_wage(trial.periods)[None, :]
        monthly = labour_indicators(trial.hours, trial.contract, trial.gross_earnings, wml, trial.on_benefit)[outcome]
        return estimate_effects(period_outcome(monthly.astype(float)), arm, control=control, arms=order, outcome_names=[outcome],
                                covariates=x, level=level)
    j = [o.name for o in SURVEY_INDICES].index(outcome)
    waves = [trial.waves.index(w) for w in spec.survey_waves_analysed]
    return ancova_effects([trial.scores[:, w, j] for w in waves], trial.scores[:, trial.waves.index(0), j], arm, control=control,
                          arms=order, outcome_names=[outcome], covariates=x, level=level)


def _declared_covariates(frame: pd.DataFrame, plan: TrialPlan) -> np.ndarray:
    """The plan's declared covariates as regressors (booleans 0/1, categories as indicators); a
    covariate constant in this draw is left out (it carries nothing and would be collinear)."""
    columns = [name for name in plan.covariates if frame[name].nunique() > 1]
    return covariate_frame(frame[columns].astype({c: float for c in columns if plan.covariates[c].type == "boolean"}))[0]


def diagnose_experiment(
    spec: ExperimentSpec,
    *,
    plan: TrialPlan | None = None,
    outcome: str = "work_8h",
    n: int | None = None,
    n_sims: int = 200,
    seed: int = 1,
    calibration: Calibration | None = None,
    level: float = DEFAULT_LEVEL,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Diagnosis]:
    """Bias, RMSE, power and coverage of every arm's effect on ``outcome`` over ``n_sims`` trials.

    ``n`` participants per trial (default: the experiment's own number); ``calibration`` sets the
    true effects (e.g. ``Calibration.default().without_effects()`` for the null design, where
    power is the size of the test). With a trial ``plan`` (of ``spec``, which may be in no
    catalog), the population has the plan's declared covariates
    (:func:`proeftuin.simulate.plan_population`), randomization is stratified on its strata and
    the estimator adjusts for its declared covariates.
    """
    if plan is not None and plan.experiment != spec:
        raise ValueError("the plan is of another experiment than spec")
    definition = outcome_definition(outcome)
    if definition.family not in ("labour", "survey"):
        raise ValueError(f"outcome {outcome!r} cannot be diagnosed by simulation (only labour outcomes and survey indices)")
    check_level(level)
    if n_sims < 2:
        raise ValueError(f"the number of simulations must be at least 2; got {n_sims}")
    size = n or spec.participants
    codes, ratios = [a.code for a in spec.arms], [a.ratio for a in spec.arms]
    rows: dict[str, list[tuple[float, float, float, float, float]]] = {a.code: [] for a in spec.treatments}
    for i, child in enumerate(np.random.SeedSequence(seed).spawn(n_sims)):
        population_seed, randomization_seed, outcome_seed = (int(s) for s in child.generate_state(3))
        if plan is None:
            population = synthetic_population(spec, n=size, seed=population_seed, calibration=calibration)
            x = covariate_matrix(population.frame, tuple(STANDARD_COVARIATES))
        else:
            population = plan_population(plan, n=size, seed=population_seed, calibration=calibration)
            x = _declared_covariates(population.frame, plan)
        arm = stratified_assignment(population.frame["stratum"], codes, ratios, seed=randomization_seed)
        trial = simulate_trial(population, spec, arm, seed=outcome_seed, calibration=calibration)
        truth = trial.truth.set_index(["outcome", "arm"])["effect"]
        for effect in _estimate(trial, spec, outcome, arm, x, level):
            rows[effect.term].append((float(truth[(outcome, effect.term)]), effect.estimate, effect.ci_low, effect.ci_high, effect.p_value))
        if progress is not None:
            progress(i + 1)
    return {code: summarize_simulations(*np.array(values).T, alpha=1.0 - level) for code, values in rows.items()}
