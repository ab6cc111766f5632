"""2SLS effect on the treated against a hand-written NumPy 2SLS and the Wald ratio."""

from __future__ import annotations

import numpy as np
import pytest

from proeftuin.analysis import effects_on_treated, estimate_effects

REFERENCE_TOL = 1e-9
ARMS = np.array(["control", "intensive"])


def _data(rng, n=400):
    arm = ARMS[rng.integers(0, 2, n)]
    complier = rng.random(n) < 0.6
    received = np.where((arm == "intensive") & complier, "intensive", "control")
    x = rng.normal(size=(n, 2))
    y = rng.normal(size=(n, 3)) + 0.5 * (received == "intensive")[:, None] + x[:, :1] + complier[:, None]
    return y, arm, received, x


def _hand_2sls(y, d, z, weights_kind):
    """Textbook 2SLS: X^ = P_Z X, b = (X^'X^)^{-1} X^'y; sandwich with structural residuals."""
    pz = z @ np.linalg.solve(z.T @ z, z.T)
    xhat = pz @ d
    bread = np.linalg.inv(xhat.T @ xhat)
    b = bread @ xhat.T @ y
    e = y - d @ b
    n, p = d.shape
    h = np.diag(xhat @ bread @ xhat.T)
    w = {"HC0": np.ones(n), "HC1": np.full(n, n / (n - p)), "HC2": 1 / (1 - h)}[weights_kind]
    meat = xhat.T @ (xhat * (w * e**2)[:, None])
    return b, np.sqrt(np.diag(bread @ meat @ bread))


@pytest.mark.parametrize("vcov", ["HC0", "HC1", "HC2"])
def test_2sls_matches_hand_computation(rng, vcov):
    y, arm, received, x = _data(rng)
    table = effects_on_treated(y, arm, received, control="control", covariates=x, vcov=vcov)
    d = np.column_stack([np.ones(len(arm)), received == "intensive", x]).astype(float)
    z = np.column_stack([np.ones(len(arm)), arm == "intensive", x]).astype(float)
    for j in range(3):
        b, se = _hand_2sls(y[:, j], d, z, vcov)
        effect = table.get(f"y{j}", "intensive")
        assert effect.estimate == pytest.approx(b[1], abs=REFERENCE_TOL)
        assert effect.std_error == pytest.approx(se[1], abs=REFERENCE_TOL)
        assert effect.df == len(arm) - 4


def test_without_covariates_is_the_wald_ratio(rng):
    y, arm, received, _ = _data(rng)
    effect = effects_on_treated(y[:, 0], arm, received, control="control")[0]
    itt = estimate_effects(y[:, 0], arm, control="control")[0]
    take_up = (received[arm == "intensive"] == "intensive").mean() - (received[arm == "control"] == "intensive").mean()
    assert effect.estimate == pytest.approx(itt.estimate / take_up, abs=REFERENCE_TOL)
    assert effect.extra["take_up"] == pytest.approx(take_up, abs=REFERENCE_TOL)
    assert effect.estimator == "2sls"
