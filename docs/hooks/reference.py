"""MkDocs hook: pages that are generated from the code, so the docs cannot drift from it.

A page holds a marker comment; at build time the marker is replaced by markdown made from the
thing it documents:

- ``<!-- proeftuin:cli -->``: every command of the ``proeftuin`` program, from the typer app
  (usage, help text, arguments and options with their defaults);
- ``<!-- proeftuin:plan-schema -->``: the trial plan's JSON Schema, one table per object;
- ``<!-- proeftuin:catalog -->``: the six trials of 2017-2019 as the packaged catalog declares them;
- ``<!-- proeftuin:include PATH -->``: a file of the repository, verbatim (a tested example plan).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

MARKERS = ("cli", "plan-schema", "catalog")


ROOT = Path(__file__).resolve().parents[2]
INCLUDE = re.compile(r"<!-- proeftuin:include (\S+) -->")


def on_page_markdown(markdown: str, **_: Any) -> str:
    for name in MARKERS:
        marker = f"<!-- proeftuin:{name} -->"
        if marker in markdown:
            markdown = markdown.replace(marker, GENERATORS[name]())
    return INCLUDE.sub(lambda m: (ROOT / m.group(1)).read_text("utf-8").rstrip("\n"), markdown)


# --- the command line ---------------------------------------------------------------------------

def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


# typer carries its own copy of click (``typer._click``): commands and parameters are recognised by
# what they have, not by their class, and each parameter describes itself as ``--help`` does.
def _param_row(param: Any, ctx: Any) -> str:
    record = param.get_help_record(ctx)
    if record is None:  # an argument without help text
        record = (param.human_readable_name, "")
    declaration, meaning = record
    return f"| `{_cell(declaration)}` | {_cell(meaning)} |"


def _command_markdown(command: Any, path: list[str]) -> list[str]:
    lines: list[str] = []
    if hasattr(command, "commands"):
        for name in sorted(command.commands):
            sub = command.commands[name]
            if not sub.hidden:
                lines += _command_markdown(sub, [*path, name])
        return lines
    title = " ".join(path)
    ctx = command.context_class(command, info_name=title)
    usage = " ".join(command.collect_usage_pieces(ctx))
    lines += [f"## `{title}`", "", "```", f"{title} {usage}".rstrip(), "```", ""]
    if command.help:
        lines += [command.help.strip(), ""]
    params = [p for p in command.params if not getattr(p, "hidden", False) and p.name != "help"]
    if params:
        lines += ["| argument or option | meaning |", "|---|---|"]
        lines += [_param_row(p, ctx) for p in params]
        lines.append("")
    return lines


def cli_reference() -> str:
    import typer.main

    from proeftuin.cli import app

    root = typer.main.get_command(app)
    return "\n".join(_command_markdown(root, ["proeftuin"]))


# --- the plan schema ----------------------------------------------------------------------------

def _type_of(prop: dict[str, Any]) -> str:
    if "$ref" in prop:
        target = prop["$ref"].rsplit("/", 1)[-1]
        return f"[{target}](#{target.lower()})"
    if "enum" in prop:
        return " \\| ".join(f"`{v}`" for v in prop["enum"])
    if "const" in prop:
        return f"`{prop['const']}`"
    for key in ("anyOf", "oneOf", "allOf"):
        if key in prop:
            return " or ".join(_type_of(p) for p in prop[key])
    kind = prop.get("type", "any")
    if kind == "array":
        items = prop.get("items") or prop.get("prefixItems") or {}
        if isinstance(items, list):
            return "list of (" + ", ".join(_type_of(i) for i in items) + ")"
        return f"list of {_type_of(items)}"
    if kind == "object" and "additionalProperties" in prop and isinstance(prop["additionalProperties"], dict):
        return f"map of name to {_type_of(prop['additionalProperties'])}"
    limits = [f"{sym} `{prop[key]}`" for key, sym in (("minimum", ">="), ("exclusiveMinimum", ">"), ("maximum", "<="),
                                                     ("exclusiveMaximum", "<"), ("pattern", "matches")) if key in prop]
    return kind + (f" ({', '.join(limits)})" if limits else "")


def _default_of(prop: dict[str, Any]) -> str:
    if "default" not in prop:
        return ""
    text = json.dumps(prop["default"], ensure_ascii=False)
    # A nested object's default is the defaults of its own fields, listed in its own table.
    return "the defaults of its fields" if len(text) > 60 and isinstance(prop["default"], dict) else f"`{text}`"


def _object_table(name: str, schema: dict[str, Any]) -> list[str]:
    lines = [f"### {name}", ""]
    if schema.get("description"):
        lines += [schema["description"].strip(), ""]
    if "enum" in schema:
        lines += ["One of: " + ", ".join(f"`{v}`" for v in schema["enum"]) + ".", ""]
        return lines
    required = set(schema.get("required", ()))
    props = schema.get("properties", {})
    if props:
        lines += ["| field | type | required / default | meaning |", "|---|---|---|---|"]
        for field, prop in props.items():
            default = "required" if field in required else _default_of(prop)
            lines.append(f"| `{field}` | {_cell(_type_of(prop))} | {_cell(default)} | {_cell(prop.get('description', ''))} |")
        lines.append("")
    return lines


def plan_schema_reference() -> str:
    from proeftuin.design import TrialPlan

    schema = TrialPlan.model_json_schema()
    lines = _object_table(schema.get("title", "TrialPlan"), schema)
    for name, sub in sorted(schema.get("$defs", {}).items()):
        lines += _object_table(name, sub)
    return "\n".join(lines)


# --- the catalog --------------------------------------------------------------------------------

def catalog_table() -> str:
    from proeftuin.design import catalog

    lines = ["| municipality | experiment | period | invited | participants | arms |", "|---|---|---|---|---|---|"]
    for spec in catalog():
        arms = "; ".join(f"{arm.label_en} (`{arm.code}`, regime `{arm.regime}`)" for arm in spec.arms)
        lines.append(f"| {spec.municipality} | {_cell(spec.name)} | {spec.start} to {spec.end} | {spec.invited:,} | "
                     f"{spec.participants:,} | {_cell(arms)} |")
    return "\n".join(lines)


GENERATORS = {"cli": cli_reference, "plan-schema": plan_schema_reference, "catalog": catalog_table}
