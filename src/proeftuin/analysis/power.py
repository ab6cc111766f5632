"""Power, minimum detectable effect and sample size; design diagnosis by simulation.

Analytic formulas (Bloom 1995; Duflo, Glennerster and Kremer 2007). Each treatment arm of
``n`` participants is compared with a control group of ``n / ratio`` (``ratio = n_arm /
n_control``, 1 for equal allocation). The standard error of the difference in means is::

    SE(n) = sqrt( sigma^2 (1 - R^2) DEFF (1/n + ratio/n) ),    DEFF = 1 + (M - 1) ICC

with ``sigma^2 = P (1 - P)`` for a binary outcome with control mean ``P`` (the variance under
the null, used for both groups) or ``S^2`` for a continuous outcome with standard deviation
``S``; ``R^2`` the share of outcome variance explained by baseline covariates, and ``DEFF`` the
design effect of clusters of ``M`` participants with intra-cluster correlation ``ICC``
(Kish 1965). The test is two-sided at ``alpha = 1 - level`` (default ``level = 0.90``, the trial
reports' convention), divided by the number of arms under ``bonferroni``.

Power at effect ``d`` with the normal reference (``test="z"``, statsmodels' ``NormalIndPower``)::

    power = Phi(d/SE - z_{1-alpha/2}) + Phi(-d/SE - z_{1-alpha/2})

and with ``test="t"`` the noncentral t with noncentrality ``d/SE`` and ``df = n_units - 2``
(statsmodels' ``TTestIndPower``; ``n_units`` counts clusters when ``M > 1``). The minimum
detectable effect solves ``power(d) = target``; it is close to the textbook
``(z_{1-alpha/2} + z_{power}) SE``, which ignores the far tail. The sample size is the
smallest whole number of participants per arm that reaches the target power.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol, TypeVar

import numpy as np
from scipy import optimize

from proeftuin.analysis.options import DEFAULT_LEVEL, check_level, check_option

PowerTest = Literal["z", "t"]


@dataclass(frozen=True)
class PowerDesign:
    """The outcome and design assumptions of a power calculation (validated when declared).

    Exactly one of ``control_mean`` (binary outcome) and ``sd`` (continuous outcome) is given.
    ``arms`` is the number of treatment arms each compared with the one control group;
    ``ratio`` the size of each arm over the control group's; ``power`` the target power used by
    :func:`minimum_detectable_effect` and :func:`sample_size`.
    """

    control_mean: float | None = None
    sd: float | None = None
    arms: int = 1
    ratio: float = 1.0
    level: float = DEFAULT_LEVEL
    power: float = 0.8
    r2: float = 0.0
    icc: float = 0.0
    cluster_size: float = 1.0
    bonferroni: bool = False
    test: PowerTest = "z"

    def __post_init__(self) -> None:
        if (self.control_mean is None) == (self.sd is None):
            raise ValueError("give exactly one of control_mean (binary outcome) and sd (continuous outcome)")
        if self.control_mean is not None and not 0.0 < self.control_mean < 1.0:
            raise ValueError(f"control_mean must be a share strictly between 0 and 1; got {self.control_mean}")
        if self.sd is not None and not self.sd > 0.0:
            raise ValueError(f"sd must be positive; got {self.sd}")
        if int(self.arms) != self.arms or self.arms < 1:
            raise ValueError(f"arms must be a whole number of at least 1; got {self.arms}")
        if not self.ratio > 0.0:
            raise ValueError(f"ratio (arm size / control size) must be positive; got {self.ratio}")
        check_level(self.level)
        if not 0.0 < self.power < 1.0:
            raise ValueError(f"power must be between 0 and 1 (e.g. 0.8); got {self.power}")
        if not 0.0 <= self.r2 < 1.0:
            raise ValueError(f"r2 must be in [0, 1); got {self.r2}")
        if not 0.0 <= self.icc <= 1.0:
            raise ValueError(f"icc must be in [0, 1]; got {self.icc}")
        if not self.cluster_size >= 1.0:
            raise ValueError(f"cluster_size must be at least 1; got {self.cluster_size}")
        check_option("test", self.test, PowerTest)
        if not self.power > self.alpha * (1.0 + 1e-9):  # 1 - 0.90 is 0.09999999999999998
            raise ValueError(
                f"power {self.power:g} must exceed the significance level alpha {self.alpha:g}: "
                "a test rejects with probability alpha even when there is no effect"
            )

    @property
    def alpha(self) -> float:
        """The two-sided significance level of each comparison (Bonferroni over arms if asked)."""
        alpha = 1.0 - self.level
        return alpha / self.arms if self.bonferroni else alpha

    @property
    def design_effect(self) -> float:
        """``1 + (M - 1) ICC``."""
        return 1.0 + (self.cluster_size - 1.0) * self.icc

    @property
    def variance(self) -> float:
        """Outcome variance per participant after covariates and clustering."""
        base = self.control_mean * (1.0 - self.control_mean) if self.control_mean is not None else self.sd**2  # type: ignore[operator]
        return base * (1.0 - self.r2) * self.design_effect

    def std_error(self, n_per_arm: float) -> float:
        """Standard error of one arm-versus-control difference with ``n_per_arm`` in the arm."""
        return math.sqrt(self.variance * (1.0 + self.ratio) / n_per_arm)

    def degrees_of_freedom(self, n_per_arm: float) -> float:
        """``n_units - 2`` for one comparison (units are clusters when ``cluster_size > 1``)."""
        return n_per_arm * (1.0 + 1.0 / self.ratio) / self.cluster_size - 2.0


@dataclass(frozen=True)
class SampleSize:
    """Participants needed: per treatment arm, in the control group, and in total."""

    n_per_arm: int
    n_control: int
    n_total: int


def _power_at(noncentrality: float, design: PowerDesign, n_per_arm: float) -> float:
    from scipy import stats  # here, not at import: every analysis imports this package, few compute power (scipy.stats is ~0.5 s)

    if design.test == "z":
        crit = stats.norm.isf(design.alpha / 2.0)
        return float(stats.norm.sf(crit - noncentrality) + stats.norm.cdf(-crit - noncentrality))
    df = design.degrees_of_freedom(n_per_arm)
    if df <= 0:
        raise ValueError(f"{n_per_arm} participants per arm leave no degrees of freedom for a t test")
    crit = stats.t.isf(design.alpha / 2.0, df)
    return float(stats.nct.sf(crit, df, noncentrality) + stats.nct.cdf(-crit, df, noncentrality))


def statistical_power(effect: float, n_per_arm: float, design: PowerDesign) -> float:
    """Power to detect ``effect`` (outcome units) with ``n_per_arm`` participants per arm."""
    if not n_per_arm > 0:
        raise ValueError(f"n_per_arm must be positive; got {n_per_arm}")
    return _power_at(abs(effect) / design.std_error(n_per_arm), design, n_per_arm)


def minimum_detectable_effect(n_per_arm: float, design: PowerDesign) -> float:
    """The smallest effect (outcome units; percentage points / 100 for a share) detected with
    ``design.power`` when each arm has ``n_per_arm`` participants (see the module docstring)."""
    from scipy import stats  # here: see _power_at

    if not n_per_arm > 0:
        raise ValueError(f"n_per_arm must be positive; got {n_per_arm}")
    se = design.std_error(n_per_arm)
    guess = (stats.norm.isf(design.alpha / 2.0) + stats.norm.ppf(design.power)) * se

    def shortfall(effect: float) -> float:
        return _power_at(effect / se, design, n_per_arm) - design.power

    upper = 2.0 * guess
    while shortfall(upper) < 0.0:
        upper *= 2.0
    return float(optimize.brentq(shortfall, 0.0, upper, xtol=1e-14 * guess, rtol=1e-14))


def sample_size(mde: float, design: PowerDesign) -> SampleSize:
    """The smallest whole ``n_per_arm`` with power ``design.power`` against effect ``mde``.

    The control group gets ``ceil(n_per_arm / ratio)``; ``n_total`` counts every arm.
    """
    from scipy import stats  # here: see _power_at

    if not mde > 0:
        raise ValueError(f"the effect to detect must be positive; got {mde}")
    if design.control_mean is not None and not mde < max(design.control_mean, 1.0 - design.control_mean):
        p = design.control_mean
        raise ValueError(f"an effect of {mde:g} on a share of {p:g} is impossible: the arm's share would leave [0, 1]")

    def shortfall(n: float) -> float:
        return statistical_power(mde, n, design) - design.power

    z_guess = ((stats.norm.isf(design.alpha / 2.0) + stats.norm.ppf(design.power)) / mde) ** 2
    lower = 3.0 * design.cluster_size / (1.0 + 1.0 / design.ratio)  # three units: df >= 1
    upper = max(2.0 * z_guess * design.variance * (1.0 + design.ratio), 2.0 * lower)
    if shortfall(lower) >= 0.0:
        n = lower
    else:
        while shortfall(upper) < 0.0:
            upper *= 2.0
        n = float(optimize.brentq(shortfall, lower, upper, xtol=1e-9, rtol=1e-12))
    n_per_arm = math.ceil(n - 1e-9)
    n_control = math.ceil(n_per_arm / design.ratio - 1e-9)
    return SampleSize(n_per_arm=n_per_arm, n_control=n_control, n_total=design.arms * n_per_arm + n_control)


class EstimateLike(Protocol):
    """What :func:`diagnose_design` needs from an estimator's result (an ``Effect`` has it)."""

    estimate: float
    ci_low: float
    ci_high: float
    p_value: float


