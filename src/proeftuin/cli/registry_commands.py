"""Trial operations on the command line: users, enrolment, consent, randomization, imports, verify, export, purge.

Each command takes ``--db URL`` and, where roles apply, ``--user NAME`` (the acting user; the
permission matrix of :mod:`proeftuin.registry.roles` is enforced in the Python API). Errors are
one line on stderr with exit code 2; ``verify`` exits 1 when something differs.
"""


import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional, TypeVar

import typer

from proeftuin.cli.app import DEFAULT_DB, DbOption, app, fail

if TYPE_CHECKING:
    from pydantic import BaseModel

    from proeftuin.registry.settings import RegistrySettings

ModelT = TypeVar("ModelT", bound="BaseModel")

UserOption = Annotated[str, typer.Option("--user", help="The acting user (roles: admin, case-manager, researcher, auditor).")]
ExperimentOption = Annotated[str, typer.Option("--experiment", help="Experiment slug.")]
DateOption = Annotated[Optional[str], typer.Option("--on", help="Date (YYYY-MM-DD); today by default.")]

import_app = typer.Typer(help="Import monthly outcomes or survey answers (all or nothing).", no_args_is_help=True)
user_app = typer.Typer(help="Users and their roles.", no_args_is_help=True)
app.add_typer(import_app, name="import")
app.add_typer(user_app, name="user")


def settings_or_fail() -> "RegistrySettings":
    """The installation's settings from the environment; a weak or missing secret is an error."""
    from pydantic import ValidationError

    from proeftuin.registry.settings import RegistrySettings

    try:
        return RegistrySettings()
    except ValidationError as exc:
        first = exc.errors()[0]
        raise fail(f"settings: {first['msg'].removeprefix('Value error, ')}") from None


@contextmanager
def registry_errors() -> Iterator[None]:
    """Turn the registry's refusals into one error line and exit code 2."""
    from pydantic import ValidationError

    from proeftuin.design import SealError
    from proeftuin.registry.crud import RegistryError
    from proeftuin.rules import RulesError
    from proeftuin.workflow.tabular import TabularError

    try:
        yield
    except (RegistryError, TabularError, SealError, RulesError) as exc:
        raise fail(str(exc)) from None
    except ValidationError as exc:  # never echo the input: it may hold a BSN
        first = exc.errors()[0]
        raise fail(f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from None


def registry_engine(db: str):  # type: ignore[no-untyped-def]
    """The registry at ``db``, migrated; an unsupported or unreachable database is one error line."""
    from proeftuin.workflow.database import DatabaseUnavailable, writable_registry

    try:
        return writable_registry(db)
    except DatabaseUnavailable as exc:
        raise fail(str(exc)) from None


def _date(text: str | None) -> dt.date:
    if text is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise fail(f"--on: {text!r} is not a date (YYYY-MM-DD)") from None


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="User name.")],
    role: Annotated[str, typer.Option("--role", help="admin, case-manager, researcher or auditor.")],
    user: Annotated[Optional[str], typer.Option("--user", help="The acting admin (not needed for the first user).")] = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Add a user; the first user of a registry must be an admin.

    The web password is read from standard input (the first line; at least 12 characters), never
    from an argument, so it stays out of the shell history and the process list. An empty input
    makes a command-line-only user without web access.
    """
    import sys

    from proeftuin.registry.db import session_scope
    from proeftuin.registry.roles import Role, add_user
    from proeftuin.web.accounts import set_password

    try:
        parsed = Role(role)
    except ValueError:
        raise fail(f"--role must be one of {', '.join(r.value for r in Role)}; got {role!r}") from None
    password = "" if sys.stdin is None or sys.stdin.isatty() else sys.stdin.readline().rstrip("\r\n")
    with registry_errors(), session_scope(registry_engine(db)) as session:
        add_user(session=session, actor=user, name=name, role=parsed)
        if password:
            set_password(session=session, name=name, password=password)
    typer.echo(f"added {name} ({parsed.value}){', with a web password' if password else ''}")


@user_app.command("list")
def user_list(user: UserOption, db: DbOption = DEFAULT_DB) -> None:
    """The users of the registry: name, role, and whether they can log in to the web app (admins only)."""
    from proeftuin.registry.db import session_scope
    from proeftuin.registry.roles import list_users

    with registry_errors(), session_scope(registry_engine(db)) as session:
        users = list_users(session=session, actor=user)
    for u in users:
        typer.echo(f"{u.name}\t{u.role}\t{'web' if u.web_access else 'command line only'}")


@app.command()
def enrol(
    file: Annotated[Path, typer.Argument(help="CSV/Excel/Parquet: bsn, enrolled_on, baseline covariates (household_id, case_manager optional).")],
    experiment: ExperimentOption,
    user: UserOption,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Enrol eligible people (all or none); BSNs are checked and pseudonymized at the door, never stored.

    The columns besides bsn, enrolled_on, household_id, team, case_manager, benefit_type,
    exclusions and youngest_child_age are the baseline covariates the plan declares; a value the
    plan does not allow (an unknown category, a number out of range) is refused with the row, the
    column and the allowed values, and nobody is enrolled.
    """
    from proeftuin.registry.db import session_scope
    from proeftuin.registry.intake import enrol as enrol_people
    from proeftuin.registry.schemas import EnrolmentCreate

    settings = settings_or_fail()
    with registry_errors():
        people = read_rows(file, EnrolmentCreate)
        with rows_of(file), session_scope(registry_engine(db)) as session:
            enrolled = enrol_people(session=session, actor=user, slug=experiment, people=people, settings=settings)
    if enrolled and all(p.status == "unchanged" for p in enrolled):
        typer.echo(f"unchanged: {file.name}: all {len(enrolled)} people are enrolled in {experiment} already, with these facts; nothing written")
        return
    for person in enrolled:
        typer.echo(f"{person.pseudonym}\t{person.stratum}")
    typer.echo(f"enrolled {len(enrolled)} in {experiment}", err=True)


