"""The OpenFisca tax-benefit system of proeftuin: entities, parameters and variables."""

from __future__ import annotations

from functools import cache

from openfisca_core.taxbenefitsystems import TaxBenefitSystem

from proeftuin.rules.entities import entities
from proeftuin.rules.legislation import PARAMETERS_DIR
from proeftuin.rules.variables import FORMULA_VARIABLES, INPUT_VARIABLES


class DutchSocialAssistance(TaxBenefitSystem):
    """Participatiewet (bijstand) with the experimental earnings regimes."""

    def __init__(self) -> None:
        super().__init__(entities)
        self.load_parameters(str(PARAMETERS_DIR))
        self.add_variables(*INPUT_VARIABLES, *FORMULA_VARIABLES)


@cache
def tax_benefit_system() -> DutchSocialAssistance:
    """The system, built once."""
    return DutchSocialAssistance()
