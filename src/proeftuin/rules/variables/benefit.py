"""The benefit payable: norm minus net earnings plus the disregard, never below zero."""

from __future__ import annotations

import numpy as np
from openfisca_core.periods import DateUnit
from openfisca_core.variables import Variable

from proeftuin.rules.entities import Person
from proeftuin.rules.money import to_cents
from proeftuin.rules.situation import Floats


def compute_benefit(norm: Floats, earnings: Floats, disregard: Floats) -> Floats:
    """benefit = max(0, norm - earnings + disregard) per month (art. 31-32 Participatiewet).

    Amounts incl. holiday allowance; of the benefit, 5% is the reserved holiday allowance.
    """
    return to_cents(np.maximum(0.0, norm - earnings + disregard))


class benefit(Variable):
    value_type = float
    entity = Person
    definition_period = DateUnit.MONTH
    label = "Bijstandsuitkering per maand incl. vakantietoeslag"
    reference = "https://wetten.overheid.nl/BWBR0015703#Hoofdstuk3_Paragraaf3.4_Artikel32"

    def formula(person, period, parameters):  # noqa: N805, ARG001 (OpenFisca signature)
        return compute_benefit(
            person("norm", period), person("net_earnings", period), person("disregard", period)
        )
