"""Intent-to-treat effects of every arm on many outcomes at once, by OLS with robust variances.

The model is, for each outcome ``y`` (a column of ``Y``)::

    y_i = a + sum_k b_k D_ik + x_i' g + e_i

with ``D_ik`` the indicator of arm ``k`` (the control group is the reference level) and ``x_i``
optional baseline covariates, exactly as ``estimatr::lm_robust(y ~ arm + x)``. With
``A = (X'X)^{-1} X'`` and leverages ``h_i = x_i'(X'X)^{-1}x_i`` the heteroskedasticity-robust
variance of coefficient ``c`` is::

    V_c = sum_i A_ci^2 w_i e_i^2,    w_i = 1 (HC0), n/(n-p) (HC1), 1/(1-h_i) (HC2), 1/(1-h_i)^2 (HC3)

(MacKinnon and White 1985; HC2 is the Neyman variance in a randomized experiment, Samii and
Aronow 2012). Confidence intervals use the t distribution with the residual degrees of freedom
``n - p``, the convention of estimatr.

Why our own code rather than a statsmodels loop: the design matrix is shared by every outcome,
so one QR factorisation serves them all and the variance of every arm's coefficient for every
outcome is a single matrix product ``(A_c^2 w) @ E^2``. That is what makes 216 outcome vectors
take milliseconds instead of seconds (see ``bench/``). Outcomes with missing values are grouped
by their missingness pattern; each pattern gets its own factorisation, and a row is left out only
of the outcomes it lacks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from proeftuin.analysis.options import DEFAULT_LEVEL, VcovType, check_level, check_option
from proeftuin.analysis.results import Effect, EffectTable

_LEVERAGE_ONE = 1.0 - 1e-10


@dataclass(frozen=True)
class ArmCoding:
    """The arms of a design: the control level and the treatment levels, in order."""

    control: str
    treatments: tuple[str, ...]

    @classmethod
    def from_labels(cls, labels: np.ndarray, control: str, order: Sequence[str] | None = None) -> ArmCoding:
        """Code ``labels`` with ``control`` as reference; treatments in ``order`` or sorted."""
        present = {str(v) for v in np.unique(labels.astype(str))}
        if control not in present:
            raise ValueError(f"control value {control!r} does not occur among the arms {sorted(present)}")
        if order is None:
            treatments = tuple(sorted(present - {control}))
        else:
            unknown = present - set(order) - {control}
            if unknown:
                raise ValueError(f"arm values {sorted(unknown)} are not among the declared arms {list(order)}")
            treatments = tuple(a for a in order if a != control and a in present)
        if not treatments:
            raise ValueError(f"no treatment arm besides the control value {control!r}")
        return cls(control=control, treatments=treatments)

    def indicators(self, labels: np.ndarray) -> np.ndarray:
        """The ``(n, k)`` 0/1 matrix of treatment indicators."""
        labels = labels.astype(str)
        return np.column_stack([(labels == t).astype(float) for t in self.treatments])


def design_matrix(indicators: np.ndarray, covariates: np.ndarray | None) -> np.ndarray:
    """``[1, D, X]``: intercept, arm indicators, then covariates (as given, uncentred)."""
    n = indicators.shape[0]
    parts = [np.ones((n, 1)), indicators]
    if covariates is not None and covariates.size:
        covariates = np.asarray(covariates, dtype=float).reshape(n, -1)
        if np.isnan(covariates).any():
            row, col = np.argwhere(np.isnan(covariates))[0]
            raise ValueError(f"covariate column {col} has a missing value in row {row}")
        parts.append(covariates)
    return np.column_stack(parts)


def _variance_weights(leverage: np.ndarray, n: int, p: int, vcov: VcovType) -> np.ndarray:
    if vcov == "HC0":
        return np.ones(n)
    if vcov == "HC1":
        return np.full(n, n / (n - p))
    if np.any(leverage > _LEVERAGE_ONE):
        raise ValueError(
            f"{vcov} is undefined: an observation has leverage 1 (an arm or covariate cell with a "
            "single observation); use HC0/HC1 or drop that covariate"
        )
    if vcov == "HC2":
        return 1.0 / (1.0 - leverage)
    return 1.0 / (1.0 - leverage) ** 2


def _missingness_groups(observed: np.ndarray) -> list[np.ndarray]:
    """Column indices of ``observed`` (n, m) grouped by identical missingness pattern."""
    if observed.all():
        return [np.arange(observed.shape[1])]
    packed = np.packbits(observed, axis=0).T
    _, inverse = np.unique(packed, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    return [np.flatnonzero(inverse == g) for g in range(inverse.max() + 1)]


def estimate_effects(
    outcomes: np.ndarray,
    arm: np.ndarray,
    *,
    control: str,
    outcome_names: Sequence[str] | None = None,
    covariates: np.ndarray | None = None,
    arms: Sequence[str] | None = None,
    level: float = DEFAULT_LEVEL,
    vcov: VcovType = "HC2",
) -> EffectTable:
    """Effects of every arm against ``control`` on every outcome, by OLS with robust variance.

    Parameters
    ----------
    outcomes:
        ``(n,)`` or ``(n, m)`` array; ``NaN`` marks a missing value, left out of that outcome only.
    arm:
        ``(n,)`` arm labels of the participants.
    control:
        The arm label of the reference (control or comparison) group.
    outcome_names:
        Names of the ``m`` outcome columns (default ``y0, y1, ...``).
    covariates:
        Optional ``(n, q)`` baseline covariates, entered linearly (no missing values allowed).
    arms:
        Optional order of the arm labels; every label present must be declared.
    level:
        Confidence level of the intervals (default 0.90).
    vcov:
        ``HC0``, ``HC1``, ``HC2`` (default, the Neyman variance) or ``HC3``.

    Returns
    -------
    EffectTable
        One :class:`Effect` per outcome and treatment arm (outcome-major order).
    """
    check_option("vcov", vcov, VcovType)
    check_level(level)
    y = np.asarray(outcomes, dtype=float)
    if y.ndim == 1:
        y = y[:, None]
    labels = np.asarray(arm).astype(str)
    n, m = y.shape
    if labels.shape != (n,):
        raise ValueError(f"arm has {labels.shape[0]} labels for {n} outcome rows")
    names = list(outcome_names) if outcome_names is not None else [f"y{j}" for j in range(m)]
    if len(names) != m:
        raise ValueError(f"{len(names)} outcome names for {m} outcome columns")

    coding = ArmCoding.from_labels(labels, control, arms)
    indicators = coding.indicators(labels)
    x_full = design_matrix(indicators, covariates)
    k = len(coding.treatments)
    is_control = labels == control

    results: dict[int, list[Effect]] = {}
    observed = ~np.isnan(y)
    for columns in _missingness_groups(observed):
        rows = observed[:, columns[0]]
        results.update(
            _fit_pattern(
                y[np.ix_(rows, columns)] if not rows.all() else y[:, columns],
                x_full[rows],
                indicators[rows],
                is_control[rows],
                columns=columns,
                names=names,
                coding=coding,
                k=k,
                level=level,
                vcov=vcov,
            )
        )
    return EffectTable.of(effect for j in range(m) for effect in results[j])


def _fit_pattern(
    y: np.ndarray,
    x: np.ndarray,
    indicators: np.ndarray,
    is_control: np.ndarray,
    *,
    columns: np.ndarray,
    names: Sequence[str],
    coding: ArmCoding,
    k: int,
    level: float,
    vcov: VcovType,
) -> dict[int, list[Effect]]:
    """Fit all outcome columns sharing one set of observed rows."""
    n, p = x.shape
    n_arm = indicators.sum(axis=0).astype(int)
    n_control = int(is_control.sum())
    empty = [coding.treatments[i] for i in range(k) if n_arm[i] == 0]
    if n_control == 0 or empty:
        missing = [coding.control] if n_control == 0 else empty
        raise ValueError(
            f"outcome {names[columns[0]]!r}: no observed values in arm(s) {missing}; "
            "the effect cannot be estimated"
        )
    if n <= p:
        raise ValueError(f"outcome {names[columns[0]]!r}: {n} observations for {p} coefficients")
    q, r = np.linalg.qr(x)
    diag = np.abs(np.diag(r))
    if diag.min() <= 1e-10 * diag.max():
        raise ValueError(
            f"outcome {names[columns[0]]!r}: the design matrix is rank deficient "
            "(a covariate is constant or collinear with the arms)"
        )
    a = np.linalg.solve(r, q.T)  # (p, n): coefficients = a @ y
    coef = a @ y
    resid = y - x @ coef
    leverage = np.einsum("ij,ij->i", q, q)
    weights = _variance_weights(leverage, n, p, vcov)
    variance = ((a[1 : k + 1] ** 2) * weights) @ (resid**2)  # (k, m_pattern)

    df = float(n - p)
    crit = stats.t.ppf(0.5 + level / 2.0, df)
    control_mean = y[is_control].mean(axis=0)
    out: dict[int, list[Effect]] = {}
    for local, j in enumerate(columns):
        effects = []
        for i, term in enumerate(coding.treatments):
            estimate = float(coef[1 + i, local])
            se = float(np.sqrt(variance[i, local]))
            statistic = estimate / se if se > 0 else np.nan
            effects.append(
                Effect(
                    outcome=names[j],
                    term=term,
                    estimate=estimate,
                    std_error=se,
                    statistic=float(statistic),
                    p_value=float(2.0 * stats.t.sf(abs(statistic), df)),
                    ci_low=estimate - crit * se,
                    ci_high=estimate + crit * se,
                    df=df,
                    n=n,
                    n_arm=int(n_arm[i]),
                    n_control=n_control,
                    control_mean=float(control_mean[local]),
                    level=level,
                    vcov=vcov,
                )
            )
        out[int(j)] = effects
    return out
