"""Attrition: who answered, whether that differs by arm, and what it may do to the effects.

Groningen randomized before consent and lost many participants, probably not at random
(DOMAIN.md section 3). Three tools:

1. Response rates per arm and a test of differential attrition: the linear probability model of
   the response indicator on the arm indicators (and optional baseline covariates), HC2
   standard errors, and the joint F test that every arm coefficient is zero.
2. Lee (2009) bounds: under monotone response (treatment can only make answering more, or only
   less, likely), trim the group with the higher response rate by the share
   ``p = (q_high - q_low) / q_high`` of its respondents, from the top for the lower bound and from
   the bottom for the upper bound, and compare trimmed means. Trimming is exact: when ``p`` times
   the number of respondents is not whole, the boundary observation enters with a fractional
   weight, so ties and discrete outcomes (work yes/no) are handled consistently. A confidence
   interval for the effect (not for the identified set) follows Imbens and Manski (2004), as Lee
   recommends: ``[L - c s_L, U + c s_U]`` with ``c`` solving
   ``Phi(c + (U - L) / max(s_L, s_U)) - Phi(-c) = level`` and ``s_L, s_U`` bootstrap standard
   errors (participants resampled within each arm, so arm sizes stay fixed).
3. Inverse-probability weighting: a logit model of response on the arm and baseline covariates
   gives fitted response probabilities ``pi_i``; respondents get weights ``1 / pi_i`` and the
   effects are weighted least squares with HC2 (weighted leverages, see
   :mod:`proeftuin.analysis.robust_wls`). This is valid if response is random given the
   covariates (missing at random), which Lee bounds do not assume.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import optimize, special

from proeftuin.analysis.distributions import norm_cdf

from proeftuin.analysis.ols import ArmCoding
from proeftuin.analysis.inference import NO_VARIATION
from proeftuin.analysis.options import DEFAULT_LEVEL, check_level
from proeftuin.analysis.results import Effect, EffectTable
from proeftuin.analysis.robust_wls import WaldTest, logit, wald_test, wls_hc2


@dataclass(frozen=True)
class ResponseRate:
    """Participants ``n`` in ``arm``, how many ``responded``, and the ``rate``."""

    arm: str
    n: int
    responded: int
    rate: float


@dataclass(frozen=True)
class AttritionReport:
    """Response rates, each arm's difference in response rate from control, the joint test."""

    control: str
    rates: tuple[ResponseRate, ...]
    differences: EffectTable
    joint: WaldTest


def _indicators(labels: np.ndarray, control: str) -> tuple[ArmCoding, np.ndarray]:
    coding = ArmCoding.from_labels(labels, control)
    return coding, coding.indicators(labels)


def _effects(
    fit_coef: np.ndarray,
    fit_vcov: np.ndarray,
    df: float,
    *,
    outcome: str,
    coding: ArmCoding,
    counts: np.ndarray,
    n_control: int,
    control_mean: float,
    level: float,
    estimator: str,
    not_estimable: str | None = None,
) -> EffectTable:
    """Effects from the arm coefficients ``1..k`` of a fit whose first column is the intercept."""
    effects = []
    for i, term in enumerate(coding.treatments):
        estimate = float(fit_coef[1 + i])
        se = float(np.sqrt(fit_vcov[1 + i, 1 + i]))
        effects.append(
            Effect.from_t(
                outcome=outcome,
                term=term,
                estimate=estimate,
                std_error=se,
                df=df,
                level=level,
                n=int(counts.sum() + n_control),
                n_arm=int(counts[i]),
                n_control=n_control,
                control_mean=control_mean,
                vcov="HC2",
                estimator=estimator,
                not_estimable=not_estimable,
            )
        )
    return EffectTable.of(effects)


def _check_response(responded: np.ndarray, n: int) -> np.ndarray:
    r = np.asarray(responded)
    if r.shape != (n,):
        raise ValueError(f"{r.size} response indicators for {n} arm labels")
    if r.dtype != bool and not np.isin(r, (0, 1)).all():
        raise ValueError("the response indicator must be 0/1 or boolean")
    return r.astype(bool)


