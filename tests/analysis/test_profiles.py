"""Monthly profiles: one pass equals month-by-month fits; cumulative sums are running sums."""

from __future__ import annotations

import numpy as np
import pytest

from proeftuin.analysis import estimate_effects, monthly_profiles

EXACT_TOL = 1e-12


def test_profile_equals_month_by_month(rng):
    n, months = 300, 6
    arm = np.array(["control", "exemption"])[rng.integers(0, 2, n)]
    employed = (rng.random((n, months)) < 0.3).astype(float)
    earnings = rng.gamma(2.0, 300.0, (n, months)) * employed
    employed[rng.random((n, months)) < 0.05] = np.nan
    table = monthly_profiles({"employed": employed, "earnings": earnings}, arm, control="control")
    assert len(table) == 2 * 2 * months
    for t in range(months):
        single = estimate_effects(employed[:, t], arm, control="control")[0]
        effect = table.get(f"employed[m{t + 1}]", "exemption")
        assert effect.estimate == pytest.approx(single.estimate, abs=EXACT_TOL)
        assert effect.std_error == pytest.approx(single.std_error, abs=EXACT_TOL)
        assert effect.extra == {"month": t + 1, "cumulative": 0.0}
        total = estimate_effects(earnings[:, : t + 1].sum(axis=1), arm, control="control")[0]
        cumulative = table.get(f"earnings cumulative[m{t + 1}]", "exemption")
        assert cumulative.estimate == pytest.approx(total.estimate, rel=EXACT_TOL)
        assert cumulative.extra["cumulative"] == 1.0


def test_missing_month_makes_the_running_sum_missing():
    arm = np.array(["control", "exemption"] * 4)
    employed = np.ones((8, 3))
    employed[0, 1] = np.nan
    table = monthly_profiles({"employed": employed + np.arange(8)[:, None] % 3}, arm, control="control")
    assert table.get("employed cumulative[m1]", "exemption").n == 8
    assert table.get("employed cumulative[m3]", "exemption").n == 7
