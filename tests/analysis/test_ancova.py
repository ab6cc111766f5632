"""ANCOVA on the baseline with the follow-up mean; missing baselines by the missing-indicator method."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.regression.linear_model import OLS

from proeftuin.analysis import ancova_effects, followup_mean

STATSMODELS_TOL = 1e-8


def test_followup_mean_uses_the_waves_answered():
    first = np.array([6.0, np.nan, np.nan])
    second = np.array([8.0, 7.0, np.nan])
    np.testing.assert_array_equal(followup_mean([first, second]), [7.0, 7.0, np.nan])


def test_ancova_with_missing_baseline_matches_statsmodels(rng):
    n = 250
    arm = np.array(["control", "exemption"])[rng.integers(0, 2, n)]
    baseline = rng.normal(6, 1.5, (n, 2))
    waves = [baseline + 0.3 * (arm == "exemption")[:, None] + rng.normal(size=(n, 2)) for _ in range(2)]
    baseline[rng.random((n, 2)) < 0.2] = np.nan
    table = ancova_effects(waves, baseline, arm, control="control", outcome_names=["wellbeing", "trust"])
    for j, name in enumerate(["wellbeing", "trust"]):
        missing = np.isnan(baseline[:, j])
        filled = np.where(missing, np.nanmean(baseline[:, j]), baseline[:, j])
        x = np.column_stack([np.ones(n), arm == "exemption", filled, missing]).astype(float)
        ref = OLS((waves[0][:, j] + waves[1][:, j]) / 2, x).fit(cov_type="HC2")
        effect = table.get(name, "exemption")
        assert effect.n == n  # nobody dropped for a missing baseline
        assert effect.estimate == pytest.approx(ref.params[1], abs=STATSMODELS_TOL)
        assert effect.std_error == pytest.approx(ref.bse[1], abs=STATSMODELS_TOL)
        assert effect.extra["baseline_missing"] == missing.sum()
        assert effect.estimator == "ancova"
