"""A non-randomized reference group: propensity-score weighting, always labelled non-experimental.

Groningen and Deventer compared participants with a reference group of non-participants
(Tilburg matched against non-participants). Such a comparison is *not* an experiment: it is
only as good as the assumption that, given the baseline covariates, being a participant is
unrelated to the outcome one would have had. Every result here says so in its ``estimator``
label, ``"ps-weighting (non-experimental)"``.

Method (Imbens 2004; Austin and Stuart 2015):

1. Propensity score ``e(x) = P(participant | x)`` by logit on the baseline covariates.
2. Overlap: the ranges of ``e`` in both groups; optionally trim units with ``e`` outside
   ``[trim, 1 - trim]`` (Crump, Hotz, Imbens and Mitnik 2009 suggest 0.1).
3. Effect on the participants (ATT) weights: participants ``1``, reference units
   ``e / (1 - e)``, so that the weighted reference group resembles the participants.
4. The ATT is the weighted regression of the outcome on the participant indicator with HC2
   standard errors (weights taken as fixed, as in :mod:`proeftuin.analysis.robust_wls`).
5. Balance after weighting: standardized differences with the weighted reference mean and the
   *unweighted* pooled standard deviation in the denominator, before and after, so the two are
   comparable (Austin and Stuart 2015).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from proeftuin.analysis.balance import covariate_frame
from proeftuin.analysis.options import DEFAULT_LEVEL, check_level
from proeftuin.analysis.results import Effect
from proeftuin.analysis.robust_wls import logit, wls_hc2

NON_EXPERIMENTAL = "ps-weighting (non-experimental)"
"""The ``estimator`` label of every result of this module."""


@dataclass(frozen=True)
class Overlap:
    """Propensity-score ranges per group and how many units fell outside ``[trim, 1 - trim]``."""

    ps_min_participants: float
    ps_max_participants: float
    ps_min_reference: float
    ps_max_reference: float
    trim: float
    n_trimmed: int


@dataclass(frozen=True)
class WeightedBalanceRow:
    """One covariate: participant mean, reference mean before and after weighting, std diffs."""

    covariate: str
    mean_participants: float
    mean_reference: float
    mean_reference_weighted: float
    std_diff_before: float
    std_diff_after: float


@dataclass(frozen=True)
class ReferenceGroupResult:
    """The non-experimental comparison: effect, overlap, balance, and the unit-level scores.

    ``propensity`` and ``weights`` are per input row; trimmed rows have weight ``0``.
    ``label`` is always ``"non-experimental"``.
    """

    effect: Effect
    overlap: Overlap
    balance: tuple[WeightedBalanceRow, ...]
    propensity: np.ndarray
    weights: np.ndarray
    label: str = "non-experimental"


def reference_group_effect(
    outcome: np.ndarray,
    participant: np.ndarray,
    covariates: pd.DataFrame | Mapping[str, Any],
    *,
    outcome_name: str = "y",
    trim: float = 0.0,
    level: float = DEFAULT_LEVEL,
) -> ReferenceGroupResult:
    """Propensity-score-weighted effect on the participants against a reference group.

    Parameters
    ----------
    outcome:
        ``(n,)`` outcomes of participants and reference units (no missing values).
    participant:
        ``(n,)`` boolean: ``True`` for participants (or one arm), ``False`` for the reference group.
    covariates:
        Baseline covariates of the propensity model (text columns become level indicators).
    trim:
        Drop units with a propensity score outside ``[trim, 1 - trim]`` (default 0: none).
    level:
        Confidence level (default 0.90).

    Returns
    -------
    ReferenceGroupResult
        ``effect.estimator`` is ``"ps-weighting (non-experimental)"``; ``effect.term`` is
        ``"participant"``, ``n_control`` counts reference units, ``control_mean`` is the
        weighted reference mean.
    """
    check_level(level)
    if not 0.0 <= trim < 0.5:
        raise ValueError(f"trim must be in [0, 0.5); got {trim}")
    x, names = covariate_frame(covariates)
    treated = np.asarray(participant)
    if treated.dtype != bool:
        raise ValueError("participant must be a boolean array (True = participant, False = reference)")
    y = np.asarray(outcome, dtype=float)
    n = y.size
    if treated.shape != (n,) or x.shape[0] != n:
        raise ValueError(f"outcome ({n}), participant ({treated.size}) and covariates ({x.shape[0]}) differ in length")
    if np.isnan(y).any():
        raise ValueError(f"outcome is missing in row {int(np.flatnonzero(np.isnan(y))[0])}")
    if treated.all() or not treated.any():
        raise ValueError("both participants and reference units are needed")

    z = np.column_stack([np.ones(n), x])
    propensity = special.expit(z @ logit(treated.astype(float), z))
    keep = (propensity >= trim) & (propensity <= 1.0 - trim)
    weights = np.where(treated, 1.0, propensity / (1.0 - propensity)) * keep
    if not (keep & treated).any() or not (keep & ~treated).any():
        raise ValueError(f"trimming at {trim} leaves no participants or no reference units")

    fit = wls_hc2(y[keep], np.column_stack([np.ones(keep.sum()), treated[keep]]), weights[keep])
    estimate = float(fit.coef[1])
    se = float(np.sqrt(fit.vcov[1, 1]))
    reference = keep & ~treated
    effect = Effect.from_t(
        outcome=outcome_name,
        term="participant",
        estimate=estimate,
        std_error=se,
        df=fit.df,
        level=level,
        n=int(keep.sum()),
        n_arm=int((keep & treated).sum()),
        n_control=int(reference.sum()),
        control_mean=float(np.average(y[reference], weights=weights[reference])),
        vcov="HC2",
        estimator=NON_EXPERIMENTAL,
    )
    overlap = Overlap(
        ps_min_participants=float(propensity[treated].min()),
        ps_max_participants=float(propensity[treated].max()),
        ps_min_reference=float(propensity[~treated].min()),
        ps_max_reference=float(propensity[~treated].max()),
        trim=trim,
        n_trimmed=int((~keep).sum()),
    )
    balance = []
    for j, name in enumerate(names):
        t_values, r_values = x[keep & treated, j], x[reference, j]
        pooled = np.sqrt((t_values.var(ddof=1) + r_values.var(ddof=1)) / 2.0)
        weighted = float(np.average(r_values, weights=weights[reference]))
        mean_t, mean_r = float(t_values.mean()), float(r_values.mean())
        balance.append(
            WeightedBalanceRow(
                covariate=name,
                mean_participants=mean_t,
                mean_reference=mean_r,
                mean_reference_weighted=weighted,
                std_diff_before=(mean_t - mean_r) / pooled if pooled > 0 else 0.0,
                std_diff_after=(mean_t - weighted) / pooled if pooled > 0 else 0.0,
            )
        )
    return ReferenceGroupResult(effect=effect, overlap=overlap, balance=tuple(balance), propensity=propensity, weights=weights)
