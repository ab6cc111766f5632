"""``proeftuin rules test`` and ``proeftuin rules list``."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from proeftuin.cli import app

runner = CliRunner()


def test_rules_test_passes() -> None:
    result = runner.invoke(app, ["rules", "test"])
    assert result.exit_code == 0, result.output
    assert " 0 failed" in result.stdout


def test_rules_list_gives_dated_values_and_sources() -> None:
    result = runner.invoke(app, ["rules", "list", "--format", "json"])
    rows = {r["name"]: r for r in json.loads(result.stdout)["rows"]}
    wml = rows["wml.gross_monthly_21_plus"]
    assert wml["values"].startswith("2015-01-01: 1501.8; 2015-07-01: 1507.8;")
    assert rows["participatiewet.art_21.norm_single"]["href"].startswith("https://wetten.overheid.nl/BWBR0015703")