def attrition_table(
    responded: np.ndarray,
    arm: np.ndarray,
    control: str,
    *,
    covariates: np.ndarray | None = None,
    level: float = DEFAULT_LEVEL,
) -> AttritionReport:
    """Response rates per arm and the test of differential attrition (module docstring, item 1).

    ``responded`` is boolean (``True`` = outcome observed); ``covariates`` optional ``(n, q)``
    baseline covariates added to the response regression. When everybody responded (or
    nobody did) the differences are not estimable ("no variation in the outcome", the one
    convention of :mod:`proeftuin.analysis.inference`: the rates are equal by construction and
    there is nothing to test), and the joint test reports statistic 0 and p-value 1.
    """
    check_level(level)
    labels = np.asarray(arm).astype(str)
    r = _check_response(responded, labels.size)
    coding, d = _indicators(labels, control)
    parts = [np.ones((labels.size, 1)), d]
    if covariates is not None:
        parts.append(np.asarray(covariates, dtype=float).reshape(labels.size, -1))
    x = np.hstack(parts)
    fit = wls_hc2(r.astype(float), x)
    k = len(coding.treatments)
    restriction = np.zeros((k, x.shape[1]))
    restriction[np.arange(k), 1 + np.arange(k)] = 1.0
    # Everybody answered (or nobody did): the response rates are equal by construction. The
    # regression would return rounding noise (1e-16 / 5e-16) as a "test"; the differences are
    # not estimable instead (no variation), and the joint F test is 0 with p = 1.
    no_variation = bool(r.all() or not r.any())
    if no_variation:
        coef, vcov = np.zeros_like(fit.coef), np.zeros_like(fit.vcov)
        joint = WaldTest(statistic=0.0, df_num=k, df_den=fit.df, p_value=1.0)
    else:
        coef, vcov = fit.coef, fit.vcov
        joint = wald_test(fit, restriction)
    rates = tuple(
        ResponseRate(arm=a, n=int(np.sum(labels == a)), responded=int(np.sum(r[labels == a])), rate=float(r[labels == a].mean()))
        for a in (coding.control, *coding.treatments)
    )
    is_control = labels == control
    differences = _effects(
        coef,
        vcov,
        fit.df,
        outcome="response",
        coding=coding,
        counts=d.sum(axis=0),
        n_control=int(is_control.sum()),
        control_mean=float(r[is_control].mean()),
        level=level,
        estimator="ols",
        not_estimable=NO_VARIATION if no_variation else None,
    )
    return AttritionReport(control=control, rates=rates, differences=differences, joint=joint)


@dataclass(frozen=True)
class LeeBounds:
    """Lee (2009) bounds on the effect of ``arm`` for the always-responders.

    ``trimmed`` says which group was trimmed (``"arm"`` or ``"control"``), ``trimming_share`` by
    how much (``p``), and the response rates behind it. ``ci_low``/``ci_high`` are the
    Imbens-Manski interval at ``level`` (``None`` without bootstrap draws).
    """

    arm: str
    lower: float
    upper: float
    trimmed: str
    trimming_share: float
    response_rate_arm: float
    response_rate_control: float
    ci_low: float | None = None
    ci_high: float | None = None
    level: float | None = None


def _trimmed_mean(values: np.ndarray, share: float, *, keep: Literal["low", "high"]) -> float:
    """Mean of the lowest (``keep="low"``) or highest ``1 - share`` of ``values``, exactly."""
    ordered = np.sort(values)
    if keep == "high":
        ordered = ordered[::-1]
    mass = (1.0 - share) * ordered.size
    weights = np.clip(mass - np.arange(ordered.size), 0.0, 1.0)
    return float(np.sum(weights * ordered) / mass)


def _lee_pair(y_arm: np.ndarray, r_arm: np.ndarray, y_control: np.ndarray, r_control: np.ndarray) -> tuple[float, float, str, float]:
    """Lower and upper bound, which group is trimmed and by how much (``y`` of respondents)."""
    q_arm, q_control = float(r_arm.mean()), float(r_control.mean())
    if min(q_arm, q_control) == 0.0:
        raise ValueError("nobody responded in an arm or in the control group; no bounds")
    if q_arm >= q_control:
        share = (q_arm - q_control) / q_arm
        base = y_control.mean()
        return _trimmed_mean(y_arm, share, keep="low") - base, _trimmed_mean(y_arm, share, keep="high") - base, "arm", share
    share = (q_control - q_arm) / q_control
    base = y_arm.mean()
    return base - _trimmed_mean(y_control, share, keep="high"), base - _trimmed_mean(y_control, share, keep="low"), "control", share


def _imbens_manski(lower: float, upper: float, s_lower: float, s_upper: float, level: float) -> tuple[float, float]:
    width = (upper - lower) / max(s_lower, s_upper)
    crit = optimize.brentq(lambda c: norm_cdf(c + width) - norm_cdf(-c) - level, 0.0, 10.0)
    return lower - crit * s_lower, upper + crit * s_upper


