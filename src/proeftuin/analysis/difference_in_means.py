"""Design-based difference in means, as ``estimatr::difference_in_means``.

Each treatment arm ``k`` is compared with the control group on the units of those two arms.

* Unit randomized: ``d = mean_k - mean_0``, ``Var = s_k^2/n_k + s_0^2/n_0`` (Neyman; equal to
  HC2 and to Welch's standard error), Welch-Satterthwaite degrees of freedom
  ``Var^2 / [(s_k^2/n_k)^2/(n_k-1) + (s_0^2/n_0)^2/(n_0-1)]``.
* Cluster randomized: the CR2 estimate of ``y ~ 1 + D_k`` (Bell-McCaffrey 2002) with
  Pustejovsky-Tipton degrees of freedom, as estimatr does.
* Blocked (Gerber and Green 2012, eq. 3.10 and p. 74 fn. 17): ``d = sum_b (N_b/N) d_b`` and
  ``Var = sum_b (N_b/N)^2 Var_b`` with the within-block variance above (CR2 within block when
  clustered); ``df = N - 2B`` (``clusters - 2B`` when clustered).
* Matched pairs (every block has two units or clusters of the compared arms):
  ``Var = sum_j (d_j - d)^2 / (J (J-1))`` (Gerber and Green 2012, eq. 3.16); clustered pairs
  ``Var = J/((J-1) N^2) sum_j (N_j d_j - N d / J)^2`` (Imai, King and Nall 2009, eq. 6);
  ``df = J - 1``. When some blocks are pairs and others larger, the pair estimator is used for
  all, with a warning, as estimatr does.

Missing outcomes are left out of that outcome only.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from proeftuin.analysis.inference import NO_VARIATION, NO_VARIATION_RTOL
from proeftuin.analysis.ols import ArmCoding, fit_linear, missingness_groups
from proeftuin.analysis.options import DEFAULT_LEVEL, check_level
from proeftuin.analysis.results import EffectColumns, EffectTable
from proeftuin.analysis.vcov import Clusters


def difference_in_means(
    outcomes: np.ndarray,
    arm: np.ndarray,
    *,
    control: str,
    outcome_names: Sequence[str] | None = None,
    blocks: np.ndarray | None = None,
    clusters: np.ndarray | None = None,
    arms: Sequence[str] | None = None,
    level: float = DEFAULT_LEVEL,
) -> EffectTable:
    """Difference in means of every arm against ``control``, with the design's variance.

    Parameters are those of :func:`~proeftuin.analysis.estimate_effects`; ``blocks`` are the
    strata of a blocked design, ``clusters`` the units of assignment of a clustered one (every
    member of a cluster must have the same arm; clusters must nest in blocks).

    Returns an :class:`EffectTable` with ``estimator`` ``"difference_in_means"`` and ``vcov``
    naming the design's variance: ``neyman``, ``cr2``, ``blocked``, ``blocked_cr2``,
    ``matched_pairs`` or ``matched_pairs_clustered``.
    """
    check_level(level)
    y = np.asarray(outcomes, dtype=float)
    y = y[:, None] if y.ndim == 1 else y
    n, m = y.shape
    labels = np.asarray(arm).astype(str)
    if labels.shape != (n,):
        raise ValueError(f"arm has {labels.shape[0]} labels for {n} outcome rows")
    names = list(outcome_names) if outcome_names is not None else [f"y{j}" for j in range(m)]
    if len(names) != m:
        raise ValueError(f"{len(names)} outcome names for {m} outcome columns")
    coding = ArmCoding.from_labels(labels, control, arms)
    cluster_codes = None if clusters is None else Clusters.from_labels(np.asarray(clusters)).codes
    if cluster_codes is not None:
        _check_constant_within(labels, cluster_codes, "arm", "cluster")
    block_codes = None
    if blocks is not None:
        _, block_codes = np.unique(np.asarray(blocks).astype(str), return_inverse=True)
        block_codes = block_codes.ravel()
        if cluster_codes is not None:
            _check_constant_within(block_codes.astype(str), cluster_codes, "block", "cluster")

    k = len(coding.treatments)
    out = {key: np.empty((m, k)) for key in ("estimate", "variance", "df", "n", "n_arm", "n_control", "control_mean")}
    design = ""
    reasons = np.full((m, k), "", dtype=object)
    for i, term in enumerate(coding.treatments):
        pair = (labels == term) | (labels == control)
        treated = (labels[pair] == term).astype(float)
        yp = y[pair]
        cl = None if cluster_codes is None else cluster_codes[pair]
        observed = ~np.isnan(yp)
        out["n_arm"][:, i] = observed[treated == 1].sum(axis=0)
        out["n_control"][:, i] = observed[treated == 0].sum(axis=0)
        out["n"][:, i] = observed.sum(axis=0)
        out["control_mean"][:, i] = np.nanmean(yp[treated == 0], axis=0)
        with np.errstate(invalid="ignore"):
            spread, magnitude = np.nanmax(yp, axis=0) - np.nanmin(yp, axis=0), np.nanmax(np.abs(yp), axis=0)
        reasons[spread <= NO_VARIATION_RTOL * magnitude, i] = NO_VARIATION
        if block_codes is None:
            est, var, df = _unblocked(yp, treated, cl)
            design = "neyman" if cl is None else "cr2"
        else:
            est, var, df, design = _blocked(yp, treated, block_codes[pair], cl)
        out["estimate"][:, i], out["variance"][:, i], out["df"][:, i] = est, var, df
    return EffectTable.from_columns(
        EffectColumns(
            outcomes=tuple(names),
            terms=coding.treatments,
            estimate=out["estimate"],
            std_error=np.sqrt(out["variance"]),
            df=out["df"],
            n=out["n"].astype(int),
            n_arm=out["n_arm"].astype(int),
            n_control=out["n_control"].astype(int),
            control_mean=out["control_mean"],
            level=level,
            vcov=design,
            estimator="difference_in_means",
            not_estimable=reasons,
        )
    )


def _check_constant_within(values: np.ndarray, groups: np.ndarray, what: str, within: str) -> None:
    order = np.lexsort((values, groups))
    g, v = groups[order], values[order]
    clash = (g[1:] == g[:-1]) & (v[1:] != v[:-1])
    if clash.any():
        raise ValueError(f"every unit of a {within} must have the same {what}; {within} code {g[1:][clash][0]} has several")


def _group_stats(y: np.ndarray, treated: np.ndarray) -> dict[str, np.ndarray]:
    """Counts, means and unbiased variances of the two groups, per outcome column (NaN skipped)."""
    stats: dict[str, np.ndarray] = {}
    for name, mask in (("1", treated == 1), ("0", treated == 0)):
        block = y[mask]
        count = (~np.isnan(block)).sum(axis=0)
        stats[f"n{name}"] = count
        stats[f"mean{name}"] = np.nanmean(block, axis=0) if block.size else np.full(y.shape[1], np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            stats[f"var{name}"] = np.nanvar(block, axis=0, ddof=1) if block.shape[0] > 1 else np.full(y.shape[1], np.nan)
    return stats


def _neyman(y: np.ndarray, treated: np.ndarray, *, pairs_ok: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    s = _group_stats(y, treated)
    if (s["n1"] == 0).any() or (s["n0"] == 0).any():
        raise ValueError("an outcome has no observed value in one of the compared arms (within a block)")
    if not pairs_ok and ((s["n1"] < 2).any() or (s["n0"] < 2).any()):
        raise ValueError(
            "at least two treated and two control units are needed in each block unless every block is a pair"
        )
    v1, v0 = s["var1"] / s["n1"], s["var0"] / s["n0"]
    variance = v1 + v0
    with np.errstate(invalid="ignore", divide="ignore"):
        df = variance**2 / (v1**2 / (s["n1"] - 1) + v0**2 / (s["n0"] - 1))
    return s["mean1"] - s["mean0"], variance, df


def _cr2_pair(y: np.ndarray, treated: np.ndarray, clusters: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    estimate, variance, df = (np.empty(y.shape[1]) for _ in range(3))
    x_all = np.column_stack([np.ones(len(treated)), treated])
    for rows, columns in missingness_groups(y):
        take = slice(None) if rows is None else rows
        fit = fit_linear(
            y, x_all[take], rows=rows, columns=columns, terms=[1], vcov="CR2",
            is_control=treated[take] == 0, clusters=Clusters.from_labels(clusters[take]),
        )
        estimate[columns], variance[columns], df[columns] = fit.coef[0], fit.variance[0], fit.df[0]
    return estimate, variance, df


def _unblocked(
    y: np.ndarray, treated: np.ndarray, clusters: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if clusters is None:
        return _neyman(y, treated, pairs_ok=False)
    return _cr2_pair(y, treated, clusters)


def _blocked(
    y: np.ndarray, treated: np.ndarray, blocks: np.ndarray, clusters: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    ids = np.unique(blocks)
    units = np.array([
        np.unique(clusters[blocks == b]).size if clusters is not None else int((blocks == b).sum()) for b in ids
    ])
    if (units == 1).any():
        raise ValueError("every block must have several units (or clusters) of the compared arms")
    pairs = bool((units == 2).any())
    if pairs and (units > 2).any():
        warnings.warn(
            "some blocks have two units/clusters and others more; the matched-pairs variance is used for all",
            stacklevel=3,
        )
    m = y.shape[1]
    d, var, size = (np.empty((ids.size, m)) for _ in range(3))
    for j, b in enumerate(ids):
        rows = blocks == b
        size[j] = (~np.isnan(y[rows])).sum(axis=0)
        if clusters is None or pairs:
            d[j], var[j], _ = _neyman(y[rows], treated[rows], pairs_ok=pairs)
        else:
            d[j], var[j], _ = _cr2_pair(y[rows], treated[rows], clusters[rows])
    total = size.sum(axis=0)
    estimate = (size * d).sum(axis=0) / total
    n_blocks = ids.size
    if pairs:
        if clusters is None:
            variance = ((d - estimate) ** 2).sum(axis=0) / (n_blocks * (n_blocks - 1))
            design = "matched_pairs"
        else:
            variance = n_blocks / ((n_blocks - 1) * total**2) * ((size * d - total * estimate / n_blocks) ** 2).sum(axis=0)
            design = "matched_pairs_clustered"
        return estimate, variance, np.full(m, n_blocks - 1.0), design
    variance = (var * (size / total) ** 2).sum(axis=0)
    df = (total if clusters is None else units.sum()) - 2.0 * n_blocks
    return estimate, variance, np.broadcast_to(df, (m,)).astype(float), "blocked" if clusters is None else "blocked_cr2"
