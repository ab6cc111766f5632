"""Temporary folders for uploaded files, and the sweep of those a killed process left behind.

An upload is written to a folder of its own under ``<temp>/proeftuin-uploads/`` named after the
serving process, and removed when its request ends, however it ends (an error, the client
gone). A process killed mid-upload (a crash, an out-of-memory kill) cannot remove its folder, so
every app start removes the folders of processes that no longer run.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

UPLOADS_FOLDER = "proeftuin-uploads"


def uploads_root() -> Path:
    """``<temp>/proeftuin-uploads`` (created when absent)."""
    root = Path(tempfile.gettempdir()) / UPLOADS_FOLDER
    root.mkdir(mode=0o700, exist_ok=True)
    return root


def upload_folder() -> tempfile.TemporaryDirectory[str]:
    """A fresh folder for one upload, removed when the ``with`` block ends."""
    return tempfile.TemporaryDirectory(prefix=f"{os.getpid()}-", dir=uploads_root())


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: it runs
    return True


def sweep_abandoned_uploads() -> list[Path]:
    """Remove the upload folders of processes that no longer run; the folders removed."""
    removed = []
    for folder in uploads_root().iterdir():
        pid = folder.name.split("-", 1)[0]
        if folder.is_dir() and pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed
