"""Effect on the treated when take-up is partial: Wald / two-stage least squares.

Random assignment ``Z_k`` (the arm drawn) instruments receipt ``D_k`` (the arm actually
received). For every outcome the just-identified 2SLS estimate of::

    y_i = a + sum_k t_k D_ik + x_i' g + e_i,   instruments [1, Z, x]

is ``b = (Z'X)^{-1} Z'y``: with one arm and no covariates this is the Wald ratio
``ITT / (take-up difference)``, the local average effect on compliers (Angrist, Imbens and
Rubin 1996), which equals the effect on the treated under one-sided non-compliance (controls
cannot receive an arm). Robust variances ``sum_i a_ci^2 w_i e_i^2`` use the structural residuals
``e = y - X b``; HC2/HC3 leverages are those of the instruments (equal to the first-stage fitted
design's in the just-identified case), as ``estimatr::iv_robust``; CR1 is available for
clustered designs. Degrees of freedom ``n - p`` (``G - 1`` for CR1).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from proeftuin.analysis.ols import ArmCoding, design_matrix, fit_linear, missingness_groups
from proeftuin.analysis.options import DEFAULT_LEVEL, check_level, check_option
from proeftuin.analysis.results import EffectColumns, EffectTable
from proeftuin.analysis.vcov import Clusters

IvVcovType = Literal["HC0", "HC1", "HC2", "HC3", "CR1"]


def effects_on_treated(
    outcomes: np.ndarray,
    arm: np.ndarray,
    received: np.ndarray,
    *,
    control: str,
    outcome_names: Sequence[str] | None = None,
    covariates: np.ndarray | None = None,
    arms: Sequence[str] | None = None,
    level: float = DEFAULT_LEVEL,
    vcov: IvVcovType = "HC2",
    clusters: np.ndarray | None = None,
) -> EffectTable:
    """2SLS effect of receiving each arm, instrumented by the assigned arm.

    ``received`` holds, per participant, the arm actually received (the control label when none).
    Other parameters as :func:`~proeftuin.analysis.estimate_effects`. The result has
    ``estimator`` ``"2sls"`` and ``extra["take_up"]``: the first-stage difference in the share
    receiving the arm between those assigned to it and the control group (covariate-adjusted).
    """
    check_option("vcov", vcov, IvVcovType)
    check_level(level)
    if (vcov == "CR1") != (clusters is not None):
        raise ValueError("CR1 needs clusters= and clusters need vcov='CR1'")
    y = np.asarray(outcomes, dtype=float)
    y = y[:, None] if y.ndim == 1 else y
    n, m = y.shape
    labels = np.asarray(arm).astype(str)
    got = np.asarray(received).astype(str)
    if labels.shape != (n,) or got.shape != (n,):
        raise ValueError(f"arm and received need {n} labels each; got {labels.shape[0]} and {got.shape[0]}")
    names = list(outcome_names) if outcome_names is not None else [f"y{j}" for j in range(m)]
    coding = ArmCoding.from_labels(labels, control, arms)
    unknown = set(np.unique(got)) - set(coding.treatments) - {control}
    if unknown:
        raise ValueError(f"received arms {sorted(unknown)} are not among the assigned arms")
    cov = None if covariates is None else np.asarray(covariates, dtype=float).reshape(n, -1)
    x_all = design_matrix(coding.indicators(got), cov)
    z_all = design_matrix(coding.indicators(labels), cov)
    is_control = labels == control
    k = len(coding.treatments)
    codes = None if clusters is None else Clusters.from_labels(np.asarray(clusters))

    shape = (m, k)
    estimate, variance, df, n_used = np.empty(shape), np.empty(shape), np.empty(shape), np.empty(shape, dtype=int)
    n_arm, n_control, control_mean, take_up = (np.empty(shape) for _ in range(4))
    reasons = np.full(shape, "", dtype=object)
    for rows, columns in missingness_groups(y):
        take = slice(None) if rows is None else rows
        kwargs = dict(terms=range(1, k + 1), vcov=vcov, is_control=is_control[take],
                      clusters=None if codes is None else codes.subset(rows))
        fit = fit_linear(y, x_all[take], rows=rows, columns=columns, instruments=z_all[take],
                         label=f"outcome {names[columns[0]]!r}", **kwargs)
        first = fit_linear(x_all[take], z_all[take], rows=None, columns=np.arange(1, k + 1), label="first stage", **kwargs)
        estimate[columns], variance[columns], df[columns] = fit.coef.T, fit.variance.T, fit.df
        n_used[columns], control_mean[columns] = fit.n, fit.control_mean[:, None]
        reasons[columns] = fit.not_estimable.T
        n_arm[columns] = z_all[take, 1 : k + 1].sum(axis=0)
        n_control[columns] = is_control[take].sum()
        take_up[columns] = np.diag(first.coef)
    return EffectTable.from_columns(
        EffectColumns(
            outcomes=tuple(names), terms=coding.treatments, estimate=estimate, std_error=np.sqrt(variance),
            df=df, n=n_used, n_arm=n_arm.astype(int), n_control=n_control.astype(int),
            control_mean=control_mean, level=level, vcov=vcov, estimator="2sls", extra={"take_up": take_up},
            not_estimable=reasons,
        )
    )
