"""Use case: the numbers of the report's extra sections for one stored trial (see :mod:`proeftuin.report.sections`).

1. **Subgroups**: a trial plan declares no subgroups of its own, so the subgroups are the plan's
   strata (the variables the randomization balanced within). For each, the effect of every arm on
   the headline outcome (:data:`~proeftuin.report.html.FIGURE_1`, else the trial's first outcome)
   within every level, adjusted for the plan's other covariates, with the interaction test
   (:func:`proeftuin.analysis.subgroup_effects`); the interaction p-values of the trial form one family
   adjusted by Holm (:func:`proeftuin.analysis.adjust_p_values`).
2. **Services**: what each arm received (:func:`proeftuin.registry.services.services_received`).
3. **Sources**: agreement of municipal and CBS person-months on being on benefit and on working
   (:func:`proeftuin.registry.reconcile.reconcile_records`), and the effect on :data:`SOURCE_OUTCOMES` by
   CBS records beside the municipal one, with the effect on their difference among people with both.
4. **Balance and response**: :func:`~proeftuin.workflow.standard_analysis.balance_of`,
   :func:`~proeftuin.workflow.standard_analysis.attrition_of`, and the Lee (2009) bounds of every
   survey index (:func:`proeftuin.analysis.lee_bounds`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from proeftuin.analysis import adjust_p_values, estimate_effects, lee_bounds, subgroup_effects
from proeftuin.analysis.results import Effect
from proeftuin.analysis.trial import TrialOutcomes, TrialResults, covariate_matrix, derive_outcomes
from proeftuin.registry import session_scope
from proeftuin.registry.crud import load_source_records
from proeftuin.registry.reconcile import RECORD_COLUMNS, reconcile_records
from proeftuin.registry.services import services_received
from proeftuin.report.html import FIGURE_1
from proeftuin.report.sections.data import (
    Measure,
    Reconciliation,
    Response,
    Services,
    SourceAgreement,
    SourceEffect,
    SubgroupProblem,
    Subgroups,
    TrialSections,
)
from proeftuin.rules import minimum_wage
from proeftuin.workflow.standard_analysis import StoredTrial, attrition_of, balance_of, trial_outcomes


SOURCE_OUTCOMES = (FIGURE_1, "outflow")
"""The labour outcomes whose effect the report compares between the sources: Figure 1's, and outflow from
benefit, on which municipal and CBS figures differed most in 2017-2019 (DOMAIN.md 3.3)."""


def headline_outcome(results: TrialResults) -> str | None:
    """The outcome the subgroup section analyses: Figure 1's when measured, else the trial's first."""
    names = [o.name for o in results.outcomes]
    return FIGURE_1 if FIGURE_1 in names else next(iter(names), None)


def subgroups_of(trial: StoredTrial, results: TrialResults, outcomes: TrialOutcomes) -> Subgroups | None:
    """The subgroup effects of the plan's strata on the headline outcome (module docstring, item 1);
    ``None`` for a trial without strata or outcomes."""
    outcome = headline_outcome(results)
    if not trial.plan.strata or outcome is None:
        return None
    people = trial.data.participants
    y, own = outcomes.outcome(outcome)
    rows = ~np.isnan(y)
    if own is not None:
        rows &= ~np.isnan(own).any(axis=1)
    arm = people["arm"].to_numpy(dtype=str)
    control = trial.data.spec.control.code
    analyses, problems = [], []
    for name in trial.plan.strata:
        labels = people[name].astype(str).to_numpy()
        levels = sorted(set(labels[rows].tolist()))
        empty = next((lv for lv in levels for a in trial.data.spec.arms if not np.any(rows & (labels == lv) & (arm == a.code))), None)
        if len(levels) < 2 or empty is not None:
            problems.append(SubgroupProblem(name, "single_level" if len(levels) < 2 else "empty_level", "" if empty is None else empty))
            continue
        others = [c for c in trial.covariates if c != name]
        x = covariate_matrix(people, others)[rows] if others else None
        if own is not None and own.shape[1]:
            x = own[rows] if x is None else np.hstack([x, own[rows]])
        try:
            analyses.append(subgroup_effects(y[rows], arm[rows], labels[rows], control=control, subgroup_name=name, outcome_name=outcome,
                                             covariates=x, level=results.level))
        except (ValueError, np.linalg.LinAlgError):
            problems.append(SubgroupProblem(name, "not_computable"))
    tests = [(a.subgroup, test.arm, test.test.p_value) for a in analyses for test in a.interactions if test.arm != "all"]
    finite = [(s, a, p) for s, a, p in tests if np.isfinite(p)]
    adjusted = dict(zip([(s, a) for s, a, _ in finite], adjust_p_values([p for *_, p in finite], "holm").tolist(), strict=True))
    totals = {a.code: int(np.sum(rows & (arm == a.code))) for a in trial.data.spec.arms}
    return Subgroups(outcome, tuple(analyses), adjusted, totals, tuple(problems))


def services_of(engine: Engine, slug: str) -> Services:
    """What each arm of ``slug`` received (module docstring, item 2)."""
    with session_scope(engine) as session:
        return Services(*services_received(session=session, slug=slug))


MEASURES: tuple[tuple[Measure, str], ...] = (("on_benefit", "n_disagree"), ("working", "n_disagree_work"))
"""Each measure the two sources are compared on, with the column of :func:`reconcile_records` that counts their disagreements."""


def agreement(table: pd.DataFrame) -> tuple[SourceAgreement, ...]:
    """Per arm, on benefit and working: the person-months of :func:`reconcile_records` summed over the months."""
    out = []
    for arm, rows in table.groupby("arm", sort=False):
        n = int(rows["n_both"].sum())
        for measure, disagree in MEASURES:
            weights = rows["n_both"].to_numpy(dtype=float)
            out.append(SourceAgreement(str(arm), measure, n, int(rows[disagree].sum()),
                                       float(np.average(rows[f"{measure}_municipal"].astype(float), weights=weights)),
                                       float(np.average(rows[f"{measure}_cbs"].astype(float), weights=weights))))
    return tuple(out)


def reconciliation_of(engine: Engine, trial: StoredTrial, results: TrialResults, outcomes: TrialOutcomes) -> Reconciliation | None:
    """Agreement of the two sources and the effects by each (module docstring, item 3); ``None`` without CBS records.

    The municipal person-months are those the analysis read (:attr:`~proeftuin.registry.ExperimentData.stored_months`),
    so only the CBS ones are read (:func:`~proeftuin.registry.crud.load_source_records`); the municipal
    labour outcomes are those of the analysis (``outcomes``), so only the CBS ones are derived here.
    """
    data = trial.data
    municipal = data.stored_months if data.stored_months is not None and data.source == "municipal" else None
    with session_scope(engine) as session:
        records, cbs_months = load_source_records(session=session, slug=data.slug, municipal=municipal)
    table = reconcile_records(records.loc[:, list(RECORD_COLUMNS)])
    if cbs_months.empty or table.empty:
        return None
    people = trial.data.participants
    names = [name for name in outcomes.period_names if name in SOURCE_OUTCOMES and name in outcomes.monthly]
    if not names:
        return Reconciliation(agreement(table), ())
    by_cbs = derive_outcomes(trial.plan, people, cbs_months, trial.data.survey.iloc[0:0], minimum_wage)  # labour only
    arm = people["arm"].to_numpy(dtype=str)
    x = covariate_matrix(people, trial.covariates)
    control, order = trial.data.spec.control.code, [a.code for a in trial.data.spec.arms]

    def fit(y: np.ndarray) -> dict[tuple[str, str], Effect]:
        table = estimate_effects(y, arm, control=control, arms=order, outcome_names=names, covariates=x, level=results.level)
        return {(e.outcome, e.term): e for e in table}

    municipal = outcomes.period[:, [outcomes.period_names.index(name) for name in names]]
    cbs = by_cbs.period[:, [by_cbs.period_names.index(name) for name in names]]
    cbs_effects, difference = fit(cbs), fit(municipal - cbs)
    effects = [SourceEffect(e.outcome, e.term, e, cbs_effects[(e.outcome, e.term)], difference[(e.outcome, e.term)])
               for e in results.adjusted if (e.outcome, e.term) in difference]
    return Reconciliation(agreement(table), tuple(effects))


def response_of(trial: StoredTrial, results: TrialResults, outcomes: TrialOutcomes) -> Response | None:
    """Response to the last follow-up wave by arm, and the Lee bounds of every survey index (item 4)."""
    found = attrition_of(trial, level=results.level)
    if found is None:
        return None
    wave, report = found
    arm = trial.data.participants["arm"].to_numpy(dtype=str)
    bounds = []
    for j, name in enumerate(outcomes.indices):
        y = outcomes.follow_up[:, j]
        try:
            bounds += [(name, b) for b in lee_bounds(y, ~np.isnan(y), arm, trial.data.spec.control.code, level=results.level)]
        except ValueError:  # nobody answered in an arm: no bounds for this index
            continue
    return Response(wave, report, tuple(bounds))


def trial_sections(engine: Engine, trial: StoredTrial, results: TrialResults) -> TrialSections:
    """Every extra section of one analysed trial (see the module docstring)."""
    outcomes = trial_outcomes(trial)
    try:
        balance, balance_problem = balance_of(trial), None
    except ValueError as exc:
        balance, balance_problem = None, str(exc)
    try:
        response, response_problem = response_of(trial, results, outcomes), None
    except ValueError as exc:
        response, response_problem = None, str(exc)
    return TrialSections(trial.covariates, subgroups_of(trial, results, outcomes), services_of(engine, trial.data.slug),
                         reconciliation_of(engine, trial, results, outcomes), balance, balance_problem, response, response_problem)


__all__ = ["agreement", "headline_outcome", "reconciliation_of", "response_of", "services_of", "subgroups_of", "trial_sections"]
