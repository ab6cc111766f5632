"""Issue 11, points 1-3: "not estimable" per outcome and arm, dropped covariates, one zero-SE rule."""

from __future__ import annotations

import math

import numpy as np
import pytest
from statsmodels.regression.linear_model import OLS
from statsmodels.tools.tools import add_constant

from proeftuin.analysis import Effect, estimate_effects
from proeftuin.analysis.inference import NO_VARIATION_RTOL, t_inference

ARMS = np.repeat(["control", "a", "b"], [800, 800, 800])


def _numbers(effect: Effect) -> tuple[float, ...]:
    return (effect.estimate, effect.std_error, effect.statistic, effect.p_value, effect.ci_low, effect.ci_high)


def test_constant_outcome_with_covariates_is_not_estimable_not_p_1e_minus_9(rng):
    # Issue 11: y = 1 for all 2,400 people with covariates gave "0.0000 [0.0000, 0.0000] p 1.97e-09"
    # (round-off divided by round-off); without covariates p = 0.446 from the same round-off.
    x = rng.normal(size=(ARMS.size, 4))
    for covariates in (x, None):
        table = estimate_effects(np.ones(ARMS.size), ARMS, control="control", covariates=covariates)
        for effect in table:
            assert effect.not_estimable == "no variation in the outcome"
            assert np.isnan(_numbers(effect)).all()


def test_outcome_varying_by_round_off_only_is_still_constant(rng):
    y = 1000.0 + rng.normal(size=ARMS.size) * 1000.0 * NO_VARIATION_RTOL * 0.1
    table = estimate_effects(y, ARMS, control="control", covariates=rng.normal(size=(ARMS.size, 2)))
    assert {e.not_estimable for e in table} == {"no variation in the outcome"}


def test_a_rare_binary_outcome_is_estimable(rng):
    y = np.zeros(ARMS.size)
    y[[3, 900]] = 1.0
    table = estimate_effects(y, ARMS, control="control")
    assert all(e.estimable for e in table)


def test_outcome_missing_in_a_whole_arm_marks_only_that_arm(rng):
    y = rng.normal(size=(ARMS.size, 2))
    y[ARMS == "b", 1] = np.nan
    table = estimate_effects(y, ARMS, control="control", outcome_names=["full", "partial"])
    assert table.get("partial", "b").not_estimable == "no observations in this arm"
    assert table.get("partial", "b").n_arm == 0
    # The other arm of that outcome equals the fit without the empty arm's rows.
    keep = ARMS != "b"
    alone = estimate_effects(y[keep, 1], ARMS[keep], control="control", arms=["control", "a"])
    assert table.get("partial", "a").estimate == pytest.approx(alone[0].estimate, rel=1e-12)
    assert table.get("partial", "a").std_error == pytest.approx(alone[0].std_error, rel=1e-12)
    assert all(e.estimable for e in table if e.outcome == "full")


def test_outcome_missing_in_the_control_group_marks_every_arm(rng):
    y = rng.normal(size=ARMS.size)
    y[ARMS == "control"] = np.nan
    table = estimate_effects(y, ARMS, control="control")
    assert {e.not_estimable for e in table} == {"no observations in the control group"}


def test_no_variation_within_an_arm_and_control_is_a_zero_standard_error(rng):
    y = np.zeros(ARMS.size)
    y[ARMS == "b"] = rng.normal(size=800)
    table = estimate_effects(y, ARMS, control="control")
    assert table.get("y0", "a").not_estimable.startswith("standard error is zero")
    assert table.get("y0", "b").estimable


def test_leverage_one_in_a_covariate_cell_keeps_the_arms(rng):
    # Issue 11: a covariate category with one person made HC2/HC3 refuse the whole table.
    cell = np.zeros((ARMS.size, 1))
    cell[5] = 1.0
    y = rng.normal(size=ARMS.size)
    for vcov in ("HC2", "HC3"):
        table = estimate_effects(y, ARMS, control="control", covariates=cell, vcov=vcov)
        assert all(e.estimable and math.isfinite(e.std_error) for e in table)


def test_leverage_one_for_an_arm_is_not_estimable_for_that_arm_only(rng):
    arm = np.array(["control"] * 50 + ["a"] * 50 + ["b"])
    y = rng.normal(size=arm.size)
    table = estimate_effects(y, arm, control="control", vcov="HC2")
    assert "leverage 1" in table.get("y0", "b").not_estimable
    assert table.get("y0", "a").estimable
    hc1 = estimate_effects(y, arm, control="control", vcov="HC1")
    assert hc1.get("y0", "b").estimable


