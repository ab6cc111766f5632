"""A call with rows under several regimes: each regime is evaluated on its own rows only.

The reference is the former path: every regime evaluated on every row, each row then taking
its own regime's result. Grouping must give exactly the same numbers (issue 14: the former path
cost 5.2x a single-regime call), and rows under one regime no longer fail for another regime's
needs (its hours, or a parameter dated after their dates).
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proeftuin.rules import BenefitResult, RulesError, compute_benefits, regimes

# Regimes in force from 2017-10 (the municipal ones of 2018/2020 start later).
FROM_2017_10 = [r for r in regimes() if not r.startswith(("amsterdam", "wageningen-2020"))]
DATES = ["2017-10-01", "2018-06-01", "2019-01-01", "2020-10-01", "2023-03-01", "2024-07-01", "2026-01-01"]


def every_regime_on_every_row(kwargs: dict, regime: np.ndarray) -> BenefitResult:
    """The former path: all rows under each regime present, then each row's own result."""
    whole = {name: compute_benefits(**kwargs, regime=name) for name in np.unique(regime)}
    return BenefitResult(
        **{f.name: np.select([regime == name for name in whole], [getattr(r, f.name) for r in whole.values()])
           for f in fields(BenefitResult)}
    )


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(DATES),
            st.sampled_from(["single", "single-parent", "couple"]),
            st.floats(0, 3000).map(lambda x: round(x, 2)),
            st.sampled_from(FROM_2017_10),
            st.integers(21, 65),
            st.integers(1, 5),
            st.integers(0, 17),
            st.integers(1, 40),
            st.floats(0, 40).map(lambda x: round(x, 1)),
        ),
        min_size=1,
        max_size=60,
    )
)
def test_grouped_by_regime_equals_every_regime_on_every_row(rows: list[tuple]) -> None:
    date, household, earnings, regime, age, sharers, child, month, hours = map(np.array, zip(*rows, strict=True))
    kwargs = dict(
        date=date.astype("datetime64[D]"), household=household, earnings=earnings, age=age, cost_sharers=sharers,
        youngest_child_age=child, disregard_month=month, hours_per_week=hours,
    )
    grouped = compute_benefits(**kwargs, regime=regime)
    reference = every_regime_on_every_row(kwargs, regime)
    for f in fields(BenefitResult):
        np.testing.assert_array_equal(getattr(grouped, f.name), getattr(reference, f.name), err_msg=f.name)


def test_rows_keep_their_order_with_scalar_inputs_shared() -> None:
    result = compute_benefits(
        date="2018-03-01", household="single", earnings=[400.0, 400.0, 400.0],
        regime=["experiment-50", "regular", "experiment-50"],
    )
    assert result.disregard.tolist() == [200.0, 100.0, 200.0]


def test_hours_are_needed_only_on_the_rows_of_a_regime_with_a_work_bonus() -> None:
    # Regression: one tilburg-2017 row made hours_per_week required on every row.
    result = compute_benefits(
        date="2018-03-01", household="single", earnings=[0.0, 1500.0],
        regime=["regular", "tilburg-2017"], hours_per_week=[np.nan, 36.0],
    )
    assert result.work_bonus.tolist() == [0.0, 200.0]
    with pytest.raises(RulesError, match="tilburg-2017.*hours_per_week"):
        compute_benefits(date="2018-03-01", household="single", earnings=[0.0, 1500.0],
                         regime=["regular", "tilburg-2017"], hours_per_week=[36.0, np.nan])


def test_a_regime_dated_later_does_not_fail_the_rows_of_another() -> None:
    # Regression: every regime was evaluated on every row, so a 2017 row under 'regular' failed
    # on amsterdam-2020's parameters (in force from 2020-01-01).
    result = compute_benefits(
        date=np.array(["2017-10-01", "2020-03-01"], dtype="datetime64[D]"), household="single",
        earnings=[400.0, 400.0], regime=["regular", "amsterdam-2020"],
    )
    assert result.disregard[0] == 100.0
    with pytest.raises(RulesError, match="experiments.amsterdam_2020"):
        compute_benefits(date="2017-10-01", household="single", earnings=400.0, regime="amsterdam-2020")


def test_a_missing_regime_is_an_error() -> None:
    with pytest.raises(RulesError, match="regime is missing"):
        compute_benefits(date="2018-03-01", household="single", earnings=[1.0, 2.0], regime=["regular", None])


def test_the_openfisca_simulation_groups_by_regime_too() -> None:
    # One OpenFisca simulation with rows under every regime in force, against the numpy path.
    rng = np.random.default_rng(14)
    n = 300
    kwargs = dict(
        date="2021-03-01", household=rng.choice(["single", "single-parent", "couple"], n),
        earnings=rng.uniform(0, 2500, n).round(2), regime=rng.choice(regimes(), n), age=rng.integers(21, 66, n),
        cost_sharers=rng.integers(1, 5, n), youngest_child_age=rng.integers(0, 18, n),
        disregard_month=rng.integers(1, 40, n), hours_per_week=rng.uniform(0, 40, n).round(1),
    )
    fast, slow = compute_benefits(**kwargs), compute_benefits(**kwargs, engine="openfisca")
    for f in fields(BenefitResult):  # OpenFisca stores float32: within 2.5 cents
        np.testing.assert_allclose(getattr(fast, f.name), getattr(slow, f.name), atol=0.025, err_msg=f.name)
