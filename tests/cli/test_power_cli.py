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
        (["--control-mean", "15", "--n-per-arm", "100"], "--control-mean must be a share strictly between 0 and 1; got 15"),
    ],
)
def test_bad_combinations(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["power", *args])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr


def _error(*args: str) -> str:
    result = runner.invoke(app, ["power", *args, "--format", "json"])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def test_closed_form_by_hand() -> None:
    # (z_0.95 + z_0.80) * sqrt(2 * S^2 / n): 0.35163 for S = 1, n = 100 at the 90% level
    assert _json("--sd", "1", "--n-per-arm", "100")["mde"] == pytest.approx((1.6448536269514722 + 0.8416212335729143) * (2 / 100) ** 0.5, rel=1e-4)


@pytest.mark.parametrize("power", ["0.05", "0.1"])
def test_power_not_above_alpha_is_refused_by_name(power: str) -> None:
    # QA: --power 0.05 at the 90% level crashed in the root finder ("xtol too small (0 <= 0)")
    assert "--power" in _error("--sd", "1", "--n-per-arm", "100", "--power", power)


def test_impossible_effect_on_a_share_is_refused() -> None:
    assert "impossible" in _error("--control-mean", "0.25", "--mde", "0.8")
    assert _json("--control-mean", "0.25", "--mde", "0.7")["n_per_arm"] > 0  # 0.25 + 0.7 is still a share


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (("--sd", "1", "--n-per-arm", "100", "--icc", "0.1", "--cluster-size", "0.5"), "--cluster-size"),
        (("--control-mean", "1.5", "--n-per-arm", "100"), "--control-mean"),
        (("--sd", "1", "--n-per-arm", "0"), "--n-per-arm"),
        (("--sd", "1", "--n-per-arm", "100", "--r2", "1"), "--r2"),
    ],
)
def test_errors_name_the_flag_not_the_python_argument(args: tuple[str, ...], flag: str) -> None:
    assert _error(*args).startswith(f"error: {flag} ")
