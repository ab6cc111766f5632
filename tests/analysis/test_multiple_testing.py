"""Holm, Benjamini-Hochberg and Bonferroni against statsmodels; Romano-Wolf against a plain loop."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.multitest import multipletests

from proeftuin.analysis.multiple_testing import adjust_by_family, adjust_p_values, romano_wolf

SEED = 20171001
STATSMODELS_TOL = 1e-12
EXACT = 0.0

STATSMODELS_NAME = {"holm": "holm", "bh": "fdr_bh", "bonferroni": "bonferroni"}


@pytest.mark.parametrize("method", ["holm", "bh", "bonferroni"])
@pytest.mark.parametrize("m", [1, 2, 7, 40])
def test_adjust_vs_statsmodels(method: str, m: int) -> None:
    rng = np.random.default_rng(SEED + m)
    p = np.concatenate([rng.uniform(0, 0.05, m // 2), rng.uniform(0, 1, m - m // 2)])
    p[-1] = p[0]  # a tie
    expected = multipletests(p, method=STATSMODELS_NAME[method])[1]
    assert np.max(np.abs(adjust_p_values(p, method) - expected)) <= STATSMODELS_TOL  # type: ignore[arg-type]


def test_adjust_by_family_adjusts_within_each_family() -> None:
    p = np.array([0.01, 0.02, 0.03, 0.04, 0.2])
    families = ["labour", "survey", "labour", "survey", "labour"]
    adjusted = adjust_by_family(p, families, "holm")
    labour = np.array([0, 2, 4])
    assert np.array_equal(adjusted[labour], multipletests(p[labour], method="holm")[1])
    assert np.array_equal(adjusted[[1, 3]], multipletests(p[[1, 3]], method="holm")[1])


def test_bad_input_is_named() -> None:
    with pytest.raises(ValueError, match=r"p-values must lie in \[0, 1\]; p\[1\] = nan"):
        adjust_p_values([0.1, np.nan])
    with pytest.raises(ValueError, match="method must be one of 'holm', 'bh', 'bonferroni'; got 'fdr'"):
        adjust_p_values([0.1], "fdr")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"null_statistics must be \(draws, 2\); got shape \(10, 3\)"):
        romano_wolf([1.0, 2.0], np.zeros((10, 3)))


def _romano_wolf_loop(observed: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """Written from Romano-Wolf (2016) Algorithm 4.1 with explicit loops, two-sided."""
    t = np.abs(observed)
    null = np.abs(draws)
    m, b = len(t), draws.shape[0]
    order = sorted(range(m), key=lambda j: -t[j])
    adjusted = [0.0] * m
    previous = 0.0
    for step, j in enumerate(order):
        remaining = order[step:]
        count = 0
        for row in range(b):
            if max(null[row, r] for r in remaining) >= t[j]:
                count += 1
        p = (1 + count) / (1 + b)
        previous = max(previous, p)
        adjusted[j] = previous
    return np.array(adjusted)


def _correlated_draws(seed: int, b: int = 300, m: int = 6) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    cov = 0.6 * np.ones((m, m)) + 0.4 * np.eye(m)
    draws = rng.multivariate_normal(np.zeros(m), cov, size=b)
    observed = np.array([3.1, 2.4, 0.3, -2.0, 1.1, -0.2])[:m]
    return observed, draws


@pytest.mark.parametrize("seed", [SEED, SEED + 1, SEED + 2])
def test_romano_wolf_vs_loop(seed: int) -> None:
    observed, draws = _correlated_draws(seed)
    assert np.max(np.abs(romano_wolf(observed, draws) - _romano_wolf_loop(observed, draws))) <= EXACT


def test_romano_wolf_properties() -> None:
    observed, draws = _correlated_draws(SEED)
    adjusted = romano_wolf(observed, draws)
    raw = (1 + (np.abs(draws) >= np.abs(observed)).sum(axis=0)) / (1 + len(draws))
    assert np.all(adjusted >= raw)
    order = np.argsort(-np.abs(observed))
    assert np.all(np.diff(adjusted[order]) >= 0)  # monotone in the step-down order
    top = order[0]
    single_step = (1 + (np.abs(draws).max(axis=1) >= np.abs(observed[top])).sum()) / (1 + len(draws))
    assert adjusted[top] == single_step
    # Step-down never exceeds the single-step max-T p-value of any hypothesis.
    max_t = (1 + (np.abs(draws).max(axis=1)[:, None] >= np.abs(observed)).sum(axis=0)) / (1 + len(draws))
    assert np.all(adjusted <= max_t)


def test_romano_wolf_one_sided_uses_signed_statistics() -> None:
    observed, draws = _correlated_draws(SEED)
    one_sided = romano_wolf(observed, draws, two_sided=False)
    negative = int(np.argmin(observed))
    assert one_sided[negative] > 0.5  # a large negative statistic is no evidence one-sided


@settings(max_examples=80, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=30), st.sampled_from(["holm", "bh", "bonferroni"]))
def test_adjusted_in_unit_interval_and_at_least_raw(p: list[float], method: str) -> None:
    adjusted = adjust_p_values(p, method)  # type: ignore[arg-type]
    assert np.all((adjusted >= 0) & (adjusted <= 1))
    assert np.all(adjusted >= np.asarray(p) - 1e-15)


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 6), st.integers(1, 60))
def test_romano_wolf_in_unit_interval_and_at_least_raw(seed: int, m: int, b: int) -> None:
    rng = np.random.default_rng(seed)
    observed, draws = rng.normal(size=m) * 2, rng.normal(size=(b, m))
    adjusted = romano_wolf(observed, draws)
    raw = (1 + (np.abs(draws) >= np.abs(observed)).sum(axis=0)) / (1 + b)
    assert np.all((adjusted > 0) & (adjusted <= 1))
    assert np.all(adjusted >= raw)


def test_romano_wolf_counts_a_draw_statistic_that_is_not_defined_as_extreme() -> None:
    """A cluster-robust statistic can be undefined in a re-randomization (no variation left in an
    arm): that draw counts as exceeding every observed statistic (conservative), instead of stopping
    the adjustment; an observed statistic that is not defined cannot be tested and is refused."""
    observed, draws = _correlated_draws(SEED)
    holed = draws.copy()
    holed[[3, 17, 40], [0, 2, 5]] = np.nan
    adjusted = romano_wolf(observed, holed)
    np.testing.assert_allclose(adjusted, _romano_wolf_loop(observed, np.where(np.isnan(holed), np.inf, holed)), rtol=0, atol=EXACT)
    assert np.all(adjusted >= romano_wolf(observed, draws))
    with pytest.raises(ValueError, match="observed contains a missing or infinite statistic"):
        romano_wolf([np.nan, 1.0], np.zeros((5, 2)))
