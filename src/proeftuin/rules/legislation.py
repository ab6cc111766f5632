"""The parameter tree (OpenFisca YAML, one file per parameter) and its dated look-up.

Every amount, rate and limit of the rules lives in ``parameters/`` with its dates and legal
reference. :func:`legislation` loads the tree with openfisca-core. :func:`value_at` reads one
parameter for a whole array of dates at once: the value in force on a date is the one of the
latest start date not after it (``numpy.searchsorted`` over the same ``values_list``
OpenFisca uses); a date before the first start date is an error that names the parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
from openfisca_core.parameters import Parameter, ParameterNode

from proeftuin.rules.dates import DatesLike, as_days
from proeftuin.rules.errors import RulesError

PARAMETERS_DIR = Path(__file__).parent / "parameters"


@cache
def legislation() -> ParameterNode:
    """The whole parameter tree, loaded once from ``parameters/``."""
    return ParameterNode("", directory_path=str(PARAMETERS_DIR))


@dataclass(frozen=True)
class DatedValues:
    """One parameter's history: start dates ascending and the value from each start date."""

    name: str
    starts: npt.NDArray[np.datetime64]
    values: npt.NDArray[np.float64]

    def at(self, dates: DatesLike) -> npt.NDArray[np.float64]:
        """The value in force on each date (vectorised).

        Raises:
            RulesError: a date before the first known value; the message names the parameter.
        """
        days = as_days(dates)
        index = np.searchsorted(self.starts, days, side="right") - 1
        if (index < 0).any():
            first_bad = days[index < 0].min()
            raise RulesError(
                f"no value of parameter '{self.name}' is known for {first_bad}: "
                f"the first value is in force from {self.starts[0]}"
            )
        return self.values[index]


def parameter(name: str) -> Parameter:
    """The OpenFisca parameter at dotted ``name`` (e.g. ``"wml.gross_monthly_21_plus"``)."""
    node: ParameterNode | Parameter = legislation()
    for key in name.split("."):
        children = getattr(node, "children", {})
        if key not in children:
            raise RulesError(f"unknown parameter '{name}'")
        node = children[key]
    if not isinstance(node, Parameter):
        raise RulesError(f"'{name}' is a folder of parameters, not a parameter")
    return node


@cache
def dated_values(name: str) -> DatedValues:
    """The history of parameter ``name`` as arrays, for vectorised look-up."""
    history = sorted(parameter(name).values_list, key=lambda v: v.instant_str)
    if any(v.value is None for v in history):
        raise RulesError(f"parameter '{name}' has an end date (null value); not supported")
    return DatedValues(
        name=name,
        starts=np.array([v.instant_str for v in history], dtype="datetime64[D]"),
        values=np.array([float(v.value) for v in history], dtype=np.float64),
    )


def value_at(name: str, dates: DatesLike) -> npt.NDArray[np.float64]:
    """The value of parameter ``name`` in force on each of ``dates``."""
    return dated_values(name).at(dates)
