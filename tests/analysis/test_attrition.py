"""Attrition: response rates and the differential-attrition test vs statsmodels, Lee bounds on
constructed examples with closed-form answers, inverse-probability weighting vs statsmodels."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.discrete.discrete_model import Logit
from statsmodels.regression.linear_model import OLS, WLS

from proeftuin.analysis.attrition import attrition_table, ipw_effects, lee_bounds

SEED = 20180101
STATSMODELS_TOL = 1e-10
LOGIT_TOL = 1e-7  # statsmodels' Logit stops its Newton iterations at its own tolerance
CLOSED_FORM_TOL = 1e-12


def _trial(seed: int, n: int = 300):
    rng = np.random.default_rng(seed)
    arm = rng.permutation(np.repeat(["control", "exemption", "guidance"], n // 3))
    x = rng.normal(size=(n, 2))
    index = 0.8 + 0.5 * (arm == "guidance") + 0.7 * x[:, 0]
    responded = rng.uniform(size=n) < 1 / (1 + np.exp(-index))
    y = 1.0 + 0.3 * (arm == "exemption") + x @ [0.5, -0.2] + rng.normal(size=n)
    return arm, x, responded, np.where(responded, y, np.nan)


def test_rates_and_differential_attrition_vs_statsmodels() -> None:
    arm, _, responded, _ = _trial(SEED)
    report = attrition_table(responded, arm, "control")
    assert [rate.arm for rate in report.rates] == ["control", "exemption", "guidance"]
    guidance = report.rates[2]
    assert guidance.rate == pytest.approx(responded[arm == "guidance"].mean(), abs=CLOSED_FORM_TOL)
    x = np.column_stack([np.ones(arm.size), arm == "exemption", arm == "guidance"]).astype(float)
    reference = OLS(responded.astype(float), x).fit(cov_type="HC2")
    effect = report.differences.get("response", "guidance")
    assert effect.estimate == pytest.approx(reference.params[2], abs=STATSMODELS_TOL)
    assert effect.std_error == pytest.approx(reference.bse[2], abs=STATSMODELS_TOL)
    wald = reference.wald_test(np.array([[0, 1, 0], [0, 0, 1.0]]), use_f=True, scalar=True)
    assert report.joint.statistic == pytest.approx(float(wald.statistic), abs=STATSMODELS_TOL)
    assert report.joint.p_value == pytest.approx(float(wald.pvalue), abs=STATSMODELS_TOL)


def test_lee_bounds_trimming_the_arm_closed_form() -> None:
    # Arm: everyone answers, outcomes 1..10. Control: 8 of 10 answer, all with outcome 5.
    arm = np.array(["arm"] * 10 + ["control"] * 10)
    responded = np.array([True] * 10 + [True] * 8 + [False] * 2)
    y = np.concatenate([np.arange(1.0, 11.0), np.full(8, 5.0), [np.nan, np.nan]])
    (bounds,) = lee_bounds(y, responded, arm, "control")
    assert bounds.trimmed == "arm"
    assert bounds.trimming_share == pytest.approx(0.2, abs=CLOSED_FORM_TOL)
    assert bounds.lower == pytest.approx(np.mean(np.arange(1, 9)) - 5, abs=CLOSED_FORM_TOL)  # -0.5
    assert bounds.upper == pytest.approx(np.mean(np.arange(3, 11)) - 5, abs=CLOSED_FORM_TOL)  # 1.5


def test_lee_bounds_fractional_trimming_closed_form() -> None:
    # Arm: all 4 answer with 0, 1, 2, 3. Control: 7 of 10 answer, all 0. p = 0.3, kept mass 2.8.
    arm = np.array(["arm"] * 4 + ["control"] * 10)
    responded = np.array([True] * 4 + [True] * 7 + [False] * 3)
    y = np.array([0.0, 1, 2, 3] + [0.0] * 7 + [np.nan] * 3)
    (bounds,) = lee_bounds(y, responded, arm, "control")
    assert bounds.lower == pytest.approx((0 + 1 + 0.8 * 2) / 2.8, abs=CLOSED_FORM_TOL)
    assert bounds.upper == pytest.approx((3 + 2 + 0.8 * 1) / 2.8, abs=CLOSED_FORM_TOL)


def test_lee_bounds_trimming_the_control_group() -> None:
    # Control answers more (all 5, outcomes 0..4); the arm 4 of 5, all with outcome 2.
    arm = np.array(["arm"] * 5 + ["control"] * 5)
    responded = np.array([True] * 4 + [False] + [True] * 5)
    y = np.array([2.0] * 4 + [np.nan] + [0.0, 1, 2, 3, 4])
    (bounds,) = lee_bounds(y, responded, arm, "control")
    assert bounds.trimmed == "control" and bounds.trimming_share == pytest.approx(0.2)
    assert bounds.lower == pytest.approx(2 - np.mean([1, 2, 3, 4]), abs=CLOSED_FORM_TOL)
    assert bounds.upper == pytest.approx(2 - np.mean([0, 1, 2, 3]), abs=CLOSED_FORM_TOL)


def test_lee_bounds_contain_the_naive_difference() -> None:
    arm, _, responded, y = _trial(SEED + 1)
    for bounds in lee_bounds(y, responded, arm, "control"):
        naive = np.nanmean(y[arm == bounds.arm]) - np.nanmean(y[arm == "control"])
        assert bounds.lower <= naive <= bounds.upper


def test_ipw_vs_statsmodels_logit_and_wls_hc2() -> None:
    arm, x, responded, y = _trial(SEED + 2)
    effects = ipw_effects(y, responded, arm, "control", x, outcome_name="work")
    d = np.column_stack([arm == "exemption", arm == "guidance"]).astype(float)
    z = np.column_stack([np.ones(arm.size), d, x])
    probability = Logit(responded.astype(float), z).fit(disp=0, tol=1e-12).predict(z)
    r = responded
    reference = WLS(y[r], np.column_stack([np.ones(r.sum()), d[r]]), weights=1 / probability[r]).fit(cov_type="HC2")
    for i, term in enumerate(["exemption", "guidance"]):
        effect = effects.get("work", term)
        assert effect.estimator == "ipw"
        assert effect.estimate == pytest.approx(reference.params[1 + i], abs=LOGIT_TOL)
        assert effect.std_error == pytest.approx(reference.bse[1 + i], abs=LOGIT_TOL)
        assert effect.n == r.sum()


def test_bad_input_is_named() -> None:
    arm = np.array(["control", "arm", "arm"])
    with pytest.raises(ValueError, match="the response indicator must be 0/1 or boolean"):
        attrition_table(np.array([0, 2, 1]), arm, "control")
    with pytest.raises(ValueError, match=r"outcome is missing for a respondent \(row 1\)"):
        lee_bounds(np.array([1.0, np.nan, 2.0]), np.array([True, True, True]), arm, "control")


def test_imbens_manski_interval_from_bootstrap() -> None:
    arm, _, responded, y = _trial(SEED + 3)
    plain = lee_bounds(y, responded, arm, "control")
    with_ci = lee_bounds(y, responded, arm, "control", n_boot=200, seed=SEED)
    for bounds, reference in zip(with_ci, plain):
        assert (bounds.lower, bounds.upper) == (reference.lower, reference.upper)
        assert bounds.ci_low < bounds.lower <= bounds.upper < bounds.ci_high  # type: ignore[operator]
        assert bounds.level == 0.90
    assert plain[0].ci_low is None
    assert lee_bounds(y, responded, arm, "control", n_boot=200, seed=SEED) == with_ci


def test_imbens_manski_critical_value_closed_form() -> None:
    from scipy import stats

    from proeftuin.analysis.attrition import _imbens_manski

    # A point-identified effect (L = U) gets the two-sided normal interval.
    low, high = _imbens_manski(1.0, 1.0, 0.5, 0.5, 0.90)
    assert (low, high) == pytest.approx((1 - stats.norm.ppf(0.95) * 0.5, 1 + stats.norm.ppf(0.95) * 0.5), abs=1e-10)
    # A wide identified set gets the one-sided critical value at each end.
    low, high = _imbens_manski(0.0, 100.0, 0.5, 0.5, 0.90)
    assert (low, high) == pytest.approx((-stats.norm.ppf(0.90) * 0.5, 100 + stats.norm.ppf(0.90) * 0.5), abs=1e-10)


@pytest.mark.parametrize("everybody", [True, False])
def test_no_attrition_at_all_is_not_estimable_not_rounding_noise(everybody: bool) -> None:
    # QA: with every outcome observed the regression returned 1e-16 +/- 5e-16, "p = 0.82";
    # issue 11: one convention for a zero standard error, "not estimable" with the reason.
    arm = np.repeat(["control", "exemption", "guidance"], [40, 35, 45])
    report = attrition_table(np.full(arm.size, everybody), arm, "control")
    for effect in report.differences:
        assert effect.not_estimable == "no variation in the outcome"
        numbers = (effect.estimate, effect.std_error, effect.statistic, effect.p_value, effect.ci_low, effect.ci_high)
        assert np.isnan(numbers).all()
    assert (report.joint.statistic, report.joint.p_value, report.joint.df_num) == (0.0, 1.0, 2)
