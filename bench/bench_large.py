"""Benchmark: N participants (``--n``, default 200,000; the README's figures are at 1,000,000) x
216 outcome vectors, 4 arms, 5 covariates, against the floor of one X'Y pass over the same data,
measured in the same run.

1. Complete outcomes, HC2; the same data with CR2 for households of 1-4 people (target: within
   3x of HC2, memory within 2x of the outcome matrix); then 5% of the cells set missing at random
   (every column its own pattern), HC2 (target: <= 3x the floor; also its CPU time on one BLAS
   thread against the floor's, which a loaded machine does not distort).
2. N = 100,000 in 200 clusters of unequal size: CR2 against HC2 on the same data (target: 3x).

Each fit prints its best wall time of two calls, its ratio to the floor and the peak memory
allocated during a third call (tracemalloc, which sees NumPy's buffers; apart, as it slows each
allocation) as a multiple of the outcome matrix (1.73 GB at N = 1,000,000). The naive way, a dense ``numpy.linalg.lstsq`` with the full residual matrix, is
measured at N = 100,000 and extrapolated linearly (labelled so). The machine's load is printed before and
after; the last line is a JSON record (``--json FILE`` appends it to FILE).
"""

from __future__ import annotations

import argparse
import os
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
from floor import cpu_best_and_median, design, load, naive_hc2, on_the_calling_thread, write_record, xty_floor

from proeftuin.analysis import estimate_effects

N = 200_000
"""Default participants: a run of about a minute; ``--n 1000000`` gives the README's figures."""
N_SMALL = 100_000
"""Participants of the 200-cluster case and of the naive fit (extrapolated to N)."""
M = 216
ARMS = np.array(["control", "exemption", "intensive", "disregard"])
TARGET_MISSING_OVER_FLOOR = 3.0
TARGET_CR2_OVER_HC2 = 3.0


def measured(fn: Callable[[], object], repeats: int = 2) -> tuple[float, int]:
    """Best wall time of ``repeats`` untraced calls, and the peak traced allocation of one more.

    Apart: tracemalloc's hook on every allocation slows a call by how many arrays it allocates
    (the cluster-robust fits' many small ones more than HC2's few large ones), so a traced call's
    time would compare the fits unequally.
    """
    elapsed = min(_wall(fn) for _ in range(repeats))
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, peak


