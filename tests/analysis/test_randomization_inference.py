"""Randomization inference against a naive loop over the very same re-randomizations."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from proeftuin.analysis import PermutationDesign, randomization_inference

DRAWS = 300
EXACT_TOL = 1e-12
CI_STEP = 1e-6
ARMS = np.array(["control", "exemption", "intensive"])


def _replay(assignments: list[np.ndarray]):
    """A ``permute(rng)`` that hands out precomputed assignments in order."""
    queue = iter(assignments)
    return lambda rng: next(queue)


def _data(rng, n=90):
    arm = ARMS[np.arange(n) % 3]
    y = rng.normal(size=(n, 2)) * (1 + (arm == "intensive"))[:, None] + 0.3 * (arm == "exemption")[:, None]
    y[rng.random(y.shape) < 0.05] = np.nan
    return y, arm


def _naive_statistic(y, labels, term, statistic):
    ok = ~np.isnan(y)
    t, c = y[ok & (labels == term)], y[ok & (labels == "control")]
    if statistic == "difference":
        return t.mean() - c.mean()
    return stats.ttest_ind(t, c, equal_var=False).statistic


@pytest.mark.parametrize("statistic", ["difference", "studentized"])
def test_p_values_equal_a_naive_loop(rng, statistic):
    y, arm = _data(rng)
    draws = [rng.permutation(arm) for _ in range(DRAWS)]
    table = randomization_inference(y, arm, control="control", design=_replay(draws), draws=DRAWS, statistic=statistic)
    for j in range(2):
        for term in ARMS[1:]:
            observed = abs(_naive_statistic(y[:, j], arm, term, statistic))
            count = sum(abs(_naive_statistic(y[:, j], d, term, statistic)) >= observed - 1e-10 for d in draws)
            assert table.get(f"y{j}", term).extra["ri_p_value"] == pytest.approx((1 + count) / (1 + DRAWS), abs=EXACT_TOL)


def test_interval_is_the_inverted_test(rng):
    y, arm = _data(rng)
    y = y[:, 0]
    ok = ~np.isnan(y)
    draws = [rng.permutation(arm) for _ in range(DRAWS)]
    effect = randomization_inference(
        y, arm, control="control", design=_replay(draws), draws=DRAWS, statistic="difference", confidence_interval=True
    ).get("y0", "exemption")

    def p_value(tau):  # naive: impute control outcomes under H(tau), re-randomize, compare
        base = y - tau * (arm == "exemption")
        obs = abs(_naive_statistic(y, arm, "exemption", "difference") - tau)
        count = sum(abs(_naive_statistic(base, d, "exemption", "difference")) >= obs - 1e-12 for d in draws)
        return (1 + count) / (1 + DRAWS)

    assert ok.sum() < y.size  # missing outcomes are part of the check
    low, high = effect.extra["ri_ci_low"], effect.extra["ri_ci_high"]
    assert p_value(low + CI_STEP) > 0.10 and p_value(high - CI_STEP) > 0.10
    assert p_value(low - CI_STEP) <= 0.10 and p_value(high + CI_STEP) <= 0.10


def test_stratified_and_clustered_draws_respect_the_design(rng):
    strata = np.repeat([0, 1], 12)
    clusters = np.repeat(np.arange(8), 3)
    codes = np.repeat(np.array([0, 1, 0, 1, 1, 0, 1, 0]), 3).astype(np.int16)
    draws = PermutationDesign(strata=strata, clusters=clusters).draw(codes, rng, 50)
    for d in draws:
        assert (d.reshape(8, 3) == d.reshape(8, 3)[:, :1]).all()  # clusters stay whole
        for s in (0, 1):
            assert d[strata == s].sum() == codes[strata == s].sum()  # arm sizes per stratum kept


def test_same_seed_same_p_values(rng):
    y, arm = _data(rng)
    first = randomization_inference(y, arm, control="control", draws=50, seed=3)
    second = randomization_inference(y, arm, control="control", draws=50, seed=3)
    assert [e.extra["ri_p_value"] for e in first] == [e.extra["ri_p_value"] for e in second]


def test_foreign_labels_from_permute_are_refused(rng):
    y, arm = _data(rng)
    with pytest.raises(ValueError, match=r"re-randomized labels \['other'\] are not arms of the design"):
        randomization_inference(y, arm, control="control", design=lambda r: np.full(arm.size, "other"), draws=2)
