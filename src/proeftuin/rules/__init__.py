"""Benefit rules as code: Dutch social assistance (Participatiewet) and its experimental regimes.

A small OpenFisca country package (``system.tax_benefit_system()``): dated YAML parameters with
their legal reference (``parameters/``), earnings regimes as data (``regimes/``), one variable
per module (``variables/``) and YAML tests (``tests/``). See DOMAIN.md section 4.

Public API::

    minimum_wage(dates) -> ndarray;  minimum_hourly_wage(dates) -> ndarray
    count_cost_sharers(*, date, housemate_ages, caregiver_stay=False) -> int
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

from typing import TYPE_CHECKING

from proeftuin.rules.ages import modelled_ages
from proeftuin.rules.catalog import ParameterInfo, parameters
from proeftuin.rules.cost_sharers import count_cost_sharers
from proeftuin.rules.curves import exit_hours, income_curve
from proeftuin.rules.engine import BenefitResult, compute_benefits
from proeftuin.rules.errors import RulesError
from proeftuin.rules.households import HOUSEHOLD_NAMES
from proeftuin.rules.plot import plot_income_curve
from proeftuin.rules.regimes import DEFAULT_REGIME, Regime, get_regime, registry
from proeftuin.rules.scalar import Benefit, compute_benefit
from proeftuin.rules.wages import minimum_hourly_wage, minimum_wage, net_earnings

if TYPE_CHECKING:
    from pathlib import Path


def run_yaml_tests(path: Path | None = None) -> tuple[int, int, list[str]]:
    """Run the YAML tests under ``path`` (:func:`proeftuin.rules.yaml_tests.run_yaml_tests`).

    Imported here, on call: pytest and OpenFisca's test runner take 0.15 s of CPU to import, which
    every command computing benefits (the demo, ``estimate``, the web app) would otherwise pay.
    """
    from proeftuin.rules.yaml_tests import run_yaml_tests as run

    return run(path)


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
    "count_cost_sharers",
    "exit_hours",
    "income_curve",
    "minimum_hourly_wage",
    "minimum_wage",
    "modelled_ages",
    "net_earnings",
    "parameters",
    "plot_income_curve",
    "regime_info",
    "regimes",
    "run_yaml_tests",
]
