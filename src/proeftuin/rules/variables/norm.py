"""The monthly norm: art. 21 by household type, the cost-sharer norm of art. 22a."""

from __future__ import annotations

import numpy as np
from openfisca_core.periods import DateUnit
from openfisca_core.variables import Variable

from proeftuin.rules.entities import Person
from proeftuin.rules.errors import RulesError
from proeftuin.rules.households import COUPLE
from proeftuin.rules.money import to_cents
from proeftuin.rules.situation import Floats, ParamFn, Situation
from proeftuin.rules.variables.openfisca_inputs import param_fn, situation_of

ART_21 = "participatiewet.art_21"
ART_22A = "participatiewet.art_22a"


def check_age(p: ParamFn, age: Floats) -> None:
    """Ages must lie in [21, pension age) where the norms of art. 21 apply (NaN: not given).

    Raises:
        RulesError: an age outside that range (youth norms, art. 20, and pension-age norms are
            not modelled).
    """
    low = p(f"{ART_21}.min_age")
    high = p("aow.pension_age")
    outside = ~np.isnan(age) & ((age < low) | (age >= high))
    if outside.any():
        raise RulesError(
            f"age {np.asarray(age)[np.nonzero(outside)[0][0] % age.size]:g} is outside the "
            "ages of art. 21 (21 up to the state pension age); those norms are not modelled"
        )


def compute_norm(p: ParamFn, situation: Situation) -> Floats:
    """Norm per month incl. holiday allowance.

    Without cost-sharers (``cost_sharers`` 1): art. 21 a (single and single parent) or b
    (couple). With cost-sharers, art. 22a: norm = B x (40 + 30 A) / (100 A), times 2 for a
    couple (lid 2), rounded to cents; B the couple norm, A the cost-sharers in the home
    (art. 19a: housemates 21+ until 2022, 27+ from 2023): ``cost_sharers`` counts the claimant
    and housemates, the spouse of a couple is added here.
    """
    check_age(p, situation.age)
    couple = situation.household == COUPLE
    b = p(f"{ART_21}.norm_couple")
    base = np.where(couple, b, p(f"{ART_21}.norm_single"))
    a = situation.cost_sharers + couple
    share = (p(f"{ART_22A}.fixed_percentage") + p(f"{ART_22A}.percentage_per_cost_sharer") * a) / (
        100 * a
    )
    shared = to_cents(b * share * np.where(couple, 2, 1))
    return np.where(situation.cost_sharers > 1, shared, base).astype(np.float64)


class norm(Variable):
    value_type = float
    entity = Person
    definition_period = DateUnit.MONTH
    label = "Bijstandsnorm per maand incl. vakantietoeslag (art. 21, 22a)"
    reference = "https://wetten.overheid.nl/BWBR0015703#Hoofdstuk3_Paragraaf3.2_Artikel21"

    def formula(person, period, parameters):  # noqa: N805 (OpenFisca signature)
        return compute_norm(param_fn(parameters, period), situation_of(person, period))
