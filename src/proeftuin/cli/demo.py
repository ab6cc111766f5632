"""``proeftuin demo``: the six experiments of 2017-2019 on synthetic data, to a report."""


import time
from pathlib import Path
from typing import Annotated

import typer

from proeftuin.cli.app import DEFAULT_DB, DbOption, app, fail
from proeftuin.cli.collector import modules_frozen, no_collection

STEP_TEXT = {
    "nl": {"build": "Opbouwen: loting en uitkomsten", "analyse": "Analyseren", "report": "Rapport schrijven", "done": "Klaar in {s:.1f} s: {n} deelnemers in 6 gemeenten. Rapport: {path}"},
    "en": {"build": "Building: randomization and outcomes", "analyse": "Analysing", "report": "Writing the report", "done": "Done in {s:.1f} s: {n} participants in 6 municipalities. Report: {path}"},
}


@app.command()
def demo(
    db: DbOption = DEFAULT_DB,
    out: Annotated[Path, typer.Option("--out", help="Folder for the report.")] = Path("out"),
    seed: Annotated[int, typer.Option("--seed", help="Seed of the whole demo (randomization and simulation).")] = 2017,
    scale: Annotated[float, typer.Option("--scale", help="Multiply every group size (for larger runs).")] = 1.0,
    lang: Annotated[str, typer.Option("--lang", help="Language of the report: nl or en.")] = "nl",
) -> None:
    """Run the six municipalities' experiments from randomization to report, on synthetic data."""
    with no_collection():  # the modules' objects live as long as the process (cli/collector.py)
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        from proeftuin.workflow.demo import DEMO_STEPS, DemoError, run_demo

    if lang not in STEP_TEXT:
        raise fail(f"--lang must be nl or en; got {lang!r}")
    if scale <= 0:
        raise fail(f"--scale must be positive; got {scale}")
    text = STEP_TEXT[lang]
    console = Console(stderr=True)
    started = time.perf_counter()
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(), console=console, transient=False) as bar:
        task = bar.add_task(text["build"], total=DEMO_STEPS)

        def progress(message: str) -> None:
            stage, _, where = message.partition(":")
            bar.update(task, advance=1, description=f"{text[stage]}{': ' + where if where else ''}")

        try:
            with modules_frozen():
                result = run_demo(db=db, out=out, seed=seed, scale=scale, lang=lang, progress=progress)  # type: ignore[arg-type]
        except DemoError as exc:
            raise fail(str(exc)) from None
    console.print(text["done"].format(s=time.perf_counter() - started, n=result.participants, path=result.report))
