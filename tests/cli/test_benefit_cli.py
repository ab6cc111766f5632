"""``proeftuin benefit`` and ``proeftuin benefit curve``: the CLI contract."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from proeftuin.cli import app

runner = CliRunner()
BASE = ["benefit", "--date", "2018-03-01", "--household", "single"]


def test_json_has_exactly_the_contract_keys() -> None:
    result = runner.invoke(app, [*BASE, "--earnings", "400", "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert list(payload) == ["date", "regime", "norm", "disregard", "benefit", "net_income", "work_bonus", "marginal_rate"]
    assert payload["benefit"] == 692.12 and payload["disregard"] == 100.0 and payload["regime"] == "regular"


def test_all_options() -> None:
    args = [*BASE[:3], "--household", "single-parent", "--age", "30", "--cost-sharers", "2", "--youngest-child-age", "4",
            "--earnings", "400", "--regime", "experiment-50", "--disregard-month", "8", "--format", "json"]
    payload = json.loads(runner.invoke(app, args).stdout)
    assert payload["norm"] == 708.66 and payload["disregard"] == 200.0


def test_table_output() -> None:
    result = runner.invoke(app, [*BASE, "--earnings", "400"])
    assert result.exit_code == 0 and "692" in result.stdout


def test_bad_input_exits_2_with_one_line() -> None:
    result = runner.invoke(app, [*BASE, "--earnings", "400", "--regime", "nope"])
    assert result.exit_code == 2
    assert "unknown regime 'nope'" in result.output


def test_missing_household_exits_2() -> None:
    result = runner.invoke(app, ["benefit", "--date", "2018-03-01", "--earnings", "1"])
    assert result.exit_code == 2 and "--household is required" in result.output


def test_curve_prints_table_and_writes_chart(tmp_path: Path) -> None:
    out = tmp_path / "curve.svg"
    args = ["benefit", "curve", "--date", "2018-03-01", "--household", "single",
            "--regime", "regular", "--regime", "experiment-50", "--out", str(out), "--format", "csv"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "hours,earnings,regular,experiment-50" and len(lines) == 42
    assert out.read_text().startswith("<?xml")


def test_curve_json() -> None:
    args = ["benefit", "curve", "--date", "2018-03-01", "--household", "couple", "--format", "json"]
    payload = json.loads(runner.invoke(app, args).stdout)
    assert payload["rows"][0]["regular"] == 1417.32
