"""``proeftuin power``: minimum detectable effect or sample size per arm, before the start."""


from typing import Annotated

import typer

from proeftuin.cli.app import app, fail
from proeftuin.cli.render import OutputFormat, print_csv, print_json, print_table


_FLAGS = {
    "control_mean": "--control-mean", "sd": "--sd", "n_per_arm": "--n-per-arm", "arms": "--arms",
    "ratio": "--ratio", "power": "--power", "r2": "--r2", "icc": "--icc", "cluster_size": "--cluster-size",
    "level": "--level",
}


def _flag_names(message: str) -> str:
    """The library names its arguments (``cluster_size``); a CLI user typed ``--cluster-size``."""
    first, _, rest = message.partition(" ")
    return f"{_FLAGS[first]} {rest}" if first in _FLAGS else message


@app.command()
def power(
    control_mean: Annotated[float | None, typer.Option("--control-mean", help="Binary outcome: the control group's share P.")] = None,
    sd: Annotated[float | None, typer.Option("--sd", help="Continuous outcome: its standard deviation S.")] = None,
    n_per_arm: Annotated[int | None, typer.Option("--n-per-arm", help="Participants per arm: report the MDE.")] = None,
    mde: Annotated[float | None, typer.Option("--mde", help="Effect to detect: report the participants per arm.")] = None,
    arms: Annotated[int, typer.Option("--arms", help="Treatment arms, each compared with control.")] = 1,
    ratio: Annotated[float, typer.Option("--ratio", help="Arm size / control size.")] = 1.0,
    bonferroni: Annotated[bool, typer.Option("--bonferroni", help="Divide alpha by the number of arms.")] = False,
    level: Annotated[float, typer.Option("--level", help="Confidence level (alpha = 1 - level, two-sided).")] = 0.90,
    target_power: Annotated[float, typer.Option("--power", help="Target power.")] = 0.8,
    r2: Annotated[float, typer.Option("--r2", help="Outcome variance explained by baseline covariates.")] = 0.0,
    icc: Annotated[float | None, typer.Option("--icc", help="Intra-cluster correlation (with --cluster-size).")] = None,
    cluster_size: Annotated[float | None, typer.Option("--cluster-size", help="Participants per cluster (with --icc).")] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="Output format.")] = OutputFormat.table,
) -> None:
    """Minimum detectable effect (given --n-per-arm) or participants per arm (given --mde)."""
    from proeftuin.analysis.power import PowerDesign, minimum_detectable_effect, sample_size

    if (control_mean is None) == (sd is None):
        raise fail("give exactly one of --control-mean (binary outcome) and --sd (continuous outcome)")
    if (n_per_arm is None) == (mde is None):
        raise fail("give exactly one of --n-per-arm (to get the MDE) and --mde (to get the sample size)")
    if (icc is None) != (cluster_size is None):
        raise fail("--icc and --cluster-size go together")
    try:
        design = PowerDesign(
            control_mean=control_mean, sd=sd, arms=arms, ratio=ratio, level=level, power=target_power,
            r2=r2, icc=icc or 0.0, cluster_size=cluster_size or 1.0, bonferroni=bonferroni,
        )
        if n_per_arm is not None:
            record: dict[str, float | int] = {"mde": minimum_detectable_effect(n_per_arm, design)}
        else:
            size = sample_size(mde, design)  # type: ignore[arg-type]
            record = {"n_per_arm": size.n_per_arm, "n_control": size.n_control, "n_total": size.n_total}
    except ValueError as exc:
        raise fail(_flag_names(str(exc))) from None
    if fmt is OutputFormat.json:
        print_json(record)
    elif fmt is OutputFormat.csv:
        print_csv([record])
    else:
        print_table([record], title=f"Power {target_power:.0%}, two-sided alpha {design.alpha:.3g}")
