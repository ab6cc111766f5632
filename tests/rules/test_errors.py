"""Bad input is a RulesError with a clear message, never a default."""

from __future__ import annotations

import pytest

from proeftuin.rules import RulesError, compute_benefit, compute_benefits

OK = {"date": "2018-03-01", "household": "single", "earnings": 100.0}


def test_date_before_first_value_names_the_parameter() -> None:
    # the parameter histories start on 2015-01-01 (PARAMETERS.md)
    with pytest.raises(RulesError, match=r"parameter 'participatiewet\.art_21\.[a-z_]+' is known for 2014-12-31"):
        compute_benefit(**{**OK, "date": "2014-12-31"})


def test_unknown_regime_lists_the_known_ones() -> None:
    with pytest.raises(RulesError, match=r"unknown regime 'nope': expected one of regular, "):
        compute_benefit(**OK, regime="nope")


def test_unknown_household_type() -> None:
    with pytest.raises(RulesError, match=r"unknown household type 'family': expected one of single, single-parent, couple"):
        compute_benefit(**{**OK, "household": "family"})


def test_missing_household_type_is_not_defaulted() -> None:
    with pytest.raises(RulesError, match="unknown household type 'None'"):
        compute_benefit(**{**OK, "household": None})  # type: ignore[arg-type]


def test_negative_earnings() -> None:
    with pytest.raises(RulesError, match="earnings must not be negative, got -1"):
        compute_benefit(**{**OK, "earnings": -1.0})


def test_age_outside_art_21() -> None:
    with pytest.raises(RulesError, match="age 20 is outside the ages of art. 21"):
        compute_benefit(**OK, age=20)


def test_work_bonus_regime_needs_hours() -> None:
    with pytest.raises(RulesError, match="regime 'tilburg-2017' pays a work bonus for full-time work: give hours_per_week"):
        compute_benefit(**OK, regime="tilburg-2017")


def test_single_parent_from_month_7_needs_the_youngest_child() -> None:
    with pytest.raises(RulesError, match="give youngest_child_age for a single parent"):
        compute_benefit(**{**OK, "household": "single-parent"}, disregard_month=7)


def test_cost_sharers_at_least_one() -> None:
    with pytest.raises(RulesError, match="cost_sharers must be a whole number of at least 1"):
        compute_benefit(**OK, cost_sharers=0)


def test_misaligned_arrays() -> None:
    with pytest.raises(RulesError, match="inputs of different lengths"):
        compute_benefits(date="2018-03-01", household=["single", "couple"], earnings=[1.0, 2.0, 3.0])
