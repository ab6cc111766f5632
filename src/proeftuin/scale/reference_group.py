"""A propensity-weighted reference group over the register population, computed in the engine.

The estimator of :func:`proeftuin.analysis.reference_group_effect` (ATT weights, weighted HC2,
always labelled non-experimental) by aggregate passes, so the reference group can be the whole
population of recipients:

1. Logistic regression of ``participant`` on ``z = [1, covariates]`` by Newton-Raphson (IRLS):
   each iteration is one aggregation of ``sum p(1-p) z z'`` and ``sum z (t - p)`` at the current
   coefficients (literals in the expression), solved on the driver; converged when no step
   exceeds 1e-10, as in memory.
2. Weights ``1`` for participants and ``e / (1 - e)`` for reference units (0 outside
   ``[trim, 1 - trim]``); the weighted regression of ``y`` on ``[1, participant]`` has the
   group means as fit, so one aggregation gives the weighted counts and means, and a second the
   HC2 terms ``sum a_i^2 e_i^2 / (1 - h_i)`` with ``a_i = w_i / W_g`` (sign by group) and
   ``h_i = w_i / W_g`` — the leverage of the whitened regression (:mod:`proeftuin.analysis.robust_wls`).
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import numpy as np

from proeftuin.analysis import DEFAULT_LEVEL, NON_EXPERIMENTAL, Effect
from proeftuin.analysis.options import check_level

_TOLERANCE = 1e-10
_MAX_ITER = 100
_SEPARATED = "the logit model separates the groups (a fitted probability is 0 or 1)"


def _propensity(table: ibis.Table, z: list, coef: np.ndarray):
    eta = sum((float(c) * zk for c, zk in zip(coef[1:], z[1:])), ibis.literal(float(coef[0])))
    return 1.0 / (1.0 + (-eta).exp())


def reference_group_engine(
    table: ibis.Table,
    *,
    outcome: str,
    participant: str,
    covariates: Sequence[str],
    trim: float = 0.0,
    level: float = DEFAULT_LEVEL,
) -> Effect:
    """The propensity-weighted effect on the participants (``participant`` true) against the rest.

    ``covariates`` are numeric columns (make indicators of categories beforehand); rows with a
    missing outcome or covariate are refused, as in memory.
    """
    check_level(level)
    if not 0.0 <= trim < 0.5:
        raise ValueError(f"trim must be in [0, 0.5); got {trim}")
    t = table[participant].cast("float64")
    z = [ibis.literal(1.0)] + [table[c].cast("float64") for c in covariates]
    y = table[outcome].cast("float64")
    checks = table.aggregate(
        rows=table.count(), treated=t.sum(), y_missing=y.isnull().sum(),
        **{f"x{k}": zk.isnull().sum() for k, zk in enumerate(z[1:])},
    ).to_pandas().iloc[0]
    if checks["y_missing"] > 0:
        raise ValueError(f"column {outcome}: a missing value")
    for k, name in enumerate(covariates):
        if checks[f"x{k}"] > 0:
            raise ValueError(f"column {name}: a missing value")
    if checks["treated"] in (0, checks["rows"]):
        raise ValueError("both participants and reference units are needed")

    p = len(z)
    pairs = [(a, b) for a in range(p) for b in range(a, p)]
    coef = np.zeros(p)
    for _ in range(_MAX_ITER):
        prob = _propensity(table, z, coef)
        weight = prob * (1.0 - prob)
        sums = table.aggregate(
            **{f"h{a}_{b}": (weight * z[a] * z[b]).sum() for a, b in pairs},
            **{f"g{a}": (z[a] * (t - prob)).sum() for a in range(p)},
        ).to_pandas().iloc[0]
        hessian = np.empty((p, p))
        for a, b in pairs:
            hessian[a, b] = hessian[b, a] = sums[f"h{a}_{b}"]
        gradient = np.array([sums[f"g{a}"] for a in range(p)])
        try:
            step = np.linalg.solve(hessian, gradient)
        except np.linalg.LinAlgError:
            raise ValueError(_SEPARATED) from None
        coef = coef + step
        if np.max(np.abs(step)) < _TOLERANCE:
            break
    else:
        raise ValueError(f"the logit model did not converge in {_MAX_ITER} iterations")

    prob = _propensity(table, z, coef)
    keep = (prob >= trim) & (prob <= 1.0 - trim)
    w = ibis.ifelse(t == 1.0, 1.0, prob / (1.0 - prob))
    group = table.mutate(__t=t, __w=w, __y=y, __keep=keep, __p=prob)
    stats = group.aggregate(
        p_min=group["__p"].min(), p_max=group["__p"].max(),
        n_t=(group["__keep"] & (group["__t"] == 1.0)).cast("int64").sum(),
        n_r=(group["__keep"] & (group["__t"] == 0.0)).cast("int64").sum(),
        w_r=ibis.ifelse(group["__keep"] & (group["__t"] == 0.0), group["__w"], 0.0).sum(),
        wy_r=ibis.ifelse(group["__keep"] & (group["__t"] == 0.0), group["__w"] * group["__y"], 0.0).sum(),
        y_t=ibis.ifelse(group["__keep"] & (group["__t"] == 1.0), group["__y"], 0.0).sum(),
    ).to_pandas().iloc[0]
    if stats["p_min"] < 1e-8 or stats["p_max"] > 1.0 - 1e-8:
        raise ValueError(_SEPARATED)
    n_t, n_r = int(stats["n_t"]), int(stats["n_r"])
    if n_t == 0 or n_r == 0:
        raise ValueError(f"trimming at {trim} leaves no participants or no reference units")
    mean_t, w_r = stats["y_t"] / n_t, float(stats["w_r"])
    mean_r = stats["wy_r"] / w_r
    kept = group.filter(group["__keep"])
    total_w = ibis.ifelse(kept["__t"] == 1.0, float(n_t), w_r)
    resid = kept["__y"] - ibis.ifelse(kept["__t"] == 1.0, float(mean_t), float(mean_r))
    share = kept["__w"] / total_w  # a_i (up to sign) and the leverage h_i alike
    leverage_max = kept.aggregate(h=share.max()).to_pandas().iloc[0]["h"]
    if leverage_max > 1.0 - 1e-10:
        raise ValueError("HC2 is undefined: an observation has leverage 1 (a cell with a single observation)")
    variance = float(kept.aggregate(v=(share * share * resid * resid / (1.0 - share)).sum()).to_pandas().iloc[0]["v"])
    return Effect.from_t(
        outcome=outcome, term="participant", estimate=float(mean_t - mean_r), std_error=float(np.sqrt(variance)),
        df=float(n_t + n_r - 2), level=level, n=n_t + n_r, n_arm=n_t, n_control=n_r, control_mean=float(mean_r),
        vcov="HC2", estimator=NON_EXPERIMENTAL,
    )
