"""Stratified complete randomization: exact counts per stratum, reproducible, exact probabilities."""

from __future__ import annotations

from collections import Counter

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from proeftuin.design import stratified_assignment, stratified_probabilities

ARMS = ["control", "exemption", "intensive"]


@settings(max_examples=80, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 40), min_size=1, max_size=6),
    ratios=st.lists(st.integers(1, 4), min_size=3, max_size=3),
    seed=st.integers(0, 2**32 - 1),
)
def test_counts_within_each_stratum_are_floor_or_ceiling_of_n_p(sizes: list[int], ratios: list[int], seed: int) -> None:
    strata = [f"s{i}" for i, size in enumerate(sizes) for _ in range(size)]
    labels = stratified_assignment(strata, ARMS, ratios, seed=seed)
    p = np.array(ratios) / sum(ratios)
    for i, size in enumerate(sizes):
        counts = Counter(labels[np.asarray(strata) == f"s{i}"])
        for arm, share in zip(ARMS, p, strict=True):
            assert np.floor(size * share) <= counts.get(arm, 0) <= np.ceil(size * share)


def test_same_seed_same_allocation_other_seed_other_allocation() -> None:
    strata = ["a", "b"] * 50
    first = stratified_assignment(strata, ARMS, [1, 1, 1], seed=42)
    np.testing.assert_array_equal(first, stratified_assignment(strata, ARMS, [1, 1, 1], seed=42))
    assert (first != stratified_assignment(strata, ARMS, [1, 1, 1], seed=43)).any()


def test_remainders_make_each_units_probability_exact() -> None:
    # 10 units over 3 equal arms: one arm gets 4 at random; over many seeds each arm's share is 1/3.
    shares = np.mean([[np.mean(stratified_assignment(["x"] * 10, ARMS, [1, 1, 1], seed=s) == arm) for arm in ARMS] for s in range(3000)], axis=0)
    np.testing.assert_allclose(shares, 1 / 3, atol=0.01)
    np.testing.assert_allclose(stratified_probabilities(10, ARMS, [1, 1, 1]), 1 / 3)
