"""Start-up: ``proeftuin --help`` and usage errors load no numerical, database, plotting or validation library.

A property of the import graph rather than a timing, so it holds on a loaded machine too: each of
these libraries costs a tenth of a second to seconds before the command line could answer.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("numpy", "pandas", "scipy", "sqlalchemy", "matplotlib", "weasyprint", "rich", "yaml", "pydantic")
SRC = Path(__file__).resolve().parents[2] / "src"

PROBE = """
import json, sys
sys.argv = ["proeftuin", *json.loads(sys.argv[1])]
try:
    from proeftuin.cli import main
    main()
except SystemExit as stop:
    code = stop.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def loaded_modules(*args: str) -> tuple[int, set[str], str]:
    """Run the entry point in a fresh interpreter; its exit code, the top-level modules it loaded and stdout."""
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(args)], capture_output=True, text=True, env=env, timeout=120)
    report = json.loads(done.stderr.strip().splitlines()[-1])
    return report["code"], {name.partition(".")[0] for name in report["modules"]}, done.stdout


@pytest.mark.parametrize(
    "args",
    [("--help",), ("estimate", "--help"), ("demo", "--help"), ("estimate", "--bogus"), ("nonsense",)],
    ids=["help", "estimate-help", "demo-help", "unknown-option", "unknown-command"],
)
def test_help_and_usage_errors_load_no_heavy_library(args: tuple[str, ...]) -> None:
    code, modules, _ = loaded_modules(*args)
    assert code in (0, 2)
    assert modules.isdisjoint(HEAVY), sorted(modules & set(HEAVY))


def test_the_help_lists_every_command() -> None:
    code, _, out = loaded_modules("--help")
    assert code == 0
    for command in ("demo", "estimate", "serve", "report", "import", "verify"):
        assert f"  {command} " in out
