"""Pocock-Simon minimization: balances margins, keeps a random element."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from proeftuin.design import RandomizationSpec, SequentialAllocator, Unit, minimization_choice, new_seed
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


def test_margins_end_up_balanced() -> None:
    spec = RandomizationSpec(method="minimization", factors=("sex", "distance"))
    allocator = SequentialAllocator(spec, ("c", "t"), (1.0, 1.0), new_seed())
    rng = np.random.default_rng(1)
    people = [{"sex": str(rng.choice(["f", "m"])), "distance": str(rng.choice(["far", "near", "mid"]))} for _ in range(300)]
    arms = [allocator.allocate(Unit(p), i) for i, p in enumerate(people)]
    for factor in ("sex", "distance"):
        for level in {p[factor] for p in people}:
            got = Counter(a for a, p in zip(arms, people, strict=True) if p[factor] == level)
            assert abs(got["c"] - got["t"]) <= 4


def test_minimization_needs_factors() -> None:
    with pytest.raises(ValueError, match="at least one prognostic factor"):
        RandomizationSpec(method="minimization")
