"""Survey indices from item answers: reverse coding, the missing-item rule, Cronbach's alpha.

An index is the mean of its items after reverse coding (``low + high - x`` for a reverse-coded
item), rescaled from the answer scale ``[low, high]`` to 0-10. It is computed only when at least
``min_answered`` of the items were answered (the "half rule", prorating the mean over the answered
items; Fayers & Machin 2016, *Quality of Life*, ch. 7); otherwise it is missing, never imputed.
Internal consistency: Cronbach's alpha ``k/(k-1) * (1 - sum var(item) / var(sum))`` over complete
cases (Cronbach 1951, *Psychometrika* 16:297-334).
"""

from __future__ import annotations

import numpy as np

from proeftuin.design import SurveyIndexSpec


def oriented(values: np.ndarray, spec: SurveyIndexSpec) -> np.ndarray:
    """``(n, k)`` item answers with the reverse-coded items flipped (NaN stays NaN)."""
    low, high = spec.scale
    flip = np.array([item in spec.reverse for item in spec.items])
    out = np.array(values, dtype=float, copy=True)
    out[:, flip] = low + high - out[:, flip]
    return out


def index_scores(values: np.ndarray, spec: SurveyIndexSpec) -> np.ndarray:
    """The 0-10 index of each respondent (NaN where too few items were answered)."""
    x = oriented(values, spec)
    answered = (~np.isnan(x)).sum(axis=1)
    enough = answered >= np.ceil(spec.min_answered * x.shape[1] - 1e-9)
    with np.errstate(invalid="ignore"):
        mean = np.nanmean(np.where(enough[:, None], x, np.nan), axis=1) if enough.any() else np.full(len(x), np.nan)
    low, high = spec.scale
    return np.where(enough, (mean - low) / (high - low) * 10.0, np.nan)


def cronbach_alpha(values: np.ndarray, spec: SurveyIndexSpec) -> float:
    """Cronbach's alpha of the (oriented) items over complete cases; NaN with fewer than 2 cases."""
    x = oriented(values, spec)
    x = x[~np.isnan(x).any(axis=1)]
    k = x.shape[1]
    if len(x) < 2:
        return float("nan")
    total = x.sum(axis=1).var(ddof=1)
    if total == 0:
        return float("nan")
    return float(k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / total))
