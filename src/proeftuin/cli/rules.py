"""``proeftuin rules test`` (the YAML tests) and ``proeftuin rules list`` (the parameters)."""


from typing import Annotated

import typer

from proeftuin.cli.app import app
from proeftuin.cli.render import OutputFormat, print_records

rules_app = typer.Typer(help="De regels van de Participatiewet: testen en parameters.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")


@rules_app.command("test")
def test() -> None:
    """Run the YAML tests of the rules (exit 1 if any fails)."""
    from proeftuin.rules import run_yaml_tests

    passed, failed, messages = run_yaml_tests()
    for message in messages:
        typer.echo(message, err=True)
    typer.echo(f"{passed} passed, {failed} failed")
    if failed:
        raise typer.Exit(code=1)


@rules_app.command("list")
def list_parameters(
    fmt: Annotated[OutputFormat, typer.Option("--format", help="table, json of csv.")] = OutputFormat.table,
) -> None:
    """List every parameter with its dated values, unit and legal source."""
    from proeftuin.rules import parameters

    records = [
        {
            "name": p.name,
            "label": p.label,
            "unit": p.unit,
            "values": "; ".join(f"{start}: {value:g}" for start, value in p.values),
            "reference": p.reference_name,
            "href": p.reference_href,
            "assumption": p.assumption,
        }
        for p in parameters()
    ]
    print_records(records, fmt, title="Parameters (bron: wetten.overheid.nl)")
