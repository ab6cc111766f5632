"""Design: declared experiments, assignment procedures and their probabilities (pure functions)."""

from proeftuin.design.randomization import (
    ALGORITHM_VERSION,
    complete_assignment,
    stratified_assignment,
    stratified_probabilities,
)
from proeftuin.design.spec import ArmSpec, Component, ExperimentSpec, catalog, catalog_experiment

__all__ = [
    "ALGORITHM_VERSION",
    "ArmSpec",
    "Component",
    "ExperimentSpec",
    "catalog",
    "catalog_experiment",
    "complete_assignment",
    "stratified_assignment",
    "stratified_probabilities",
]
