"""The one builder of t statistics, p-values and confidence intervals, and its "not estimable" rule.

Every estimator hands its estimates, standard errors and degrees of freedom to :func:`t_inference`::

    t = b / se,    p = 2 (1 - F_t(|t|; df)),    CI = b -/+ t_{(1+level)/2; df} se

(``df = inf`` is the normal reference, used by the meta-analysis). One convention covers every
estimate that has no valid test: a standard error that is zero, missing or infinite, a missing
estimate, or no degrees of freedom left makes the effect *not estimable*. Its estimate, standard
error, statistic, p-value and interval are then ``NaN`` and ``reason`` says why, so that no
table, plot or export can show a number where there is none. An estimator that already knows a
reason (no observations in an arm, no variation, leverage 1) passes it in and it is kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

import numpy as np
from scipy import special

TIE_RTOL = 1e-10
"""Relative (and, near zero, absolute) tolerance under which a resampled statistic counts as equal
to the observed one. A draw that repeats the observed assignment, or mirrors it, gives the observed
statistic up to round-off; whether round-off puts it a hair above or below must not change a
p-value (randomization inference, Romano-Wolf, the balance test's re-randomization p-value)."""


def tie_threshold(observed: np.ndarray | float) -> np.ndarray:
    """The value a resampled statistic must reach to count as at least as extreme as ``observed``:
    ``observed (1 - TIE_RTOL) - TIE_RTOL`` (see :data:`TIE_RTOL`)."""
    return np.asarray(observed, dtype=float) * (1.0 - TIE_RTOL) - TIE_RTOL


NO_VARIATION_RTOL = 1e-10
"""Relative tolerance of "no variation": an outcome whose spread (max - min over the rows used),
or a standard error, is at most ``NO_VARIATION_RTOL`` times the outcome's magnitude (max |y|) is
treated as exactly constant, so round-off (about 1e-16 per operation) never becomes a p-value.
Real spreads are many orders of magnitude above it (a single case among a million rows
gives a standard error near 1e-6 of the magnitude)."""

class NotEstimable(Enum):
    """Why an effect is not estimable, declared once: each code's value is its English message
    (kept in ``Effect.not_estimable`` for the API and the command line), with ``{name}`` parameters;
    reports translate the code (:meth:`parse`, then their own translation table)."""

    ZERO_STANDARD_ERROR = "standard error is zero (no residual variation to test against)"
    UNDEFINED_STANDARD_ERROR = "standard error is undefined"
    NO_DEGREES_OF_FREEDOM = "no degrees of freedom left for the test"
    NO_VARIATION = "no variation in the outcome"
    NO_OBSERVATIONS_ARM = "no observations in this arm"
    NO_OBSERVATIONS_CONTROL = "no observations in the control group"
    LEVERAGE_ONE = "an observation of this arm has leverage 1 (a cell with one person): {vcov} is undefined"
    TOO_FEW_OBSERVATIONS = "fewer observations than coefficients"
    TOO_FEW_CLUSTERS = "observations in fewer than 2 clusters: no cluster-robust variance"
    NO_FOLLOW_UP = "no follow-up answers"

    def message(self, **parameters: object) -> str:
        """The English message with its ``parameters`` filled in."""
        return self.value.format(**parameters)

    @classmethod
    def parse(cls, message: str) -> tuple[NotEstimable, dict[str, str]] | None:
        """The code and parameters of a message made by :meth:`message`; ``None`` for any other text."""
        for code in cls:
            pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>.+?)", re.escape(code.value))
            found = re.fullmatch(pattern, message)
            if found is not None:
                return code, found.groupdict()
        return None


