"""The command line: a thin face over :mod:`proeftuin.workflow` and the stages' public APIs.

Each sub-module registers its commands on :data:`app`; heavy imports stay inside the commands.
"""


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
from proeftuin.cli import diagnose as _diagnose  # noqa: F401,E402
from proeftuin.cli import report as _report  # noqa: F401,E402
from proeftuin.cli import participant as _participant  # noqa: F401,E402
from proeftuin.cli import register as _register  # noqa: F401,E402
from proeftuin.cli import simulate as _simulate  # noqa: F401,E402


def main() -> None:
    """Entry point of the ``proeftuin`` console script.

    A usage error (an unknown flag, a value outside an option's choices, a missing option) or a
    ``--db`` that cannot be opened is bad input like any other: one line on stderr, exit code 2.
    """
    import sys

    import typer
    from typer.exceptions import TyperException

    try:
        code = app(standalone_mode=False, prog_name="proeftuin")
    except typer.Abort:
        print("error: aborted", file=sys.stderr)
        sys.exit(1)
    except TyperException as exc:
        if getattr(exc, "exit_code", None) != 2:  # not a usage error: let it surface
            raise
        context = getattr(exc, "ctx", None)
        command = f"{context.command_path}: " if context is not None else ""
        message = exc.format_message().replace("Value error, ", "")  # type: ignore[attr-defined]
        if message:  # no arguments at all: the help was shown
            print(f"error: {command}{message}", file=sys.stderr)
        sys.exit(2)
    except Exception as exc:
        if not type(exc).__module__.startswith("sqlalchemy"):
            raise
        # a --db that cannot be opened or read is bad input too
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        print(f"error: database: {reason}", file=sys.stderr)
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)


__all__ = ["app", "main"]
