"""Weighted least squares with the full HC2 covariance matrix, and Wald tests on it.

The diagnostics (attrition, inverse-probability weighting, the reference group, subgroups) need
the whole covariance of a few coefficients, possibly with weights. For weights ``w_i`` (1 when
none are given)::

    b = (X'WX)^{-1} X'W y,    h_i = w_i x_i'(X'WX)^{-1} x_i,
    V = (X'WX)^{-1} [ sum_i w_i^2 e_i^2 / (1 - h_i) x_i x_i' ] (X'WX)^{-1}

This is HC2 (MacKinnon and White 1985) applied to the whitened regression of ``sqrt(w) y`` on
``sqrt(w) X``: the leverages are the weighted ones, exactly as statsmodels' ``WLS(...).fit(
cov_type="HC2")`` and estimatr's ``lm_robust(weights=)`` compute them. The weights are taken
as fixed: when they are estimated (inverse-probability or propensity weights) the variance
ignores that step, which for inverse-probability weighting of a mean is conservative
(Hirano, Imbens and Ridder 2003).

Wald tests of ``R b = 0`` use ``F = (Rb)'(R V R')^{-1}(Rb) / q`` on ``(q, n - p)`` degrees of
freedom (as ``lmtest::waldtest`` with a robust covariance).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from proeftuin.analysis.distributions import f_sf

from proeftuin.analysis.threads import blas_limit

_LEVERAGE_ONE = 1.0 - 1e-10


@dataclass(frozen=True)
class RobustFit:
    """Coefficients ``coef`` (p,), HC2 covariance ``vcov`` (p, p), residual ``df = n - p``."""

    coef: np.ndarray
    vcov: np.ndarray
    df: float
    n: int


@dataclass(frozen=True)
class WaldTest:
    """``F`` statistic of ``q = df_num`` restrictions, on ``(df_num, df_den)``, and its p-value."""

    statistic: float
    df_num: int
    df_den: float
    p_value: float


def wls_hc2(y: np.ndarray, x: np.ndarray, weights: np.ndarray | None = None) -> RobustFit:
    """Fit ``y`` on ``x`` by (weighted) least squares with the HC2 covariance (module docstring)."""
    y = np.asarray(y, dtype=float)
    x = np.asarray(x, dtype=float)
    n, p = x.shape
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    if np.any(~np.isfinite(w)) or np.any(w <= 0):
        raise ValueError("weights must be positive and finite")
    if n <= p:
        raise ValueError(f"{n} observations for {p} coefficients")
    root = np.sqrt(w)
    with blas_limit(n, p, 1):  # one BLAS thread for a trial-sized fit (proeftuin.analysis.threads)
        q, r = np.linalg.qr(x * root[:, None])
        diag = np.abs(np.diag(r))
        if diag.min() <= 1e-10 * diag.max():
            raise ValueError("the design matrix is rank deficient (a group is empty or a covariate is collinear)")
        coef = np.linalg.solve(r, q.T @ (y * root))
        resid = (y - x @ coef) * root
        leverage = np.einsum("ij,ij->i", q, q)
        if np.any(leverage > _LEVERAGE_ONE):
            raise ValueError("HC2 is undefined: an observation has leverage 1 (a cell with a single observation)")
        r_inv = np.linalg.inv(r)
        a = r_inv @ q.T  # (p, n): coef = a @ (root * y)
        scaled = a * (resid / np.sqrt(1.0 - leverage))
        vcov = scaled @ scaled.T
    return RobustFit(coef=coef, vcov=vcov, df=float(n - p), n=n)


def wald_test(fit: RobustFit, restriction: np.ndarray) -> WaldTest:
    """F test of ``restriction @ coef = 0`` with the fit's robust covariance."""
    r = np.atleast_2d(np.asarray(restriction, dtype=float))
    value = r @ fit.coef
    middle = r @ fit.vcov @ r.T
    q = r.shape[0]
    statistic = float(value @ np.linalg.solve(middle, value)) / q
    return WaldTest(statistic=statistic, df_num=q, df_den=fit.df, p_value=float(f_sf(statistic, q, fit.df)))


def logit(y: np.ndarray, x: np.ndarray, *, max_iter: int = 100, tolerance: float = 1e-10) -> np.ndarray:
    """Maximum-likelihood logistic regression coefficients by Newton-Raphson.

    Raises when the fit separates the data (a fitted probability reaches 0 or 1) or does not
    converge, rather than returning weights that explode.
    """
    y = np.asarray(y, dtype=float)
    x = np.asarray(x, dtype=float)
    separated = "the logit model separates the groups (a fitted probability is 0 or 1)"
    coef = np.zeros(x.shape[1])
    for _ in range(max_iter):
        prob = special.expit(x @ coef)
        gradient = x.T @ (y - prob)
        hessian = (x * (prob * (1.0 - prob))[:, None]).T @ x
        try:
            step = np.linalg.solve(hessian, gradient)
        except np.linalg.LinAlgError:
            raise ValueError(separated) from None
        coef = coef + step
        if np.max(np.abs(step)) < tolerance:
            prob = special.expit(x @ coef)
            if prob.min() < 1e-8 or prob.max() > 1.0 - 1e-8:
                raise ValueError(separated)
            return coef
    raise ValueError(
        f"the logit model did not converge in {max_iter} Newton steps (probably separation: "
        "a covariate predicts the group perfectly)"
    )
