"""Register outcomes computed in the engine equal the in-memory definitions on the same records."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from proeftuin.design.outcomes import CONTRACT_CODES, INDICATOR_RULES, ever, labour_indicators
from proeftuin.rules import minimum_wage
from proeftuin.scale import DatasetError, Window, register_outcomes, write_register

WINDOW = Window(dt.date(2024, 2, 1), dt.date(2025, 1, 1))


def _month_index(months: pd.Series, window: Window) -> np.ndarray:
    stamps = pd.to_datetime(months)
    return ((stamps.dt.year - window.first.year) * 12 + stamps.dt.month - window.first.month).to_numpy()


def _in_memory(folder: Path, window: Window) -> pd.DataFrame:
    """The reference: person x month panels through :func:`labour_indicators` and :func:`ever`."""
    jobs, benefits = pd.read_parquet(folder / "jobs"), pd.read_parquet(folder / "benefits")
    people = pd.read_parquet(folder / "assignments").sort_values("pseudonym").reset_index(drop=True)
    row = pd.Series(np.arange(len(people)), index=people["pseudonym"])
    months = window.months()
    panels = {k: np.zeros((len(people), len(months))) for k in ("hours", "contract", "wage", "benefit")}
    jobs = jobs.assign(t=_month_index(jobs["month"], window))
    jobs = jobs[(jobs["t"] >= 0) & (jobs["t"] < len(months))]
    benefits = benefits.assign(t=_month_index(benefits["month"], window))
    benefits = benefits[(benefits["t"] >= 0) & (benefits["t"] < len(months))]
    at = (row[jobs["pseudonym"]].to_numpy(), jobs["t"].to_numpy())
    panels["hours"][at] = jobs["hours_per_week"]
    panels["contract"][at] = jobs["contract"].map(CONTRACT_CODES)
    panels["wage"][at] = jobs["gross_wage"]
    panels["benefit"][row[benefits["pseudonym"]].to_numpy(), benefits["t"].to_numpy()] = 1
    monthly = labour_indicators(panels["hours"], panels["contract"], panels["wage"], minimum_wage(months)[None, :], panels["benefit"])
    return people.assign(**{name: ever(value) for name, value in monthly.items()})


def test_every_outcome_equals_the_in_memory_definition(con, register) -> None:
    result = register_outcomes(con, jobs=register / "jobs", benefits=register / "benefits/*.parquet",
                               assignments=register / "assignments", window=WINDOW).to_pandas()
    result = result.sort_values("pseudonym").reset_index(drop=True)
    expected = _in_memory(register, WINDOW)
    assert list(result.columns) == ["pseudonym", "arm", "stratum", *(r.outcome for r in INDICATOR_RULES)]
    pd.testing.assert_frame_equal(result, expected[result.columns], check_dtype=False)
    assert 0.05 < result["work_8h"].mean() < 0.95  # the synthetic register has variation to check


def test_several_jobs_in_a_month_add_up_and_the_firmest_contract_counts(con, tmp_path) -> None:
    month = dt.date(2024, 3, 1)
    pd.DataFrame({"pseudonym": ["a", "a", "b"], "month": [month, dt.date(2024, 3, 20), month],
                  "hours_per_week": [6.0, 6.0, 6.0], "contract": ["temporary", "permanent", "temporary"],
                  "gross_wage": [600.0, 600.0, 600.0]}).to_parquet(tmp_path / "jobs.parquet")
    pd.DataFrame({"pseudonym": ["a", "b"], "month": [month, month]}).to_parquet(tmp_path / "benefits.parquet")
    pd.DataFrame({"pseudonym": ["a", "b", "c"], "arm": ["ctl", "t", "t"], "block": ["x", "x", "y"]}).to_parquet(tmp_path / "assignments.parquet")
    result = register_outcomes(con, jobs=tmp_path / "jobs.parquet", benefits=tmp_path / "benefits.parquet",
                               assignments=tmp_path / "assignments.parquet", window=Window(month, month), control="ctl")
    out = result.to_pandas().set_index("pseudonym").sort_index()
    wml = float(minimum_wage([month])[0])
    assert out.loc["a", ["work_8h", "contract_permanent", "contract_temporary"]].tolist() == [1.0, 0.0 + 1.0, 0.0]
    assert out.loc["b", ["work_8h", "contract_temporary"]].tolist() == [0.0, 1.0]
    assert out.loc["a", "earn_50"] == float(1200.0 / wml > 0.5)
    assert out["arm"].tolist() == ["control", "t", "t"]  # the control value is written as 'control'
    assert out.loc["c"].drop(["arm", "block"]).tolist() == [0.0] * 9 + [1.0]  # no records: no work, off benefit


def test_a_missing_column_is_named_with_its_file(con, register, tmp_path) -> None:
    pd.DataFrame({"pseudonym": ["a"], "month": [dt.date(2024, 1, 1)]}).to_parquet(tmp_path / "jobs.parquet")
    with pytest.raises(DatasetError, match="jobs.parquet: column hours_per_week: no such column"):
        register_outcomes(con, jobs=tmp_path / "jobs.parquet", benefits=register / "benefits",
                          assignments=register / "assignments", window=WINDOW)


def test_the_synthetic_register_is_reproducible_and_partitioned_by_pseudonym(tmp_path) -> None:
    first = write_register(tmp_path / "a", persons=300, months=3, seed=5)
    write_register(tmp_path / "b", persons=300, months=3, seed=5)
    for name in ("jobs", "benefits", "assignments"):
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "a" / name), pd.read_parquet(tmp_path / "b" / name))
    people = pd.read_parquet(tmp_path / "a" / "assignments")
    assert first.person_months == 900 and people["pseudonym"].is_unique
    assert people.groupby("stratum")["arm"].value_counts().groupby(level=0).agg(np.ptp).max() <= 1  # equal shares per stratum
    with pytest.raises(ValueError, match="not empty"):
        write_register(tmp_path / "a", persons=10, months=1, seed=5)
