"""Run R code as an independent reference (estimatr, clubSandwich, metafor), or skip with the reason.

R is an optional reference: Debian's ``r-base-core`` and ``r-cran-estimatr``,
``r-cran-clubsandwich``, ``r-cran-metafor`` (installed by ``.ci/run``). Where ``Rscript`` or a
package is missing the test is skipped, naming what is missing.

One ``Rscript`` process per test worker runs every script (R's start and the packages' loading,
about 1 s of CPU per script before, are paid once): each script is sourced into a fresh
environment, so no variable of one script is seen by the next.
"""

from __future__ import annotations

import atexit
import functools
import json
import shutil
import subprocess
import tempfile
import threading
from queue import Empty, Queue
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

DONE = "<<proeftuin-r-done>>"
SERVER = f"""
input <- file('stdin'); open(input)
while (length(path <- readLines(input, n = 1)) > 0) {{
  status <- tryCatch({{ sys.source(path, envir = new.env(parent = globalenv())); 'ok' }},
                     error = function(e) gsub('\\n', ' ', conditionMessage(e)))
  cat('\\n{DONE}', status, '\\n', sep = ''); flush(stdout())
}}
"""
"""Reads one script path a line from stdin, sources it and answers ``DONE`` with ``ok`` or R's error message."""


class RSession:
    """A running ``Rscript`` that sources scripts sent to it one at a time."""

    def __init__(self) -> None:
        self.stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen(["Rscript", "-e", SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr,
                                        text=True, bufsize=1)
        self.lines: Queue[str | None] = Queue()
        threading.Thread(target=self._read, daemon=True).start()
        atexit.register(self.close)

    def source(self, script: str, folder: Path, timeout: float = 300) -> None:
        """Source ``script`` (written into ``folder``); raise AssertionError with R's message if it fails."""
        path = folder / "script.R"
        path.write_text(script, encoding="utf-8")
        assert self.process.stdin is not None
        self.process.stdin.write(f"{path}\n")
        self.process.stdin.flush()
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except Empty:
                self.close()
                raise AssertionError(f"Rscript gave no answer within {timeout} s") from None
            if line is None:
                self.stderr.seek(0)
                raise AssertionError(f"Rscript ended:\n{self.stderr.read().decode(errors='replace')}")
            if line.startswith(DONE):
                status = line.removeprefix(DONE).strip()
                if status != "ok":
                    raise AssertionError(f"Rscript failed: {status}")
                return

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@functools.cache
def _session() -> RSession:
    return RSession()


@functools.cache
def _has_package(package: str) -> bool:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "out.txt"
        _session().source(f"writeLines(as.character(requireNamespace('{package}', quietly = TRUE)), '{out}')\n", Path(folder))
        return out.read_text().strip() == "TRUE"


def require_r(*packages: str) -> None:
    """Skip the calling test unless ``Rscript`` and every package are installed."""
    if shutil.which("Rscript") is None:
        pytest.skip("Rscript not installed (Debian r-base-core); the R reference is skipped")
    missing = [p for p in packages if not _has_package(p)]
    if missing:
        pytest.skip(f"R package(s) {', '.join(missing)} not installed (Debian r-cran-*); the R reference is skipped")


def run_r(code: str, data: pd.DataFrame, tmp_path: Path, *packages: str) -> Any:
    """Run ``code`` with ``d`` the data frame ``data``; the code assigns ``out`` (a list), returned as JSON."""
    require_r("jsonlite", *packages)
    data_path, out_path = tmp_path / "data.csv", tmp_path / "out.json"
    data.to_csv(data_path, index=False)
    libraries = "".join(f"suppressMessages(library({p}))\n" for p in packages)
    script = (
        f"{libraries}d <- read.csv('{data_path}', stringsAsFactors = FALSE)\n{code}\n"
        f"jsonlite::write_json(out, '{out_path}', digits = NA, auto_unbox = TRUE)\n"
    )
    _session().source(script, tmp_path)
    return json.loads(out_path.read_text())
