"""`proeftuin estimate` flags: --vcov/--cluster (vs statsmodels), --lin (vs statsmodels on the
interacted design), --ri/--strata/--seed (vs randomization_inference called directly), errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.regression.linear_model import OLS
from statsmodels.tools.tools import add_constant
from typer.testing import CliRunner

from proeftuin.analysis import PermutationDesign, randomization_inference
from proeftuin.cli import app

ESTIMATE_TOL = 1e-8
SE_TOL = 1e-8
RI_DRAWS = 199
runner = CliRunner()


@pytest.fixture
def clustered_file(tmp_path: Path, rng: np.random.Generator) -> tuple[Path, pd.DataFrame]:
    """Households randomized whole within two strata; a household effect makes clustering matter."""
    households = 300
    stratum_h = rng.choice(["near", "far"], households)
    arm_h = rng.choice(["control", "coaching", "bonus"], households)
    size = rng.integers(1, 4, households)
    h = np.repeat(np.arange(households), size)
    n = h.size
    frame = pd.DataFrame(
        {
            "household": [f"h{i:03d}" for i in h],
            "stratum": stratum_h[h],
            "arm": arm_h[h],
            "age": rng.integers(21, 65, n),
            "health": rng.normal(6, 1.8, n).round(2),
        }
    )
    shock = rng.normal(0, 1, households)[h]
    frame["earnings"] = (
        1.0 + 0.4 * (frame["arm"] == "coaching") + 0.02 * frame["age"] + 0.3 * (frame["arm"] == "bonus") * (frame["health"] - 6)
        + shock + rng.normal(0, 1, n)
    ).round(4)
    path = tmp_path / "households.csv"
    frame.to_csv(path, index=False)
    return path, frame


def run(*args: str):
    return runner.invoke(app, ["estimate", *args])


def run_json(*args: str) -> dict:
    result = run(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


BASE = ("--outcome", "earnings", "--arm", "arm", "--control", "control")


def arm_dummies(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.get_dummies(frame["arm"], dtype=float).drop(columns="control")


@pytest.mark.parametrize("covariates", [[], ["age", "health"]])
def test_cr1_agrees_with_statsmodels_cluster(clustered_file, covariates: list[str]) -> None:
    path, frame = clustered_file
    extra = ("--covariates", ",".join(covariates)) if covariates else ()
    payload = run_json(str(path), *BASE, "--vcov", "CR1", "--cluster", "household", *extra)
    assert payload["vcov"] == "CR1"
    design = add_constant(arm_dummies(frame).join(frame[covariates].astype(float)))
    groups = pd.factorize(frame["household"])[0]
    reference = OLS(frame["earnings"], design).fit(cov_type="cluster", cov_kwds={"groups": groups})
    for effect in payload["effects"]:
        assert effect["estimate"] == pytest.approx(reference.params[effect["arm"]], abs=ESTIMATE_TOL)
        assert effect["std_error"] == pytest.approx(reference.bse[effect["arm"]], abs=SE_TOL)


def test_cluster_alone_defaults_to_cr2_and_json_says_so(clustered_file) -> None:
    path, _ = clustered_file
    assert run_json(str(path), *BASE, "--cluster", "household")["vcov"] == "CR2"
    assert run_json(str(path), *BASE, "--vcov", "HC1")["vcov"] == "HC1"


def test_lin_agrees_with_statsmodels_interacted_design(clustered_file) -> None:
    path, frame = clustered_file
    payload = run_json(str(path), *BASE, "--covariates", "age,health", "--lin", "--vcov", "HC2")
    dummies = arm_dummies(frame)
    centred = frame[["age", "health"]].astype(float) - frame[["age", "health"]].astype(float).mean()
    interactions = pd.DataFrame(
        {f"{a}:{c}": dummies[a] * centred[c] for a in dummies for c in centred}, index=frame.index
    )
    design = add_constant(pd.concat([dummies, centred, interactions], axis=1))
    reference = OLS(frame["earnings"], design).fit(cov_type="HC2")
    assert {e["arm"] for e in payload["effects"]} == set(dummies)
    for effect in payload["effects"]:
        assert effect["estimate"] == pytest.approx(reference.params[effect["arm"]], abs=ESTIMATE_TOL)
        assert effect["std_error"] == pytest.approx(reference.bse[effect["arm"]], abs=SE_TOL)


@pytest.mark.parametrize("design_flags", [(), ("--strata", "stratum"), ("--strata", "stratum", "--cluster", "household")])
def test_ri_matches_randomization_inference_with_the_same_seed(clustered_file, design_flags: tuple[str, ...]) -> None:
    path, frame = clustered_file
    payload = run_json(str(path), *BASE, "--covariates", "age", "--ri", str(RI_DRAWS), "--seed", "11", *design_flags)
    flags = dict(zip(design_flags[::2], design_flags[1::2]))
    design = PermutationDesign(
        strata=frame["stratum"].to_numpy(str) if "--strata" in flags else None,
        clusters=frame["household"].to_numpy(str) if "--cluster" in flags else None,
    )
    covariates = frame[["age"]].to_numpy(float)
    if "--strata" in flags:  # the strata enter as fixed effects, in the estimate and the RI statistic
        covariates = np.hstack([covariates, pd.get_dummies(frame["stratum"].astype(str), drop_first=True, dtype=float).to_numpy()])
    direct = randomization_inference(
        frame[["earnings"]].to_numpy(float), frame["arm"].to_numpy(str), control="control", design=design,
        draws=RI_DRAWS, outcome_names=["earnings"], covariates=covariates, seed=11,
    )
    expected = {e.term: e.extra["ri_p_value"] for e in direct}
    for effect in payload["effects"]:
        assert 0.0 < effect["ri_p_value"] <= 1.0
        assert effect["ri_p_value"] == expected[effect["arm"]]  # same seed, same draws: identical
    assert payload["ri_draws"] == RI_DRAWS


def test_ri_column_in_csv_and_table(clustered_file) -> None:
    path, _ = clustered_file
    csv_out = run(str(path), *BASE, "--ri", "19", "--seed", "1", "--format", "csv")
    assert csv_out.exit_code == 0 and csv_out.stdout.splitlines()[0].endswith(",ri_p_value")
    table = runner.invoke(app, ["estimate", str(path), *BASE, "--ri", "19", "--seed", "1"], env={"COLUMNS": "200"})
    assert table.exit_code == 0 and "ri_p_value" in table.stdout


def test_csv_without_flags_is_unchanged(clustered_file) -> None:
    path, _ = clustered_file
    header = run(str(path), *BASE, "--format", "csv").stdout.splitlines()[0]
    assert header == "outcome,arm,estimate,std_error,ci_low,ci_high,p_value,df,n_arm,n_control,control_mean,not_estimable,note"


def _bad(path: Path, frame: pd.DataFrame, **changes) -> Path:
    out = path.with_name("bad.csv")
    frame.assign(**changes).to_csv(out, index=False)
    return out


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (("--vcov", "HC7"), "error: --vcov must be one of 'HC0', 'HC1', 'HC2', 'HC3', 'CR0', 'CR1', 'CR2'; got 'HC7'"),
        (("--vcov", "CR1"), "error: --vcov CR1 is cluster-robust: name the cluster column with --cluster"),
        (("--vcov", "HC2", "--cluster", "household"), "error: --cluster household is ignored by --vcov HC2; use CR1 or CR2"),
        (("--ri", "0"), "error: --ri must be a positive number of re-randomizations; got 0"),
        (("--lin",), "error: --lin interacts the covariates with the arms: name them with --covariates"),
        # QA: a negative seed was reported as "error: FILE: expected non-negative integer"
        (("--ri", "10", "--seed", "-1"), "error: --seed must be 0 or more; got -1"),
    ],
)
def test_bad_options_one_line_exit_2(clustered_file, flags: tuple[str, ...], message: str) -> None:
    path, _ = clustered_file
    result = run(str(path), *BASE, *flags)
    assert result.exit_code == 2
    assert result.stderr.strip() == message


def test_missing_cluster_column_is_named(clustered_file) -> None:
    path, _ = clustered_file
    result = run(str(path), *BASE, "--cluster", "team")
    assert result.exit_code == 2
    assert result.stderr.strip().startswith(f"error: {path}, column 'team': no such column")


def test_missing_cluster_value_names_first_row(clustered_file) -> None:
    path, frame = clustered_file
    household = frame["household"].copy()
    household.iloc[[4, 9]] = ""
    bad = _bad(path, frame, household=household)
    result = run(str(bad), *BASE, "--cluster", "household")
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {bad}, row 6, column 'household': a value is missing"


def test_missing_stratum_value_names_first_row(clustered_file) -> None:
    path, frame = clustered_file
    stratum = frame["stratum"].copy()
    stratum.iloc[2] = "NA"
    bad = _bad(path, frame, stratum=stratum)
    result = run(str(bad), *BASE, "--ri", "9", "--strata", "stratum")
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {bad}, row 4, column 'stratum': a value is missing"


def test_cluster_split_over_arms_names_first_row(clustered_file) -> None:
    path, frame = clustered_file
    # every row its own arm pattern: put the second row in the first row's household
    household = frame["household"].copy()
    first_other = int(np.flatnonzero(frame["arm"] != frame["arm"].iloc[0])[0])
    household.iloc[first_other] = household.iloc[0]
    bad = _bad(path, frame, household=household)
    result = run(str(bad), *BASE, "--ri", "9", "--cluster", "household")
    assert result.exit_code == 2
    assert result.stderr.strip().startswith(f"error: {bad}, row {first_other + 2}, column 'household': cluster 'h000' has members in different arms")


def test_strata_enter_as_fixed_effects(clustered_file) -> None:
    """``--strata`` is lm_robust(fixed_effects = ~block): stratum indicators, HC2 (vs statsmodels)."""
    path, frame = clustered_file
    payload = run_json(str(path), *BASE, "--strata", "stratum")
    dummies = pd.get_dummies(frame["arm"], dtype=float).drop(columns="control")
    strata = pd.get_dummies(frame["stratum"].astype(str), prefix="s", drop_first=True, dtype=float)
    reference = OLS(frame["earnings"], add_constant(pd.concat([dummies, strata], axis=1))).fit(cov_type="HC2")
    for effect in payload["effects"]:
        assert effect["estimate"] == pytest.approx(reference.params[effect["arm"]], abs=ESTIMATE_TOL)
        assert effect["std_error"] == pytest.approx(reference.bse[effect["arm"]], abs=SE_TOL)
