"""The simulator pays by the rules' minimum hourly wage (one full-time week, 36 hours).

Regression: the simulator had its own 38-hour full-time week (monthly WML / 38 h), so from
2024 it would pay less per hour than the statutory hourly minimum (2,069.40 / (38 x 52/12) =
12.57 against 13.27), and before 2024 a lower rate than the rules' 36-hour one.
"""

from __future__ import annotations

import numpy as np

from proeftuin.design import catalog_experiment, stratified_assignment
from proeftuin.rules import minimum_hourly_wage
from proeftuin.simulate import Calibration, simulate_trial, synthetic_population


def _hourly_pay_over_minimum() -> np.ndarray:
    spec = catalog_experiment("utrecht")
    population = synthetic_population(spec, n=300, seed=3)
    arms = stratified_assignment(population.frame["stratum"], [a.code for a in spec.arms], [1] * len(spec.arms), seed=4)
    trial = simulate_trial(population, spec, arms, seed=5)
    working = trial.hours > 0
    minimum = np.broadcast_to(minimum_hourly_wage(trial.periods), trial.hours.shape)
    return trial.gross_earnings[working] / (trial.hours[working] * 52 / 12) / minimum[working]


def test_the_simulator_has_no_full_time_week_of_its_own() -> None:
    assert "full_time_hours" not in Calibration.default().labour


def test_nobody_is_paid_below_the_minimum_hourly_wage_and_some_are_paid_it() -> None:
    ratio = _hourly_pay_over_minimum()
    assert ratio.min() >= 1 - 1e-12
    assert np.isclose(ratio, 1.0).any()

