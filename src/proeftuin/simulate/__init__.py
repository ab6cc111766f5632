"""Synthetic municipalities and their outcomes, calibrated to DOMAIN.md (see calibration.yaml)."""

from proeftuin.simulate.bsn import fake_bsns
from proeftuin.simulate.calibration import Calibration, ComponentEffect
from proeftuin.simulate.population import Population, plan_population, synthetic_population
from proeftuin.simulate.trial import SimulatedTrial, month_starts, simulate_trial

__all__ = [
    "Calibration",
    "ComponentEffect",
    "Population",
    "SimulatedTrial",
    "fake_bsns",
    "month_starts",
    "simulate_trial",
    "plan_population",
    "synthetic_population",
]
