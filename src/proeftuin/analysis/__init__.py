"""Estimators over arrays and frames; one tidy result type. Never opens a database session."""

from proeftuin.analysis.ancova import ancova_effects, followup_mean
from proeftuin.analysis.difference_in_means import difference_in_means
from proeftuin.analysis.iv import effects_on_treated
from proeftuin.analysis.ols import ArmCoding, estimate_effects
from proeftuin.analysis.options import DEFAULT_LEVEL, VcovType
from proeftuin.analysis.profiles import monthly_profiles
from proeftuin.analysis.randomization_inference import PermutationDesign, RiStatistic, randomization_inference
from proeftuin.analysis.results import Effect, EffectTable
from proeftuin.analysis.attrition import AttritionReport, LeeBounds, attrition_table, ipw_effects, lee_bounds
from proeftuin.analysis.balance import BalanceTable, SampleRatioMismatch, balance_table, sample_ratio_mismatch
from proeftuin.analysis.multiple_testing import AdjustMethod, adjust_by_family, adjust_p_values, romano_wolf
from proeftuin.analysis.pooling import PooledEffect, PoolingMethod, pool_effects
from proeftuin.analysis.power import (
    Diagnosis,
    PowerDesign,
    SampleSize,
    diagnose_design,
    summarize_simulations,
    minimum_detectable_effect,
    sample_size,
    statistical_power,
)
from proeftuin.analysis.reference_group import NON_EXPERIMENTAL, ReferenceGroupResult, reference_group_effect
from proeftuin.analysis.subgroups import SubgroupAnalysis, subgroup_effects
from proeftuin.analysis.inference import NO_VARIATION_RTOL, TInference, t_inference
from proeftuin.analysis.wild_bootstrap import WildBootstrap, WildWeights, add_wild_bootstrap, wild_cluster_bootstrap

__all__ = ["ArmCoding", "DEFAULT_LEVEL", "Effect", "EffectTable", "VcovType", "ancova_effects", "difference_in_means", "effects_on_treated", "estimate_effects", "followup_mean", "monthly_profiles", "PermutationDesign", "RiStatistic", "randomization_inference", "AdjustMethod", "AttritionReport", "BalanceTable", "Diagnosis", "LeeBounds", "NON_EXPERIMENTAL", "PooledEffect", "PoolingMethod", "PowerDesign", "ReferenceGroupResult", "SampleRatioMismatch", "SampleSize", "SubgroupAnalysis", "adjust_by_family", "adjust_p_values", "attrition_table", "balance_table", "diagnose_design", "ipw_effects", "lee_bounds", "minimum_detectable_effect", "pool_effects", "reference_group_effect", "romano_wolf", "sample_ratio_mismatch", "sample_size", "statistical_power", "subgroup_effects", "summarize_simulations", "NO_VARIATION_RTOL", "TInference", "t_inference", "WildBootstrap", "WildWeights", "add_wild_bootstrap", "wild_cluster_bootstrap"]
