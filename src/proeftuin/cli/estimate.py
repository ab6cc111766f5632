"""``proeftuin estimate FILE``: effects of each arm against control, from a participant file."""


from pathlib import Path
from typing import Annotated

import typer

from proeftuin.cli.app import app, fail
from proeftuin.cli.render import OutputFormat, compact_effect_rows, effect_records, print_records


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()] if value else []


def _is_dataset(path: Path) -> bool:
    """A folder or glob of Parquet parts (not one file): read by the register-scale reader."""
    return path.is_dir() or any(ch in str(path) for ch in "*?[")


def _estimate_on_engine(engine: str, spark_master: str | None, path: Path, *, extras: dict[str, object], **options: object):  # noqa: ANN202
    """``estimate --engine``: the register-scale use case; options it does not offer are errors."""
    from proeftuin.analysis.options import check_option
    from proeftuin.scale import Engine
    from proeftuin.workflow.register import estimate_dataset

    check_option("--engine", engine, Engine)
    if engine != "memory":
        for flag, value in extras.items():
            if value is not None:
                raise ValueError(f"{flag} is not available with --engine {engine}; use --engine memory")
    elif any(value is not None for value in extras.values()):
        raise ValueError("a Parquet folder or glob is estimated without --covariates or --lin")
    if spark_master is not None and engine != "spark":
        raise ValueError("--spark-master is for --engine spark")
    return estimate_dataset(path, engine=engine, spark_master=spark_master, **options)  # type: ignore[arg-type]


@app.command()
def estimate(
    file: Annotated[Path, typer.Argument(help="CSV or Parquet file, one row per participant (Parquet: also a folder or glob).")],
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
    engine: Annotated[str, typer.Option("--engine", help="memory (numpy, the reference), duckdb or spark (Parquet at register scale).")] = "memory",
    spark_master: Annotated[str | None, typer.Option("--spark-master", help="Spark master URL for --engine spark (default local[*]).")] = None,
) -> None:
    """Estimate the intent-to-treat effect of every arm on every outcome (OLS, robust SE, t intervals)."""
    from proeftuin.workflow.estimate import estimate_file

    if not 0.0 < level < 1.0:
        raise fail(f"--level must be between 0 and 1; got {level}")
    try:
        effects = _estimate_on_engine(
            engine, spark_master, file, outcomes=outcome, arm=arm, control=control, strata=strata, cluster=cluster,
            vcov=vcov, level=level, ri_draws=ri, seed=seed, extras={"--covariates": covariates, "--lin": lin or None},
        ) if engine != "memory" or _is_dataset(file) else estimate_file(
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
