"""The register-scale faces: simulate register -> register outcomes -> estimate --engine, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from proeftuin.cli import app

runner = CliRunner()
OUTCOMES = ("work_8h", "contract_permanent", "earn_70", "outflow")
TOLERANCE = 1e-9


def _invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def _assert_one_error_line(result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.fixture(scope="module")
def outcome_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli")
    made = _invoke("simulate", "register", "--persons", 3000, "--months", 6, "--out", root / "reg", "--seed", 4)
    assert made.exit_code == 0, made.output
    assert "3000 people x 6 months = 18000 person-months" in made.stdout
    done = _invoke("register", "outcomes", "--jobs", root / "reg/jobs", "--benefits", root / "reg/benefits",
                   "--assignments", root / "reg/assignments/*.parquet", "--out", root / "out")
    assert done.exit_code == 0, done.output
    assert "outcomes over 2024-01 to 2024-06" in done.stdout
    return root / "out"


def _estimate(folder: Path, engine: str, *extra: str) -> dict:
    args = ["estimate", folder, "--engine", engine, "--arm", "arm", "--control", "control", "--strata", "stratum", "--format", "json", *extra]
    for outcome in OUTCOMES:
        args += ["--outcome", outcome]
    result = _invoke(*args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("extra", [(), ("--cluster", "stratum", "--vcov", "CR1")])
def test_every_engine_gives_the_same_estimates_through_the_same_json_contract(outcome_folder, engine, extra) -> None:
    reference, other = _estimate(outcome_folder, "memory", *extra), _estimate(outcome_folder, engine, *extra)
    assert {k: v for k, v in other.items() if k != "effects"} == {k: v for k, v in reference.items() if k != "effects"}
    assert len(other["effects"]) == len(OUTCOMES) * 2
    for a, b in zip(reference["effects"], other["effects"]):
        assert a.keys() == b.keys()
        for key, value in a.items():
            if isinstance(value, float):
                assert b[key] == pytest.approx(value, rel=TOLERANCE, abs=TOLERANCE), key
            else:
                assert b[key] == value, key


def test_an_unknown_engine_is_one_error_line(outcome_folder) -> None:
    _assert_one_error_line(_invoke("estimate", outcome_folder, "--engine", "polars", "--outcome", "work_8h", "--arm", "arm",
                                   "--control", "control"), "--engine must be one of")


def test_an_engine_does_not_silently_drop_covariates(outcome_folder) -> None:
    _assert_one_error_line(_invoke("estimate", outcome_folder, "--engine", "duckdb", "--outcome", "work_8h", "--arm", "arm",
                                   "--control", "control", "--covariates", "stratum"), "--covariates is not available with --engine duckdb")


def test_a_missing_outcome_column_names_the_dataset(outcome_folder) -> None:
    _assert_one_error_line(_invoke("estimate", outcome_folder, "--engine", "duckdb", "--outcome", "work_99h", "--arm", "arm",
                                   "--control", "control"), str(outcome_folder), "column work_99h: no such column")


def test_register_outcomes_bad_input_writes_nothing(tmp_path, outcome_folder) -> None:
    register = outcome_folder.parent / "reg"
    common = ["register", "outcomes", "--jobs", register / "jobs", "--benefits", register / "benefits"]
    _assert_one_error_line(_invoke(*common, "--assignments", tmp_path / "none", "--out", tmp_path / "o"), "none: file not found")
    _assert_one_error_line(_invoke(*common, "--assignments", register / "assignments", "--out", tmp_path / "o", "--from", "2024-13"),
                           "--from must be a month as YYYY-MM")
    _assert_one_error_line(_invoke(*common, "--assignments", register / "jobs", "--out", tmp_path / "o"), "column arm: no such column")
    assert not (tmp_path / "o").exists()


def test_simulate_register_refuses_a_folder_that_is_not_empty(tmp_path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "keep.txt").write_text("mine")
    _assert_one_error_line(_invoke("simulate", "register", "--persons", 10, "--months", 2, "--out", tmp_path / "x"), "not empty")
    _assert_one_error_line(_invoke("simulate", "register", "--persons", 0, "--months", 2, "--out", tmp_path / "y"), "must be positive")


def test_randomization_inference_on_an_engine_adds_p_values_to_the_json(outcome_folder) -> None:
    result = _invoke("estimate", outcome_folder, "--engine", "duckdb", "--outcome", "work_8h", "--arm", "arm", "--control", "control",
                     "--strata", "stratum", "--ri", 200, "--seed", 3, "--format", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["ri_draws"] == 200 and payload["strata"] == "stratum"
    assert all(1 / 201 <= effect["ri_p_value"] <= 1 for effect in payload["effects"])
