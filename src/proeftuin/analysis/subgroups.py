"""Pre-specified subgroup effects and interaction tests ("effects that cancel out").

One regression with every arm interacted with every subgroup level, so each subgroup has its
own control mean and its own effects::

    y_i = sum_l a_l G_il + sum_k sum_l b_kl D_ik G_il + x_i' g + e_i

``b_kl`` is the effect of arm ``k`` in subgroup level ``l``; optional covariates ``x`` enter
additively (common slopes). Standard errors are HC2 (MacKinnon and White 1985); without
covariates the model is saturated and ``b_kl`` and its HC2 standard error equal the difference in
means within the subgroup and its Neyman standard error. t intervals use ``n - p`` degrees of
freedom.

The interaction test for arm ``k`` is the HC2 Wald F test that its effect is the same in every
level, ``b_k1 = b_k2 = ... = b_kL`` (``L - 1`` restrictions on ``(L - 1, n - p)`` df); the
joint test puts those restrictions for all arms together. Only subgroups written in the analysis
plan before the data were seen are confirmatory; others are exploratory and should be reported
as such (and adjusted, :mod:`proeftuin.analysis.multiple_testing`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from proeftuin.analysis.ols import ArmCoding
from proeftuin.analysis.options import DEFAULT_LEVEL, check_level
from proeftuin.analysis.results import Effect
from proeftuin.analysis.robust_wls import WaldTest, wald_test, wls_hc2


@dataclass(frozen=True)
class SubgroupEffect:
    """The effect of one arm within one level of the subgroup variable."""

    level: str
    effect: Effect


@dataclass(frozen=True)
class InteractionTest:
    """Whether the effect of ``arm`` differs across the levels (``arm = "all"``: every arm)."""

    arm: str
    test: WaldTest


@dataclass(frozen=True)
class SubgroupAnalysis:
    """Effects per subgroup level and arm, and the interaction tests."""

    subgroup: str
    levels: tuple[str, ...]
    effects: tuple[SubgroupEffect, ...]
    interactions: tuple[InteractionTest, ...]

    def get(self, level: str, arm: str) -> Effect:
        """The effect of ``arm`` in subgroup ``level``."""
        for item in self.effects:
            if item.level == level and item.effect.term == arm:
                return item.effect
        raise KeyError(f"no effect of {arm!r} in subgroup {self.subgroup}={level!r}")


def subgroup_effects(
    outcome: np.ndarray,
    arm: np.ndarray,
    subgroup: np.ndarray,
    *,
    control: str,
    subgroup_name: str = "subgroup",
    outcome_name: str = "y",
    covariates: np.ndarray | None = None,
    level: float = DEFAULT_LEVEL,
) -> SubgroupAnalysis:
    """Effects of every arm within every level of ``subgroup``, with interaction tests.

    Parameters
    ----------
    outcome, arm, subgroup:
        ``(n,)`` outcomes (no missing values), arm labels and subgroup labels (e.g. distance to
        the labour market, age band).
    control:
        The control arm label.
    covariates:
        Optional ``(n, q)`` baseline covariates with common slopes.
    level:
        Confidence level (default 0.90).

    Returns
    -------
    SubgroupAnalysis
        Effects in level-major order (``effect.outcome`` is ``outcome_name``, ``effect.term`` the
        arm, ``estimator`` ``"ols-subgroup"``), one interaction test per arm and one for all.
    """
    check_level(level)
    y = np.asarray(outcome, dtype=float)
    labels = np.asarray(arm).astype(str)
    groups = np.asarray(subgroup).astype(str)
    n = y.size
    if labels.shape != (n,) or groups.shape != (n,):
        raise ValueError(f"outcome ({n}), arm ({labels.size}) and subgroup ({groups.size}) differ in length")
    if np.isnan(y).any():
        raise ValueError(f"outcome is missing in row {int(np.flatnonzero(np.isnan(y))[0])}")
    coding = ArmCoding.from_labels(labels, control)
    levels = tuple(sorted(set(groups.tolist())))
    if len(levels) < 2:
        raise ValueError(f"subgroup {subgroup_name!r} has a single level {levels}; nothing to compare")
    arms_d = coding.indicators(labels)
    level_d = np.column_stack([(groups == value).astype(float) for value in levels])
    k, n_levels = len(coding.treatments), len(levels)
    for value in levels:
        in_level = groups == value
        for a in (coding.control, *coding.treatments):
            if not np.any(in_level & (labels == a)):
                raise ValueError(f"subgroup {subgroup_name}={value!r} has nobody in arm {a!r}")
    interaction = np.column_stack([arms_d[:, i] * level_d[:, j] for j in range(n_levels) for i in range(k)])
    parts = [level_d, interaction]
    if covariates is not None:
        parts.append(np.asarray(covariates, dtype=float).reshape(n, -1))
    x = np.hstack(parts)
    fit = wls_hc2(y, x)

    def column(i: int, j: int) -> int:
        return n_levels + j * k + i

    effects = []
    for j, value in enumerate(levels):
        in_level = groups == value
        is_control = in_level & (labels == control)
        for i, term in enumerate(coding.treatments):
            c = column(i, j)
            estimate = float(fit.coef[c])
            se = float(np.sqrt(fit.vcov[c, c]))
            effects.append(
                SubgroupEffect(
                    level=value,
                    effect=Effect.from_t(
                        outcome=outcome_name,
                        term=term,
                        estimate=estimate,
                        std_error=se,
                        df=fit.df,
                        level=level,
                        n=int(np.sum(in_level & ((labels == term) | (labels == control)))),
                        n_arm=int(np.sum(in_level & (labels == term))),
                        n_control=int(is_control.sum()),
                        control_mean=float(y[is_control].mean()),
                        vcov="HC2",
                        estimator="ols-subgroup",
                    ),
                )
            )
    restrictions = []
    tests = []
    for i, term in enumerate(coding.treatments):
        r = np.zeros((n_levels - 1, x.shape[1]))
        for j in range(1, n_levels):
            r[j - 1, column(i, j)] = 1.0
            r[j - 1, column(i, 0)] = -1.0
        restrictions.append(r)
        tests.append(InteractionTest(arm=term, test=wald_test(fit, r)))
    if k > 1:
        tests.append(InteractionTest(arm="all", test=wald_test(fit, np.vstack(restrictions))))
    return SubgroupAnalysis(subgroup=subgroup_name, levels=levels, effects=tuple(effects), interactions=tuple(tests))
