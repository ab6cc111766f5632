"""Design: declared experiments, assignment procedures and their probabilities (pure functions)."""

from proeftuin.design.allocation import Recorded, SequentialAllocator, Unit, batch_allocate, replay, stratum_key
from proeftuin.design.blocks import BlockDesign, block_assignment, block_probabilities, integer_ratios
from proeftuin.design.minimization import minimization_choice
from proeftuin.design.plan import EligibilitySpec, Method, RandomizationSpec, SurveyIndexSpec, SurveySpec, TrialPlan
from proeftuin.design.randomization import (
    ALGORITHM_VERSION,
    complete_assignment,
    stratified_assignment,
    stratified_probabilities,
)
from proeftuin.design.rerandomization import Rerandomized, RerandomizationError, rerandomize
from proeftuin.design.sealing import SealError, check_seed, commitment, derived_rng, new_seed
from proeftuin.design.spec import ArmSpec, Component, ExperimentSpec, catalog, catalog_experiment

__all__ = [
    "ALGORITHM_VERSION",
    "ArmSpec",
    "BlockDesign",
    "Component",
    "EligibilitySpec",
    "ExperimentSpec",
    "Method",
    "RandomizationSpec",
    "Recorded",
    "RerandomizationError",
    "Rerandomized",
    "SealError",
    "SequentialAllocator",
    "SurveyIndexSpec",
    "SurveySpec",
    "TrialPlan",
    "Unit",
    "batch_allocate",
    "block_assignment",
    "block_probabilities",
    "catalog",
    "catalog_experiment",
    "check_seed",
    "commitment",
    "complete_assignment",
    "derived_rng",
    "integer_ratios",
    "minimization_choice",
    "new_seed",
    "replay",
    "rerandomize",
    "stratified_assignment",
    "stratified_probabilities",
    "stratum_key",
]
