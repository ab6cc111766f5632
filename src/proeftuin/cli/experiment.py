"""``proeftuin experiment create --plan FILE`` and ``proeftuin experiment list``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from proeftuin.cli.app import DEFAULT_DB, DbOption, app, fail
from proeftuin.cli.registry_commands import DateOption, ExperimentOption, UserOption, registry_errors, settings_or_fail

experiment_app = typer.Typer(help="Experiments: create one from its plan (sealing its randomization), close its recruitment, list them.",
                             no_args_is_help=True)
app.add_typer(experiment_app, name="experiment")


@experiment_app.command("create")
def create(
    plan: Annotated[Path, typer.Option("--plan", help="YAML trial plan (experiment, randomization, eligibility, consent, survey).")],
    user: UserOption,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Create an experiment from its plan and seal its randomization; prints the seed commitment."""
    from pydantic import ValidationError

    from proeftuin.design import TrialPlan
    from proeftuin.registry.db import make_engine, migrate, session_scope
    from proeftuin.registry.experiments import create_trial

    try:
        trial_plan = TrialPlan.from_yaml(plan)
    except FileNotFoundError:
        raise fail(f"{plan}: file not found") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        raise fail(f"{plan}: {'.'.join(map(str, first['loc']))}: {first['msg']}") from None
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
    from sqlalchemy import select

    from proeftuin.registry.db import make_engine, migrate, session_scope
    from proeftuin.registry.models import Experiment, Seal
    from proeftuin.registry.roles import Operation, authorize

    engine = make_engine(db)
    migrate(engine)
    with registry_errors(), session_scope(engine) as session:
        authorize(session=session, actor=user, operation=Operation.list_experiments)
        for experiment, seal in session.execute(select(Experiment, Seal).outerjoin(Seal, Seal.experiment_id == Experiment.id).order_by(Experiment.id)):
            sealed = f"{seal.method}, {seal.allocated} randomized, commitment {seal.commitment[:16]}..." if seal else "no sealed randomization"
            typer.echo(f"{experiment.slug}\t{experiment.municipality}\t{experiment.start_date} - {experiment.end_date}\t{experiment.status}\t{sealed}")
