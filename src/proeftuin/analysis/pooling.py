"""Pooling effects across municipalities: fixed- and random-effects meta-analysis, meta-regression.

The model (Viechtbauer 2010, metafor's ``rma``) for ``k`` estimates ``y_i`` with known sampling
variances ``v_i`` (the squared standard errors) and an optional ``(k, p)`` design ``X`` (an
intercept, then moderators) is::

    y_i = x_i' b + u_i + e_i,    u_i ~ N(0, tau^2),    e_i ~ N(0, v_i)

Given ``tau^2`` the coefficients are weighted least squares with ``w_i = 1 / (v_i + tau^2)``::

    b = (X'WX)^{-1} X'W y,    Var(b) = (X'WX)^{-1},    P = W - W X (X'WX)^{-1} X'W

Estimators of ``tau^2`` (``method``):

- ``"fe"``: fixed effect, ``tau^2 = 0`` (inverse-variance weighting).
- ``"dl"``: DerSimonian and Laird (1986), method of moments with the fixed-effect weights
  ``W0 = diag(1/v)``: ``tau^2 = max(0, (Q_E - (k - p)) / tr(P_0))``.
- ``"reml"``: restricted maximum likelihood (Viechtbauer 2005), Fisher scoring as in metafor::
  ``tau^2 <- tau^2 + (y'PPy - tr P) / tr(PP)``, started at the DerSimonian-Laird value and
  stopped at ``0``, until the step is below ``1e-10``; when a step overshoots (the score changes
  sign: plain scoring can oscillate, where metafor asks for ``stepadj``) the bracketed root of
  the score is finished by Brent's method.
- ``"pm"``: Paule and Mandel (1982): the root of the generalised ``Q(tau^2) = y'P(tau^2)y = k - p``
  (``tau^2 = 0`` when ``Q(0) <= k - p``), found by Brent's method.

Inference on ``b``: Wald ``z`` by default; with ``hksj=True`` the Hartung-Knapp-Sidik-Jonkman
adjustment (IntHout, Ioannidis and Borm 2014): ``Var(b)`` scaled by
``s^2 = sum w_i (y_i - x_i'b)^2 / (k - p)`` and ``t`` quantiles with ``k - p`` degrees of freedom
(metafor's ``test="knha"``). Untruncated, ``s^2 < 1`` makes the interval narrower than the
fixed-effect one when the estimates agree more than their standard errors imply (identical
estimates give zero width); ``hksj_truncation=True`` uses ``max(1, s^2)`` instead (Knapp and
Hartung 2003, the "ad hoc" improvement; metafor's ``test="adhoc"``; Roever et al. 2015).
HKSJ is meant for random-effects models; with ``method="fe"`` it is allowed (metafor allows it)
but warned about and noted in the result.

A single estimate (``k = 1``) is passed through with a note: its own estimate, standard error
and normal interval; ``tau^2``, ``I^2``, ``Q`` and the prediction interval are not estimable
(``NaN``), and HKSJ (``k - 1 = 0`` degrees of freedom) is not applied.

Every statistic, p-value and interval is built by :func:`proeftuin.analysis.inference.t_inference`
(``df = inf`` for the normal reference).

Heterogeneity: Cochran's ``Q_E = sum (y_i - x_i'b_FE)^2 / v_i`` with a chi-square test on
``k - p`` degrees of freedom; ``I^2`` (Higgins and Thompson 2002), in percent, as metafor reports it:
``100 tau^2 / (tau^2 + s^2)`` with the typical within-study variance ``s^2 = (k - p) / tr(P_0)``
for the random-effects methods (equal to ``100 (Q - (k-1)) / Q`` for DerSimonian-Laird without
moderators) and ``100 max(0, Q_E - (k - p)) / Q_E`` for the fixed-effect model.

Prediction interval for the true effect in a new municipality: metafor's ``predict.rma``
convention, ``b +/- c * sqrt(SE(b)^2 + tau^2)`` with ``c`` the normal quantile, or the
``t_{k-p}`` quantile (and the adjusted ``SE``) under ``hksj`` (Viechtbauer, R-sig-meta-analysis,
5 June 2018). Higgins, Thompson and Spiegelhalter (2009) proposed ``t_{k-2}`` instead; we keep
metafor's convention so that results match the reference implementation users know.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import warnings

import numpy as np
import pandas as pd
from scipy import optimize

from proeftuin.analysis.distributions import chi2_sf, f_sf

from proeftuin.analysis.balance import covariate_frame
from proeftuin.analysis.inference import critical_value, t_inference
from proeftuin.analysis.options import DEFAULT_LEVEL, check_level, check_option

PoolingMethod = Literal["reml", "dl", "pm", "fe"]

REML_TOLERANCE = 1e-10
REML_MAX_ITER = 200


@dataclass(frozen=True)
class MetaCoefficient:
    """One coefficient of a meta-regression (``intercept`` or a moderator term)."""

    term: str
    estimate: float
    std_error: float
    statistic: float
    p_value: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class ModeratorTest:
    """Omnibus test that every moderator coefficient is zero (metafor's ``QM``).

    ``statistic`` is the Wald chi-square on ``df`` degrees of freedom, or under ``hksj`` the
    F statistic ``QM / df`` on ``(df, df_resid)``.
    """

    statistic: float
    df: int
    df_resid: float
    p_value: float


@dataclass(frozen=True)
class PooledEffect:
    """A pooled effect across ``k`` estimates (municipalities, arms, ...).

    Fields
    ------
    method, hksj, level, k:
        The ``tau^2`` estimator, whether the Hartung-Knapp-Sidik-Jonkman adjustment was used,
        the confidence level and the number of estimates pooled.
    estimate, std_error, statistic, p_value, ci_low, ci_high, df:
        The pooled effect (the intercept when there are moderators), its standard error, the
        ``z`` (or ``t``) statistic, two-sided p-value and confidence interval; ``df`` is ``inf``
        for the normal reference and ``k - p`` under ``hksj``.
    tau2, i2:
        Between-municipality variance and ``I^2`` in percent.
    q, q_df, q_p_value:
        Cochran's ``Q_E`` (residual heterogeneity), its degrees of freedom ``k - p`` and p-value.
    prediction_low, prediction_high:
        Prediction interval for the true effect in a new municipality (metafor's convention).
    weights:
        Relative weight of each estimate, ``w_i / sum w`` (sums to 1).
    labels:
        The label of each estimate, in input order.
    coefficients:
        Every coefficient (``intercept`` first) of the model.
    moderator_test:
        Omnibus test of the moderators, ``None`` without moderators.
    hksj_truncation:
        Whether the HKSJ scale was truncated at 1 (metafor's ``test="adhoc"``).
    notes:
        Remarks a reader must see (a single estimate passed through, HKSJ with a fixed effect).
    """

    method: PoolingMethod
    hksj: bool
    level: float
    k: int
    estimate: float
    std_error: float
    statistic: float
    p_value: float
    ci_low: float
    ci_high: float
    df: float
    tau2: float
    i2: float
    q: float
    q_df: int
    q_p_value: float
    prediction_low: float
    prediction_high: float
    weights: tuple[float, ...]
    labels: tuple[str, ...]
    coefficients: tuple[MetaCoefficient, ...]
    moderator_test: ModeratorTest | None
    hksj_truncation: bool = False
    notes: tuple[str, ...] = ()

    def to_record(self) -> dict[str, Any]:
        """The stable flat summary (the CLI's JSON keys first)."""
        record = asdict(self)
        record.pop("coefficients")
        record.pop("moderator_test")
        record["weights"] = list(self.weights)
        record["labels"] = list(self.labels)
        record["notes"] = list(self.notes)
        return record


def moderator_matrix(moderators: pd.DataFrame | Mapping[str, Sequence[Any]] | np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Moderators as columns of a design (without intercept) and their term names.

    Numeric columns enter as they are; any other column (arm type, municipality) becomes
    indicators of its levels, the first level in sorted order being the reference. A bare
    array gets names ``x0, x1, ...``.
    """
    if isinstance(moderators, np.ndarray):
        matrix = np.asarray(moderators, dtype=float)
        matrix = matrix[:, None] if matrix.ndim == 1 else matrix
        return matrix, [f"x{j}" for j in range(matrix.shape[1])]
    return covariate_frame(moderators, what="moderator")


def _wls(y: np.ndarray, v_total: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coefficients, ``(X'WX)^{-1}`` and ``P`` for weights ``1 / v_total``."""
    w = 1.0 / v_total
    xtwx_inv = np.linalg.inv(x.T @ (w[:, None] * x))
    coef = xtwx_inv @ (x.T @ (w * y))
    wx = w[:, None] * x
    p_matrix = np.diag(w) - wx @ xtwx_inv @ wx.T
    return coef, xtwx_inv, p_matrix


def _tau2_dl(y: np.ndarray, v: np.ndarray, x: np.ndarray) -> float:
    _, _, p0 = _wls(y, v, x)
    q_e = float(y @ p0 @ y)
    return max(0.0, (q_e - (len(y) - x.shape[1])) / float(np.trace(p0)))


def _reml_score(y: np.ndarray, v: np.ndarray, x: np.ndarray, tau2: float) -> tuple[float, float]:
    """Twice the REML score ``y'PPy - tr P`` and twice the expected information ``tr(PP)``."""
    _, _, p = _wls(y, v + tau2, x)
    py = p @ y
    return float(py @ py) - float(np.trace(p)), float(np.sum(p * p))


def _tau2_reml(y: np.ndarray, v: np.ndarray, x: np.ndarray) -> float:
    tau2 = _tau2_dl(y, v, x)
    score, information = _reml_score(y, v, x, tau2)
    for _ in range(REML_MAX_ITER):
        step = score / information
        if tau2 + step < 0.0:
            if tau2 == 0.0:  # the likelihood decreases from the boundary
                return 0.0
            step = -tau2
        new = tau2 + step
        if abs(step) < REML_TOLERANCE:
            return new
        new_score, new_information = _reml_score(y, v, x, new)
        if new_score == 0.0:
            return new
        if (new_score > 0.0) != (score > 0.0):  # overshot: the root is bracketed, finish by Brent
            low, high = sorted((tau2, new))
            return float(
                optimize.brentq(lambda t: _reml_score(y, v, x, t)[0], low, high, xtol=1e-15, rtol=1e-14)
            )
        tau2, score, information = new, new_score, new_information
    raise RuntimeError(
        f"REML estimation of tau^2 did not converge in {REML_MAX_ITER} Fisher-scoring steps; "
        "try method='pm' or 'dl'"
    )


def _tau2_pm(y: np.ndarray, v: np.ndarray, x: np.ndarray) -> float:
    target = float(len(y) - x.shape[1])

    def excess(tau2: float) -> float:
        _, _, p = _wls(y, v + tau2, x)
        return float(y @ p @ y) - target

    if excess(0.0) <= 0.0:
        return 0.0
    upper = max(float(np.var(y)), float(v.max()))
    while excess(upper) > 0.0:
        upper *= 2.0
    return float(optimize.brentq(excess, 0.0, upper, xtol=1e-14, rtol=1e-14))


_TAU2 = {"dl": _tau2_dl, "reml": _tau2_reml, "pm": _tau2_pm}


def pool_effects(
    estimates: Sequence[float] | np.ndarray,
    std_errors: Sequence[float] | np.ndarray,
    *,
    labels: Sequence[str] | None = None,
    method: PoolingMethod = "reml",
    hksj: bool = False,
    level: float = DEFAULT_LEVEL,
    moderators: pd.DataFrame | Mapping[str, Sequence[Any]] | np.ndarray | None = None,
    hksj_truncation: bool = False,
) -> PooledEffect:
    """Pool ``k`` estimates with their standard errors (random effects by REML by default).

    Parameters
    ----------
    estimates, std_errors:
        One effect and its standard error per municipality (or arm); standard errors must be
        positive and finite.
    labels:
        Names of the estimates (default ``"1".."k"``).
    method:
        ``"reml"`` (default, as metafor), ``"dl"``, ``"pm"`` or ``"fe"``; see the module docstring.
    hksj:
        Hartung-Knapp-Sidik-Jonkman standard error and ``t_{k-p}`` intervals (default False).
    level:
        Confidence level of the interval and the prediction interval (default 0.90, as every
        other estimator: :data:`proeftuin.analysis.options.DEFAULT_LEVEL`).
    moderators:
        Optional moderators for a meta-regression (``tau^2`` is then residual heterogeneity);
        text columns such as arm type or municipality are coded as indicators.
    hksj_truncation:
        With ``hksj``, truncate the HKSJ scale at 1 (``max(1, s^2)``, metafor's ``test="adhoc"``).

    Returns
    -------
    PooledEffect
        See its docstring for every field and the module docstring for the formulas.

    References
    ----------
    DerSimonian and Laird (1986); Paule and Mandel (1982); Viechtbauer (2005, 2010);
    Higgins and Thompson (2002); IntHout, Ioannidis and Borm (2014).
    """
    check_option("method", method, PoolingMethod)
    check_level(level)
    if hksj_truncation and not hksj:
        raise ValueError("hksj_truncation truncates the HKSJ scale: it needs hksj=True")
    y = np.asarray(estimates, dtype=float).ravel()
    se = np.asarray(std_errors, dtype=float).ravel()
    k = y.size
    if se.size != k:
        raise ValueError(f"{k} estimates but {se.size} standard errors")
    names = tuple(str(label) for label in labels) if labels is not None else tuple(str(i + 1) for i in range(k))
    if len(names) != k:
        raise ValueError(f"{len(names)} labels for {k} estimates")
    for what, values in (("estimate", y), ("standard error", se)):
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            raise ValueError(f"the {what} of {names[bad[0]]!r} is missing or not finite")
    if np.any(se <= 0):
        raise ValueError(f"the standard error of {names[int(np.flatnonzero(se <= 0)[0])]!r} is not positive")

    notes: list[str] = []
    if hksj and method == "fe":
        message = "HKSJ with a fixed-effect model: the HKSJ adjustment is meant for random effects"
        warnings.warn(message, stacklevel=2)
        notes.append(message)
    if k == 1 and moderators is None:
        if hksj:
            notes.append("HKSJ not applied: a single estimate leaves k - 1 = 0 degrees of freedom")
        return _single(y[0], se[0], names, method=method, level=level, notes=notes)
    terms = ["intercept"]
    x = np.ones((k, 1))
    if moderators is not None:
        mods, mod_names = moderator_matrix(moderators)
        if mods.shape[0] != k:
            raise ValueError(f"moderators have {mods.shape[0]} rows for {k} estimates")
        x = np.hstack([x, mods])
        terms += mod_names
    p = x.shape[1]
    if k <= p:
        raise ValueError(f"{k} estimates cannot pool a model with {p} coefficients; need at least {p + 1}")
    if np.linalg.matrix_rank(x) < p:
        raise ValueError("the moderators are collinear (a level occurs in every row or columns repeat)")

    v = se**2
    df_resid = k - p
    tau2 = 0.0 if method == "fe" else _TAU2[method](y, v, x)
    coef, vb, _ = _wls(y, v + tau2, x)
    w = 1.0 / (v + tau2)

    _, _, p0 = _wls(y, v, x)
    q_e = float(y @ p0 @ y)
    if method == "fe":
        i2 = 100.0 * max(0.0, q_e - df_resid) / q_e if q_e > 0 else 0.0
    else:
        typical = df_resid / float(np.trace(p0))
        i2 = 100.0 * tau2 / (tau2 + typical)

    if hksj:
        resid = y - x @ coef
        scale = float(np.sum(w * resid**2)) / df_resid
        vb = vb * (max(1.0, scale) if hksj_truncation else scale)
        df = float(df_resid)
    else:
        df = float("inf")
    crit = float(critical_value(level, df))

    tests = t_inference(coef, np.sqrt(np.diag(vb)), df, level)
    if tests.reason[0]:
        notes.append(f"pooled effect not estimable: {tests.reason[0]}")
    coefficients = tuple(
        MetaCoefficient(
            term=terms[j],
            estimate=float(tests.estimate[j]),
            std_error=float(tests.std_error[j]),
            statistic=float(tests.statistic[j]),
            p_value=float(tests.p_value[j]),
            ci_low=float(tests.ci_low[j]),
            ci_high=float(tests.ci_high[j]),
        )
        for j in range(p)
    )
    moderator_test = None
    if p > 1:
        b = coef[1:]
        qm = float(b @ np.linalg.solve(vb[1:, 1:], b))
        if hksj:
            moderator_test = ModeratorTest(qm / (p - 1), p - 1, df, float(f_sf(qm / (p - 1), p - 1, df)))
        else:
            moderator_test = ModeratorTest(qm, p - 1, df, float(chi2_sf(qm, p - 1)))

    pooled = coefficients[0]
    half_width = crit * float(np.sqrt(pooled.std_error**2 + tau2))
    return PooledEffect(
        method=method,
        hksj=hksj,
        level=level,
        k=k,
        estimate=pooled.estimate,
        std_error=pooled.std_error,
        statistic=pooled.statistic,
        p_value=pooled.p_value,
        ci_low=pooled.ci_low,
        ci_high=pooled.ci_high,
        df=df,
        tau2=float(tau2),
        i2=float(i2),
        q=q_e,
        q_df=df_resid,
        q_p_value=float(chi2_sf(q_e, df_resid)),
        prediction_low=pooled.estimate - half_width,
        prediction_high=pooled.estimate + half_width,
        weights=tuple(float(value) for value in w / w.sum()),
        labels=names,
        coefficients=coefficients,
        moderator_test=moderator_test,
        hksj_truncation=hksj_truncation,
        notes=tuple(notes),
    )


def _single(
    estimate: float, std_error: float, labels: tuple[str, ...], *, method: PoolingMethod, level: float, notes: list[str]
) -> PooledEffect:
    """One estimate passed through (see the module docstring): nothing to pool, no heterogeneity."""
    notes = [*notes, "a single estimate: passed through unpooled; tau^2, I^2, Q and the prediction interval are not estimable"]
    test = t_inference(estimate, std_error, np.inf, level)
    coefficient = MetaCoefficient(
        term="intercept", estimate=float(test.estimate), std_error=float(test.std_error),
        statistic=float(test.statistic), p_value=float(test.p_value), ci_low=float(test.ci_low),
        ci_high=float(test.ci_high),
    )
    nan = float("nan")
    return PooledEffect(
        method=method, hksj=False, level=level, k=1, estimate=coefficient.estimate,
        std_error=coefficient.std_error, statistic=coefficient.statistic, p_value=coefficient.p_value,
        ci_low=coefficient.ci_low, ci_high=coefficient.ci_high, df=float("inf"), tau2=nan, i2=nan, q=nan,
        q_df=0, q_p_value=nan, prediction_low=nan, prediction_high=nan, weights=(1.0,), labels=labels,
        coefficients=(coefficient,), moderator_test=None, notes=tuple(notes),
    )
