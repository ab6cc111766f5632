"""Coverage of the 90% HC2 interval over simulated trials (re-randomized, heteroskedastic).

The slow test runs 2,000 trials and allows 90% +- 1.5%; the always-run test 400 trials with the
tolerance widened by sqrt(2000/400), the same number of binomial standard errors (about 2.2).
"""

from __future__ import annotations

import numpy as np
import pytest

from proeftuin.analysis import estimate_effects

TRUE_EFFECT = 0.25
LEVEL = 0.90
SLOW_TRIALS, SLOW_TOLERANCE = 2000, 0.015
FAST_TRIALS = 400
FAST_TOLERANCE = SLOW_TOLERANCE * np.sqrt(SLOW_TRIALS / FAST_TRIALS)
TRIALS_PER_FIT = 200  # trials of one fit are outcome columns: one assignment, fresh potential outcomes


def _coverage(rng: np.random.Generator, trials: int, n: int = 120) -> float:
    covered = 0
    for start in range(0, trials, TRIALS_PER_FIT):
        m = min(TRIALS_PER_FIT, trials - start)
        # One assignment per fit; the outcomes of each trial are fresh potential outcomes.
        arm = np.where(rng.permutation(n) < n // 2, "exemption", "control")
        treated = (arm == "exemption")[:, None]
        y0 = rng.gamma(2.0, 1.0, (n, m))
        y = y0 + treated * (TRUE_EFFECT + rng.normal(0, 1.0, (n, m)))  # heterogeneous effects
        table = estimate_effects(y, arm, control="control", level=LEVEL)
        frame = table.to_frame()
        mean_effect = TRUE_EFFECT  # the population average effect
        covered += int(((frame["ci_low"] <= mean_effect) & (mean_effect <= frame["ci_high"])).sum())
    return covered / trials


def test_coverage_fast(rng):
    assert abs(_coverage(rng, FAST_TRIALS) - LEVEL) <= FAST_TOLERANCE


@pytest.mark.slow
def test_coverage_2000_trials(rng):
    assert abs(_coverage(rng, SLOW_TRIALS) - LEVEL) <= SLOW_TOLERANCE
