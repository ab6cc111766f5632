"""Allocation concealment: a seed committed before the first enrolment, and streams derived from it.

The protocol (a commitment scheme, as in sealed-envelope randomization done in software):

1. Before the first enrolment a 256-bit seed is fixed and only its commitment,
   ``SHA-256(seed)`` in hex, is published (in the trial register, the pre-analysis plan).
2. Every random draw of an allocation comes from ``numpy.random.Generator(PCG64(k))`` where
   ``k = int(SHA-256(seed | algorithm version | label ...)[:16])``: a deterministic function of
   the sealed seed, the algorithm's version and the position in the allocation sequence (the
   stratum and block number, or the intake number). No clock, no ``random`` module, no state.
3. When the seed is unsealed, anyone can check it against the commitment and recompute every
   allocation (``proeftuin verify``).

Reference: Schulz & Grimes (2002), "Allocation concealment in randomised trials", Lancet 359.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
import hmac
import secrets

import numpy as np

SEED_HEX_LENGTH = 64
_SEPARATOR = "\x1f"


class SealError(ValueError):
    """A seed that is malformed or does not match its commitment."""


def new_seed() -> str:
    """A fresh 256-bit seed, as 64 hex characters (from the operating system's CSPRNG)."""
    return secrets.token_hex(SEED_HEX_LENGTH // 2)


@lru_cache(maxsize=256)
def _checked(seed: str) -> str:
    """``seed`` if it is 64 lower-case hex characters, else :class:`SealError` (remembered: every block of a replay asks again)."""
    if len(seed) != SEED_HEX_LENGTH or any(c not in "0123456789abcdef" for c in seed):
        raise SealError(f"a seed is {SEED_HEX_LENGTH} lower-case hex characters")
    return seed


def commitment(seed: str) -> str:
    """The published commitment of ``seed``: ``SHA-256(seed)`` as 64 hex characters."""
    return hashlib.sha256(_checked(seed).encode("ascii")).hexdigest()


def check_seed(seed: str, expected_commitment: str) -> None:
    """Raise :class:`SealError` unless ``seed`` is the one committed to by ``expected_commitment``."""
    if not hmac.compare_digest(commitment(seed), expected_commitment):
        raise SealError("the seed does not match the published commitment")


def derived_key(seed: str, version: str, *labels: object) -> int:
    """A 128-bit integer from the seed, the algorithm version and the labels of one draw."""
    text = _SEPARATOR.join([_checked(seed), version, *(str(label) for label in labels)])
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:16], "big")


def derived_rng(seed: str, version: str, *labels: object) -> np.random.Generator:
    """The generator of one draw: ``Generator(PCG64(derived_key(seed, version, *labels)))``."""
    return np.random.Generator(np.random.PCG64(derived_key(seed, version, *labels)))
