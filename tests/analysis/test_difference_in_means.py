"""Difference in means against closed forms and hand computations (estimatr's conventions)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from proeftuin.analysis import difference_in_means, estimate_effects

EXACT_TOL = 1e-12
ARMS = np.array(["control", "exemption"])


def test_unit_randomized_is_welch(rng):
    y = rng.normal(size=(50, 2)) * np.where(np.arange(50) < 20, 1.0, 3.0)[:, None]
    arm = ARMS[(np.arange(50) < 20).astype(int)]
    table = difference_in_means(y, arm, control="control")
    for j in range(2):
        treated, control = y[arm == "exemption", j], y[arm == "control", j]
        welch = stats.ttest_ind(treated, control, equal_var=False)
        effect = table.get(f"y{j}", "exemption")
        assert effect.estimate == pytest.approx(treated.mean() - control.mean(), abs=EXACT_TOL)
        assert effect.statistic == pytest.approx(welch.statistic, abs=EXACT_TOL)
        assert effect.p_value == pytest.approx(welch.pvalue, abs=EXACT_TOL)
        assert effect.df == pytest.approx(welch.df, abs=1e-9)


def test_unit_randomized_se_equals_hc2(rng):
    y = rng.normal(size=(80, 3))
    arm = np.array(["control", "a", "b", "b"])[rng.integers(0, 4, 80)]
    dim = difference_in_means(y, arm, control="control")
    ols = estimate_effects(y, arm, control="control", vcov="HC2")
    for a, b in zip(dim, ols):
        assert a.std_error == pytest.approx(b.std_error, abs=EXACT_TOL)


def test_blocked_by_hand(rng):
    blocks = np.repeat([0, 1, 2], [10, 14, 20])
    arm = np.array(["control", "exemption"] * 22)
    y = rng.normal(size=44) + blocks
    table = difference_in_means(y, arm, control="control", blocks=blocks)
    estimate, variance, total = 0.0, 0.0, 44
    for b in range(3):
        t, c = y[(blocks == b) & (arm == "exemption")], y[(blocks == b) & (arm == "control")]
        weight = (blocks == b).sum() / total
        estimate += weight * (t.mean() - c.mean())
        variance += weight**2 * (t.var(ddof=1) / t.size + c.var(ddof=1) / c.size)
    effect = table[0]
    assert effect.estimate == pytest.approx(estimate, abs=EXACT_TOL)
    assert effect.std_error == pytest.approx(np.sqrt(variance), abs=EXACT_TOL)
    assert effect.df == total - 2 * 3
    assert effect.vcov == "blocked"


def test_matched_pairs_by_hand(rng):
    pairs = np.repeat(np.arange(12), 2)
    arm = np.array(["exemption", "control"] * 12)
    y = rng.normal(size=24) + pairs
    effect = difference_in_means(y, arm, control="control", blocks=pairs)[0]
    d = y[arm == "exemption"] - y[arm == "control"]
    assert effect.estimate == pytest.approx(d.mean(), abs=EXACT_TOL)
    assert effect.std_error == pytest.approx(np.sqrt(((d - d.mean()) ** 2).sum() / (12 * 11)), abs=EXACT_TOL)
    assert effect.df == 11
    assert effect.vcov == "matched_pairs"


def test_clustered_is_cr2_of_the_pair(rng):
    clusters = np.repeat(np.arange(16), rng.integers(1, 5, 16))
    arm = ARMS[rng.integers(0, 2, 16)][clusters]
    y = rng.normal(size=clusters.size)
    dim = difference_in_means(y, arm, control="control", clusters=clusters)[0]
    ols = estimate_effects(y, arm, control="control", vcov="CR2", clusters=clusters)[0]
    assert dim.estimate == pytest.approx(ols.estimate, abs=EXACT_TOL)
    assert dim.std_error == pytest.approx(ols.std_error, abs=EXACT_TOL)
    assert dim.df == pytest.approx(ols.df, abs=EXACT_TOL)


def test_cluster_with_two_arms_is_refused():
    with pytest.raises(ValueError, match="every unit of a cluster must have the same arm"):
        difference_in_means(np.zeros(4), np.array(["control", "exemption"] * 2), control="control", clusters=np.array([0, 0, 1, 1]))


def test_singleton_block_is_refused():
    arm = np.array(["control", "exemption", "control", "exemption", "control"])
    with pytest.raises(ValueError, match="every block must have several units"):
        difference_in_means(np.arange(5.0), arm, control="control", blocks=np.array([0, 0, 1, 1, 2]))
