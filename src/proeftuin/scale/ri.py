"""Randomization inference with strata at register scale, on compressed design cells.

For a 0/1 outcome the data of a stratum ``s`` are, under the sharp null of no effect for anyone,
just its ``T_s`` ones and the arm sizes ``n_sa``: re-randomizing the arms within the stratum
(complete randomization with the same arm sizes) puts the ones into the arms by a multivariate
hypergeometric law. The statistic — the studentized HC2 effect of each arm in the stratum
fixed-effects regression of :mod:`proeftuin.scale.ols` — depends on the data only through the
ones per (arm, stratum) cell (a cell's mean is ``ones / n`` and its variance ``mean (1 - mean)``).
So each re-randomization is drawn exactly from its distribution over the cells, at a cost that
does not depend on the number of people: the draws run in parallel as one array operation, after
one grouped pass over the data in the engine. The p-value is Fisher's
``(1 + #{|t_b| >= |t_obs|}) / (1 + B)`` as in :func:`proeftuin.analysis.randomization_inference`.

Outcomes that are not 0/1, or have missing values, are refused with the reason (their
permutation distribution is not a function of the cell counts; use the in-memory engine).
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import numpy as np

from proeftuin.analysis import EffectTable
from proeftuin.scale.ols import _ARM, _STRATUM, _Design, _hc_weights, estimate_effects_engine


def _cell_ones(table: ibis.Table, outcomes: Sequence[str], arm: str, strata: str | None):
    keys = {_ARM: table[arm].cast("string"), _STRATUM: table[strata].cast("string") if strata else ibis.literal("")}
    grouped = table.mutate(**keys)
    metrics = {"__rows": grouped.count()}
    for j, name in enumerate(outcomes):
        y = grouped[name].cast("float64")
        metrics[f"__n{j}"] = y.count()
        metrics[f"__ones{j}"] = y.sum()
        metrics[f"__off{j}"] = (y * (1.0 - y)).abs().sum()
    return grouped.group_by([_ARM, _STRATUM]).aggregate(**metrics).to_pandas()


def _t_statistics(ones: np.ndarray, n_c: np.ndarray, x: np.ndarray, terms: list[int]) -> np.ndarray:
    """HC2 t statistics ``(terms, draws)`` from the ones per cell ``(cells, draws)``."""
    n, p = int(n_c.sum()), x.shape[1]
    xtx_inv = np.linalg.inv((x * n_c[:, None]).T @ x)
    coef = xtx_inv @ (x.T @ ones)  # X'y = sum_c x_c ones_c
    a = (x @ xtx_inv)[:, terms].T
    leverage = np.einsum("cp,pq,cq->c", x, xtx_inv, x)
    mean = ones / n_c[:, None]
    ssr = n_c[:, None] * (mean * (1.0 - mean) + (mean - x @ coef) ** 2)
    variance = (a**2 * _hc_weights(leverage, n, p, "HC2")) @ ssr
    with np.errstate(divide="ignore", invalid="ignore"):
        return coef[terms] / np.sqrt(variance)


def randomization_inference_engine(
    table: ibis.Table,
    *,
    outcomes: Sequence[str],
    arm: str,
    control: str,
    strata: str | None = None,
    draws: int,
    seed: int | None = None,
    level: float = 0.90,
) -> EffectTable:
    """The HC2 estimates of :func:`estimate_effects_engine` with ``extra["ri_p_value"]`` for each effect."""
    if draws < 1:
        raise ValueError(f"--ri must be a positive number of re-randomizations; got {draws}")
    effects = estimate_effects_engine(table, outcomes=outcomes, arm=arm, control=control, strata=strata, vcov="HC2", level=level)
    cells = _cell_ones(table, outcomes, arm, strata)
    rows = cells["__rows"].to_numpy()
    treatments = sorted(set(cells[_ARM]) - {control})
    design = _Design(cells[_ARM], cells[_STRATUM], treatments, sorted(set(cells[_STRATUM])))
    terms = list(range(1, len(treatments) + 1))
    rng = np.random.Generator(np.random.PCG64(seed))
    stratum_of = cells[_STRATUM].to_numpy()
    p_values = []
    for j, name in enumerate(outcomes):
        if cells[f"__off{j}"].sum() > 0:
            raise ValueError(f"outcome {name!r}: randomization inference in the engine needs a 0/1 outcome; use --engine memory")
        if (cells[f"__n{j}"].to_numpy() != rows).any():
            raise ValueError(f"outcome {name!r}: randomization inference in the engine needs no missing values; use --engine memory")
        ones = cells[f"__ones{j}"].to_numpy(dtype=float).round()
        n_c = rows.astype(float)
        observed = _t_statistics(ones[:, None], n_c, design.x, terms)[:, 0]
        drawn = np.empty((len(ones), draws))
        for s in np.unique(stratum_of):
            members = np.flatnonzero(stratum_of == s)
            drawn[members] = rng.multivariate_hypergeometric(rows[members].astype(np.int64), int(ones[members].sum()), size=draws).T
        t = _t_statistics(drawn, n_c, design.x, terms)
        extreme = (np.abs(np.nan_to_num(t, nan=0.0)) >= np.abs(observed)[:, None] - 1e-12).sum(axis=1)
        p_values.extend((1.0 + extreme) / (1.0 + draws))
    return effects.with_extra("ri_p_value", p_values)
