"""The distribution functions of :mod:`proeftuin.analysis.distributions` are bitwise those of ``scipy.stats``."""

import numpy as np
import pytest
from scipy import stats

from proeftuin.analysis.distributions import chi2_sf, f_sf, norm_cdf

DF = np.array([1.0, 2.0, 3.5, 7.0, 29.0, 120.0, 3_457.0, 1e6, np.inf])
X = np.array([-40.0, -3.2, -1.0, -1e-9, 0.0, 1e-9, 0.5, 1.644, 1.96, 2.7, 8.0, 40.0, np.inf])


def same(a: np.ndarray, b: np.ndarray) -> None:
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b), strict=True)


def test_chi2_f_norm() -> None:
    x = np.abs(X)
    same(chi2_sf(x[:, None], DF[None, :-1]), stats.chi2.sf(x[:, None], DF[None, :-1]))
    same(f_sf(x[:, None, None], DF[None, :-1, None], DF[None, None, :-1]), stats.f.sf(x[:, None, None], DF[None, :-1, None], DF[None, None, :-1]))
    same(norm_cdf(X), stats.norm.cdf(X))


@pytest.mark.parametrize("seed", [0, 1])
def test_random_arguments(seed: int) -> None:
    rng = np.random.default_rng(seed)
    x, df = rng.normal(scale=4.0, size=5_000), rng.uniform(0.5, 500.0, size=5_000)
    same(chi2_sf(x**2, df), stats.chi2.sf(x**2, df))
    same(f_sf(x**2, df[::-1], df), stats.f.sf(x**2, df[::-1], df))
    same(norm_cdf(x), stats.norm.cdf(x))
