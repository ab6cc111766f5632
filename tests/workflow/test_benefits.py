"""Each participant's monthly benefit follows from their arm's regime, by the rules engine."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proeftuin.rules import RulesError, compute_benefit, net_earnings
from proeftuin.workflow.benefits import earning_streak, monthly_benefits

CENT = 0.005


@pytest.fixture
def records() -> tuple[pd.DataFrame, pd.DataFrame]:
    people = pd.DataFrame(
        {
            "participant_id": [1, 2],
            "regime": ["regular", "utrecht-2018"],
            "household": ["single", "single-parent"],
            "age": [35, 41],
            "youngest_child_age": [None, 8],
        }
    )
    periods = [dt.date(2018, 6, 1) + pd.DateOffset(months=k) for k in range(8)]
    earnings = [0, 400, 400, 400, 400, 400, 400, 400]
    months = pd.DataFrame(
        {
            "participant_id": np.repeat([1, 2], 8),
            "month": np.tile(np.arange(1, 9), 2),
            "period": [p.date() for p in periods] * 2,
            "hours_per_week": [0 if e == 0 else 10 for e in earnings] * 2,
            "gross_earnings": earnings * 2,
        }
    )
    return people, months


def test_the_disregard_month_counts_consecutive_months_with_earnings(records) -> None:
    _, months = records
    shuffled = months.sample(frac=1.0, random_state=3)
    streak = pd.Series(earning_streak(shuffled), index=shuffled.index).sort_index().to_numpy()
    np.testing.assert_array_equal(streak[:8], [0, 1, 2, 3, 4, 5, 6, 7])


def test_each_person_month_equals_the_scalar_rules(records) -> None:
    people, months = records
    benefits = monthly_benefits(people, months)
    for row in benefits.itertuples():
        person = people.set_index("participant_id").loc[row.participant_id]
        gross = months.set_index(["participant_id", "month"]).loc[(row.participant_id, row.month), "gross_earnings"]
        expected = compute_benefit(
            date=row.period, household=person.household, earnings=float(net_earnings(gross, row.period)[0]),
            regime=row.regime, age=person.age,
            youngest_child_age=None if pd.isna(person.youngest_child_age) else int(person.youngest_child_age),
            disregard_month=max(row.disregard_month, 1), hours_per_week=10.0 if gross else 0.0,
        )
        assert row.benefit == pytest.approx(expected.benefit, abs=CENT)
        assert row.disregard == pytest.approx(expected.disregard, abs=CENT)


def test_the_regular_disregard_stops_after_six_months_the_experimental_one_does_not(records) -> None:
    people, months = records
    benefits = monthly_benefits(people.assign(household="single", youngest_child_age=None), months)
    regular = benefits[benefits["participant_id"] == 1].set_index("month")["disregard"]
    experiment = benefits[benefits["participant_id"] == 2].set_index("month")["disregard"]
    assert regular[7] > 0 and regular[8] == 0  # months 2-7 are the 1st-6th month with earnings
    assert (experiment[2:] > regular[2:]).all() or experiment[8] > 0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.booleans()), min_size=1, max_size=60), st.randoms(use_true_random=False))
def test_the_streak_equals_a_plain_count_in_any_row_order(rows: list[tuple[int, bool]], shuffle) -> None:
    """Property: the vectorised streak is the running count that restarts at a month without earnings."""
    person = [p for p, _ in rows]
    month = [sum(1 for q in person[: i + 1] if q == p) for i, p in enumerate(person)]
    frame = pd.DataFrame({"participant_id": person, "month": month, "gross_earnings": [100.0 if e else 0.0 for _, e in rows]})
    expected, running = [], {}
    for p, earns in rows:
        running[p] = running.get(p, 0) + 1 if earns else 0
        expected.append(running[p])
    order = list(frame.index)
    shuffle.shuffle(order)
    shuffled = frame.loc[order]
    np.testing.assert_array_equal(earning_streak(shuffled), np.asarray(expected)[order])


def test_months_of_an_age_the_rules_do_not_model_have_no_amounts(records) -> None:
    # The bug: one participant aged 18 (a plan may allow it) made the whole standard analysis fail with
    # RulesError; now that person's months have no amounts and everyone else's are unchanged.
    people, months = records
    before = monthly_benefits(people, months)
    young = people.assign(age=[18, 41])
    with pytest.raises(RulesError, match="age 18"):
        monthly_benefits(young, months)  # an export names the problem
    after = monthly_benefits(young, months, unmodelled_ages="missing")  # the analysis leaves those months out
    first = after["participant_id"] == 1
    assert after.loc[first, ["norm", "benefit", "net_income"]].isna().all().all()
    pd.testing.assert_frame_equal(after.loc[~first].reset_index(drop=True), before.loc[~first].reset_index(drop=True))
