"""The state of ``numpy.random.PCG64(key)`` for many integer keys at once, without making a generator per key.

Every block of a replayed allocation draws from its own ``Generator(PCG64(k))``
(:func:`~proeftuin.design.sealing.derived_rng`); making one costs about 60 us (measured on a busy
machine; ``SeedSequence(k)`` alone 27 us), numpy seeding one key at a time, so replaying the 12,477 blocks of
100,000 allocations took 0.6-1 s. The same states computed here for a whole batch of keys (the
hash vectorised over the keys, 4-6 us a key) are set on one reused generator (2 us)
(:func:`seeded`), which then draws exactly what a fresh ``Generator(PCG64(k))`` draws.

The two steps, as numpy implements them (``numpy/random/bit_generator.pyx``, ``SeedSequence``;
``numpy/random/_pcg64.pyx`` and ``src/pcg64/pcg64.h``, ``pcg_setseq_128_srandom_r``):

1. ``SeedSequence(k).generate_state(4, uint64)``: ``k`` as four little-endian 32-bit words (a
   word beyond ``k``'s own is 0, which hashes as the missing word would), mixed into a pool of
   four words with O'Neill's ``seed_seq`` hash (``hashmix``/``mix``, constants ``INIT_A``,
   ``MULT_A``, ``MIX_MULT_L``, ``MIX_MULT_R``), then eight 32-bit words drawn from the pool
   (``INIT_B``, ``MULT_B``), read as four 64-bit words ``w``. The hash's running constant does
   not depend on the data, so each step is one operation on the column of all keys' words.
2. ``PCG64``: ``seed = w0 * 2^64 + w1``, ``inc = 2 (w2 * 2^64 + w3) + 1`` (mod 2^128),
   ``state = (inc + seed) * M + inc`` (mod 2^128) with PCG's 128-bit multiplier ``M``.

Tested key for key against ``numpy.random.PCG64(k).state`` (``tests/design/test_pcg_seeding.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

_INIT_A, _MULT_A, _INIT_B, _MULT_B = 0x43B0D7E5, 0x931E8875, 0x8B51F9DD, 0x58F38DED
_MIX_MULT_L, _MIX_MULT_R, _XSHIFT = 0xCA01F9DD, 0x4973F715, 16
_POOL = 4
_WORD = 0xFFFFFFFF
_PCG_MULTIPLIER = (2549297995355413924 << 64) + 4865540595714422341
_STATE = (1 << 128) - 1
Words = np.ndarray[tuple[int], np.dtype[np.uint64]]
"""A column of 32-bit words, one per key, held in 64 bits."""


def pcg64_states(keys: Sequence[int]) -> list[tuple[int, int]]:
    """``(state, inc)`` of ``numpy.random.PCG64(k).state["state"]`` for each key ``0 <= k < 2**128`` (see the module docstring)."""
    if any(not 0 <= key <= _STATE for key in keys):
        raise ValueError("PCG64 keys here are integers in [0, 2**128)")
    # each key's four little-endian 32-bit words from its 16 bytes, split by numpy (a shift and mask per word in Python:
    # 21.8 against 13.1 ms for 12,503 keys, best of 7), held in uint64 so that every product is masked back to 32 bits
    # exactly (the C code's uint32 arithmetic)
    packed = b"".join(key.to_bytes(16, "little") for key in keys)
    words = np.frombuffer(packed, dtype="<u4").astype(np.uint64).reshape(-1, _POOL)
    hash_const = _INIT_A

    def hashmix(value: Words) -> Words:
        nonlocal hash_const
        value = value ^ np.uint64(hash_const)
        hash_const = (hash_const * _MULT_A) & _WORD
        value = (value * np.uint64(hash_const)) & np.uint64(_WORD)
        return value ^ (value >> np.uint64(_XSHIFT))

    def mix(x: Words, y: Words) -> Words:
        result = (x * np.uint64(_MIX_MULT_L) - y * np.uint64(_MIX_MULT_R)) & np.uint64(_WORD)  # wraps mod 2^64: exact mod 2^32
        return result ^ (result >> np.uint64(_XSHIFT))

    pool = [hashmix(words[:, i]) for i in range(_POOL)]
    for source in range(_POOL):
        for target in range(_POOL):
            if source != target:
                pool[target] = mix(pool[target], hashmix(pool[source]))
    hash_const = _INIT_B
    drawn = []
    for i in range(2 * _POOL):
        value = pool[i % _POOL] ^ np.uint64(hash_const)
        hash_const = (hash_const * _MULT_B) & _WORD
        value = (value * np.uint64(hash_const)) & np.uint64(_WORD)
        drawn.append((value ^ (value >> np.uint64(_XSHIFT))).tolist())
    states = []
    for w in zip(*drawn, strict=True):
        seed = (w[1] << 96) | (w[0] << 64) | (w[3] << 32) | w[2]
        inc = ((((w[5] << 96) | (w[4] << 64) | (w[7] << 32) | w[6]) << 1) | 1) & _STATE
        states.append(((((inc + seed) & _STATE) * _PCG_MULTIPLIER + inc) & _STATE, inc))
    return states


def seeded(generator: np.random.Generator, state: tuple[int, int]) -> np.random.Generator:
    """``generator`` (over a ``PCG64``) set to ``state`` (from :func:`pcg64_states`): it then draws what a fresh
    ``Generator(PCG64(k))`` draws (no buffered 32-bit half, as after seeding)."""
    generator.bit_generator.state = {"bit_generator": "PCG64", "state": {"state": state[0], "inc": state[1]}, "has_uint32": 0, "uinteger": 0}
    return generator
