"""bench/table.py: the README's performance table generated from the benchmarks' JSON records."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).parents[2] / "bench"


def _table_module():
    spec = importlib.util.spec_from_file_location("bench_table", BENCH / "table.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_table"] = module
    spec.loader.exec_module(module)
    return module


table = _table_module()

RI = {"bench": "ri", "cores": 2, "load_before": 5.6, "load_after": 7.4, "n": 3500, "m": 216, "draws": 2000,
      "naive_draws": 40, "ri_s": 2.0, "floor_s": 0.5, "naive_s": 30.0}
REGISTRY = {"bench": "registry", "cores": 2, "load_before": 3.0, "load_after": 3.0,
            "rows": [{"what": "import 1,000,000 person-months", "seconds": 12.0, "floor_seconds": 8.0,
                      "floor": "raw executemany", "naive_seconds": 38.0, "naive": "the ORM"}]}


def _readme(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "README.md"
    path.write_text("\n".join(["# x", "", table.START, *table.HEADER, *rows, table.END, "", "after"]) + "\n", encoding="utf-8")
    return path


def test_a_row_gives_time_ratio_to_the_floor_naive_way_and_load():
    (row,) = table.rows({"ri": RI})["ri"]
    assert "2.00 s: 4.0x the floor" in row and "(15x; extrapolated from 40 draws)" in row
    assert "load 6-7 on 2 cores" in row and row.endswith("<!-- bench:ri -->")


def test_a_bench_without_a_renderer_lists_its_own_rows():
    (row,) = table.rows({"registry": REGISTRY})["registry"]
    assert row.startswith("| import 1,000,000 person-months (load 3 on 2 cores) | 12.00 s: 1.5x the floor (raw executemany: 8.00 s)")
    assert "the ORM 38.00 s (3.2x)" in row


def test_readme_mode_rewrites_the_table_and_keeps_rows_of_benches_without_a_record(tmp_path):
    kept = "| web: results page | 410 requests/s | | <!-- bench:web -->"
    readme = _readme(tmp_path, ["| old ri row | 9 s | | <!-- bench:ri -->", kept])
    records = tmp_path / "bench.jsonl"
    records.write_text(json.dumps({**RI, "ri_s": 9.9}) + "\n" + json.dumps(RI) + "\n", encoding="utf-8")
    table.main([str(records), "--readme", str(readme)])
    lines = readme.read_text(encoding="utf-8").splitlines()
    body = lines[lines.index(table.START) + 3 : lines.index(table.END)]
    assert len(body) == 2 and "2.00 s" in body[0] and body[1] == kept  # the last ri record, ri before web
    assert lines[:2] == ["# x", ""] and lines[-1] == "after"


def test_a_readme_without_the_markers_is_refused(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("| what | time | the naive way |\n", encoding="utf-8")
    records = tmp_path / "bench.jsonl"
    records.write_text(json.dumps(RI) + "\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="no lines"):
        table.main([str(records), "--readme", str(readme)])
    assert readme.read_text(encoding="utf-8") == "| what | time | the naive way |\n"


def test_a_record_without_a_figure_its_row_needs_names_both():
    with pytest.raises(SystemExit, match="bench 'ri': its record has no figure 'floor_s'"):
        table.rows({"ri": {k: v for k, v in RI.items() if k != "floor_s"}})


def test_the_readme_table_lies_between_the_markers_and_names_the_bench_of_every_row():
    lines = (BENCH.parent / "README.md").read_text(encoding="utf-8").splitlines()
    start, end = lines.index(table.START), lines.index(table.END)
    assert lines[start + 1 : start + 3] == table.HEADER
    body = lines[start + 3 : end]
    assert body and all(table._TAG.search(line) for line in body)
    assert {table._TAG.search(line).group(1) for line in body} <= set(table.ORDER)


def test_a_row_says_how_fast_the_machine_ran_python_when_its_record_knows():
    (row,) = table.rows({"ri": {**RI, "python_pace_s": 0.4431}})["ri"]
    assert "load 6-7 on 2 cores; 2 million Python additions in 443 ms)" in row
