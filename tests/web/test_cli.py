"""``proeftuin user password`` reads the password from standard input; ``serve`` refuses a weak secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from sqlalchemy import select
from typer.testing import CliRunner

from proeftuin.cli import app
from proeftuin.registry.db import make_engine, session_scope
from proeftuin.registry.models import User
from proeftuin.web.security import verify_password


@pytest.fixture(autouse=True)
def seal_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Adding a user is audited, and the audit chain is keyed from the seal key (issue 10)."""
    monkeypatch.setenv("PROEFTUIN_SEAL_KEY", "seal-key-for-the-user-tests-0123456789ab")


def test_user_password_from_stdin(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()
    assert runner.invoke(app, ["user", "add", "alice", "--role", "admin", "--db", db]).exit_code == 0
    result = runner.invoke(app, ["user", "password", "alice", "--db", db], input="a long enough secret\n")
    assert result.exit_code == 0, result.output
    assert "a long enough secret" not in result.output
    engine = make_engine(db)
    with session_scope(engine) as session:
        stored = session.scalar(select(User.password_hash).where(User.name == "alice"))
    engine.dispose()
    assert verify_password(stored, "a long enough secret")


def test_short_password_is_refused(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()
    runner.invoke(app, ["user", "add", "alice", "--role", "admin", "--db", db])
    result = runner.invoke(app, ["user", "password", "alice", "--db", db], input="short\n")
    assert result.exit_code == 2
    assert "error: a password needs at least 12 characters" in result.output


def test_serve_refuses_a_missing_web_secret(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("PROEFTUIN_WEB_SECRET", raising=False)
    monkeypatch.setenv("PROEFTUIN_SEAL_KEY", "seal-lS6MVbI8f9Yk4GMmpE_gwTeH7ya6xGVaCNMghr4O")
    result = CliRunner().invoke(app, ["serve", "--db", f"sqlite:///{tmp_path / 'x.db'}"])
    assert result.exit_code == 2
    assert "PROEFTUIN_WEB_SECRET is empty; set it to at least 32 random characters" in result.output


def test_serve_refuses_the_web_secret_when_it_is_also_a_registry_key(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    key = "seal-lS6MVbI8f9Yk4GMmpE_gwTeH7ya6xGVaCNMghr4O"
    monkeypatch.setenv("PROEFTUIN_SEAL_KEY", key)
    monkeypatch.setenv("PROEFTUIN_WEB_SECRET", key)
    result = CliRunner().invoke(app, ["serve", "--db", f"sqlite:///{tmp_path / 'x.db'}"])
    assert result.exit_code == 2
    assert result.output == "error: settings: PROEFTUIN_SEAL_KEY and PROEFTUIN_WEB_SECRET are the same key; each purpose needs its own\n"


def test_serve_refuses_a_guessable_web_secret(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PROEFTUIN_SEAL_KEY", "seal-lS6MVbI8f9Yk4GMmpE_gwTeH7ya6xGVaCNMghr4O")
    monkeypatch.setenv("PROEFTUIN_WEB_SECRET", "Welkom01" * 4)
    result = CliRunner().invoke(app, ["serve", "--db", f"sqlite:///{tmp_path / 'x.db'}"])
    assert result.exit_code == 2
    assert "PROEFTUIN_WEB_SECRET is guessable" in result.output
