"""The seed commitment: SHA-256, checked before any allocation is recomputed."""

from __future__ import annotations

import hashlib

import pytest

from proeftuin.design import SealError, check_seed, commitment, new_seed
from proeftuin.design.sealing import derived_key


def test_commitment_is_sha256_of_the_seed_text() -> None:
    seed = new_seed()
    assert commitment(seed) == hashlib.sha256(seed.encode()).hexdigest()


def test_a_different_seed_does_not_match_the_commitment() -> None:
    with pytest.raises(SealError, match="does not match the published commitment"):
        check_seed(new_seed(), commitment(new_seed()))


@pytest.mark.parametrize("bad", ["", "ABCD" * 16, "ab" * 31, "zz" * 32])
def test_malformed_seed_is_refused(bad: str) -> None:
    with pytest.raises(SealError, match="64 lower-case hex characters"):
        commitment(bad)


def test_derived_keys_depend_on_version_and_labels() -> None:
    seed = new_seed()
    keys = {derived_key(seed, v, *labels) for v in ("blocks-1", "blocks-2") for labels in [("a", 0), ("a", 1), ("b", 0)]}
    assert len(keys) == 6
