"""Benchmark: register scale, Parquet -> person outcomes -> 10 labour outcomes x 3 arms, HC2.

Stages, each in its own process so that its peak memory (``ru_maxrss``) is its own:

* ``floor``: one DuckDB scan of every column the pipeline reads from the same Parquet (the
  floor: no engine can do the job without reading the data once);
* ``duckdb``: ``register outcomes`` (jobs and benefit months -> one row per person, in DuckDB
  with ``memory_limit`` set) then the engine estimator on that file (HC2, stratum fixed effects);
* ``memory``: the in-memory engine: the same person-month panels built with pandas/numpy,
  :func:`proeftuin.design.outcomes.labour_indicators` and :func:`proeftuin.analysis.estimate_effects`
  (run at the smaller size: it holds every person-month in memory);
* ``spark``: the DuckDB stage's work on Spark ``local[2]`` (at the smaller size).

Sizes: ``--persons`` x 36 months and a tenth of it, so that peak memory can be compared across N.
The default, 27,778 persons (1 million person-months), runs in a minute or two; the README's
figures are at ``--persons 2777778`` (100 million person-months, and 10 million). The synthetic register
is written once to ``--data`` (default /tmp/proeftuin-bench-register-PERSONS) and reused.

Run: ``PYTHONPATH=src python bench/bench_register.py [--persons N] [--spark] [--memory-limit 1GB] [--json FILE]``;
the machine's load is printed before and after, and the last line is a JSON record (``--json``
appends it to FILE, for ``bench/table.py``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from proeftuin.scale import Engine

MONTHS = 36
OUTCOMES = ("work_8h", "work_12h", "work_27h", "work_32h", "contract_permanent", "contract_temporary",
            "earn_50", "earn_70", "earn_100", "outflow")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _window():
    from proeftuin.scale import Window

    return Window(dt.date(2024, 1, 1), dt.date(2024, 1, 1) + dt.timedelta(days=31 * (MONTHS - 1)))


def stage_floor(data: Path, memory_limit: str, threads: int) -> dict:
    from proeftuin.scale import connect

    con = connect("duckdb", memory_limit=memory_limit, threads=threads)
    start = time.perf_counter()
    for name, columns in (("jobs", "count(pseudonym), max(month), sum(hours_per_week), max(contract), sum(gross_wage)"),
                          ("benefits", "count(pseudonym), max(month)"), ("assignments", "count(pseudonym), max(arm), max(stratum)")):
        con.raw_sql(f"SELECT {columns} FROM read_parquet('{data / name}/*.parquet')").fetchall()
    return {"seconds": time.perf_counter() - start, "peak_mb": _peak_mb()}


def stage_engine(data: Path, memory_limit: str, threads: int, engine: Engine) -> dict:
    from proeftuin.scale import connect, estimate_effects_engine, read_parquet, register_outcomes

    con = connect(engine, memory_limit=memory_limit, threads=threads, spark_master="local[2]")
    out = data.parent / f"{data.name}-outcomes-{engine}"
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    expr = register_outcomes(con, jobs=data / "jobs", benefits=data / "benefits", assignments=data / "assignments", window=_window())
    if engine == "spark":
        expr.to_parquet(str(out))
    else:
        out.mkdir()
        con.to_parquet(expr, out / "outcomes.parquet")
    outcomes_done = time.perf_counter()
    table = estimate_effects_engine(read_parquet(con, out), outcomes=OUTCOMES, arm="arm", control="control", strata="stratum")
    end = time.perf_counter()
    return {"seconds": end - start, "outcomes_seconds": outcomes_done - start, "estimate_seconds": end - outcomes_done,
            "peak_mb": _peak_mb(), "effects": len(table), "first": [table[0].estimate, table[0].std_error]}


def stage_memory(data: Path) -> dict:
    import numpy as np
    import pandas as pd

    from proeftuin.analysis import estimate_effects
    from proeftuin.design.outcomes import CONTRACT_CODES, ever, labour_indicators
    from proeftuin.rules import minimum_wage

    start = time.perf_counter()
    people = pd.read_parquet(data / "assignments").sort_values("pseudonym").reset_index(drop=True)
    row = pd.Series(np.arange(len(people)), index=people["pseudonym"])
    months = _window().months()
    shape = (len(people), len(months))
    hours, contract, wage, benefit = (np.zeros(shape) for _ in range(4))
    jobs = pd.read_parquet(data / "jobs")
    stamps = pd.to_datetime(jobs["month"])
    at = (row[jobs["pseudonym"]].to_numpy(), ((stamps.dt.year - 2024) * 12 + stamps.dt.month - 1).to_numpy())
    hours[at], contract[at], wage[at] = jobs["hours_per_week"], jobs["contract"].map(CONTRACT_CODES), jobs["gross_wage"]
    del jobs, stamps
    benefits = pd.read_parquet(data / "benefits")
    stamps = pd.to_datetime(benefits["month"])
    benefit[row[benefits["pseudonym"]].to_numpy(), ((stamps.dt.year - 2024) * 12 + stamps.dt.month - 1).to_numpy()] = 1
    del benefits, stamps
    monthly = labour_indicators(hours, contract, wage, minimum_wage(months)[None, :], benefit)
    y = np.column_stack([ever(monthly[o]) for o in OUTCOMES])
    dummies = pd.get_dummies(people["stratum"], drop_first=True, dtype=float).to_numpy()
    table = estimate_effects(y, people["arm"].to_numpy(), control="control", outcome_names=list(OUTCOMES), covariates=dummies)
    return {"seconds": time.perf_counter() - start, "peak_mb": _peak_mb(), "effects": len(table),
            "first": [table[0].estimate, table[0].std_error]}


def stage_duckdb_estimate(data: Path, memory_limit: str, threads: int) -> dict:
    """``estimate --engine duckdb`` on the same outcome file."""
    from proeftuin.workflow.register import estimate_dataset

    start = time.perf_counter()
    table = estimate_dataset(data.parent / f"{data.name}-outcomes-duckdb", engine="duckdb", outcomes=OUTCOMES, arm="arm",
                             control="control", strata="stratum", memory_limit=memory_limit)
    return {"seconds": time.perf_counter() - start, "peak_mb": _peak_mb(),
            "estimates": [[e.estimate, e.std_error] for e in table]}


def stage_memory_estimate(data: Path) -> dict:
    """``estimate --engine memory`` on the person-level outcome file the DuckDB stage wrote."""
    from proeftuin.workflow.register import estimate_dataset

    start = time.perf_counter()
    table = estimate_dataset(data.parent / f"{data.name}-outcomes-duckdb", engine="memory", outcomes=OUTCOMES, arm="arm",
                             control="control", strata="stratum")
    return {"seconds": time.perf_counter() - start, "peak_mb": _peak_mb(),
            "estimates": [[e.estimate, e.std_error] for e in table]}


def run_stage(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "stage", *args], capture_output=True, text=True, check=False)
    if out.returncode:
        raise SystemExit(f"stage {args[0]} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def ensure_register(data: Path, persons: int) -> None:
    from proeftuin.scale import write_register

    if (data / "assignments").exists():
        return
    shutil.rmtree(data, ignore_errors=True)
    start = time.perf_counter()
    summary = write_register(data, persons=persons, months=MONTHS, seed=2026)
    size = sum(f.stat().st_size for f in data.rglob("*.parquet")) / 1e9
    print(f"wrote {summary.person_months:,} person-months ({summary.job_rows:,} job records, "
          f"{summary.benefit_rows:,} benefit months, {size:.2f} GB) to {data} in {time.perf_counter() - start:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, help="folder of the synthetic register (default /tmp/proeftuin-bench-register-PERSONS)")
    parser.add_argument("--persons", type=int, default=27_778, help="persons of the large size (README: 2777778)")
    parser.add_argument("--json", type=Path, help="append the JSON record to this file")
    parser.add_argument("--memory-limit", default="1GB")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--spark", action="store_true", help="also run Spark local[2] at the small size")
    args = parser.parse_args()
    data_dir = args.data or Path(f"/tmp/proeftuin-bench-register-{args.persons}")
    big, small = data_dir, data_dir.with_name(data_dir.name + "-small")
    ensure_register(big, args.persons)
    ensure_register(small, args.persons // 10)
    record: dict = {"bench": "register", "cores": os.cpu_count(), "load_before": round(os.getloadavg()[0], 2),
                    "memory_limit": args.memory_limit, "threads": args.threads, "sizes": []}
    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; DuckDB memory_limit={args.memory_limit}, threads={args.threads}")
    common = (args.memory_limit, str(args.threads))
    for data, persons in ((small, args.persons // 10), (big, args.persons)):
        label = f"{persons * MONTHS / 1e6:g}M"
        floor = run_stage("floor", str(data), *common)
        duck = run_stage("duckdb", str(data), *common)
        print(f"{label:>4} person-months ({persons * MONTHS:,}): floor (one scan) {floor['seconds']:.1f} s; "
              f"DuckDB outcomes {duck['outcomes_seconds']:.1f} s + estimates {duck['estimate_seconds']:.1f} s = "
              f"{duck['seconds']:.1f} s = {duck['seconds'] / floor['seconds']:.1f}x the floor; "
              f"peak RSS {duck['peak_mb']:.0f} MB ({duck['effects']} effects); load {os.getloadavg()[0]:.1f}")
        record["sizes"].append({"person_months": persons * MONTHS, "floor_s": floor["seconds"], "duckdb_s": duck["seconds"],
                                "duckdb_peak_mb": duck["peak_mb"]})
        if data == big:
            mem = run_stage("memory-estimate", str(data))
            duck_est = run_stage("duckdb-estimate", str(data), *common)
            gap = max(abs(a - b) for pair_a, pair_b in zip(mem["estimates"], duck_est["estimates"]) for a, b in zip(pair_a, pair_b))
            print(f"      estimate --engine memory on the {persons:,}-person outcome file: {mem['seconds']:.1f} s, peak RSS "
                  f"{mem['peak_mb']:.0f} MB; --engine duckdb {duck_est['seconds']:.1f} s, {duck_est['peak_mb']:.0f} MB; "
                  f"largest difference in estimate or SE {gap:.1e}")
    memory = run_stage("memory", str(small))
    duck_small = run_stage("duckdb", str(small), *common)
    record["sizes"][0].update({"memory_s": memory["seconds"], "memory_peak_mb": memory["peak_mb"]})
    print(f" {record['sizes'][0]['person_months'] / 1e6:g}M in-memory engine (pandas panels + numpy): {memory['seconds']:.1f} s, peak RSS {memory['peak_mb']:.0f} MB "
          f"(DuckDB {duck_small['seconds']:.1f} s, {duck_small['peak_mb']:.0f} MB); same first estimate: "
          f"{abs(memory['first'][0] - duck_small['first'][0]):.1e}, SE {abs(memory['first'][1] - duck_small['first'][1]):.1e}")
    if args.spark:
        spark = run_stage("spark", str(small), *common)
        print(f" small size, Spark local[2]: {spark['seconds']:.1f} s (outcomes {spark['outcomes_seconds']:.1f} s, estimates "
              f"{spark['estimate_seconds']:.1f} s) = {spark['seconds'] / duck_small['seconds']:.1f}x DuckDB; "
              f"same first estimate: {abs(spark['first'][0] - duck_small['first'][0]):.1e}; load {os.getloadavg()[0]:.1f}")
        record["sizes"][0]["spark_s"] = spark["seconds"]
    record["load_after"] = round(os.getloadavg()[0], 2)
    print(f"load (1 min) {record['load_after']:.2f} after")
    line = json.dumps(record)
    print(line)
    if args.json is not None:
        with args.json.open("a", encoding="utf-8") as out:
            out.write(line + "\n")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "stage":
        what, data = sys.argv[2], Path(sys.argv[3])
        if what == "floor":
            result = stage_floor(data, sys.argv[4], int(sys.argv[5]))
        elif what == "duckdb-estimate":
            result = stage_duckdb_estimate(data, sys.argv[4], int(sys.argv[5]))
        elif what == "memory-estimate":
            result = stage_memory_estimate(data)
        elif what == "memory":
            result = stage_memory(data)
        else:
            result = stage_engine(data, sys.argv[4], int(sys.argv[5]), cast("Engine", what))  # memory, duckdb or spark (main passes these)
        print(json.dumps(result))
    else:
        main()
