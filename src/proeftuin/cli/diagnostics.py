"""``proeftuin balance FILE`` and ``proeftuin attrition FILE``: checks before outcomes are read."""


from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer

from proeftuin.cli.app import app, fail
from proeftuin.cli.render import OutputFormat, compact_effect_rows, effect_records, print_csv, print_json, print_table

ArmOption = Annotated[str, typer.Option("--arm", help="Column holding each participant's arm.")]
ControlOption = Annotated[str, typer.Option("--control", help="Value of --arm that marks the control group.")]
FormatOption = Annotated[OutputFormat, typer.Option("--format", help="Output format.")]


@app.command()
def balance(
    file: Annotated[Path, typer.Argument(help="CSV or Parquet file, one row per participant.")],
    arm: ArmOption,
    control: ControlOption,
    covariates: Annotated[str, typer.Option("--covariates", help="Comma-separated baseline covariates.")],
    ri: Annotated[int, typer.Option("--ri", help="Re-randomizations for the omnibus test (0: none).")] = 0,
    strata: Annotated[str | None, typer.Option("--strata", help="Column of the randomization strata (for --ri).")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the re-randomizations.")] = 0,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Baseline balance: means per arm, standardized differences, HC2 tests and an omnibus test."""
    from proeftuin.workflow.diagnostics import balance_file
    from proeftuin.workflow.tabular import TabularError

    if ri < 0:
        raise fail(f"--ri must be 0 or more; got {ri}")
    if seed < 0:
        raise fail(f"--seed must be 0 or more; got {seed}")
    names = [part.strip() for part in covariates.split(",") if part.strip()]
    try:
        table = balance_file(file, arm=arm, control=control, covariates=names, ri_draws=ri, seed=seed, strata=strata)
    except TabularError as exc:
        raise fail(str(exc)) from None
    omnibus = asdict(table.omnibus)
    if fmt is OutputFormat.json:
        print_json({"control": table.control, "rows": table.to_records(), "omnibus": omnibus})
    elif fmt is OutputFormat.csv:
        print_csv(table.to_records())
    else:
        print_table(table.to_records(), title=f"Balance against {control!r} (std_diff: pooled-SD convention)")
        print_table([omnibus], title="Omnibus test (HC2 Wald; ri_p_value by re-randomization)")


@app.command()
def attrition(
    file: Annotated[Path, typer.Argument(help="CSV or Parquet file, one row per participant.")],
    arm: ArmOption,
    control: ControlOption,
    outcome: Annotated[str, typer.Option("--outcome", help="Outcome column; a missing value means no response.")],
    level: Annotated[float, typer.Option("--level", help="Confidence level of the intervals.")] = 0.90,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Response rates per arm, the test of differential attrition, and Lee (2009) bounds."""
    from proeftuin.workflow.diagnostics import attrition_file
    from proeftuin.workflow.tabular import TabularError

    if not 0.0 < level < 1.0:
        raise fail(f"--level must be between 0 and 1; got {level}")
    try:
        result = attrition_file(file, arm=arm, control=control, outcome=outcome, level=level)
    except TabularError as exc:
        raise fail(str(exc)) from None
    rates = [asdict(rate) for rate in result.report.rates]
    differences = effect_records(result.report.differences)
    joint = asdict(result.report.joint)
    bounds = [asdict(bound) for bound in result.bounds]
    if fmt is OutputFormat.json:
        payload: dict[str, Any] = {
            "outcome": outcome, "control": control, "rates": rates, "differences": differences,
            "joint_test": joint, "lee_bounds": bounds,
        }
        print_json(payload)
    elif fmt is OutputFormat.csv:
        print_csv(rates)
    else:
        print_table(rates, title=f"Response rates ({outcome!r} observed)")
        print_table(compact_effect_rows(differences, level), title=f"Difference in response rate against {control!r} (HC2)")
        print_table([joint], title="Joint test of differential attrition (HC2 F)")
        print_table(bounds, title="Lee (2009) bounds")
