"""``proeftuin analyze --experiment SLUG --plan FILE``: run a frozen pre-analysis plan."""


from pathlib import Path
from typing import Annotated, Any

import typer

from proeftuin.cli.app import DEFAULT_DB, DbOption, app, fail
from proeftuin.cli.render import OutputFormat, compact_effect_rows, effect_records, print_records


@app.command()
def analyze(
    experiment: Annotated[str, typer.Option("--experiment", help="Slug of the experiment in the database.")],
    plan: Annotated[Path, typer.Option("--plan", help="The pre-analysis plan (YAML).")],
    extra_outcome: Annotated[list[str] | None, typer.Option("--extra-outcome", help="An outcome beyond the plan (exploratory; repeat for more).")] = None,
    db: DbOption = DEFAULT_DB,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="Output format.")] = OutputFormat.table,
) -> None:
    """Run exactly the plan: every result is pre-specified, anything added is exploratory; the plan hash is stated."""
    from proeftuin.analysis import EffectTable
    from proeftuin.design.analysis_plan import AnalysisPlan, PlanError
    from proeftuin.registry import RegistryError
    from proeftuin.workflow.analyze import analyze_plan
    from proeftuin.workflow.database import DatabaseUnavailable, existing_registry, reading

    try:
        engine = existing_registry(db)
    except DatabaseUnavailable as exc:
        raise fail(str(exc)) from None
    try:
        frozen = AnalysisPlan.from_yaml(plan)
        with reading(db):
            run = analyze_plan(engine, slug=experiment, plan=frozen, extra_outcomes=extra_outcome or (), source=str(plan))
    except (PlanError, RegistryError, DatabaseUnavailable) as exc:
        raise fail(str(exc)) from None
    finally:
        engine.dispose()
    records: list[dict[str, Any]] = []
    for item, record in zip(run.effects, effect_records(EffectTable(e.effect for e in run.effects))):
        records.append({"family": item.family, **record, "p_adjusted": item.p_adjusted,
                        "adjustment": item.adjustment, "pre_specified": item.pre_specified})
    header = {"experiment": run.experiment, "plan_sha256": run.plan_sha256, "plan_title": frozen.title,
              "level": frozen.level, "vcov": frozen.estimator.vcov, "lin": frozen.estimator.lin}
    if fmt is OutputFormat.json:
        subgroups = [vars(test) for test in run.subgroup_tests]
        print_records(records, fmt, envelope={**header, "subgroup_tests": subgroups}, key="effects")
        return
    if fmt is OutputFormat.csv:
        print_records([{**r, "plan_sha256": run.plan_sha256} for r in records], fmt)
        return
    rows = compact_effect_rows(records, frozen.level)
    print_records(rows, fmt, title=f"{experiment}: plan sha256 {run.plan_sha256} ({frozen.level:.0%} CI, {frozen.estimator.vcov})")
    if run.subgroup_tests:
        tests = [{"subgroup": t.subgroup, "outcome": t.outcome, "arm": t.arm, "F": t.statistic, "p": t.p_value} for t in run.subgroup_tests]
        print_records(tests, fmt, title="Pre-specified subgroup interaction tests")
