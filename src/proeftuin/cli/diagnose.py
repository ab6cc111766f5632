"""``proeftuin diagnose``: bias, RMSE, power and coverage of a declared design, by simulation."""


from pathlib import Path
from typing import Annotated, Optional

import typer

from proeftuin.cli.app import app, fail
from proeftuin.cli.render import OutputFormat, print_records


@app.command()
def diagnose(
    experiment: Annotated[Optional[str], typer.Option("--experiment", help="An experiment of the catalog (e.g. utrecht).")] = None,
    plan_file: Annotated[Optional[Path], typer.Option("--plan", help="A trial plan (YAML) instead: a trial in no catalog.")] = None,
    outcome: Annotated[str, typer.Option("--outcome", help="A labour outcome or survey index.")] = "work_8h",
    sims: Annotated[int, typer.Option("--sims", help="Simulated trials.")] = 200,
    n: Annotated[int | None, typer.Option("--n", help="Participants per trial (default: the experiment's own).")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the simulations.")] = 1,
    no_effects: Annotated[bool, typer.Option("--no-effects", help="Every true effect zero: power is then the test's size.")] = False,
    level: Annotated[float, typer.Option("--level", help="Confidence level of the intervals.")] = 0.90,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="Output format.")] = OutputFormat.table,
) -> None:
    """Simulate the design many times (simulator, randomization, estimator) and summarise each arm's estimate.

    With ``--plan FILE`` the simulated people have the plan's declared covariates, are randomized
    within its strata, and the estimator adjusts for its covariates.
    """
    from rich.progress import Progress

    from proeftuin.design import PlanError, TrialPlan, catalog_plan
    from proeftuin.design.outcomes import LABOUR_OUTCOMES, SURVEY_INDICES
    from proeftuin.simulate import Calibration
    from proeftuin.workflow.diagnose import diagnose_experiment

    if (experiment is None) == (plan_file is None):
        raise fail("give --experiment (a catalog trial) or --plan FILE (not both)")
    plan: TrialPlan | None = None
    if plan_file is not None:
        try:
            plan = TrialPlan.from_yaml(plan_file)
        except PlanError as exc:
            raise fail(str(exc)) from None
        spec = plan.experiment
        known = [o.name for o in plan.outcomes.labour] + [o.name for o in SURVEY_INDICES if o.name in plan.survey.indices]
    else:
        try:
            spec = catalog_plan(str(experiment)).experiment
        except KeyError as exc:
            raise fail(str(exc).strip("'\"")) from None
        known = [o.name for o in (*LABOUR_OUTCOMES, *SURVEY_INDICES)]
    if outcome not in known:
        raise fail(f"--outcome: unknown outcome {outcome!r} for this trial (simulated: {', '.join(known)})")
    if sims < 2 or (n is not None and n < 2 * len(spec.arms)) or seed < 0:
        raise fail("--sims must be at least 2, --n at least two people per arm, and --seed 0 or more")
    calibration = Calibration.default().without_effects() if no_effects else None
    try:
        with Progress(transient=True) as bar:
            task = bar.add_task(f"{spec.municipality}: {outcome}", total=sims)
            result = diagnose_experiment(
                spec, plan=plan, outcome=outcome, n=n, n_sims=sims, seed=seed, calibration=calibration, level=level,
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
    print_records(records, fmt, envelope={"experiment": spec.slug, "outcome": outcome, "sims": sims, "level": level},
                  key="arms", title=f"{spec.municipality}, {outcome}: {sims} simulated trials ({level:.0%} intervals)")
