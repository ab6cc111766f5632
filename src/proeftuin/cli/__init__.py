"""The command line: a thin face over :mod:`proeftuin.workflow` and the stages' public APIs.

Each sub-module registers its commands on :data:`app`; heavy imports stay inside the commands.
"""

from __future__ import annotations

from proeftuin.cli.app import app

# Registering modules (each adds its commands to ``app``).
from proeftuin.cli import demo as _demo  # noqa: F401,E402
from proeftuin.cli import estimate as _estimate  # noqa: F401,E402
from proeftuin.cli import analyze as _analyze  # noqa: F401,E402
from proeftuin.cli import benefit as _benefit  # noqa: F401,E402
from proeftuin.cli import rules as _rules  # noqa: F401,E402
from proeftuin.cli import pool as _pool  # noqa: F401,E402
from proeftuin.cli import power as _power  # noqa: F401,E402
from proeftuin.cli import diagnostics as _diagnostics  # noqa: F401,E402
from proeftuin.cli import experiment as _experiment  # noqa: F401,E402
from proeftuin.cli import web as _web  # noqa: F401,E402


def main() -> None:
    """Entry point of the ``proeftuin`` console script."""
    app()


__all__ = ["app", "main"]
