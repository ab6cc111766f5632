"""Benefits for many person-months in one vectorised call.

Two paths evaluate the same YAML parameters and the same array functions of ``variables/``:

- ``engine="numpy"`` (default): each parameter is looked up for every row's own date at once
  (read for each day of the rows' date span, then gathered by row), so rows may have any
  dates; rows under different regimes are grouped by regime, each group computed once. This is the path
  for the simulator's millions of person-months: OpenFisca evaluates one period per
  calculation, and building a simulation per month costs far more than the formulas.
- ``engine="openfisca"``: an OpenFisca simulation for one month (all rows share ``date``).

Tests check that both agree.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Literal

import numpy as np
import numpy.typing as npt
from openfisca_core.simulations import SimulationBuilder

from proeftuin.rules.dates import DatesLike, as_days
from proeftuin.rules.errors import RulesError
from proeftuin.rules.households import HouseholdType
from proeftuin.rules.legislation import value_at
from proeftuin.rules.regimes import DEFAULT_REGIME, Amount
from proeftuin.rules.situation import Floats, ParamFn, Situation, earnings_array, make_situation, take
from proeftuin.rules.variables.marginal_rate import compute_marginal_rate
from proeftuin.rules.variables.net_income import income_parts
from proeftuin.rules.variables.norm import compute_norm
from proeftuin.rules.variables.norm_excl_holiday_allowance import (
    compute_norm_excl_holiday_allowance,
)

Engine = Literal["numpy", "openfisca"]
ENGINES: tuple[str, ...] = ("numpy", "openfisca")


@dataclass(frozen=True)
class BenefitResult:
    """Per person-month, euros per month (incl. holiday allowance unless said otherwise).

    Fields: ``norm`` (art. 21/22a), ``norm_excl_holiday_allowance`` (art. 19 lid 3),
    ``disregard`` (art. 31 lid 2 n/r or the regime's), ``benefit`` = max(0, norm - earnings +
    disregard), ``work_bonus`` (bonus or premium on top), ``net_income`` = earnings + benefit +
    work_bonus, ``marginal_rate`` = 1 - d(net income)/d(earnings) by a one-euro forward
    difference (share of an extra euro NOT kept).
    """

    norm: Floats
    norm_excl_holiday_allowance: Floats
    disregard: Floats
    benefit: Floats
    work_bonus: Floats
    net_income: Floats
    marginal_rate: Floats


#: Longest span of dates (in days) looked up through a per-day table rather than per row.
MAX_TABLE_DAYS = 100_000


def numpy_param_fn(dates: npt.NDArray[np.datetime64]) -> ParamFn:
    """Parameter look-up for every row's date.

    Each parameter is looked up once for every day from the earliest to the latest date of the
    rows (a few thousand days), then gathered by each row's day offset: one index per call
    instead of a binary search per row and parameter. Same values as ``value_at`` on the rows,
    same error (the earliest date is the first one checked).
    """
    cache: dict[str, Floats | float] = {}
    first = dates.min() if dates.size else np.datetime64("NaT")
    span = int((dates.max() - first).astype(np.int64)) + 1 if dates.size else 0
    offsets = (dates - first).astype(np.intp) if 1 < dates.size and span <= MAX_TABLE_DAYS else None

    def value(amount: Amount) -> Floats | float:
        if not isinstance(amount, str):
            return float(amount)
        if amount not in cache:
            if offsets is None:
                values = value_at(amount, dates)
                cache[amount] = values if values.size > 1 else float(values[0])
            else:
                cache[amount] = value_at(amount, first + np.arange(span))[offsets]
        return cache[amount]

    return value


def _numpy_result(days: npt.NDArray[np.datetime64], s: Situation, e: Floats) -> BenefitResult:
    """One regime: the formulas on all rows. Several: each regime's formulas on its own rows
    only (gathered, computed, scattered back), so a mixed call costs about what a call under
    one regime costs instead of once per regime present."""
    if len(s.regime_names) == 1:
        return _one_regime_result(days, s, e)
    n = int(np.broadcast(days, e, *(getattr(s, f.name) for f in fields(s) if f.name != "regime_names")).size)
    out = {f.name: np.empty(n, dtype=np.float64) for f in fields(BenefitResult)}
    for name, rows in s.rows_of_regime(n).items():
        part = _one_regime_result(take(days, rows), s.take(rows, name), take(e, rows))
        for key, values in out.items():
            values[rows] = getattr(part, key)
    return BenefitResult(**out)


def _one_regime_result(days: npt.NDArray[np.datetime64], s: Situation, e: Floats) -> BenefitResult:
    p = numpy_param_fn(days)
    norm = compute_norm(p, s)
    parts = income_parts(p, s, norm, e)
    shape = np.broadcast_shapes(norm.shape, e.shape, parts.benefit.shape)

    def full(a: Floats) -> Floats:
        return np.broadcast_to(a, shape).astype(np.float64)

    return BenefitResult(
        norm=full(norm),
        norm_excl_holiday_allowance=full(compute_norm_excl_holiday_allowance(p, norm)),
        disregard=full(parts.disregard),
        benefit=full(parts.benefit),
        work_bonus=full(parts.work_bonus),
        net_income=full(parts.net_income),
        marginal_rate=full(compute_marginal_rate(p, s, norm, e, parts.net_income)),
    )


def _openfisca_result(days: npt.NDArray[np.datetime64], s: Situation, e: Floats) -> BenefitResult:
    if np.unique(days).size != 1:
        raise RulesError("engine 'openfisca' computes one month: give a single date")
    n = int(np.broadcast(e, s.household, s.age, s.regime, s.cost_sharers).size)
    from proeftuin.rules.system import tax_benefit_system

    simulation = SimulationBuilder().build_default_simulation(tax_benefit_system(), n)
    period = str(days[0])[:7]
    inputs = {
        "household_type": HouseholdType.encode(s.household.astype(np.int16)),
        "age": s.age,
        "cost_sharers": s.cost_sharers,
        "youngest_child_age": s.youngest_child_age,
        "net_earnings": e,
        "disregard_month": s.disregard_month,
        "hours_per_week": s.hours_per_week,
        "regime": np.asarray(s.regime_names)[s.regime],
    }
    for name, values in inputs.items():
        simulation.set_input(name, period, np.broadcast_to(values, (n,)).copy())
    # A parameter with no value on the date raises inside OpenFisca; look it up first so the
    # error names the parameter the same way on both paths.
    numpy_param_fn(days[:1])("participatiewet.art_21.norm_single")
    out = {f.name: np.asarray(simulation.calculate(f.name, period)) for f in fields(BenefitResult)}
    # OpenFisca stores floats as float32: back to cents (rates to 4 decimals) as in numpy.
    return BenefitResult(
        **{k: v.astype(np.float64).round(4 if k == "marginal_rate" else 2) for k, v in out.items()}
    )


def compute_benefits(
    *,
    date: DatesLike,
    household: str | npt.ArrayLike,
    earnings: npt.ArrayLike,
    regime: str | npt.ArrayLike = DEFAULT_REGIME,
    age: npt.ArrayLike | None = None,
    cost_sharers: npt.ArrayLike = 1,
    youngest_child_age: npt.ArrayLike | None = None,
    disregard_month: npt.ArrayLike = 1,
    hours_per_week: npt.ArrayLike | None = None,
    engine: Engine = "numpy",
) -> BenefitResult:
    """Benefit, disregard, bonus, net income and marginal rate for each person-month.

    Every argument is a scalar or an array; arrays of length n are aligned row by row.
    ``earnings``: net earnings from work per month. ``household``: ``single``,
    ``single-parent`` or ``couple`` (required). ``regime``: a name of :func:`regimes`.
    ``age`` None: aged 27 up to pension age. ``cost_sharers``: A of art. 22a, the claimant plus
    the housemates who count (aged 21+ until 2022, 27+ from 2023: :func:`count_cost_sharers`;
    1 = none; a couple's spouse is not counted here). ``youngest_child_age``:
    needed for a single parent from the 7th disregard month (art. 31 lid 2 r).
    ``disregard_month``: the K-th consecutive month of disregard. ``hours_per_week``: needed
    under a regime with a work bonus for full-time work.

    Raises:
        RulesError: a date before a parameter's first value (named), an unknown household type
            or regime, a negative amount, an age outside 21 to pension age, or a missing input
            that a rule needs.
    """
    if engine not in ENGINES:
        raise RulesError(f"unknown engine {engine!r}: expected one of {', '.join(ENGINES)}")
    days = as_days(date)
    situation = make_situation(
        household=household,
        regime=regime,
        age=age,
        cost_sharers=cost_sharers,
        youngest_child_age=youngest_child_age,
        disregard_month=disregard_month,
        hours_per_week=hours_per_week,
    )
    e = earnings_array(earnings)
    try:
        np.broadcast_shapes(
            days.shape,
            e.shape,
            *(getattr(situation, f.name).shape for f in fields(situation) if f.name != "regime_names"),
        )
    except ValueError as exc:
        raise RulesError(f"inputs of different lengths: {exc}") from exc
    if engine == "openfisca":
        return _openfisca_result(days, situation, e)
    return _numpy_result(days, situation, e)
