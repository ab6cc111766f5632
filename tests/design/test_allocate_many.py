"""A batch of sequential allocations is the same as one person at a time: arms and stored state, bit for bit."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proeftuin.design import RandomizationSpec, SequentialAllocator, Unit
from proeftuin.design.blocks import BlockDesign, BlockPosition, continue_blocks, next_in_block

SEEDS = st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)
ARMS = ("control", "treated", "extra")
RATIOS = (2.0, 1.0, 1.0)
PEOPLE = st.lists(st.tuples(st.sampled_from(["far", "near", "medium"]), st.sampled_from(["f", "m"]),
                            st.one_of(st.none(), st.sampled_from(["h1", "h2", "h3", "h4"]))), min_size=0, max_size=60)


def _one_at_a_time(allocator: SequentialAllocator, units: list[Unit], first: int, households: dict[str, str]) -> list[str]:
    """The loop the registry ran before batches: allocate or follow, person by person."""
    out = []
    for sequence, unit in enumerate(units, start=first):
        if unit.cluster is not None and unit.cluster in households:
            arm = households[unit.cluster]
            allocator.follow(unit, arm)
        else:
            arm = allocator.allocate(unit, sequence)
            if unit.cluster is not None:
                households[unit.cluster] = arm
        out.append(arm)
    return out


@pytest.mark.parametrize("spec", [
    RandomizationSpec(method="blocks", strata=("distance", "sex")),
    RandomizationSpec(method="blocks", strata=("distance",), block_multipliers=(1, 4)),
    RandomizationSpec(method="blocks", strata=("sex",), cluster=True),
    RandomizationSpec(method="minimization", factors=("distance", "sex")),
], ids=["blocks", "blocks-multipliers", "blocks-households", "minimization"])
@given(seed=SEEDS, before=PEOPLE, batch=PEOPLE, households=st.booleans())
@settings(max_examples=40, deadline=None)
def test_a_batch_is_one_person_at_a_time(spec: RandomizationSpec, seed: str, before: list[tuple[str, str, str | None]],
                                          batch: list[tuple[str, str, str | None]], households: bool) -> None:
    """After earlier requests (``before``, one at a time), a batch gives the same arms and the same state (as stored JSON)."""
    def units(people: list[tuple[str, str, str | None]]) -> list[Unit]:
        return [Unit({"distance": d, "sex": s}, h if households else None) for d, s, h in people]

    earlier = SequentialAllocator(spec, ARMS, RATIOS, seed)
    known: dict[str, str] = {}
    _one_at_a_time(earlier, units(before), 1, known)
    single = SequentialAllocator(spec, ARMS, RATIOS, seed, copy.deepcopy(earlier.state))
    many = SequentialAllocator(spec, ARMS, RATIOS, seed, copy.deepcopy(earlier.state))
    first = len(before) + 1
    expected = _one_at_a_time(single, units(batch), first, dict(known))
    assert many.allocate_many(units(batch), first, dict(known)) == expected
    assert json.dumps(many.state) == json.dumps(single.state)


@given(seed=SEEDS, strata=st.lists(st.sampled_from("xyz"), max_size=120), split=st.integers(0, 120))
@settings(max_examples=60, deadline=None)
def test_continue_blocks_is_next_in_block_person_by_person(seed: str, strata: list[str], split: int) -> None:
    """From positions part-way through blocks (or at a full block's end), the arms and the positions after them."""
    design = BlockDesign.from_ratios(("a", "b"), (3, 1), (1, 2))
    positions: dict[str, BlockPosition] = {}
    for stratum in strata[:split]:
        _, positions[stratum] = next_in_block(design, seed, stratum, positions.get(stratum, BlockPosition()))
    start = dict(positions)
    one_by_one = []
    for stratum in strata[split:]:
        arm, positions[stratum] = next_in_block(design, seed, stratum, positions.get(stratum, BlockPosition()))
        one_by_one.append(arm)
    arms, after = continue_blocks(design, seed, strata[split:], start)
    assert arms == one_by_one
    assert after == {s: positions[s] for s in dict.fromkeys(strata[split:])}
