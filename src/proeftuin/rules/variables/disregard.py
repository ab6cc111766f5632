"""The earnings disregard (art. 31 lid 2 n and r, and the regimes that deviate from it)."""

from __future__ import annotations

from collections.abc import Callable
from functools import reduce
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
from openfisca_core.periods import DateUnit
from openfisca_core.variables import Variable

from proeftuin.rules.entities import Person
from proeftuin.rules.errors import RulesError
from proeftuin.rules.households import SINGLE_PARENT
from proeftuin.rules.money import to_cents
from proeftuin.rules.regimes import Amount, DisregardTier, Regime, get_regime
from proeftuin.rules.situation import Floats, ParamFn, Situation, take
from proeftuin.rules.variables.openfisca_inputs import param_fn, situation_of


def _tier_amount(
    p: ParamFn, tier: DisregardTier, situation: Situation, earnings: Floats
) -> Floats:
    """min(rate x earnings, cap) where the tier applies, else 0."""
    month = situation.disregard_month
    applies = month >= tier.first_month
    if tier.months is not None:
        applies = applies & (month < tier.first_month + p(tier.months))
    if tier.min_age is not None:
        applies = applies & (np.isnan(situation.age) | (situation.age >= p(tier.min_age)))
    if tier.single_parent_child_under is not None:
        single_parent = situation.household == SINGLE_PARENT
        unknown = single_parent & np.isnan(situation.youngest_child_age) & applies
        if unknown.any():
            raise RulesError(
                f"{tier.rule} depends on the age of the youngest child: give "
                "youngest_child_age for a single parent"
            )
        applies = applies & single_parent & (
            situation.youngest_child_age < p(tier.single_parent_child_under)
        )
    return np.where(applies, np.minimum(p(tier.rate) * earnings, p(tier.cap)), 0.0)


def regime_disregard(p: ParamFn, regime: Regime, situation: Situation, earnings: Floats) -> Floats:
    """The largest amount among the regime's tiers that apply (tiers never add up)."""
    amounts = [_tier_amount(p, tier, situation, earnings) for tier in regime.disregard]
    # functools.reduce broadcasts (a tier's amount may vary by row where earnings do not)
    return to_cents(reduce(np.maximum, amounts, np.zeros_like(earnings)))


def compute_disregard(p: ParamFn, situation: Situation, earnings: Floats) -> Floats:
    """Earnings left out of account this month under each row's regime.

    Regular (art. 31 lid 2 n): min(25% x earnings, cap) in the first 6 consecutive months, from
    age 27; single parent with a child under 12 (lid 2 r): min(12.5% x earnings, cap) in months
    7-36. Other regimes: their YAML tiers. Rounded to cents.
    """
    return by_regime(p, situation, (earnings,), regime_disregard)


#: ``compute(p, regime, situation, *arrays)`` for rows all under ``regime``.
RegimeFormula: TypeAlias = Callable[..., Floats]


def by_regime(p: ParamFn, situation: Situation, arrays: tuple[Floats, ...], compute: RegimeFormula) -> Floats:
    """``compute`` for each regime present, on that regime's rows only, scattered back.

    The per-row inputs (situation, ``arrays`` and parameter values that vary by row) are
    gathered for each regime's rows, so a regime is never evaluated on, nor fails for, rows
    under another regime.
    """
    if len(situation.regime_names) == 1:
        return compute(p, get_regime(situation.regime_names[0]), situation, *arrays)
    n = int(np.broadcast(situation.regime, *arrays).size)
    out = np.zeros(n)
    for name, rows in situation.rows_of_regime(n).items():

        def p_rows(amount: Amount, rows: npt.NDArray[np.intp] = rows) -> Floats | float:
            value = p(amount)
            return take(value, rows) if isinstance(value, np.ndarray) else value

        out[rows] = np.broadcast_to(
            compute(p_rows, get_regime(name), situation.take(rows, name), *(take(a, rows) for a in arrays)),
            rows.shape,
        )
    return out


class disregard(Variable):
    value_type = float
    entity = Person
    definition_period = DateUnit.MONTH
    label = "Vrijlating van inkomsten uit arbeid (art. 31 lid 2 n, r; experimenten)"
    reference = "https://wetten.overheid.nl/BWBR0015703#Hoofdstuk3_Paragraaf3.4_Artikel31"

    def formula(person, period, parameters):  # noqa: N805 (OpenFisca signature)
        return compute_disregard(
            param_fn(parameters, period),
            situation_of(person, period),
            person("net_earnings", period),
        )
