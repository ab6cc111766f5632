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
    vcov: Annotated[str | None, typer.Option("--vcov", help="HC0, HC1, HC2, HC3, CR0, CR1 or CR2 (default HC2; CR2 with --cluster).")] = None,
    cluster: Annotated[str | None, typer.Option("--cluster", help="Column of the randomized clusters (household, team).")] = None,
    strata: Annotated[str | None, typer.Option("--strata", help="Column of the strata; --ri re-randomizes within them.")] = None,
    lin: Annotated[bool, typer.Option("--lin", help="Lin (2013): covariates centred and interacted with the arms.")] = False,
    ri: Annotated[int | None, typer.Option("--ri", help="Add randomization-inference p-values from N re-randomizations.")] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed of the re-randomizations and bootstrap draws (reproducible --ri, --wild-bootstrap).")] = None,
    wild_bootstrap: Annotated[int | None, typer.Option("--wild-bootstrap", help="Add wild cluster bootstrap p-values and intervals from N draws (needs --cluster; few clusters).")] = None,
    wild_weights: Annotated[str, typer.Option("--wild-weights", help="Weights of --wild-bootstrap: rademacher or webb.")] = "rademacher",
    fmt: Annotated[OutputFormat, typer.Option("--format", help="Output format.")] = OutputFormat.table,
) -> None:
    """Estimate the intent-to-treat effect of every arm on every outcome (OLS, robust SE, t intervals)."""
    from proeftuin.workflow.estimate import estimate_file

    if not 0.0 < level < 1.0:
        raise fail(f"--level must be between 0 and 1; got {level}")
    try:
        effects = estimate_file(
            file, outcomes=outcome, arm=arm, control=control, covariates=_split(covariates), level=level,
            vcov=vcov, cluster=cluster, strata=strata, lin=lin, ri_draws=ri, seed=seed,  # type: ignore[arg-type]
            wild_draws=wild_bootstrap, wild_weights=wild_weights,  # type: ignore[arg-type]
        )
    except ValueError as exc:  # TabularError included: file, row and column in one line
        raise fail(str(exc)) from None
    used = effects[0].vcov
    records = effect_records(effects)
    envelope = {"level": level, "vcov": used, "estimator": effects[0].estimator}
    if ri is not None:
        envelope.update({"ri_draws": ri, "seed": seed, "strata": strata, "cluster": cluster})
    if wild_bootstrap is not None:
        envelope.update({"wild_bootstrap_draws": wild_bootstrap, "wild_weights": wild_weights, "seed": seed, "cluster": cluster})
    print_records(
        compact_effect_rows(records, level) if fmt is OutputFormat.table else records,
        fmt,
        envelope=envelope,
        key="effects",
        title=f"Effects against {control!r} ({level:.0%} CI, {used}{', Lin' if lin else ''})",
    )
    if fmt is OutputFormat.table:
        for note in dict.fromkeys(f"{e.outcome}: {e.note}" for e in effects if e.note):
            typer.echo(f"Note: {note}")
