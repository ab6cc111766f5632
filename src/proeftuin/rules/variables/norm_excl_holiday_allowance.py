"""The norm paid monthly: art. 19 lid 3, the holiday allowance is reserved and paid yearly."""

from __future__ import annotations

from openfisca_core.periods import DateUnit
from openfisca_core.variables import Variable

from proeftuin.rules.entities import Person
from proeftuin.rules.money import to_cents
from proeftuin.rules.situation import Floats, ParamFn
from proeftuin.rules.variables.openfisca_inputs import param_fn

PARAMETER = "participatiewet.art_19.share_excluding_holiday_allowance"


def compute_norm_excl_holiday_allowance(p: ParamFn, norm: Floats) -> Floats:
    """excl. = incl. x 0.95 (art. 19 lid 3), rounded to cents."""
    return to_cents(norm * p(PARAMETER))


class norm_excl_holiday_allowance(Variable):
    value_type = float
    entity = Person
    definition_period = DateUnit.MONTH
    label = "Norm per maand excl. vakantietoeslag (art. 19 lid 3)"
    reference = "https://wetten.overheid.nl/BWBR0015703#Hoofdstuk3_Paragraaf3.3_Artikel19"

    def formula(person, period, parameters):  # noqa: N805 (OpenFisca signature)
        return compute_norm_excl_holiday_allowance(
            param_fn(parameters, period), person("norm", period)
        )
