"""Power, MDE and sample size against statsmodels and closed forms; design diagnosis by simulation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.power import NormalIndPower, TTestIndPower

from proeftuin.analysis import Effect, estimate_effects
from proeftuin.analysis.power import (
    PowerDesign,
    diagnose_design,
    minimum_detectable_effect,
    sample_size,
    statistical_power,
)

SEED = 20180601
STATSMODELS_TOL = 1e-12  # statsmodels' power formulas, evaluated directly
STATSMODELS_SOLVER_TOL = 1e-5  # statsmodels' solve_power root finder is off by up to 3e-6 here
CLOSED_FORM_RTOL = 1e-6  # the textbook MDE ignores the far tail, P ~ 1e-8 at these sizes
MC_SDS = 4.0  # Monte Carlo checks: within this many simulation standard errors


@pytest.mark.parametrize("ratio", [1.0, 2.0, 0.5])
@pytest.mark.parametrize("level", [0.90, 0.95])
def test_mde_vs_statsmodels_normal(ratio: float, level: float) -> None:
    design = PowerDesign(sd=2.0, ratio=ratio, level=level, power=0.8)
    n = 150
    mde = minimum_detectable_effect(n, design)
    achieved = NormalIndPower().power(effect_size=mde / 2.0, nobs1=n, alpha=1 - level, ratio=1 / ratio)
    assert achieved == pytest.approx(0.8, abs=STATSMODELS_TOL)
    expected_d = NormalIndPower().solve_power(nobs1=n, alpha=1 - level, power=0.8, ratio=1 / ratio)
    assert mde == pytest.approx(2.0 * expected_d, abs=STATSMODELS_SOLVER_TOL)


@pytest.mark.parametrize("ratio", [1.0, 3.0])
def test_mde_vs_statsmodels_t(ratio: float) -> None:
    design = PowerDesign(sd=1.0, ratio=ratio, test="t")
    mde = minimum_detectable_effect(40, design)
    achieved = TTestIndPower().power(effect_size=mde, nobs1=40, alpha=0.10, ratio=1 / ratio)
    assert achieved == pytest.approx(0.8, abs=STATSMODELS_TOL)
    expected = TTestIndPower().solve_power(nobs1=40, alpha=0.10, power=0.8, ratio=1 / ratio)
    assert mde == pytest.approx(expected, abs=STATSMODELS_SOLVER_TOL)


def test_power_vs_statsmodels() -> None:
    design = PowerDesign(sd=1.0, ratio=1.5)
    for test, reference in (("z", NormalIndPower()), ("t", TTestIndPower())):
        d = PowerDesign(sd=1.0, ratio=1.5, test=test)  # type: ignore[arg-type]
        expected = reference.power(effect_size=0.25, nobs1=120, alpha=0.10, ratio=1 / 1.5)
        assert statistical_power(0.25, 120, d) == pytest.approx(expected, abs=STATSMODELS_TOL)
    assert statistical_power(-0.25, 120, design) == statistical_power(0.25, 120, design)


def test_mde_closed_form_binary_with_r2_clusters_and_bonferroni() -> None:
    design = PowerDesign(control_mean=0.15, arms=3, bonferroni=True, r2=0.3, icc=0.05, cluster_size=4)
    n = 200
    alpha = 0.10 / 3
    variance = 0.15 * 0.85 * (1 - 0.3) * (1 + 3 * 0.05)
    se = math.sqrt(variance * 2 / n)
    textbook = (stats.norm.isf(alpha / 2) + stats.norm.ppf(0.8)) * se
    assert design.alpha == pytest.approx(alpha)
    assert minimum_detectable_effect(n, design) == pytest.approx(textbook, rel=CLOSED_FORM_RTOL)


def test_sample_size_is_the_smallest_whole_number_reaching_power() -> None:
    design = PowerDesign(control_mean=0.15, ratio=2.0)
    result = sample_size(0.08, design)
    assert statistical_power(0.08, result.n_per_arm, design) >= 0.8
    assert statistical_power(0.08, result.n_per_arm - 1, design) < 0.8
    assert result.n_control == math.ceil(result.n_per_arm / 2)
    assert result.n_total == result.n_per_arm + result.n_control


def test_sample_size_vs_statsmodels_t() -> None:
    design = PowerDesign(sd=1.0, test="t")
    expected = TTestIndPower().solve_power(effect_size=0.3, alpha=0.10, power=0.8, ratio=1.0)
    assert sample_size(0.3, design).n_per_arm == math.ceil(expected)


def test_mde_and_sample_size_are_inverse() -> None:
    design = PowerDesign(sd=3.0, arms=2, icc=0.02, cluster_size=10)
    n = sample_size(minimum_detectable_effect(500, design), design).n_per_arm
    assert n in (500, 501)  # ceil of a root found to 1e-9


def test_declaration_errors_are_clear() -> None:
    with pytest.raises(ValueError, match="give exactly one of control_mean"):
        PowerDesign(control_mean=0.2, sd=1.0)
    with pytest.raises(ValueError, match="give exactly one of control_mean"):
        PowerDesign()
    with pytest.raises(ValueError, match="control_mean must be a share strictly between 0 and 1; got 15"):
        PowerDesign(control_mean=15)
    with pytest.raises(ValueError, match="test must be one of 'z', 't'; got 'f'"):
        PowerDesign(sd=1.0, test="f")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="cluster_size must be at least 1; got 0.5"):
        PowerDesign(sd=1.0, cluster_size=0.5)


def _two_arm_trial(effect: float, n: int):
    def simulate(rng: np.random.Generator) -> tuple[tuple[np.ndarray, np.ndarray], float]:
        arm = np.repeat(["control", "treatment"], n)
        y = rng.normal(0.0, 1.0, 2 * n) + effect * (arm == "treatment")
        return (y, arm), effect

    def estimator(data: tuple[np.ndarray, np.ndarray]) -> Effect:
        y, arm = data
        treated, control = y[arm == "treatment"], y[arm == "control"]
        estimate = treated.mean() - control.mean()
        se = np.sqrt(treated.var(ddof=1) / n + control.var(ddof=1) / n)  # Neyman = HC2 here
        crit = stats.t.ppf(0.95, 2 * n - 2)
        p_value = 2 * stats.t.sf(abs(estimate / se), 2 * n - 2)
        return Effect("y", "treatment", estimate, se, estimate / se, p_value, estimate - crit * se,
                      estimate + crit * se, 2 * n - 2, 2 * n, n, n, control.mean(), 0.90, "HC2")

    return simulate, estimator


def test_diagnose_design_matches_analytic_power_and_nominal_coverage() -> None:
    simulate, estimator = _two_arm_trial(0.3, 60)
    diagnosis = diagnose_design(simulate, estimator, n_sims=400, seed=SEED)
    analytic = statistical_power(0.3, 60, PowerDesign(sd=1.0, test="t"))
    assert abs(diagnosis.power - analytic) <= MC_SDS * math.sqrt(analytic * (1 - analytic) / 400)
    assert abs(diagnosis.coverage - 0.90) <= MC_SDS * math.sqrt(0.09 / 400)
    assert abs(diagnosis.bias) <= MC_SDS * diagnosis.bias_se
    assert diagnosis.rmse == pytest.approx(math.sqrt(diagnosis.bias**2 + diagnosis.sd_estimate**2 * 399 / 400))
    again = diagnose_design(simulate, estimator, n_sims=400, seed=SEED)
    assert again == diagnosis


def test_diagnose_design_accepts_the_library_estimator() -> None:
    simulate, _ = _two_arm_trial(0.3, 30)
    diagnosis = diagnose_design(simulate, lambda data: estimate_effects(data[0], data[1], control="control")[0], n_sims=20, seed=SEED)
    assert diagnosis.n_sims == 20 and 0.0 <= diagnosis.coverage <= 1.0


def test_diagnose_design_refuses_a_failed_simulation() -> None:
    def estimator(data: object):
        class Broken:
            estimate, ci_low, ci_high, p_value = float("nan"), 0.0, 1.0, 0.5

        return Broken()

    with pytest.raises(ValueError, match="simulation 0 gave a non-finite"):
        diagnose_design(lambda rng: (None, 0.0), estimator, n_sims=3, seed=SEED)


@settings(max_examples=40, deadline=None)
@given(
    st.floats(0.02, 0.98),
    st.integers(10, 5000),
    st.floats(0.25, 4.0),
    st.floats(0.0, 0.9),
    st.sampled_from(["z", "t"]),
)
def test_mde_falls_with_n_and_power_at_the_mde_is_the_target(p: float, n: int, ratio: float, r2: float, test: str) -> None:
    design = PowerDesign(control_mean=p, ratio=ratio, r2=r2, test=test)  # type: ignore[arg-type]
    mde = minimum_detectable_effect(n, design)
    assert mde > 0
    assert minimum_detectable_effect(2 * n, design) < mde
    assert statistical_power(mde, n, design) == pytest.approx(0.8, abs=1e-9)
