"""Cluster-robust variances: CR1 against statsmodels, CR2 against a plain NumPy implementation
written from Bell-McCaffrey (2002) and Pustejovsky-Tipton (2018), n x n matrices and all."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.regression.linear_model import OLS
from scipy import stats

from proeftuin.analysis import estimate_effects

STATSMODELS_TOL = 1e-8
CR2_TOL = 1e-9
DF_TOL = 1e-7
ARMS = np.array(["control", "exemption", "intensive"])


def _clustered(rng: np.random.Generator, n_clusters: int = 30, missing: float = 0.0):
    sizes = rng.integers(1, 7, n_clusters)  # households of 1 to 6
    clusters = np.repeat(np.arange(n_clusters), sizes)
    arm = ARMS[rng.integers(0, 3, n_clusters)][clusters]  # assigned per household
    n = clusters.size
    covariates = rng.normal(size=(n, 2))
    shock = rng.normal(size=n_clusters)[clusters]
    outcomes = rng.normal(size=(n, 3)) + shock[:, None] + 0.4 * (arm == "exemption")[:, None]
    if missing:
        outcomes[rng.random(outcomes.shape) < missing] = np.nan
    return outcomes, arm, covariates, clusters


def _design(arm, covariates):
    return np.column_stack([np.ones(len(arm))] + [(arm == a).astype(float) for a in ARMS[1:]] + [covariates])


def _inverse_sqrt_psd(matrix: np.ndarray) -> np.ndarray:
    values, vectors = np.linalg.eigh(matrix)
    inv = np.array([1 / np.sqrt(v) if v > 1e-12 else 0.0 for v in values])
    return vectors @ np.diag(inv) @ vectors.T


def cr2_reference(y: np.ndarray, x: np.ndarray, clusters: np.ndarray, coefficient: int) -> tuple[float, float, float]:
    """CR2 estimate, standard error and Pustejovsky-Tipton df, straight from the papers.

    V = M sum_g X_g' A_g e_g e_g' A_g X_g M with M = (X'X)^{-1}, A_g = (I - H_gg)^{-1/2}.
    df: with G_g = c' M X_g' A_g (I - H)_{g,.}, nu = (sum_g G_g G_g')^2 / sum_{g,h} (G_g G_h')^2.
    """
    n = len(y)
    bread = np.linalg.inv(x.T @ x)
    hat = x @ bread @ x.T
    beta = bread @ x.T @ y
    e = y - x @ beta
    meat = np.zeros((x.shape[1], x.shape[1]))
    rows_g = []
    c = np.zeros(x.shape[1])
    c[coefficient] = 1.0
    residual_maker = np.eye(n) - hat
    for g in np.unique(clusters):
        idx = np.flatnonzero(clusters == g)
        adjust = _inverse_sqrt_psd(np.eye(idx.size) - hat[np.ix_(idx, idx)])
        score = x[idx].T @ adjust @ e[idx]
        meat += np.outer(score, score)
        rows_g.append(c @ bread @ x[idx].T @ adjust @ residual_maker[idx, :])
    vcov = bread @ meat @ bread
    g_mat = np.array(rows_g)
    omega = g_mat @ g_mat.T
    df = np.trace(omega) ** 2 / np.sum(omega**2)
    return beta[coefficient], np.sqrt(vcov[coefficient, coefficient]), df


@pytest.mark.parametrize("missing", [0.0, 0.1])
def test_cr1_matches_statsmodels(rng, missing):
    outcomes, arm, covariates, clusters = _clustered(rng, missing=missing)
    table = estimate_effects(outcomes, arm, control="control", covariates=covariates, vcov="CR1", clusters=clusters)
    x = _design(arm, covariates)
    for j in range(outcomes.shape[1]):
        ok = ~np.isnan(outcomes[:, j])
        ref = OLS(outcomes[ok, j], x[ok]).fit(cov_type="cluster", cov_kwds={"groups": clusters[ok]}, use_t=True)
        ci = ref.conf_int(alpha=0.10)
        n_clusters = np.unique(clusters[ok]).size
        for i, term in enumerate(ARMS[1:], start=1):
            effect = table.get(f"y{j}", term)
            assert effect.estimate == pytest.approx(ref.params[i], abs=STATSMODELS_TOL)
            assert effect.std_error == pytest.approx(ref.bse[i], abs=STATSMODELS_TOL)
            assert effect.p_value == pytest.approx(ref.pvalues[i], abs=STATSMODELS_TOL)
            assert effect.ci_low == pytest.approx(ci[i, 0], abs=STATSMODELS_TOL)
            assert effect.ci_high == pytest.approx(ci[i, 1], abs=STATSMODELS_TOL)
            assert effect.df == n_clusters - 1


@pytest.mark.parametrize("missing", [0.0, 0.1])
def test_cr2_matches_the_papers(rng, missing):
    outcomes, arm, covariates, clusters = _clustered(rng, missing=missing)
    table = estimate_effects(outcomes, arm, control="control", covariates=covariates, vcov="CR2", clusters=clusters)
    x = _design(arm, covariates)
    for j in range(outcomes.shape[1]):
        ok = ~np.isnan(outcomes[:, j])
        for i, term in enumerate(ARMS[1:], start=1):
            estimate, std_error, df = cr2_reference(outcomes[ok, j], x[ok], clusters[ok], i)
            effect = table.get(f"y{j}", term)
            assert effect.estimate == pytest.approx(estimate, abs=CR2_TOL)
            assert effect.std_error == pytest.approx(std_error, abs=CR2_TOL)
            assert effect.df == pytest.approx(df, abs=DF_TOL)
            crit = stats.t.ppf(0.95, df)
            assert effect.ci_high == pytest.approx(estimate + crit * std_error, abs=CR2_TOL)


def test_cr2_with_singleton_clusters_is_hc2(rng):
    """Every cluster a single person: CR2 reduces to HC2 (same weights 1/(1-h_ii))."""
    outcomes, arm, covariates, _ = _clustered(rng)
    hc2 = estimate_effects(outcomes, arm, control="control", covariates=covariates, vcov="HC2")
    cr2 = estimate_effects(outcomes, arm, control="control", covariates=covariates, vcov="CR2", clusters=np.arange(len(arm)))
    for a, b in zip(hc2, cr2):
        assert a.std_error == pytest.approx(b.std_error, abs=CR2_TOL)


def test_cluster_vcov_needs_clusters(rng):
    outcomes, arm, covariates, _ = _clustered(rng)
    with pytest.raises(ValueError, match="vcov='CR2' is cluster-robust: pass clusters="):
        estimate_effects(outcomes, arm, control="control", vcov="CR2")
