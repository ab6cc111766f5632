"""Who counts as a cost-sharer (art. 19a, 22a lid 4): housemates 21+ until 2022, 27+ from 2023."""

from __future__ import annotations

import pytest

from proeftuin.rules import RulesError, compute_benefit, count_cost_sharers


@pytest.mark.parametrize(
    ("date", "ages", "expected"),
    [
        ("2022-12-31", [25], 2),  # 21 or over counts until 2022
        ("2023-01-01", [25], 1),  # 27 or over from 2023-01-01
        ("2022-12-31", [20, 21], 2),
        ("2023-01-01", [26, 27, 60], 3),
        ("2018-03-01", [], 1),
    ],
)
def test_housemates_count_from_the_age_in_force_on_the_date(date: str, ages: list[float], expected: int) -> None:
    assert count_cost_sharers(date=date, housemate_ages=ages) == expected


def test_a_housemate_of_25_lowers_the_norm_in_2022_but_not_in_2023() -> None:
    def norm(date: str) -> float:
        a = count_cost_sharers(date=date, housemate_ages=[25])
        return compute_benefit(date=date, household="single", earnings=0, cost_sharers=a).norm

    assert norm("2022-12-01") == 787.02  # B x (40 + 30 x 2) / 200 = 787.015, half a cent up
    assert norm("2023-01-01") == 1195.66  # art. 21 a: no cost-sharer


def test_informal_carer_staying_elsewhere_is_exempt_from_2026() -> None:
    # art. 22a lid 4 (Participatiewet in balans): from 2026-01-01 only
    assert count_cost_sharers(date="2025-12-31", housemate_ages=[50], caregiver_stay=True) == 2
    assert count_cost_sharers(date="2026-01-01", housemate_ages=[50], caregiver_stay=True) == 1
    assert count_cost_sharers(date="2026-01-01", housemate_ages=[50]) == 2


@pytest.mark.parametrize("ages", [[-1], [float("nan")]])
def test_a_negative_or_missing_age_is_an_error(ages: list[float]) -> None:
    with pytest.raises(RulesError, match="housemate ages"):
        count_cost_sharers(date="2024-01-01", housemate_ages=ages)


def test_a_date_before_the_first_value_names_the_parameter() -> None:
    with pytest.raises(RulesError, match="cost_sharer_min_age"):
        count_cost_sharers(date="2014-12-31", housemate_ages=[30])
