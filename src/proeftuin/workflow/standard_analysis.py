"""Use case: the standard analysis of one stored trial, driven by its plan.

The one analysis that ``proeftuin report``, the demo, the web's results pages and (for its
outcome derivation) ``proeftuin analyze`` share:

1. the trial's data are read from the registry (randomized participants with their arm and
   baseline record, the municipal person-months, the survey scores; consent decides what is used
   of a person who withdrew) together with its plan;
2. the outcomes are derived once (:func:`proeftuin.analysis.trial.derive_outcomes`): the labour
   outcomes of the months, the benefit each arm's regime paid (:mod:`proeftuin.workflow.benefits`)
   the trial's own survey indices and the outcomes of its own (``outcomes.own``), as its plan declares them;
3. every arm is estimated against control on every outcome
   (:func:`proeftuin.analysis.trial.analyze_trial`), with CR2 variances on the plan's clusters
   (household pseudonym or team) where it declares them; balance of the baseline covariates and
   response to the survey by arm come with it (:func:`balance_of`, :func:`attrition_of`).

A trial that cannot be analysed yet (nobody randomized to an arm, no outcome records) raises
:class:`NotAnalysable` with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
from sqlalchemy import Engine

from proeftuin.analysis import DEFAULT_LEVEL, AttritionReport, BalanceTable, attrition_table, balance_table
from proeftuin.analysis.trial import (
    TrialOutcomes,
    TrialResults,
    analyze_trial,
    cluster_labels,
    covariate_matrix,
    derive_outcomes,
)
from proeftuin.design import TrialPlan
from proeftuin.registry import ExperimentData, get_experiment, load_experiment_data, session_scope
from proeftuin.registry.experiments import stored_plan
from proeftuin.rules import minimum_wage
from proeftuin.workflow.benefits import monthly_benefits


class NotAnalysable(ValueError):
    """The trial cannot be analysed (yet); the message says why."""


@dataclass(frozen=True)
class StoredTrial:
    """A trial's data as stored, with its plan (a trial stored without one has the plan that
    declares only its experiment: the standard covariates and outcomes, no survey)."""

    data: ExperimentData
    plan: TrialPlan

    @property
    def covariates(self) -> tuple[str, ...]:
        """The baseline covariates the plan declares (balance and the adjusted estimates use them)."""
        return tuple(self.plan.covariates)

    @cached_property
    def outcomes(self) -> TrialOutcomes:
        """Every outcome of the trial, derived once from its records (see the module docstring): the analysis
        and the report's sections use the same arrays (read-only: the trial's data do not change)."""
        data = self.data
        benefits = monthly_benefits(data.participants, data.months, unmodelled_ages="missing")
        return derive_outcomes(self.plan, data.participants, data.months, data.survey, minimum_wage, benefits=benefits, own=data.own)


def load_trial(engine: Engine, slug: str) -> StoredTrial:
    """The data and plan of trial ``slug``; :class:`~proeftuin.registry.RegistryError` for an unknown one."""
    with session_scope(engine) as session:
        data = load_experiment_data(session=session, slug=slug)
        plan = stored_plan(get_experiment(session=session, slug=slug))
    return StoredTrial(data, plan)


def trial_outcomes(trial: StoredTrial) -> TrialOutcomes:
    """Every outcome of ``trial``, derived once from its records (:attr:`StoredTrial.outcomes`)."""
    return trial.outcomes


def check_analysable(trial: StoredTrial) -> np.ndarray:
    """The baseline covariate matrix of a trial that can be analysed; :class:`NotAnalysable` with the
    reason when it cannot be yet (fewer than 2 people in an arm, no outcome records)."""
    data = trial.data
    arm = data.participants["arm"].to_numpy(dtype=str)
    short = [a.code for a in data.spec.arms if int((arm == a.code).sum()) < 2]
    if short:
        raise NotAnalysable(f"{data.slug}: fewer than 2 people randomized to arm(s) {', '.join(short)}")
    if data.months.empty:
        raise NotAnalysable(f"{data.slug}: no outcome records imported yet")
    try:
        covariates = covariate_matrix(data.participants, trial.covariates)
        cluster_labels(trial.plan, data.participants)  # every participant has the plan's cluster
    except KeyError as exc:
        raise NotAnalysable(f"{data.slug}: {exc.args[0]}") from None
    return covariates


def analyze_stored(trial: StoredTrial, *, level: float = DEFAULT_LEVEL) -> TrialResults:
    """The standard analysis of a loaded trial; :class:`NotAnalysable` when it cannot be done yet."""
    data = trial.data
    covariates = check_analysable(trial)
    clusters = cluster_labels(trial.plan, data.participants)
    try:
        results = analyze_trial(data.spec, data.participants, trial_outcomes(trial), covariates, level=level, clusters=clusters)
    except np.linalg.LinAlgError as exc:
        raise NotAnalysable(f"{data.slug}: the model cannot be estimated ({exc})") from None
    return replace(results, clusters=trial.plan.clusters)


def balance_of(trial: StoredTrial) -> BalanceTable:
    """Balance of the baseline covariates across the arms (:func:`proeftuin.analysis.balance_table`);
    ``ValueError`` with the reason when it cannot be computed."""
    data = trial.data
    try:
        return balance_table(data.participants[list(trial.covariates)], data.participants["arm"].to_numpy(dtype=str), data.spec.control.code)
    except np.linalg.LinAlgError as exc:
        raise ValueError(f"balance: {exc}") from None


def last_response(trial: StoredTrial) -> tuple[int, np.ndarray] | None:
    """The last follow-up wave imported and, per participant, whether they answered it;
    ``None`` before any follow-up wave was imported."""
    survey, people = trial.data.survey, trial.data.participants
    waves = sorted(int(w) for w in survey["wave"].unique() if int(w) > 0) if not survey.empty else []
    if not waves:
        return None
    answered = set(survey.loc[survey["wave"] == waves[-1], "participant_id"])
    return waves[-1], people["participant_id"].isin(answered).to_numpy()


def attrition_of(trial: StoredTrial, *, level: float = DEFAULT_LEVEL) -> tuple[int, AttritionReport] | None:
    """Response to the last follow-up wave by arm (:func:`proeftuin.analysis.attrition_table`), with
    that wave; ``None`` before any follow-up wave was imported; ``ValueError`` when not computable."""
    response = last_response(trial)
    if response is None:
        return None
    wave, responded = response
    try:
        return wave, attrition_table(responded, trial.data.participants["arm"].to_numpy(dtype=str), trial.data.spec.control.code, level=level)
    except np.linalg.LinAlgError as exc:
        raise ValueError(f"attrition: {exc}") from None


def analyze_experiment(engine: Engine, slug: str, *, level: float = DEFAULT_LEVEL) -> TrialResults:
    """The standard analysis of stored trial ``slug`` (see the module docstring)."""
    return analyze_stored(load_trial(engine, slug), level=level)


__all__ = ["NotAnalysable", "StoredTrial", "analyze_experiment", "analyze_stored", "attrition_of", "balance_of", "check_analysable",
           "last_response", "load_trial", "trial_outcomes"]
