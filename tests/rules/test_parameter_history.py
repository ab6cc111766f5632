"""Every half-yearly value of PARAMETERS.md, 2015-2026, is a dated parameter to the cent.

The expected values are parsed from the tables of PARAMETERS.md (``data/``), so a parameter
that drifts from its source fails. A value must be in force from its own date and not the day
before (unless the source repeats it), and carry the source it came from.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from parameter_sources import cap_rows, norm_excl_rows, norm_rows, table, wml_rows

from proeftuin.rules import compute_benefit, compute_benefits, minimum_wage, parameters
from proeftuin.rules.legislation import parameter, value_at

NORM_SINGLE = "participatiewet.art_21.norm_single"
NORM_COUPLE = "participatiewet.art_21.norm_couple"
CAP_N = "participatiewet.art_31.lid_2_n.cap"
CAP_R = "participatiewet.art_31.lid_2_r.cap"
MONTHLY = "wml.gross_monthly_21_plus"
HOURLY = "wml.hourly_21_plus"


def _history(name: str) -> list[tuple[str, float]]:
    return [(v.instant_str, float(v.value)) for v in sorted(parameter(name).values_list, key=lambda v: v.instant_str)]


def _expected() -> dict[str, list[tuple[str, float]]]:
    wml = wml_rows()
    return {
        MONTHLY: [(d, m) for d, m, _ in wml],
        HOURLY: [(d, h) for d, _, h in wml if h is not None],
        NORM_SINGLE: [(d, s) for d, s, _ in norm_rows()],
        NORM_COUPLE: [(d, c) for d, _, c in norm_rows()],
        CAP_N: cap_rows(3),
        CAP_R: cap_rows(4),
    }


def test_the_source_tables_are_complete() -> None:
    # 2015-01 to 2026-07: 24 half-years in each table; the hourly WML from 2024 on
    half_years = [f"{y}-{m}-01" for y in range(2015, 2027) for m in ("01", "07")]
    for name, rows in _expected().items():
        starts = [d for d, _ in rows]
        assert starts == (half_years[18:] if name == HOURLY else half_years), name


@pytest.mark.parametrize("name", [MONTHLY, HOURLY, NORM_SINGLE, NORM_COUPLE, CAP_N, CAP_R])
def test_parameter_history_equals_the_source_to_the_cent(name: str) -> None:
    got = _history(name)
    want = _expected()[name]
    assert [d for d, _ in got] == [d for d, _ in want]
    for (date, value), (_, expected) in zip(got, want, strict=True):
        assert round(value, 2) == expected, f"{name} from {date}: {value} != {expected}"


@pytest.mark.parametrize("name", [MONTHLY, HOURLY, NORM_SINGLE, NORM_COUPLE, CAP_N, CAP_R])
def test_each_value_is_in_force_from_its_date_and_not_the_day_before(name: str) -> None:
    rows = _expected()[name]
    starts = np.array([d for d, _ in rows], dtype="datetime64[D]")
    assert value_at(name, starts).tolist() == [v for _, v in rows]
    if name != HOURLY:
        previous = value_at(name, starts[1:] - 1).tolist()
        assert previous == [v for _, v in rows[:-1]]


@pytest.mark.parametrize("name", [MONTHLY, HOURLY, NORM_SINGLE, NORM_COUPLE, CAP_N, CAP_R])
def test_each_value_names_its_source(name: str) -> None:
    info = {p.name: p for p in parameters()}[name]
    assert [d for d, _ in info.sources] == [d for d, _ in info.values]
    assert all(source.strip() for _, source in info.sources)


def test_minimum_wage_of_2018_is_1578_until_july() -> None:
    # Regression: an earlier DOMAIN.md dated 1,594.20 from 2018-01-01; it applies from 2018-07-01.
    assert minimum_wage(["2018-01-01", "2018-06-30", "2018-07-01"]).tolist() == [1578.00, 1578.00, 1594.20]


def test_norm_has_no_gap_between_2018_and_2020() -> None:
    # Regression: the norm jumped from its 2018-01 value straight to 2020-07.
    norms = [compute_benefit(date=d, household="single", earnings=0).norm for d in ("2018-07-01", "2019-01-01", "2019-07-01", "2020-01-01")]
    assert norms == [996.56, 1025.55, 1030.42, 1052.32]


def test_lid_2_r_cap_is_no_longer_the_2026_amount_carried_back() -> None:
    # Regression: 177.66 (2026) was assumed for every year since 2015.
    assert value_at(CAP_R, ["2015-01-01", "2020-07-01", "2026-01-01"]).tolist() == [122.26, 135.49, 177.66]
    info = parameter(CAP_R).metadata
    assert not info.get("assumption", False)


@pytest.mark.parametrize(("start", "household", "published"), norm_excl_rows())
def test_norm_excluding_holiday_allowance_matches_the_published_amount(start: str, household: str, published: float) -> None:
    # art. 19 lid 3: excl. = incl. x 0.95, to the cent; where two sources differ by a cent
    # (2017-07 couple: 1,338.85 and 1,338.84) the law's incl. amount decides, so within a cent.
    excl = compute_benefits(date=dt.date.fromisoformat(start), household=household, earnings=0).norm_excl_holiday_allowance[0]
    assert abs(excl - published) <= 0.0100001, (start, household)


def test_every_row_of_the_tables_was_read() -> None:
    assert [len(table(s)) for s in (1, 2, 3, 4)] == [24, 24, 24, 24]
