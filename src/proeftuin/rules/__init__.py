"""Benefit rules as code: Dutch social assistance (Participatiewet) and its experimental regimes.

A small OpenFisca country package. Parameters are dated YAML files with their legal reference
(``parameters/``); see DOMAIN.md section 4 for the facts and their sources.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from proeftuin.rules.dates import DatesLike
from proeftuin.rules.errors import RulesError
from proeftuin.rules.legislation import value_at


def minimum_wage(dates: DatesLike) -> npt.NDArray[np.float64]:
    """Statutory minimum wage (WML), gross per month, age 21 and over, in force on each date.

    Parameter ``wml.gross_monthly_21_plus`` (Wet minimumloon en minimumvakantiebijslag,
    BWBR0002638). ``dates`` is one date or an array-like of dates (``datetime.date``, ISO string
    or numpy ``datetime64``); the result is a float array of the same length.

    Raises:
        RulesError: a date before 2017-07-01, the first known value.
    """
    return value_at("wml.gross_monthly_21_plus", dates)


__all__ = ["RulesError", "minimum_wage"]
