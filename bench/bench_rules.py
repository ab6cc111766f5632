"""Benefits for n person-months in one vectorised call, against a plain per-person loop.

Parameters: n from 10^3 to 10^6 person-months with random dates (2017-10 .. 2026-06), household
types, earnings, cost-sharers, ages, disregard months and regimes. The loop calls the SAME
array functions one person at a time (``compute_benefit``); it runs on a subsample and is
extrapolated to n, as the output says. Target: under 2 s for 10^6 in one call.
"""

from __future__ import annotations

import time

import numpy as np

from proeftuin.rules import compute_benefit, compute_benefits, regimes

SIZES = (1_000, 10_000, 100_000, 1_000_000)
LOOP_SAMPLE = 2_000
SEED = 42
TARGET_SECONDS = 2.0


def build(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Random person-months (the same distribution for every n)."""
    start = np.datetime64("2017-10-01")
    return {
        "date": start + rng.integers(0, 365 * 8 + 240, n).astype("timedelta64[D]"),
        "household": rng.choice(np.array(["single", "single-parent", "couple"]), n),
        "earnings": rng.uniform(0, 2000, n).round(2),
        "regime": rng.choice(np.array([r for r in regimes() if not r.startswith(("amsterdam", "wageningen-2020"))]), n),
        "age": rng.integers(21, 66, n).astype(float),
        "cost_sharers": rng.integers(1, 5, n),
        "youngest_child_age": rng.integers(0, 18, n).astype(float),
        "disregard_month": rng.integers(1, 40, n),
        "hours_per_week": rng.uniform(0, 40, n).round(1),
    }


def main() -> None:
    rng = np.random.default_rng(SEED)
    print(f"{'n':>10} {'vectorised s':>13} {'loop s (extrapolated)':>22} {'speed-up':>9}")
    for n in SIZES:
        data = build(n, rng)
        t0 = time.perf_counter()
        result = compute_benefits(**data)
        vectorised = time.perf_counter() - t0
        m = min(n, LOOP_SAMPLE)
        t0 = time.perf_counter()
        for i in range(m):
            one = compute_benefit(**{k: (v[i].item() if k != "date" else v[i]) for k, v in data.items()})
            assert abs(one.benefit - result.benefit[i]) < 0.006
        loop = (time.perf_counter() - t0) * n / m
        note = "" if m == n else f" (loop on {m:,} rows, x{n / m:,.0f})"
        print(f"{n:>10,} {vectorised:>13.3f} {loop:>22.2f} {loop / vectorised:>8.0f}x{note}")
    verdict = "meets" if vectorised < TARGET_SECONDS else "MISSES"
    print(f"1,000,000 person-months in {vectorised:.2f} s: {verdict} the {TARGET_SECONDS:.0f} s target")


if __name__ == "__main__":
    main()
