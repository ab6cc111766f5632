"""The root typer application and the options every command shares."""


from typing import Annotated

import typer
from typer.core import TyperGroup


class RootGroup(TyperGroup):
    """The root command, whose ``--help`` flag defaults to ``False`` rather than ``None``.

    Typer coerces a flag's ``None`` through a pydantic adapter (importing pydantic, a tenth of a
    second) before any subcommand parses its arguments; a ``bool`` default is passed through.
    """

    def get_help_option(self, ctx: typer.Context) -> typer.core.TyperOption | None:  # type: ignore[override]
        option = super().get_help_option(ctx)
        if option is not None and option.default is None:
            option.default = False
        return option


app = typer.Typer(
    cls=RootGroup,
    name="proeftuin",
    help="Randomized experiments in social assistance: design, registry, analysis and reports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

DEFAULT_DB = "sqlite:///proeftuin.db"

DbOption = Annotated[
    str,
    typer.Option("--db", help="SQLAlchemy database URL (SQLite file by default, PostgreSQL too)."),
]


class InputError(Exception):
    """Bad input from a user: reported as one line on stderr with exit code 2."""


def fail(message: str) -> "typer.Exit":
    """Print ``message`` as one error line on stderr (BSN-like values masked) and return an exit with code 2."""
    from proeftuin.registry.pseudonym import mask_bsns

    typer.echo(f"error: {mask_bsns(' '.join(str(message).split()))}", err=True)
    return typer.Exit(code=2)


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"proeftuin {version('proeftuin')}")
        raise typer.Exit()


@app.callback()
def root(
    show_version: Annotated[
        bool, typer.Option("--version", help="Print the version and exit.", callback=_print_version, is_eager=True)
    ] = False,
) -> None:
    """proeftuin: randomized experiments in social assistance, from design to evidence."""
