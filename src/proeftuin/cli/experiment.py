"""``proeftuin experiment create --plan FILE``, ``list``, ``template`` (a commented plan) and ``schema`` (its JSON Schema)."""


from pathlib import Path
from typing import Annotated

import typer

from proeftuin.cli.app import DEFAULT_DB, DbOption, app, fail
from proeftuin.cli.registry_commands import DateOption, ExperimentOption, UserOption, registry_errors, settings_or_fail

experiment_app = typer.Typer(
    help="Experiments: create one from its plan (sealing its randomization), close its recruitment, list them; "
    "print a plan template or the plan schema.",
    no_args_is_help=True,
)
app.add_typer(experiment_app, name="experiment")


@experiment_app.command("create")
def create(
    plan: Annotated[Path, typer.Option("--plan", help="YAML trial plan (see: proeftuin experiment template; proeftuin experiment schema).")],
    user: UserOption,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Create an experiment from its plan and seal its randomization; prints the seed commitment."""
    from proeftuin.design import PlanError, TrialPlan
    from proeftuin.registry.db import make_engine, migrate, session_scope
    from proeftuin.registry.experiments import create_trial

    try:
        trial_plan = TrialPlan.from_yaml(plan)
    except PlanError as exc:
        raise fail(str(exc)) from None
    settings = settings_or_fail()
    engine = make_engine(db)
    migrate(engine)
    with registry_errors(), session_scope(engine) as session:
        seal = create_trial(session=session, actor=user, plan=trial_plan, settings=settings)
        typer.echo(f"created {trial_plan.experiment.slug}: {seal.method} ({seal.version}); seed commitment SHA-256 {seal.commitment}")


@experiment_app.command("close")
def close(experiment: ExperimentOption, user: UserOption, on: DateOption = None, db: DbOption = DEFAULT_DB) -> None:
    """End recruitment: no enrolment, consent or randomization after this; the seed may then be unsealed."""
    import datetime as dt

    from proeftuin.registry.db import make_engine, migrate, session_scope
    from proeftuin.registry.experiments import close as close_trial

    try:
        when = dt.date.fromisoformat(on) if on else dt.date.today()
    except ValueError:
        raise fail(f"--on: {on!r} is not a date (YYYY-MM-DD)") from None
    engine = make_engine(db)
    migrate(engine)
    with registry_errors(), session_scope(engine) as session:
        close_trial(session=session, actor=user, slug=experiment, on=when)
    typer.echo(f"closed {experiment}: recruitment ended on {when}")


@experiment_app.command("list")
def list_(user: UserOption, db: DbOption = DEFAULT_DB) -> None:
    """The experiments in the registry, with their seal commitment and numbers randomized."""
    from proeftuin.registry.db import make_engine, migrate, session_scope
    from proeftuin.registry.listings import experiment_seals
    from proeftuin.registry.roles import Operation, authorize

    engine = make_engine(db)
    migrate(engine)
    with registry_errors(), session_scope(engine) as session:
        authorize(session=session, actor=user, operation=Operation.list_experiments)
        for e in experiment_seals(session=session):
            sealed = f"{e.method}, {e.allocated} randomized, commitment {e.commitment[:16]}..." if e.commitment else "no sealed randomization"
            typer.echo(f"{e.slug}\t{e.municipality}\t{e.start} - {e.end}\t{e.status}\t{sealed}")


@experiment_app.command("template")
def template() -> None:
    """Print a complete, commented plan of a two-arm trial, to fill in (it validates as printed)."""
    from proeftuin.design import plan_template

    typer.echo(plan_template(), nl=False)


@experiment_app.command("schema")
def schema() -> None:
    """Print the plan's JSON Schema (draft 2020-12), for editors and other tools."""
    from proeftuin.design import plan_json_schema_text

    typer.echo(plan_json_schema_text(), nl=False)
