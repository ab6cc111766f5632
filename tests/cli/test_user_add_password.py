"""`proeftuin user add NAME --role R` reads the web password from standard input (issue 6)."""

from __future__ import annotations

from pathlib import Path

import pytest

from typer.testing import CliRunner

from proeftuin.cli import app
from proeftuin.registry import make_engine, session_scope
from proeftuin.web.accounts import authenticate


@pytest.fixture(autouse=True)
def seal_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Adding a user is audited, and the audit chain is keyed from the seal key (issue 10)."""
    monkeypatch.setenv("PROEFTUIN_SEAL_KEY", "seal-key-for-the-user-tests-0123456789ab")

runner = CliRunner()
PASSWORD = "correct horse battery staple"


def test_the_password_comes_from_standard_input_and_is_stored_hashed(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'r.db'}"
    result = runner.invoke(app, ["user", "add", "anna", "--role", "admin", "--db", db], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "with a web password" in result.stdout and PASSWORD not in result.stdout
    engine = make_engine(db)
    with session_scope(engine) as session:
        assert authenticate(session=session, name="anna", password=PASSWORD) is not None
        assert authenticate(session=session, name="anna", password="wrong password here") is None
    assert PASSWORD.encode() not in Path(tmp_path / "r.db").read_bytes()


def test_no_input_makes_a_command_line_only_user(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'r.db'}"
    result = runner.invoke(app, ["user", "add", "anna", "--role", "admin", "--db", db], input="")
    assert result.exit_code == 0 and "web password" not in result.stdout


def test_a_short_password_is_refused_and_no_user_is_added(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'r.db'}"
    result = runner.invoke(app, ["user", "add", "anna", "--role", "admin", "--db", db], input="short\n")
    assert result.exit_code == 2 and "at least 12 characters" in result.stderr
    again = runner.invoke(app, ["user", "add", "anna", "--role", "admin", "--db", db], input="")
    assert again.exit_code == 0  # the refused command left nothing behind
