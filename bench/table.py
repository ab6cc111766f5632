"""The README's performance rows of the analysis and the registry, generated from the benchmarks' JSON records.

    python bench/bench_ols.py --json out/bench.jsonl
    python bench/bench_large.py --json out/bench.jsonl
    python bench/bench_registry.py --n 100000 --months 10 --pg postgresql+psycopg://... --json out/bench.jsonl
    python bench/table.py out/bench.jsonl      # prints the Markdown rows to paste

The last record of each benchmark is used; every row names the load it was measured under.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def rows(records: dict[str, dict]) -> list[str]:
    out = []
    if (o := records.get("ols")) is not None:
        load = f"load {o['load_before']:.0f} on {o['cores']} cores"
        out.append(
            f"| OLS effects, N = 3,500, 216 outcome vectors, 4 arms, 5 covariates, HC2 + 90% CI ({load}) "
            f"| {_ms(o['hc2_3500_s'])}: {o['hc2_3500_over_floor']:.1f}x the floor of one X'Y pass ({_ms(o['hc2_3500_floor_s'])}); "
            f"every BLAS thread {_ms(o['hc2_3500_every_thread_s'])} "
            f"| statsmodels formula loop {_ms(o['hc2_3500_statsmodels_s'])} ({o['hc2_3500_statsmodels_s'] / o['hc2_3500_s']:.0f}x); "
            f"dense NumPy {_ms(o['hc2_3500_naive_numpy_s'])} |"
        )
        out.append(
            f"| the same with 5% of cells missing at random (every column its own pattern), N = 10,000 / 50,000 ({load}) "
            f"| {_ms(o['missing_10000_s'])} / {_ms(o['missing_50000_s'])}: {o['missing_10000_over_floor']:.0f}x / "
            f"{o['missing_50000_over_floor']:.0f}x the floor | one QR per pattern at N = 10,000: {_ms(o['missing_10000_per_pattern_s'])} |"
        )
    if (g := records.get("large")) is not None:
        load = f"load {g['load_before']:.0f} on {g['cores']} cores"
        out.append(
            f"| the same at N = 1,000,000, complete ({load}) | {_ms(g['hc2_s'])}: {g['hc2_over_floor']:.1f}x the floor "
            f"({_ms(g['floor_s'])}; with every BLAS thread {_ms(g['floor_every_thread_s'])}), peak memory "
            f"{1 + g['hc2_peak_over_outcomes']:.1f}x the outcome matrix | dense least squares ~{_ms(g['naive_dense_extrapolated_s'])} |"
        )
        out.append(
            f"| ... with 5% of cells missing at random | {_ms(g['hc2_missing_s'])}: {g['hc2_missing_over_floor']:.1f}x the floor, "
            f"{g['hc2_missing_s'] / g['hc2_s']:.1f}x complete | |"
        )
        out.append(
            f"| ... CR2 in households of 1-4 | {_ms(g['cr2_households_s'])}: {g['cr2_households_over_hc2']:.1f}x HC2, peak memory "
            f"{1 + g['cr2_households_peak_over_outcomes']:.1f}x the outcome matrix | |"
        )
        out.append(
            f"| CR2, N = 100,000 in 200 clusters of unequal size | {_ms(g['cr2_200_clusters_100000_s'])}: "
            f"{g['cr2_200_clusters_over_hc2']:.1f}x HC2 ({_ms(g['hc2_100000_s'])}) | |"
        )
    for key, where in (("registry", "SQLite file"), ("registry_postgresql", "PostgreSQL")):
        if (r := records.get(key)) is None:
            continue
        load = f"load {r['load_before']:.0f}-{r['load_after']:.0f} on {r['cores']} cores"
        out.append(
            f"| import {r['person_months']:,} person-months into a {where}, one transaction, rows digested into the audit chain "
            f"(`bench/bench_registry.py`, {load}) | {_ms(r['import_s'])}: {r['import_s'] / r['floor_s']:.2f}x the floor "
            f"(read_csv + {'raw executemany' if key == 'registry' else 'COPY'} into the same table, {_ms(r['floor_s'])}); "
            f"validation {_ms(r['validate_s'])}; the same file again {_ms(r['reimport_s'])} "
            f"| ORM insert of one dict per row {_ms(r['naive_s'])} ({r['naive_s'] / r['import_s']:.1f}x) |"
        )
        out.append(
            f"| randomize {r['people']:,} people in one request ({where}, keyed audit chain, sealed blocks; {load}) "
            f"| {_ms(r['randomize_s'])} | one transaction per person: {_ms(r['randomize_naive_per_person_s'])} each |"
        )
        out.append(
            f"| `proeftuin verify` ({where}): recompute {r['people']:,} allocations, replay {r['audit_events']:,} keyed audit events, "
            f"compare every table with them ({load}) | {_ms(r['verify_s'])}, of which the rows digest of "
            f"{r['person_months']:,} person-months {_ms(r['verify_rows_digest_s'])} | |"
        )
    return out


def main() -> None:
    records: dict[str, dict] = {}
    for line in Path(sys.argv[1]).read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            records[record.get("bench", "")] = record
    print("\n".join(rows(records)))


if __name__ == "__main__":
    main()
