"""The marginal effective rate: the share of an extra euro earned that is NOT kept."""

from __future__ import annotations

from openfisca_core.periods import DateUnit
from openfisca_core.variables import Variable

from proeftuin.rules.entities import Person
from proeftuin.rules.situation import Floats, ParamFn, Situation
from proeftuin.rules.variables.net_income import income_parts
from proeftuin.rules.variables.openfisca_inputs import param_fn, situation_of

STEP = 1.0  # euro


def compute_marginal_rate(
    p: ParamFn, situation: Situation, norm: Floats, earnings: Floats, net_income: Floats
) -> Floats:
    """1 - (net income(earnings + 1) - net income(earnings)) / 1: a forward finite difference
    of one euro (so at a kink, e.g. the cap, it is the rate just above the given earnings,
    blended over that euro). 1 = everything lost; 0.75 = a quarter kept."""
    ahead = income_parts(p, situation, norm, earnings + STEP).net_income
    return (1.0 - (ahead - net_income) / STEP).round(4)


class marginal_rate(Variable):
    value_type = float
    entity = Person
    definition_period = DateUnit.MONTH
    label = "Marginale druk: deel van een extra verdiende euro dat niet wordt behouden"

    def formula(person, period, parameters):  # noqa: N805 (OpenFisca signature)
        return compute_marginal_rate(
            param_fn(parameters, period),
            situation_of(person, period),
            person("norm", period),
            person("net_earnings", period),
            person("net_income", period),
        )
