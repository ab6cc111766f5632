"""Bonuses paid on top of the benefit: Tilburg's work bonus, Wageningen's part-time premium."""

from __future__ import annotations

import numpy as np
from openfisca_core.periods import DateUnit
from openfisca_core.variables import Variable

from proeftuin.rules.entities import Person
from proeftuin.rules.money import to_cents
from proeftuin.rules.regimes import Regime
from proeftuin.rules.situation import Floats, ParamFn, Situation
from proeftuin.rules.variables.disregard import by_regime
from proeftuin.rules.variables.openfisca_inputs import param_fn, situation_of


def regime_bonus(
    p: ParamFn, regime: Regime, situation: Situation, earnings: Floats, benefit: Floats
) -> Floats:
    """Work bonus annual / 12 when hours >= full time; premium min(rate x earnings, cap) while
    earning and still on benefit."""
    out = np.zeros(np.broadcast(earnings, benefit).shape)
    if regime.work_bonus is not None:
        full_time = situation.hours_per_week >= p(regime.work_bonus.min_hours_per_week)
        out = out + np.where(full_time, p(regime.work_bonus.annual) / 12, 0.0)
    if regime.part_time_premium is not None:
        premium = np.minimum(
            p(regime.part_time_premium.rate) * earnings, p(regime.part_time_premium.cap)
        )
        out = out + np.where((earnings > 0) & (benefit > 0), premium, 0.0)
    return to_cents(out)


def compute_work_bonus(
    p: ParamFn, situation: Situation, earnings: Floats, benefit: Floats
) -> Floats:
    """Bonus per month under each row's regime (0 for regimes without one).

    Tilburg (tilburg-2017): EUR 2,400 / 12 per month of full-time work (hours per week at least
    the full-time parameter). Wageningen (wageningen-2020): 25% of earnings, at most EUR 215 a
    month, in months with earnings and a benefit (paid half-yearly; here its monthly accrual).
    """
    return by_regime(p, situation, (earnings, benefit), regime_bonus)


class work_bonus(Variable):
    value_type = float
    entity = Person
    definition_period = DateUnit.MONTH
    label = "Werkbonus of deeltijdpremie per maand"
    reference = "https://wetten.overheid.nl/BWBR0039258"

    def formula(person, period, parameters):  # noqa: N805 (OpenFisca signature)
        return compute_work_bonus(
            param_fn(parameters, period),
            situation_of(person, period),
            person("net_earnings", period),
            person("benefit", period),
        )
