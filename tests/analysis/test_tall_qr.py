"""CholeskyQR2 for large designs (issue 14): the same tables as Householder QR, to 1e-10, with HC and
CR variances, and Householder QR wherever the design is not well conditioned."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.regression.linear_model import OLS

from proeftuin.analysis import estimate_effects, ols
from proeftuin.analysis.tall_qr import tall_qr

SAME = 1e-10
ARMS = np.array(["control", "exemption", "intensive", "disregard"])
NUMBERS = ["estimate", "std_error", "statistic", "p_value", "ci_low", "ci_high", "df", "control_mean"]
LABELS = ["outcome", "term", "n", "n_arm", "n_control", "not_estimable", "note"]


def _data(rng, n=3000, m=6):
    arm = ARMS[rng.integers(0, 4, n)]
    covariates = rng.normal(size=(n, 4)) * [1.0, 30.0, 0.2, 1e3] + [0.0, 5.0, 1.0, 2e3]
    y = rng.normal(size=(n, m)) * (1 + (arm == "intensive"))[:, None] + covariates[:, :1] + rng.exponential(size=(n, 1))
    return y, arm, covariates


@pytest.mark.parametrize("vcov", ["HC1", "HC2", "HC3", "CR2"])
@pytest.mark.parametrize("lin", [False, True])
def test_cholesky_qr2_gives_the_tables_of_householder_qr(rng, monkeypatch, vcov, lin):
    y, arm, covariates = _data(rng)
    clusters = np.arange(len(arm)) // 3 if vcov == "CR2" else None
    run = lambda: estimate_effects(y, arm, control="control", covariates=covariates, vcov=vcov,  # noqa: E731
                                   clusters=clusters, lin=lin).to_frame()
    householder = run()
    monkeypatch.setattr(ols, "TALL_FROM_CELLS", 0)
    tall = run()
    pd.testing.assert_frame_equal(tall[LABELS], householder[LABELS])
    np.testing.assert_allclose(tall[NUMBERS].to_numpy(), householder[NUMBERS].to_numpy(), rtol=SAME, atol=0)


def test_cholesky_qr2_is_orthonormal_and_matches_statsmodels(rng, monkeypatch):
    y, arm, covariates = _data(rng, m=2)
    x = np.column_stack([np.ones(len(arm))] + [(arm == a).astype(float) for a in ARMS[1:]] + [covariates])
    factors = tall_qr(x)
    assert factors is not None
    q, r = factors
    np.testing.assert_allclose(q.T @ q, np.eye(x.shape[1]), atol=1e-13)
    np.testing.assert_allclose(q @ r, x, rtol=0, atol=1e-12 * np.abs(x).max())
    monkeypatch.setattr(ols, "TALL_FROM_CELLS", 0)
    table = estimate_effects(y, arm, control="control", covariates=covariates, vcov="HC2")
    for j in range(y.shape[1]):
        reference = OLS(y[:, j], x).fit(cov_type="HC2")
        for k, term in enumerate(ARMS[1:], start=1):
            effect = table.get(f"y{j}", term)
            np.testing.assert_allclose([effect.estimate, effect.std_error], [reference.params[k], reference.bse[k]], rtol=1e-9)


def test_designs_not_well_conditioned_are_left_to_householder_qr(rng, monkeypatch):
    y, arm, covariates = _data(rng, m=2)
    x = np.column_stack([np.ones(len(arm)), (arm == "exemption").astype(float), covariates])
    nearly = np.column_stack([x, x[:, 2] + 1e-4 * rng.normal(size=len(arm))])  # adds 1e-4 of its norm
    assert tall_qr(nearly) is None
    assert tall_qr(np.column_stack([x, x[:, 2]])) is None  # a repeated column
    assert tall_qr(np.column_stack([x, np.zeros(len(arm))])) is None
    assert tall_qr(x[:3]) is None  # no more rows than columns
    assert tall_qr(np.column_stack([x, np.full(len(arm), np.inf)])) is None
    # A covariate collinear with others is dropped with its note, exactly as by Householder QR.
    dependent = np.column_stack([covariates, covariates[:, 0] - covariates[:, 2]])
    run = lambda: estimate_effects(y, arm, control="control", covariates=dependent).to_frame()  # noqa: E731
    householder = run()
    monkeypatch.setattr(ols, "TALL_FROM_CELLS", 0)
    tall = run()
    assert tall["note"].str.contains("x4").all()
    pd.testing.assert_frame_equal(tall, householder)
