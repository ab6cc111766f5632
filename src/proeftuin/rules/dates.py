"""Conversion of user dates (``datetime.date``, ISO strings, numpy datetime64) to day arrays."""

from __future__ import annotations

import datetime as dt
from typing import TypeAlias

import numpy as np
import numpy.typing as npt

from proeftuin.rules.errors import RulesError

DateLike: TypeAlias = dt.date | str | np.datetime64
DatesLike: TypeAlias = DateLike | npt.ArrayLike


def as_days(dates: DatesLike) -> npt.NDArray[np.datetime64]:
    """Return ``dates`` as a 1-d ``datetime64[D]`` array (a scalar becomes one element).

    Raises:
        RulesError: a value that is not a date.
    """
    listed = [dates] if isinstance(dates, (dt.date, str, np.datetime64)) else dates
    try:
        days = np.asarray(listed, dtype="datetime64[D]")
    except (TypeError, ValueError) as exc:
        raise RulesError(f"not a date (expected YYYY-MM-DD): {dates!r}") from exc
    if np.isnat(days).any():
        raise RulesError("a date is missing (NaT)")
    return days.reshape(-1)
