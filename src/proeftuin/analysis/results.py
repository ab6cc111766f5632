"""The one tidy result type from which every table, plot and export derives.

Each estimate is an :class:`Effect`: one term (a treatment arm) on one outcome. A collection
is an :class:`EffectTable`, which turns into records (JSON), a pandas frame or CSV.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

import pandas as pd


@dataclass(frozen=True, slots=True)
class Effect:
    """One estimated effect of one arm (``term``) on one outcome against the control group.

    Fields
    ------
    outcome, term:
        Names of the outcome and of the arm (the regression term).
    estimate, std_error, statistic, p_value:
        The coefficient, its standard error, ``estimate / std_error`` and the two-sided p-value
        from the t distribution with ``df`` degrees of freedom.
    ci_low, ci_high, level:
        The ``level`` confidence interval ``estimate -/+ t_{1-(1-level)/2, df} * std_error``.
    df:
        Degrees of freedom of the t reference distribution.
    n, n_arm, n_control:
        Observations used for this outcome in total, in this arm and in the control group.
    control_mean:
        Mean of the outcome in the control group over the observations used.
    vcov, estimator:
        Variance estimator (``HC2``, ``CR2``, ...) and the estimator's name (``ols``, ...).
    extra:
        Estimator-specific extras (e.g. ``ri_p_value``), kept as a mapping of floats.
    """

    outcome: str
    term: str
    estimate: float
    std_error: float
    statistic: float
    p_value: float
    ci_low: float
    ci_high: float
    df: float
    n: int
    n_arm: int
    n_control: int
    control_mean: float
    level: float
    vcov: str
    estimator: str = "ols"
    extra: dict[str, float] = field(default_factory=dict)

    def to_record(self) -> dict[str, Any]:
        """A flat mapping of every field, ``extra`` merged in (for JSON and frames)."""
        record = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "extra"}
        record.update(self.extra)
        return record

    def with_extra(self, **values: float) -> Effect:
        """A copy with more ``extra`` values (e.g. a randomization-inference p-value)."""
        return replace(self, extra={**self.extra, **values})


@dataclass(frozen=True)
class EffectTable(Sequence[Effect]):
    """An ordered collection of :class:`Effect` with the usual tidy views."""

    effects: tuple[Effect, ...]

    @classmethod
    def of(cls, effects: Iterable[Effect]) -> EffectTable:
        return cls(tuple(effects))

    def __len__(self) -> int:
        return len(self.effects)

    def __getitem__(self, index: int) -> Effect:  # type: ignore[override]
        return self.effects[index]

    def __iter__(self) -> Iterator[Effect]:
        return iter(self.effects)

    def get(self, outcome: str, term: str) -> Effect:
        """The effect of ``term`` on ``outcome``; ``KeyError`` naming both if there is none."""
        for effect in self.effects:
            if effect.outcome == outcome and effect.term == term:
                return effect
        raise KeyError(f"no effect of {term!r} on {outcome!r}")

    def to_records(self) -> list[dict[str, Any]]:
        return [effect.to_record() for effect in self.effects]

    def to_frame(self) -> pd.DataFrame:
        columns = [f.name for f in fields(Effect) if f.name != "extra"]
        return pd.DataFrame.from_records(self.to_records(), columns=None if self.effects else columns)

    def __add__(self, other: EffectTable) -> EffectTable:
        return EffectTable(self.effects + other.effects)
