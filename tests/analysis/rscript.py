"""Run R code as an independent reference (estimatr, clubSandwich, metafor), or skip with the reason.

R is an optional reference: Debian's ``r-base-core`` and ``r-cran-estimatr``,
``r-cran-clubsandwich``, ``r-cran-metafor`` (installed by ``.ci/run``). Where ``Rscript`` or a
package is missing the test is skipped, naming what is missing.
"""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pandas as pd
import pytest


@functools.cache
def _has_package(package: str) -> bool:
    result = subprocess.run(
        ["Rscript", "-e", f"quit(status = !requireNamespace('{package}', quietly = TRUE))"],
        capture_output=True, timeout=120, check=False,
    )
    return result.returncode == 0


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
    result = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True, timeout=300, check=False)
    if result.returncode != 0:
        raise AssertionError(f"Rscript failed:\n{result.stderr}")
    return json.loads(out_path.read_text())
