"""Use case: estimate the effects of every arm on outcomes in a one-row-per-participant file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from proeftuin.analysis import (
    DEFAULT_LEVEL,
    EffectTable,
    PermutationDesign,
    VcovType,
    estimate_effects,
    randomization_inference,
)
from proeftuin.analysis.options import check_option
from proeftuin.analysis.wild_bootstrap import WildWeights, add_wild_bootstrap
from proeftuin.workflow.tabular import (
    TabularError,
    covariate_matrix,
    label_column,
    numeric_column,
    read_table,
    require_columns,
    spreadsheet_row,
)


def _constant_within(
    labels: np.ndarray, groups: np.ndarray, path: Path | str, *, column: str, what: str
) -> None:
    """Every member of a group (cluster) carries the same ``labels`` value; else name the first row that differs."""
    first = pd.Series(labels).groupby(groups, sort=False).transform("first").to_numpy()
    bad = np.flatnonzero(first != labels)
    if bad.size:
        index = int(bad[0])
        raise TabularError(
            path,
            f"cluster {str(groups[index])!r} has members in different {what} ({str(first[index])!r} and {str(labels[index])!r}); "
            "clusters are randomized whole",
            column=column,
            row=spreadsheet_row(index),
        )


def estimate_file(
    path: Path | str,
    *,
    outcomes: Sequence[str],
    arm: str,
    control: str,
    covariates: Sequence[str] = (),
    level: float = DEFAULT_LEVEL,
    vcov: VcovType | None = None,
    cluster: str | None = None,
    strata: str | None = None,
    lin: bool = False,
    ri_draws: int | None = None,
    seed: int | None = None,
    wild_draws: int | None = None,
    wild_weights: WildWeights = "rademacher",
    frame: pd.DataFrame | None = None,
) -> EffectTable:
    """Read ``path`` and estimate every arm against ``control`` on each outcome (OLS, robust SE).

    Options as :func:`proeftuin.analysis.estimate_effects`: ``vcov`` defaults to HC2, or to CR2
    when a ``cluster`` column is named (estimatr's defaults); ``lin`` is Lin's (2013) interacted
    adjustment. A ``strata`` column (the blocks of a stratified randomization) enters as stratum
    fixed effects, one indicator per stratum but the first, as ``lm_robust(fixed_effects = ~block)``
    does; with equal allocation in every stratum that equals the block-size weighted difference in
    means. With ``ri_draws`` every effect also gets ``extra["ri_p_value"]``, the Fisher
    p-value of :func:`proeftuin.analysis.randomization_inference` (studentized statistic,
    ``(1 + #{|t_b| >= |t_obs|}) / (1 + B)``), re-randomizing within the ``strata`` column and
    whole clusters of the ``cluster`` column when named, with ``seed``; the covariates enter
    that statistic linearly (residualised outcomes). With ``wild_draws`` (needs ``cluster``)
    every effect also gets the wild cluster bootstrap p-value and interval
    (:func:`proeftuin.analysis.wild_bootstrap.add_wild_bootstrap`, ``wild_weights``
    Rademacher or Webb, with ``seed``).

    ``frame``, when given, is the content of ``path`` already read (a Parquet dataset of many
    files); errors still name ``path``.

    Raises :class:`TabularError` naming file, row and column for any bad input, and
    ``ValueError`` for an inconsistent choice of options; rows with a missing outcome are left
    out of that outcome only (the counts in each effect say so).
    """
    if vcov is not None:
        check_option("--vcov", vcov, VcovType)
        if vcov.startswith("CR") and cluster is None:
            raise ValueError(f"--vcov {vcov} is cluster-robust: name the cluster column with --cluster")
        if vcov.startswith("HC") and cluster is not None:
            raise ValueError(f"--cluster {cluster} is ignored by --vcov {vcov}; use CR1 or CR2")
    if seed is not None and seed < 0:
        raise ValueError(f"--seed must be 0 or more; got {seed}")
    if ri_draws is not None and ri_draws < 1:
        raise ValueError(f"--ri must be a positive number of re-randomizations; got {ri_draws}")
    if wild_draws is not None:
        check_option("--wild-weights", wild_weights, WildWeights)
        if cluster is None:
            raise ValueError("--wild-bootstrap resamples clusters: name the cluster column with --cluster")
        if wild_draws < 1:
            raise ValueError(f"--wild-bootstrap must be a positive number of draws; got {wild_draws}")
    if lin and not covariates:
        raise ValueError("--lin interacts the covariates with the arms: name them with --covariates")
    frame = read_table(path) if frame is None else frame
    if not outcomes:
        raise TabularError(path, "name at least one outcome column")
    design_columns = [c for c in (cluster, strata) if c is not None]
    require_columns(frame, [arm, *outcomes, *covariates, *design_columns], path)
    labels = label_column(frame, arm, path)
    if control not in set(labels):
        raise TabularError(path, f"the control value {control!r} does not occur (values: {', '.join(sorted(set(labels)))})", column=arm)
    if len(set(labels)) < 2:
        raise TabularError(path, f"only the control value {control!r} occurs; there is no arm to compare", column=arm)
    clusters = None if cluster is None else label_column(frame, cluster, path)
    stratum = None if strata is None else label_column(frame, strata, path)
    if clusters is not None and ri_draws is not None:
        _constant_within(labels, clusters, path, column=cluster, what="arms")  # type: ignore[arg-type]
        if stratum is not None:
            _constant_within(stratum, clusters, path, column=cluster, what="strata")  # type: ignore[arg-type]
    y = [numeric_column(frame, column, path, allow_missing=True) for column in outcomes]
    x, x_names = covariate_matrix(frame, list(covariates), path)
    if stratum is not None:
        blocks = pd.get_dummies(stratum, drop_first=True, dtype=float)
        x = np.hstack([x, blocks.to_numpy()])
        x_names = [*x_names, *(f"{strata}={level}" for level in blocks.columns)]
    matrix = np.column_stack(y)
    for j, column in enumerate(outcomes):
        if np.isnan(matrix[:, j]).all():
            raise TabularError(path, "every value is missing", column=column)
    x_or_none = x if x.size else None
    try:
        table = estimate_effects(
            matrix,
            labels,
            control=control,
            outcome_names=list(outcomes),
            covariates=x_or_none,
            level=level,
            vcov=vcov,
            clusters=clusters,
            lin=lin,
            covariate_names=x_names if x.size else None,
        )
        if wild_draws is not None:
            table = add_wild_bootstrap(
                table, matrix, labels, control=control, clusters=clusters,  # type: ignore[arg-type]
                covariates=x_or_none, lin=lin, draws=wild_draws, weights=wild_weights, seed=seed,
            )
        if ri_draws is None:
            return table
        ri = randomization_inference(
            matrix,
            labels,
            control=control,
            design=PermutationDesign(strata=stratum, clusters=clusters),
            draws=ri_draws,
            outcome_names=list(outcomes),
            covariates=x_or_none,
            level=level,
            seed=seed,
        )
    except ValueError as exc:
        raise TabularError(path, str(exc)) from exc
    return table.with_extra("ri_p_value", [effect.extra["ri_p_value"] for effect in ri])
