"""`proeftuin estimate FILE`: the JSON contract, and agreement with statsmodels OLS HC2 to 1e-8."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.regression.linear_model import OLS
from statsmodels.tools.tools import add_constant
from scipy import stats
from typer.testing import CliRunner

from proeftuin.cli import app

ESTIMATE_TOL = 1e-8
SE_TOL = 1e-8
EFFECT_KEYS = {"outcome", "arm", "estimate", "std_error", "ci_low", "ci_high", "p_value", "df", "n_arm", "n_control", "control_mean", "not_estimable", "note"}
runner = CliRunner()


@pytest.fixture
def trial_file(tmp_path: Path, rng: np.random.Generator) -> tuple[Path, pd.DataFrame]:
    n = 2400
    arm = rng.choice(["control", "exemption", "intensive", "disregard"], n)
    frame = pd.DataFrame(
        {
            "arm": arm,
            "age": rng.integers(21, 65, n),
            "health": rng.normal(6, 1.8, n).round(1),
            "household": rng.choice(["single", "couple", "single-parent"], n),
            "work_8h": (rng.random(n) < 0.25 + 0.05 * (arm == "intensive")).astype(int),
            "trust": rng.normal(6, 1.5, n).round(2),
        }
    )
    frame.loc[rng.choice(n, 150, replace=False), "trust"] = np.nan
    path = tmp_path / "trial.csv"
    frame.to_csv(path, index=False)
    return path, frame


def run_json(*args: str) -> dict:
    result = runner.invoke(app, ["estimate", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def statsmodels_fit(frame: pd.DataFrame, outcome: str, covariates: list[str]):
    data = frame.dropna(subset=[outcome])
    design = pd.get_dummies(data[["arm"]], dtype=float).drop(columns="arm_control")
    if covariates:
        design = design.join(pd.get_dummies(data[covariates], drop_first=True, dtype=float))
    return OLS(data[outcome].astype(float), add_constant(design)).fit(cov_type="HC2"), data


@pytest.mark.parametrize("covariates", [[], ["age", "health", "household"]])
@pytest.mark.parametrize("outcome", ["work_8h", "trust"])
def test_agrees_with_statsmodels_hc2(trial_file, outcome: str, covariates: list[str]) -> None:
    path, frame = trial_file
    args = [str(path), "--outcome", outcome, "--arm", "arm", "--control", "control"]
    if covariates:
        args += ["--covariates", ",".join(covariates)]
    payload = run_json(*args)
    reference, used = statsmodels_fit(frame, outcome, covariates)
    df = reference.df_resid
    crit = stats.t.ppf(0.95, df)
    assert payload["level"] == 0.90 and payload["vcov"] == "HC2"
    assert len(payload["effects"]) == 3
    for effect in payload["effects"]:
        assert set(effect) == EFFECT_KEYS
        name = f"arm_{effect['arm']}"
        assert effect["estimate"] == pytest.approx(reference.params[name], abs=ESTIMATE_TOL)
        assert effect["std_error"] == pytest.approx(reference.bse[name], abs=SE_TOL)
        assert effect["df"] == df
        assert effect["ci_low"] == pytest.approx(reference.params[name] - crit * reference.bse[name], abs=SE_TOL)
        assert effect["ci_high"] == pytest.approx(reference.params[name] + crit * reference.bse[name], abs=SE_TOL)
        assert effect["p_value"] == pytest.approx(2 * stats.t.sf(abs(reference.tvalues[name]), df), abs=1e-10)
        assert effect["n_arm"] == int((used["arm"] == effect["arm"]).sum())
        assert effect["n_control"] == int((used["arm"] == "control").sum())
        assert effect["control_mean"] == pytest.approx(used.loc[used["arm"] == "control", outcome].mean(), abs=1e-12)


def test_rows_with_a_missing_outcome_are_left_out_of_that_outcome_only(trial_file) -> None:
    path, frame = trial_file
    payload = run_json(str(path), "--outcome", "work_8h", "--outcome", "trust", "--arm", "arm", "--control", "control")
    counts = {(e["outcome"], e["arm"]): e["n_arm"] + e["n_control"] for e in payload["effects"]}
    work_total = counts[("work_8h", "exemption")]
    trust_total = counts[("trust", "exemption")]
    in_pair = frame["arm"].isin(["exemption", "control"])
    assert work_total == int(in_pair.sum())
    assert trust_total == int((in_pair & frame["trust"].notna()).sum())


def test_level_sets_the_interval(trial_file) -> None:
    path, _ = trial_file
    narrow = run_json(str(path), "--outcome", "trust", "--arm", "arm", "--control", "control", "--level", "0.5")
    wide = run_json(str(path), "--outcome", "trust", "--arm", "arm", "--control", "control", "--level", "0.99")
    for a, b in zip(narrow["effects"], wide["effects"], strict=True):
        assert b["ci_high"] - b["ci_low"] > a["ci_high"] - a["ci_low"]
    assert wide["level"] == 0.99


def test_csv_and_table_formats(trial_file) -> None:
    path, _ = trial_file
    args = ["estimate", str(path), "--outcome", "trust", "--arm", "arm", "--control", "control"]
    csv_out = runner.invoke(app, [*args, "--format", "csv"])
    assert csv_out.exit_code == 0
    header, *rows = csv_out.stdout.strip().splitlines()
    assert header.split(",")[:3] == ["outcome", "arm", "estimate"] and len(rows) == 3
    table = runner.invoke(app, args)
    assert table.exit_code == 0 and "exemption" in table.stdout


def test_reads_parquet(trial_file, tmp_path: Path) -> None:
    path, frame = trial_file
    parquet = tmp_path / "trial.parquet"
    frame.to_parquet(parquet)
    from_csv = run_json(str(path), "--outcome", "trust", "--arm", "arm", "--control", "control", "--covariates", "age,household")
    from_parquet = run_json(str(parquet), "--outcome", "trust", "--arm", "arm", "--control", "control", "--covariates", "age,household")
    for a, b in zip(from_csv["effects"], from_parquet["effects"], strict=True):
        assert a["estimate"] == pytest.approx(b["estimate"], abs=1e-12)
