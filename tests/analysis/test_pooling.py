"""Pooling across municipalities, against PyMARE (DL, REML, HKSJ), closed forms and a hand root-find."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, stats

from proeftuin.analysis.pooling import pool_effects

SEED = 20170401
PYMARE_TOL = 1e-6  # PyMARE's REML is a bounded scalar search; DL is closed form
CLOSED_FORM_TOL = 1e-12
ROOT_TOL = 1e-9



@pytest.fixture(scope="module")
def pymare_estimators():
    """PyMARE's estimators, the reference: imported by the tests that use them, not at collection
    (pymare imports sympy: 1.5 s of CPU in every pytest worker, which all collect this module)."""
    return pytest.importorskip("pymare.estimators")


def _data(seed: int, k: int = 9, tau2: float = 0.02) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    v = rng.uniform(0.002, 0.05, k)
    return rng.normal(0.08, np.sqrt(v + tau2)), np.sqrt(v)


def _pymare(estimator, y: np.ndarray, se: np.ndarray, x: np.ndarray | None = None) -> dict[str, np.ndarray]:
    x = np.ones((len(y), 1)) if x is None else x
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        estimator.fit(y=y[:, None], v=(se**2)[:, None], X=x)
        fe = estimator.summary().get_fe_stats()
    return {"tau2": float(np.ravel(estimator.params_["tau2"])[0]), "est": fe["est"].ravel(), "se": fe["se"].ravel()}


@pytest.mark.parametrize("seed", [SEED, SEED + 1, SEED + 2])
def test_fixed_effect_closed_form(seed: int) -> None:
    y, se = _data(seed)
    w = 1 / se**2
    mean = np.sum(w * y) / w.sum()
    q = np.sum(w * (y - mean) ** 2)
    result = pool_effects(y, se, method="fe", level=0.95)
    z = stats.norm.ppf(0.975)
    assert result.estimate == pytest.approx(mean, abs=CLOSED_FORM_TOL)
    assert result.std_error == pytest.approx(1 / np.sqrt(w.sum()), abs=CLOSED_FORM_TOL)
    assert result.ci_low == pytest.approx(mean - z / np.sqrt(w.sum()), abs=CLOSED_FORM_TOL)
    assert result.q == pytest.approx(q, abs=CLOSED_FORM_TOL)
    assert result.q_p_value == pytest.approx(stats.chi2.sf(q, len(y) - 1), abs=CLOSED_FORM_TOL)
    assert result.i2 == pytest.approx(100 * max(0.0, (q - (len(y) - 1)) / q), abs=CLOSED_FORM_TOL)
    assert result.tau2 == 0.0
    assert result.prediction_low == pytest.approx(result.ci_low, abs=CLOSED_FORM_TOL)
    assert np.allclose(result.weights, w / w.sum(), atol=CLOSED_FORM_TOL)


@pytest.mark.parametrize("seed", [SEED, SEED + 1, SEED + 2, SEED + 3])
def test_dersimonian_laird_vs_pymare(seed: int, pymare_estimators) -> None:
    y, se = _data(seed)
    reference = _pymare(pymare_estimators.DerSimonianLaird(small_sample_correction="wald"), y, se)
    result = pool_effects(y, se, method="dl")
    assert result.tau2 == pytest.approx(reference["tau2"], abs=PYMARE_TOL)
    assert result.estimate == pytest.approx(reference["est"][0], abs=PYMARE_TOL)
    assert result.std_error == pytest.approx(reference["se"][0], abs=PYMARE_TOL)
    # Higgins-Thompson I^2 from Q equals the tau^2-based I^2 for DerSimonian-Laird.
    assert result.i2 == pytest.approx(100 * max(0.0, (result.q - (len(y) - 1)) / result.q), abs=CLOSED_FORM_TOL)


@pytest.mark.parametrize("seed", [SEED, SEED + 1, SEED + 2, SEED + 3])
def test_reml_vs_pymare(seed: int, pymare_estimators) -> None:
    y, se = _data(seed)
    estimator = pymare_estimators.VarianceBasedLikelihoodEstimator(method="REML", small_sample_correction="wald", xtol=1e-12)
    reference = _pymare(estimator, y, se)
    result = pool_effects(y, se, method="reml")
    assert result.tau2 == pytest.approx(reference["tau2"], abs=PYMARE_TOL)
    assert result.estimate == pytest.approx(reference["est"][0], abs=PYMARE_TOL)
    assert result.std_error == pytest.approx(reference["se"][0], abs=PYMARE_TOL)


@pytest.mark.parametrize("method", ["dl", "reml"])
def test_hksj_vs_pymare_knapp_hartung(method: str, pymare_estimators) -> None:
    y, se = _data(SEED + 5)
    estimator = (
        pymare_estimators.DerSimonianLaird(small_sample_correction="knapp-hartung")
        if method == "dl"
        else pymare_estimators.VarianceBasedLikelihoodEstimator(method="REML", small_sample_correction="knapp-hartung", xtol=1e-12)
    )
    reference = _pymare(estimator, y, se)
    result = pool_effects(y, se, method=method, hksj=True, level=0.95)
    assert result.std_error == pytest.approx(reference["se"][0], abs=PYMARE_TOL)
    crit = stats.t.ppf(0.975, len(y) - 1)
    assert result.df == len(y) - 1
    assert result.ci_high == pytest.approx(result.estimate + crit * result.std_error, abs=CLOSED_FORM_TOL)
    half = crit * np.sqrt(result.std_error**2 + result.tau2)
    assert result.prediction_high == pytest.approx(result.estimate + half, abs=CLOSED_FORM_TOL)


def test_hksj_closed_form_scale() -> None:
    y, se = _data(SEED + 6)
    plain = pool_effects(y, se, method="dl")
    adjusted = pool_effects(y, se, method="dl", hksj=True)
    w = 1 / (se**2 + plain.tau2)
    scale = np.sum(w * (y - plain.estimate) ** 2) / (len(y) - 1)
    assert adjusted.std_error == pytest.approx(plain.std_error * np.sqrt(scale), abs=CLOSED_FORM_TOL)
    assert adjusted.p_value == pytest.approx(2 * stats.t.sf(abs(adjusted.statistic), len(y) - 1), abs=CLOSED_FORM_TOL)


@pytest.mark.parametrize("seed", [SEED, SEED + 1, SEED + 7])
def test_paule_mandel_vs_hand_root_find(seed: int) -> None:
    y, se = _data(seed, tau2=0.03)
    v = se**2

    def generalized_q(tau2: float) -> float:
        w = 1 / (v + tau2)
        mean = np.sum(w * y) / w.sum()
        return float(np.sum(w * (y - mean) ** 2)) - (len(y) - 1)

    expected = 0.0 if generalized_q(0.0) <= 0 else optimize.brentq(generalized_q, 0.0, 10.0, xtol=1e-15)
    result = pool_effects(y, se, method="pm")
    assert result.tau2 == pytest.approx(expected, abs=ROOT_TOL)
    assert generalized_q(result.tau2) == pytest.approx(0.0, abs=ROOT_TOL) or result.tau2 == 0.0


def test_prediction_interval_uses_normal_quantile_without_hksj() -> None:
    y, se = _data(SEED + 8)
    result = pool_effects(y, se, method="reml", level=0.90)
    half = stats.norm.ppf(0.95) * np.sqrt(result.std_error**2 + result.tau2)
    assert result.prediction_low == pytest.approx(result.estimate - half, abs=CLOSED_FORM_TOL)
    assert result.prediction_high == pytest.approx(result.estimate + half, abs=CLOSED_FORM_TOL)


def test_no_heterogeneity_gives_tau2_zero_for_every_random_effects_method() -> None:
    y = np.array([0.10, 0.11, 0.09, 0.10])
    se = np.full(4, 0.1)
    for method in ("dl", "reml", "pm"):
        result = pool_effects(y, se, method=method)
        assert result.tau2 == 0.0, method
        assert result.i2 == 0.0, method


def test_meta_regression_vs_pymare(pymare_estimators) -> None:
    rng = np.random.default_rng(SEED)
    k = 12
    dose = rng.uniform(0, 1, k)
    v = rng.uniform(0.002, 0.03, k)
    y = 0.05 + 0.1 * dose + rng.normal(0, np.sqrt(v + 0.01))
    estimator = pymare_estimators.VarianceBasedLikelihoodEstimator(method="REML", small_sample_correction="wald", xtol=1e-12)
    reference = _pymare(estimator, y, np.sqrt(v), np.column_stack([np.ones(k), dose]))
    result = pool_effects(y, np.sqrt(v), method="reml", moderators={"dose": dose})
    assert result.tau2 == pytest.approx(reference["tau2"], abs=PYMARE_TOL)
    for j, term in enumerate(["intercept", "dose"]):
        coefficient = result.coefficients[j]
        assert coefficient.term == term
        assert coefficient.estimate == pytest.approx(reference["est"][j], abs=PYMARE_TOL)
        assert coefficient.std_error == pytest.approx(reference["se"][j], abs=PYMARE_TOL)
    assert result.q_df == k - 2
    test = result.moderator_test
    assert test is not None and test.df == 1
    assert test.statistic == pytest.approx(result.coefficients[1].statistic ** 2, abs=CLOSED_FORM_TOL)


def test_categorical_moderator_codes_levels_against_the_first() -> None:
    y, se = _data(SEED + 9, k=9)
    arm_type = ["disregard", "exemption", "guidance"] * 3
    result = pool_effects(y, se, method="dl", moderators={"arm_type": arm_type})
    assert [c.term for c in result.coefficients] == ["intercept", "arm_type[exemption]", "arm_type[guidance]"]
    disregard = np.array(arm_type) == "disregard"
    w = 1 / (se[disregard] ** 2 + result.tau2)  # the intercept is the weighted mean of its level
    assert result.estimate == pytest.approx(np.sum(w * y[disregard]) / w.sum(), abs=CLOSED_FORM_TOL)


def test_bad_input_is_named() -> None:
    with pytest.raises(ValueError, match="method must be one of 'reml', 'dl', 'pm', 'fe'; got 'ml'"):
        pool_effects([0.1, 0.2], [0.1, 0.1], method="ml")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="the standard error of 'Utrecht' is not positive"):
        pool_effects([0.1, 0.2], [0.1, 0.0], labels=["Tilburg", "Utrecht"])
    with pytest.raises(ValueError, match="the estimate of '2' is missing or not finite"):
        pool_effects([0.1, np.nan], [0.1, 0.1])
    with pytest.raises(ValueError, match="2 estimates cannot pool a model with 2 coefficients"):
        pool_effects([0.1, 0.2], [0.1, 0.1], moderators=np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="hksj_truncation truncates the HKSJ scale: it needs hksj=True"):
        pool_effects([0.1, 0.2], [0.1, 0.1], hksj_truncation=True)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.floats(-1, 1), st.floats(0.01, 1)), min_size=2, max_size=12),
    st.sampled_from(["reml", "dl", "pm", "fe"]),
)
def test_properties(rows: list[tuple[float, float]], method: str) -> None:
    y, se = (np.array(column) for column in zip(*rows))
    result = pool_effects(y, se, method=method)  # type: ignore[arg-type]
    assert result.tau2 >= 0.0
    assert 0.0 <= result.i2 < 100.0
    assert sum(result.weights) == pytest.approx(1.0)
    assert result.ci_low <= result.estimate <= result.ci_high
    assert result.prediction_low <= result.ci_low + 1e-12


def test_reml_converges_where_plain_fisher_scoring_oscillates(pymare_estimators) -> None:
    # Regression: plain Fisher scoring jumped between 0.14354 and 0.14366 for 200 steps here.
    y = np.array([0.0, 0.0, 0.0, 0.0, 1.0])
    se = np.array([1.0, 1.0, 1.0, 1.0, 0.25])
    estimator = pymare_estimators.VarianceBasedLikelihoodEstimator(method="REML", small_sample_correction="wald", xtol=1e-12)
    reference = _pymare(estimator, y, se)
    assert pool_effects(y, se, method="reml").tau2 == pytest.approx(reference["tau2"], abs=PYMARE_TOL)


SIX_SE = np.array([0.03, 0.035, 0.05, 0.06, 0.04, 0.045])


def test_hksj_truncation_never_narrower_than_fixed_effect():
    # Issue 11: six homogeneous municipalities got an HKSJ interval narrower than the fixed-effect
    # one, and identical estimates one of zero width; Knapp-Hartung's max(1, q) prevents both.
    for y in (np.full(6, 0.05), np.array([0.05, 0.051, 0.049, 0.05, 0.052, 0.05])):
        fixed = pool_effects(y, SIX_SE, method="fe")
        truncated = pool_effects(y, SIX_SE, hksj=True, hksj_truncation=True)
        assert truncated.ci_high - truncated.ci_low > fixed.ci_high - fixed.ci_low
        assert truncated.hksj_truncation and truncated.df == 5.0
    raw = pool_effects(np.array([0.05, 0.051, 0.049, 0.05, 0.052, 0.05]), SIX_SE, hksj=True)
    assert raw.ci_high - raw.ci_low < fixed.ci_high - fixed.ci_low
    # Identical estimates: the untruncated scale is 0, a zero standard error, so not a zero-width
    # interval but no interval at all (the one convention of proeftuin.analysis.inference).
    identical = pool_effects(np.full(6, 0.05), SIX_SE, hksj=True)
    assert np.isnan([identical.std_error, identical.ci_low, identical.ci_high, identical.p_value]).all()
    assert identical.notes == ("pooled effect not estimable: standard error is zero (no residual variation to test against)",)


def test_fixed_effect_with_hksj_warns_and_notes():
    with pytest.warns(UserWarning, match="HKSJ with a fixed-effect model"):
        result = pool_effects([0.1, 0.2, 0.15], [0.05, 0.05, 0.05], method="fe", hksj=True)
    assert any("fixed-effect" in note for note in result.notes)


@pytest.mark.parametrize("hksj", [False, True])
def test_single_estimate_is_passed_through_with_a_note(hksj):
    result = pool_effects([0.12], [0.04], labels=["Tilburg"], hksj=hksj, level=0.90)
    assert (result.k, result.estimate, result.std_error, result.weights) == (1, 0.12, 0.04, (1.0,))
    assert (result.ci_low, result.ci_high) == pytest.approx((0.12 - 1.6448536269514722 * 0.04, 0.12 + 1.6448536269514722 * 0.04))
    assert np.isnan([result.tau2, result.i2, result.q, result.prediction_low]).all()
    assert result.notes[-1].startswith("a single estimate")
    assert result.hksj is False


def test_default_level_is_the_one_default():
    from proeftuin.analysis.options import DEFAULT_LEVEL

    result = pool_effects([0.1, 0.2, 0.15], [0.05, 0.06, 0.05])
    assert result.level == DEFAULT_LEVEL == 0.90
