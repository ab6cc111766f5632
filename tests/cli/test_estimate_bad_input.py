"""Bad input to `proeftuin estimate`: one error line naming file, column and first bad row; exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from proeftuin.cli import app

runner = CliRunner()
GOOD = "arm,y,age\ncontrol,1.0,30\nexemption,0.0,40\ncontrol,0.5,50\nexemption,1.5,35\ncontrol,2,44\nexemption,1,29\n"


def run(tmp_path: Path, content: str | None, *args: str, name: str = "in.csv"):
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    before = sorted(p.name for p in tmp_path.iterdir())
    result = runner.invoke(app, ["estimate", str(path), *args])
    assert sorted(p.name for p in tmp_path.iterdir()) == before, "nothing may be written"
    return path, result


def assert_one_error_line(result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    for fragment in fragments:
        assert fragment in lines[0]


def test_missing_outcome_column(tmp_path: Path) -> None:
    path, result = run(tmp_path, GOOD, "--outcome", "work", "--arm", "arm", "--control", "control")
    assert_one_error_line(result, str(path), "column 'work'", "no such column")


def test_missing_arm_column(tmp_path: Path) -> None:
    path, result = run(tmp_path, GOOD, "--outcome", "y", "--arm", "group", "--control", "control")
    assert_one_error_line(result, str(path), "column 'group'")


def test_control_value_absent(tmp_path: Path) -> None:
    path, result = run(tmp_path, GOOD, "--outcome", "y", "--arm", "arm", "--control", "controle")
    assert_one_error_line(result, str(path), "column 'arm'", "'controle' does not occur", "control, exemption")


def test_non_numeric_outcome_names_the_first_bad_row(tmp_path: Path) -> None:
    content = GOOD.replace("exemption,0.0,40", "exemption,nul,40").replace("exemption,1,29", "exemption,een,29")
    path, result = run(tmp_path, content, "--outcome", "y", "--arm", "arm", "--control", "control")
    # the header is row 1, so the third line of the file is row 3
    assert_one_error_line(result, str(path), "row 3", "column 'y'", "'nul' is not a number")


def test_missing_arm_value(tmp_path: Path) -> None:
    content = GOOD.replace("control,0.5,50", ",0.5,50")
    path, result = run(tmp_path, content, "--outcome", "y", "--arm", "arm", "--control", "control")
    assert_one_error_line(result, str(path), "row 4", "column 'arm'", "missing")


def test_missing_covariate_value_is_an_error_not_a_dropped_row(tmp_path: Path) -> None:
    content = GOOD.replace("control,2,44", "control,2,")
    path, result = run(tmp_path, content, "--outcome", "y", "--arm", "arm", "--control", "control", "--covariates", "age")
    assert_one_error_line(result, str(path), "row 6", "column 'age'", "missing")


def test_empty_file(tmp_path: Path) -> None:
    path, result = run(tmp_path, "", "--outcome", "y", "--arm", "arm", "--control", "control")
    assert_one_error_line(result, str(path), "empty")


def test_header_only(tmp_path: Path) -> None:
    path, result = run(tmp_path, "arm,y\n", "--outcome", "y", "--arm", "arm", "--control", "control")
    assert_one_error_line(result, str(path), "no data rows")


def test_file_not_found(tmp_path: Path) -> None:
    path, result = run(tmp_path, None, "--outcome", "y", "--arm", "arm", "--control", "control", name="absent.csv")
    assert_one_error_line(result, str(path), "not found")


def test_unsupported_file_type(tmp_path: Path) -> None:
    path, result = run(tmp_path, GOOD, "--outcome", "y", "--arm", "arm", "--control", "control", name="in.xls")
    assert_one_error_line(result, str(path), "unsupported file type")


def test_only_the_control_group(tmp_path: Path) -> None:
    content = "arm,y\ncontrol,1\ncontrol,2\ncontrol,3\n"
    path, result = run(tmp_path, content, "--outcome", "y", "--arm", "arm", "--control", "control")
    assert_one_error_line(result, str(path), "column 'arm'", "no arm to compare")


def test_an_outcome_missing_everywhere(tmp_path: Path) -> None:
    content = "arm,y\ncontrol,\nexemption,NA\ncontrol,\n"
    path, result = run(tmp_path, content, "--outcome", "y", "--arm", "arm", "--control", "control")
    assert_one_error_line(result, str(path), "column 'y'", "every value is missing")


@pytest.mark.parametrize("level", ["0", "1", "1.5", "-0.1"])
def test_level_outside_zero_one(tmp_path: Path, level: str) -> None:
    _, result = run(tmp_path, GOOD, "--outcome", "y", "--arm", "arm", "--control", "control", "--level", level)
    assert_one_error_line(result, "--level")
