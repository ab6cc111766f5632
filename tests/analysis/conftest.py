"""Fixtures shared by the analysis tests: one global seed, so every failure is reproducible."""

from __future__ import annotations

import numpy as np
import pytest

GLOBAL_SEED = 20171001
"""1 October 2017: the start of the experiments."""


@pytest.fixture
def rng() -> np.random.Generator:
    """A fresh generator from the global seed for each test."""
    return np.random.default_rng(GLOBAL_SEED)
