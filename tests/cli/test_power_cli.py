"""`proeftuin power`: MDE and sample size as JSON, and the exactly-one-of rules (exit 2)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from proeftuin.analysis.power import PowerDesign, minimum_detectable_effect, sample_size
from proeftuin.cli import app

runner = CliRunner()
EXACT = 1e-12


def _json(*args: str) -> dict:
    result = runner.invoke(app, ["power", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_mde_binary() -> None:
    payload = _json("--control-mean", "0.15", "--n-per-arm", "120")
    assert list(payload) == ["mde"]
    assert payload["mde"] == pytest.approx(minimum_detectable_effect(120, PowerDesign(control_mean=0.15)), abs=EXACT)


def test_sample_size_continuous_with_clusters_r2_and_arms() -> None:
    payload = _json("--sd", "2", "--mde", "0.5", "--arms", "3", "--r2", "0.2", "--icc", "0.05", "--cluster-size", "4", "--level", "0.95", "--power", "0.9")
    design = PowerDesign(sd=2, arms=3, r2=0.2, icc=0.05, cluster_size=4, level=0.95, power=0.9)
    expected = sample_size(0.5, design)
    assert payload["n_per_arm"] == expected.n_per_arm and isinstance(payload["n_per_arm"], int)
    assert payload["n_total"] == 3 * expected.n_per_arm + expected.n_control


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--n-per-arm", "100"], "give exactly one of --control-mean (binary outcome) and --sd (continuous outcome)"),
        (["--sd", "1", "--control-mean", "0.2", "--n-per-arm", "100"], "give exactly one of --control-mean"),
        (["--sd", "1"], "give exactly one of --n-per-arm (to get the MDE) and --mde (to get the sample size)"),
        (["--sd", "1", "--n-per-arm", "100", "--mde", "0.2"], "give exactly one of --n-per-arm"),
        (["--sd", "1", "--n-per-arm", "100", "--icc", "0.1"], "--icc and --cluster-size go together"),
        (["--control-mean", "15", "--n-per-arm", "100"], "control_mean must be a share strictly between 0 and 1; got 15"),
    ],
)
def test_bad_combinations(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["power", *args])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
