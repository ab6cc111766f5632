"""Rounding to cents: half up as a municipality pays; up for the WML hourly rates."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

# Guards against binary representation: 1001.065 is stored as 1001.06499999...
_EPSILON = 1e-6


def to_cents(amount: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Round euros to cents, half up: floor(amount x 100 + 0.5) / 100 (amounts are >= 0)."""
    return np.floor(np.asarray(amount, dtype=np.float64) * 100 + 0.5 + _EPSILON) / 100


def up_to_cents(amount: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Round euros up to the next cent, as the WML's hourly rates are published (>= 0)."""
    return np.ceil(np.asarray(amount, dtype=np.float64) * 100 - _EPSILON) / 100
