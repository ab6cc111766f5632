"""OLS intent-to-treat effects by sufficient statistics computed in the engine.

The model is the in-memory engine's (:func:`proeftuin.analysis.estimate_effects`) with stratum
fixed effects::

    y_i = a + sum_k b_k D_ik + sum_s c_s S_is + e_i

Every regressor is an indicator of the design cell ``c = (arm, stratum)``, so the row ``x_c`` of
the design matrix is the same for every person in a cell. The cell aggregates ``n_c``, the
mean ``ybar_c`` and the (population) variance ``v_c`` of each outcome are therefore sufficient:

* ``X'X = sum_c n_c x_c x_c'`` and ``X'y = sum_c n_c ybar_c x_c`` (one pass over the rows;
  a grouped aggregation with one count, mean and variance per outcome);
* the leverage ``h_c = x_c' (X'X)^{-1} x_c``, the coefficient row ``a_c = (X'X)^{-1} x_c`` and
  the fit ``x_c' b`` are constant within a cell, and the residual sum of squares of a cell is
  ``n_c v_c + n_c (ybar_c - x_c' b)^2`` exactly, so HC0-HC3
  (``V = sum_i a_i^2 w_i e_i^2``, MacKinnon and White 1985) are sums over cells;
* CR1 and CR2 (Bell and McCaffrey 2002, Pustejovsky and Tipton 2018 degrees of freedom) need
  the residual sums ``sum_{i in g,c} e_i = s_gc - n_gc x_c' b`` of each cluster-cell: a second
  grouped pass by (cluster, arm, stratum). For CR2 the cluster block ``I - H_gg`` acts on the
  span of the cluster's cell indicators as the ``r x r`` matrix ``I - N^{1/2} X_c (X'X)^{-1}
  X_c' N^{1/2}`` (``N`` the cluster's cell counts) and as the identity on its complement, so the
  Bell-McCaffrey adjustment is an ``r x r`` inverse square root per cluster (a grouped map,
  batched over clusters with the same number of cells) — exact, not an approximation.

The variance (mean of squares minus square of the mean, computed by the engines' stable
``var_pop``) keeps the residual sums free of the cancellation a raw sum of squares would suffer.
Missing outcome values (``NULL``) leave that outcome only, as in memory: counts, means and
variances are per outcome. Results equal the in-memory engine to 1e-9 (tests on DuckDB and
Spark). Why not a library: no engine offers robust OLS; the formulas are the in-memory
engine's, regrouped by design cell.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import numpy as np
import pandas as pd

from proeftuin.analysis import DEFAULT_LEVEL, EffectTable, VcovType
from proeftuin.analysis.options import check_level, check_option
from proeftuin.analysis.inference import (
    LEVERAGE_ONE,
    NO_OBSERVATIONS_ARM,
    NO_OBSERVATIONS_CONTROL,
    NO_VARIATION,
    NO_VARIATION_RTOL,
    TOO_FEW_CLUSTERS,
    TOO_FEW_OBSERVATIONS,
    ZERO_STANDARD_ERROR,
)
from proeftuin.analysis.results import EffectColumns

_RANK_TOLERANCE = 1e-10
_LEVERAGE_ONE = 1.0 - 1e-10
_NO_INFLUENCE = 1e-8
_EIGEN_ZERO = 1e-12
_ARM, _STRATUM, _CLUSTER = "__arm", "__stratum", "__cluster"


def _n(j: int) -> str:
    return f"__n{j}"


def _mean(j: int) -> str:
    return f"__m{j}"


def _var(j: int) -> str:
    return f"__v{j}"


def _sum(j: int) -> str:
    return f"__s{j}"


def cell_statistics(table: ibis.Table, outcomes: Sequence[str], arm: str, strata: str | None) -> pd.DataFrame:
    """Pass 1: per (arm, stratum) cell, each outcome's count of non-missing values, mean and variance."""
    keys = {_ARM: table[arm].cast("string"), _STRATUM: table[strata].cast("string") if strata else ibis.literal("")}
    grouped = table.mutate(**keys)
    metrics = {}
    for j, name in enumerate(outcomes):
        y = grouped[name].cast("float64")
        metrics[_n(j)] = y.count()
        metrics[_mean(j)] = y.mean()
        metrics[_var(j)] = y.var(how="pop")
        metrics[f"__lo{j}"] = y.min()
        metrics[f"__hi{j}"] = y.max()
    return grouped.group_by([_ARM, _STRATUM]).aggregate(**metrics).to_pandas()