Data = TypeVar("Data")


@dataclass(frozen=True)
class Diagnosis:
    """Operating characteristics of a design + estimator over ``n_sims`` simulated trials.

    ``bias = mean(estimate - estimand)``, ``rmse = sqrt(mean((estimate - estimand)^2))``,
    ``power`` the share with ``p_value <= alpha``, ``coverage`` the share of intervals containing
    the estimand (DeclareDesign's diagnosands). ``*_se`` are their Monte Carlo standard errors
    (``sd / sqrt(n_sims)`` and ``sqrt(p (1 - p) / n_sims)``).
    """

    n_sims: int
    alpha: float
    mean_estimand: float
    mean_estimate: float
    sd_estimate: float
    bias: float
    bias_se: float
    rmse: float
    power: float
    power_se: float
    coverage: float
    coverage_se: float


def diagnose_design(
    simulate: Callable[[np.random.Generator], tuple[Data, float]],
    estimator: Callable[[Data], EstimateLike],
    n_sims: int,
    seed: int,
    *,
    alpha: float = 1.0 - DEFAULT_LEVEL,
) -> Diagnosis:
    """Simulate ``n_sims`` trials and summarise the estimator as DeclareDesign's ``diagnose_design``.

    ``simulate(rng)`` draws one trial and returns ``(data, estimand)``; ``estimator(data)`` returns
    an object with ``estimate``, ``ci_low``, ``ci_high`` and ``p_value`` (an :class:`Effect`).
    Each simulation gets its own generator spawned from ``seed`` (NumPy ``SeedSequence``), so a
    diagnosis is reproducible and independent of the order of evaluation. ``alpha`` (default
    0.10, matching the 90% intervals) is the level at which power is counted.
    """
    if n_sims < 2:
        raise ValueError(f"n_sims must be at least 2; got {n_sims}")
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be between 0 and 1; got {alpha}")
    rows = np.empty((n_sims, 5))
    for i, child in enumerate(np.random.SeedSequence(seed).spawn(n_sims)):
        data, estimand = simulate(np.random.default_rng(child))
        result = estimator(data)
        rows[i] = (estimand, result.estimate, result.ci_low, result.ci_high, result.p_value)
        if not np.isfinite(rows[i]).all():
            raise ValueError(f"simulation {i} gave a non-finite estimand, estimate, interval or p-value: {rows[i].tolist()}")
    return summarize_simulations(*rows.T, alpha=alpha)


def summarize_simulations(
    estimand: np.ndarray, estimate: np.ndarray, ci_low: np.ndarray, ci_high: np.ndarray, p_value: np.ndarray, *, alpha: float
) -> Diagnosis:
    """The diagnosands of :class:`Diagnosis` from one row per simulated trial."""
    n_sims = len(estimate)
    error = estimate - estimand
    power = float(np.mean(p_value <= alpha))
    coverage = float(np.mean((ci_low <= estimand) & (estimand <= ci_high)))
    return Diagnosis(
        n_sims=n_sims,
        alpha=alpha,
        mean_estimand=float(estimand.mean()),
        mean_estimate=float(estimate.mean()),
        sd_estimate=float(estimate.std(ddof=1)),
        bias=float(error.mean()),
        bias_se=float(error.std(ddof=1) / math.sqrt(n_sims)),
        rmse=float(math.sqrt(np.mean(error**2))),
        power=power,
        power_se=math.sqrt(power * (1.0 - power) / n_sims),
        coverage=coverage,
        coverage_se=math.sqrt(coverage * (1.0 - coverage) / n_sims),
    )
