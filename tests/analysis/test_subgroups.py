"""Subgroup effects and interaction tests against statsmodels OLS HC2 and per-subgroup fits."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.regression.linear_model import OLS

from proeftuin.analysis import estimate_effects
from proeftuin.analysis.subgroups import subgroup_effects

SEED = 20171201
STATSMODELS_TOL = 1e-10


def _trial(seed: int, n: int = 360):
    rng = np.random.default_rng(seed)
    arm = rng.permutation(np.repeat(["control", "exemption", "guidance"], n // 3))
    distance = rng.choice(["close", "far"], n)
    # Guidance helps people far from the labour market only; exemption nobody.
    y = 0.2 + 0.25 * ((arm == "guidance") & (distance == "far")) + rng.normal(0, 0.5, n)
    return y, arm, distance, rng.normal(size=(n, 1))


def test_saturated_model_equals_difference_in_means_per_subgroup() -> None:
    y, arm, distance, _ = _trial(SEED)
    analysis = subgroup_effects(y, arm, distance, control="control", subgroup_name="distance")
    for level in ("close", "far"):
        rows = distance == level
        separate = estimate_effects(y[rows], arm[rows], control="control")
        for term in ("exemption", "guidance"):
            effect = analysis.get(level, term)
            reference = separate.get("y0", term)
            assert effect.estimate == pytest.approx(reference.estimate, abs=STATSMODELS_TOL)
            assert effect.std_error == pytest.approx(reference.std_error, abs=STATSMODELS_TOL)
            assert effect.control_mean == pytest.approx(y[rows & (arm == "control")].mean(), abs=STATSMODELS_TOL)


def test_interaction_tests_vs_statsmodels_with_covariates() -> None:
    y, arm, distance, x = _trial(SEED + 1)
    analysis = subgroup_effects(y, arm, distance, control="control", covariates=x)
    far = (distance == "far").astype(float)
    close = 1 - far
    ex, gu = (arm == "exemption").astype(float), (arm == "guidance").astype(float)
    design = np.column_stack([close, far, ex * close, gu * close, ex * far, gu * far, x])
    reference = OLS(y, design).fit(cov_type="HC2")
    assert analysis.get("far", "guidance").estimate == pytest.approx(reference.params[5], abs=STATSMODELS_TOL)
    assert analysis.get("far", "guidance").std_error == pytest.approx(reference.bse[5], abs=STATSMODELS_TOL)
    guidance = reference.wald_test(np.eye(7)[5] - np.eye(7)[3], use_f=True, scalar=True)
    test = next(t for t in analysis.interactions if t.arm == "guidance").test
    assert test.statistic == pytest.approx(float(guidance.statistic), abs=STATSMODELS_TOL)
    assert test.p_value == pytest.approx(float(guidance.pvalue), abs=STATSMODELS_TOL)
    joint = reference.wald_test(np.vstack([np.eye(7)[4] - np.eye(7)[2], np.eye(7)[5] - np.eye(7)[3]]), use_f=True, scalar=True)
    overall = next(t for t in analysis.interactions if t.arm == "all").test
    assert overall.statistic == pytest.approx(float(joint.statistic), abs=STATSMODELS_TOL)
    assert (overall.df_num, overall.df_den) == (2, len(y) - 7)


def test_empty_cell_is_named() -> None:
    y, arm, distance, _ = _trial(SEED)
    distance = np.where((arm == "guidance") & (distance == "far"), "close", distance)
    with pytest.raises(ValueError, match="subgroup distance='far' has nobody in arm 'guidance'"):
        subgroup_effects(y, arm, distance, control="control", subgroup_name="distance")
