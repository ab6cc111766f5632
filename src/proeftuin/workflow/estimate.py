"""Use case: estimate the effects of every arm on outcomes in a one-row-per-participant file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from proeftuin.analysis import DEFAULT_LEVEL, EffectTable, VcovType, estimate_effects
from proeftuin.workflow.tabular import (
    TabularError,
    covariate_matrix,
    label_column,
    numeric_column,
    read_table,
    require_columns,
)


def estimate_file(
    path: Path | str,
    *,
    outcomes: Sequence[str],
    arm: str,
    control: str,
    covariates: Sequence[str] = (),
    level: float = DEFAULT_LEVEL,
    vcov: VcovType = "HC2",
) -> EffectTable:
    """Read ``path`` and estimate every arm against ``control`` on each outcome (OLS, robust SE).

    Raises :class:`TabularError` naming file, row and column for any bad input; rows with a
    missing outcome are left out of that outcome only (the counts in each effect say so).
    """
    frame = read_table(path)
    if not outcomes:
        raise TabularError(path, "name at least one outcome column")
    require_columns(frame, [arm, *outcomes, *covariates], path)
    labels = label_column(frame, arm, path)
    if control not in set(labels):
        raise TabularError(path, f"the control value {control!r} does not occur (values: {', '.join(sorted(set(labels)))})", column=arm)
    if len(set(labels)) < 2:
        raise TabularError(path, f"only the control value {control!r} occurs; there is no arm to compare", column=arm)
    y = [numeric_column(frame, column, path, allow_missing=True) for column in outcomes]
    x, _ = covariate_matrix(frame, list(covariates), path)
    matrix = np.column_stack(y)
    for j, column in enumerate(outcomes):
        if np.isnan(matrix[:, j]).all():
            raise TabularError(path, "every value is missing", column=column)
    try:
        return estimate_effects(
            matrix,
            labels,
            control=control,
            outcome_names=list(outcomes),
            covariates=x if x.size else None,
            level=level,
            vcov=vcov,
        )
    except ValueError as exc:
        raise TabularError(path, str(exc)) from exc
