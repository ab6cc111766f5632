"""Stratified permuted blocks: exact ratios in every complete block, random block sizes."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proeftuin.design import BlockDesign, block_assignment, integer_ratios, new_seed
from proeftuin.design.blocks import BlockPosition, next_in_block

SEEDS = st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)


@given(
    seed=SEEDS,
    ratios=st.lists(st.integers(1, 3), min_size=2, max_size=4),
    multipliers=st.lists(st.integers(1, 4), min_size=1, max_size=3, unique=True),
    index=st.integers(0, 50),
)
@settings(max_examples=60, deadline=None)
def test_every_block_holds_each_arm_in_its_ratio(seed: str, ratios: list[int], multipliers: list[int], index: int) -> None:
    arms = tuple(f"arm{k}" for k in range(len(ratios)))
    block = BlockDesign(arms, tuple(ratios), tuple(multipliers)).block(seed, "s", index)
    m = len(block) // sum(ratios)
    assert m in multipliers
    assert Counter(block) == {arm: m * r for arm, r in zip(arms, ratios, strict=True)}


@given(seed=SEEDS, strata=st.lists(st.sampled_from("abc"), min_size=1, max_size=80))
@settings(max_examples=40, deadline=None)
def test_counts_within_a_stratum_never_drift_more_than_one_block(seed: str, strata: list[str]) -> None:
    design = BlockDesign(("c", "t"), (2, 1), (1, 2, 3))
    arms = block_assignment(design, seed, strata)
    for stratum in set(strata):
        got = Counter(a for a, s in zip(arms, strata, strict=True) if s == stratum)
        n = sum(got.values())
        assert abs(got["c"] - 2 * n / 3) <= 2 * 3  # less than the largest block's share


def test_block_sizes_vary() -> None:
    design = BlockDesign(("c", "t"), (1, 1), (1, 2, 3))
    seed = new_seed()
    assert len({len(design.block(seed, "s", j)) for j in range(60)}) == 3


@pytest.mark.parametrize(("ratios", "expected"), [((1, 1), (1, 1)), ((2, 1, 1), (2, 1, 1)), ((1, 0.5), (2, 1)), ((1.5, 1), (3, 2))])
def test_integer_ratios(ratios: tuple[float, ...], expected: tuple[int, ...]) -> None:
    assert integer_ratios(ratios) == expected


def test_irrational_looking_ratio_is_refused() -> None:
    with pytest.raises(ValueError, match="simple fractions"):
        integer_ratios((1, 0.3333))


def test_block_assignment_of_a_whole_sequence_is_one_person_at_a_time() -> None:
    """Laying each stratum's blocks end to end, drawn in batches (as many as the rest of a stratum surely needs), gives
    the arms next_in_block gives person by person (the sealed path)."""
    design = BlockDesign.from_ratios(("a", "b", "c"), (2, 1, 1))
    seed = new_seed()
    strata = [str(s) for s in np.random.default_rng(5).choice(["x", "y", "z"], 500, p=[0.6, 0.3, 0.1])]
    positions: dict[str, BlockPosition] = {}
    one_by_one = []
    for stratum in strata:
        arm, positions[stratum] = next_in_block(design, seed, stratum, positions.get(stratum, BlockPosition()))
        one_by_one.append(arm)
    assert block_assignment(design, seed, strata) == one_by_one
