"""Estimators over arrays and frames; one tidy result type. Never opens a database session."""

from proeftuin.analysis.ancova import ancova_effects, followup_mean
from proeftuin.analysis.difference_in_means import difference_in_means
from proeftuin.analysis.iv import effects_on_treated
from proeftuin.analysis.ols import ArmCoding, estimate_effects
from proeftuin.analysis.options import DEFAULT_LEVEL, VcovType
from proeftuin.analysis.profiles import monthly_profiles
from proeftuin.analysis.randomization_inference import PermutationDesign, RiStatistic, randomization_inference
from proeftuin.analysis.results import Effect, EffectTable

__all__ = ["ArmCoding", "DEFAULT_LEVEL", "Effect", "EffectTable", "VcovType", "ancova_effects", "difference_in_means", "effects_on_treated", "estimate_effects", "followup_mean", "monthly_profiles", "PermutationDesign", "RiStatistic", "randomization_inference"]
