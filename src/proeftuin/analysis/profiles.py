"""Monthly effect profiles: the effect in every month since randomization and on cumulative outcomes.

For each measure (e.g. ``employed`` 0/1 or ``earnings`` in euro) given as an ``(n, T)`` matrix of
months since randomization, the outcomes are the ``T`` monthly values and, with ``cumulative``,
their running sums ``sum_{s <= t} y_is`` (months worked, total earnings up to month ``t``). All
``2 T`` columns of all measures go through one call of
:func:`~proeftuin.analysis.estimate_effects` (one factorisation, one variance product). A missing
month makes the cumulative value missing from that month on: a total over unknown months is
unknown, never silently a partial sum.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from proeftuin.analysis.ols import estimate_effects
from proeftuin.analysis.options import DEFAULT_LEVEL, VcovType
from proeftuin.analysis.results import EffectTable


def monthly_profiles(
    measures: Mapping[str, np.ndarray],
    arm: np.ndarray,
    *,
    control: str,
    months: Sequence[int] | None = None,
    cumulative: bool = True,
    covariates: np.ndarray | None = None,
    arms: Sequence[str] | None = None,
    level: float = DEFAULT_LEVEL,
    vcov: VcovType | None = None,
    clusters: np.ndarray | None = None,
) -> EffectTable:
    """Effects of every arm on every measure in every month (and cumulatively), in one pass.

    Parameters
    ----------
    measures:
        ``name -> (n, T)`` array, column ``t`` the value in the ``t``-th month (``NaN`` missing).
    months:
        Labels of the ``T`` months (default ``1..T``); every measure needs the same ``T``.
    cumulative:
        Also estimate effects on the running sums (outcome ``"<name> cumulative"``).
    Other parameters as :func:`~proeftuin.analysis.estimate_effects`.

    Returns
    -------
    EffectTable
        Outcomes named ``"<name>[m<month>]"`` and ``"<name> cumulative[m<month>]"``, with
        ``extra["month"]`` and ``extra["cumulative"]`` (0/1), measure-major then month order.
    """
    if not measures:
        raise ValueError("no measures given")
    blocks: list[np.ndarray] = []
    names: list[str] = []
    month_of: list[int] = []
    is_cumulative: list[float] = []
    lengths = {name: np.asarray(values).shape for name, values in measures.items()}
    t = next(iter(lengths.values()))[-1]
    if any(len(shape) != 2 or shape[1] != t for shape in lengths.values()):
        raise ValueError(f"every measure must be an (n, months) matrix with the same months; got {lengths}")
    labels = list(months) if months is not None else list(range(1, t + 1))
    if len(labels) != t:
        raise ValueError(f"{len(labels)} month labels for {t} monthly columns")
    for name, values in measures.items():
        values = np.asarray(values, dtype=float)
        kinds = [(values, f"{name}", 0.0)]
        if cumulative:
            kinds.append((np.cumsum(values, axis=1), f"{name} cumulative", 1.0))
        for block, label, flag in kinds:
            blocks.append(block)
            names.extend(f"{label}[m{month}]" for month in labels)
            month_of.extend(labels)
            is_cumulative.extend([flag] * t)
    table = estimate_effects(
        np.hstack(blocks), arm, control=control, outcome_names=names, covariates=covariates,
        arms=arms, level=level, vcov=vcov, clusters=clusters,
    )
    terms = len(table) // len(names)
    return table.with_extra("month", np.repeat(np.asarray(month_of, dtype=float), terms)).with_extra(
        "cumulative", np.repeat(np.asarray(is_cumulative), terms)
    )
