"""Bridges from an OpenFisca simulation to the array functions of the variables."""

from __future__ import annotations

from functools import reduce

import numpy as np
from openfisca_core.periods import Period

from proeftuin.rules.regimes import Amount
from proeftuin.rules.situation import ParamFn, Situation, encode_regimes


def param_fn(parameters, period: Period) -> ParamFn:  # noqa: ANN001 (OpenFisca callable)
    """Parameter look-up at the start of ``period`` through OpenFisca's parameter tree."""
    at_instant = parameters(period.start)

    def value(amount: Amount) -> float:
        if isinstance(amount, str):
            return float(reduce(getattr, amount.split("."), at_instant))
        return float(amount)

    return value


def situation_of(person, period: Period) -> Situation:  # noqa: ANN001 (OpenFisca population)
    """The :class:`Situation` of every person in ``period`` from the input variables."""
    codes, names = encode_regimes(np.asarray(person("regime", period), dtype=str))
    return Situation(
        household=np.asarray(person("household_type", period)).astype(np.int8),
        age=person("age", period).astype(np.float64),
        cost_sharers=person("cost_sharers", period).astype(np.int64),
        youngest_child_age=person("youngest_child_age", period).astype(np.float64),
        disregard_month=person("disregard_month", period).astype(np.int64),
        hours_per_week=person("hours_per_week", period).astype(np.float64),
        regime=codes,
        regime_names=names,
    )
