"""Reading a plan file (the trial plan or a pre-analysis plan): YAML in, one error line out.

Both plans are pydantic models; a file that cannot be read, is not YAML, is not a mapping or does
not validate raises :class:`PlanError` naming the file and the first bad field
(``plan.yaml: arms.0.ratio: Input should be greater than 0``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError


class PlanError(ValueError):
    """A plan file that does not validate; the message names the file and the field."""


Plan = TypeVar("Plan", bound=BaseModel)


def read_plan_yaml(path: Path | str) -> object:
    """The YAML data of plan file ``path``; :class:`PlanError` when it cannot be read or parsed."""
    path = Path(path)
    try:
        return yaml.safe_load(path.read_text("utf-8"))
    except OSError as exc:
        raise PlanError(f"{path}: cannot read the plan ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise PlanError(f"{path}: not valid YAML ({exc})") from exc


def validate_plan(model: type[Plan], data: object, *, source: str, fields: str) -> Plan:
    """``data`` validated as ``model``; :class:`PlanError` reads ``source: field.path: message``
    (``fields`` names the top-level fields, for data that is not a mapping at all)."""
    if not isinstance(data, dict):
        raise PlanError(f"{source}: a plan is a mapping of fields ({fields}, ...)")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])  # empty for plan-wide checks, which name their field
        message = error["msg"].removeprefix("Value error, ")
        raise PlanError(f"{source}: {where + ': ' if where else ''}{message}") from None
