"""WeasyPrint loaded without ``find_library``'s compiler runs (:func:`proeftuin.report.pdf.load_weasyprint`)."""

from __future__ import annotations

import ast
import ctypes.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("weasyprint")

from proeftuin.report import pdf  # noqa: E402

LINUX = sys.platform.startswith("linux")
SRC = str(Path(pdf.__file__).resolve().parents[2])
PROBE = """
import subprocess, sys
started = []
popen = subprocess.Popen.__init__
def record(self, args, *rest, **options):
    started.append(args[0] if isinstance(args, (list, tuple)) else args)
    popen(self, args, *rest, **options)
subprocess.Popen.__init__ = record
from proeftuin.report.pdf import load_weasyprint
load_weasyprint()
import weasyprint
print(repr(sorted(set(str(command).rsplit("/", 1)[-1] for command in started))))
"""


@pytest.mark.skipif(not LINUX, reason="the linker's cache is a Linux lookup")
def test_find_library_answers_from_the_linker_cache_inside_and_is_restored() -> None:
    original = ctypes.util.find_library
    with pdf._library_cache_lookups():
        assert ctypes.util.find_library is not original
        assert ctypes.util.find_library("c") == original("c")  # what the cache holds is found as before
        assert ctypes.util.find_library("libgobject-2.0-0") is None  # a Windows-style name: no compiler run to learn so
    assert ctypes.util.find_library is original


@pytest.mark.skipif(not LINUX, reason="the linker's cache is a Linux lookup")
def test_weasyprint_loads_without_running_a_compiler_or_linker() -> None:
    env = {**os.environ, "PYTHONPATH": SRC}
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, check=True)
    commands = ast.literal_eval(result.stdout.strip().splitlines()[-1])  # the probe prints the repr of a list of names
    assert not {"gcc", "cc", "ld"} & set(commands), commands


def test_load_weasyprint_gives_a_working_printer() -> None:
    pdf.load_weasyprint()
    assert pdf.html_to_pdf("<p>proeftuin</p>").startswith(b"%PDF")
