"""Benchmark: ITT effects of 4 arms on 216 outcome vectors (9 outcomes x 24 months), 5 covariates,
HC2, 90% CI, against the floor of one X'Y pass and the naive way, measured in the same run.

1. Complete outcomes at N in {1,000, 3,500, 10,000} (``--big``: also 100,000): proeftuin with the
   BLAS threads it chooses (:func:`proeftuin.analysis.threads.blas_threads`: one for trial-sized
   fits and on a busy machine) and with every BLAS thread, best and median of the runs (the
   chosen threads timed in turn with the floor, wall and CPU, in each of 100 rounds; in the same
   rounds the fit without the design kept from the previous one: a first fit on a design, its CPU
   time too, interleaved with the floor's); the naive
   way is a dense NumPy fit (``lstsq``, the full residual matrix, HC2 from the hat diagonal) at
   every N and the statsmodels formula loop (one ``smf.ols(...).fit(cov_type="HC2")`` per
   outcome) at N = 3,500, on 24 outcomes extrapolated to 216 (``--big``: all 216). Target
   (issue 14): at N = 3,500 <= 5x the floor with default settings on a loaded machine.
2. 5% of cells missing at random (every column its own pattern) at N = 10,000 and 50,000: the
   masked normal equations against one QR factorisation per pattern (that one at 10,000 only:
   at 50,000 it took 28 s); wall time best and median, and CPU time on one BLAS thread against
   the floor's (on a loaded machine the wall time of a short call includes other processes' slices).
3. One outcome at N = 3,500, HC2 and CR2 (households of 1-4): chosen threads vs every thread.

Prints the machine's 1-minute load before and after; the last line is a JSON record
(``--json FILE`` appends it to FILE, from which ``bench/table.py`` renders the README rows).
The default run takes about a minute on a loaded 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from floor import (best_and_median, best_of, cpu_best_and_median, design, every_blas_thread, interleaved, load, naive_hc2,
                   on_the_calling_thread, one_blas_thread, write_record, xty_floor)

from proeftuin.analysis import estimate_effects, ols

ARMS = np.array(["control", "exemption", "intensive", "disregard"])
N_OUTCOMES = 216
N_COVARIATES = 5
SIZES = (1_000, 3_500, 10_000)
BIG_SIZES = (100_000,)
REPEATS = 100
"""Rounds of the interleaved timings up to N = 10,000: a fit of a few milliseconds on a loaded machine
is undisturbed in only a few of them, and the best of 30 varied 4-7x the floor from run to run."""
STATSMODELS_OUTCOMES = 24
"""Outcomes the statsmodels loop fits by default (its time is extrapolated to all 216)."""
TARGET_OVER_FLOOR = 5.0


def make_data(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    arm = ARMS[rng.integers(0, 4, n)]
    covariates = rng.normal(size=(n, N_COVARIATES))
    outcomes = (rng.random((n, N_OUTCOMES)) < 0.3).astype(float) + 0.05 * (arm != "control")[:, None]
    return outcomes, arm, covariates


@contextmanager
def forgotten_design() -> Iterator[None]:
    """A fit without the design kept from the previous fit on the same arms and covariates
    (``ols._design``): what a first fit on a design costs."""
    ols._last_design = None
    yield


def naive_statsmodels(outcomes: np.ndarray, arm: np.ndarray, covariates: np.ndarray) -> None:
    """One formula fit with HC2 and a 90% interval per outcome column."""
    import pandas as pd
    import statsmodels.formula.api as smf

    frame = pd.DataFrame(covariates, columns=[f"x{i}" for i in range(N_COVARIATES)])
    frame["arm"] = arm
    rhs = "C(arm, Treatment('control')) + " + " + ".join(f"x{i}" for i in range(N_COVARIATES))
    for j in range(outcomes.shape[1]):
        frame["y"] = outcomes[:, j]
        smf.ols(f"y ~ {rhs}", data=frame).fit(cov_type="HC2").conf_int(alpha=0.10)


def ratio(seconds: float, floor: float) -> str:
    return f"{seconds * 1e3:9.2f} ms {seconds / floor:6.1f}x"


def complete_section(rng: np.random.Generator, record: dict, big: bool) -> None:
    print(f"1. complete outcomes: {N_OUTCOMES} outcomes, 4 arms, {N_COVARIATES} covariates, HC2 (best of runs; x = over the floor)")
    print(f"   {'N':>7}  {'floor XtY':>12}  {'proeftuin':>17}  {'(median)':>9}  {'every BLAS thread':>17}  {'naive NumPy':>17}")
    for n in SIZES + (BIG_SIZES if big else ()):
        outcomes, arm, covariates = make_data(n, rng)
        x = design(arm, ARMS, covariates)
        repeats = REPEATS if n <= 10_000 else 3
        run = lambda: estimate_effects(outcomes, arm, control="control", covariates=covariates)  # noqa: E731
        xty = lambda: x.T @ outcomes  # noqa: E731
        # The floor with every BLAS thread and with one, and proeftuin, in turn in each round; "cold":
        # proeftuin without the design it kept from the previous fit (a first fit on a design).
        walls = interleaved({"every": xty, "one": xty, "run": run, "cold": run}, repeats,
                            within={"one": one_blas_thread, "cold": forgotten_design})
        floor = {"floor_every_thread_s": walls["every"][0], "floor_one_thread_s": walls["one"][0],
                 "floor_s": min(walls["every"][0], walls["one"][0])}
        chosen, median = walls["run"]
        cold, cold_median = walls["cold"]
        cpus = interleaved({"floor": xty, "run": run, "cold": run}, repeats, clock=time.thread_time,
                           within={"floor": one_blas_thread, "cold": forgotten_design})
        cpu_floor, (cpu, cpu_median), (cold_cpu, cold_cpu_median) = cpus["floor"][0], cpus["run"], cpus["cold"]
        with every_blas_thread():
            every = best_of(run, repeats)
        naive = best_of(lambda: naive_hc2(outcomes, x), max(1, repeats // 10))
        f = floor["floor_s"]
        print(f"   {n:>7,}  {f * 1e3:9.2f} ms  {ratio(chosen, f)}  {median / f:8.1f}x  {ratio(every, f)}  {ratio(naive, f)}"
              f"   CPU {cpu / cpu_floor:.1f}x (median {cpu_median / cpu_floor:.1f}x) the floor's CPU {cpu_floor * 1e3:.2f} ms"
              f"   first fit on the design {ratio(cold, f)} (median {cold_median / f:.1f}x), "
              f"CPU {cold_cpu / cpu_floor:.1f}x (median {cold_cpu_median / cpu_floor:.1f}x)")
        record.update({f"hc2_{n}_{k}": v for k, v in floor.items()})
        record.update({f"hc2_{n}_s": chosen, f"hc2_{n}_median_s": median, f"hc2_{n}_every_thread_s": every,
                       f"hc2_{n}_naive_numpy_s": naive, f"hc2_{n}_over_floor": chosen / f, f"hc2_{n}_cpu_s": cpu,
                       f"hc2_{n}_cpu_median_s": cpu_median, f"hc2_{n}_floor_cpu_s": cpu_floor,
                       f"hc2_{n}_cpu_over_floor": cpu / cpu_floor, f"hc2_{n}_cold_s": cold,
                       f"hc2_{n}_cold_median_s": cold_median, f"hc2_{n}_cold_over_floor": cold / f,
                       f"hc2_{n}_cold_cpu_s": cold_cpu, f"hc2_{n}_cold_cpu_median_s": cold_cpu_median,
                       f"hc2_{n}_cold_cpu_over_floor": cold_cpu / cpu_floor})
        if n == 3_500:
            fitted = N_OUTCOMES if big else STATSMODELS_OUTCOMES
            statsmodels = best_of(lambda: naive_statsmodels(outcomes[:, :fitted], arm, covariates), 1) * N_OUTCOMES / fitted
            record.update({"hc2_3500_statsmodels_s": statsmodels, "statsmodels_extrapolated": fitted < N_OUTCOMES})
            how = "" if fitted == N_OUTCOMES else f", fitted on {fitted} outcomes and extrapolated"
            print(f"   N=3,500: statsmodels formula loop {statsmodels:.2f} s{how} ({statsmodels / chosen:.0f}x proeftuin); "
                  f"against the {TARGET_OVER_FLOOR:.0f}x target: {verdict(chosen / f)} on a design fitted before, "
                  f"{verdict(cold / f)} on a first fit (CPU time {cold_cpu / cpu_floor:.1f}x the floor's)")


def verdict(over_floor: float) -> str:
    """Whether ``over_floor`` meets issue 14's target, with the ratio."""
    return f"{over_floor:.1f}x {'meets' if over_floor <= TARGET_OVER_FLOOR else 'MISSES'}"


