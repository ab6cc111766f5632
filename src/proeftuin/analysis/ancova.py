"""ANCOVA on the baseline value for survey indices, with the mean of several follow-ups.

For survey index ``j`` with follow-up waves ``y_ij^(1..W)`` and baseline ``b_ij``::

    ybar_ij = mean of the follow-ups answered,   ybar_ij = a + sum_k t_k D_ik + c b~_ij + d m_ij + x_i' g + e_i

(the survey effects in the seed reports were "controlled for the baseline answer"; Tilburg and
Wageningen averaged their two follow-ups). A missing baseline is handled by the missing-indicator
method: ``b~_ij`` is the baseline with missing values set to the mean of the observed baselines
and ``m_ij`` indicates a missing baseline (the indicator is left out when no baseline is missing;
both terms when no baseline exists at all, :func:`baseline_regressors`).
In a randomized experiment the baseline is independent of assignment, so this keeps every
respondent and leaves the effect unbiased (Puma et al. 2009, NCEE 2009-0049); nobody is dropped
for lacking a baseline. A participant without any follow-up is missing for that index.

The baseline differs per index, so each index is one fit (ten indices take milliseconds).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from proeftuin.analysis.ols import estimate_effects
from proeftuin.analysis.options import DEFAULT_LEVEL, VcovType
from proeftuin.analysis.results import Effect, EffectTable


def followup_mean(followups: Sequence[np.ndarray]) -> np.ndarray:
    """The mean of the follow-up waves each participant answered (``NaN`` if none)."""
    stacked = np.stack([np.asarray(w, dtype=float) for w in followups])
    answered = (~np.isnan(stacked)).sum(axis=0)
    total = np.nansum(stacked, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(answered > 0, total / answered, np.nan)


def ancova_effects(
    followups: Sequence[np.ndarray],
    baseline: np.ndarray,
    arm: np.ndarray,
    *,
    control: str,
    outcome_names: Sequence[str] | None = None,
    covariates: np.ndarray | None = None,
    arms: Sequence[str] | None = None,
    level: float = DEFAULT_LEVEL,
    vcov: VcovType | None = None,
    clusters: np.ndarray | None = None,
) -> EffectTable:
    """Effects on the follow-up mean of each index, adjusted for its own baseline value.

    ``followups`` is one ``(n, m)`` (or ``(n,)``) array per wave, ``baseline`` the ``(n, m)``
    baseline answers. Other parameters as :func:`~proeftuin.analysis.estimate_effects`. The
    result has ``estimator`` ``"ancova"`` and ``extra["baseline_missing"]``, the number of
    participants whose baseline was imputed for that index.
    """
    if not followups:
        raise ValueError("at least one follow-up wave is needed")
    outcome = followup_mean(followups)
    outcome = outcome[:, None] if outcome.ndim == 1 else outcome
    base = np.asarray(baseline, dtype=float)
    base = base[:, None] if base.ndim == 1 else base
    n, m = outcome.shape
    if base.shape != (n, m):
        raise ValueError(f"baseline has shape {base.shape}; the follow-ups have {(n, m)}")
    names = list(outcome_names) if outcome_names is not None else [f"y{j}" for j in range(m)]
    extra_cov = np.empty((n, 0)) if covariates is None else np.asarray(covariates, dtype=float).reshape(n, -1)
    effects: list[Effect] = []
    for j in range(m):
        regressors = np.hstack([extra_cov, baseline_regressors(base[:, j])])
        table = estimate_effects(
            outcome[:, j], arm, control=control, outcome_names=[names[j]], covariates=regressors if regressors.size else None,
            arms=arms, level=level, vcov=vcov, clusters=clusters,
        )
        missing = float(np.isnan(base[:, j]).sum())
        effects.extend(replace(e, estimator="ancova", extra={"baseline_missing": missing}) for e in table)
    return EffectTable(effects)


def baseline_regressors(baseline: np.ndarray) -> np.ndarray:
    """The ANCOVA terms of one index's ``(n,)`` baseline: ``(n, 2)`` ``[b~, m]`` by the missing-indicator
    method, ``(n, 1)`` ``[b]`` when nobody lacks a baseline, ``(n, 0)`` when nobody has one.

    Without any baseline value the model is the regression of the follow-up on the arms (and the
    other covariates): still unbiased under randomization, only less precise, so the index is
    estimated rather than refused. (A mean-fill of nothing plus an all-ones indicator, as an
    earlier copy of this rule did, is collinear with the intercept.)
    """
    base = np.asarray(baseline, dtype=float)
    missing = np.isnan(base)
    if missing.all():
        return np.empty((len(base), 0))
    if not missing.any():
        return base[:, None]
    return np.column_stack([np.where(missing, np.nanmean(base), base), missing.astype(float)])
