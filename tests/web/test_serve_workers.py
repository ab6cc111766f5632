"""`proeftuin serve --workers N`: several processes serve the same database (one app each)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
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


def test_two_workers_serve_the_login_page(tmp_path: Path) -> None:
    script = shutil.which("proeftuin", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("the proeftuin console script is not installed next to this Python")
    port = free_port()
    server = subprocess.Popen([script, "serve", "--db", f"sqlite:///{tmp_path / 'web.db'}", "--port", str(port), "--workers", "2"],
                              env={**os.environ, **ENV}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 180  # a loaded machine (CI shares its 2 cores) starts workers slowly
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/login", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, "the server did not start"
                time.sleep(0.3)
        assert response.status_code == 200 and "csrf_token" in response.text
        assert httpx.get(f"http://127.0.0.1:{port}/results", timeout=5).status_code == 401
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a worker still importing on a loaded machine does not stop at once
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)


def test_zero_workers_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    result = CliRunner().invoke(app, ["serve", "--db", f"sqlite:///{tmp_path / 'web.db'}", "--workers", "0"])
    assert result.exit_code == 2 and "--workers must be 1 or more" in result.stderr
