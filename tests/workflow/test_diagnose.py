"""Design diagnosis by simulation: under the sharp null the test has its size and the interval covers."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from proeftuin.cli import app
from proeftuin.design import catalog_experiment
from proeftuin.simulate import Calibration
from proeftuin.workflow.diagnose import diagnose_experiment

SIMS = 150
# With 150 trials the Monte Carlo SE of a 90% coverage is sqrt(.9 x .1 / 150) = 0.024; 3 SE.
COVERAGE_TOL = 0.075


def test_under_the_null_the_interval_covers_and_power_is_the_size() -> None:
    spec = catalog_experiment("nijmegen")
    result = diagnose_experiment(spec, outcome="work_8h", n=240, n_sims=SIMS, seed=7, calibration=Calibration.default().without_effects())
    assert set(result) == {a.code for a in spec.treatments}
    for diagnosis in result.values():
        assert diagnosis.mean_estimand == 0.0  # no effect at all: every potential outcome is the same
        assert diagnosis.coverage == pytest.approx(0.90, abs=COVERAGE_TOL)
        assert diagnosis.power == pytest.approx(0.10, abs=COVERAGE_TOL)
        assert abs(diagnosis.bias) < 3 * diagnosis.bias_se + 1e-12


def test_survey_indices_are_diagnosed_with_ancova() -> None:
    result = diagnose_experiment(catalog_experiment("deventer"), outcome="social_trust", n=200, n_sims=20, seed=2)
    assert all(0.0 <= d.coverage <= 1.0 and d.rmse > 0 for d in result.values())


def test_the_cli_reports_every_arm_and_refuses_an_unknown_outcome() -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["diagnose", "--experiment", "deventer", "--sims", "5", "--n", "120", "--format", "json"])
    assert ok.exit_code == 0, ok.output
    assert '"arm": "exemption_disregard"' in ok.stdout and '"coverage"' in ok.stdout
    bad = runner.invoke(app, ["diagnose", "--experiment", "deventer", "--outcome", "happiness"])
    assert bad.exit_code == 2 and "unknown outcome 'happiness'" in bad.stderr
