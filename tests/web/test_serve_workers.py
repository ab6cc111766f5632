"""`proeftuin serve --workers N`: the count is checked. Two workers serving one database are tested in
test_concurrent_randomize.py, on the server its SQLite tests share (one start instead of two)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from proeftuin.cli import app

ENV = {
    "PROEFTUIN_WEB_SECRET": "web-n6lOyRWKnuzBeiG8Qv8Uu5teShTEumamAUcJPWTn",
    "PROEFTUIN_SEAL_KEY": "seal-BbCLLVjtmotuzN8fqx2lzSmh_QSDFTFiNcUAs8tk",
    "PROEFTUIN_PSEUDONYM_SECRETS": '{"Utrecht": "utrecht-N6ePm4Psb_2rU67EEoiqSpx94HfplsgMZb1HO_D-"}',
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_zero_workers_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    result = CliRunner().invoke(app, ["serve", "--db", f"sqlite:///{tmp_path / 'web.db'}", "--workers", "0"])
    assert result.exit_code == 2 and "--workers must be 1 or more" in result.stderr


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_database_that_cannot_be_opened_is_one_line_before_any_worker_starts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                                workers: str) -> None:
    """Regression: with two workers, each printed a traceback and was started again for ever (and the server then no longer
    stopped on SIGTERM); the database is now opened once, before uvicorn starts a worker."""
    import uvicorn

    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: pytest.fail("uvicorn started"))
    port = free_port()  # nothing listens there
    result = CliRunner().invoke(app, ["serve", "--db", f"postgresql+psycopg://nobody@127.0.0.1:{port}/x", "--workers", workers])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.stderr.startswith("error: database: ") and result.stderr.count("\n") == 1 and "Connection refused" in result.stderr
