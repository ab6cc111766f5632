"""Benchmark: ITT effects of 4 arms on 216 outcome vectors (9 outcomes x 24 months), HC2, 90% CI.

Parameters: N in {1,000, 3,500, 10,000, 100,000}, 5 covariates. The naive way is a statsmodels
formula loop (one ``smf.ols(...).fit(cov_type="HC2")`` per outcome), measured in the same run
at N = 3,500. Target: <= 10 ms at N = 3,500.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from proeftuin.analysis import estimate_effects

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


if __name__ == "__main__":
    main()
