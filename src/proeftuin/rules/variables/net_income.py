"""Net income: earnings plus benefit plus bonus, and the chain that produces it."""

from __future__ import annotations

from dataclasses import dataclass

from openfisca_core.periods import DateUnit
from openfisca_core.variables import Variable

from proeftuin.rules.entities import Person
from proeftuin.rules.money import to_cents
from proeftuin.rules.situation import Floats, ParamFn, Situation
from proeftuin.rules.variables.benefit import compute_benefit
from proeftuin.rules.variables.disregard import compute_disregard
from proeftuin.rules.variables.work_bonus import compute_work_bonus


@dataclass(frozen=True)
class IncomeParts:
    """Disregard, benefit, bonus and net income for given earnings and norm."""

    disregard: Floats
    benefit: Floats
    work_bonus: Floats
    net_income: Floats


def income_parts(p: ParamFn, situation: Situation, norm: Floats, earnings: Floats) -> IncomeParts:
    """Chain disregard -> benefit -> bonus -> net income = earnings + benefit + bonus."""
    disregard = compute_disregard(p, situation, earnings)
    benefit = compute_benefit(norm, earnings, disregard)
    bonus = compute_work_bonus(p, situation, earnings, benefit)
    return IncomeParts(disregard, benefit, bonus, to_cents(earnings + benefit + bonus))


class net_income(Variable):
    value_type = float
    entity = Person
    definition_period = DateUnit.MONTH
    label = "Netto inkomen per maand: loon + uitkering + bonus"

    def formula(person, period, parameters):  # noqa: N805, ARG001 (OpenFisca signature)
        return (
            person("net_earnings", period)
            + person("benefit", period)
            + person("work_bonus", period)
        )
