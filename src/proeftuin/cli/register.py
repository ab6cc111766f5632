"""``proeftuin register outcomes``: person-level outcomes from register extracts, in DuckDB or Spark."""


import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from proeftuin.cli.app import app, fail

register_app = typer.Typer(help="Register scale: outcomes from national register extracts (DuckDB or Spark).", no_args_is_help=True)
app.add_typer(register_app, name="register")


def _month(value: str | None, flag: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(f"{value}-01" if len(value) == 7 else value).replace(day=1)
    except ValueError:
        raise ValueError(f"{flag} must be a month as YYYY-MM; got {value!r}") from None


@register_app.command("outcomes")
def outcomes(
    jobs: Annotated[Path, typer.Option("--jobs", help="Job records (Parquet file, folder or glob).")],
    benefits: Annotated[Path, typer.Option("--benefits", help="Benefit months (Parquet file, folder or glob).")],
    assignments: Annotated[Path, typer.Option("--assignments", help="Assignments: pseudonym, arm, strata (Parquet).")],
    out: Annotated[Path, typer.Option("--out", help="New folder for the outcome Parquet (one row per pseudonym).")],
    first: Annotated[str | None, typer.Option("--from", help="First month of the window, YYYY-MM (default: first benefit month).")] = None,
    last: Annotated[str | None, typer.Option("--to", help="Last month of the window, YYYY-MM (default: last benefit month).")] = None,
    control: Annotated[str, typer.Option("--control", help="The arm value of the control group (written as 'control').")] = "control",
    engine: Annotated[str, typer.Option("--engine", help="duckdb (embedded, default) or spark.")] = "duckdb",
    spark_master: Annotated[str | None, typer.Option("--spark-master", help="Spark master URL (default local[*]).")] = None,
    memory_limit: Annotated[str, typer.Option("--memory-limit", help="DuckDB's memory ceiling; beyond it, it spills to disk.")] = "2GB",
) -> None:
    """Work, contract, earnings and outflow outcomes per pseudonym over a window of months."""
    from rich.console import Console

    from proeftuin.analysis.options import check_option
    from proeftuin.scale import Window
    from proeftuin.workflow.register import write_outcomes

    try:
        check_option("--engine", engine, ("duckdb", "spark"))
        start, end = _month(first, "--from"), _month(last, "--to")
        if (start is None) != (end is None):
            raise ValueError("give both --from and --to, or neither")
        window = Window(start, end) if start and end else None
        if window is not None:
            window.months()
        with Console(stderr=True).status(f"computing outcomes with {engine}"):
            folder, used = write_outcomes(jobs=jobs, benefits=benefits, assignments=assignments, out=out, engine=engine,  # type: ignore[arg-type]
                                          window=window, control=control, spark_master=spark_master, memory_limit=memory_limit)
    except ValueError as exc:
        raise fail(str(exc)) from None
    typer.echo(f"outcomes over {used.first:%Y-%m} to {used.last:%Y-%m} written to {folder}")
