"""The statutory minimum wage per month and per hour, and net earnings from gross.

Until 2023 the Wet minimumloon en minimumvakantiebijslag (BWBR0002638) set a monthly amount for
a full-time week; from 2024-01-01 it sets only an hourly minimum, and the one official monthly
figure is the *referentiemaandloon* (PARAMETERS.md section 1).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from proeftuin.rules.dates import DatesLike, as_days
from proeftuin.rules.legislation import dated_values, value_at
from proeftuin.rules.money import up_to_cents

MONTHLY = "wml.gross_monthly_21_plus"
HOURLY = "wml.hourly_21_plus"
FULL_TIME_HOURS = "labour.full_time_hours_per_week"
#: A month is 13/3 weeks (52 weeks / 12 months), as the WML converts week and month amounts.
WEEKS_PER_MONTH = 13 / 3


def minimum_wage(dates: DatesLike) -> npt.NDArray[np.float64]:
    """Statutory minimum wage (WML), gross per month, adult rate, in force on each date.

    Parameter ``wml.gross_monthly_21_plus``: the monthly amount for a full-time week until 2023,
    the *referentiemaandloon* from 2024-01-01. ``dates`` is one date or an array-like of dates
    (``datetime.date``, ISO string or numpy ``datetime64``); the result is a float array of the
    same length.

    Raises:
        RulesError: a date before 2015-01-01, the first known value.
    """
    return value_at(MONTHLY, dates)


def minimum_hourly_wage(dates: DatesLike) -> npt.NDArray[np.float64]:
    """Statutory minimum wage, gross per hour, adult rate, in force on each date.

    From 2024-01-01 the law's hourly amount (``wml.hourly_21_plus``). Before, the hourly rate
    for the full-time week ``labour.full_time_hours_per_week`` (36) as published: the weekly
    amount (monthly x 3/13) divided by the hours, rounded up to the cent.

    Raises:
        RulesError: a date before 2015-01-01, the first known value.
    """
    days = as_days(dates)
    statutory = dated_values(HOURLY)
    hourly = days >= statutory.starts[0]
    out = np.empty(days.shape, dtype=np.float64)
    out[hourly] = statutory.at(days[hourly])
    before = days[~hourly]
    out[~hourly] = up_to_cents(value_at(MONTHLY, before) / WEEKS_PER_MONTH / value_at(FULL_TIME_HOURS, before))
    return out


def net_earnings(gross: npt.ArrayLike, dates: DatesLike) -> npt.NDArray[np.float64]:
    """Net monthly earnings from gross, by the dated share ``labour.net_share_of_gross_earnings``.

    Income tax and social contributions are not modelled: the share is an explicit *assumption*
    parameter (see its YAML file), the same one the income curves use. ``gross`` and ``dates``
    broadcast against each other.
    """
    return np.asarray(gross, dtype=np.float64) * value_at("labour.net_share_of_gross_earnings", dates)
