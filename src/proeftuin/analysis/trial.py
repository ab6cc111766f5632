"""The standard analysis of one trial, as the seed articles report it.

* labour outcomes: the period outcome (any month during the follow-up) of each monthly
  indicator, estimated by OLS of the outcome on the arm indicators (control as reference),
  unadjusted and adjusted for baseline covariates, HC2 standard errors, 90% t intervals;
* monthly profiles: the same regression for every month's indicator, in one pass;
* income: the mean monthly benefit paid under the arm's regime (when the caller hands over the
  person-month benefits computed by the rules engine), same regressions, in euros;
* survey indices: the follow-up score (the mean over the analysed waves a person answered, as
  Tilburg and Wageningen averaged their two follow-ups) regressed on the arms and the baseline
  score (ANCOVA, :func:`~proeftuin.analysis.ancova.ancova_effects`, with the missing-indicator
  method for a missing baseline).

Input are frames handed over by the registry; nothing here opens a database session.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from proeftuin.analysis.ancova import ancova_effects
from proeftuin.analysis.balance import covariate_frame
from proeftuin.analysis.ols import estimate_effects
from proeftuin.analysis.options import DEFAULT_LEVEL
from proeftuin.analysis.pooling import PooledEffect, PoolingMethod, pool_effects
from proeftuin.analysis.results import EffectTable
from proeftuin.design.outcomes import CONTRACT_CODES, SURVEY_INDICES, ever, labour_indicators, mean_per_person
from proeftuin.design.spec import Component, ExperimentSpec

CATEGORICAL_COVARIATES = ("sex", "household", "education", "distance_to_labour_market")
NUMERIC_COVARIATES = ("age", "health", "migration_background")


@dataclass(frozen=True)
class TrialResults:
    """Estimates of one trial.

    ``unadjusted`` / ``adjusted``: period labour outcomes and survey indices (ANCOVA; the
    adjusted version adds the baseline covariates); ``monthly``: adjusted effects per month,
    outcome names ``<outcome>@<month>``; ``n_randomized``: participants per arm.
    """

    spec: ExperimentSpec
    unadjusted: EffectTable
    adjusted: EffectTable
    monthly: EffectTable
    n_randomized: dict[str, int]
    level: float


def covariate_matrix(participants: pd.DataFrame) -> np.ndarray:
    """Baseline covariates: numeric ones as they are, log months on benefit, dummies for categories."""
    columns = participants[[*NUMERIC_COVARIATES, *CATEGORICAL_COVARIATES]].assign(
        log_months_on_benefit=np.log(participants["months_on_benefit"].to_numpy(dtype=float))
    )
    return covariate_frame(columns)[0]


def _panel(months: pd.DataFrame, ids: np.ndarray, column: str) -> np.ndarray:
    return months.pivot(index="participant_id", columns="month", values=column).reindex(index=ids).to_numpy(dtype=float)


MinimumWage = Callable[[np.ndarray], np.ndarray]
"""Gross monthly minimum wage in force on each of an array of dates (:func:`proeftuin.rules.minimum_wage`)."""


def labour_outcomes(participants: pd.DataFrame, months: pd.DataFrame, minimum_wage: MinimumWage) -> dict[str, np.ndarray]:
    """Monthly indicators ``(n, months)`` per labour outcome; a missing person-month stays NaN.

    Earnings are compared with the minimum wage of each record's own calendar month, so people
    randomized at different dates (rolling intake) are measured against the WML in force for them.
    """
    ids = participants["participant_id"].to_numpy()
    periods = pd.to_datetime(months["period"]).to_numpy().astype("datetime64[D]")
    frame = months.assign(contract=months["contract"].map(CONTRACT_CODES), on_benefit=months["on_benefit"].astype(float),
                          wml_share=months["gross_earnings"].to_numpy(dtype=float) / minimum_wage(periods))
    hours, contract, share, benefit = (_panel(frame, ids, c) for c in ("hours_per_week", "contract", "wml_share", "on_benefit"))
    missing = np.isnan(hours)
    indicators = labour_indicators(hours, contract, share, 1.0, np.nan_to_num(benefit, nan=1.0))
    return {name: np.where(missing, np.nan, value.astype(float)) for name, value in indicators.items()}


def follow_up_scores(participants: pd.DataFrame, survey: pd.DataFrame, waves: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """``(n, indices)`` baseline (wave 0) and mean follow-up score over ``waves``; NaN if unanswered."""
    ids = participants["participant_id"].to_numpy()
    names = [o.name for o in SURVEY_INDICES]

    def wide(selected: pd.DataFrame) -> np.ndarray:
        table = selected.pivot_table(index="participant_id", columns="index_name", values="score", aggfunc="mean")
        return table.reindex(index=ids, columns=names).to_numpy(dtype=float)

    return wide(survey[survey["wave"] == 0]), wide(survey[survey["wave"].isin(list(waves))])


def analyze_trial(
    spec: ExperimentSpec,
    participants: pd.DataFrame,
    months: pd.DataFrame,
    survey: pd.DataFrame,
    minimum_wage: MinimumWage,
    *,
    benefits: pd.DataFrame | None = None,
    level: float = DEFAULT_LEVEL,
) -> TrialResults:
    """Every arm against control on every outcome (see the module docstring for the estimators).

    ``benefits`` (person-months with a ``benefit`` column, from the rules engine) adds the income
    outcome ``benefit_paid``: the mean monthly benefit under the arm's regime.
    """
    arm = participants["arm"].to_numpy(dtype=str)
    order = [a.code for a in spec.arms]
    control = spec.control.code
    x = covariate_matrix(participants)
    monthly = labour_outcomes(participants, months, minimum_wage)
    names = list(monthly)
    period = np.column_stack([np.where(np.isnan(m).all(axis=1), np.nan, ever(np.nan_to_num(m))) for m in monthly.values()])

    def fit(y: np.ndarray, outcome_names: list[str], covariates: np.ndarray | None) -> EffectTable:
        return estimate_effects(y, arm, control=control, arms=order, outcome_names=outcome_names, covariates=covariates, level=level)

    if benefits is not None:
        names = [*names, "benefit_paid"]
        period = np.column_stack([period, mean_per_person(benefits, participants["participant_id"].to_numpy(), "benefit")])
    unadjusted, adjusted = fit(period, names, None), fit(period, names, x)
    n_months = next(iter(monthly.values())).shape[1]
    stacked = np.column_stack([monthly[name][:, t] for name in monthly for t in range(n_months)])
    profile = fit(stacked, [f"{name}@{t + 1}" for name in monthly for t in range(n_months)], x)

    baseline, follow = follow_up_scores(participants, survey, spec.survey_waves_analysed)
    survey_names = [o.name for o in SURVEY_INDICES]
    common = {"control": control, "arms": order, "outcome_names": survey_names, "level": level}
    unadjusted += ancova_effects([follow], baseline, arm, **common)
    adjusted += ancova_effects([follow], baseline, arm, covariates=x, **common)
    counts = pd.Series(arm).value_counts()
    return TrialResults(
        spec=spec,
        unadjusted=unadjusted,
        adjusted=adjusted,
        monthly=profile,
        n_randomized={code: int(counts.get(code, 0)) for code in order},
        level=level,
    )


def pool_arm_types(
    trials: Sequence[TrialResults], outcome: str, *, level: float = DEFAULT_LEVEL, method: PoolingMethod = "reml"
) -> list[tuple[Component, PooledEffect]]:
    """Each type of arm pooled across municipalities by random-effects meta-analysis.

    An arm's type is its first component (an exemption combined with a disregard counts as an
    exemption arm, as the seed articles colour it); the adjusted effect of every arm of that type
    on ``outcome`` is pooled with :func:`proeftuin.analysis.pool_effects` (REML by default).
    Types with fewer than two arms are left out (nothing to pool), and so are types in which an
    arm's standard error is zero (an outcome that nobody, or everybody, had in a small sample:
    inverse-variance weights do not exist); the arms' own estimates remain in every table.
    """
    groups: dict[Component, list[tuple[str, float, float]]] = {}
    for results in trials:
        for effect in results.adjusted:
            if effect.outcome != outcome:
                continue
            arm = results.spec.arm(effect.term)
            groups.setdefault(arm.components[0], []).append((f"{results.spec.municipality}: {arm.label_nl}", effect.estimate, effect.std_error))
    pooled = []
    for component in Component:
        rows = groups.get(component, [])
        if len(rows) >= 2 and all(se > 0 for _, _, se in rows):
            labels, estimates, errors = zip(*rows, strict=True)
            pooled.append((component, pool_effects(np.array(estimates), np.array(errors), labels=list(labels), method=method, level=level)))
    return pooled
