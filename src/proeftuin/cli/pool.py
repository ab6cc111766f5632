"""``proeftuin pool FILE``: pool effects across municipalities (random-effects meta-analysis)."""


import warnings
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from proeftuin.cli.app import app, fail
from proeftuin.cli.render import OutputFormat, print_csv, print_json, print_table

POOL_FIELDS = (
    "method", "k", "estimate", "std_error", "ci_low", "ci_high", "tau2", "i2", "q", "q_p_value",
    "prediction_low", "prediction_high",
)
"""The stable JSON keys of ``proeftuin pool`` (I^2 in percent)."""


class PoolMethod(str, Enum):
    """``--method``: the tau^2 estimator."""

    reml = "reml"
    dl = "dl"
    pm = "pm"
    fe = "fe"


@app.command()
def pool(
    file: Annotated[Path, typer.Argument(help="CSV or Parquet file, one row per estimate (municipality, arm).")],
    estimate: Annotated[str, typer.Option("--estimate", help="Column holding the effect estimates.")],
    std_error: Annotated[str, typer.Option("--std-error", help="Column holding their standard errors.")],
    label: Annotated[str | None, typer.Option("--label", help="Column naming each estimate.")] = None,
    method: Annotated[PoolMethod, typer.Option("--method", help="tau^2 estimator.")] = PoolMethod.reml,
    hksj: Annotated[bool, typer.Option("--hksj", help="Hartung-Knapp-Sidik-Jonkman t intervals.")] = False,
    hksj_truncated: Annotated[bool, typer.Option("--hksj-truncated", help="HKSJ with its scale truncated at 1 (Knapp-Hartung; metafor's test='adhoc'); implies --hksj.")] = False,
    level: Annotated[float, typer.Option("--level", help="Confidence level of the intervals.")] = 0.90,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="Output format.")] = OutputFormat.table,
) -> None:
    """Pool estimates by fixed- or random-effects meta-analysis (REML by default, as metafor)."""
    from proeftuin.workflow.diagnostics import pool_file_forest
    from proeftuin.workflow.tabular import TabularError

    if not 0.0 < level < 1.0:
        raise fail(f"--level must be between 0 and 1; got {level}")
    hksj = hksj or hksj_truncated
    try:
        with warnings.catch_warnings():  # the warnings are in result.notes, printed below
            warnings.simplefilter("ignore", UserWarning)
            result, forest = pool_file_forest(file, estimate=estimate, std_error=std_error, label=label, method=method.value,
                                              hksj=hksj, level=level, hksj_truncation=hksj_truncated)
    except TabularError as exc:
        raise fail(str(exc)) from None
    for note in result.notes:
        typer.echo(f"Note: {note}", err=True)
    record: dict[str, Any] = {key: getattr(result, key) for key in POOL_FIELDS}
    if fmt is OutputFormat.json:
        print_json(record)
    elif fmt is OutputFormat.csv:
        print_csv([record])
    else:
        print_table(forest, title=f"Forest plot rows ({level:.0%} CI; the pooled effect last)")
        print_table([{"quantity": key, "value": value} for key, value in record.items()],
                    title=f"Pooled ({method.value}{', HKSJ' if hksj else ''}{' truncated' if hksj_truncated else ''}, {level:.0%} CI; I^2 in %)")
