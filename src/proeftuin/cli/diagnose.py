"""``proeftuin diagnose``: bias, RMSE, power and coverage of a declared design, by simulation."""

from __future__ import annotations

from typing import Annotated

import typer

from proeftuin.cli.app import app, fail
from proeftuin.cli.render import OutputFormat, print_records


@app.command()
def diagnose(
    experiment: Annotated[str, typer.Option("--experiment", help="An experiment of the catalog (e.g. utrecht).")],
    outcome: Annotated[str, typer.Option("--outcome", help="A labour outcome or survey index.")] = "work_8h",
    sims: Annotated[int, typer.Option("--sims", help="Simulated trials.")] = 200,
    n: Annotated[int | None, typer.Option("--n", help="Participants per trial (default: the experiment's own).")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the simulations.")] = 1,
    no_effects: Annotated[bool, typer.Option("--no-effects", help="Every true effect zero: power is then the test's size.")] = False,
    level: Annotated[float, typer.Option("--level", help="Confidence level of the intervals.")] = 0.90,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="Output format.")] = OutputFormat.table,
) -> None:
    """Simulate the design many times (simulator, randomization, estimator) and summarise each arm's estimate."""
    from rich.progress import Progress

    from proeftuin.design import catalog_experiment
    from proeftuin.design.outcomes import OUTCOMES
    from proeftuin.simulate import Calibration
    from proeftuin.workflow.diagnose import diagnose_experiment

    try:
        spec = catalog_experiment(experiment)
    except KeyError as exc:
        raise fail(str(exc).strip("'\"")) from None
    if outcome not in OUTCOMES:
        raise fail(f"--outcome: unknown outcome {outcome!r} (known: {', '.join(OUTCOMES)})")
    if sims < 2 or (n is not None and n < 2 * len(spec.arms)) or seed < 0:
        raise fail("--sims must be at least 2, --n at least two people per arm, and --seed 0 or more")
    calibration = Calibration.default().without_effects() if no_effects else None
    try:
        with Progress(transient=True) as bar:
            task = bar.add_task(f"{spec.municipality}: {outcome}", total=sims)
            result = diagnose_experiment(
                spec, outcome=outcome, n=n, n_sims=sims, seed=seed, calibration=calibration, level=level,
                progress=lambda done: bar.update(task, completed=done),
            )
    except ValueError as exc:
        raise fail(str(exc)) from None
    records = [
        {"arm": arm, "true_effect": d.mean_estimand, "mean_estimate": d.mean_estimate, "bias": d.bias, "bias_se": d.bias_se,
         "rmse": d.rmse, "power": d.power, "coverage": d.coverage, "coverage_se": d.coverage_se}
        for arm, d in result.items()
    ]
    if fmt is OutputFormat.table:  # the diagnosands a reader compares; the Monte Carlo errors are in json/csv
        records = [{"arm": r["arm"], "true effect": f"{r['true_effect']:.4f}", "bias": f"{r['bias']:+.4f}", "rmse": f"{r['rmse']:.4f}",
                    "power": f"{r['power']:.2f}", "coverage": f"{r['coverage']:.2f}"} for r in records]
    print_records(records, fmt, envelope={"experiment": experiment, "outcome": outcome, "sims": sims, "level": level},
                  key="arms", title=f"{spec.municipality}, {outcome}: {sims} simulated trials ({level:.0%} intervals)")