def lee_bounds(
    outcome: np.ndarray,
    responded: np.ndarray,
    arm: np.ndarray,
    control: str,
    *,
    n_boot: int = 0,
    seed: int = 0,
    level: float = DEFAULT_LEVEL,
) -> tuple[LeeBounds, ...]:
    """Lee (2009) trimming bounds of every arm against ``control`` (module docstring, item 2).

    ``outcome`` is read only where ``responded`` is true (missing elsewhere is fine). With
    ``n_boot > 0`` bootstrap draws (seeded by ``seed``) each bound gets the Imbens-Manski
    ``level`` confidence interval.
    """
    check_level(level)
    labels = np.asarray(arm).astype(str)
    r = _check_response(responded, labels.size)
    y = np.asarray(outcome, dtype=float)
    if np.isnan(y[r]).any():
        raise ValueError(f"outcome is missing for a respondent (row {int(np.flatnonzero(r & np.isnan(y))[0])})")
    coding = ArmCoding.from_labels(labels, control)
    rng = np.random.default_rng(seed)
    control_rows = np.flatnonzero(labels == control)
    bounds = []
    for arm_label in coding.treatments:
        arm_rows = np.flatnonzero(labels == arm_label)

        def pair(rows_arm: np.ndarray, rows_control: np.ndarray) -> tuple[float, float, str, float]:
            ra, rc = r[rows_arm], r[rows_control]
            return _lee_pair(y[rows_arm][ra], ra, y[rows_control][rc], rc)

        try:
            lower, upper, trimmed, share = pair(arm_rows, control_rows)
        except ValueError:
            raise ValueError(f"nobody responded in {arm_label!r} or in the control group; no bounds") from None
        ci_low = ci_high = None
        if n_boot > 0:
            draws = np.array(
                [
                    pair(rng.choice(arm_rows, arm_rows.size), rng.choice(control_rows, control_rows.size))[:2]
                    for _ in range(n_boot)
                ]
            )
            s_lower, s_upper = draws.std(axis=0, ddof=1)
            ci_low, ci_high = _imbens_manski(lower, upper, float(s_lower), float(s_upper), level)
        bounds.append(
            LeeBounds(
                arm=arm_label,
                lower=float(lower),
                upper=float(upper),
                trimmed=trimmed,
                trimming_share=float(share),
                response_rate_arm=float(r[arm_rows].mean()),
                response_rate_control=float(r[control_rows].mean()),
                ci_low=ci_low,
                ci_high=ci_high,
                level=level if n_boot > 0 else None,
            )
        )
    return tuple(bounds)


def response_weights(responded: np.ndarray, arm: np.ndarray, control: str, covariates: np.ndarray) -> np.ndarray:
    """``1 / pi_i`` from the logit of response on the arm indicators and ``covariates``
    (``NaN`` for non-respondents)."""
    labels = np.asarray(arm).astype(str)
    r = _check_response(responded, labels.size)
    _, d = _indicators(labels, control)
    z = np.column_stack([np.ones(labels.size), d, np.asarray(covariates, dtype=float).reshape(labels.size, -1)])
    if np.isnan(z).any():
        raise ValueError(f"a baseline covariate is missing in row {int(np.argwhere(np.isnan(z))[0, 0])}")
    coef = logit(r.astype(float), z)
    probability = special.expit(z @ coef)
    return np.where(r, 1.0 / probability, np.nan)


def ipw_effects(
    outcome: np.ndarray,
    responded: np.ndarray,
    arm: np.ndarray,
    control: str,
    covariates: np.ndarray,
    *,
    outcome_name: str = "y",
    level: float = DEFAULT_LEVEL,
) -> EffectTable:
    """Inverse-probability-weighted effects among respondents (module docstring, item 3).

    The weighted regression is of the outcome on the arm indicators (HC2, weights taken as
    fixed); ``control_mean`` is the weighted control mean; ``estimator`` is ``"ipw"``.
    """
    check_level(level)
    labels = np.asarray(arm).astype(str)
    weights = response_weights(responded, labels, control, covariates)
    r = ~np.isnan(weights)
    y = np.asarray(outcome, dtype=float)[r]
    if np.isnan(y).any():
        raise ValueError("outcome is missing for a respondent")
    coding, d = _indicators(labels[r], control)
    w = weights[r]
    fit = wls_hc2(y, np.column_stack([np.ones(y.size), d]), w)
    is_control = labels[r] == control
    return _effects(
        fit.coef,
        fit.vcov,
        fit.df,
        outcome=outcome_name,
        coding=coding,
        counts=d.sum(axis=0),
        n_control=int(is_control.sum()),
        control_mean=float(np.average(y[is_control], weights=w[is_control])),
        level=level,
        estimator="ipw",
    )

