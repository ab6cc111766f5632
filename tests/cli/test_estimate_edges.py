"""`proeftuin estimate` at the edges (issue 11): not-estimable rows, dropped covariates, few clusters."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from proeftuin.analysis.wild_bootstrap import wild_cluster_bootstrap
from proeftuin.cli import app

runner = CliRunner()


def _file(tmp_path: Path, rng: np.random.Generator) -> Path:
    teams = np.repeat(np.arange(8), [10, 14, 20, 29, 41, 59, 84, 120])
    arm = np.where(np.isin(teams, [0, 3, 5, 6]), "coaching", "control")
    frame = pd.DataFrame({
        "team": teams, "arm": arm, "age": rng.integers(21, 65, teams.size),
        "work": rng.normal(size=teams.size) + 0.3 * (arm == "coaching"),
        "constant": 1.0,
        "survey": np.where(arm == "coaching", np.nan, rng.normal(size=teams.size)),
    })
    frame["age_twice"] = 2 * frame["age"]
    path = tmp_path / "teams.csv"
    frame.to_csv(path, index=False)
    return path


def test_one_bad_outcome_never_loses_the_others(tmp_path, rng):
    # Issue 11: an outcome missing in a whole arm made `estimate` exit 2 and lose every outcome.
    path = _file(tmp_path, rng)
    result = runner.invoke(app, ["estimate", str(path), "--outcome", "work", "--outcome", "constant", "--outcome", "survey",
                                 "--arm", "arm", "--control", "control", "--covariates", "age,age_twice", "--format", "json"])
    assert result.exit_code == 0, result.output
    effects = {e["outcome"]: e for e in json.loads(result.stdout)["effects"]}
    assert effects["work"]["not_estimable"] is None and effects["work"]["p_value"] is not None
    assert effects["constant"]["not_estimable"] == "no variation in the outcome"
    assert effects["constant"]["p_value"] is None and effects["constant"]["estimate"] is None
    assert effects["survey"]["not_estimable"] == "no observations in this arm"
    assert effects["work"]["note"] == "dropped as constant or collinear (as R's lm): age_twice"


def test_table_shows_the_reason_and_the_note(tmp_path, rng):
    path = _file(tmp_path, rng)
    result = runner.invoke(app, ["estimate", str(path), "--outcome", "constant", "--arm", "arm", "--control", "control",
                                 "--covariates", "age,age_twice"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "not estimable: no variation in the outcome" in result.stdout
    assert "Note: constant: dropped as constant or collinear (as R's lm): age_twice" in result.stdout


def test_wild_bootstrap_adds_p_value_and_interval(tmp_path, rng):
    path = _file(tmp_path, rng)
    args = ["estimate", str(path), "--outcome", "work", "--arm", "arm", "--control", "control", "--cluster", "team",
            "--wild-bootstrap", "999", "--format", "json"]
    payload = json.loads(runner.invoke(app, args).stdout)
    frame = pd.read_csv(path)
    x = np.column_stack([np.ones(len(frame)), (frame["arm"] == "coaching").to_numpy(float)])
    direct = wild_cluster_bootstrap(frame["work"].to_numpy(), x, frame["team"].to_numpy(), 1, draws=999)
    effect = payload["effects"][0]
    assert (payload["wild_bootstrap_draws"], payload["wild_weights"]) == (999, "rademacher")
    assert effect["wild_p_value"] == direct.p_value
    assert (effect["wild_ci_low"], effect["wild_ci_high"]) == (direct.ci_low, direct.ci_high)


def test_wild_bootstrap_needs_a_cluster_column(tmp_path, rng):
    result = runner.invoke(app, ["estimate", str(_file(tmp_path, rng)), "--outcome", "work", "--arm", "arm",
                                 "--control", "control", "--wild-bootstrap", "99"])
    assert result.exit_code == 2
    assert "--wild-bootstrap resamples clusters: name the cluster column with --cluster" in result.stderr
    bad = runner.invoke(app, ["estimate", str(_file(tmp_path, rng)), "--outcome", "work", "--arm", "arm", "--control", "control",
                              "--cluster", "team", "--wild-bootstrap", "99", "--wild-weights", "mammen"])
    assert bad.exit_code == 2 and "--wild-weights must be one of 'rademacher', 'webb'" in bad.stderr
