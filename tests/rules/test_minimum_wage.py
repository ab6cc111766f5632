"""The statutory minimum wage (WML) parameter: DOMAIN.md section 4 values on their dates."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from proeftuin.rules import RulesError, minimum_wage

# (in force from, gross per month age 21+) as listed in DOMAIN.md section 4.
WML = [
    ("2017-07-01", 1565.40),
    ("2018-01-01", 1594.20),
    ("2019-07-01", 1635.60),
    ("2020-01-01", 1653.60),
    ("2022-01-01", 1725.00),
    ("2022-07-01", 1756.20),
    ("2023-01-01", 1934.40),
    ("2023-07-01", 1995.00),
    ("2024-01-01", 2069.40),
    ("2024-07-01", 2133.60),
    ("2026-01-01", 2294.40),
]


@pytest.mark.parametrize(("start", "amount"), WML)
def test_value_from_its_start_date(start: str, amount: float) -> None:
    assert minimum_wage([start])[0] == pytest.approx(amount, abs=0.005)


def test_previous_value_holds_until_the_next_start() -> None:
    days = np.array(["2018-06-30", "2021-12-31", "2025-12-31"], dtype="datetime64[D]")
    assert minimum_wage(days).tolist() == [1594.20, 1653.60, 2133.60]


def test_accepts_python_dates_and_returns_an_array() -> None:
    result = minimum_wage([dt.date(2023, 1, 1), dt.date(2023, 7, 1)])
    assert isinstance(result, np.ndarray)
    assert result.tolist() == [1934.40, 1995.00]


def test_date_before_first_value_names_the_parameter() -> None:
    with pytest.raises(RulesError, match=r"parameter 'wml\.gross_monthly_21_plus'.*2017-06-30"):
        minimum_wage(["2017-06-30"])


def test_rules_error_is_a_value_error() -> None:
    assert issubclass(RulesError, ValueError)
