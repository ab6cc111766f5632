"""Use case: each participant's benefit in each month, from their arm's regime (``proeftuin.rules``).

Every arm names its benefit regime; a participant's benefit in a month follows from that regime,
their household, age (at enrolment) and the age of a single parent's youngest child, and the
month's records: net earnings (:func:`proeftuin.rules.net_earnings` of gross), hours worked
(Tilburg's work bonus) and the number of consecutive months with earnings so far (the
disregard's month counter, art. 31 lid 2 n: at most 6 consecutive months in the regular regime).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from proeftuin.rules import compute_benefits, modelled_ages, net_earnings

BENEFIT_COLUMNS = ("participant_id", "month", "period", "regime", "disregard_month", "norm", "disregard", "benefit", "work_bonus", "net_income")


def earning_streak(months: pd.DataFrame) -> np.ndarray:
    """Consecutive months with earnings up to each person-month (0 in a month without).

    Vectorised: with ``c`` the running count of earning months, a run restarts at every month
    without earnings and at every person's first month; the streak is ``c`` minus its value just
    before the run began.
    """
    ordered = months.sort_values(["participant_id", "month"])
    earning = (ordered["gross_earnings"].to_numpy() > 0).astype(np.int64)
    person = ordered["participant_id"].to_numpy()
    count = np.cumsum(earning)
    first = np.r_[True, person[1:] != person[:-1]]
    restart = first | (earning == 0)
    base = pd.Series(np.where(restart, count - earning, np.nan)).ffill().to_numpy()
    streak = np.where(earning == 1, count - base, 0).astype(int)
    return pd.Series(streak, index=ordered.index).reindex(months.index).to_numpy()


def monthly_benefits(participants: pd.DataFrame, months: pd.DataFrame, *, unmodelled_ages: Literal["error", "missing"] = "error") -> pd.DataFrame:
    """One row per person-month with the columns of :data:`BENEFIT_COLUMNS` (euros per month).

    A person of an age the rules do not model (youth or pension-age norms) is a ``RulesError``
    naming the age (an export must not hand out blanks unexplained); with
    ``unmodelled_ages="missing"`` their months get no amounts instead (the analysis then leaves
    them out of the benefit outcome only).
    """
    people = participants.set_index("participant_id")
    rows = months.join(people[["regime", "household", "age", "youngest_child_age"]], on="participant_id")
    periods = pd.to_datetime(rows["period"]).to_numpy().astype("datetime64[D]")
    streak = earning_streak(months)
    youngest = pd.to_numeric(rows["youngest_child_age"], errors="coerce").to_numpy(dtype=float)
    age = rows["age"].to_numpy(dtype=float)
    # Youth and pension-age norms are not modelled: those months get no amounts (missing), not an error.
    low, high = modelled_ages(periods)
    kept = np.flatnonzero((age >= low) & (age < high)) if unmodelled_ages == "missing" else np.arange(len(age))
    out = rows[["participant_id", "month", "period", "regime"]].assign(disregard_month=streak)
    for column in ("norm", "disregard", "benefit", "work_bonus", "net_income"):
        out[column] = np.nan
    if kept.size:
        result = compute_benefits(
            date=periods[kept],
            household=rows["household"].to_numpy(dtype=object)[kept],
            earnings=net_earnings(rows["gross_earnings"].to_numpy(dtype=float)[kept], periods[kept]),
            regime=rows["regime"].to_numpy(dtype=object)[kept],
            age=age[kept],
            youngest_child_age=youngest[kept],
            disregard_month=np.maximum(streak, 1)[kept],
            hours_per_week=rows["hours_per_week"].to_numpy(dtype=float)[kept],
        )
        for column in ("norm", "disregard", "benefit", "work_bonus", "net_income"):
            out.iloc[kept, out.columns.get_loc(column)] = np.round(getattr(result, column), 2)
    return out.loc[:, list(BENEFIT_COLUMNS)].reset_index(drop=True)
