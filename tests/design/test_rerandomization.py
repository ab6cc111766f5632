"""Re-randomization (Morgan & Rubin 2012): accepted allocations meet the balance threshold."""

from __future__ import annotations

import numpy as np
import pytest

from proeftuin.design import RerandomizationError, new_seed, rerandomize
from proeftuin.design.rerandomization import mahalanobis_balance


def test_accepted_allocation_is_balanced_and_has_exact_counts() -> None:
    x = np.random.default_rng(3).normal(size=(60, 3))
    result = rerandomize(x, ("c", "t"), (1, 1), seed=new_seed(), acceptance=0.05)
    assert result.distance < result.threshold
    assert mahalanobis_balance(x, result.arms, ("c", "t")) == pytest.approx(result.distance)
    assert (result.arms == "c").sum() == 30


def test_same_seed_same_allocation_other_batch_other_allocation() -> None:
    x = np.random.default_rng(4).normal(size=(40, 2))
    seed = new_seed()
    first = rerandomize(x, ("c", "t"), (1, 1), seed=seed)
    assert (rerandomize(x, ("c", "t"), (1, 1), seed=seed).arms == first.arms).all()
    assert not (rerandomize(x, ("c", "t"), (1, 1), seed=seed, batch=1).arms == first.arms).all()


def test_impossible_criterion_is_an_error_not_a_silent_fallback() -> None:
    x = np.arange(10.0)[:, None]
    with pytest.raises(RerandomizationError, match="raise the acceptance probability"):
        rerandomize(x, ("c", "t"), (1, 1), seed=new_seed(), acceptance=1e-12, max_draws=20)
