"""``proeftuin simulate register``: a synthetic national register as partitioned Parquet."""


from pathlib import Path
from typing import Annotated

import typer

from proeftuin.cli.app import app, fail

simulate_app = typer.Typer(help="Synthetic data for tests, benchmarks and demonstrations.", no_args_is_help=True)
app.add_typer(simulate_app, name="simulate")


@simulate_app.command("register")
def register(
    persons: Annotated[int, typer.Option("--persons", help="Number of people.")],
    months: Annotated[int, typer.Option("--months", help="Number of calendar months.")],
    out: Annotated[Path, typer.Option("--out", help="New folder: jobs/, benefits/ and assignments/ as Parquet parts.")],
    seed: Annotated[int, typer.Option("--seed", help="Seed (the same seed and sizes give the same files).")] = 1,
) -> None:
    """Job records, benefit months and assignments of a synthetic register (the simulator's labour model)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from proeftuin.scale import write_register

    try:
        with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                      transient=True) as progress:
            task = progress.add_task("people", total=max(persons, 0))
            summary = write_register(out, persons=persons, months=months, seed=seed,
                                     progress=lambda done: progress.update(task, completed=done))
    except ValueError as exc:
        raise fail(str(exc)) from None
    typer.echo(
        f"{summary.persons} people x {summary.months} months = {summary.person_months} person-months: "
        f"{summary.job_rows} job records, {summary.benefit_rows} benefit months, written to {summary.out}"
    )
