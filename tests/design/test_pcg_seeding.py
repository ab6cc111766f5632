"""The PCG64 states seeded for many keys at once are numpy's own, and the blocks drawn from them are the blocks drawn one by one."""

from __future__ import annotations

import numpy as np
import pytest

from proeftuin.design.blocks import BlockDesign, _block, _blocks
from proeftuin.design.pcg_seeding import pcg64_states, seeded

EDGE_KEYS = [0, 1, 2**32 - 1, 2**32, 2**64 - 1, 2**64, 2**96 - 1, 2**96, 2**127, 2**128 - 1, 12345]
SEED = "5e" * 32


def test_the_states_are_those_numpy_seeds() -> None:
    """Key for key against ``PCG64(k).state``: random 128-bit keys, and keys of fewer words (numpy's SeedSequence sees fewer)."""
    rng = np.random.default_rng(20261201)
    keys = [int.from_bytes(rng.bytes(16), "big") for _ in range(2000)] + [int.from_bytes(rng.bytes(n), "big") for n in range(1, 16)] + EDGE_KEYS
    expected = [(s["state"]["state"], s["state"]["inc"]) for s in (np.random.PCG64(k).state for k in keys)]
    assert pcg64_states(keys) == expected
    assert pcg64_states([]) == []


def test_a_reused_generator_set_to_a_state_draws_what_a_fresh_one_draws() -> None:
    generator = np.random.Generator(np.random.PCG64())
    generator.integers(2**40, size=3)
    generator.random(dtype=np.float32)  # a buffered 32-bit half left behind, which seeding clears
    for key, state in zip(EDGE_KEYS, pcg64_states(EDGE_KEYS), strict=True):
        fresh = np.random.Generator(np.random.PCG64(key))
        again = seeded(generator, state)
        assert again.integers(3) == fresh.integers(3)
        assert again.permutation(12).tolist() == fresh.permutation(12).tolist()
        assert again.random(dtype=np.float32) == fresh.random(dtype=np.float32)


@pytest.mark.parametrize("key", [-1, 2**128])
def test_a_key_out_of_range_is_refused(key: int) -> None:
    with pytest.raises(ValueError, match="2\\*\\*128"):
        pcg64_states([key])


@pytest.mark.parametrize("design", [BlockDesign(("control", "treatment"), (1, 1)), BlockDesign(("a", "b", "c"), (2, 1, 1), (1, 2)),
                                    BlockDesign(("a", "b"), (3, 2), (4,))])
def test_blocks_in_a_batch_are_the_blocks_drawn_one_by_one(design: BlockDesign) -> None:
    for stratum in ("", "age=18-26|caseload=high", "s"):
        assert _blocks(design, SEED, stratum, 5, 40) == [_block.__wrapped__(design, SEED, stratum, i) for i in range(5, 45)]
