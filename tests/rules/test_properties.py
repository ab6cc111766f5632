"""Invariants under every regime: benefit never negative; work pays (net income non-decreasing
in earnings, marginal rate between 0 and 1) except at the one cliff the rules themselves make:
Wageningen's part-time premium stops when the benefit does (pinned in its own test below)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from proeftuin.rules import RulesError, compute_benefits, regimes

DATES = st.sampled_from(["2017-10-01", "2018-06-01", "2020-10-01", "2023-03-01", "2026-01-01"])
REGIMES_WITH_A_CLIFF = {"wageningen-2020"}
HOUSEHOLDS = st.sampled_from(["single", "single-parent", "couple"])


@pytest.mark.parametrize("regime", regimes())
@settings(max_examples=25, deadline=None)
@given(
    date=DATES,
    household=HOUSEHOLDS,
    earnings=st.lists(st.floats(0, 4000), min_size=2, max_size=30),
    cost_sharers=st.integers(1, 6),
    month=st.integers(1, 40),
    age=st.integers(21, 65),
)
def test_benefit_non_negative_and_net_income_non_decreasing(
    regime: str, date: str, household: str, earnings: list[float], cost_sharers: int, month: int, age: int
) -> None:
    e = np.sort(np.round(earnings, 2))
    try:
        result = compute_benefits(
            date=date, household=household, earnings=e, regime=regime, age=age,
            cost_sharers=cost_sharers, youngest_child_age=5, disregard_month=month, hours_per_week=20.0,
        )
    except RulesError as exc:  # a municipal regime dated after ``date``
        assert "no value of parameter 'experiments." in str(exc)
        assume(False)
    assert (result.benefit >= 0).all()
    if regime in REGIMES_WITH_A_CLIFF:
        return
    assert (np.diff(result.net_income) >= -0.011).all()  # cents rounding only
    assert ((result.marginal_rate >= 0.0) & (result.marginal_rate <= 1.0)).all()


def test_wageningen_premium_cliff_where_benefit_ends() -> None:
    # Found by the property above: the premium (max 215) is paid only while on benefit, so one
    # euro more that ends the benefit costs the premium.
    result = compute_benefits(
        date="2023-03-01", household="single", earnings=[1441.0, 1442.0], regime="wageningen-2020"
    )
    assert result.benefit[1] == 0 and result.work_bonus.tolist() == [215.0, 0.0]
    assert result.net_income[1] < result.net_income[0]