def cluster_cell_sums(table: ibis.Table, outcomes: Sequence[str], arm: str, strata: str | None, cluster: str) -> pd.DataFrame:
    """Pass 2 (clustered variances): per (cluster, arm, stratum), each outcome's count and sum."""
    keys = {
        _CLUSTER: table[cluster].cast("string"),
        _ARM: table[arm].cast("string"),
        _STRATUM: table[strata].cast("string") if strata else ibis.literal(""),
    }
    grouped = table.mutate(**keys)
    metrics = {}
    for j, name in enumerate(outcomes):
        y = grouped[name].cast("float64")
        metrics[_n(j)] = y.count()
        metrics[_sum(j)] = y.sum()
    return grouped.group_by([_CLUSTER, _ARM, _STRATUM]).aggregate(**metrics).to_pandas()


class _Design:
    """The design rows ``x_c`` of the cells: ``[1, arm indicators, stratum indicators but the first]``."""

    def __init__(self, arms: pd.Series, strata: pd.Series, treatments: Sequence[str], levels: Sequence[str]) -> None:
        self.treatments, self.levels = tuple(treatments), tuple(levels)
        arm_part = np.column_stack([(arms.to_numpy() == t).astype(float) for t in treatments])
        stratum_part = np.column_stack([(strata.to_numpy() == s).astype(float) for s in levels[1:]]) if len(levels) > 1 else np.empty((len(arms), 0))
        self.x = np.column_stack([np.ones(len(arms)), arm_part, stratum_part])


def _hc_weights(leverage: np.ndarray, n: int, p: int, vcov: str) -> np.ndarray:
    """HC0-HC3 weights per cell, as :func:`proeftuin.analysis.vcov.hc_weights` per observation."""
    if vcov == "HC0":
        return np.ones_like(leverage)
    if vcov == "HC1":
        return np.full_like(leverage, n / (n - p))
    safe = np.where(leverage > _LEVERAGE_ONE, 0.0, leverage)  # leverage-1 cells: see the caller
    return 1.0 / (1.0 - safe) if vcov == "HC2" else 1.0 / (1.0 - safe) ** 2


def _cluster_scores(
    frame: pd.DataFrame, cell_index: np.ndarray, x: np.ndarray, xtx_inv: np.ndarray, a: np.ndarray, fit: np.ndarray,
    vcov: str,
) -> tuple[np.ndarray, np.ndarray | None, int]:
    """``(terms, G)`` cluster scores ``sum_{i in g} a~_i e_i`` and, for CR2, the degrees of freedom.

    ``frame`` holds the cluster-cell rows of one outcome (``count``, ``total``, ``cluster`` code);
    ``cell_index`` maps them to cells. CR2 adjusts within each cluster in the span of its cells
    (module docstring), clusters with the same number of cells in one batched eigen-decomposition.
    """
    codes, count_g = pd.factorize(frame["cluster"], sort=True)
    g_total = len(count_g)
    n_gc = frame["count"].to_numpy(dtype=float)
    resid = frame["total"].to_numpy(dtype=float) - n_gc * fit[cell_index]  # (rows,)
    terms = a.shape[0]
    if vcov in ("CR0", "CR1"):
        scores = np.zeros((terms, g_total))
        for t in range(terms):
            np.add.at(scores[t], codes, a[t, cell_index] * resid)
        return scores, None, g_total
    order = np.argsort(codes, kind="stable")
    sizes = np.bincount(codes, minlength=g_total)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    scores = np.zeros((terms, g_total))
    d = np.zeros((terms, g_total))
    w = np.zeros((terms, g_total, x.shape[1]))
    for size in np.unique(sizes):
        which = np.flatnonzero(sizes == size)
        idx = order[starts[which][:, None] + np.arange(size)[None, :]]  # (G_r, r) rows of the frame
        cells = cell_index[idx]
        root_n = np.sqrt(n_gc[idx])  # (G_r, r)
        xc = x[cells]  # (G_r, r, p)
        k = root_n[:, :, None] * (xc @ xtx_inv @ xc.transpose(0, 2, 1)) * root_n[:, None, :]
        values, vectors = np.linalg.eigh(np.eye(size)[None] - k)
        safe = np.where(values > _EIGEN_ZERO, values, 1.0)
        inv_sqrt = np.where(values > _EIGEN_ZERO, 1.0 / np.sqrt(safe), 0.0)
        root = (vectors * inv_sqrt[:, None, :]) @ vectors.transpose(0, 2, 1)  # (G_r, r, r)
        e_scaled = resid[idx] / root_n  # N^{-1/2} U'e
        for t in range(terms):
            adjusted = np.einsum("grs,gs->gr", root, root_n * a[t, cells])  # (I-K)^{-1/2} N^{1/2} a
            scores[t, which] = np.einsum("gr,gr->g", adjusted, e_scaled)
            d[t, which] = np.einsum("gr,gr->g", adjusted, adjusted)
            w[t, which] = np.einsum("grp,gr->gp", xc, root_n * adjusted)  # X_g' a~_g
    df = np.empty(terms)
    for t in range(terms):
        ws = w[t] @ xtx_inv
        inner = np.einsum("gp,gp->g", ws, w[t])
        sc = xtx_inv @ (w[t].T @ w[t])
        trace = d[t].sum() - inner.sum()
        frob = (d[t] ** 2).sum() - 2.0 * (d[t] * inner).sum() + np.einsum("ij,ji->", sc, sc)
        df[t] = trace**2 / frob
    return scores, df, g_total


