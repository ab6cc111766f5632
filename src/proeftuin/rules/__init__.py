"""Benefit rules as code: Dutch social assistance (Participatiewet) and its experimental regimes.

A small OpenFisca country package (``system.tax_benefit_system()``): dated YAML parameters with
their legal reference (``parameters/``), earnings regimes as data (``regimes/``), one variable
per module (``variables/``) and YAML tests (``tests/``). See DOMAIN.md section 4.

Public API::

    minimum_wage(dates) -> ndarray
    compute_benefits(*, date, household, earnings, regime="regular", age=None, cost_sharers=1,
                     youngest_child_age=None, disregard_month=1, hours_per_week=None,
                     engine="numpy") -> BenefitResult
    compute_benefit(*, date, household, earnings, ...same...) -> Benefit
    net_earnings(gross, dates) -> ndarray
    regimes() -> list[str];  regime_info(name) -> Regime
    parameters() -> list[ParameterInfo]
    income_curve(*, date, household, regimes, hours=range(0, 41), ...) -> DataFrame
    exit_hours(*, date, household, regime="regular", ...) -> float
    plot_income_curve(df, ax=None, lang="nl") -> Figure
    run_yaml_tests(path=None) -> (passed, failed, messages)
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from proeftuin.rules.catalog import ParameterInfo, parameters
from proeftuin.rules.curves import exit_hours, income_curve
from proeftuin.rules.dates import DatesLike
from proeftuin.rules.engine import BenefitResult, compute_benefits
from proeftuin.rules.errors import RulesError
from proeftuin.rules.households import HOUSEHOLD_NAMES
from proeftuin.rules.legislation import value_at
from proeftuin.rules.plot import plot_income_curve
from proeftuin.rules.regimes import DEFAULT_REGIME, Regime, get_regime, registry
from proeftuin.rules.scalar import Benefit, compute_benefit
from proeftuin.rules.yaml_tests import run_yaml_tests


def minimum_wage(dates: DatesLike) -> npt.NDArray[np.float64]:
    """Statutory minimum wage (WML), gross per month, age 21 and over, in force on each date.

    Parameter ``wml.gross_monthly_21_plus`` (Wet minimumloon en minimumvakantiebijslag,
    BWBR0002638). ``dates`` is one date or an array-like of dates (``datetime.date``, ISO string
    or numpy ``datetime64``); the result is a float array of the same length.

    Raises:
        RulesError: a date before 2017-07-01, the first known value.
    """
    return value_at("wml.gross_monthly_21_plus", dates)


def net_earnings(gross: npt.ArrayLike, dates: DatesLike) -> npt.NDArray[np.float64]:
    """Net monthly earnings from gross, by the dated share ``labour.net_share_of_gross_earnings``.

    Income tax and social contributions are not modelled: the share is an explicit *assumption*
    parameter (see its YAML file), the same one the income curves use. ``gross`` and ``dates``
    broadcast against each other.
    """
    return np.asarray(gross, dtype=np.float64) * value_at("labour.net_share_of_gross_earnings", dates)


def regimes() -> list[str]:
    """Names of all earnings regimes (``regular`` first)."""
    return list(registry())


def regime_info(name: str) -> Regime:
    """The definition of regime ``name`` (labels, legal source, tiers, bonuses).

    Raises:
        RulesError: an unknown regime.
    """
    return get_regime(name)


__all__ = [
    "DEFAULT_REGIME",
    "HOUSEHOLD_NAMES",
    "Benefit",
    "BenefitResult",
    "ParameterInfo",
    "Regime",
    "RulesError",
    "compute_benefit",
    "compute_benefits",
    "exit_hours",
    "income_curve",
    "minimum_wage",
    "net_earnings",
    "parameters",
    "plot_income_curve",
    "regime_info",
    "regimes",
    "run_yaml_tests",
]
