"""Labour outcomes from register extracts, computed in the engine.

Input (Parquet: a file, a folder of parts or a glob), one row per record:

* job records: ``pseudonym``, ``month`` (a date in the month), ``hours_per_week``,
  ``contract`` (``permanent`` or ``temporary``), ``gross_wage`` (euros in that month); several
  jobs in one month are added up (hours, wage), the contract is the firmest of them;
* benefit months: ``pseudonym``, ``month`` (a row for each month on benefit);
* assignments: ``pseudonym``, ``arm`` and the strata columns (any other columns).

Person-month indicators are :data:`proeftuin.design.outcomes.INDICATOR_RULES` applied to Ibis
columns (the same rules the in-memory engine applies to arrays), with earnings measured against
the minimum wage of each record's own month (:func:`proeftuin.rules.minimum_wage`, a small month
-> amount table joined in). A person-month without a job record has no work, contract or
earnings; one without a benefit row is off benefit. The person outcome over the window is
:data:`proeftuin.design.outcomes.PERIOD_AGGREGATION` ("any month") of the indicator: for the job
outcomes the maximum over the person's job months, for outflow "fewer benefit months than
window months". Output: one row per assigned pseudonym, ``arm`` (the control value renamed
``control``), the strata, and each outcome as 0/1 under its usual name.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import pandas as pd

from proeftuin.design.outcomes import CONTRACT_CODES, INDICATOR_RULES, PERIOD_AGGREGATION
from proeftuin.rules import minimum_wage
from proeftuin.scale.engine import DatasetError, read_parquet, require_columns

JOB_COLUMNS = ("pseudonym", "month", "hours_per_week", "contract", "gross_wage")
BENEFIT_COLUMNS = ("pseudonym", "month")
ASSIGNMENT_COLUMNS = ("pseudonym", "arm")
CONTROL = "control"
"""The name of the control arm in the outcome files."""
_JOB_SOURCES = {"hours_per_week", "contract", "wml_share"}
_ABSENT = 0.0
"""The value of a job quantity in a month without a job record (no hours, no contract, no wage)."""


@dataclass(frozen=True)
class Window:
    """The calendar months ``first`` .. ``last`` (first days of month) an outcome is measured over."""

    first: dt.date
    last: dt.date

    def months(self) -> np.ndarray:
        first, last = np.datetime64(self.first, "M"), np.datetime64(self.last, "M")
        if last < first:
            raise ValueError(f"the window ends ({self.last:%Y-%m}) before it starts ({self.first:%Y-%m})")
        return np.arange(first, last + 1).astype("datetime64[D]")


def _month_start(column: ibis.Column) -> ibis.Column:
    return column.cast("date").truncate("M")


def _check_rules() -> None:
    """The person-level shortcuts below hold for the declared rules (checked, not assumed)."""
    if PERIOD_AGGREGATION != "any":
        raise NotImplementedError(f"period aggregation {PERIOD_AGGREGATION!r}")
    for rule in INDICATOR_RULES:
        if rule.column in _JOB_SOURCES and bool(rule.apply(_ABSENT)):
            raise NotImplementedError(f"{rule.outcome}: a month without a job record would count")
        if rule.column == "on_benefit" and not (rule.test == "equals" and rule.threshold == 0):
            raise NotImplementedError(f"{rule.outcome}: only 'off benefit' is supported on benefit months")


def person_month_indicators(jobs: ibis.Table, window: Window) -> ibis.Table:
    """Per person-month with a job record in the window: the summed records and each job indicator."""
    months = window.months()
    wml = ibis.memtable(pd.DataFrame({"__month": months.astype("datetime64[s]").astype(object), "__wml": minimum_wage(months)}))
    wml = wml.mutate(__month=wml["__month"].cast("date"))
    code = (
        ibis.cases(
            (jobs["contract"] == "permanent", CONTRACT_CODES["permanent"]),
            (jobs["contract"] == "temporary", CONTRACT_CODES["temporary"]),
            else_=CONTRACT_CODES["none"],
        )
    )
    records = jobs.mutate(__month=_month_start(jobs["month"]), __code=code)
    records = records.filter(records["__month"].between(window.first, window.last))
    monthly = records.group_by(["pseudonym", "__month"]).aggregate(
        hours_per_week=records["hours_per_week"].cast("float64").sum(),
        gross_wage=records["gross_wage"].cast("float64").sum(),
        contract=records["__code"].max(),
    )
    monthly = monthly.join(wml, "__month")
    values = {"hours_per_week": monthly["hours_per_week"], "contract": monthly["contract"],
              "wml_share": monthly["gross_wage"] / monthly["__wml"]}
    return monthly.select(
        "pseudonym", month=monthly["__month"],
        **{rule.outcome: rule.apply(values[rule.column]) for rule in INDICATOR_RULES if rule.column in _JOB_SOURCES},
    )


def register_outcomes(
    con: Any,
    *,
    jobs: Path | str,
    benefits: Path | str,
    assignments: Path | str,
    window: Window,
    control: str = CONTROL,
) -> ibis.Table:
    """The expression of the person-level outcome table (nothing runs until it is executed)."""
    _check_rules()
    job_table, benefit_table, assigned = (read_parquet(con, p) for p in (jobs, benefits, assignments))
    require_columns(job_table, list(JOB_COLUMNS), jobs)
    require_columns(benefit_table, list(BENEFIT_COLUMNS), benefits)
    require_columns(assigned, list(ASSIGNMENT_COLUMNS), assignments)
    strata = [c for c in assigned.columns if c not in ASSIGNMENT_COLUMNS]
    n_months = len(window.months())

    monthly = person_month_indicators(job_table, window)
    job_outcomes = [r.outcome for r in INDICATOR_RULES if r.column in _JOB_SOURCES]
    per_person = monthly.group_by("pseudonym").aggregate(**{o: monthly[o].cast("int8").max() for o in job_outcomes})
    ben = benefit_table.mutate(__month=_month_start(benefit_table["month"]))
    ben = ben.filter(ben["__month"].between(window.first, window.last)).select("pseudonym", "__month").distinct()
    on_benefit = ben.group_by("pseudonym").aggregate(__months_on=ben.count())

    arm = assigned["arm"].cast("string")
    people = assigned.select("pseudonym", arm=ibis.ifelse(arm == control, ibis.literal(CONTROL), arm), *strata)
    joined = people.left_join(per_person, "pseudonym").left_join(on_benefit, "pseudonym")
    outputs = {}
    for rule in INDICATOR_RULES:
        if rule.column in _JOB_SOURCES:
            outputs[rule.outcome] = joined[rule.outcome].fill_null(0).cast("float64")
        else:
            outputs[rule.outcome] = (joined["__months_on"].fill_null(0) < n_months).cast("float64")
    return joined.select(joined["pseudonym"], "arm", *strata, **outputs)


def window_of(con: Any, benefits: Path | str) -> Window:
    """The default window: the first to the last month of the benefit records."""
    table = read_parquet(con, benefits)
    require_columns(table, ["month"], benefits)
    bounds = table.aggregate(first=table["month"].min(), last=table["month"].max()).to_pandas()
    if bounds["first"].isna().all():
        raise DatasetError(benefits, "no benefit records")
    first, last = (pd.Timestamp(bounds[c].iloc[0]).date().replace(day=1) for c in ("first", "last"))
    return Window(first, last)


def check_assignments(con: Any, assignments: Path | str) -> None:
    """Every pseudonym is assigned once and has an arm; else name the first offender."""
    table = read_parquet(con, assignments)
    require_columns(table, list(ASSIGNMENT_COLUMNS), assignments)
    dup = table.group_by("pseudonym").aggregate(n=table.count())
    dup = dup.filter(dup["n"] > 1).limit(1).to_pandas()
    if len(dup):
        raise DatasetError(assignments, "column pseudonym: a pseudonym is assigned more than once")
    missing = table.filter(table["pseudonym"].isnull() | table["arm"].isnull()).count().to_pandas()
    if int(missing):
        raise DatasetError(assignments, "a row without pseudonym or arm")
