"""Balance table and sample-ratio mismatch against statsmodels, scipy and closed forms."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.regression.linear_model import OLS
from scipy import stats

from proeftuin.analysis.balance import balance_table, sample_ratio_mismatch

SEED = 20171101
STATSMODELS_TOL = 1e-10
CLOSED_FORM_TOL = 1e-12


def _trial(seed: int, n: int = 240) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    arm = rng.permutation(np.repeat(["control", "exemption", "guidance"], n // 3))
    frame = pd.DataFrame(
        {
            "age": rng.normal(40, 10, n),
            "months_on_benefit": rng.gamma(2.0, 20.0, n),
            "household": rng.choice(["couple", "single", "single parent"], n),
        }
    )
    return frame, arm


def test_means_differences_and_standardized_differences() -> None:
    frame, arm = _trial(SEED)
    table = balance_table(frame, arm, "control")
    row = next(r for r in table.rows if r.covariate == "age" and r.arm == "guidance")
    control, guidance = frame.age[arm == "control"], frame.age[arm == "guidance"]
    assert row.mean_control == pytest.approx(control.mean(), abs=CLOSED_FORM_TOL)
    assert row.difference == pytest.approx(guidance.mean() - control.mean(), abs=CLOSED_FORM_TOL)
    pooled = np.sqrt((guidance.var(ddof=1) + control.var(ddof=1)) / 2)
    assert row.std_diff == pytest.approx((guidance.mean() - control.mean()) / pooled, abs=CLOSED_FORM_TOL)
    assert [r.covariate for r in table.rows[:2]] == ["age", "age"]
    assert {r.covariate for r in table.rows} == {"age", "months_on_benefit", "household[single]", "household[single parent]"}


def test_per_covariate_test_vs_statsmodels_hc2() -> None:
    frame, arm = _trial(SEED + 1)
    table = balance_table(frame, arm, "control")
    x = np.column_stack([np.ones(len(arm)), arm == "exemption", arm == "guidance"]).astype(float)
    reference = OLS(frame.months_on_benefit.to_numpy(), x).fit(cov_type="HC2", use_t=True)
    row = next(r for r in table.rows if r.covariate == "months_on_benefit" and r.arm == "exemption")
    assert row.std_error == pytest.approx(reference.bse[1], abs=STATSMODELS_TOL)
    # estimatr's convention: t with n - p degrees of freedom
    assert row.p_value == pytest.approx(2 * stats.t.sf(abs(reference.tvalues[1]), len(arm) - 3), abs=STATSMODELS_TOL)


def test_omnibus_with_one_covariate_is_the_hc2_wald_test_of_all_arms() -> None:
    frame, arm = _trial(SEED + 2)
    table = balance_table(frame[["age"]], arm, "control")
    x = np.column_stack([np.ones(len(arm)), arm == "exemption", arm == "guidance"]).astype(float)
    reference = OLS(frame.age.to_numpy(), x).fit(cov_type="HC2")
    wald = reference.wald_test(np.array([[0, 1, 0], [0, 0, 1.0]]), use_f=False, scalar=True)
    assert table.omnibus.statistic == pytest.approx(float(wald.statistic), abs=STATSMODELS_TOL)
    assert table.omnibus.df == 2
    assert table.omnibus.asymptotic_p_value == pytest.approx(float(wald.pvalue), abs=STATSMODELS_TOL)
    assert table.omnibus.ri_p_value is None


def test_randomization_p_value() -> None:
    frame, arm = _trial(SEED + 3)

    def permute(rng: np.random.Generator) -> np.ndarray:
        return rng.permutation(arm)

    balanced = balance_table(frame, arm, "control", rerandomize=permute, n_draws=199, seed=SEED)
    assert balanced.omnibus.n_draws == 199
    assert 0.0 < balanced.omnibus.ri_p_value <= 1.0  # type: ignore[operator]
    again = balance_table(frame, arm, "control", rerandomize=permute, n_draws=199, seed=SEED)
    assert again.omnibus.ri_p_value == balanced.omnibus.ri_p_value
    unbalanced = frame.assign(age=frame.age + 15 * (arm == "guidance"))
    worst = balance_table(unbalanced, arm, "control", rerandomize=permute, n_draws=199, seed=SEED)
    assert worst.omnibus.ri_p_value == pytest.approx(1 / 200)


def test_sample_ratio_mismatch_vs_scipy() -> None:
    arm = np.array(["control"] * 230 + ["exemption"] * 250 + ["guidance"] * 180 + ["disregard"] * 50)
    planned = {"control": 1.0, "exemption": 1.0, "guidance": 1.0, "disregard": 0.5}
    result = sample_ratio_mismatch(arm, planned)
    observed = [230, 250, 180, 50]
    expected = np.array([1, 1, 1, 0.5]) / 3.5 * 710
    reference = stats.chisquare(observed, expected)
    assert result.statistic == pytest.approx(reference.statistic, abs=CLOSED_FORM_TOL)
    assert result.p_value == pytest.approx(reference.pvalue, abs=CLOSED_FORM_TOL)
    assert result.df == 3 and result.observed == tuple(observed)


def test_bad_input_is_named() -> None:
    frame, arm = _trial(SEED)
    with pytest.raises(ValueError, match=r"arm values \['other'\] are not in the planned allocation"):
        sample_ratio_mismatch(np.array(["control", "other"]), {"control": 1, "exemption": 1})
    with pytest.raises(ValueError, match="covariate 'age' has a missing value in row 3"):
        balance_table(frame.assign(age=frame.age.where(frame.index != 3)), arm, "control")
    with pytest.raises(ValueError, match="control value 'controle' does not occur"):
        balance_table(frame, arm, "controle")
