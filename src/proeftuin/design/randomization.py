"""Assignment procedures: pure functions of a seed and the people, returning an allocation.

Every procedure has a matching function for its assignment probabilities (randomizr's
convention). Randomness comes only from ``numpy.random.Generator(PCG64(seed))``, so the same
seed and input give the same allocation on every machine and numpy version that keeps PCG64's
stream (numpy guarantees stream compatibility for ``Generator`` methods used here).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np

ALGORITHM_VERSION = "complete-1"
"""Bumped whenever a change would alter any allocation for a given seed and input."""


def _normalised(ratios: Sequence[float], n_arms: int) -> np.ndarray:
    p = np.asarray(ratios, dtype=float)
    if p.shape != (n_arms,) or (p <= 0).any():
        raise ValueError(f"need {n_arms} positive allocation ratios; got {list(ratios)}")
    return p / p.sum()


def complete_counts(n: int, probabilities: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """How many of ``n`` units go to each arm: ``floor(n p_k)``, plus the remainder at random.

    The ``r = n - sum floor(n p_k)`` remaining units go to ``r`` distinct arms drawn without
    replacement with probability proportional to the fractional parts ``n p_k - floor(n p_k)``,
    so every unit's probability of arm ``k`` is exactly ``p_k`` (randomizr ``complete_ra``).
    """
    exact = n * probabilities
    counts = np.floor(exact).astype(int)
    remainder = n - int(counts.sum())
    if remainder:
        fractions = exact - counts
        extra = rng.choice(len(probabilities), size=remainder, replace=False, p=fractions / fractions.sum())
        counts[extra] += 1
    return counts


def complete_assignment(n: int, arms: Sequence[str], ratios: Sequence[float], rng: np.random.Generator) -> np.ndarray:
    """Complete randomization of ``n`` units: exact counts (see :func:`complete_counts`), shuffled."""
    counts = complete_counts(n, _normalised(ratios, len(arms)), rng)
    labels = np.repeat(np.asarray(arms, dtype=object), counts)
    return labels[rng.permutation(n)]


def stratified_assignment(
    strata: Sequence[Hashable], arms: Sequence[str], ratios: Sequence[float], *, seed: int
) -> np.ndarray:
    """Complete randomization within each stratum (randomizr ``block_ra``).

    Strata are processed in sorted order of their keys and units within a stratum in input
    order, so the result depends only on the seed, the strata and the input order.
    """
    rng = np.random.Generator(np.random.PCG64(seed))
    keys = np.asarray([str(s) for s in strata], dtype=object)
    out = np.empty(len(keys), dtype=object)
    for key in sorted(set(keys)):
        index = np.flatnonzero(keys == key)
        out[index] = complete_assignment(len(index), arms, ratios, rng)
    return out.astype(str)


def stratified_probabilities(n: int, arms: Sequence[str], ratios: Sequence[float]) -> np.ndarray:
    """``(n, k)`` assignment probabilities of :func:`stratified_assignment`: ``p_k`` for everyone."""
    return np.tile(_normalised(ratios, len(arms)), (n, 1))
