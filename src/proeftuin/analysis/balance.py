"""Baseline balance and sample-ratio mismatch: the checks to run before outcomes are looked at.

Nijmegen's and Tilburg's control groups were unbalanced at baseline (DOMAIN.md section 3).

Per covariate and arm: the means, the difference arm - control with its HC2 (Neyman) standard
error and t test (the regression of the covariate on the arm indicators, as
``estimatr::lm_robust``), and the standardized difference (Austin 2009; Imbens and Rubin 2015,
"normalized difference")::

    d = (mean_arm - mean_control) / sqrt((s_arm^2 + s_control^2) / 2)

with sample variances (``ddof = 1``); ``|d| > 0.1`` is the usual flag, and unlike a t test it does
not grow with the sample size.

Omnibus test: the HC2 Wald statistic that every covariate mean difference of every arm is zero,
``W = d' V^{-1} d`` over the stacked differences of all arms, with
``Cov(d_j, d_k) = 1[j = k] S_j / n_j + S_c / n_c`` (the ``S`` sample covariance matrices; the shared
control group makes arms correlated). Its reference distribution is the randomization
distribution: ``W`` recomputed under re-randomizations drawn with the design that was used,
``p = (1 + #{W_b >= W}) / (1 + B)``; the asymptotic chi-square p-value on ``q K`` degrees of
freedom is reported alongside.

Sample-ratio mismatch: Pearson's chi-square test of the observed arm sizes against the planned
allocation (``scipy.stats.chisquare``), ``X^2 = sum (O - E)^2 / E`` on ``arms - 1`` df.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from proeftuin.analysis.distributions import chi2_sf

from proeftuin.analysis.inference import tie_threshold
from proeftuin.analysis.ols import ArmCoding, estimate_effects

Rerandomize = Callable[[np.random.Generator], np.ndarray]
"""Draws a new vector of arm labels with the trial's own design (strata, ratios, clusters)."""


@dataclass(frozen=True)
class BalanceRow:
    """One covariate in one arm against control (see the module docstring for the formulas)."""

    covariate: str
    arm: str
    mean_control: float
    mean_arm: float
    difference: float
    std_error: float
    p_value: float
    std_diff: float


@dataclass(frozen=True)
class OmnibusTest:
    """Joint test that the arms are balanced on every covariate.

    ``ri_p_value`` and ``n_draws`` are ``None`` when no re-randomization function was given.
    """

    statistic: float
    df: int
    asymptotic_p_value: float
    ri_p_value: float | None
    n_draws: int | None


@dataclass(frozen=True)
class BalanceTable:
    """Balance of every covariate in every arm against ``control``, and the omnibus test."""

    control: str
    rows: tuple[BalanceRow, ...]
    omnibus: OmnibusTest

    def to_records(self) -> list[dict[str, Any]]:
        return [asdict(row) for row in self.rows]


def covariate_frame(covariates: pd.DataFrame | Mapping[str, Any], *, what: str = "covariate") -> tuple[np.ndarray, list[str]]:
    """Numeric (and boolean) columns as they are; text columns as indicators of every level but
    the first in sorted order. A missing value is an error naming the column and row."""
    frame = pd.DataFrame(covariates)
    blocks: list[np.ndarray] = []
    names: list[str] = []
    for column in frame.columns:
        series = frame[column]
        if series.isna().any():
            raise ValueError(f"{what} {column!r} has a missing value in row {int(np.flatnonzero(series.isna())[0])}")
        if pd.api.types.is_numeric_dtype(series):
            blocks.append(series.to_numpy(dtype=float)[:, None])
            names.append(str(column))
        else:
            labels = series.astype(str).to_numpy()
            for level in sorted(set(labels))[1:]:
                blocks.append((labels == level).astype(float)[:, None])
                names.append(f"{column}[{level}]")
    if not blocks:
        raise ValueError(f"no {what} columns to use (or only one level each)")
    return np.hstack(blocks), names


def _wald_statistic(x: np.ndarray, labels: np.ndarray, coding: ArmCoding) -> float:
    control = x[labels == coding.control]
    n_c = control.shape[0]
    shared = np.atleast_2d(np.cov(control, rowvar=False)) / n_c
    q, k = x.shape[1], len(coding.treatments)
    differences = np.empty(q * k)
    covariance = np.tile(shared, (k, k))
    for j, arm in enumerate(coding.treatments):
        group = x[labels == arm]
        block = slice(j * q, (j + 1) * q)
        differences[block] = group.mean(axis=0) - control.mean(axis=0)
        covariance[block, block] += np.atleast_2d(np.cov(group, rowvar=False)) / group.shape[0]
    try:
        return float(differences @ np.linalg.solve(covariance, differences))
    except np.linalg.LinAlgError:
        raise ValueError(
            "the omnibus balance test is undefined: a covariate is constant within the arms or "
            "covariates are collinear; drop it"
        ) from None


