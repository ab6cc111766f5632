"""Use cases over a user's file: pool estimates, check balance, check attrition.

Every problem with the file is a :class:`~proeftuin.workflow.tabular.TabularError` naming the
file, and the column and first bad row where there is one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from proeftuin.analysis.attrition import AttritionReport, LeeBounds, attrition_table, lee_bounds
from proeftuin.analysis.balance import BalanceTable, balance_table
from proeftuin.analysis.options import DEFAULT_LEVEL
from proeftuin.analysis.pooling import PooledEffect, PoolingMethod, pool_effects
from proeftuin.workflow.tabular import (
    TabularError,
    covariate_matrix,
    label_column,
    numeric_column,
    read_table,
    require_columns,
    spreadsheet_row,
)


def pool_file(
    path: Path | str,
    *,
    estimate: str,
    std_error: str,
    label: str | None = None,
    method: PoolingMethod = "reml",
    hksj: bool = False,
    level: float = DEFAULT_LEVEL,
    hksj_truncation: bool = False,
) -> PooledEffect:
    """Pool the ``estimate`` column with its ``std_error`` column, one row per municipality."""
    return pool_file_forest(path, estimate=estimate, std_error=std_error, label=label, method=method, hksj=hksj,
                            level=level, hksj_truncation=hksj_truncation)[0]


def pool_file_forest(
    path: Path | str,
    *,
    estimate: str,
    std_error: str,
    label: str | None = None,
    method: PoolingMethod = "reml",
    hksj: bool = False,
    level: float = DEFAULT_LEVEL,
    hksj_truncation: bool = False,
) -> tuple[PooledEffect, list[dict[str, object]]]:
    """:func:`pool_file` and the rows of its forest plot.

    One row per estimate (``label``, ``estimate``, ``ci_low``, ``ci_high`` at ``level`` from the
    normal quantile, ``weight_pct``), then the pooled effect as the last row (its label names the
    method), as metafor's ``forest()`` draws it.
    """
    frame = read_table(path)
    require_columns(frame, [estimate, std_error, *([label] if label else [])], path)
    y = numeric_column(frame, estimate, path, allow_missing=False)
    se = numeric_column(frame, std_error, path, allow_missing=False)
    if np.any(se <= 0):
        raise TabularError(path, "a standard error must be positive", column=std_error, row=spreadsheet_row(int(np.flatnonzero(se <= 0)[0])))
    labels = label_column(frame, label, path) if label else None
    if len(frame) < 1:
        raise TabularError(path, "pooling needs at least 1 row; the file has none")
    try:
        result = pool_effects(y, se, labels=None if labels is None else [str(x) for x in labels], method=method, hksj=hksj, level=level,
                              hksj_truncation=hksj_truncation)
    except (ValueError, RuntimeError) as exc:
        raise TabularError(path, str(exc)) from exc
    z = float(stats.norm.ppf(0.5 + level / 2.0))
    rows: list[dict[str, object]] = [
        {"label": name, "estimate": float(e), "ci_low": float(e - z * s), "ci_high": float(e + z * s), "weight_pct": 100.0 * w}
        for name, e, s, w in zip(result.labels, y, se, result.weights)
    ]
    pooled = "fixed effect" if method == "fe" else f"random effects ({method}{', HKSJ' if hksj else ''})"
    rows.append({"label": f"pooled: {pooled}", "estimate": result.estimate, "ci_low": result.ci_low, "ci_high": result.ci_high, "weight_pct": 100.0})
    return result, rows


def _arms(frame: pd.DataFrame, arm: str, control: str, path: Path | str) -> np.ndarray:
    labels = label_column(frame, arm, path)
    present = set(labels.tolist())
    if control not in present:
        raise TabularError(path, f"the control value {control!r} does not occur (values: {', '.join(sorted(present))})", column=arm)
    if len(present) < 2:
        raise TabularError(path, f"only the control value {control!r} occurs; there is no arm to compare", column=arm)
    return labels


def balance_file(
    path: Path | str,
    *,
    arm: str,
    control: str,
    covariates: Sequence[str],
    ri_draws: int = 0,
    seed: int = 0,
    strata: str | None = None,
) -> BalanceTable:
    """Balance of ``covariates`` across arms; with ``ri_draws`` an omnibus randomization p-value
    that re-draws the assignment by permuting the arm labels (within ``strata`` if given), i.e.
    assumes complete (stratified) randomization."""
    frame = read_table(path)
    if not covariates:
        raise TabularError(path, "name at least one covariate column")
    require_columns(frame, [arm, *covariates, *([strata] if strata else [])], path)
    labels = _arms(frame, arm, control, path)
    matrix, names = covariate_matrix(frame, list(covariates), path)
    rerandomize = None
    if ri_draws:
        codes = label_column(frame, strata, path) if strata else np.full(len(frame), "all")
        blocks = [np.flatnonzero(codes == value) for value in np.unique(codes)]

        def rerandomize(rng: np.random.Generator) -> np.ndarray:
            drawn = labels.copy()
            for rows in blocks:
                drawn[rows] = rng.permutation(labels[rows])
            return drawn

    try:
        return balance_table(
            pd.DataFrame(matrix, columns=names), labels, control, rerandomize=rerandomize, n_draws=ri_draws, seed=seed
        )
    except ValueError as exc:
        raise TabularError(path, str(exc)) from exc


@dataclass(frozen=True)
class AttritionFile:
    """Attrition report and Lee bounds for one outcome of a file."""

    outcome: str
    report: AttritionReport
    bounds: tuple[LeeBounds, ...]


def attrition_file(path: Path | str, *, arm: str, control: str, outcome: str, level: float = 0.90) -> AttritionFile:
    """Response (the outcome is not missing) by arm, the differential-attrition test, Lee bounds."""
    frame = read_table(path)
    require_columns(frame, [arm, outcome], path)
    labels = _arms(frame, arm, control, path)
    y = numeric_column(frame, outcome, path, allow_missing=True)
    responded = ~np.isnan(y)
    if not responded.any():
        raise TabularError(path, "every value is missing", column=outcome)
    try:
        report = attrition_table(responded, labels, control, level=level)
        bounds = lee_bounds(y, responded, labels, control)
    except ValueError as exc:
        raise TabularError(path, str(exc)) from exc
    return AttritionFile(outcome=outcome, report=report, bounds=bounds)
