"""Does work pay? Net income by hours worked at the minimum wage, and the hours that end benefit.

Earnings for ``h`` hours a week: h x WML hourly x 52 / 12 x net share, with the WML hourly
rate of :func:`~proeftuin.rules.wages.minimum_hourly_wage` (the law's hourly minimum from 2024,
the published 36-hour rate before). The net share of gross earnings is an explicit
*assumption* parameter (``labour.net_share_of_gross_earnings``): income tax is not modelled.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from proeftuin.rules.dates import DateLike, as_days
from proeftuin.rules.engine import compute_benefits
from proeftuin.rules.regimes import get_regime
from proeftuin.rules.situation import Floats
from proeftuin.rules.wages import WEEKS_PER_MONTH, minimum_hourly_wage, net_earnings

MAX_HOURS = 80.0  # search bound for exit_hours (hours per week)
BISECTION_STEPS = 40


def net_earnings_for_hours(date: DateLike, hours: Floats) -> Floats:
    """Net monthly earnings for ``hours`` per week at the WML hourly wage on ``date``."""
    day = as_days(date)[:1]
    gross = np.asarray(hours, dtype=np.float64) * WEEKS_PER_MONTH * minimum_hourly_wage(day)[0]
    return net_earnings(gross, day).round(2)


def income_curve(
    *,
    date: DateLike,
    household: str,
    regimes: Sequence[str],
    hours: Iterable[float] = range(0, 41),
    age: float | None = None,
    cost_sharers: int = 1,
    youngest_child_age: float | None = None,
    disregard_month: int = 1,
) -> pd.DataFrame:
    """Net income per month by hours worked per week, one column per regime.

    Index ``hours``; column ``earnings`` (net earnings at the WML hourly wage), then one column
    of net income (earnings + benefit + bonus) per regime, in the order given.
    """
    h = np.asarray(list(hours), dtype=np.float64)
    earnings = net_earnings_for_hours(date, h)
    frame = pd.DataFrame({"earnings": earnings}, index=pd.Index(h, name="hours"))
    for name in regimes:
        get_regime(name)
        result = compute_benefits(
            date=date,
            household=household,
            earnings=earnings,
            regime=name,
            age=age,
            cost_sharers=cost_sharers,
            youngest_child_age=youngest_child_age,
            disregard_month=disregard_month,
            hours_per_week=h,
        )
        frame[name] = result.net_income
    return frame


def exit_hours(
    *,
    date: DateLike,
    household: str,
    regime: str = "regular",
    age: float | None = None,
    cost_sharers: int = 1,
    youngest_child_age: float | None = None,
    disregard_month: int = 1,
) -> float:
    """Hours per week at the WML hourly wage from which no benefit is paid, to 0.01 hour.

    Found by bisection on hours in [0, 80] (benefit is non-increasing in earnings because every
    disregard rate is below 1); ``inf`` if benefit is still paid at 80 hours.
    """

    def benefit_at(hours: float) -> float:
        return float(
            compute_benefits(
                date=date,
                household=household,
                earnings=net_earnings_for_hours(date, np.array([hours])),
                regime=regime,
                age=age,
                cost_sharers=cost_sharers,
                youngest_child_age=youngest_child_age,
                disregard_month=disregard_month,
                hours_per_week=hours,
            ).benefit[0]
        )

    if benefit_at(MAX_HOURS) > 0:
        return float("inf")
    low, high = 0.0, MAX_HOURS
    for _ in range(BISECTION_STEPS):
        mid = (low + high) / 2
        low, high = (mid, high) if benefit_at(mid) > 0 else (low, mid)
    return round(high, 2)
