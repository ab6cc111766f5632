"""The validated inputs of one calculation: a person-month per row, as aligned numpy arrays."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from proeftuin.rules.errors import RulesError
from proeftuin.rules.households import household_codes
from proeftuin.rules.regimes import Amount, get_regime

Floats: TypeAlias = npt.NDArray[np.float64]
#: Value of a dated parameter (by dotted name) or a literal amount, broadcastable to the rows.
ParamFn: TypeAlias = Callable[[Amount], "Floats | float"]


@dataclass(frozen=True)
class Situation:
    """Everything about a person-month except earnings and date.

    ``age`` NaN: not given, read as aged 27 up to pension age. ``youngest_child_age`` NaN: no
    child (or not given). ``hours_per_week`` NaN: not given. ``regime``: per row, an index
    into ``regime_names`` (integer codes keep grouping by regime fast for millions of rows).
    """

    household: npt.NDArray[np.int8]
    age: Floats
    cost_sharers: npt.NDArray[np.int64]
    youngest_child_age: Floats
    disregard_month: npt.NDArray[np.int64]
    hours_per_week: Floats
    regime: npt.NDArray[np.intp]
    regime_names: tuple[str, ...]

    def rows_of_regime(self, n: int) -> dict[str, npt.NDArray[np.intp]]:
        """For each regime present among ``n`` rows, the indices of its rows (ascending)."""
        codes = np.broadcast_to(self.regime, (n,))
        found = {name: np.flatnonzero(codes == code) for code, name in enumerate(self.regime_names)}
        return {name: rows for name, rows in found.items() if rows.size}

    def take(self, rows: npt.NDArray[np.intp], regime: str) -> Situation:
        """The situation of ``rows`` only, all of them under ``regime`` (a field of length 1
        is shared by every row and kept as it is)."""
        return Situation(
            household=take(self.household, rows),
            age=take(self.age, rows),
            cost_sharers=take(self.cost_sharers, rows),
            youngest_child_age=take(self.youngest_child_age, rows),
            disregard_month=take(self.disregard_month, rows),
            hours_per_week=take(self.hours_per_week, rows),
            regime=np.zeros(1, dtype=np.intp),
            regime_names=(regime,),
        )


def take(values: npt.NDArray[Any], rows: npt.NDArray[np.intp]) -> npt.NDArray[Any]:
    """``values[rows]`` for a per-row array; an array of length 1 applies to every row as is."""
    return values if values.size == 1 else values[rows]


def encode_regimes(regime: str | npt.ArrayLike) -> tuple[npt.NDArray[np.intp], tuple[str, ...]]:
    """Integer codes per row and the distinct regime names they index (each name checked).

    Raises:
        RulesError: an unknown regime.
    """
    if isinstance(regime, str):
        names, codes = [regime], np.zeros(1, dtype=np.intp)
    else:
        # pandas.factorize hashes (one pass); numpy.unique sorts a million strings, which cost
        # more than the benefit formulas themselves.
        codes, names = pd.factorize(np.asarray(regime, dtype=object).reshape(-1))
        if (codes < 0).any():
            raise RulesError("a regime is missing")
    for name in names:
        get_regime(str(name))
    return codes.astype(np.intp), tuple(str(n) for n in names)


def _floats(name: str, values: npt.ArrayLike | None) -> Floats:
    if values is None:
        return np.array([np.nan])
    try:
        out = np.asarray(values, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise RulesError(f"{name} must be a number, got {values!r}") from exc
    if (out < 0).any():
        raise RulesError(f"{name} must not be negative, got {out[out < 0][0]:g}")
    if np.isinf(out).any():
        raise RulesError(f"{name} must be finite")
    return out


def _integers(name: str, values: npt.ArrayLike, minimum: int) -> npt.NDArray[np.int64]:
    out = _floats(name, values)
    if np.isnan(out).any() or (out != np.round(out)).any() or (out < minimum).any():
        raise RulesError(f"{name} must be a whole number of at least {minimum}")
    return out.astype(np.int64)


def earnings_array(earnings: npt.ArrayLike) -> Floats:
    """Net monthly earnings from work as floats.

    Raises:
        RulesError: a negative, missing or infinite amount.
    """
    out = _floats("earnings", earnings)
    if np.isnan(out).any():
        raise RulesError("earnings are missing (NaN)")
    return out


def make_situation(
    *,
    household: str | npt.ArrayLike,
    regime: str | npt.ArrayLike,
    age: npt.ArrayLike | None,
    cost_sharers: npt.ArrayLike,
    youngest_child_age: npt.ArrayLike | None,
    disregard_month: npt.ArrayLike,
    hours_per_week: npt.ArrayLike | None,
) -> Situation:
    """Validate user inputs into a :class:`Situation` (arrays of length 1 or n, not broadcast).

    Raises:
        RulesError: an unknown household type or regime, a negative amount, cost-sharers or
            disregard month below 1, or missing hours for a regime with a work bonus.
    """
    codes, names = encode_regimes(regime)
    situation = Situation(
        household=household_codes(household),
        age=_floats("age", age),
        cost_sharers=_integers("cost_sharers", cost_sharers, 1),
        youngest_child_age=_floats("youngest_child_age", youngest_child_age),
        disregard_month=_integers("disregard_month", disregard_month, 1),
        hours_per_week=_floats("hours_per_week", hours_per_week),
        regime=codes,
        regime_names=names,
    )
    try:
        n = np.broadcast(situation.regime, situation.hours_per_week).size
    except ValueError as exc:
        raise RulesError(f"inputs of different lengths: {exc}") from exc
    # Only the rows under a regime with a work bonus need their hours.
    for name, rows in situation.rows_of_regime(n).items():
        if get_regime(name).needs_hours and np.isnan(take(situation.hours_per_week, rows)).any():
            raise RulesError(
                f"regime {name!r} pays a work bonus for full-time work: give hours_per_week"
            )
    return situation
