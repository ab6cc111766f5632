"""Lin (2013) interacted adjustment against statsmodels on a hand-built interacted design."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.regression.linear_model import OLS

from proeftuin.analysis import estimate_effects

STATSMODELS_TOL = 1e-8
ARMS = np.array(["control", "exemption", "intensive"])


@pytest.mark.parametrize("missing", [0.0, 0.1])
def test_lin_matches_statsmodels_hc2(rng, missing):
    n = 200
    arm = ARMS[rng.integers(0, 3, n)]
    x = rng.normal(size=(n, 2))
    y = rng.normal(size=(n, 2)) + x[:, :1] * (1 + (arm == "exemption"))[:, None]
    if missing:
        y[rng.random(y.shape) < missing] = np.nan
    table = estimate_effects(y, arm, control="control", covariates=x, arms=list(ARMS), lin=True)
    for j in range(2):
        ok = ~np.isnan(y[:, j])
        d = np.column_stack([(arm[ok] == a).astype(float) for a in ARMS[1:]])
        centred = x[ok] - x[ok].mean(axis=0)
        design = np.column_stack([np.ones(ok.sum()), d, centred] + [d[:, [k]] * centred for k in range(2)])
        ref = OLS(y[ok, j], design).fit(cov_type="HC2", use_t=True)
        for i, term in enumerate(ARMS[1:], start=1):
            effect = table.get(f"y{j}", term)
            assert effect.estimator == "lin"
            assert effect.estimate == pytest.approx(ref.params[i], abs=STATSMODELS_TOL)
            assert effect.std_error == pytest.approx(ref.bse[i], abs=STATSMODELS_TOL)
            assert effect.df == ref.df_resid


def test_lin_without_covariates_is_refused(rng):
    with pytest.raises(ValueError, match="lin=True needs covariates"):
        estimate_effects(rng.normal(size=10), ARMS[np.arange(10) % 3], control="control", lin=True)
