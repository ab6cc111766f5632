"""``proeftuin estimate FILE``: effects of each arm against control, from a participant file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from proeftuin.cli.app import app, fail
from proeftuin.cli.render import OutputFormat, compact_effect_rows, effect_records, print_records


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()] if value else []


@app.command()
def estimate(
    file: Annotated[Path, typer.Argument(help="CSV or Parquet file, one row per participant.")],
    outcome: Annotated[list[str], typer.Option("--outcome", help="Outcome column (repeat for more).")],
    arm: Annotated[str, typer.Option("--arm", help="Column holding each participant's arm.")],
    control: Annotated[str, typer.Option("--control", help="Value of --arm that marks the control group.")],
    covariates: Annotated[str | None, typer.Option("--covariates", help="Comma-separated baseline covariates.")] = None,
    level: Annotated[float, typer.Option("--level", help="Confidence level of the intervals.")] = 0.90,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="Output format.")] = OutputFormat.table,
) -> None:
    """Estimate the intent-to-treat effect of every arm on every outcome (OLS, HC2, t intervals)."""
    from proeftuin.workflow.estimate import estimate_file
    from proeftuin.workflow.tabular import TabularError

    if not 0.0 < level < 1.0:
        raise fail(f"--level must be between 0 and 1; got {level}")
    try:
        effects = estimate_file(
            file, outcomes=outcome, arm=arm, control=control, covariates=_split(covariates), level=level
        )
    except TabularError as exc:
        raise fail(str(exc)) from None
    records = effect_records(effects)
    print_records(
        compact_effect_rows(records, level) if fmt is OutputFormat.table else records,
        fmt,
        envelope={"level": level, "vcov": "HC2"},
        key="effects",
        title=f"Effects against {control!r} ({level:.0%} CI, HC2)",
    )
