"""`proeftuin balance` and `proeftuin attrition`: JSON agreeing with the library; bad input, exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from proeftuin.analysis.attrition import attrition_table, lee_bounds
from proeftuin.analysis.balance import balance_table
from proeftuin.cli import app

runner = CliRunner()
SEED = 20171001
EXACT = 1e-12


def _frame(n: int = 90) -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    frame = pd.DataFrame(
        {
            "arm": np.repeat(["control", "exemption", "guidance"], n // 3),
            "age": rng.normal(40, 10, n).round(1),
            "sex": rng.choice(["f", "m"], n),
            "work": rng.integers(0, 2, n).astype(float),
        }
    )
    frame.loc[rng.uniform(size=n) < 0.2, "work"] = np.nan
    return frame


def _write(tmp_path: Path, frame: pd.DataFrame) -> Path:
    path = tmp_path / "trial.csv"
    frame.to_csv(path, index=False)
    return path


def _one_error_line(result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_balance_json(tmp_path: Path) -> None:
    frame = _frame()
    path = _write(tmp_path, frame)
    result = runner.invoke(app, ["balance", str(path), "--arm", "arm", "--control", "control", "--covariates", "age,sex", "--ri", "49", "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    covariates = pd.DataFrame({"age": frame.age, "sex[m]": (frame.sex == "m").astype(float)})
    expected = balance_table(covariates, frame.arm.to_numpy(), "control")
    assert len(payload["rows"]) == 4
    for row, reference in zip(payload["rows"], expected.rows):
        assert row["covariate"] == reference.covariate and row["arm"] == reference.arm
        assert row["std_diff"] == pytest.approx(reference.std_diff, abs=EXACT)
        assert row["p_value"] == pytest.approx(reference.p_value, abs=EXACT)
    assert payload["omnibus"]["statistic"] == pytest.approx(expected.omnibus.statistic, abs=EXACT)
    assert payload["omnibus"]["n_draws"] == 49 and 0 < payload["omnibus"]["ri_p_value"] <= 1


def test_balance_table_output(tmp_path: Path) -> None:
    path = _write(tmp_path, _frame())
    result = runner.invoke(app, ["balance", str(path), "--arm", "arm", "--control", "control", "--covariates", "age"])
    assert result.exit_code == 0, result.output
    assert "std_diff" in result.stdout and "Omnibus" in result.stdout


def test_attrition_json(tmp_path: Path) -> None:
    frame = _frame()
    path = _write(tmp_path, frame)
    result = runner.invoke(app, ["attrition", str(path), "--arm", "arm", "--control", "control", "--outcome", "work", "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    responded = frame.work.notna().to_numpy()
    expected = attrition_table(responded, frame.arm.to_numpy(), "control")
    assert [rate["rate"] for rate in payload["rates"]] == pytest.approx([r.rate for r in expected.rates], abs=EXACT)
    assert payload["joint_test"]["p_value"] == pytest.approx(expected.joint.p_value, abs=EXACT)
    assert payload["differences"][0]["estimate"] == pytest.approx(expected.differences[0].estimate, abs=EXACT)
    bounds = lee_bounds(frame.work.to_numpy(), responded, frame.arm.to_numpy(), "control")
    assert payload["lee_bounds"][1]["lower"] == pytest.approx(bounds[1].lower, abs=EXACT)


def test_balance_missing_covariate_column(tmp_path: Path) -> None:
    path = _write(tmp_path, _frame())
    result = runner.invoke(app, ["balance", str(path), "--arm", "arm", "--control", "control", "--covariates", "age,income"])
    _one_error_line(result, str(path), "column 'income'", "no such column")


def test_balance_missing_covariate_value_names_the_row(tmp_path: Path) -> None:
    frame = _frame()
    frame["age"] = frame.age.astype(object)
    frame.loc[4, "age"] = ""
    path = _write(tmp_path, frame)
    result = runner.invoke(app, ["balance", str(path), "--arm", "arm", "--control", "control", "--covariates", "age"])
    _one_error_line(result, str(path), "row 6", "column 'age'", "missing")


def test_attrition_unknown_control(tmp_path: Path) -> None:
    path = _write(tmp_path, _frame())
    result = runner.invoke(app, ["attrition", str(path), "--arm", "arm", "--control", "controle", "--outcome", "work"])
    _one_error_line(result, str(path), "column 'arm'", "'controle' does not occur")


def test_attrition_text_outcome_names_the_row(tmp_path: Path) -> None:
    frame = _frame()
    frame["work"] = frame.work.astype(object)
    frame.loc[0, "work"] = "yes"
    path = _write(tmp_path, frame)
    result = runner.invoke(app, ["attrition", str(path), "--arm", "arm", "--control", "control", "--outcome", "work"])
    _one_error_line(result, str(path), "row 2", "column 'work'", "'yes' is not a number")


def test_attrition_without_any_missing_outcome_reports_not_estimable(tmp_path: Path) -> None:
    # Issue 11: one convention for a zero standard error (was p = 1 here, NaN elsewhere).
    frame = _frame().assign(work=lambda f: f["work"].fillna(0.0))
    result = runner.invoke(app, ["attrition", str(_write(tmp_path, frame)), "--arm", "arm", "--control", "control", "--outcome", "work", "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert [d["p_value"] for d in payload["differences"]] == [None, None]
    assert [d["not_estimable"] for d in payload["differences"]] == ["no variation in the outcome"] * 2
    assert payload["joint_test"]["p_value"] == 1.0


def test_tables_never_truncate_numbers_on_a_narrow_terminal(tmp_path: Path) -> None:
    # QA: rich cut cells to "-0.095…" at 80 columns; a cell now folds onto the next line
    path = _write(tmp_path, _frame())
    result = runner.invoke(app, ["balance", str(path), "--arm", "arm", "--control", "control", "--covariates", "age,sex"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert "…" not in result.stdout
