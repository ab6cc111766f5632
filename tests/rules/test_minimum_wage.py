"""The statutory minimum wage (WML): monthly until 2023, hourly from 2024 (PARAMETERS.md section 1).

From 2024-01-01 the law sets only an hourly minimum; the one official monthly figure is the
referentiemaandloon, which is what :func:`minimum_wage` returns from then on. Before 2024 the
hourly rate is the published conversion of the weekly amount for the 36-hour full-time week.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from parameter_sources import table, wml_hourly_36, wml_rows

from proeftuin.rules import RulesError, minimum_hourly_wage, minimum_wage
from proeftuin.rules.legislation import value_at

HOURLY_ROWS = [(d, m, h) for d, m, h in wml_rows() if h is not None]
PUBLISHED_36H = [(r.start, wml_hourly_36(r)) for r in table(1) if wml_hourly_36(r) is not None]


def test_previous_value_holds_until_the_next_start() -> None:
    days = np.array(["2018-06-30", "2021-12-31", "2025-12-31"], dtype="datetime64[D]")
    assert minimum_wage(days).tolist() == [1578.00, 1701.00, 2245.80]


def test_accepts_python_dates_and_returns_an_array() -> None:
    result = minimum_wage([dt.date(2023, 1, 1), dt.date(2023, 7, 1)])
    assert isinstance(result, np.ndarray)
    assert result.tolist() == [1934.40, 1995.00]


def test_date_before_first_value_names_the_parameter() -> None:
    with pytest.raises(RulesError, match=r"parameter 'wml\.gross_monthly_21_plus'.*2014-12-31"):
        minimum_wage(["2014-12-31"])


def test_rules_error_is_a_value_error() -> None:
    assert issubclass(RulesError, ValueError)


@pytest.mark.parametrize(("start", "reference_month", "hourly"), HOURLY_ROWS)
def test_from_2024_the_hourly_amount_is_the_law_and_the_month_its_reference(start: str, reference_month: float, hourly: float) -> None:
    assert minimum_hourly_wage([start]).tolist() == [hourly]
    # the monthly figure is the published referentiemaandloon, not hours x hourly rate (the
    # 36/38/40-hour monthly amounts of payroll sites are unofficial conversions)
    assert minimum_wage([start]).tolist() == [reference_month]


@pytest.mark.parametrize(("start", "reference_month", "hourly"), HOURLY_ROWS)
def test_the_hourly_minimum_is_the_reference_week_over_36_hours(start: str, reference_month: float, hourly: float) -> None:
    # referentiemaandloon x 3/13 / 36 rounded up to the cent, within a cent (2025-01: the
    # quotient is exactly 14.05, published 14.06): the law's full-time week is 36 hours, the
    # one full-time-week parameter of the rules and the simulator.
    assert value_at("labour.full_time_hours_per_week", [start])[0] == 36
    derived = math.ceil(round(reference_month * 3 / 13 / 36 * 100, 6)) / 100
    assert 0 <= round(hourly - derived, 2) <= 0.01


@pytest.mark.parametrize(("start", "published"), PUBLISHED_36H)
def test_before_2024_the_hourly_rate_is_the_published_36_hour_rate(start: str, published: float) -> None:
    assert minimum_hourly_wage([start]).tolist() == [published]


def test_hourly_rate_switches_to_the_statutory_amount_on_2024_01_01() -> None:
    assert minimum_hourly_wage(["2023-12-31", "2024-01-01"]).tolist() == [12.79, 13.27]
