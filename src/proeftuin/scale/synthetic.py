"""A synthetic national register as partitioned Parquet: job records, benefit months, assignments.

The simulator's labour model (:mod:`proeftuin.simulate.trial`, parameters from its
``calibration.yaml``) run for one assigned arm per person, vectorised over a chunk of people and
looped over months, chunk after chunk, so memory stays that of one chunk whatever ``persons``:

* latent employability ``z ~ N(0, 1)``; "far from the labour market" is its lowest tertile;
  age and household from the calibration's population shares;
* monthly job-start hazard ``base * exp(slope z) * share_s * max(0, 1 + effect_s + far * far_extra)``
  per job size ``s``, the effects those of the arm's components; jobs end with
  ``monthly_job_loss``; hours uniform within the size band; contract permanent with the size's
  probability; gross wage ``hours * 52/12 * WML hourly * wage ratio``;
* benefit under the regular regime from :func:`proeftuin.rules.compute_benefits` on net earnings;
  off benefit when nothing is payable, or for good after an exit for other reasons.

Arms: ``control``, ``disregard`` and ``intensive`` (the components of the same names),
allocated in equal shares within each stratum of each chunk (12 strata ``s01``...). Layout::

    OUT/jobs/part-00000.parquet        pseudonym, month, hours_per_week, contract, gross_wage
    OUT/benefits/part-00000.parquet    pseudonym, month, benefit_paid
    OUT/assignments/part-00000.parquet pseudonym, arm, stratum

Each part holds a range of pseudonyms (partitioning by pseudonym), so every person's records are
in one part. The same ``seed`` and sizes give the same files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from proeftuin.design import Component
from proeftuin.rules import compute_benefits, minimum_hourly_wage, minimum_wage, net_earnings
from proeftuin.simulate import Calibration, month_starts

ARMS: tuple[tuple[str, tuple[Component, ...]], ...] = (
    ("control", ()), ("disregard", (Component.disregard,)), ("intensive", (Component.intensive,)))
"""The synthetic trial's arms and the calibration components each one switches on."""
STRATA = 12
CHUNK_PERSONS = 200_000
"""People generated (and written) at a time: fixed, so a seed gives the same register at any size."""
DEFAULT_START = dt.date(2024, 1, 1)
_JOB_SIZES = ("tiny", "small", "large")
_WEEKS_PER_MONTH = 52.0 / 12.0


@dataclass(frozen=True)
class RegisterSummary:
    """What was written: people, months, and the rows of each dataset."""

    out: Path
    persons: int
    months: int
    job_rows: int
    benefit_rows: int

    @property
    def person_months(self) -> int:
        return self.persons * self.months


def _pseudonyms(first: int, count: int) -> pa.Array:
    return pa.array(np.char.add("p", np.char.zfill(np.arange(first, first + count).astype(str), 10)))


