"""Estimation by sufficient statistics in DuckDB and Spark equals the in-memory engine to 1e-9."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from proeftuin.analysis import estimate_effects
from proeftuin.scale import estimate_effects_engine

TOLERANCE = 1e-9
OUTCOMES = ["binary", "amount", "sparse"]


@pytest.fixture(scope="module")
def trial() -> pd.DataFrame:
    """Three arms, four strata, households of 1-4 people that may straddle arms, missing values."""
    rng = np.random.default_rng(12)
    n = 1500
    sizes = rng.integers(1, 5, n)
    household = np.repeat(np.arange(n), sizes)[:n]
    arm = rng.choice(["control", "coaching", "disregard"], n, p=[0.4, 0.3, 0.3])
    stratum = rng.choice(["north", "east", "south", "west"], n)
    binary = (rng.random(n) < 0.3 + 0.05 * (arm == "coaching")).astype(float)
    amount = 900 + 150 * rng.standard_normal(n) + 20 * (arm == "disregard")
    amount[rng.random(n) < 0.15] = np.nan
    sparse = (rng.random(n) < 0.02).astype(float)
    sparse[rng.random(n) < 0.5] = np.nan
    return pd.DataFrame({"arm": arm, "stratum": stratum, "household": [f"h{h}" for h in household],
                         "binary": binary, "amount": amount, "sparse": sparse})


def _memory(frame: pd.DataFrame, vcov: str, *, strata: bool = True):
    dummies = pd.get_dummies(frame["stratum"], drop_first=True, dtype=float).to_numpy() if strata else None
    clusters = frame["household"].to_numpy() if vcov.startswith("CR") else None
    return estimate_effects(frame[OUTCOMES].to_numpy(), frame["arm"].to_numpy(), control="control",
                            outcome_names=OUTCOMES, covariates=dummies, vcov=vcov, clusters=clusters)


def _assert_equal(reference, engine_result) -> None:
    assert len(reference) == len(engine_result)
    for a, b in zip(reference, engine_result):
        assert (a.outcome, a.term, a.n_arm, a.n_control, a.not_estimable) == (b.outcome, b.term, b.n_arm, b.n_control, b.not_estimable)
        if a.not_estimable:
            continue
        assert a.n == b.n
        for field in ("estimate", "std_error", "ci_low", "ci_high", "p_value", "control_mean"):
            assert getattr(b, field) == pytest.approx(getattr(a, field), abs=TOLERANCE, rel=TOLERANCE), field
        assert b.df == pytest.approx(a.df, rel=TOLERANCE)


@pytest.mark.parametrize("vcov", ["HC0", "HC1", "HC2", "HC3", "CR0", "CR1", "CR2"])
def test_every_variance_equals_the_in_memory_engine_with_strata_and_missing_values(as_table, trial, vcov) -> None:
    table = as_table(trial)
    result = estimate_effects_engine(table, outcomes=OUTCOMES, arm="arm", control="control", strata="stratum",
                                     cluster="household" if vcov.startswith("CR") else None, vcov=vcov)
    _assert_equal(_memory(trial, vcov), result)


def test_without_strata_it_is_the_plain_itt_regression(as_table, trial) -> None:
    table = as_table(trial)
    result = estimate_effects_engine(table, outcomes=OUTCOMES, arm="arm", control="control")
    _assert_equal(_memory(trial, "HC2", strata=False), result)


def test_hc2_with_strata_matches_statsmodels(as_table, trial) -> None:
    """An independent reference: statsmodels OLS with stratum dummies and its HC2 covariance."""
    from statsmodels.regression.linear_model import OLS
    from statsmodels.tools.tools import add_constant

    result = estimate_effects_engine(as_table(trial), outcomes=["binary"], arm="arm", control="control", strata="stratum")
    x = pd.get_dummies(trial[["arm", "stratum"]], drop_first=False, dtype=float)
    x = add_constant(x.drop(columns=["arm_control", "stratum_east"]))
    fit = OLS(trial["binary"], x).fit(cov_type="HC2")
    for effect in result:
        assert effect.estimate == pytest.approx(fit.params[f"arm_{effect.term}"], abs=TOLERANCE)
        assert effect.std_error == pytest.approx(fit.bse[f"arm_{effect.term}"], abs=TOLERANCE)


def test_a_stratum_without_observed_values_is_dropped_as_in_memory(as_table, trial) -> None:
    frame = trial.assign(sparse=np.where(trial["stratum"] == "west", np.nan, trial["sparse"]))
    result = estimate_effects_engine(as_table(frame), outcomes=OUTCOMES, arm="arm", control="control", strata="stratum")
    _assert_equal(_memory(frame, "HC2"), result)
    assert "west" in result[4].note


def test_an_absent_control_value_is_named(as_table, trial) -> None:
    with pytest.raises(ValueError, match="control value 'placebo' does not occur"):
        estimate_effects_engine(as_table(trial), outcomes=["binary"], arm="arm", control="placebo")


def test_edge_cases_are_not_estimable_with_the_in_memory_reasons(as_table) -> None:
    """No variation, an arm without observed values, and a one-person cell under HC2 and HC3."""
    rng = np.random.default_rng(3)
    arm = np.array(["control"] * 30 + ["a"] * 30 + ["b"])
    frame = pd.DataFrame({
        "arm": arm, "stratum": "all",
        "constant": 1.0,
        "no_b": np.where(arm == "b", np.nan, rng.random(arm.size)),
        "y": rng.random(arm.size),
    })
    for vcov in ("HC1", "HC2", "HC3"):
        reference = estimate_effects(frame[["constant", "no_b", "y"]].to_numpy(), frame["arm"].to_numpy(), control="control",
                                     outcome_names=["constant", "no_b", "y"], vcov=vcov)
        result = estimate_effects_engine(as_table(frame), outcomes=["constant", "no_b", "y"], arm="arm", control="control", vcov=vcov)
        _assert_equal(reference, result)
        assert any(e.not_estimable for e in result)