def _wall(fn: Callable[[], object]) -> float:
    """Wall time of one call."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="append the JSON record to this file")
    parser.add_argument("--n", type=int, default=N, help=f"participants (default {N:,}; the README's figures: 1,000,000)")
    args = parser.parse_args()
    n = args.n
    if n < N_SMALL:
        raise SystemExit(f"--n must be at least {N_SMALL:,}")
    record: dict = {"bench": "large", "n": n, "m": M, "cores": os.cpu_count(), "load_before": load()}
    print(f"load (1 min) {record['load_before']:.2f} on {os.cpu_count()} cores")
    rng = np.random.default_rng(7)
    households = np.repeat(np.arange(n), rng.integers(1, 5, n))[:n]
    arm = ARMS[rng.integers(0, 4, households.max() + 1)][households]
    covariates = rng.normal(size=(n, 5))
    outcomes = rng.random((n, M))
    outcomes += 0.05 * (arm != "control")[:, None]
    size = outcomes.nbytes
    x = design(arm, ARMS, covariates)
    floor = xty_floor(x, outcomes, 2)
    f = floor["floor_s"]
    record.update(floor)
    print(f"N={n:,} x {M} outcomes (outcome matrix {size / 1e9:.2f} GB), 4 arms, 5 covariates; "
          f"floor X'Y {f:.2f} s (every thread {floor['floor_every_thread_s']:.2f} s, one {floor['floor_one_thread_s']:.2f} s)")

    def report(key: str, label: str, fn: Callable[[], object]) -> float:
        elapsed, peak = measured(fn)
        record.update({f"{key}_s": elapsed, f"{key}_over_floor": elapsed / f, f"{key}_peak_over_outcomes": peak / size})
        print(f"  {label:<44} {elapsed:7.2f} s {elapsed / f:5.1f}x floor; peak extra memory {peak / 1e6:6.0f} MB "
              f"= {peak / size:.2f}x the outcome matrix")
        return elapsed

    hc2 = report("hc2", "HC2, complete", lambda: estimate_effects(outcomes, arm, control="control", covariates=covariates))
    cr2 = report("cr2_households", "CR2, households of 1-4, complete", lambda: estimate_effects(
        outcomes, arm, control="control", covariates=covariates, clusters=households))
    verdict = "meets" if cr2 / hc2 <= TARGET_CR2_OVER_HC2 else "MISSES"
    print(f"  CR2 / HC2 = {cr2 / hc2:.2f}: {verdict} the {TARGET_CR2_OVER_HC2:.0f}x target")
    record["cr2_households_over_hc2"] = cr2 / hc2
    outcomes[rng.random((n, M)) < 0.05] = np.nan  # in place: no second 1.7 GB matrix
    fit_missing = lambda: estimate_effects(outcomes, arm, control="control", covariates=covariates)  # noqa: E731
    missing = report("hc2_missing", "HC2, 5% of cells missing at random", fit_missing)
    verdict = "meets" if missing / f <= TARGET_MISSING_OVER_FLOOR else "MISSES"
    print(f"  missing / floor = {missing / f:.2f}: {verdict} the {TARGET_MISSING_OVER_FLOOR:.0f}x target")
    with on_the_calling_thread():  # CPU time of the calling thread: one BLAS thread, no worker threads
        floor_cpu, _ = cpu_best_and_median(lambda: x.T @ outcomes, 2)
        missing_cpu, _ = cpu_best_and_median(fit_missing, 1)
    record.update({"floor_cpu_s": floor_cpu, "hc2_missing_cpu_s": missing_cpu, "hc2_missing_cpu_over_floor": missing_cpu / floor_cpu})
    print(f"  CPU on one BLAS thread: {missing_cpu:.2f} s = {missing_cpu / floor_cpu:.1f}x the floor's {floor_cpu:.2f} s")

    n_small = N_SMALL
    complete = np.nan_to_num(outcomes[:n_small], nan=0.5)
    start = time.perf_counter()
    naive_hc2(complete, x[:n_small])
    naive = (time.perf_counter() - start) * n / n_small
    record["naive_dense_extrapolated_s"] = naive
    print(f"  naive dense lstsq + residual matrix: {naive:.2f} s (measured at N={n_small:,}, extrapolated x{n / n_small:g})")

    sizes = 1 + rng.multinomial(n_small - 200, rng.dirichlet(np.ones(200)))  # 200 clusters of unequal size
    clusters = np.repeat(np.arange(200), sizes)
    cluster_arm = ARMS[rng.integers(0, 4, 200)][clusters]
    run = {v: (lambda v=v: estimate_effects(complete, cluster_arm, control="control", covariates=covariates[:n_small],
                                            vcov=v, clusters=None if v == "HC2" else clusters)) for v in ("HC2", "CR2")}
    small_hc2, _ = measured(run["HC2"], 3)
    small_cr2, _ = measured(run["CR2"], 3)
    verdict = "meets" if small_cr2 / small_hc2 <= TARGET_CR2_OVER_HC2 else "MISSES"
    print(f"N=100,000 in 200 clusters of {sizes.min()}-{sizes.max()} people: HC2 {small_hc2:.2f} s, CR2 {small_cr2:.2f} s "
          f"= {small_cr2 / small_hc2:.2f}x: {verdict} the {TARGET_CR2_OVER_HC2:.0f}x target")
    record.update({"hc2_100000_s": small_hc2, "cr2_200_clusters_100000_s": small_cr2,
                   "cr2_200_clusters_over_hc2": small_cr2 / small_hc2})
    record["load_after"] = load()
    print(f"load (1 min) {record['load_after']:.2f} after")
    write_record(record, args.json)


if __name__ == "__main__":
    main()
