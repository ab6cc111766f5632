"""Pocock-Simon minimization with a random element, for one-by-one intake.

For a new person with levels ``l_f`` of the prognostic factors ``f``, and each candidate arm
``a``: add the person to ``a`` hypothetically, take the counts ``n_{f, l_f, b}`` of every arm
``b`` divided by its ratio ``r_b`` (so unequal ratios are targets, not imbalances), and score
``G_a = sum_f w_f * range_b(n_{f, l_f, b} / r_b)`` (Pocock & Simon 1975, *Biometrics* 31:103-115,
with the range as the imbalance measure and the extension to unequal allocation of Han, Enas &
McEntegart 2009). The arm with the smallest ``G`` is chosen with probability ``p_best``; otherwise
one of the other arms at random. Ties for the smallest ``G`` are broken at random among the tied
arms. The random element keeps the next allocation unpredictable (ICH E9 warns against
deterministic minimization).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

MINIMIZATION_VERSION = "minimization-1"
"""Bumped whenever a change would alter any allocation for a given seed and input."""

Counts = Mapping[str, Mapping[str, int]]
"""``counts["factor=level"][arm]``: how many people with that level are in that arm."""


def factor_keys(levels: Mapping[str, str]) -> list[str]:
    """The count keys of a person's levels, ``"factor=level"``, in sorted factor order."""
    return [f"{factor}={levels[factor]}" for factor in sorted(levels)]


def imbalance_scores(
    counts: Counts,
    levels: Mapping[str, str],
    arms: Sequence[str],
    ratios: Sequence[float],
    weights: Mapping[str, float] | None = None,
) -> np.ndarray:
    """``G_a`` for each arm ``a`` (see the module docstring)."""
    r = np.asarray(ratios, dtype=float)
    scores = np.zeros(len(arms))
    for factor in sorted(levels):
        row = counts.get(f"{factor}={levels[factor]}", {})
        base = np.array([row.get(arm, 0) for arm in arms], dtype=float)
        weight = (weights or {}).get(factor, 1.0)
        for a in range(len(arms)):
            trial = base.copy()
            trial[a] += 1
            scaled = trial / r
            scores[a] += weight * (scaled.max() - scaled.min())
    return scores


def minimization_choice(
    counts: Counts,
    levels: Mapping[str, str],
    arms: Sequence[str],
    ratios: Sequence[float],
    *,
    p_best: float,
    rng: np.random.Generator,
    weights: Mapping[str, float] | None = None,
) -> str:
    """The arm of the next person: the least imbalancing with probability ``p_best``.

    Exactly two draws are taken from ``rng`` (a uniform, then an index), whatever the branch, so
    the stream use does not depend on the counts.
    """
    if not 0.0 < p_best <= 1.0:
        raise ValueError(f"p_best must be in (0, 1]; got {p_best}")
    scores = imbalance_scores(counts, levels, arms, ratios, weights)
    best = np.flatnonzero(np.isclose(scores, scores.min()))
    u = rng.random()
    pick = rng.random()
    if len(best) == len(arms) or u < p_best:
        candidates = best
    else:
        candidates = np.setdiff1d(np.arange(len(arms)), best)
    return arms[int(candidates[int(pick * len(candidates))])]


def add_to_counts(counts: dict[str, dict[str, int]], levels: Mapping[str, str], arm: str) -> None:
    """Record a person with ``levels`` in ``arm`` (in place)."""
    for key in factor_keys(levels):
        row = counts.setdefault(key, {})
        row[arm] = row.get(arm, 0) + 1