def balance_table(
    covariates: pd.DataFrame | Mapping[str, Any],
    arm: np.ndarray,
    control: str,
    *,
    rerandomize: Rerandomize | None = None,
    n_draws: int = 1000,
    seed: int = 0,
) -> BalanceTable:
    """Balance of baseline ``covariates`` across the arms of ``arm`` against ``control``.

    Parameters
    ----------
    covariates:
        One column per baseline covariate (text columns become level indicators).
    arm, control:
        Arm labels and the control label.
    rerandomize:
        ``rerandomize(rng)`` returns arm labels drawn with the trial's design; when given, the
        omnibus test gets a randomization p-value over ``n_draws`` draws (generator seeded by
        ``seed``).

    Returns
    -------
    BalanceTable
        Rows per covariate x arm (covariate-major) and the omnibus test.
    """
    x, names = covariate_frame(covariates)
    labels = np.asarray(arm).astype(str)
    if labels.shape != (x.shape[0],):
        raise ValueError(f"{labels.size} arm labels for {x.shape[0]} covariate rows")
    coding = ArmCoding.from_labels(labels, control)
    effects = estimate_effects(x, labels, control=control, outcome_names=names, vcov="HC2")
    rows = []
    is_control = labels == control
    for j, name in enumerate(names):
        sd_control = x[is_control, j].std(ddof=1)
        for arm_label in coding.treatments:
            effect = effects.get(name, arm_label)
            in_arm = labels == arm_label
            pooled = np.sqrt((x[in_arm, j].var(ddof=1) + sd_control**2) / 2.0)
            mean_arm = float(x[in_arm, j].mean())
            mean_control = float(x[is_control, j].mean())
            rows.append(
                BalanceRow(
                    covariate=name,
                    arm=arm_label,
                    mean_control=mean_control,
                    mean_arm=mean_arm,
                    difference=effect.estimate,
                    std_error=effect.std_error,
                    p_value=effect.p_value,
                    std_diff=float((mean_arm - mean_control) / pooled) if pooled > 0 else 0.0,
                )
            )
    observed = _wald_statistic(x, labels, coding)
    df = x.shape[1] * len(coding.treatments)
    ri_p_value = None
    if rerandomize is not None:
        if n_draws < 1:
            raise ValueError(f"n_draws must be at least 1; got {n_draws}")
        rng = np.random.default_rng(seed)
        exceed = 0
        for _ in range(n_draws):
            drawn = np.asarray(rerandomize(rng)).astype(str)
            if drawn.shape != labels.shape:
                raise ValueError(f"rerandomize returned {drawn.size} labels for {labels.size} participants")
            exceed += int(_wald_statistic(x, drawn, coding) >= tie_threshold(observed))
        ri_p_value = (1.0 + exceed) / (1.0 + n_draws)
    omnibus = OmnibusTest(
        statistic=observed,
        df=df,
        asymptotic_p_value=float(chi2_sf(observed, df)),
        ri_p_value=ri_p_value,
        n_draws=n_draws if rerandomize is not None else None,
    )
    return BalanceTable(control=control, rows=tuple(rows), omnibus=omnibus)


@dataclass(frozen=True)
class SampleRatioMismatch:
    """Observed against planned arm sizes: Pearson chi-square ``statistic`` on ``df``."""

    arms: tuple[str, ...]
    observed: tuple[int, ...]
    expected: tuple[float, ...]
    statistic: float
    df: int
    p_value: float


def sample_ratio_mismatch(arm: np.ndarray, planned: Mapping[str, float]) -> SampleRatioMismatch:
    """Test the observed allocation against ``planned`` (arm -> ratio or probability).

    The planned values are normalised to probabilities; a planned arm with nobody in it counts 0,
    an observed arm that was not planned is an error.
    """
    labels = np.asarray(arm).astype(str)
    arms = tuple(str(a) for a in planned)
    unplanned = sorted(set(labels.tolist()) - set(arms))
    if unplanned:
        raise ValueError(f"arm values {unplanned} are not in the planned allocation {list(arms)}")
    shares = np.array([float(planned[a]) for a in planned])
    if np.any(~np.isfinite(shares)) or np.any(shares <= 0):
        raise ValueError("planned allocation ratios must be positive numbers")
    if len(arms) < 2:
        raise ValueError("a sample-ratio test needs at least two planned arms")
    observed = np.array([int(np.sum(labels == a)) for a in arms])
    expected = observed.sum() * shares / shares.sum()
    statistic = float(np.sum((observed - expected) ** 2 / expected))
    df = len(arms) - 1
    return SampleRatioMismatch(
        arms=arms,
        observed=tuple(int(o) for o in observed),
        expected=tuple(float(e) for e in expected),
        statistic=statistic,
        df=df,
        p_value=float(chi2_sf(statistic, df)),
    )
