"""Who counts as a cost-sharer: A of the cost-sharer norm (art. 19a and 22a Participatiewet).

A is the claimant plus the housemates who count on the date: aged 21 or over until 2022, 27 or
over from 2023-01-01 (``participatiewet.art_19a.cost_sharer_min_age``). From 2026-01-01 a
claimant staying elsewhere for a while to give informal care (mantelzorg) is exempt from the
cost-sharer norm (art. 22a lid 4, ``participatiewet.art_22a.caregiver_exemption``): A is 1.
A couple's spouse is not a housemate here (the norm adds the spouse, art. 22a lid 2).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from proeftuin.rules.dates import DateLike
from proeftuin.rules.errors import RulesError
from proeftuin.rules.legislation import value_at

MIN_AGE = "participatiewet.art_19a.cost_sharer_min_age"
CAREGIVER_EXEMPTION = "participatiewet.art_22a.caregiver_exemption"


def count_cost_sharers(
    *, date: DateLike, housemate_ages: Sequence[float], caregiver_stay: bool = False
) -> int:
    """A of art. 22a for one claimant on ``date``: 1 plus the housemates who count.

    ``housemate_ages``: the age of every other person aged 18 or over who has their main
    residence in the home, the spouse excluded (leave out students and commercial tenants,
    exceptions of art. 19a that are not modelled). ``caregiver_stay``: the claimant stays
    there for a while to give informal care to someone with an intensive care need.

    Raises:
        RulesError: a date before the first known value, or a negative or missing age.
    """
    ages = np.asarray(housemate_ages, dtype=np.float64).reshape(-1)
    if np.isnan(ages).any() or (ages < 0).any():
        raise RulesError("housemate ages must be numbers of at least 0")
    if caregiver_stay and value_at(CAREGIVER_EXEMPTION, date)[0]:
        return 1
    return 1 + int((ages >= value_at(MIN_AGE, date)[0]).sum())
