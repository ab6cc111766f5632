"""Use case: analyze one stored experiment exactly as its pre-analysis plan says.

1. The plan (:class:`~proeftuin.design.analysis_plan.AnalysisPlan`) is frozen: its SHA-256 is
   written to the audit log (``analysis_run``) *before* any outcome is loaded.
2. The outcomes are those of the standard analysis, derived by the same function
   (:func:`proeftuin.workflow.standard_analysis.trial_outcomes`): labour outcomes as "ever
   during the follow-up" of the monthly indicators, survey indices (the trial's own) as the mean
   follow-up score with the baseline terms of
   :func:`~proeftuin.analysis.ancova.baseline_regressors` as ANCOVA covariates. Plan covariates enter linearly (text columns as dummies,
   first level dropped), or interacted with the arms when ``estimator.lin`` (Lin 2013).
3. Every arm is estimated against control on every outcome of every family (OLS, the plan's
   robust variance, t intervals at the plan's level; CR2 on the trial plan's clusters where it
   declares them, since the analysis plan's HC variances assume independent people); the p-values are adjusted within each
   family over all its arm x outcome hypotheses: ``holm`` and ``bh`` by
   :func:`~proeftuin.analysis.adjust_p_values`; ``romano-wolf`` by
   :func:`~proeftuin.analysis.romano_wolf` on the t statistics of ``resampling.draws``
   re-randomizations within the experiment's strata, whole households where the trial randomized
   them together (:func:`~proeftuin.analysis.trial.assignment_clusters`) (the randomization distribution under the
   sharp null, so the step-down uses the joint distribution of the family's statistics); every
   draw's statistic is studentized with the same variance as the observed one (CR2 on the plan's
   clusters where it declares them), and one that is not defined in a draw counts as extreme.
   A hypothesis that is not estimable (no finite statistic) has no adjusted p-value and is left
   out of its family's adjustment.
4. Pre-specified subgroups: the interaction tests of :func:`~proeftuin.analysis.subgroup_effects`.

Every result says whether it was pre-specified; outcomes added by the caller
(``extra_outcomes``) are estimated the same way but are exploratory and never adjusted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from proeftuin.analysis import (
    VcovType,
    Effect,
    EffectTable,
    PermutationDesign,
    adjust_p_values,
    estimate_effects,
    romano_wolf,
    subgroup_effects,
)
from proeftuin.analysis.trial import assignment_clusters, cluster_labels
from proeftuin.design.analysis_plan import AnalysisPlan, PlanError, measured_outcomes
from proeftuin.registry import get_experiment, session_scope
from proeftuin.registry.experiments import stored_plan
from proeftuin.registry.audit import Action, AuditLog
from proeftuin.workflow.standard_analysis import StoredTrial, load_trial, trial_outcomes

EXPLORATORY = "exploratory"
"""The family label of outcomes that are not in the plan."""


@dataclass(frozen=True)
class PlannedEffect:
    """One effect with its place in the plan.

    ``family``: the plan's family (or ``"exploratory"``); ``p_adjusted``: the p-value adjusted
    within the family by ``adjustment`` (``None`` when exploratory); ``pre_specified``: whether
    the plan named this outcome.
    """

    family: str
    effect: Effect
    p_adjusted: float | None
    adjustment: str | None
    pre_specified: bool


@dataclass(frozen=True)
class SubgroupTest:
    """Whether the effect of ``arm`` (``"all"``: every arm jointly) on ``outcome`` differs across
    the levels of ``subgroup``: a robust Wald ``F`` test on ``(df_num, df_den)``."""

    subgroup: str
    outcome: str
    arm: str
    statistic: float
    df_num: int
    df_den: float
    p_value: float
    pre_specified: bool = True


@dataclass(frozen=True)
class PlanRun:
    """The results of running ``plan`` (identified by ``plan_sha256``) on ``experiment``."""

    experiment: str
    plan: AnalysisPlan
    plan_sha256: str
    effects: tuple[PlannedEffect, ...]
    subgroup_tests: tuple[SubgroupTest, ...]


class _Trial:
    """The arrays of one experiment that every estimate of the plan shares."""

    def __init__(self, trial: StoredTrial, plan: AnalysisPlan) -> None:
        self.data, self.plan = trial.data, plan
        people = self.data.participants
        self.arm = people["arm"].to_numpy(dtype=str)
        self.order = [a.code for a in self.data.spec.arms]
        self.control = self.data.spec.control.code
        self.outcomes = trial_outcomes(trial)
        try:
            self.clusters = cluster_labels(trial.plan, people)
            self.units = assignment_clusters(trial.plan, people)
        except KeyError as exc:
            raise PlanError(f"{self.data.slug}: {exc.args[0]}") from None
        self.vcov: VcovType = self.plan.estimator.vcov if self.clusters is None else "CR2"

    def column(self, name: str, *, field: str) -> pd.Series:
        """The baseline column ``name`` named by the plan's ``field``; complete, or a :class:`PlanError`."""
        people = self.data.participants
        known = [c for c in people.columns if c not in ("participant_id", "pseudonym", "arm")]
        if name not in known:
            raise PlanError(f"plan: {field}: {name!r} is not a baseline column of {self.data.slug!r} (known: {', '.join(known)})")
        column = people[name]
        if column.isna().any():
            raise PlanError(f"plan: {field}: {name!r} is missing for {int(column.isna().sum())} participants of {self.data.slug!r}")
        return column

    def covariates(self, names: Sequence[str]) -> np.ndarray:
        """``(n, q)`` baseline covariates: numeric columns as they are, text columns as dummies."""
        blocks = [np.empty((len(self.data.participants), 0))]
        for name in names:
            column = self.column(name, field="covariates")
            if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
                blocks.append(column.to_numpy(dtype=float)[:, None])
            else:
                blocks.append(pd.get_dummies(column.astype(str), drop_first=True, dtype=float).to_numpy())
        return np.hstack(blocks)

    def outcome(self, name: str) -> tuple[np.ndarray, np.ndarray | None]:
        """The outcome vector and its own covariates (the ANCOVA baseline terms of a survey index)."""
        try:
            return self.outcomes.outcome(name)
        except KeyError as exc:
            raise PlanError(f"plan: {exc.args[0]}") from None

    def estimate(self, outcomes: Sequence[str], x: np.ndarray, arm: np.ndarray | None = None) -> EffectTable:
        """Every arm on every one of ``outcomes`` (outcome-major), labour outcomes in one pass."""
        arm = self.arm if arm is None else arm
        def fit(y: np.ndarray, names: list[str], covariates: np.ndarray) -> EffectTable:
            return estimate_effects(y, arm, control=self.control, arms=self.order, level=self.plan.level, vcov=self.vcov, clusters=self.clusters,
                                    lin=self.plan.estimator.lin, outcome_names=names, covariates=covariates if covariates.size else None)

        pieces: dict[str, EffectTable] = {}
        labour = [o for o in outcomes if o in self.outcomes.period_names]
        if labour:
            y = np.column_stack([self.outcome(o)[0] for o in labour])
            table = fit(y, labour, x)
            for name in labour:
                pieces[name] = EffectTable(e for e in table if e.outcome == name)
        for name in outcomes:
            if name not in pieces:
                y, ancova = self.outcome(name)
                covariates = np.hstack([ancova, x]) if ancova is not None else x
                pieces[name] = fit(y, [name], covariates)
        return sum((pieces[o] for o in outcomes), EffectTable())

    def null_statistics(self, outcomes: Sequence[str], x: np.ndarray) -> np.ndarray:
        """``(draws, hypotheses)`` t statistics over re-randomizations within the strata (of whole
        households where they were randomized together)."""
        people = self.data.participants
        strata = people["stratum"].to_numpy(dtype=str) if "stratum" in people.columns else None
        vocabulary = np.array([self.control, *[a for a in self.order if a != self.control]])
        lookup = {label: code for code, label in enumerate(vocabulary)}
        codes = np.array([lookup[label] for label in self.arm])
        rng = np.random.default_rng(self.plan.resampling.seed)
        draws = PermutationDesign(strata=strata, clusters=self.units).draw(codes, rng, self.plan.resampling.draws)
        return np.array([[e.statistic for e in self.estimate(outcomes, x, vocabulary[d])] for d in draws])


