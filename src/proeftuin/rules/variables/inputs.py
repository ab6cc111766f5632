"""Input variables (no formula): what a municipality knows about a person-month.

Kept in one module because each is a plain declaration; every variable with a formula has its
own module.
"""

from __future__ import annotations

from openfisca_core.indexed_enums import Enum
from openfisca_core.periods import DateUnit
from openfisca_core.variables import Variable

from proeftuin.rules.entities import Person
from proeftuin.rules.households import HouseholdType
from proeftuin.rules.regimes import DEFAULT_REGIME

PW = "https://wetten.overheid.nl/BWBR0015703"


class household_type(Variable):
    value_type = Enum
    possible_values = HouseholdType
    default_value = HouseholdType.single
    entity = Person
    definition_period = DateUnit.MONTH
    label = "Household type for the norm (art. 21)"
    reference = PW


class age(Variable):
    value_type = float
    default_value = float("nan")
    entity = Person
    definition_period = DateUnit.MONTH
    label = "Age in years (NaN: not given, read as 27 up to pension age)"


class cost_sharers(Variable):
    value_type = int
    default_value = 1
    entity = Person
    definition_period = DateUnit.MONTH
    label = "Claimant plus cost-sharing housemates aged 27+ (1: none; art. 22a)"
    reference = PW


class youngest_child_age(Variable):
    value_type = float
    default_value = float("nan")
    entity = Person
    definition_period = DateUnit.MONTH
    label = "Age of the youngest child (NaN: none)"


class net_earnings(Variable):
    value_type = float
    entity = Person
    definition_period = DateUnit.MONTH
    label = "Net earnings from work per month"


class disregard_month(Variable):
    value_type = int
    default_value = 1
    entity = Person
    definition_period = DateUnit.MONTH
    label = "The K-th consecutive month of earnings disregard"


class hours_per_week(Variable):
    value_type = float
    default_value = float("nan")
    entity = Person
    definition_period = DateUnit.MONTH
    label = "Hours worked per week (NaN: not given)"


class regime(Variable):
    value_type = str
    max_length = 40
    default_value = DEFAULT_REGIME
    entity = Person
    definition_period = DateUnit.MONTH
    label = "Earnings regime (a file of regimes/)"