def missing_section(rng: np.random.Generator, record: dict) -> None:
    print("2. 5% of cells missing at random (every column its own pattern), HC2")
    for n in (10_000, 50_000):
        outcomes, arm, covariates = make_data(n, rng)
        outcomes[rng.random(outcomes.shape) < 0.05] = np.nan
        x = design(arm, ARMS, covariates)
        repeats = 5 if n <= 10_000 else 2
        f = xty_floor(x, outcomes, repeats)["floor_s"]
        run = lambda: estimate_effects(outcomes, arm, control="control", covariates=covariates)  # noqa: E731
        masked, median = best_and_median(run, repeats)
        with on_the_calling_thread():  # CPU time of the calling thread: one BLAS thread, no worker threads
            cpu_floor, _ = cpu_best_and_median(lambda: x.T @ outcomes, repeats)
            cpu, cpu_median = cpu_best_and_median(run, repeats)
        line = (f"   N={n:>6,}: floor {f * 1e3:8.2f} ms   masked normal equations {ratio(masked, f)} (median {median / f:.1f}x)"
                f"   CPU {cpu / cpu_floor:.1f}x (median {cpu_median / cpu_floor:.1f}x) the floor's CPU {cpu_floor * 1e3:.2f} ms")
        record.update({f"missing_{n}_floor_s": f, f"missing_{n}_s": masked, f"missing_{n}_over_floor": masked / f,
                       f"missing_{n}_median_s": median, f"missing_{n}_cpu_s": cpu, f"missing_{n}_cpu_median_s": cpu_median,
                       f"missing_{n}_floor_cpu_s": cpu_floor, f"missing_{n}_cpu_over_floor": cpu / cpu_floor})
        if n == 10_000:
            saved = ols.MASKED_FROM_COLUMNS
            ols.MASKED_FROM_COLUMNS = 10**9
            try:
                per_pattern = best_of(run, 1)
            finally:
                ols.MASKED_FROM_COLUMNS = saved
            line += f"   one QR per pattern {ratio(per_pattern, f)}"
            record[f"missing_{n}_per_pattern_s"] = per_pattern
        print(line)


