"""One person-month, in euros rounded to cents as the municipality pays."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from proeftuin.rules.dates import DateLike, as_days
from proeftuin.rules.engine import compute_benefits
from proeftuin.rules.regimes import DEFAULT_REGIME


@dataclass(frozen=True)
class Benefit:
    """The result for one person-month: euros rounded to cents, ``marginal_rate`` a share."""

    date: str
    regime: str
    norm: float
    disregard: float
    benefit: float
    net_income: float
    work_bonus: float
    marginal_rate: float

    def as_dict(self) -> dict[str, str | float]:
        """The fields in contract order (the JSON of ``proeftuin benefit``)."""
        return asdict(self)


def compute_benefit(
    *,
    date: DateLike,
    household: str,
    earnings: float,
    regime: str = DEFAULT_REGIME,
    age: float | None = None,
    cost_sharers: int = 1,
    youngest_child_age: float | None = None,
    disregard_month: int = 1,
    hours_per_week: float | None = None,
) -> Benefit:
    """:func:`compute_benefits` for one person-month, amounts rounded to cents.

    Raises:
        RulesError: as :func:`compute_benefits`.
    """
    result = compute_benefits(
        date=date,
        household=household,
        earnings=earnings,
        regime=regime,
        age=age,
        cost_sharers=cost_sharers,
        youngest_child_age=youngest_child_age,
        disregard_month=disregard_month,
        hours_per_week=hours_per_week,
    )
    return Benefit(
        date=str(as_days(date)[0]),
        regime=regime,
        norm=round(float(result.norm[0]), 2),
        disregard=round(float(result.disregard[0]), 2),
        benefit=round(float(result.benefit[0]), 2),
        net_income=round(float(result.net_income[0]), 2),
        work_bonus=round(float(result.work_bonus[0]), 2),
        marginal_rate=round(float(result.marginal_rate[0]), 4),
    )
