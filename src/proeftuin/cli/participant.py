"""``proeftuin participant correct`` (an audited correction of a baseline record) and ``proeftuin invite FILE``."""


from pathlib import Path
from typing import Annotated, Optional

import typer

from proeftuin.cli.app import DEFAULT_DB, DbOption, app, fail
from proeftuin.cli.registry_commands import (
    DateOption,
    ExperimentOption,
    UserOption,
    _date,
    registry_engine,
    _file_or_pseudonyms,
    read_rows,
    registry_errors,
    rows_of,
    settings_or_fail,
)

participant_app = typer.Typer(help="Participants: correct a baseline record, record the treatment chosen in a choice arm (audited).",
                              no_args_is_help=True)
app.add_typer(participant_app, name="participant")


@participant_app.command("correct")
def correct(
    target: Annotated[str, typer.Argument(help="A pseudonym, or a file (CSV/Excel/Parquet: pseudonym, reason, and a column per covariate to change).",
                                          metavar="PSEUDONYM|FILE")],
    experiment: ExperimentOption,
    user: UserOption,
    set_: Annotated[Optional[list[str]], typer.Option("--set", help="COVARIATE=VALUE (repeatable), with a pseudonym.")] = None,
    reason: Annotated[Optional[str], typer.Option("--reason", help="Why the record is corrected (kept in the audit log).")] = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Correct baseline covariates (all or nothing), each change audited with its reason.

    The new values are checked against the plan like an enrolment. A covariate the randomization
    used (a stratum, a minimization factor) cannot be changed after the person is randomized.
    """
    from proeftuin.registry.db import session_scope
    from proeftuin.registry.intake import correct_baseline
    from proeftuin.registry.schemas import CorrectionCreate

    file = _file_or_pseudonyms([target])
    with registry_errors():
        if file is not None:
            if set_ or reason:
                raise fail("with a file, the changes and the reason are its columns (no --set or --reason)")
            corrections = read_rows(file, CorrectionCreate)
        else:
            if not set_ or not reason:
                raise fail("give --set COVARIATE=VALUE (one or more) and --reason")
            changes: dict[str, str | int | float | bool | None] = {}
            for item in set_:
                name, sep, value = item.partition("=")
                if not sep or not name.strip():
                    raise fail(f"--set: {item!r} is not COVARIATE=VALUE")
                changes[name.strip()] = value.strip()
            corrections = [CorrectionCreate(pseudonym=target, changes=changes, reason=reason)]
        with rows_of(file), session_scope(registry_engine(db)) as session:
            corrected = correct_baseline(session=session, actor=user, slug=experiment, corrections=corrections)
    for person in corrected:
        typer.echo(f"{person.pseudonym}\t{person.stratum}")
    typer.echo(f"corrected {len(corrected)} in {experiment}", err=True)


@participant_app.command("choose")
def choose(
    pseudonym: Annotated[str, typer.Argument(help="Pseudonym of a participant randomized to a choice arm.")],
    arm: Annotated[str, typer.Option("--arm", help="The code of the treatment arm chosen (one of the choice arm's choice_of).")],
    experiment: ExperimentOption,
    user: UserOption,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Record the treatment a participant of a choice arm chose; its benefit regime applies from then on."""
    from proeftuin.registry.db import session_scope
    from proeftuin.registry.intake import record_choice

    with registry_errors(), session_scope(registry_engine(db)) as session:
        regime = record_choice(session=session, actor=user, slug=experiment, pseudonym=pseudonym, arm=arm)
    typer.echo(f"{pseudonym}\t{arm}\t{regime}")


@app.command()
def invite(
    file: Annotated[Path, typer.Argument(help="CSV/Excel/Parquet: bsn, invited_on, and optionally status (invited|declined), answered_on.")],
    experiment: ExperimentOption,
    user: UserOption,
    on: DateOption = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Record who was invited and who declined (all or nothing); BSNs are pseudonymized at the door.

    For a plan with ``invitations: {recorded: true}`` (a design randomized before invitation, or a
    reference group of the invited who did not take part). Enrolment marks an invitation enrolled.
    """
    from proeftuin.registry.db import session_scope
    from proeftuin.registry.intake import record_invitations
    from proeftuin.registry.schemas import InvitationCreate

    settings = settings_or_fail()
    with registry_errors():
        invitations = read_rows(file, InvitationCreate, {"invited_on": _date(on).isoformat()})
        with rows_of(file), session_scope(registry_engine(db)) as session:
            n = record_invitations(session=session, actor=user, slug=experiment, invitations=invitations, settings=settings)
    if invitations and n == 0:
        typer.echo(f"unchanged: {file.name}: all {len(invitations)} invitations are recorded in {experiment} already, as they stand; nothing written")
        return
    typer.echo(f"recorded {n} invitation{'s' if n != 1 else ''} in {experiment}")

