"""Benchmark: studentized randomization inference, 2,000 draws x 216 outcomes x 3 arms, N = 3,500.

Target <= 1 s. Measured in the same run:

* the floor: what every statistic of every draw needs at least, the sums of the outcomes per
  permuted arm (``D_perm' Y`` for each draw, draws in blocks of 100, one matrix product per block);
* the naive way: a loop that refits the all-outcomes HC2 regression (``estimate_effects``) for
  every re-randomized assignment, measured on 40 draws and extrapolated to 2,000 (labelled so).

Prints the machine's 1-minute load before and after; the last line is a JSON record (``--json
FILE`` appends it to FILE, for ``bench/table.py``).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
from floor import best_and_median, load, write_record

from proeftuin.analysis import estimate_effects, randomization_inference

N, M, DRAWS, NAIVE_DRAWS = 3_500, 216, 2_000, 40
ARMS = np.array(["control", "exemption", "intensive", "disregard"])
BLOCK = 100


def arm_sums(outcomes: np.ndarray, arm: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The floor: per draw, the sums of every outcome over each treatment arm of a permutation."""
    total = np.zeros((3, outcomes.shape[1]))
    for _ in range(DRAWS // BLOCK):
        permuted = np.stack([rng.permutation(arm) for _ in range(BLOCK)], axis=1)  # (n, BLOCK)
        indicators = np.concatenate([(permuted == a).astype(float) for a in ARMS[1:]], axis=1)  # (n, 3 BLOCK)
        sums = indicators.T @ outcomes
        total += sums.reshape(3, BLOCK, -1).sum(axis=1)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="append the JSON record to this file")
    parser.add_argument("--repeats", type=int, default=3, help="runs of the RI and of the floor (best and median)")
    args = parser.parse_args()
    record: dict = {"bench": "ri", "n": N, "m": M, "draws": DRAWS, "naive_draws": NAIVE_DRAWS,
                    "cores": os.cpu_count(), "load_before": load()}
    print(f"load (1 min) {record['load_before']:.2f} on {os.cpu_count()} cores")
    rng = np.random.default_rng(11)
    arm = ARMS[np.arange(N) % 4]
    outcomes = (rng.random((N, M)) < 0.3).astype(float) + 0.03 * (arm == "exemption")[:, None]
    floor, floor_median = best_and_median(lambda: arm_sums(outcomes, arm, rng), args.repeats)
    fast, fast_median = best_and_median(
        lambda: randomization_inference(outcomes, arm, control="control", draws=DRAWS, seed=1), args.repeats)
    print(f"studentized RI, {DRAWS:,} draws x {M} outcomes x 3 arms, N={N:,}: {fast:.2f} s best, {fast_median:.2f} s median "
          f"(target <= 1 s); floor (permuted arm sums) {floor:.2f} s -> {fast / floor:.1f}x the floor")
    start = time.perf_counter()
    for _ in range(NAIVE_DRAWS):
        estimate_effects(outcomes, rng.permutation(arm), control="control")
    naive = (time.perf_counter() - start) * DRAWS / NAIVE_DRAWS
    print(f"  naive loop of HC2 refits: {naive:.1f} s (measured on {NAIVE_DRAWS} draws, extrapolated to {DRAWS:,}) "
          f"-> ratio {naive / fast:.0f}x")
    start = time.perf_counter()
    randomization_inference(outcomes[:, :24], arm, control="control", draws=DRAWS, seed=1,
                            statistic="difference", confidence_interval=True)
    inverted = time.perf_counter() - start
    print(f"  difference statistic + inverted CI, 24 outcomes: {inverted:.2f} s")
    record.update({"ri_s": fast, "ri_median_s": fast_median, "floor_s": floor, "floor_median_s": floor_median,
                   "naive_s": naive, "difference_ci_24_s": inverted, "load_after": load()})
    print(f"load (1 min) {record['load_after']:.2f} after")
    write_record(record, args.json)


if __name__ == "__main__":
    main()
