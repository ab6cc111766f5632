"""Household types of art. 21 Participatiewet and their parsing from user input."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from openfisca_core.indexed_enums import Enum

from proeftuin.rules.errors import RulesError


class HouseholdType(Enum):
    """Household type for the norm (art. 21): the index is the integer code used in arrays."""

    single = "Alleenstaande"
    single_parent = "Alleenstaande ouder"
    couple = "Gehuwden (paar)"


#: The names users type (CLI, API), in the order of the codes.
HOUSEHOLD_NAMES: tuple[str, ...] = ("single", "single-parent", "couple")
SINGLE, SINGLE_PARENT, COUPLE = 0, 1, 2


def household_codes(household: str | npt.ArrayLike) -> npt.NDArray[np.int8]:
    """Integer codes (0 single, 1 single-parent, 2 couple) for household names.

    Accepts ``single-parent`` or ``single_parent``.

    Raises:
        RulesError: a missing or unknown household type (never defaulted).
    """
    names = np.asarray(household, dtype=object if np.ndim(household) == 0 else None).reshape(-1)
    names = names.astype(str)
    codes = np.full(names.shape, -1, dtype=np.int8)
    for code, name in enumerate(HOUSEHOLD_NAMES):
        codes[(names == name) | (names == name.replace("-", "_"))] = code
    if (codes < 0).any():
        bad = str(names[codes < 0][0])
        raise RulesError(
            f"unknown household type {bad!r}: expected one of {', '.join(HOUSEHOLD_NAMES)}"
        )
    return codes
