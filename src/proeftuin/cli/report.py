"""``proeftuin report --experiment SLUG [--experiment SLUG ...]``: the report of stored trials."""


from pathlib import Path
from typing import Annotated

import typer

from proeftuin.cli.app import DEFAULT_DB, DbOption, app, fail
from proeftuin.cli.collector import modules_frozen, no_collection
from proeftuin.report.i18n import Lang
from proeftuin.report.formats import Format


@app.command()
def report(
    experiment: Annotated[list[str], typer.Option("--experiment", help="Slug of a trial in the database (repeat for several side by side).")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the report.")] = Path("out"),
    lang: Annotated[Lang, typer.Option("--lang", help="Language of the report: nl (Dutch) or en (English).")] = "nl",
    fmt: Annotated[Format, typer.Option("--format", help="html (a self-contained page) or pdf.")] = "html",
    db: DbOption = DEFAULT_DB,
) -> None:
    """Write the report of one trial, or of several side by side with their arms pooled where they share a pooling group."""
    with no_collection():  # the modules' objects live as long as the process (cli/collector.py)
        from pydantic import ValidationError

        from proeftuin.registry import RegistryError
        from proeftuin.registry.settings import OutputSettings
        from proeftuin.workflow.database import DatabaseUnavailable, existing_registry, reading
        from proeftuin.workflow.report import report_experiments
        from proeftuin.workflow.standard_analysis import NotAnalysable

    try:
        min_cell = OutputSettings().min_cell  # the threshold in force (PROEFTUIN_MIN_CELL), as in every export and page
    except ValidationError as exc:
        raise fail(f"settings: PROEFTUIN_MIN_CELL: {exc.errors()[0]['msg']}") from None
    try:
        engine = existing_registry(db)
    except DatabaseUnavailable as exc:
        raise fail(str(exc)) from None
    try:
        with reading(db), modules_frozen():
            paths = report_experiments(engine, experiment, out=out, langs=(lang,), fmt=fmt, min_cell=min_cell)
    except (RegistryError, NotAnalysable, ValueError) as exc:
        raise fail(str(exc)) from None
    finally:
        engine.dispose()
    for path in paths.values():
        typer.echo(path)
