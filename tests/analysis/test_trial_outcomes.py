"""Labour outcomes from monthly records: each record is measured against its own month's minimum wage."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd


def test_earnings_are_compared_with_the_minimum_wage_of_each_records_own_month() -> None:
    """Rolling intake: month 1 is June 2017 for one person, January 2018 for the other (the WML changed)."""
    from proeftuin.analysis.trial import labour_outcomes
    from proeftuin.rules import minimum_wage

    people = pd.DataFrame({"participant_id": [1, 2]})
    # exactly half the WML of 2017-07 (1,565.40): above 50% nowhere; half of 2018-01 (1,594.20) is more
    months = pd.DataFrame({"participant_id": [1, 2], "month": [1, 1], "period": [dt.date(2017, 7, 1), dt.date(2018, 1, 1)],
                           "hours_per_week": [20.0, 20.0], "contract": ["temporary", "temporary"],
                           "gross_earnings": [0.5 * 1565.40 + 0.01, 0.5 * 1565.40 + 0.01], "on_benefit": [True, True]})
    earns_half = labour_outcomes(people, months, minimum_wage)["earn_50"][:, 0]
    np.testing.assert_array_equal(earns_half, [1.0, 0.0])
