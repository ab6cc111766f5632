"""OpenFisca variables, one per module, each with the array function its formula calls."""

from __future__ import annotations

from openfisca_core.variables import Variable

from proeftuin.rules.variables import inputs
from proeftuin.rules.variables.benefit import benefit
from proeftuin.rules.variables.disregard import disregard
from proeftuin.rules.variables.marginal_rate import marginal_rate
from proeftuin.rules.variables.net_income import net_income
from proeftuin.rules.variables.norm import norm
from proeftuin.rules.variables.norm_excl_holiday_allowance import norm_excl_holiday_allowance
from proeftuin.rules.variables.work_bonus import work_bonus

INPUT_VARIABLES: tuple[type[Variable], ...] = (
    inputs.household_type,
    inputs.age,
    inputs.cost_sharers,
    inputs.youngest_child_age,
    inputs.net_earnings,
    inputs.disregard_month,
    inputs.hours_per_week,
    inputs.regime,
)
FORMULA_VARIABLES: tuple[type[Variable], ...] = (
    norm,
    norm_excl_holiday_allowance,
    disregard,
    benefit,
    work_bonus,
    net_income,
    marginal_rate,
)
