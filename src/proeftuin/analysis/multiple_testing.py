"""Multiple-testing adjustments over the families of an analysis plan.

A trial reports many arms x outcomes; the pre-analysis plan groups the hypotheses into families
(labour-market outcomes, survey indices) and adjusts within each family.

- Bonferroni: ``p~_i = min(1, m p_i)`` (controls the family-wise error rate, FWER).
- Holm (1979) step-down: with ``p_(1) <= ... <= p_(m)``,
  ``p~_(i) = max_{j <= i} min(1, (m - j + 1) p_(j))`` (FWER).
- Benjamini and Hochberg (1995) step-up: ``p~_(i) = min_{j >= i} min(1, m p_(j) / j)``
  (false discovery rate).
- Romano and Wolf (2005, 2016) step-down over resampled statistics: uses the joint distribution
  of the test statistics (bootstrap or randomization draws), so correlated outcomes (work > 12
  and > 27 hours a week) cost less power than under Holm; FWER control.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from proeftuin.analysis.inference import tie_threshold
from proeftuin.analysis.options import check_option

AdjustMethod = Literal["holm", "bh", "bonferroni"]


def _check_p(p: np.ndarray) -> None:
    bad = np.flatnonzero(~((p >= 0.0) & (p <= 1.0)))
    if bad.size:
        raise ValueError(f"p-values must lie in [0, 1]; p[{bad[0]}] = {float(p[bad[0]])!r}")


def adjust_p_values(p_values: Sequence[float] | np.ndarray, method: AdjustMethod = "holm") -> np.ndarray:
    """Adjusted p-values, in the input order, by ``holm`` (default), ``bh`` or ``bonferroni``.

    The formulas are in the module docstring; the results equal statsmodels' ``multipletests``
    with ``holm``, ``fdr_bh`` and ``bonferroni``. A missing or out-of-range p-value is an error.
    """
    check_option("method", method, AdjustMethod)
    p = np.asarray(p_values, dtype=float).ravel()
    _check_p(p)
    m = p.size
    if m == 0:
        return p.copy()
    if method == "bonferroni":
        return np.minimum(1.0, m * p)
    order = np.argsort(p, kind="stable")
    ranked = p[order]
    rank = np.arange(1, m + 1)
    if method == "holm":
        adjusted_sorted = np.minimum(1.0, np.maximum.accumulate((m - rank + 1) * ranked))
    else:
        adjusted_sorted = np.minimum(1.0, np.minimum.accumulate((m * ranked / rank)[::-1])[::-1])
    adjusted = np.empty(m)
    adjusted[order] = adjusted_sorted
    return adjusted


def adjust_by_family(
    p_values: Sequence[float] | np.ndarray,
    families: Sequence[str],
    method: AdjustMethod = "holm",
) -> np.ndarray:
    """Adjust within each family of hypotheses (``families[i]`` names the family of ``p[i]``)."""
    p = np.asarray(p_values, dtype=float).ravel()
    labels = np.asarray(families).astype(str)
    if labels.shape != p.shape:
        raise ValueError(f"{labels.size} family labels for {p.size} p-values")
    adjusted = np.empty_like(p)
    for family in np.unique(labels):
        rows = labels == family
        adjusted[rows] = adjust_p_values(p[rows], method)
    return adjusted


def romano_wolf(
    observed: Sequence[float] | np.ndarray,
    null_statistics: np.ndarray,
    *,
    two_sided: bool = True,
) -> np.ndarray:
    """Romano-Wolf step-down adjusted p-values from resampled null statistics.

    Parameters
    ----------
    observed:
        ``(m,)`` observed test statistics (t statistics, say), one per hypothesis.
    null_statistics:
        ``(B, m)`` statistics drawn under the null, jointly for all hypotheses in each draw: the
        randomization distribution (re-randomizing with the design) or bootstrap statistics
        centred at the estimate, ``(b*_j - b_j) / se*_j``.
    two_sided:
        Compare absolute values (default); otherwise large positive values are evidence.

    Returns
    -------
    numpy.ndarray
        ``(m,)`` adjusted p-values in the input order.

    Algorithm (Romano and Wolf 2005, 2016, Algorithm 4.1): order the hypotheses so that
    ``t_(1) >= ... >= t_(m)``. At step ``s`` take in every draw the maximum of the null statistics
    over the hypotheses not yet passed, ``M_b^(s) = max_{j >= s} t*_b,(j)``, and set
    ``p_(s) = (1 + #{b: M_b^(s) >= t_(s)}) / (1 + B)``; then enforce monotonicity,
    ``p~_(s) = max(p_(s), p~_(s-1))``. The ``+1`` (Phipson and Smyth 2010) counts the observed
    assignment as a draw and keeps the test valid with finitely many draws. For the largest
    statistic the result is the single-step max-T p-value.

    A null statistic that is not defined in a draw (NaN: a cluster-robust standard error of zero
    when a re-randomization leaves an arm without variation in the outcome, say) counts as
    exceeding every observed statistic, which can only raise the adjusted p-values: the test stays
    valid (conservative) rather than stopping. Every observed statistic must be finite.
    """
    t = np.asarray(observed, dtype=float).ravel()
    draws = np.asarray(null_statistics, dtype=float)
    if draws.ndim != 2 or draws.shape[1] != t.size:
        raise ValueError(f"null_statistics must be (draws, {t.size}); got shape {draws.shape}")
    if draws.shape[0] == 0:
        raise ValueError("null_statistics has no draws")
    if not np.isfinite(t).all():
        raise ValueError("observed contains a missing or infinite statistic (a hypothesis that is not estimable cannot be tested)")
    if two_sided:
        t, draws = np.abs(t), np.abs(draws)
    draws = np.where(np.isnan(draws), np.inf, draws)  # undefined in a draw: as extreme as can be (conservative)
    order = np.argsort(-t, kind="stable")
    # Running maximum from the last hypothesis backwards: column s is max over steps s..m.
    tail_max = np.maximum.accumulate(draws[:, order][:, ::-1], axis=1)[:, ::-1]
    counts = (tail_max >= tie_threshold(t[order])[None, :]).sum(axis=0)  # a tie up to round-off counts as extreme
    stepwise = (1.0 + counts) / (1.0 + draws.shape[0])
    adjusted = np.empty_like(t)
    adjusted[order] = np.maximum.accumulate(stepwise)
    return adjusted