def threads_section(rng: np.random.Generator, record: dict) -> None:
    print("3. one outcome at N=3,500: BLAS threads chosen vs every thread")
    outcomes, arm, covariates = make_data(3_500, rng)
    households = np.repeat(np.arange(3_500), rng.integers(1, 5, 3_500))[:3_500]
    household_arm = ARMS[rng.integers(0, 4, households.max() + 1)][households]
    cases = {
        "hc2_one_outcome": lambda: estimate_effects(outcomes[:, 0], arm, control="control", covariates=covariates),
        "cr2_one_outcome": lambda: estimate_effects(outcomes[:, 0], household_arm, control="control",
                                                    covariates=covariates, clusters=households),
    }
    for name, fn in cases.items():
        chosen = best_of(fn, 30)
        with every_blas_thread():
            every = best_of(fn, 30)
        print(f"   {name}: chosen {chosen * 1e3:7.2f} ms   every thread {every * 1e3:7.2f} ms   ({every / chosen:.1f}x)")
        record.update({f"{name}_s": chosen, f"{name}_every_thread_s": every})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="append the JSON record to this file")
    parser.add_argument("--big", action="store_true", help="also N = 100,000, and the statsmodels loop on all 216 outcomes")
    args = parser.parse_args()
    record: dict = {"bench": "ols", "cores": os.cpu_count(), "load_before": load()}
    print(f"load (1 min) {record['load_before']:.2f} on {os.cpu_count()} cores")
    rng = np.random.default_rng(20240101)
    complete_section(rng, record, args.big)
    missing_section(rng, record)
    threads_section(rng, record)
    record["load_after"] = load()
    print(f"load (1 min) {record['load_after']:.2f} after")
    write_record(record, args.json)


if __name__ == "__main__":
    main()
