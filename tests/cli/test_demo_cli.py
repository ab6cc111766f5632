"""`proeftuin demo` on the command line: writes the report, and refuses bad options with exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from proeftuin.cli import app

runner = CliRunner()


def test_demo_writes_the_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import proeftuin.workflow.demo

    # The command's report as HTML only: printing the demo's report to PDF in both languages is checked by
    # tests/workflow/test_demo.py (test_the_demo_prints_its_report_in_both_languages); here it would be printed again.
    write_reports = proeftuin.workflow.demo.write_reports
    monkeypatch.setattr(proeftuin.workflow.demo, "write_reports",
                        lambda report, out, **options: write_reports(report, out, **{**options, "fmt": "html"}))
    db = f"sqlite:///{tmp_path / 'demo.db'}"
    result = runner.invoke(app, ["demo", "--db", db, "--out", str(tmp_path / "out"), "--scale", "0.1", "--lang", "en"])
    assert result.exit_code == 0, result.output
    report = tmp_path / "out" / "report.en.html"
    assert report.exists()
    assert "Figure 1: Work &gt; 8 hours a week" in report.read_text(encoding="utf-8")


def test_bad_scale_and_language_exit_2(tmp_path: Path) -> None:
    for args in (["--scale", "0"], ["--lang", "fr"]):
        result = runner.invoke(app, ["demo", "--db", f"sqlite:///{tmp_path / 'x.db'}", *args])
        assert result.exit_code == 2
        assert result.stderr.startswith("error: ")
    assert not (tmp_path / "x.db").exists()
