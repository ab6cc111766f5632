"""The ages for which the rules are modelled: the norms of art. 21, from 21 up to the state pension age.

Youth norms (art. 20) and the norms from the pension age on are not modelled, and the engine
refuses such ages; a caller that holds records of such people leaves their months out with this.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from proeftuin.rules.dates import DatesLike
from proeftuin.rules.legislation import value_at


def modelled_ages(dates: DatesLike) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """``(low, high)`` per date: ages in ``[low, high)`` are modelled (art. 21 minimum age; AOW pension age)."""
    return value_at("participatiewet.art_21.min_age", dates), value_at("aow.pension_age", dates)