def read_rows(file: Path, model: type[ModelT], defaults: dict[str, object] | None = None) -> list[ModelT]:
    """Each row of ``file`` as ``model`` (empty cells take ``defaults``); the first bad row is a
    :class:`TabularError` naming the row and the column, never the value (it may be personal)."""
    from pydantic import ValidationError

    from proeftuin.workflow.tabular import TabularError, read_table, spreadsheet_row, text_records

    items = []
    for index, row in enumerate(text_records(read_table(file))):  # a Dutch file's decimal commas read
        record = {**(defaults or {}), **row}
        try:
            items.append(model.model_validate(record))
        except ValidationError as exc:
            first = exc.errors()[0]
            raise TabularError(file, first["msg"], column=str(first["loc"][0]) if first["loc"] else None, row=spreadsheet_row(index)) from None
    return items


@contextmanager
def rows_of(file: Path | None) -> Iterator[None]:
    """Turn the registry's refusal of the Nth item of a request into ``file, row N+1, column c: ...``."""
    from proeftuin.registry.intake import IntakeError
    from proeftuin.workflow.tabular import TabularError, spreadsheet_row

    try:
        yield
    except IntakeError as exc:
        if file is None:
            raise
        raise TabularError(file, exc.message, column=exc.column, row=spreadsheet_row(exc.person - 1)) from None


def _file_or_pseudonyms(targets: list[str]) -> Path | None:
    """The one file of a bulk request, or ``None`` when ``targets`` are pseudonyms."""
    if len(targets) == 1 and Path(targets[0]).suffix.lower() in {".csv", ".txt", ".xlsx", ".parquet"}:
        return Path(targets[0])
    return None


