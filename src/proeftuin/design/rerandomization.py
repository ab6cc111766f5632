"""Re-randomization against a balance criterion, for batch designs (Morgan & Rubin 2012).

Draw a complete randomization (exact counts, :func:`~proeftuin.design.randomization.complete_assignment`);
accept it when the Mahalanobis distance between arms on the baseline covariates is below a
threshold, else draw again. Draw ``t`` of batch ``b`` uses
``derived_rng(seed, version, "rerandomization", b, t)``,
so the accepted allocation and the number of draws are a function of the seed and the input.

Balance statistic, for arms ``k = 1..K`` against the rest:
``M = max_k  n_k n_(-k) / n * (xbar_k - xbar_(-k))' S^{-1} (xbar_k - xbar_(-k))`` with ``S`` the
covariance of the covariates over all units. With two arms this is Morgan & Rubin's ``M``, which
is ``chi2(p)`` under complete randomization, so ``threshold = chi2.ppf(acceptance, p)`` accepts
a share ``acceptance`` of draws. Inference must then use randomization inference with the same
criterion (Morgan & Rubin 2012, *Annals of Statistics* 40:1263-1282).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from proeftuin.design.randomization import complete_assignment
from proeftuin.design.sealing import derived_rng

RERANDOMIZATION_VERSION = "rerandomization-1"
"""Bumped whenever a change would alter any allocation for a given seed and input."""


class RerandomizationError(RuntimeError):
    """No draw met the balance criterion within the allowed number of draws."""


@dataclass(frozen=True)
class Rerandomized:
    """The accepted allocation, its balance statistic, the threshold and the number of draws."""

    arms: np.ndarray
    distance: float
    threshold: float
    draws: int


def mahalanobis_balance(x: np.ndarray, labels: np.ndarray, arms: Sequence[str]) -> float:
    """``M`` of the module docstring (largest over arms against the rest)."""
    x = np.asarray(x, dtype=float)
    n = len(x)
    precision = np.linalg.pinv(np.atleast_2d(np.cov(x, rowvar=False)))
    worst = 0.0
    for arm in arms:
        inside = labels == arm
        n_k = int(inside.sum())
        if n_k in (0, n):
            continue
        diff = x[inside].mean(axis=0) - x[~inside].mean(axis=0)
        worst = max(worst, float(n_k * (n - n_k) / n * diff @ precision @ diff))
    return worst


def rerandomize(
    x: np.ndarray,
    arms: Sequence[str],
    ratios: Sequence[float],
    *,
    seed: str,
    batch: int = 0,
    acceptance: float = 0.1,
    max_draws: int = 10_000,
) -> Rerandomized:
    """Re-randomize ``len(x)`` units until ``M < chi2.ppf(acceptance, p)``; see the module docstring."""
    x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    if not 0.0 < acceptance <= 1.0:
        raise ValueError(f"acceptance must be in (0, 1]; got {acceptance}")
    from scipy import stats  # here, not at import: every registry command imports proeftuin.design (scipy.stats is ~0.7 s)

    threshold = float(stats.chi2.ppf(acceptance, x.shape[1])) if acceptance < 1 else float("inf")
    for draw in range(1, max_draws + 1):
        labels = complete_assignment(len(x), arms, ratios, derived_rng(seed, RERANDOMIZATION_VERSION, "rerandomization", batch, draw))
        distance = mahalanobis_balance(x, labels, arms)
        if distance < threshold:
            return Rerandomized(labels.astype(str), distance, threshold, draw)
    raise RerandomizationError(
        f"no allocation with M < {threshold:.3g} in {max_draws} draws; raise the acceptance probability"
    )
