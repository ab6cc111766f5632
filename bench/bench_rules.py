"""Benefits for many person-months in one vectorised call: against a per-person loop, and a
mixed-regime call against a single-regime call and the floor of a plain formula.

Rows: random dates (2017-10 .. 2026-06), household types, earnings, cost-sharers, ages,
disregard months, hours and regimes (those in force from 2017-10).

1. Sizes 10^3 .. 10^6: one ``compute_benefits`` call against the naive way, a per-person loop
   over the SAME functions (``compute_benefit``), run on a subsample and extrapolated to n.
2. At 10^6 rows, timed in the same run, interleaved, median of ``--repeats``:
   - floor: a plain numpy formula of the regular rules on the same rows (parameters looked up
     for every row's date, norm, capped 25% disregard, benefit): what one pass costs;
   - single: ``compute_benefits`` with every row under ``regular``;
   - mixed: the same rows, each under its own regime (issue 14 target: <= 2x single);
   - naive mixed (once): every regime evaluated on every row, each row then taking its own
     regime's result, the former path.
The machine's load (1-minute average) is printed before and after; the last line is a JSON
record of the figures (``--json FILE`` also appends it to FILE).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from proeftuin.rules import compute_benefit, compute_benefits, regimes
from proeftuin.rules.legislation import value_at

SIZES = (1_000, 10_000, 100_000, 1_000_000)
LOOP_SAMPLE = 2_000
SEED = 42
TARGET_SECONDS = 2.0
TARGET_MIXED_OVER_SINGLE = 2.0


def build(n: int, rng: np.random.Generator) -> dict[str, Any]:
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


def plain_formula(data: dict[str, Any]) -> np.ndarray:
    """The floor: regular benefit in one numpy expression (no validation, no other outputs)."""
    date, earnings = data["date"], data["earnings"]
    couple = data["household"] == "couple"
    norm = np.where(couple, value_at("participatiewet.art_21.norm_couple", date), value_at("participatiewet.art_21.norm_single", date))
    disregard = np.where(data["disregard_month"] <= 6, np.minimum(0.25 * earnings, value_at("participatiewet.art_31.lid_2_n.cap", date)), 0.0)
    return np.maximum(0.0, norm - earnings + disregard)


def every_regime_on_every_row(data: dict[str, Any]) -> np.ndarray:
    """The former mixed path: all rows under each regime present, then each row's own result."""
    names = np.unique(data["regime"])
    whole = [compute_benefits(**{**data, "regime": str(name)}).benefit for name in names]
    return np.select([data["regime"] == name for name in names], whole)


def seconds(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def loop_table(rng: np.random.Generator) -> float:
    print(f"{'n':>10} {'vectorised s':>13} {'loop s (extrapolated)':>22} {'speed-up':>9}")
    vectorised = 0.0
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
    print(f"1,000,000 person-months in {vectorised:.2f} s: {verdict} the {TARGET_SECONDS:.0f} s target\n")
    return vectorised


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="interleaved repeats of floor/single/mixed (median)")
    parser.add_argument("--json", type=Path, help="append the JSON record to this file")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    print(f"load (1 min) {load_before:.2f} on {os.cpu_count()} cores\n")
    rng = np.random.default_rng(SEED)
    vectorised = loop_table(rng)

    n = SIZES[-1]
    data = build(n, rng)
    single_data = {**data, "regime": "regular"}
    mixed = compute_benefits(**data).benefit
    naive_s = seconds(lambda: every_regime_on_every_row(data))
    assert np.array_equal(mixed, every_regime_on_every_row(data)), "grouped and former mixed paths differ"
    times: dict[str, list[float]] = {"floor": [], "single": [], "mixed": []}
    for _ in range(args.repeats):
        times["floor"].append(seconds(lambda: plain_formula(data)))
        times["single"].append(seconds(lambda: compute_benefits(**single_data)))
        times["mixed"].append(seconds(lambda: compute_benefits(**data)))
    med = {k: statistics.median(v) for k, v in times.items()}
    load_after = os.getloadavg()[0]
    ratio = med["mixed"] / med["single"]
    print(f"{n:,} person-months, median of {args.repeats} interleaved runs (naive once):")
    print(f"  {'floor (plain formula, regular)':<38} {med['floor']:>7.3f} s   1.0x")
    print(f"  {'single regime (regular)':<38} {med['single']:>7.3f} s  {med['single'] / med['floor']:>4.1f}x floor")
    print(f"  {'mixed regimes (grouped)':<38} {med['mixed']:>7.3f} s  {med['mixed'] / med['floor']:>4.1f}x floor, {ratio:.2f}x single")
    print(f"  {'naive mixed (every regime, every row)':<38} {naive_s:>7.3f} s  {naive_s / med['floor']:>4.1f}x floor, {naive_s / med['single']:.2f}x single")
    verdict = "meets" if ratio <= TARGET_MIXED_OVER_SINGLE else "MISSES"
    print(f"mixed / single = {ratio:.2f}: {verdict} the {TARGET_MIXED_OVER_SINGLE:.0f}x target")
    print(f"load (1 min) {load_after:.2f} after")
    record = {
        "bench": "rules", "n": n, "load_before": round(load_before, 2), "load_after": round(load_after, 2),
        "cores": os.cpu_count(), "vectorised_1e6_s": round(vectorised, 4),
        **{f"{k}_s": round(v, 4) for k, v in med.items()}, "naive_mixed_s": round(naive_s, 4),
        "mixed_over_single": round(ratio, 3), "mixed_over_floor": round(med["mixed"] / med["floor"], 3),
    }
    line = json.dumps(record)
    print(line)
    if args.json:
        with args.json.open("a", encoding="utf-8") as out:
            out.write(line + "\n")


if __name__ == "__main__":
    main()