def _chunk(first: int, count: int, periods: np.ndarray, seed: int, chunk_no: int, cal: Calibration) -> tuple[pa.Table, pa.Table, pa.Table]:
    """The three tables of people ``first .. first + count - 1``."""
    lab, pop = cal.labour, cal.population
    rng = np.random.Generator(np.random.PCG64([seed, chunk_no]))
    ids = _pseudonyms(first, count)
    stratum = rng.integers(0, STRATA, count)
    order = np.lexsort((rng.random(count), stratum))
    arm = np.empty(count, dtype=int)
    arm[order] = np.arange(count) % len(ARMS)  # equal shares within each stratum
    z = rng.standard_normal(count)
    far = (z < np.quantile(z, 1 / 3)).astype(float)
    age = np.clip(rng.normal(pop["age"]["mean"], pop["age"]["sd"], count), pop["age"]["min"], pop["age"]["max"]).round()
    kinds = list(pop["household_shares"])
    household = np.array(kinds, dtype=object)[rng.choice(len(kinds), count, p=np.array(list(pop["household_shares"].values())))]
    youngest = np.where(household == "single-parent", rng.integers(0, 18, count), np.nan)

    shares = np.array([lab["job_size_shares"][s] for s in _JOB_SIZES])
    multiplier = np.ones((len(_JOB_SIZES), count))
    for a, (_, components) in enumerate(ARMS):
        mine = arm == a
        for s, size in enumerate(_JOB_SIZES):
            shift = sum((cal.effects[c].job_start[size] for c in components), 0.0)
            extra = sum((cal.effects[c].far_extra for c in components), 0.0) if size != "tiny" else 0.0
            multiplier[s, mine] = np.maximum(0.0, 1.0 + shift + extra * far[mine])
    hazard = lab["base_monthly_job_start"] * np.exp(lab["employability_slope"] * z)
    cumulative = np.cumsum(hazard[None, :] * shares[:, None] * multiplier, axis=0)  # (sizes, n)
    bands = np.array([lab["hours"][s] for s in _JOB_SIZES], dtype=float)
    permanent = np.array([lab["permanent_contract_share"][s] for s in _JOB_SIZES])
    wage_ratio = np.maximum(1.0, np.exp(rng.normal(lab["wage_premium"]["mean"], lab["wage_premium"]["sd"], count)))
    other_exit = rng.geometric(lab["other_monthly_outflow"], count)
    hourly = minimum_hourly_wage(periods)

    def draw_job(u_hours: np.ndarray, u_contract: np.ndarray, size: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        low, high = bands[size, 0], bands[size, 1]
        return np.floor(low + u_hours * (high - low + 1.0)), u_contract < permanent[size]

    working0 = rng.random(count) < lab["initial_work_share"]
    hours, is_permanent = draw_job(rng.random(count), rng.random(count), np.where(rng.random(count) < 0.5, 0, 1))
    hours = np.where(working0, hours, 0.0)
    streak = np.zeros(count, dtype=int)
    jobs: dict[str, list[np.ndarray]] = {k: [] for k in ("row", "month", "hours", "permanent", "wage")}
    benefits: dict[str, list[np.ndarray]] = {k: [] for k in ("row", "month", "paid")}
    for t, period in enumerate(periods):
        u_start, u_size, u_hours, u_contract, u_loss = rng.random((5, count))
        working = hours > 0
        hours = np.where(working & (u_loss < lab["monthly_job_loss"]), 0.0, hours)
        start = ~working & (u_start < cumulative[-1])
        size = (u_size[None, :] * cumulative[-1][None, :] > cumulative[:-1]).sum(axis=0)
        new_hours, new_permanent = draw_job(u_hours, u_contract, size)
        hours = np.where(start, new_hours, hours)
        is_permanent = np.where(start, new_permanent, is_permanent)
        wage = (hours * _WEEKS_PER_MONTH * hourly[t] * wage_ratio).round(2)
        streak = np.where(wage > 0, streak + 1, 0)
        paid = compute_benefits(
            date=period, household=household, earnings=net_earnings(wage, period), age=age,
            youngest_child_age=youngest, disregard_month=np.maximum(streak, 1), hours_per_week=hours,
        ).benefit
        on_benefit = (paid > 0) & (t + 1 < other_exit)
        rows = np.flatnonzero(hours > 0)
        jobs["row"].append(rows)
        jobs["month"].append(np.full(rows.size, t))
        jobs["hours"].append(hours[rows])
        jobs["permanent"].append(is_permanent[rows])
        jobs["wage"].append(wage[rows])
        rows = np.flatnonzero(on_benefit)
        benefits["row"].append(rows)
        benefits["month"].append(np.full(rows.size, t))
        benefits["paid"].append(paid[rows].round(2))

    months = pa.array(periods.astype("datetime64[D]"), type=pa.date32())
    job = {k: np.concatenate(v) for k, v in jobs.items()}
    ben = {k: np.concatenate(v) for k, v in benefits.items()}
    job_table = pa.table({
        "pseudonym": ids.take(pa.array(job["row"])),
        "month": months.take(pa.array(job["month"])),
        "hours_per_week": job["hours"],
        "contract": pa.array(np.where(job["permanent"], "permanent", "temporary")),
        "gross_wage": job["wage"],
    })
    benefit_table = pa.table({
        "pseudonym": ids.take(pa.array(ben["row"])),
        "month": months.take(pa.array(ben["month"])),
        "benefit_paid": ben["paid"],
    })
    assignments = pa.table({
        "pseudonym": ids,
        "arm": pa.array(np.array([name for name, _ in ARMS])[arm]),
        "stratum": pa.array(np.char.add("s", np.char.zfill((stratum + 1).astype(str), 2))),
    })
    return job_table, benefit_table, assignments


def write_register(
    out: Path | str,
    *,
    persons: int,
    months: int,
    seed: int,
    start: dt.date = DEFAULT_START,
    calibration: Calibration | None = None,
    progress: Callable[[int], None] | None = None,
) -> RegisterSummary:
    """Write the synthetic register of ``persons`` people over ``months`` months to ``out``.

    ``out`` must not exist or be empty (nothing is overwritten). ``progress`` is called with the
    number of people written after each chunk.
    """
    if persons < 1 or months < 1:
        raise ValueError(f"--persons and --months must be positive; got {persons} and {months}")
    if seed < 0:
        raise ValueError(f"--seed must be 0 or more; got {seed}")
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise ValueError(f"{out}: the folder exists and is not empty; choose a new one")
    cal = calibration or Calibration.default()
    periods = month_starts(start, months)
    minimum_wage(periods)  # a start before the first known minimum wage fails here, before writing
    for name in ("jobs", "benefits", "assignments"):
        (out / name).mkdir(parents=True, exist_ok=True)
    job_rows = benefit_rows = 0
    for chunk_no, first in enumerate(range(0, persons, CHUNK_PERSONS)):
        count = min(CHUNK_PERSONS, persons - first)
        tables = _chunk(first, count, periods, seed, chunk_no, cal)
        for name, table in zip(("jobs", "benefits", "assignments"), tables):
            pq.write_table(table, out / name / f"part-{chunk_no:05d}.parquet", compression="zstd")
        job_rows += tables[0].num_rows
        benefit_rows += tables[1].num_rows
        if progress is not None:
            progress(first + count)
    return RegisterSummary(out=out, persons=persons, months=months, job_rows=job_rows, benefit_rows=benefit_rows)