def _adjust(trial: _Trial, family: str, table: EffectTable, x: np.ndarray) -> list[float | None]:
    """The family's adjusted p-values; ``None`` for a hypothesis that is not estimable (no finite
    statistic: its effect says why), which is left out of the family it cannot be rejected in."""
    method = trial.plan.families[family].adjustment
    statistics = np.array([e.statistic for e in table], dtype=float)
    p_values = np.array([e.p_value for e in table], dtype=float)
    testable = np.isfinite(statistics) & np.isfinite(p_values)
    adjusted = np.full(len(statistics), np.nan)
    if method == "romano-wolf":
        if testable.any():
            draws = trial.null_statistics(trial.plan.families[family].outcomes, x)
            adjusted[testable] = romano_wolf(statistics[testable], draws[:, testable])
    elif testable.any():
        adjusted[testable] = adjust_p_values(p_values[testable], method)
    return [float(p) if ok else None for p, ok in zip(adjusted, testable, strict=True)]


def _subgroup_tests(trial: _Trial, outcomes: Sequence[str]) -> list[SubgroupTest]:
    tests = []
    for subgroup in trial.plan.subgroups:
        labels = trial.column(subgroup, field="subgroups").astype(str).to_numpy()
        x = trial.covariates([c for c in trial.plan.covariates if c != subgroup])
        for name in outcomes:
            y, ancova = trial.outcome(name)
            covariates = np.hstack([ancova, x]) if ancova is not None else x
            rows = ~np.isnan(y)
            analysis = subgroup_effects(
                y[rows], trial.arm[rows], labels[rows], control=trial.control, subgroup_name=subgroup,
                outcome_name=name, covariates=covariates[rows] if covariates.size else None, level=trial.plan.level,
            )
            tests += [SubgroupTest(subgroup, name, t.arm, t.test.statistic, t.test.df_num, t.test.df_den, t.test.p_value)
                      for t in analysis.interactions]
    return tests


