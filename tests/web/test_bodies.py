"""Request bodies: authentication before a byte is read, size limits while streaming, no upload left behind.

Driven at the ASGI level, so the test sees exactly how much of a body the app asked for.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from conftest import PASSWORD
from proeftuin.web.routes.data import MAX_UPLOAD_BYTES
from proeftuin.web.uploads import sweep_abandoned_uploads, uploads_root

MB = 1 << 20
BOUNDARY = "proeftuin-test-boundary"
PART_HEAD = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n"
             "Content-Type: text/csv\r\n\r\n").encode()


class Upload:
    """A multipart upload of ``megabytes`` MB sent in 1 MB chunks; counts the chunks the app read."""

    def __init__(self, megabytes: int, *, disconnect_after: int | None = None) -> None:
        self.megabytes, self.disconnect_after, self.read = megabytes, disconnect_after, 0

    def chunks(self) -> Iterator[bytes]:
        yield PART_HEAD
        for _ in range(self.megabytes):
            yield b"pseudonym,month\n" * (MB // 16)
        yield f"\r\n--{BOUNDARY}--\r\n".encode()

    def send_to(self, app: FastAPI, path: str, *, headers: dict[str, str], content_length: bool) -> int:
        """The response status."""
        chunks, status = self.chunks(), []
        size = len(PART_HEAD) + self.megabytes * MB + len(f"\r\n--{BOUNDARY}--\r\n")

        async def receive() -> dict:
            if self.disconnect_after is not None and self.read >= self.disconnect_after:
                return {"type": "http.disconnect"}
            chunk = next(chunks, None)
            if chunk is None:
                return {"type": "http.request", "body": b"", "more_body": False}
            self.read += 1
            return {"type": "http.request", "body": chunk, "more_body": True}

        async def send(message: dict) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])

        raw = {"content-type": f"multipart/form-data; boundary={BOUNDARY}", **headers}
        if content_length:
            raw["content-length"] = str(size)
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
                 "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "", "client": ("127.0.0.1", 40000),
                 "server": ("testserver", 80), "headers": [(k.lower().encode(), v.encode()) for k, v in raw.items()], "app": app}
        try:
            asyncio.run(app(scope, receive, send))
        except OSError:  # the client went away: nothing to answer
            pass
        return status[0] if status else 0


def _bearer(client: TestClient, name: str) -> dict[str, str]:
    token = client.post("/api/token", data={"username": name, "password": PASSWORD}).json()["access_token"]
    return {"authorization": f"Bearer {token}"}


@pytest.fixture(autouse=True)
def own_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Temporary files of this test go to a folder of its own, to be counted."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_an_anonymous_upload_gets_401_before_a_byte_is_read(client: TestClient) -> None:
    # Regression: FastAPI parses (and spools to disk) a form before any dependency runs, so an
    # anonymous 250 MB upload was stored before the 401.
    for content_length in (True, False):
        upload = Upload(250)
        assert upload.send_to(client.app, "/data/utrecht/upload", headers={}, content_length=content_length) == 401
        assert upload.read == 0


def test_a_forged_token_is_anonymous(client: TestClient) -> None:
    upload = Upload(250)
    assert upload.send_to(client.app, "/data/utrecht/upload", headers={"authorization": "Bearer forged"}, content_length=True) == 401
    assert upload.read == 0


def test_a_too_large_upload_gets_413_without_being_read(client: TestClient) -> None:
    upload = Upload(250)
    assert upload.send_to(client.app, "/data/utrecht/upload", headers=_bearer(client, "rob"), content_length=True) == 413
    assert upload.read == 0


def test_a_too_large_upload_of_unknown_length_is_stopped_at_the_limit(client: TestClient) -> None:
    upload = Upload(250)
    assert upload.send_to(client.app, "/data/utrecht/upload", headers=_bearer(client, "rob"), content_length=False) == 413
    assert upload.read <= MAX_UPLOAD_BYTES // MB + 2


def test_forms_are_small(client: TestClient) -> None:
    upload = Upload(2)
    assert upload.send_to(client.app, "/intake/enrol", headers=_bearer(client, "cora"), content_length=False) == 413
    assert upload.read <= 2


def test_an_upload_cut_off_midway_leaves_no_file(client: TestClient, own_temp: Path) -> None:
    upload = Upload(8, disconnect_after=4)
    status = upload.send_to(client.app, "/data/utrecht/upload", headers=_bearer(client, "rob"), content_length=True)
    assert upload.read == 4 and status in (0, 400)  # nobody is listening any more
    assert [p for p in own_temp.rglob("*") if p.is_file()] == []


def test_folders_of_killed_processes_are_swept(client: TestClient) -> None:
    # An upload's folder is removed when its request ends however it ends, but a process killed
    # mid-upload cannot remove it; the next start of the app does.
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    abandoned = uploads_root() / f"{dead.stdout.strip()}-abandoned"
    (abandoned / "outcomes.csv").parent.mkdir()
    (abandoned / "outcomes.csv").write_text("pseudonym\n")
    ours = uploads_root() / f"{os.getpid()}-in-use"
    ours.mkdir()
    assert sweep_abandoned_uploads() == [abandoned]
    assert not abandoned.exists() and ours.exists()
