"""The ``proeftuin`` console entry point run as users run it: in a fresh interpreter, not in pytest's.

Starting an interpreter imports proeftuin's command line again (seconds of CPU), so the bad
requests of a test file run one after the other in one fresh interpreter: each through
:func:`proeftuin.cli.main` with its own ``sys.argv``, its own standard output and error (whatever
writes to them, warnings included) and its own exit code.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping, Sequence
from typing import NamedTuple

_SCRIPT = """
import contextlib, io, json, sys
from proeftuin.cli import main
done = []
for args in json.loads(sys.argv[1]):
    out, err = io.StringIO(), io.StringIO()
    sys.argv = ["proeftuin", *args]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main()
            code = 0
        except SystemExit as exit:
            code = exit.code if isinstance(exit.code, int) else 1
    done.append([code, out.getvalue(), err.getvalue()])
print(json.dumps(done))
"""


class Run(NamedTuple):
    returncode: int
    stdout: str
    stderr: str


def run_each(requests: Sequence[Sequence[str]], env: Mapping[str, str] | None = None) -> list[Run]:
    """``proeftuin *args`` for each of ``requests`` in turn, in one fresh interpreter (environment ``env``, else
    this one's); their exit codes and outputs."""
    done = subprocess.run([sys.executable, "-c", _SCRIPT, json.dumps([list(args) for args in requests])],
                          capture_output=True, text=True, check=False, env=None if env is None else dict(env))
    assert done.returncode == 0 and not done.stderr, done.stderr
    return [Run(*run) for run in json.loads(done.stdout)]
