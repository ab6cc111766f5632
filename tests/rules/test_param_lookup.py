"""The per-call day table of the numpy path gives every row the value ``value_at`` gives it."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proeftuin.rules import RulesError, compute_benefits
from proeftuin.rules.engine import numpy_param_fn
from proeftuin.rules.legislation import value_at

NAMES = ["wml.gross_monthly_21_plus", "participatiewet.art_21.norm_single", "participatiewet.art_31.lid_2_r.cap", "aow.pension_age"]


@settings(max_examples=50, deadline=None)
@given(days=st.lists(st.integers(0, 365 * 12), min_size=1, max_size=200), name=st.sampled_from(NAMES))
def test_day_table_equals_value_at_on_every_row(days: list[int], name: str) -> None:
    dates = np.datetime64("2015-01-01") + np.array(days).astype("timedelta64[D]")
    looked_up = numpy_param_fn(dates)(name)
    np.testing.assert_array_equal(np.broadcast_to(looked_up, dates.shape), value_at(name, dates))


def test_a_date_before_the_first_value_is_named_as_before() -> None:
    dates = np.array(["2020-01-01", "2014-12-01", "2014-06-30"], dtype="datetime64[D]")
    with pytest.raises(RulesError, match=r"wml\.gross_monthly_21_plus' is known for 2014-06-30"):
        numpy_param_fn(dates)("wml.gross_monthly_21_plus")


def test_one_date_repeated_still_gives_one_result_per_row() -> None:
    dates = np.array(["2024-03-01"] * 4, dtype="datetime64[D]")
    assert compute_benefits(date=dates, household="single", earnings=0.0).norm.tolist() == [1283.83] * 4


def test_dates_per_row_with_one_earnings_amount() -> None:
    # Regression: the disregard's maximum over tiers stacked arrays of different lengths
    # (ValueError "inhomogeneous shape") when dates varied by row and earnings were one number.
    dates = np.array(["2018-03-01", "2024-03-01"], dtype="datetime64[D]")
    result = compute_benefits(date=dates, household="single", earnings=2000.0)
    assert result.disregard.tolist() == [202.0, 264.0]
