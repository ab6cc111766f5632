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


def test_csv_as_the_help_offers() -> None:
    # QA: --format showed table|json|csv but csv was refused
    result = runner.invoke(app, [*BASE, "--earnings", "400", "--format", "csv"])
    assert result.exit_code == 0, result.output
    header, row = result.stdout.strip().splitlines()
    assert header == "date,regime,norm,disregard,benefit,net_income,work_bonus,marginal_rate"
    assert row == "2018-03-01,regular,992.12,100.0,692.12,1092.12,0.0,0.75"


def test_tables_show_euros_to_the_cent() -> None:
    # QA: the table printed the norm 992.12 as "992.1" and the net income 1092.12 as "1092"
    result = runner.invoke(app, [*BASE, "--earnings", "400"], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    assert "992.12" in result.stdout and "1092.12" in result.stdout and "100.00" in result.stdout
    curve = runner.invoke(app, ["benefit", "curve", *BASE[1:], "--regime", "regular"], env={"COLUMNS": "120"})
    assert curve.exit_code == 0, curve.output
    assert "992.12" in curve.stdout and "1001.99" in curve.stdout  # 1 h at the 2018-03 WML rate (10.12)


def test_errors_name_the_flag() -> None:
    for args, flag in [(["--cost-sharers", "0"], "--cost-sharers"), (["--youngest-child-age", "-1"], "--youngest-child-age")]:
        result = runner.invoke(app, [*BASE, "--earnings", "0", *args])
        assert result.exit_code == 2
        assert result.stderr.strip().startswith(f"error: {flag} "), result.stderr


def test_a_youngest_child_is_refused_for_a_household_without_single_parenthood() -> None:
    # QA: it was accepted silently (and ignored) for a single person
    result = CliRunner().invoke(app, ["benefit", "--date", "2018-06-01", "--household", "single", "--earnings", "300", "--youngest-child-age", "5"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: --youngest-child-age applies to a single parent (art. 31 lid 2 r), not to household 'single'"
