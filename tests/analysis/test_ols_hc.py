"""OLS effects with HC0-HC3 against statsmodels, with and without covariates and missing outcomes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.regression.linear_model import OLS

from proeftuin.analysis import estimate_effects

STATSMODELS_TOL = 1e-8
ARMS = np.array(["control", "exemption", "intensive", "disregard"])


def _data(rng: np.random.Generator, n: int = 240, m: int = 4, missing: float = 0.0):
    arm = ARMS[rng.integers(0, 4, n)]
    covariates = rng.normal(size=(n, 2))
    scale = 1.0 + (arm == "intensive")[:, None]  # heteroskedastic across arms
    outcomes = rng.normal(size=(n, m)) * scale + 0.3 * (arm == "exemption")[:, None] + covariates[:, :1]
    if missing:
        outcomes[rng.random((n, m)) < missing] = np.nan
    return outcomes, arm, covariates


def _reference(y, arm, covariates, vcov):
    observed = ~np.isnan(y)
    parts = [np.ones(len(arm))] + [(arm == a).astype(float) for a in ARMS[1:]]
    x = np.column_stack(parts + ([covariates] if covariates is not None else []))
    return OLS(y[observed], x[observed]).fit(cov_type=vcov, use_t=True)


@pytest.mark.parametrize("vcov", ["HC0", "HC1", "HC2", "HC3"])
@pytest.mark.parametrize("with_covariates", [False, True])
@pytest.mark.parametrize("missing", [0.0, 0.15])
def test_hc_matches_statsmodels(rng, vcov, with_covariates, missing):
    outcomes, arm, covariates = _data(rng, missing=missing)
    cov = covariates if with_covariates else None
    table = estimate_effects(outcomes, arm, control="control", covariates=cov, arms=list(ARMS), vcov=vcov)
    for j in range(outcomes.shape[1]):
        ref = _reference(outcomes[:, j], arm, cov, vcov)
        ci = ref.conf_int(alpha=0.10)
        for i, term in enumerate(ARMS[1:], start=1):
            effect = table.get(f"y{j}", term)
            assert effect.estimate == pytest.approx(ref.params[i], abs=STATSMODELS_TOL)
            assert effect.std_error == pytest.approx(ref.bse[i], abs=STATSMODELS_TOL)
            assert effect.statistic == pytest.approx(ref.tvalues[i], abs=STATSMODELS_TOL)
            assert effect.p_value == pytest.approx(ref.pvalues[i], abs=STATSMODELS_TOL)
            assert effect.ci_low == pytest.approx(ci[i, 0], abs=STATSMODELS_TOL)
            assert effect.ci_high == pytest.approx(ci[i, 1], abs=STATSMODELS_TOL)
            assert effect.df == ref.df_resid
            assert effect.n == int(ref.nobs)


def test_rows_and_frame_agree_with_columns(rng):
    outcomes, arm, covariates = _data(rng, missing=0.1)
    table = estimate_effects(outcomes, arm, control="control", covariates=covariates)
    frame = table.to_frame()
    assert len(frame) == len(table) == outcomes.shape[1] * 3
    assert frame["estimate"].tolist() == [e.estimate for e in table]
    assert frame["outcome"].tolist() == [e.outcome for e in table]


def test_chunked_streaming_equals_single_block(rng, monkeypatch):
    """Streaming rows in chunks must give the same numbers as one block."""
    from proeftuin.analysis import ols

    outcomes, arm, covariates = _data(rng, n=2000, missing=0.05)
    whole = estimate_effects(outcomes, arm, control="control", covariates=covariates)
    monkeypatch.setattr(ols, "_CHUNK_ELEMENTS", 64)
    chunked = estimate_effects(outcomes, arm, control="control", covariates=covariates)
    for a, b in zip(whole, chunked):
        assert a.estimate == pytest.approx(b.estimate, abs=1e-12)
        assert a.std_error == pytest.approx(b.std_error, abs=1e-12)
        assert a.control_mean == pytest.approx(b.control_mean, abs=1e-12)


def test_unknown_vcov_names_the_choices(rng):
    outcomes, arm, _ = _data(rng)
    with pytest.raises(ValueError, match="vcov must be one of 'HC0', 'HC1', 'HC2', 'HC3', 'CR0', 'CR1', 'CR2'; got 'HC4'"):
        estimate_effects(outcomes, arm, control="control", vcov="HC4")


def test_hc_with_clusters_is_refused(rng):
    outcomes, arm, _ = _data(rng)
    with pytest.raises(ValueError, match="clusters were given but vcov='HC2' ignores them"):
        estimate_effects(outcomes, arm, control="control", vcov="HC2", clusters=np.arange(len(arm)) // 4)


@pytest.mark.parametrize("vcov", ["HC2", "CR2"])
def test_outcomes_assumed_complete_give_the_numbers_of_the_checked_way(rng, monkeypatch, vcov):
    """Small data are fitted as if complete; a missing value met late (after the first chunk) sends
    them the checked way, with the same table as when the outcomes are searched first."""
    from proeftuin.analysis import ols

    outcomes, arm, covariates = _data(rng, n=2000, m=5)
    outcomes[-3:, 1] = np.nan  # in the last chunk only
    monkeypatch.setattr(ols, "_CHUNK_ELEMENTS", 64)  # chunks of 256 rows
    clusters = np.arange(len(arm)) // 3 if vcov == "CR2" else None
    fitted = [estimate_effects(outcomes[:, :m], arm, control="control", covariates=covariates, vcov=vcov,
                               clusters=clusters).to_frame() for m in (1, 5)]  # complete, then one column not
    monkeypatch.setattr(ols, "ASSUME_COMPLETE_CELLS", 0)
    checked = [estimate_effects(outcomes[:, :m], arm, control="control", covariates=covariates, vcov=vcov,
                                clusters=clusters).to_frame() for m in (1, 5)]
    for fast, slow in zip(fitted, checked):
        pd.testing.assert_frame_equal(fast, slow, check_exact=False, rtol=1e-12, atol=0)
    assert fitted[1]["n"].tolist()[3:6] == [1997] * 3


@pytest.mark.parametrize("row", [0, -1])
def test_an_infinite_outcome_is_an_error_wherever_it_is(rng, row):
    outcomes, arm, covariates = _data(rng, n=2000)
    outcomes[row, 2] = np.inf
    with pytest.raises(ValueError, match="outcome column 2 has an infinite value"):
        estimate_effects(outcomes, arm, control="control", covariates=covariates)


def _fresh(monkeypatch, *args, **kwargs):
    """The table of a fit with no design kept from an earlier fit."""
    from proeftuin.analysis import ols

    monkeypatch.setattr(ols, "_last_design", None)
    monkeypatch.setattr(ols, "_last_prepared", None)
    return estimate_effects(*args, **kwargs).to_frame()


@pytest.mark.parametrize("vcov", ["HC2", "HC3", "CR2"])
def test_a_design_kept_from_the_previous_fit_gives_the_same_table(rng, monkeypatch, vcov):
    """A second fit on the same arms and covariates reuses their design and decomposition: the table
    is the one of a first fit, also for other outcomes and another variance."""
    outcomes, arm, covariates = _data(rng, n=300, m=6)
    clusters = np.arange(len(arm)) // 3 if vcov == "CR2" else None
    first = _fresh(monkeypatch, outcomes, arm, control="control", covariates=covariates, vcov=vcov, clusters=clusters)
    again = estimate_effects(outcomes, arm, control="control", covariates=covariates, vcov=vcov, clusters=clusters)
    pd.testing.assert_frame_equal(again.to_frame(), first, check_exact=True)
    other = estimate_effects(outcomes[:, ::-1] * 2.0, arm.copy(), control="control", covariates=covariates.copy(), vcov=vcov,
                             clusters=clusters)
    pd.testing.assert_frame_equal(other.to_frame(), _fresh(monkeypatch, outcomes[:, ::-1] * 2.0, arm, control="control",
                                                           covariates=covariates, vcov=vcov, clusters=clusters), check_exact=True)


def test_labels_or_covariates_changed_in_place_get_a_new_design(rng, monkeypatch):
    """The kept design is keyed by the values of the labels and covariates (copied), not by the arrays."""
    outcomes, arm, covariates = _data(rng, n=300)
    for change in (lambda: arm.__setitem__(slice(0, 40), "control"), lambda: covariates.__setitem__((5, 1), 9.0)):
        estimate_effects(outcomes, arm, control="control", covariates=covariates)
        change()
        changed = estimate_effects(outcomes, arm, control="control", covariates=covariates).to_frame()
        pd.testing.assert_frame_equal(changed, _fresh(monkeypatch, outcomes, arm, control="control", covariates=covariates),
                                      check_exact=True)
    for control, arms in (("exemption", None), ("control", list(ARMS[::-1]))):
        table = estimate_effects(outcomes, arm, control=control, covariates=covariates, arms=arms).to_frame()
        pd.testing.assert_frame_equal(table, _fresh(monkeypatch, outcomes, arm, control=control, covariates=covariates,
                                                    arms=arms), check_exact=True)
    without = estimate_effects(outcomes, arm, control="control").to_frame()
    pd.testing.assert_frame_equal(without, _fresh(monkeypatch, outcomes, arm, control="control"), check_exact=True)