def analyze_plan(
    engine: Engine,
    *,
    slug: str,
    plan: AnalysisPlan,
    extra_outcomes: Sequence[str] = (),
    actor: str = "cli",
    source: str = "plan",
) -> PlanRun:
    """Run ``plan`` on experiment ``slug`` (steps in the module docstring) and record the run.

    Raises :class:`PlanError` when the plan does not fit the experiment (another experiment,
    an unknown covariate, an outcome the trial does not measure: the outcomes are those its own
    plan declares, see :func:`~proeftuin.design.analysis_plan.measured_outcomes`; ``source`` names
    the plan in the message) and :class:`~proeftuin.registry.RegistryError` for an unknown experiment.
    """
    if plan.experiment is not None and plan.experiment != slug:
        raise PlanError(f"plan: experiment: the plan is for {plan.experiment!r}, not {slug!r}")
    sha = plan.sha256
    with session_scope(engine) as session:  # frozen before any outcome is loaded
        experiment = get_experiment(session=session, slug=slug)
        measured = measured_outcomes(stored_plan(experiment))
        plan.check_outcomes(measured, source=source)
        for name in extra_outcomes:
            if name not in measured:
                raise PlanError(f"--extra-outcome: unknown outcome {name!r} for this trial (measured: {', '.join(measured)})")
            if plan.family_of(name) is not None:
                raise PlanError(f"--extra-outcome: {name!r} is already pre-specified in family {plan.family_of(name)!r}")
        AuditLog(session).record(
            actor=actor, action=Action.analysis_run, experiment_id=experiment.id, subject=f"plan:{sha}",
            payload={"plan_sha256": sha, "plan": plan.model_dump(mode="json"), "extra_outcomes": list(extra_outcomes)},
        )
    trial = _Trial(load_trial(engine, slug), plan)
    x = trial.covariates(plan.covariates)
    effects: list[PlannedEffect] = []
    for family, spec in plan.families.items():
        table = trial.estimate(spec.outcomes, x)
        adjusted = _adjust(trial, family, table, x)
        effects += [PlannedEffect(family, e, p, spec.adjustment, True) for e, p in zip(table, adjusted, strict=True)]
    if extra_outcomes:
        effects += [PlannedEffect(EXPLORATORY, e, None, None, False) for e in trial.estimate(list(extra_outcomes), x)]
    planned = [o for family in plan.families.values() for o in family.outcomes]
    return PlanRun(slug, plan, sha, tuple(effects), tuple(_subgroup_tests(trial, planned)))


__all__ = ["EXPLORATORY", "PlanRun", "PlannedEffect", "SubgroupTest", "analyze_plan"]
