"""Cluster-robust variances in linear time: the sorted group-by of the scores and the low-rank CR2
adjustment give the same numbers as the direct formulas (issue 14, point 3)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from proeftuin.analysis import estimate_effects, ols
from proeftuin.analysis import vcov
from proeftuin.analysis.inference import NO_VARIATION, ZERO_STANDARD_ERROR
from proeftuin.analysis.vcov import Clusters, cr2_adjust

SAME = 1e-10
ARMS = np.array(["control", "exemption", "intensive"])


def full_eigen_cr2_adjust(a: np.ndarray, q: np.ndarray, clusters: Clusters) -> np.ndarray:
    """The previous implementation: each cluster's full ``s x s`` block ``I - Q_g Q_g'``
    eigen-decomposed, eigenvalues below 1e-12 treated as zero (pseudo-inverse square root)."""
    adjusted = np.empty_like(a)
    for g in range(clusters.count):
        idx = np.flatnonzero(clusters.codes == g)
        values, vectors = np.linalg.eigh(np.eye(idx.size) - q[idx] @ q[idx].T)
        inv = np.where(values > 1e-12, 1.0 / np.sqrt(np.where(values > 1e-12, values, 1.0)), 0.0)
        adjusted[:, idx] = a[:, idx] @ (vectors * inv) @ vectors.T
    return adjusted


def _design(rng, sizes, p_extra=2):
    labels = np.repeat(np.arange(sizes.size), sizes)
    rng.shuffle(labels)
    n = labels.size
    x = np.column_stack([np.ones(n), rng.integers(0, 2, n), rng.normal(size=(n, p_extra))])
    return x, Clusters.from_labels(labels)


@pytest.mark.parametrize("sizes", [
    np.array([1, 2, 3, 4] * 20),              # households: s <= p, one batched s x s decomposition
    np.array([40, 55, 70, 90, 120, 31, 8]),    # large unequal clusters: s > p, p x p decompositions
    np.array([1, 1, 2, 3, 4, 5, 6, 7, 30]),     # both regimes at once
])
def test_low_rank_cr2_adjustment_equals_the_full_eigen_decomposition(rng, sizes):
    x, clusters = _design(rng, sizes)
    q, r = np.linalg.qr(x)
    a = np.linalg.solve(r, q.T)
    np.testing.assert_allclose(cr2_adjust(a, q, clusters), full_eigen_cr2_adjust(a, q, clusters), rtol=0, atol=SAME * np.abs(a).max())


def test_low_rank_cr2_adjustment_takes_the_pseudo_inverse_where_a_cluster_has_leverage_one(rng):
    # A covariate that is nonzero in one large cluster only: that cluster has H_gg with an
    # eigenvalue 1 (I - H_gg singular), in both the s <= p and the s > p regimes.
    for big in (3, 25):
        sizes = np.array([big] + [2, 3, 4] * 15)
        labels = np.repeat(np.arange(sizes.size), sizes)
        n = labels.size
        x = np.column_stack([np.ones(n), rng.integers(0, 2, n), rng.normal(size=n), np.where(labels == 0, rng.normal(size=n), 0.0)])
        clusters = Clusters.from_labels(labels)
        q, r = np.linalg.qr(x)
        a = np.linalg.solve(r, q.T)
        np.testing.assert_allclose(cr2_adjust(a, q, clusters), full_eigen_cr2_adjust(a, q, clusters), rtol=0, atol=SAME * np.abs(a).max())


@pytest.mark.parametrize("vcov", ["CR0", "CR1", "CR2"])
@pytest.mark.parametrize("shuffled", [False, True])
def test_scores_summed_per_cluster_across_chunk_boundaries_equal_one_block(rng, monkeypatch, vcov, shuffled):
    sizes = rng.integers(1, 40, 60)
    clusters = np.repeat(np.arange(sizes.size), sizes)
    if shuffled:
        rng.shuffle(clusters)
    n = clusters.size
    arm = ARMS[rng.integers(0, 3, n)]
    outcomes = rng.normal(size=(n, 4)) + rng.normal(size=sizes.size)[clusters][:, None]
    outcomes[rng.random(outcomes.shape) < 0.05] = np.nan
    covariates = rng.normal(size=(n, 2))
    run = lambda: estimate_effects(outcomes, arm, control="control", covariates=covariates, vcov=vcov, clusters=clusters)  # noqa: E731
    whole = run()
    monkeypatch.setattr(ols, "_CHUNK_ELEMENTS", 1)  # chunks of 256 rows: clusters cut at every boundary
    chunked = run()
    numbers = ["estimate", "std_error", "df"]
    np.testing.assert_allclose(chunked.to_frame()[numbers].to_numpy(), whole.to_frame()[numbers].to_numpy(), rtol=SAME)


@pytest.mark.parametrize("sizes", [
    np.array([1, 2, 3, 4] * 12),        # households: every cluster in the s <= p regime
    np.array([1, 2, 3, 4] * 6 + [25, 40]),  # with two large clusters in the s > p regime
])
def test_cr2_and_its_df_match_clubsandwich(rng, tmp_path, sizes):
    from tests.analysis.rscript import run_r

    cluster = np.repeat(np.arange(sizes.size), sizes)
    n = cluster.size
    arm = ARMS[rng.integers(0, 3, sizes.size)][cluster]
    x1 = rng.normal(size=n)
    y = 0.4 * (arm == "exemption") + 0.5 * x1 + rng.normal(size=sizes.size)[cluster] + rng.normal(size=n)
    data = pd.DataFrame({"arm": arm, "y": y, "x1": x1, "cl": cluster})
    out = run_r(
        "f <- lm(y ~ factor(arm, levels = c('control', 'exemption', 'intensive')) + x1, data = d)\n"
        "t <- coef_test(f, vcov = 'CR2', cluster = d$cl, test = 'Satterthwaite')\n"
        "out <- list(se = unname(t$SE[2:3]), df = unname(t$df_Satt[2:3]))",
        data, tmp_path, "clubSandwich",
    )
    table = estimate_effects(y, arm, control="control", covariates=x1[:, None], clusters=cluster)
    np.testing.assert_allclose([e.std_error for e in table], out["se"], rtol=1e-8)
    np.testing.assert_allclose([e.df for e in table], out["df"], rtol=1e-6)


def test_closed_form_two_by_two_eigen_decomposition_equals_lapack(rng):
    random = rng.normal(size=(200, 2, 2))
    h = np.concatenate([
        random @ random.transpose(0, 2, 1) / 4,          # generic positive semi-definite blocks
        [[[0.3, 0.0], [0.0, 0.7]], [[0.7, 0.0], [0.0, 0.3]]],  # diagonal, either order
        [[[0.4, 0.0], [0.0, 0.4]], [[0.0, 0.0], [0.0, 0.0]]],  # repeated eigenvalues
        [[[0.5, 0.5], [0.5, 0.5]], [[0.3, 0.3], [0.3, 0.3]]],  # identical rows: rank 1 (leverage one, then below)
        [[[1.0 - 1e-13, 1e-7], [1e-7, 0.2]]],             # an eigenvalue 1 up to round-off
    ])
    values, vectors = vcov._eigh_2x2(h)
    expected, _ = np.linalg.eigh(h)
    np.testing.assert_allclose(values, expected, rtol=0, atol=1e-15)
    np.testing.assert_allclose(vectors.transpose(0, 2, 1) @ vectors, np.broadcast_to(np.eye(2), h.shape), rtol=0, atol=1e-15)
    np.testing.assert_allclose((vectors * values[:, None, :]) @ vectors.transpose(0, 2, 1), h, rtol=0, atol=1e-15)


def _dense_cr2(x: np.ndarray, y: np.ndarray, labels: np.ndarray, term: int) -> tuple[float, float]:
    """CR2 standard error and Pustejovsky-Tipton degrees of freedom of coefficient ``term`` from
    the ``n x n`` matrices themselves: full eigen-decompositions and the ``G x G`` matrix Omega."""
    q, r = np.linalg.qr(x)
    a = np.linalg.solve(r, q.T)
    clusters = Clusters.from_labels(labels)
    adjusted = full_eigen_cr2_adjust(a, q, clusters)[term]
    free = np.eye(x.shape[0]) - q @ q.T
    resid = free @ y
    members = [np.flatnonzero(clusters.codes == g) for g in range(clusters.count)]
    variance = sum((adjusted[idx] @ resid[idx]) ** 2 for idx in members)
    t = np.column_stack([free[:, idx] @ adjusted[idx] for idx in members])
    omega = t.T @ t
    return float(np.sqrt(variance)), float(np.trace(omega) ** 2 / np.sum(omega**2))


def test_cr2_of_singletons_and_pairs_with_degenerate_blocks_equals_the_dense_formulas(rng):
    # Clusters of one and two rows take closed forms; among them a pair with identical rows, a
    # singleton with leverage one and a pair whose block has an eigenvalue one (pseudo-inverses).
    sizes = np.array([1, 2] * 25 + [3, 4] * 5)
    labels = np.repeat(np.arange(sizes.size), sizes)
    n = labels.size
    arm = ARMS[rng.integers(0, 3, sizes.size)][labels]
    x1 = rng.normal(size=n)
    x1[2] = x1[1]  # cluster 1 (rows 1, 2): identical rows
    arm[2] = arm[1]
    only_one = np.where(np.arange(n) == 0, 1.0, 0.0)  # nonzero on the singleton row 0 alone: leverage 1
    pair = np.isin(np.arange(n), [4, 5]) * rng.normal(size=n)  # nonzero on cluster 3 (rows 4, 5) alone
    covariates = np.column_stack([x1, only_one, pair])
    y = rng.normal(size=(n, 2)) + rng.normal(size=sizes.size)[labels][:, None]
    y[:, 1] = (arm == "exemption") + 2.0 * x1 + 3.0 * only_one  # an exact fit: no standard error
    table = estimate_effects(y, arm, control="control", covariates=covariates, clusters=labels, vcov="CR2")
    x = np.column_stack([np.ones(n), arm == "exemption", arm == "intensive", covariates]).astype(float)
    for effect in table:
        if effect.outcome == "y0":
            se, df = _dense_cr2(x, y[:, 0], labels, 1 + list(ARMS[1:]).index(effect.term))
            np.testing.assert_allclose([effect.std_error, effect.df], [se, df], rtol=SAME)
            assert not effect.not_estimable
        else:
            assert effect.not_estimable == ZERO_STANDARD_ERROR


def test_cr2_adjustment_and_df_in_batches_of_clusters_equal_one_batch(rng, monkeypatch):
    x, clusters = _design(rng, np.array([1, 2, 3, 4] * 15 + [30, 45]))
    q, r = np.linalg.qr(x)
    a = np.linalg.solve(r, q.T)
    whole = vcov.cr2_adjust_and_df(a, q, clusters)
    monkeypatch.setattr(vcov, "_BATCH_ROWS", 5)  # batches of one to five clusters; a large cluster alone
    batched = vcov.cr2_adjust_and_df(a, q, clusters)
    np.testing.assert_allclose(batched[0], whole[0], rtol=0, atol=SAME * np.abs(a).max())
    np.testing.assert_allclose(batched[1], whole[1], rtol=SAME)


@pytest.mark.parametrize("vcov", ["CR0", "CR1", "CR2"])
def test_cluster_robust_reasons_from_the_residual_screen_equal_the_exact_tests(rng, vcov):
    # The spread of each outcome is bounded from the cluster pass's residual sum of squares
    # (ols._screen_spread); the columns it cannot clear are read again for their exact spread.
    sizes = rng.integers(1, 5, 80)
    clusters = np.repeat(np.arange(sizes.size), sizes)
    n = clusters.size
    arm = ARMS[rng.integers(0, 3, sizes.size)][clusters]
    x1 = rng.normal(size=n)
    y = np.column_stack([
        rng.normal(size=n),                          # estimable
        np.full(n, 7.0),                             # constant
        3.0 + 1e-13 * rng.random(n),                 # constant up to round-off
        1e6 + 2.0 * (arm == "exemption") + x1,       # an exact fit: no residual variation
    ])
    table = estimate_effects(y, arm, control="control", covariates=x1[:, None], clusters=clusters, vcov=vcov)
    reasons = {outcome: {e.not_estimable for e in table if e.outcome == outcome} for outcome in ("y0", "y1", "y2", "y3")}
    assert reasons == {"y0": {None}, "y1": {NO_VARIATION}, "y2": {NO_VARIATION}, "y3": {ZERO_STANDARD_ERROR}}