def estimate_effects_engine(
    table: ibis.Table,
    *,
    outcomes: Sequence[str],
    arm: str,
    control: str,
    strata: str | None = None,
    cluster: str | None = None,
    vcov: VcovType | None = None,
    level: float = DEFAULT_LEVEL,
) -> EffectTable:
    """Effects of every arm against ``control`` on every outcome of ``table``, run by its engine.

    The same estimates, standard errors, degrees of freedom and counts as
    :func:`proeftuin.analysis.estimate_effects` with stratum fixed effects (one indicator per
    stratum but the first) for ``strata``; ``vcov`` HC0-HC3 (default HC2) or, with ``cluster``,
    CR1/CR2 (default CR2). Two grouped passes over the data at most; memory is that of the
    design cells (and, with clusters, of the cluster-cell sums).
    """
    if vcov is None:
        vcov = "CR2" if cluster is not None else "HC2"
    check_option("vcov", vcov, VcovType)
    if vcov.startswith("CR") and cluster is None:
        raise ValueError(f"vcov={vcov!r} is cluster-robust: name the cluster column")
    if vcov.startswith("HC") and cluster is not None:
        raise ValueError(f"a cluster column was given but vcov={vcov!r} ignores it; use CR1 or CR2")
    check_level(level)
    names = list(outcomes)
    if not names:
        raise ValueError("name at least one outcome column")
    cells = cell_statistics(table, names, arm, strata)
    if cells[_ARM].isna().any():
        raise ValueError(f"column {arm}: a missing arm value")
    if strata and cells[_STRATUM].isna().any():
        raise ValueError(f"column {strata}: a missing stratum value")
    labels = sorted(set(cells[_ARM]))
    if control not in labels:
        raise ValueError(f"column {arm}: the control value {control!r} does not occur (values: {', '.join(labels)})")
    treatments = [a for a in labels if a != control]
    if not treatments:
        raise ValueError(f"column {arm}: only the control value {control!r} occurs; there is no arm to compare")
    design = _Design(cells[_ARM], cells[_STRATUM], treatments, sorted(set(cells[_STRATUM])))
    k, p = len(treatments), design.x.shape[1]
    is_control = (cells[_ARM] == control).to_numpy()
    arm_of_cell = cells[_ARM].to_numpy()
    sums = None
    if cluster is not None:
        sums = cluster_cell_sums(table, names, arm, strata, cluster)
        if sums[_CLUSTER].isna().any():
            raise ValueError(f"column {cluster}: a missing cluster value")
        lookup = {key: i for i, key in enumerate(zip(cells[_ARM], cells[_STRATUM]))}
        sums_cell = np.array([lookup[key] for key in zip(sums[_ARM], sums[_STRATUM])], dtype=int)

    shape = (len(names), k)
    estimate, variance, df = np.full(shape, np.nan), np.full(shape, np.nan), np.full(shape, np.nan)
    n_used, n_arm, n_control = (np.zeros(shape, dtype=int) for _ in range(3))
    control_mean = np.full(shape, np.nan)
    reasons = np.full(shape, "", dtype=object)
    notes = np.full(shape, "", dtype=object)
    for j, name in enumerate(names):
        n_c = cells[_n(j)].to_numpy(dtype=float)
        if n_c.sum() == 0:
            raise ValueError(f"column {name}: every value is missing")
        mean_c = np.nan_to_num(cells[_mean(j)].to_numpy(dtype=float))
        var_c = np.nan_to_num(cells[_var(j)].to_numpy(dtype=float))
        counts = np.array([n_c[arm_of_cell == t].sum() for t in treatments]).astype(int)
        controls = int(n_c[is_control].sum())
        n = int(n_c.sum())
        n_used[j], n_arm[j], n_control[j] = n, counts, controls
        present = np.flatnonzero(counts > 0)
        reasons[j, counts == 0] = NO_OBSERVATIONS_ARM
        if controls == 0:
            reasons[j] = NO_OBSERVATIONS_CONTROL
            continue
        control_mean[j] = (n_c[is_control] * mean_c[is_control]).sum() / controls
        if present.size == 0:
            continue
        # Arms without observations leave the model (as in memory); so do strata without any
        # observation of this outcome (an all-zero indicator: R's lm drops it as collinear).
        strata_kept = [c for c in range(1 + k, p) if (n_c * design.x[:, c]).sum() > 0]
        keep = np.r_[0, 1 + present, strata_kept].astype(int)
        x = design.x[:, keep]
        if len(strata_kept) < p - 1 - k:
            dropped = [design.levels[1 + c - (1 + k)] for c in range(1 + k, p) if c not in strata_kept]
            notes[j] = f"dropped as constant or collinear (as R's lm): {', '.join(dropped)}"
        terms = list(range(1, 1 + present.size))
        q_all = x.shape[1]
        if n <= q_all:
            reasons[j, present] = TOO_FEW_OBSERVATIONS
            continue
        _, r = np.linalg.qr(np.sqrt(n_c)[:, None] * x)
        diag = np.abs(np.diag(r))
        if diag.min() <= _RANK_TOLERANCE * diag.max():
            raise ValueError(f"outcome {name!r}: the design matrix is rank deficient")
        r_inv = np.linalg.solve(r, np.eye(q_all))
        xtx_inv = r_inv @ r_inv.T
        coef = xtx_inv @ (x.T @ (n_c * mean_c))
        a = (x @ xtx_inv)[:, terms].T  # (terms, cells): the coefficient rows a_c
        fit = x @ coef
        if vcov.startswith("HC"):
            leverage = np.einsum("cp,pq,cq->c", x, xtx_inv, x)
            observed = n_c > 0
            one = observed & (leverage > _LEVERAGE_ONE)
            if vcov in ("HC2", "HC3") and one.any():
                influenced = np.abs(a[:, one]).max(axis=1) > _NO_INFLUENCE * np.abs(a).max(axis=1)
                reasons[j, present[influenced]] = LEVERAGE_ONE.format(vcov=vcov)
                observed &= ~one  # no influence on the other terms: left out of their variance
            weights = _hc_weights(leverage[observed], n, q_all, vcov)
            ssr = n_c * var_c + n_c * (mean_c - fit) ** 2
            variance[j, present] = (a[:, observed] ** 2 * weights * ssr[observed]).sum(axis=1)
            df[j, present] = float(n - q_all)
        else:
            assert sums is not None
            observed = sums[_n(j)].to_numpy() > 0
            frame = pd.DataFrame({
                "cluster": sums[_CLUSTER].to_numpy()[observed],
                "count": sums[_n(j)].to_numpy()[observed],
                "total": sums[_sum(j)].to_numpy(dtype=float)[observed],
            })
            scores, cr2_df, g = _cluster_scores(frame, sums_cell[observed], x, xtx_inv, a, fit, vcov)
            if g < 2:
                reasons[j, present] = TOO_FEW_CLUSTERS
                continue
            variance[j, present] = (scores**2).sum(axis=1)
            if vcov == "CR1":
                variance[j, present] *= g / (g - 1) * (n - 1) / (n - q_all)
            df[j, present] = cr2_df if vcov == "CR2" else float(g - 1)
        estimate[j, present] = coef[terms]
        low = np.nanmin(cells[f"__lo{j}"].to_numpy(dtype=float))
        high = np.nanmax(cells[f"__hi{j}"].to_numpy(dtype=float))
        magnitude = max(abs(low), abs(high))
        tiny = np.sqrt(variance[j, present]) <= NO_VARIATION_RTOL * magnitude
        reasons[j, present[tiny & (reasons[j, present] == "")]] = ZERO_STANDARD_ERROR
        if high - low <= NO_VARIATION_RTOL * magnitude:
            reasons[j, present] = NO_VARIATION
    return EffectTable.from_columns(
        EffectColumns(
            outcomes=tuple(names),
            terms=tuple(treatments),
            estimate=estimate,
            std_error=np.sqrt(variance),
            df=df,
            n=n_used,
            n_arm=n_arm,
            n_control=n_control,
            control_mean=control_mean,
            level=level,
            vcov=vcov,
            estimator="ols",
            not_estimable=reasons,
            note=notes,
        )
    )
