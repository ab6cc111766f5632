"""The console entry point: usage errors and unreadable databases are one line on stderr, exit 2."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from proeftuin.cli import main


def run_main(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["proeftuin", *args])
    with pytest.raises(SystemExit) as stop:
        main()
    return int(stop.value.code or 0), capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("estimate", "f.csv", "--outcome", "y", "--arm", "a", "--control", "c", "--format", "xml"),
         "error: proeftuin estimate: Invalid value for '--format': 'xml' is not one of 'table', 'json', 'csv'."),
        (("estimate", "f.csv", "--arm", "a", "--control", "c"), "error: proeftuin estimate: Missing option '--outcome'."),
        (("demo", "--bogus"), "error: proeftuin demo: No such option: --bogus"),
        (("nonsense",), "error: proeftuin: No such command 'nonsense'."),
    ],
)
def test_usage_errors_are_one_line(monkeypatch, capsys, args: tuple[str, ...], message: str) -> None:
    code, err = run_main(monkeypatch, capsys, *args)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and err.startswith(message)


def test_a_database_that_cannot_be_opened_is_one_line(monkeypatch, capsys, tmp_path: Path) -> None:
    code, err = run_main(monkeypatch, capsys, "verify", "--db", f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}")
    assert code == 2 and err.strip() == "error: database: unable to open database file"


def test_success_exits_0(monkeypatch, capsys) -> None:
    code, _ = run_main(monkeypatch, capsys, "power", "--sd", "1", "--n-per-arm", "100", "--format", "json")
    assert code == 0
