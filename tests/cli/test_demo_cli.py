"""`proeftuin demo` on the command line refuses bad options with exit 2.

The command's run itself is tested in tests/workflow/test_demo.py, whose demos are run through it again
(test_rerunning_with_the_same_settings_reuses_the_database): a run of its own here was 6.6 s of `make test`'s CPU."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from proeftuin.cli import app

runner = CliRunner()


def test_bad_scale_and_language_exit_2(tmp_path: Path) -> None:
    for args in (["--scale", "0"], ["--lang", "fr"]):
        result = runner.invoke(app, ["demo", "--db", f"sqlite:///{tmp_path / 'x.db'}", *args])
        assert result.exit_code == 2
        assert result.stderr.startswith("error: ")
    assert not (tmp_path / "x.db").exists()
