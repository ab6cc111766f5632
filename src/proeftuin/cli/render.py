"""Rendering results on the terminal: a rich table, JSON or CSV; one ``--format`` vocabulary."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping, Sequence
from enum import Enum
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from proeftuin.analysis import EffectTable


class OutputFormat(str, Enum):
    """What ``--format`` means in every command."""

    table = "table"
    json = "json"
    csv = "csv"


EFFECT_FIELDS = (
    "outcome", "arm", "estimate", "std_error", "ci_low", "ci_high", "p_value", "df",
    "n_arm", "n_control", "control_mean", "not_estimable", "note",
)


def _clean(value: Any) -> Any:
    """JSON has no NaN: a missing number becomes ``null``."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def effect_records(effects: EffectTable) -> list[dict[str, Any]]:
    """The effects as the CLI's stable records (``term`` is called ``arm``), extras appended."""
    records = []
    for record in effects.to_records():
        row = {"arm" if key == "term" else key: value for key, value in record.items()}
        ordered = {key: _clean(row[key]) for key in EFFECT_FIELDS}
        standard = set(EFFECT_FIELDS) | {"term", "statistic", "n", "level", "vcov", "estimator"}
        ordered.update({key: _clean(value) for key, value in row.items() if key not in standard})
        records.append(ordered)
    return records


def _clean_nested(value: Any) -> Any:
    """``_clean`` through mappings and lists (``json.dumps`` writes a float NaN as invalid ``NaN``)."""
    if isinstance(value, Mapping):
        return {key: _clean_nested(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_clean_nested(item) for item in value]
    return _clean(value)


def print_json(payload: Mapping[str, Any] | Sequence[Any]) -> None:
    typer.echo(json.dumps(_clean_nested(payload), indent=2, ensure_ascii=False, default=_clean))


def print_csv(records: Sequence[Mapping[str, Any]]) -> None:
    buffer = io.StringIO()
    if records:
        writer = csv.DictWriter(buffer, fieldnames=list(records[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)
    typer.echo(buffer.getvalue(), nl=False)


def print_table(records: Sequence[Mapping[str, Any]], *, title: str | None = None) -> None:
    from rich.console import Console  # here, not at import: rich costs start-up time of every command
    from rich.table import Table

    table = Table(title=title)
    if not records:
        Console().print("(no rows)")
        return
    cells = [[_format_cell(value) for value in record.values()] for record in records]
    for key in records[0]:
        # Never truncate: a number cut to "0.1…" on a narrow terminal reads as a wrong number;
        # a cell too wide for its column folds onto the next line instead.
        numeric = not isinstance(records[0][key], str) or _is_number(records[0][key])
        table.add_column(key, justify="right" if numeric else "left", overflow="fold")
    for row in cells:
        table.add_row(*row)
    Console().print(table)


def _is_number(text: str) -> bool:
    """A preformatted number ("992.12") is aligned like one."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def _format_cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) >= 1e-3 or value == 0 else f"{value:.2e}"
    return str(value)


def compact_effect_rows(records: Sequence[Mapping[str, Any]], level: float) -> list[dict[str, Any]]:
    """The effects for a terminal table: interval in one column, counts together, extras kept."""
    label = f"{level:.0%} CI"
    rows = []
    for record in records:
        reason = record.get("not_estimable")
        row: dict[str, Any] = {
            "outcome": record["outcome"],
            "arm": record["arm"],
            "estimate": f"not estimable: {reason}" if reason else f"{record['estimate']:.4f}",
            label: "-" if reason else f"[{record['ci_low']:.4f}, {record['ci_high']:.4f}]",
            "p": _format_cell(record["p_value"]),
            "n arm/control": f"{record['n_arm']}/{record['n_control']}",
            "control mean": _format_cell(record["control_mean"]),
        }
        row.update({k: _format_cell(v) for k, v in record.items() if k not in EFFECT_FIELDS})
        rows.append(row)
    return rows


def print_records(records: Sequence[Mapping[str, Any]], fmt: OutputFormat, *, envelope: Mapping[str, Any] | None = None, key: str = "rows", title: str | None = None) -> None:
    """Print ``records`` as a table, CSV, or JSON (``{**envelope, key: records}``)."""
    if fmt is OutputFormat.json:
        print_json({**(envelope or {}), key: list(records)})
    elif fmt is OutputFormat.csv:
        print_csv(records)
    else:
        print_table(records, title=title)
