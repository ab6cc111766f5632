"""Benchmark: ITT effects of 4 arms on 216 outcome vectors (9 outcomes x 24 months), HC2, 90% CI.

Parameters: N in {1,000, 3,500, 10,000, 100,000}, 5 covariates. The naive way is a statsmodels
formula loop (one ``smf.ols(...).fit(cov_type="HC2")`` per outcome), measured in the same run
at N = 3,500. Target: <= 10 ms at N = 3,500.

BLAS threads (issue 11): one HC2 fit and one CR2 fit (households of 1-4) at N = 3,500, and the
216-outcome fit at N = 100,000, each with every BLAS thread and with one, in the same run, with
the machine's load; :data:`proeftuin.analysis.threads.SMALL_PROBLEM_CELLS` picks one thread
below it and every thread above it.
"""

from __future__ import annotations

import os
import time

import numpy as np
import pandas as pd

from proeftuin.analysis import estimate_effects, threads

ARMS = np.array(["control", "exemption", "intensive", "disregard"])
N_OUTCOMES = 216
N_COVARIATES = 5
SIZES = (1_000, 3_500, 10_000, 100_000)
REPEATS = 20


def make_data(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    arm = ARMS[rng.integers(0, 4, n)]
    covariates = rng.normal(size=(n, N_COVARIATES))
    outcomes = (rng.random((n, N_OUTCOMES)) < 0.3).astype(float) + 0.05 * (arm != "control")[:, None]
    return outcomes, arm, covariates


def best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def naive_statsmodels(outcomes: np.ndarray, arm: np.ndarray, covariates: np.ndarray) -> None:
    import statsmodels.formula.api as smf

    frame = pd.DataFrame(covariates, columns=[f"x{i}" for i in range(N_COVARIATES)])
    frame["arm"] = arm
    formula_rhs = "C(arm, Treatment('control')) + " + " + ".join(f"x{i}" for i in range(N_COVARIATES))
    for j in range(outcomes.shape[1]):
        frame["y"] = outcomes[:, j]
        smf.ols(f"y ~ {formula_rhs}", data=frame).fit(cov_type="HC2").conf_int(alpha=0.10)


def main() -> None:
    rng = np.random.default_rng(20240101)
    print(f"estimate_effects: 4 arms, {N_OUTCOMES} outcomes, {N_COVARIATES} covariates, HC2, 90% CI")
    for n in SIZES:
        outcomes, arm, covariates = make_data(n, rng)
        run = lambda: estimate_effects(outcomes, arm, control="control", covariates=covariates)  # noqa: E731
        fast = best_of(run, REPEATS if n <= 10_000 else 3)
        rows = best_of(lambda: run().effects, REPEATS if n <= 10_000 else 3)
        print(f"  N={n:>7,}: table {fast * 1e3:7.2f} ms   with all {4 * 0 + 3 * N_OUTCOMES} Effect rows {rows * 1e3:7.2f} ms")
        if n == 3_500:
            start = time.perf_counter()
            naive_statsmodels(outcomes, arm, covariates)
            naive = time.perf_counter() - start
            print(f"  statsmodels formula loop at N=3,500: {naive * 1e3:.0f} ms -> ratio {naive / fast:.0f}x "
                  f"(with Effect rows {naive / rows:.0f}x); target <= 10 ms")

    threads_section(rng)


def _timed(fn, repeats: int, limit: int | None) -> float:
    """Best time of ``fn`` with BLAS forced to ``limit`` threads (``None``: every thread)."""
    saved = threads.SMALL_PROBLEM_CELLS
    threads.SMALL_PROBLEM_CELLS = 10**18 if limit == 1 else 0
    try:
        return best_of(fn, repeats)
    finally:
        threads.SMALL_PROBLEM_CELLS = saved


def threads_section(rng: np.random.Generator) -> None:
    from threadpoolctl import threadpool_info

    cores = max((info.get("num_threads", 1) for info in threadpool_info()), default=1)
    print(f"BLAS threads: every thread ({cores}) vs one; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    outcomes, arm, covariates = make_data(3_500, rng)
    households = np.repeat(np.arange(3_500), rng.integers(1, 5, 3_500))[:3_500]
    household_arm = ARMS[rng.integers(0, 4, households.max() + 1)][households]
    big = make_data(100_000, rng)
    cases = {
        "HC2, N=3,500, 1 outcome": (lambda: estimate_effects(outcomes[:, 0], arm, control="control", covariates=covariates), 50),
        "CR2, N=3,500, 1 outcome": (lambda: estimate_effects(outcomes[:, 0], household_arm, control="control",
                                                             covariates=covariates, clusters=households), 20),
        "HC2, N=100,000, 216 outcomes": (lambda: estimate_effects(big[0], big[1], control="control", covariates=big[2]), 3),
    }
    for name, (fn, repeats) in cases.items():
        every, one = _timed(fn, repeats, None), _timed(fn, repeats, 1)
        print(f"  {name}: every thread {every * 1e3:8.2f} ms   one thread {one * 1e3:8.2f} ms   ratio {every / one:5.2f}x")
    print(f"  load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
