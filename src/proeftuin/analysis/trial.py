"""The standard analysis of one trial, as the seed articles report it.

* labour outcomes: the period outcome (any month during the follow-up) of each monthly
  indicator, estimated by OLS of the outcome on the arm indicators (control as reference),
  unadjusted and adjusted for baseline covariates, HC2 standard errors, 90% t intervals;
* monthly profiles: the same regression for every month's indicator, in one pass;
* income: the mean monthly benefit paid under the arm's regime (when the caller hands over the
  person-month benefits computed by the rules engine), same regressions, in euros;
* the plan's own outcomes: each column of the imported monthly records summarised per person over
  its window as the plan says (ever, mean or last, :func:`own_outcome`), same regressions;
* survey indices: the follow-up score (the mean over the analysed waves a person answered, as
  Tilburg and Wageningen averaged their two follow-ups) regressed on the arms and the baseline
  score (ANCOVA, :func:`~proeftuin.analysis.ancova.ancova_effects`, with the missing-indicator
  method for a missing baseline).

Where the plan declares ``clusters`` (household or team, :func:`cluster_labels`), every variance is
cluster-robust CR2 on those clusters (Bell and McCaffrey 2002, Pustejovsky and Tipton 2018, with
Satterthwaite degrees of freedom) instead of HC2; each effect carries its ``vcov``.

Outcomes are derived once (:func:`derive_outcomes`) and estimated by :func:`analyze_trial`; the
survey indices are the trial's own (its plan's). Arms are pooled across trials by
:func:`pool_groups`. Input are frames handed over by the caller;
nothing here opens a database session.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from proeftuin.analysis.ancova import ancova_effects, baseline_regressors
from proeftuin.analysis.balance import covariate_frame
from proeftuin.analysis.inference import NotEstimable
from proeftuin.analysis.ols import estimate_effects
from proeftuin.analysis.options import DEFAULT_LEVEL, VcovType
from proeftuin.analysis.pooling import PooledEffect, PoolingMethod, pool_effects
from proeftuin.analysis.results import EffectTable
from proeftuin.design.outcomes import (
    CONTRACT_CODES,
    INCOME_OUTCOMES,
    LABOUR_OUTCOMES,
    OUTCOMES,
    OutcomeDefinition,
    ever,
    labour_indicators,
    mean_per_person,
)
from proeftuin.design.plan import OwnOutcomeSpec, SurveyIndexSpec, TrialPlan
from proeftuin.design.vocabulary import ClusterLevel
from proeftuin.design.spec import ArmSpec, ExperimentSpec

def index_definition(name: str, index: SurveyIndexSpec) -> OutcomeDefinition:
    """A plan's survey index as an outcome (a 0-10 score): labelled as the plan labels it, else as
    the seed articles label an index of that name, else by its name."""
    known = OUTCOMES.get(name)
    fallback = known.label_nl if known is not None and known.family == "survey" else name.replace("_", " ")
    fallback_en = known.label_en if known is not None and known.family == "survey" else name.replace("_", " ")
    return OutcomeDefinition(name, index.label_nl or fallback, index.label_en or fallback_en, "survey", "score")


@dataclass(frozen=True)
class TrialOutcomes:
    """The outcomes of one trial, derived once from its records (:func:`derive_outcomes`).

    ``period``: ``(n, k)`` period outcomes named ``period_names`` (labour: "in any month of the
    follow-up", NaN for a person without records; income: the mean monthly benefit);
    ``monthly``: ``(n, months)`` indicators per labour outcome; ``indices``: the trial's survey
    indices, with ``baseline`` (wave 0) and ``follow_up`` (mean over the analysed waves) scores
    ``(n, len(indices))``, NaN where unanswered. The plan's own outcomes are period outcomes
    (:func:`own_outcome`).
    """

    period_names: tuple[str, ...]
    period: np.ndarray
    monthly: dict[str, np.ndarray]
    indices: tuple[str, ...]
    baseline: np.ndarray
    follow_up: np.ndarray
    index_definitions: tuple[OutcomeDefinition, ...] = ()
    own_definitions: tuple[OutcomeDefinition, ...] = ()
    """The definitions of the plan's own outcomes, which are period outcomes (after labour and income)."""

    def outcome(self, name: str) -> tuple[np.ndarray, np.ndarray | None]:
        """The vector of outcome ``name`` and its own covariates (a survey index's ANCOVA baseline terms,
        :func:`~proeftuin.analysis.ancova.baseline_regressors`); ``KeyError`` naming the known outcomes."""
        if name in self.period_names:
            return self.period[:, self.period_names.index(name)], None
        if name in self.indices:
            j = self.indices.index(name)
            return self.follow_up[:, j], baseline_regressors(self.baseline[:, j])
        raise KeyError(f"outcome {name!r} is not measured in this trial (measured: {', '.join((*self.period_names, *self.indices))})")


@dataclass(frozen=True)
class TrialResults:
    """Estimates of one trial.

    ``unadjusted`` / ``adjusted``: period labour outcomes and survey indices (ANCOVA; the
    adjusted version adds the baseline covariates); ``monthly``: adjusted effects per month,
    outcome names ``<outcome>@<month>``; ``n_randomized``: participants per arm; ``outcomes``:
    the definition of every outcome estimated (in report order: labour, income, survey);
    ``not_estimable``: outcomes of the trial that could not be estimated, with the reason;
    ``clusters``: the plan's cluster level the variances are clustered on (CR2), ``None`` for HC2.
    """

    spec: ExperimentSpec
    unadjusted: EffectTable
    adjusted: EffectTable
    monthly: EffectTable
    n_randomized: dict[str, int]
    level: float
    outcomes: tuple[OutcomeDefinition, ...] = ()
    not_estimable: dict[str, str] = field(default_factory=dict)
    clusters: ClusterLevel | None = None

    def definition(self, name: str) -> OutcomeDefinition:
        """The definition of the estimated outcome ``name`` (a monthly ``name@t`` gives its outcome's)."""
        base = name.split("@")[0]
        for o in self.outcomes:
            if o.name == base:
                return o
        raise KeyError(f"{self.spec.slug}: no outcome {base!r} was estimated")


def covariate_matrix(participants: pd.DataFrame, covariates: Sequence[str]) -> np.ndarray:
    """The ``(n, q)`` baseline covariates a plan declares: numbers and booleans as they are,
    categories as dummies with the first level dropped (:func:`~proeftuin.analysis.balance.covariate_frame`)."""
    missing = [c for c in covariates if c not in participants.columns]
    if missing:
        raise KeyError(f"baseline covariate(s) {', '.join(missing)} are not in the participants' records")
    return covariate_frame(participants[list(covariates)])[0]


CLUSTER_COLUMNS = {"household": "cluster", "team": "team"}
"""The participants' column holding each cluster level of the plan (household pseudonym, team)."""


def cluster_labels(plan: TrialPlan, participants: pd.DataFrame) -> np.ndarray | None:
    """The ``(n,)`` cluster of every participant where the plan declares ``clusters``, else ``None``.

    ``KeyError`` naming the column when a participant has none (intake refuses that, so it means
    records stored before the plan declared its clusters)."""
    if plan.clusters is None:
        return None
    column = CLUSTER_COLUMNS[plan.clusters]
    labels = participants[column] if column in participants.columns else pd.Series(np.nan, index=participants.index)
    if labels.isna().any():
        raise KeyError(f"clusters: {plan.clusters}: {int(labels.isna().sum())} participants have no {column}")
    return labels.to_numpy(dtype=str)


def assignment_clusters(plan: TrialPlan, participants: pd.DataFrame) -> np.ndarray | None:
    """The units of assignment for randomization inference: the households where the plan
    randomizes them together (``randomization.cluster``), else ``None`` (people one by one).

    Re-randomization must mirror the actual design: teams cluster the variance but are not
    randomized whole (a team's members are in every arm), so they are not permuted whole."""
    if not plan.randomization.cluster:
        return None
    labels = cluster_labels(plan, participants)
    return labels if labels is not None else participants["cluster"].to_numpy(dtype=str)


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
    indicators = labour_indicators(hours, contract, share, np.ones_like(share), np.nan_to_num(benefit, nan=1.0))
    return {name: np.where(missing, np.nan, value.astype(float)) for name, value in indicators.items()}


def period_outcome(monthly: np.ndarray) -> np.ndarray:
    """The period outcome of ``(n, months)`` indicators: 1 if any recorded month is 1; NaN without any record."""
    return np.where(np.isnan(monthly).all(axis=1), np.nan, ever(np.nan_to_num(monthly)))


def follow_up_scores(
    participants: pd.DataFrame, survey: pd.DataFrame, waves: Sequence[int], indices: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    """``(n, indices)`` baseline (wave 0) and mean follow-up score over ``waves``; NaN if unanswered."""
    ids = participants["participant_id"].to_numpy()

    def wide(selected: pd.DataFrame) -> np.ndarray:
        if selected.empty:
            return np.full((len(ids), len(indices)), np.nan)
        table = selected.pivot_table(index="participant_id", columns="index_name", values="score", aggfunc="mean")
        return table.reindex(index=ids, columns=list(indices)).to_numpy(dtype=float)

    return wide(survey[survey["wave"] == 0]), wide(survey[survey["wave"].isin(list(waves))])


def own_outcome(values: pd.DataFrame, ids: np.ndarray, spec: OwnOutcomeSpec) -> np.ndarray:
    """One value per person (``ids``) of an outcome of the plan's own, from its monthly ``values``
    (long: participant_id, month since randomization, value) in the months of its window:

    * ``ever``: 1 if any month of the window with a record is 1, else 0;
    * ``mean``: the mean over the window's months with a record;
    * ``last``: the value of the last month of the window with a record.

    NaN for a person without any record in the window (left out of that outcome's estimate).
    """
    first, last = spec.window.first_month, spec.window.last_month
    inside = values[(values["month"] >= first) & ((values["month"] <= last) if last is not None else True)]
    if inside.empty:
        return np.full(len(ids), np.nan)
    panel = inside.pivot(index="participant_id", columns="month", values="value").sort_index(axis=1).reindex(index=ids)
    grid = panel.to_numpy(dtype=float)
    recorded = ~np.isnan(grid)
    count = recorded.sum(axis=1)
    if spec.summary == "ever":
        return period_outcome(grid)
    if spec.summary == "mean":
        with np.errstate(invalid="ignore"):
            return np.where(count > 0, np.nansum(grid, axis=1) / count, np.nan)
    last_recorded = grid.shape[1] - 1 - np.argmax(recorded[:, ::-1], axis=1)
    return np.where(count > 0, grid[np.arange(len(ids)), last_recorded], np.nan)


def derive_outcomes(
    plan: TrialPlan,
    participants: pd.DataFrame,
    months: pd.DataFrame,
    survey: pd.DataFrame,
    minimum_wage: MinimumWage,
    *,
    benefits: pd.DataFrame | None = None,
    own: pd.DataFrame | None = None,
) -> TrialOutcomes:
    """Every outcome ``plan`` declares, from the trial's records: the one derivation every analysis uses.

    Labour outcomes: the period outcome over the months of each outcome's window (months since
    randomization, ``first_month`` to ``last_month``); the monthly profile over all months.
    Income (when the plan analyses it and ``benefits``, person-months with a ``benefit`` column
    from the rules engine, are given): ``benefit_paid``, the mean monthly benefit. Survey
    indices: the plan's, in its order. The plan's own outcomes (``own``: their monthly values, long,
    participant_id, month, name, value) summarised over their windows by :func:`own_outcome`.
    """
    every = labour_outcomes(participants, months, minimum_wage)
    monthly = {o.name: every[o.name] for o in plan.outcomes.labour}
    names = list(monthly)
    window = {o.name: slice(o.window.first_month - 1, o.window.last_month) for o in plan.outcomes.labour}
    period = np.column_stack([period_outcome(m[:, window[name]]) for name, m in monthly.items()]) if monthly else np.empty((len(participants), 0))
    if plan.outcomes.income and benefits is not None:
        names.append("benefit_paid")
        period = np.column_stack([period, mean_per_person(benefits, participants["participant_id"].to_numpy(), "benefit")])
    ids = participants["participant_id"].to_numpy()
    own_records = own if own is not None else pd.DataFrame(columns=["participant_id", "month", "name", "value"])
    for name, spec in plan.outcomes.own.items():
        names.append(name)
        period = np.column_stack([period, own_outcome(own_records[own_records["name"] == name], ids, spec)])
    own_definitions = tuple(o for o in plan.outcomes.definitions() if o.family == "own")
    indices = tuple(plan.survey.indices)
    baseline, follow = follow_up_scores(participants, survey, plan.experiment.survey_waves_analysed, indices)
    definitions = tuple(index_definition(name, index) for name, index in plan.survey.indices.items())
    return TrialOutcomes(tuple(names), period, monthly, indices, baseline, follow, definitions, own_definitions)


def analyze_trial(
    spec: ExperimentSpec,
    participants: pd.DataFrame,
    outcomes: TrialOutcomes,
    covariates: np.ndarray,
    *,
    level: float = DEFAULT_LEVEL,
    clusters: np.ndarray | None = None,
) -> TrialResults:
    """Every arm against control on every outcome (see the module docstring for the estimators).

    ``covariates``: the ``(n, q)`` baseline covariates of the adjusted estimates. ``clusters``:
    the ``(n,)`` clusters of the plan (:func:`cluster_labels`); CR2 on them instead of HC2. A
    survey index that nobody answered at a follow-up wave is not estimable (listed with the reason).
    """
    arm = participants["arm"].to_numpy(dtype=str)
    order = [a.code for a in spec.arms]
    control = spec.control.code
    names = list(outcomes.period_names)
    vcov: VcovType = "HC2" if clusters is None else "CR2"

    def fit(y: np.ndarray, outcome_names: list[str], x: np.ndarray | None) -> EffectTable:
        return estimate_effects(y, arm, control=control, arms=order, outcome_names=outcome_names, covariates=x, level=level,
                                vcov=vcov, clusters=clusters)

    unadjusted, adjusted = fit(outcomes.period, names, None), fit(outcomes.period, names, covariates)
    monthly = outcomes.monthly
    profile = EffectTable()
    if monthly:
        n_months = next(iter(monthly.values())).shape[1]
        stacked = np.column_stack([monthly[name][:, t] for name in monthly for t in range(n_months)])
        profile = fit(stacked, [f"{name}@{t + 1}" for name in monthly for t in range(n_months)], covariates)

    answered = ~np.isnan(outcomes.follow_up).all(axis=0)
    not_estimable = {name: NotEstimable.NO_FOLLOW_UP.message() for name, ok in zip(outcomes.indices, answered, strict=True) if not ok}
    measured = [name for name, ok in zip(outcomes.indices, answered, strict=True) if ok]
    if measured:
        follow, base = outcomes.follow_up[:, answered], outcomes.baseline[:, answered]
        unadjusted += ancova_effects([follow], base, arm, control=control, arms=order, outcome_names=measured, level=level,
                                     vcov=vcov, clusters=clusters)
        adjusted += ancova_effects([follow], base, arm, control=control, arms=order, outcome_names=measured, level=level,
                                   covariates=covariates, vcov=vcov, clusters=clusters)
    counts = pd.Series(arm).value_counts()
    known = {o.name: o for o in (*LABOUR_OUTCOMES, *INCOME_OUTCOMES, *outcomes.own_definitions)}
    definitions = (*(known[name] for name in names), *(o for o in outcomes.index_definitions if o.name in measured))
    return TrialResults(
        spec=spec,
        unadjusted=unadjusted,
        adjusted=adjusted,
        monthly=profile,
        n_randomized={code: int(counts.get(code, 0)) for code in order},
        level=level,
        outcomes=definitions,
        not_estimable=not_estimable,
    )


def pool_group(arm: ArmSpec) -> str | None:
    """The pooling group of an arm, its plan's ``pool_as`` (``None`` for the control arm): arms pool
    only with arms of the same group."""
    return None if arm.is_control else arm.pool_as


@dataclass(frozen=True)
class PooledGroup:
    """One pooling group's effect on one outcome across trials: ``members`` are the pooled arms as
    ``(trial, arm)`` in trial order, ``result`` their random-effects summary."""

    group: str
    members: tuple[tuple[ExperimentSpec, ArmSpec], ...]
    result: PooledEffect


def pool_groups(
    trials: Sequence[TrialResults], outcome: str, *, level: float = DEFAULT_LEVEL, method: PoolingMethod = "reml"
) -> list[PooledGroup]:
    """The arms of every pooling group (:func:`pool_group`) pooled across trials on ``outcome``.

    The adjusted effects of the group's arms are pooled with :func:`proeftuin.analysis.pool_effects`
    (REML by default). A group with fewer than two arms has nothing to pool and is left out, and
    so is a group in which an arm's standard error is zero or not finite (an outcome that nobody,
    or everybody, had in a small sample: inverse-variance weights do not exist); the arms' own
    estimates remain in every table. Groups come in the order they first appear.
    """
    groups: dict[str, list[tuple[ExperimentSpec, ArmSpec, float, float]]] = {}
    for results in trials:
        for effect in results.adjusted:
            if effect.outcome != outcome:
                continue
            arm = results.spec.arm(effect.term)
            group = pool_group(arm)
            if group is not None:
                groups.setdefault(group, []).append((results.spec, arm, effect.estimate, effect.std_error))
    pooled = []
    for group, rows in groups.items():
        errors = np.array([se for *_, se in rows])
        if len(rows) < 2 or not (np.isfinite(errors).all() and (errors > 0).all()):
            continue
        labels = [f"{spec.municipality}: {arm.label_nl}" for spec, arm, _, _ in rows]
        result = pool_effects(np.array([e for *_, e, _ in rows]), errors, labels=labels, method=method, level=level)
        pooled.append(PooledGroup(group, tuple((spec, arm) for spec, arm, _, _ in rows), result))
    return pooled