def test_collinear_and_constant_covariates_are_dropped_with_a_note_as_r_does(rng):
    x = rng.normal(size=(ARMS.size, 2))
    y = (ARMS == "a") * 0.3 + x @ [0.5, -0.2] + rng.normal(size=ARMS.size)
    full = np.column_stack([x[:, 0], np.ones(ARMS.size), 2.0 * x[:, 0], x[:, 1]])
    table = estimate_effects(y, ARMS, control="control", covariates=full, covariate_names=["x1", "one", "x1_twice", "x2"])
    reference = estimate_effects(y, ARMS, control="control", covariates=x)
    for effect, expected in zip(table, reference, strict=True):
        assert effect.note == "dropped as constant or collinear (as R's lm): one, x1_twice"
        assert _numbers(effect) == pytest.approx(_numbers(expected), rel=1e-10)
        assert effect.df == expected.df


def test_a_covariate_equal_to_an_arm_indicator_drops_the_covariate_never_the_arm(rng):
    y = rng.normal(size=ARMS.size)
    table = estimate_effects(y, ARMS, control="control", covariates=(ARMS == "a").astype(float)[:, None])
    assert [e.term for e in table] == ["a", "b"]
    assert all(e.estimable and e.note for e in table)


def test_lin_drops_a_covariate_constant_on_the_rows_used(rng):
    x = np.column_stack([rng.normal(size=ARMS.size), np.full(ARMS.size, 3.0)])
    y = rng.normal(size=ARMS.size)
    table = estimate_effects(y, ARMS, control="control", covariates=x, lin=True)
    reference = estimate_effects(y, ARMS, control="control", covariates=x[:, :1], lin=True)
    assert [e.estimate for e in table] == pytest.approx([e.estimate for e in reference], rel=1e-10)
    assert "x1" in table[0].note and "a:x1" in table[0].note


def test_from_t_with_zero_standard_error_is_not_estimable_not_zero_division():
    # Issue 11: Effect.from_t(estimate=0.5, std_error=0) raised ZeroDivisionError.
    effect = Effect.from_t(outcome="y", term="a", estimate=0.5, std_error=0.0, df=10, level=0.9, n=20,
                           n_arm=10, n_control=10, control_mean=0.0, vcov="HC2")
    assert effect.not_estimable == "standard error is zero (no residual variation to test against)"
    assert np.isnan(_numbers(effect)).all()


@pytest.mark.parametrize(
    ("se", "df", "reason"),
    [(0.0, 5.0, "standard error is zero"), (np.nan, 5.0, "standard error is undefined"),
     (np.inf, 5.0, "standard error is undefined"), (1.0, 0.0, "no degrees of freedom")],
)
def test_one_rule_for_every_invalid_test(se, df, reason):
    result = t_inference(np.array([0.5]), np.array([se]), np.array([df]), 0.9)
    assert result.reason[0].startswith(reason)
    assert np.isnan([result.statistic[0], result.p_value[0], result.ci_low[0], result.ci_high[0]]).all()


def test_t_inference_matches_statsmodels(rng):
    x = add_constant(rng.normal(size=(60, 2)))
    fit = OLS(x @ [1.0, 0.5, 0.0] + rng.normal(size=60), x).fit()
    result = t_inference(fit.params, fit.bse, fit.df_resid, 0.9)
    np.testing.assert_allclose(result.p_value, fit.pvalues, rtol=1e-10)
    np.testing.assert_allclose(np.column_stack([result.ci_low, result.ci_high]), fit.conf_int(0.1), rtol=1e-10)


def test_an_outcome_observed_in_one_cluster_only_is_not_estimable(rng):
    clusters = np.arange(ARMS.size) % 10
    y = rng.normal(size=(ARMS.size, 2))
    y[clusters != 3, 1] = np.nan
    table = estimate_effects(y, ARMS, control="control", clusters=clusters)
    assert {e.not_estimable for e in table if e.outcome == "y1"} == {"observations in fewer than 2 clusters: no cluster-robust variance"}
    assert all(e.estimable for e in table if e.outcome == "y0")
