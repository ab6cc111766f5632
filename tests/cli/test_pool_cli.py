"""`proeftuin pool`: the stable JSON contract, agreement with the library, and bad input (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from proeftuin.analysis.pooling import pool_effects
from proeftuin.cli import app

runner = CliRunner()
EXACT = 1e-12
ROWS = {"Utrecht": (0.09, 0.03), "Tilburg": (0.02, 0.035), "Wageningen": (0.05, 0.05), "Nijmegen": (-0.01, 0.06)}
KEYS = ["method", "k", "estimate", "std_error", "ci_low", "ci_high", "tau2", "i2", "q", "q_p_value", "prediction_low", "prediction_high"]


def _file(tmp_path: Path, content: str | None = None) -> Path:
    path = tmp_path / "sites.csv"
    path.write_text(content or "site,est,se\n" + "".join(f"{k},{e},{s}\n" for k, (e, s) in ROWS.items()))
    return path


def _one_error_line(result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.mark.parametrize("method", ["reml", "dl", "pm", "fe"])
@pytest.mark.parametrize("hksj", [False, True])
def test_json_contract_matches_library(tmp_path: Path, method: str, hksj: bool) -> None:
    args = ["pool", str(_file(tmp_path)), "--estimate", "est", "--std-error", "se", "--label", "site", "--method", method, "--format", "json"]
    result = runner.invoke(app, args + (["--hksj"] if hksj else []))
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert list(payload) == KEYS
    expected = pool_effects([e for e, _ in ROWS.values()], [s for _, s in ROWS.values()], method=method, hksj=hksj)  # type: ignore[arg-type]
    assert payload["method"] == method and payload["k"] == 4
    for key in KEYS[2:]:
        assert payload[key] == pytest.approx(getattr(expected, key), abs=EXACT), key


def test_table_is_the_default(tmp_path: Path) -> None:
    result = runner.invoke(app, ["pool", str(_file(tmp_path)), "--estimate", "est", "--std-error", "se", "--label", "site"])
    assert result.exit_code == 0, result.output
    assert "Utrecht" in result.stdout and "prediction_low" in result.stdout


def test_missing_column(tmp_path: Path) -> None:
    path = _file(tmp_path)
    result = runner.invoke(app, ["pool", str(path), "--estimate", "effect", "--std-error", "se"])
    _one_error_line(result, str(path), "column 'effect'", "no such column")


def test_non_positive_standard_error_names_the_row(tmp_path: Path) -> None:
    path = _file(tmp_path, "site,est,se\nA,0.1,0.02\nB,0.2,0\nC,0.1,0.03\n")
    result = runner.invoke(app, ["pool", str(path), "--estimate", "est", "--std-error", "se"])
    _one_error_line(result, str(path), "row 3", "column 'se'", "must be positive")


def test_text_in_estimate_names_the_row(tmp_path: Path) -> None:
    path = _file(tmp_path, "site,est,se\nA,0.1,0.02\nB,abc,0.01\n")
    result = runner.invoke(app, ["pool", str(path), "--estimate", "est", "--std-error", "se"])
    _one_error_line(result, str(path), "row 3", "column 'est'", "'abc' is not a number")


def test_unknown_method_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["pool", str(_file(tmp_path)), "--estimate", "est", "--std-error", "se", "--method", "ml"])
    assert result.exit_code == 2


def test_single_row_is_passed_through_with_a_note(tmp_path: Path) -> None:
    # Issue 11: k = 1 was an error; the single estimate is passed through, tau^2 not estimable.
    path = _file(tmp_path, "site,est,se\nA,0.1,0.02\n")
    result = runner.invoke(app, ["pool", str(path), "--estimate", "est", "--std-error", "se", "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert (payload["k"], payload["estimate"], payload["std_error"], payload["tau2"]) == (1, 0.1, 0.02, None)
    assert "a single estimate" in result.stderr


def test_default_level_is_90_percent_like_every_command(tmp_path: Path) -> None:
    # Issue 11: pool defaulted to 95% while every other command used 90%.
    result = runner.invoke(app, ["pool", str(_file(tmp_path)), "--estimate", "est", "--std-error", "se", "--format", "json"])
    expected = pool_effects([e for e, _ in ROWS.values()], [s for _, s in ROWS.values()], level=0.90)
    assert json.loads(result.stdout)["ci_low"] == pytest.approx(expected.ci_low, rel=EXACT)


def test_hksj_truncated_and_fixed_effect_warning(tmp_path: Path) -> None:
    path = _file(tmp_path, "site,est,se\nA,0.1,0.02\nB,0.1,0.03\nC,0.1,0.05\n")
    base = ["pool", str(path), "--estimate", "est", "--std-error", "se", "--format", "json"]
    truncated = json.loads(runner.invoke(app, [*base, "--hksj-truncated"]).stdout)
    fixed = json.loads(runner.invoke(app, [*base, "--method", "fe"]).stdout)
    assert truncated["ci_high"] - truncated["ci_low"] > fixed["ci_high"] - fixed["ci_low"]
    warned = runner.invoke(app, [*base, "--method", "fe", "--hksj"])
    assert warned.exit_code == 0 and "HKSJ with a fixed-effect model" in warned.stderr


def test_table_gives_forest_plot_rows_with_the_pooled_effect_last(tmp_path: Path) -> None:
    result = runner.invoke(app, ["pool", str(_file(tmp_path)), "--estimate", "est", "--std-error", "se", "--label", "site", "--level", "0.9"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if line.startswith("│")]
    forest = [line.split("│")[1].strip() for line in lines[: len(ROWS) + 1]]
    assert forest == [*ROWS, "pooled: random effects (reml)"]
    utrecht = [cell.strip() for cell in lines[0].split("│")[1:-1]]
    assert utrecht[1:4] == ["0.09", f"{0.09 - 1.6448536269514722 * 0.03:.4g}", f"{0.09 + 1.6448536269514722 * 0.03:.4g}"]
    pooled = pool_effects([e for e, _ in ROWS.values()], [s for _, s in ROWS.values()], level=0.9)
    assert [cell.strip() for cell in lines[len(ROWS)].split("│")[1:-1]][1:] == [f"{pooled.estimate:.4g}", f"{pooled.ci_low:.4g}", f"{pooled.ci_high:.4g}", "100"]
