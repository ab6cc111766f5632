"""Pocock-Simon minimization: balances margins, keeps a random element."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from proeftuin.design import RandomizationSpec, SequentialAllocator, Unit, minimization_choice
from proeftuin.design.minimization import imbalance_scores


def test_score_is_the_range_after_adding_the_person() -> None:
    counts = {"sex=f": {"c": 3, "t": 1}, "age=old": {"c": 1, "t": 1}}
    scores = imbalance_scores(counts, {"sex": "f", "age": "old"}, ("c", "t"), (1, 1))
    # to c: sex range |4-1|=3, age |2-1|=1 -> 4; to t: |3-2|=1, |1-2|=1 -> 2
    assert scores.tolist() == [4.0, 2.0]


def test_with_p_best_one_the_least_imbalancing_arm_is_chosen() -> None:
    counts = {"sex=f": {"c": 3, "t": 1}}
    rng = np.random.default_rng(0)
    assert {minimization_choice(counts, {"sex": "f"}, ("c", "t"), (1, 1), p_best=1.0, rng=rng) for _ in range(50)} == {"t"}


def test_random_element_sometimes_picks_another_arm() -> None:
    counts = {"sex=f": {"c": 3, "t": 1}}
    rng = np.random.default_rng(0)
    picks = Counter(minimization_choice(counts, {"sex": "f"}, ("c", "t"), (1, 1), p_best=0.8, rng=rng) for _ in range(2000))
    assert 0.75 < picks["t"] / 2000 < 0.85


def _worst_margin(arms: list[str], people: list[dict[str, str]]) -> int:
    """The largest difference between the two arms' counts over every level of every factor."""
    counts = Counter((factor, p[factor], a) for a, p in zip(arms, people, strict=True) for factor in ("sex", "distance"))
    return max(abs(counts[(factor, level, "c")] - counts[(factor, level, "t")]) for factor, level, _arm in counts)


def test_margins_end_up_balanced() -> None:
    """300 people, two factors: with minimization's random element (the best arm with probability 0.8) every margin ends
    within a few people, where simple randomization leaves about 12 (the standard deviation of the difference in a margin of
    150). Twenty fixed seeds, so the test gives the same answer every run: with a fresh seed each run it failed about one
    run in twenty (a margin 5 or 6 apart, which minimization allows; measured over 400 seeds: worst margin 1-4 in 95%,
    never above 6)."""
    spec = RandomizationSpec(method="minimization", factors=("sex", "distance"))
    rng = np.random.default_rng(1)
    people = [{"sex": str(rng.choice(["f", "m"])), "distance": str(rng.choice(["far", "near", "mid"]))} for _ in range(300)]
    worst = []
    for k in range(20):
        allocator = SequentialAllocator(spec, ("c", "t"), (1.0, 1.0), f"{k:064x}")
        worst.append(_worst_margin([allocator.allocate(Unit(p), i) for i, p in enumerate(people)], people))
    simple = _worst_margin([str(a) for a in rng.choice(["c", "t"], size=len(people))], people)
    assert max(worst) <= 8 and np.mean(worst) <= 4 < simple, (worst, simple)


def test_minimization_needs_factors() -> None:
    with pytest.raises(ValueError, match="at least one prognostic factor"):
        RandomizationSpec(method="minimization")
