"""Estimators over arrays and frames; one tidy result type. Never opens a database session."""

from proeftuin.analysis.difference_in_means import difference_in_means
from proeftuin.analysis.ols import ArmCoding, estimate_effects
from proeftuin.analysis.options import DEFAULT_LEVEL, VcovType
from proeftuin.analysis.results import Effect, EffectTable

__all__ = ["ArmCoding", "DEFAULT_LEVEL", "Effect", "EffectTable", "VcovType", "difference_in_means", "estimate_effects"]
