"""`proeftuin analyze`: a database that is missing or is not a proeftuin registry is one error line, exit 2."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from proeftuin.cli import app

runner = CliRunner()
PLAN = Path(__file__).parents[2] / "src" / "proeftuin" / "design" / "catalog" / "analysis_plan_example.yaml"


def _one_error_line(result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_missing_sqlite_file_is_named_and_not_created(tmp_path: Path) -> None:
    # QA: this was a SQLAlchemy traceback (exit 1) that also left an empty database file behind
    path = tmp_path / "none.db"
    result = runner.invoke(app, ["analyze", "--experiment", "tilburg", "--plan", str(PLAN), "--db", f"sqlite:///{path}"])
    _one_error_line(result, "no such database file", str(path))
    assert not path.exists()


def test_database_without_the_registry_schema(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as connection:
        connection.execute("create table something (x integer)")
    result = runner.invoke(app, ["analyze", "--experiment", "tilburg", "--plan", str(PLAN), "--db", f"sqlite:///{path}"])
    _one_error_line(result, "cannot read the registry", "no such table: experiments")


def test_not_a_database_url() -> None:
    result = runner.invoke(app, ["analyze", "--experiment", "tilburg", "--plan", str(PLAN), "--db", "nonsense"])
    _one_error_line(result, "not a database URL")
