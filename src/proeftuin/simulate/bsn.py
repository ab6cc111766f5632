"""Fake but valid citizen service numbers, so synthetic people pass through the real door."""

from __future__ import annotations

import numpy as np

_WEIGHTS = np.array([9, 8, 7, 6, 5, 4, 3, 2])


def fake_bsns(n: int, rng: np.random.Generator) -> list[str]:
    """``n`` distinct nine-digit numbers that pass the eleven-test.

    The first eight digits are drawn at random (first digit 1-9, so they read as real BSNs);
    the ninth is ``sum(w_i d_i) mod 11``, and draws where that is 10 are redrawn.
    """
    found: dict[str, None] = {}
    while len(found) < n:
        need = n - len(found)
        digits = rng.integers(0, 10, size=(2 * need + 16, 8))
        digits[:, 0] = rng.integers(1, 10, size=digits.shape[0])
        check = (digits @ _WEIGHTS) % 11
        for row, last in zip(digits[check < 10], check[check < 10], strict=True):
            found.setdefault("".join(map(str, row)) + str(last))
            if len(found) == n:
                break
    return list(found)