@app.command()
def consent(
    targets: Annotated[list[str], typer.Argument(
        help="A file (CSV/Excel/Parquet: pseudonym, and optionally on, text_version, kind given|withdrawn, keep_data) or pseudonym(s).",
        metavar="FILE|PSEUDONYM...")],
    experiment: ExperimentOption,
    user: UserOption,
    version: Annotated[Optional[str], typer.Option("--version", help="Version of the consent text signed (a file's default).")] = None,
    on: DateOption = None,
    withdraw: Annotated[bool, typer.Option("--withdraw", help="Record a withdrawal (the person stays in ITT).")] = False,
    delete_data: Annotated[bool, typer.Option("--no-keep-data", help="With --withdraw: data collected may not be used.")] = False,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Record informed consent (or its withdrawal) with its date and the consent-text version.

    ``consent FILE`` records one consent per row, all or nothing: a bad row is reported with its
    row and column and nothing is recorded. The options give the values of columns a file leaves out.
    """
    from proeftuin.registry.db import session_scope
    from proeftuin.registry.intake import record_consent
    from proeftuin.registry.schemas import ConsentCreate

    file = _file_or_pseudonyms(targets)
    defaults: dict[str, object] = {"on": _date(on).isoformat(), "kind": "withdrawn" if withdraw else "given", "keep_data": not delete_data}
    if version is not None:
        defaults["text_version"] = version
    with registry_errors():
        if file is not None:
            consents = read_rows(file, ConsentCreate, defaults)
        elif version is None:
            raise fail("--version (the consent text signed) is required with pseudonyms")
        else:
            consents = [ConsentCreate.model_validate({**defaults, "pseudonym": p}) for p in targets]
        with rows_of(file), session_scope(registry_engine(db)) as session:
            n = record_consent(session=session, actor=user, slug=experiment, consents=consents)
    kinds = {c.kind for c in consents}
    noun = "withdrawal" if kinds == {"withdrawn"} else "consent" if kinds == {"given"} else "consent record"
    if consents and n == 0:
        typer.echo(f"unchanged: {file.name if file else 'the pseudonyms given'}: every {noun} is recorded already; nothing written")
        return
    typer.echo(f"recorded {n} {noun}{'s' if n != 1 else ''}")


@app.command()
def randomize(
    experiment: ExperimentOption,
    user: UserOption,
    pseudonym: Annotated[Optional[list[str]], typer.Argument(help="Pseudonym(s), or one file with a pseudonym column; omit with --all.",
                                                             metavar="[FILE|PSEUDONYM...]")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Everyone consented and not yet randomized (own caseload for a case manager).")] = False,
    on: DateOption = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Randomize consented people through the sealed path (all or nothing); prints each arm and the regime that applies."""
    from pydantic import create_model

    from proeftuin.registry.allocate import randomize as randomize_people
    from proeftuin.registry.db import session_scope

    if bool(pseudonym) == all_:
        raise fail("give pseudonyms, a file or --all (not both)")
    settings = settings_or_fail()
    with registry_errors():
        file = _file_or_pseudonyms(pseudonym or [])
        row_model = create_model("PseudonymRow", pseudonym=(str, ...))  # other columns of the file are ignored
        people = [r.pseudonym.strip() for r in read_rows(file, row_model)] if file is not None else pseudonym  # type: ignore[attr-defined]
        with session_scope(registry_engine(db)) as session:
            assigned = randomize_people(session=session, actor=user, slug=experiment, pseudonyms=None if all_ else people, on=_date(on), settings=settings)
    for a in assigned:
        typer.echo(f"{a.pseudonym}\t{a.arm}\t{a.regime}")
    typer.echo(f"randomized {len(assigned)} in {experiment}", err=True)


@import_app.command("outcomes")
def import_outcomes(
    file: Annotated[Path, typer.Argument(help="CSV/Excel/Parquet: pseudonym, month, hours_per_week, contract, gross_earnings, on_benefit.")],
    experiment: ExperimentOption,
    user: UserOption,
    source: Annotated[str, typer.Option("--source", help="municipal or cbs.")] = "municipal",
    db: DbOption = DEFAULT_DB,
) -> None:
    """Import monthly labour records, all or nothing; the same file again changes nothing."""
    from proeftuin.workflow.imports import import_outcomes as run

    if source not in ("municipal", "cbs"):
        raise fail(f"--source must be municipal or cbs; got {source!r}")
    with registry_errors():
        result = run(registry_engine(db), file, slug=experiment, actor=user, source=source)  # type: ignore[arg-type]
    typer.echo(f"{result.status}: {file.name} revision {result.revision}, {result.rows} rows")


@import_app.command("survey")
def import_survey(
    file: Annotated[Path, typer.Argument(help="CSV/Excel/Parquet: pseudonym and the instrument's items.")],
    experiment: ExperimentOption,
    user: UserOption,
    wave: Annotated[int, typer.Option("--wave", help="Survey wave (0 = baseline).")],
    db: DbOption = DEFAULT_DB,
) -> None:
    """Import item-level survey answers of one wave; indices are scored from the items."""
    from proeftuin.workflow.imports import import_survey as run

    with registry_errors():
        result = run(registry_engine(db), file, slug=experiment, actor=user, wave=wave)
    typer.echo(f"{result.status}: {file.name} revision {result.revision}, {result.rows} rows")


@import_app.command("services")
def import_services(
    file: Annotated[Path, typer.Argument(help="CSV/Excel/Parquet: pseudonym, on, kind, minutes.")],
    experiment: ExperimentOption,
    user: UserOption,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Record the services participants actually received (contacts, coaching), all or nothing."""
    from proeftuin.workflow.imports import import_services as run

    with registry_errors():
        result = run(registry_engine(db), file, slug=experiment, actor=user)
    typer.echo(f"{result.status}: {file.name} revision {result.revision}, {result.rows} services")


@app.command()
def unseal(experiment: ExperimentOption, user: UserOption, db: DbOption = DEFAULT_DB) -> None:
    """Publish a closed experiment's randomization seed; it is checked against the commitment."""
    from proeftuin.registry.db import session_scope
    from proeftuin.registry.experiments import unseal as run

    settings = settings_or_fail()
    with registry_errors(), session_scope(registry_engine(db)) as session:
        seed = run(session=session, actor=user, slug=experiment, settings=settings)
    typer.echo(f"unsealed {experiment}: seed {seed}")


@app.command()
def verify(
    db: DbOption = DEFAULT_DB,
    user: Annotated[Optional[str], typer.Option("--user", help="The acting user (admin or auditor), checked when given.")] = None,
    head: Annotated[Optional[str], typer.Option("--head", help="A head kept outside the database (ID:HASH from --print-head); the chain must still hold it.")] = None,
    print_head: Annotated[bool, typer.Option("--print-head", help="Print only the chain's head (ID:HASH) to keep outside the database.")] = False,
) -> None:
    """Recompute every allocation, the keyed audit chain and every fact against it: exit 0 intact, 1 otherwise."""
    from pydantic import ValidationError

    from proeftuin.registry.audit import format_head
    from proeftuin.registry.db import session_scope
    from proeftuin.registry.settings import RegistrySettings
    from proeftuin.registry.verify import verify_registry

    try:
        settings: RegistrySettings | None = RegistrySettings()
    except ValidationError:
        settings = None  # sealed experiments and the keyed chain are then reported as not checkable
    with registry_errors(), session_scope(registry_engine(db)) as session:
        report = verify_registry(session=session, actor=user, settings=settings, head=head)
    if not report.intact:
        typer.echo(f"verify: {report.problems[0]}" + (f" (and {len(report.problems) - 1} more)" if len(report.problems) > 1 else ""), err=True)
        raise typer.Exit(code=1)
    if print_head:
        typer.echo(format_head(report.audit_events, report.head_hash))
        return
    legacy = f" ({report.legacy_events} of them an unkeyed legacy chain, from before migration 0006)" if report.legacy_events else ""
    typer.echo(f"intact: {report.experiments} experiments, {report.allocations} allocations recomputed, "
               f"{report.audit_events} audit events{legacy}, every fact matches the chain; head {format_head(report.audit_events, report.head_hash)}")
    if not report.keys_checked:
        typer.echo("verify: the chain's links were checked, not its keys: set PROEFTUIN_SEAL_KEY to check that no event was forged", err=True)


@app.command()
def export(
    what: Annotated[str, typer.Argument(help="participants, benefits, summary, reconciliation, services, audit or analysis.")],
    experiment: ExperimentOption,
    user: UserOption,
    out: Annotated[Path, typer.Option("--out", help="Output file (.csv, .xlsx or .parquet, by its suffix; for analysis as --format says).")],
    fmt: Annotated[Optional[str], typer.Option("--format", help="analysis only: dta, sav, parquet, csv or xlsx.")] = None,
    lang: Annotated[str, typer.Option("--lang", help="analysis only: language of the labels, nl or en (the codebook has both).")] = "nl",
    db: DbOption = DEFAULT_DB,
) -> None:
    """Export a pseudonymized table; aggregate cells under PROEFTUIN_MIN_CELL people are suppressed.

    ``analysis`` is the analysis file of the trial: one row per participant (pseudonym, arm,
    strata, covariates, every outcome of the standard analysis, the survey response indicator)
    with a codebook, as Stata .dta, SPSS .sav (variable and value labels), Parquet, CSV or Excel.
    It is person-level (pseudonymized): researchers only, and the export is audited.
    """
    if what == "analysis":
        from proeftuin.cli.analysis_file import export_analysis

        export_analysis(db=db, user=user, experiment=experiment, out=out, fmt=fmt, lang=lang)
        return
    if fmt is not None:
        raise fail(f"export {what}: --format is for the analysis file only (this export is written as its --out suffix says)")
    from proeftuin.workflow.export import ExportKind, export_table

    try:
        kind = ExportKind(what)
    except ValueError:
        raise fail(f"export: {what!r} is not one of {', '.join(k.value for k in ExportKind)}, analysis") from None
    settings = settings_or_fail()
    with registry_errors():
        rows = export_table(registry_engine(db), actor=user, slug=experiment, kind=kind, out=out, settings=settings)
    typer.echo(f"wrote {rows} rows to {out}")


@app.command()
def purge(
    experiment: ExperimentOption,
    user: UserOption,
    on: DateOption = None,
    yes: Annotated[bool, typer.Option("--yes", help="Confirm without typing the experiment's slug.")] = False,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Delete the person-level data of a closed experiment past its retention period (PROEFTUIN_RETENTION_MONTHS).

    Asks for the experiment's slug to be typed as confirmation, unless ``--yes``.
    """
    from proeftuin.registry.db import session_scope
    from proeftuin.registry.retention import purge_trial

    settings = settings_or_fail()
    if not yes:
        typed = typer.prompt(f"this deletes every person-level record of {experiment!r}; type its slug to confirm", default="", show_default=False)
        if typed.strip() != experiment:
            raise fail(f"purge: not confirmed (type {experiment!r}, or give --yes); nothing deleted")
    with registry_errors(), session_scope(registry_engine(db)) as session:
        purged = purge_trial(session=session, actor=user, slug=experiment, today=_date(on), settings=settings)
    typer.echo(f"{experiment}: {purged} participants purged")
