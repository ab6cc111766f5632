"""``proeftuin benefit``: one person-month's benefit; ``proeftuin benefit curve``: does work pay?"""


import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import typer

from proeftuin.cli.app import app, fail
from proeftuin.cli.render import OutputFormat, print_json, print_records
from proeftuin.report.i18n import Lang

benefit_app = typer.Typer(
    invoke_without_command=True,
    help="Bijstand voor een persoon en maand (of: 'benefit curve' voor netto inkomen naar uren).",
)
app.add_typer(benefit_app, name="benefit")

DateOpt = Annotated[str | None, typer.Option("--date", help="Datum (YYYY-MM-DD).")]
HouseholdOpt = Annotated[
    str | None, typer.Option("--household", help="single, single-parent of couple.")
]
AgeOpt = Annotated[
    float | None, typer.Option("--age", help="Leeftijd; zonder: 27 tot AOW-leeftijd.")
]
CostSharersOpt = Annotated[
    int,
    typer.Option("--cost-sharers", help="A van art. 22a: aanvrager plus medebewoners 27+ (21+ tot 2023; 1 = geen)."),
]
ChildOpt = Annotated[
    float | None, typer.Option("--youngest-child-age", help="Leeftijd jongste kind.")
]
MonthOpt = Annotated[
    int, typer.Option("--disregard-month", help="De K-de aaneengesloten maand van vrijlating.")
]


_FLAGS = {
    "age": "--age", "earnings": "--earnings", "cost_sharers": "--cost-sharers",
    "youngest_child_age": "--youngest-child-age", "disregard_month": "--disregard-month",
    "hours_per_week": "--hours",
}


def _flag_names(message: str) -> str:
    """The rules name their inputs (``cost_sharers``); a CLI user typed ``--cost-sharers``."""
    first, _, rest = message.partition(" ")
    return f"{_FLAGS[first]} {rest}" if first in _FLAGS else message


def _in_cents(record: Mapping[str, object]) -> dict[str, object]:
    """Euros as the municipality pays them (992.12, not 992.1) for a terminal table."""
    return {
        key: f"{value:.2f}" if isinstance(value, float) and key != "marginal_rate" else value
        for key, value in record.items()
    }


def _date(value: str | None) -> dt.date:
    if value is None:
        raise fail("--date is required (YYYY-MM-DD)")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise fail(f"--date must be YYYY-MM-DD; got {value!r}") from None


def _household(value: str | None) -> str:
    if value is None:
        raise fail("--household is required: single, single-parent or couple")
    return value


@benefit_app.callback()
def benefit(
    ctx: typer.Context,
    date: DateOpt = None,
    household: HouseholdOpt = None,
    earnings: Annotated[
        float | None, typer.Option("--earnings", help="Netto inkomsten uit arbeid per maand (EUR).")
    ] = None,
    regime: Annotated[str, typer.Option("--regime", help="Regime (see 'rules list').")] = "regular",
    age: AgeOpt = None,
    cost_sharers: CostSharersOpt = 1,
    youngest_child_age: ChildOpt = None,
    disregard_month: MonthOpt = 1,
    hours: Annotated[
        float | None, typer.Option("--hours", help="Uren per week (nodig bij een werkbonus).")
    ] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="table, json of csv.")] = OutputFormat.table,
) -> None:
    """Norm, vrijlating, uitkering, netto inkomen en marginale druk voor een persoon en maand."""
    if ctx.invoked_subcommand is not None:
        return
    from proeftuin.rules import RulesError, compute_benefit

    day, kind = _date(date), _household(household)
    if earnings is None:
        raise fail("--earnings is required (net EUR per month)")
    if youngest_child_age is not None and kind != "single-parent":
        raise fail(f"--youngest-child-age applies to a single parent (art. 31 lid 2 r), not to household {kind!r}")
    try:
        result = compute_benefit(
            date=day,
            household=kind,
            earnings=earnings,
            regime=regime,
            age=age,
            cost_sharers=cost_sharers,
            youngest_child_age=youngest_child_age,
            disregard_month=disregard_month,
            hours_per_week=hours,
        )
    except RulesError as exc:
        raise fail(_flag_names(str(exc))) from None
    if fmt is OutputFormat.json:
        print_json(result.as_dict())
    else:
        record = result.as_dict()
        print_records([_in_cents(record) if fmt is OutputFormat.table else record], fmt, title="Bijstand per maand (EUR)")


@benefit_app.command("curve")
def curve(
    date: DateOpt = None,
    household: HouseholdOpt = None,
    regime: Annotated[
        list[str] | None, typer.Option("--regime", help="Regime (herhaal voor meer).")
    ] = None,
    age: AgeOpt = None,
    cost_sharers: CostSharersOpt = 1,
    youngest_child_age: ChildOpt = None,
    disregard_month: MonthOpt = 1,
    out: Annotated[
        Path | None, typer.Option("--out", help="Grafiek als .png of .svg.")
    ] = None,
    lang: Annotated[Lang, typer.Option("--lang", help="Taal van de grafiek: nl of en.")] = "nl",
    fmt: Annotated[OutputFormat, typer.Option("--format", help="table, json of csv.")] = OutputFormat.table,
) -> None:
    """Netto inkomen naar gewerkte uren per week tegen het minimumloon, per regime."""
    from proeftuin.rules import RulesError, income_curve, plot_income_curve

    day, kind = _date(date), _household(household)
    if out is not None and out.suffix.lower() not in (".png", ".svg"):
        raise fail(f"--out must end in .png or .svg; got {out.name}")
    try:
        frame = income_curve(
            date=day,
            household=kind,
            regimes=regime or ["regular"],
            age=age,
            cost_sharers=cost_sharers,
            youngest_child_age=youngest_child_age,
            disregard_month=disregard_month,
        )
        figure = plot_income_curve(frame, lang=lang) if out is not None else None
    except RulesError as exc:
        raise fail(_flag_names(str(exc))) from None
    records = frame.reset_index().to_dict(orient="records")
    if fmt is OutputFormat.table:
        records = [{"hours": f"{r['hours']:g}", **_in_cents({k: v for k, v in r.items() if k != "hours"})} for r in records]
    print_records(records, fmt, title="Netto inkomen per maand (EUR) naar uren per week")
    if figure is not None and out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(out, bbox_inches="tight")
        typer.echo(f"chart written to {out}", err=True)
