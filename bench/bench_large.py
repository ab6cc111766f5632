"""Benchmark: N = 1,000,000 participants x 216 outcome vectors, 4 arms, HC2 (no covariates and 5).

Prints the wall time and the peak memory allocated during the call (tracemalloc, which sees
NumPy's buffers) as a multiple of the outcome matrix (1.73 GB). Targets: <= 2 s and peak <= 3x
the outcome matrix (the matrix itself included, so at most 2x extra). The naive way, a dense
``numpy.linalg.lstsq`` on all outcomes plus a full residual matrix, is measured at N = 100,000
and extrapolated linearly (labelled so).
"""

from __future__ import annotations

import time
import tracemalloc

import numpy as np

from proeftuin.analysis import estimate_effects

N = 1_000_000
M = 216
ARMS = np.array(["control", "exemption", "intensive", "disregard"])


def naive_hc2(outcomes: np.ndarray, x: np.ndarray) -> np.ndarray:
    coef, *_ = np.linalg.lstsq(x, outcomes, rcond=None)
    resid = outcomes - x @ coef
    xtx_inv = np.linalg.inv(x.T @ x)
    a = xtx_inv @ x.T
    leverage = np.einsum("ij,jk,ik->i", x, xtx_inv, x)
    return (a[1:4] ** 2 / (1 - leverage)) @ resid**2


def main() -> None:
    rng = np.random.default_rng(7)
    arm = ARMS[rng.integers(0, 4, N)]
    covariates = rng.normal(size=(N, 5))
    outcomes = rng.random((N, M))
    outcomes += 0.05 * (arm != "control")[:, None]
    size = outcomes.nbytes
    print(f"N={N:,} x {M} outcomes (outcome matrix {size / 1e9:.2f} GB), 4 arms, HC2")
    for label, cov in (("no covariates", None), ("5 covariates", covariates)):
        tracemalloc.start()
        start = time.perf_counter()
        table = estimate_effects(outcomes, arm, control="control", covariates=cov)
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"  {label}: {elapsed:.2f} s; peak extra memory {peak / 1e6:.0f} MB = "
              f"{peak / size:.2f}x the outcome matrix (total {1 + peak / size:.2f}x incl. the matrix); "
              f"{len(table)} effects")
    n_small = 100_000
    x = np.column_stack([np.ones(n_small)] + [(arm[:n_small] == a).astype(float) for a in ARMS[1:]])
    start = time.perf_counter()
    naive_hc2(outcomes[:n_small], x)
    naive = (time.perf_counter() - start) * N / n_small
    print(f"  naive dense lstsq + residual matrix: {naive:.2f} s (measured at N=100,000, extrapolated x10)")


if __name__ == "__main__":
    main()
