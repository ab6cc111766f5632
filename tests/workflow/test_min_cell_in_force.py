"""``proeftuin report`` suppresses with the installation's threshold (``PROEFTUIN_MIN_CELL``), like every export and page.

Regression (issue 10, "the footer always says 10, whatever PROEFTUIN_MIN_CELL is"): the web
pages and the exports had learnt the setting, but ``proeftuin report`` (and the demo's report)
still suppressed cells under the built-in 10 and said so.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from proeftuin.cli import app
from proeftuin.registry import make_engine, migrate
from proeftuin.registry.audit import keyed_engine

import own_trials

SLUG = "zwolle-2"  # 160 people in two arms: every arm under a threshold of 1000


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("min-cell")
    url = f"sqlite:///{root / 'zwolle.db'}"
    engine = keyed_engine(make_engine(url), own_trials.SETTINGS)
    migrate(engine)
    own_trials.users(engine)
    own_trials.build(engine, SLUG, root / "files")
    engine.dispose()
    return url


def test_the_report_suppresses_with_the_threshold_in_force(db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROEFTUIN_MIN_CELL", "1000")
    result = CliRunner().invoke(app, ["report", "--experiment", SLUG, "--db", db, "--out", str(tmp_path), "--lang", "en"])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "report.en.html").read_text(encoding="utf-8")
    assert "suppressed (&lt; 1000)" in text
    assert "(&lt; 10)" not in text


def test_a_threshold_that_is_no_whole_number_from_1_is_one_error_line(db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROEFTUIN_MIN_CELL", "0")
    result = CliRunner().invoke(app, ["report", "--experiment", SLUG, "--db", db, "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr == "error: settings: PROEFTUIN_MIN_CELL: Input should be greater than or equal to 1\n"
    assert not list(tmp_path.iterdir())
