"""Weighted HC2 and the logit fit against statsmodels (WLS HC2 with weighted leverages, Logit)."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.discrete.discrete_model import Logit
from statsmodels.regression.linear_model import OLS, WLS

from proeftuin.analysis.robust_wls import logit, wald_test, wls_hc2

SEED = 20190101
STATSMODELS_TOL = 1e-10
LOGIT_TOL = 1e-7  # statsmodels' Newton stops at its own tolerance


def _data(seed: int, n: int = 120) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = np.column_stack([np.ones(n), rng.integers(0, 2, n), rng.normal(size=n)])
    y = x @ [1.0, 0.5, -0.3] + rng.normal(size=n) * (1 + x[:, 1])
    return y, x, rng.uniform(0.5, 3.0, n)


@pytest.mark.parametrize("weighted", [False, True])
def test_hc2_vs_statsmodels(weighted: bool) -> None:
    y, x, w = _data(SEED)
    fit = wls_hc2(y, x, w if weighted else None)
    model = WLS(y, x, weights=w) if weighted else OLS(y, x)
    reference = model.fit(cov_type="HC2")
    assert np.max(np.abs(fit.coef - reference.params)) <= STATSMODELS_TOL
    assert np.max(np.abs(fit.vcov - reference.cov_params())) <= STATSMODELS_TOL
    assert fit.df == len(y) - 3


def test_wald_f_vs_statsmodels() -> None:
    y, x, w = _data(SEED + 1)
    fit = wls_hc2(y, x, w)
    restriction = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    reference = WLS(y, x, weights=w).fit(cov_type="HC2").wald_test(restriction, use_f=True, scalar=True)
    test = wald_test(fit, restriction)
    assert test.statistic == pytest.approx(float(reference.statistic), abs=STATSMODELS_TOL)
    assert test.p_value == pytest.approx(float(reference.pvalue), abs=STATSMODELS_TOL)
    assert (test.df_num, test.df_den) == (2, len(y) - 3)


def test_logit_vs_statsmodels() -> None:
    rng = np.random.default_rng(SEED)
    x = np.column_stack([np.ones(300), rng.normal(size=(300, 2))])
    y = (rng.uniform(size=300) < 1 / (1 + np.exp(-(x @ [0.3, 1.0, -0.5])))).astype(float)
    reference = Logit(y, x).fit(disp=0, tol=1e-12)
    assert np.max(np.abs(logit(y, x) - reference.params)) <= LOGIT_TOL


def test_logit_refuses_separation() -> None:
    x = np.column_stack([np.ones(6), [0, 1, 2, 3, 4, 5]])
    with pytest.raises(ValueError, match="separat"):
        logit(np.array([0, 0, 0, 1, 1, 1.0]), x)