ZERO_STANDARD_ERROR = NotEstimable.ZERO_STANDARD_ERROR.value
UNDEFINED_STANDARD_ERROR = NotEstimable.UNDEFINED_STANDARD_ERROR.value
NO_DEGREES_OF_FREEDOM = NotEstimable.NO_DEGREES_OF_FREEDOM.value
NO_VARIATION = NotEstimable.NO_VARIATION.value
NO_OBSERVATIONS_ARM = NotEstimable.NO_OBSERVATIONS_ARM.value
NO_OBSERVATIONS_CONTROL = NotEstimable.NO_OBSERVATIONS_CONTROL.value
LEVERAGE_ONE = NotEstimable.LEVERAGE_ONE.value
TOO_FEW_OBSERVATIONS = NotEstimable.TOO_FEW_OBSERVATIONS.value
TOO_FEW_CLUSTERS = NotEstimable.TOO_FEW_CLUSTERS.value


@dataclass(frozen=True)
class TInference:
    """Arrays (broadcast to a common shape) of one or many t tests; ``reason == ""`` if estimable."""

    estimate: np.ndarray
    std_error: np.ndarray
    statistic: np.ndarray
    p_value: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    reason: np.ndarray

    @property
    def estimable(self) -> np.ndarray:
        return self.reason == ""


def critical_value(level: float, df: float | np.ndarray) -> np.ndarray:
    """``t_{(1+level)/2; df}`` (the normal quantile for ``df = inf``).

    The quantile is computed once per distinct ``df`` (a table of many outcomes shares a few:
    one ``stats.t.ppf`` call per effect took 0.26 ms for 648 effects, the most of a table's tests),
    by ``scipy.special.stdtrit``, the function ``scipy.stats.t.ppf`` evaluates (the same numbers,
    ``NaN`` for ``df <= 0`` as there) without its argument checks: 2 us where it took 50 us.
    """
    nu = np.asarray(df, dtype=float)
    distinct, where = np.unique(nu, return_inverse=True)
    return np.asarray(special.stdtrit(distinct, 0.5 + level / 2.0), dtype=float)[where].reshape(nu.shape)


def t_inference(
    estimate: float | np.ndarray,
    std_error: float | np.ndarray,
    df: float | np.ndarray,
    level: float,
    reason: str | np.ndarray | None = None,
) -> TInference:
    """Statistic, two-sided p-value and ``level`` interval, vectorised, with the one zero-SE rule.

    ``reason`` (a string or an array of strings, ``""`` meaning estimable) marks effects the
    estimator already knows to be not estimable; further reasons come from the standard error
    and the degrees of freedom (see the module docstring). Not-estimable entries are ``NaN`` in
    every numeric field.
    """
    b, se, nu = np.broadcast_arrays(
        np.asarray(estimate, dtype=float), np.asarray(std_error, dtype=float), np.asarray(df, dtype=float)
    )
    shape = b.shape
    why = np.full(shape, "", dtype=object)
    if reason is not None:
        why[...] = np.broadcast_to(np.asarray(reason, dtype=object), shape)
    free = why == ""
    why[free & ~(nu > 0)] = NO_DEGREES_OF_FREEDOM
    why[(why == "") & (se == 0)] = ZERO_STANDARD_ERROR
    why[(why == "") & ~(np.isfinite(se) & (se > 0) & np.isfinite(b))] = UNDEFINED_STANDARD_ERROR
    ok = why == ""
    b = np.where(ok, b, np.nan)
    se = np.where(ok, se, np.nan)
    safe_se = np.where(ok, se, 1.0)
    safe_df = np.where(ok, nu, 1.0)
    statistic = np.where(ok, np.where(ok, b, 0.0) / safe_se, np.nan)
    # F_t's upper tail by scipy.special.stdtr(df, -|t|), the function scipy.stats.t.sf evaluates (same numbers).
    p_value = np.where(ok, 2.0 * special.stdtr(safe_df, -np.abs(np.where(ok, statistic, 0.0))), np.nan)
    half = critical_value(level, safe_df) * safe_se
    return TInference(
        estimate=b, std_error=se, statistic=statistic, p_value=p_value,
        ci_low=np.where(ok, b - half, np.nan), ci_high=np.where(ok, b + half, np.nan), reason=why,
    )
