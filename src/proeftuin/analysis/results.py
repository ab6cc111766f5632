"""The one tidy result type from which every table, plot and export derives.

Each estimate is an :class:`Effect`: one term (a treatment arm) on one outcome. A collection
is an :class:`EffectTable`, which turns into records (JSON), a pandas frame or CSV.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np
import pandas as pd

from proeftuin.analysis.inference import t_inference


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
    not_estimable:
        ``None`` for an estimated effect; otherwise the reason it cannot be estimated (no
        variation, no observations in the arm, leverage 1, a zero standard error), and then
        ``estimate``, ``std_error``, ``statistic``, ``p_value`` and the interval are ``NaN``
        (see :mod:`proeftuin.analysis.inference`).
    note:
        ``None`` or a remark on how the effect was estimated (e.g. covariates dropped as
        constant or collinear, as R's ``lm`` does).
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
    not_estimable: str | None = None
    note: str | None = None
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def estimable(self) -> bool:
        return self.not_estimable is None

    @classmethod
    def from_t(
        cls,
        *,
        outcome: str,
        term: str,
        estimate: float,
        std_error: float,
        df: float,
        level: float,
        n: int,
        n_arm: int,
        n_control: int,
        control_mean: float,
        vcov: str,
        estimator: str = "ols",
        not_estimable: str | None = None,
        note: str | None = None,
    ) -> Effect:
        """An effect whose test and interval come from the t distribution with ``df`` degrees of freedom.

        Built by :func:`proeftuin.analysis.inference.t_inference`: ``statistic = estimate /
        std_error``, ``p = 2 (1 - F_t(|statistic|))`` and the interval ``estimate -/+
        t_{(1+level)/2} std_error``. A zero, missing or infinite standard error (e.g. nobody lost
        in any arm) makes the effect not estimable with that reason, as everywhere else.
        """
        result = t_inference(estimate, std_error, df, level, not_estimable or "")
        reason = str(result.reason[()])
        return cls(
            outcome=outcome, term=term, estimate=float(result.estimate), std_error=float(result.std_error),
            statistic=float(result.statistic), p_value=float(result.p_value), ci_low=float(result.ci_low),
            ci_high=float(result.ci_high), df=df, n=n, n_arm=n_arm, n_control=n_control,
            control_mean=control_mean, level=level, vcov=vcov, estimator=estimator,
            not_estimable=reason or None, note=note,
        )

    def to_record(self) -> dict[str, Any]:
        """A flat mapping of every field, ``extra`` merged in (for JSON and frames)."""
        record = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "extra"}
        record.update(self.extra)
        return record

    def with_extra(self, **values: float) -> Effect:
        """A copy with more ``extra`` values (e.g. a randomization-inference p-value)."""
        return replace(self, extra={**self.extra, **values})


@dataclass(frozen=True)
class EffectColumns:
    """Effects stored column-wise: ``m`` outcomes x ``k`` terms, the fast form of an estimator.

    The vectorised estimators fill these arrays in one pass; :class:`EffectTable` turns them into
    :class:`Effect` rows only when rows are asked for. Every array is ``(m, k)``; ``statistic``,
    ``p_value`` and the interval are derived here, vectorised, from ``estimate``, ``std_error``
    and ``df`` by :func:`~proeftuin.analysis.inference.t_inference`. ``not_estimable`` holds the
    estimator's reasons (``""`` where estimable) and ``note`` its remarks (``""`` for none), both
    ``(m, k)`` object arrays or ``None``.
    """

    outcomes: tuple[str, ...]
    terms: tuple[str, ...]
    estimate: np.ndarray
    std_error: np.ndarray
    df: np.ndarray
    n: np.ndarray
    n_arm: np.ndarray
    n_control: np.ndarray
    control_mean: np.ndarray
    level: float
    vcov: str
    estimator: str = "ols"
    extra: dict[str, np.ndarray] = field(default_factory=dict)
    not_estimable: np.ndarray | None = None
    note: np.ndarray | None = None

    def derived(self) -> dict[str, np.ndarray]:
        """Estimate, SE, ``statistic``, ``p_value``, interval and reason (vectorised over all effects)."""
        result = t_inference(self.estimate, self.std_error, self.df, self.level, self.not_estimable)
        return {
            "estimate": result.estimate,
            "std_error": result.std_error,
            "statistic": result.statistic,
            "p_value": result.p_value,
            "ci_low": result.ci_low,
            "ci_high": result.ci_high,
            "not_estimable": result.reason,
        }

    def arrays(self) -> dict[str, Any]:
        """Every field flat in outcome-major order (one entry per effect): numbers as NumPy arrays,
        text as Python lists (what :meth:`records` and a frame are built from)."""
        m, k = len(self.outcomes), len(self.terms)
        derived = self.derived()

        def flat(values: np.ndarray, kind: type) -> np.ndarray:
            return np.broadcast_to(values, (m, k)).ravel().astype(kind)

        def text(values: np.ndarray) -> list[str | None]:
            return [r or None for r in flat(values, object).tolist()]

        columns: dict[str, Any] = {
            "outcome": [o for o in self.outcomes for _ in range(k)],
            "term": list(self.terms) * m,
            "estimate": flat(derived["estimate"], float),
            "std_error": flat(derived["std_error"], float),
            "statistic": flat(derived["statistic"], float),
            "p_value": flat(derived["p_value"], float),
            "ci_low": flat(derived["ci_low"], float),
            "ci_high": flat(derived["ci_high"], float),
            "df": flat(self.df, float),
            "n": flat(self.n, int),
            "n_arm": flat(self.n_arm, int),
            "n_control": flat(self.n_control, int),
            "control_mean": flat(self.control_mean, float),
            "level": np.full(m * k, float(self.level)),
            "vcov": [self.vcov] * (m * k),
            "estimator": [self.estimator] * (m * k),
            "not_estimable": text(derived["not_estimable"]),
            "note": [None] * (m * k) if self.note is None else text(self.note),
        }
        for name, values in self.extra.items():
            columns[name] = flat(values, float)
        return columns

    def records(self) -> dict[str, list[Any]]:
        """Every field as a flat Python list in outcome-major order (one entry per effect)."""
        return {name: values.tolist() if isinstance(values, np.ndarray) else values
                for name, values in self.arrays().items()}


class EffectTable(Sequence[Effect]):
    """An ordered collection of :class:`Effect` with the usual tidy views.

    Built either from effects (``EffectTable(effects)`` / :meth:`of`) or, by the vectorised
    estimators, from :class:`EffectColumns` (:meth:`from_columns`); in the second case the
    ``Effect`` rows are created on first access and frames are built straight from the arrays.
    """

    __slots__ = ("_effects", "_columns")

    def __init__(self, effects: Iterable[Effect] = ()) -> None:
        self._effects: tuple[Effect, ...] | None = tuple(effects)
        self._columns: EffectColumns | None = None

    @classmethod
    def of(cls, effects: Iterable[Effect]) -> EffectTable:
        return cls(effects)

    @classmethod
    def from_columns(cls, columns: EffectColumns) -> EffectTable:
        table = cls()
        table._effects = None
        table._columns = columns
        return table

    @property
    def effects(self) -> tuple[Effect, ...]:
        if self._effects is None:
            assert self._columns is not None
            self._effects = _materialise(self._columns.records(), tuple(self._columns.extra))
        return self._effects

    def __len__(self) -> int:
        if self._effects is None and self._columns is not None:
            return len(self._columns.outcomes) * len(self._columns.terms)
        return len(self.effects)

    def __getitem__(self, index: int) -> Effect:  # type: ignore[override]
        return self.effects[index]

    def __iter__(self) -> Iterator[Effect]:
        return iter(self.effects)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EffectTable) and self.effects == other.effects

    def __hash__(self) -> int:
        return hash(self.effects)

    def __repr__(self) -> str:
        return f"EffectTable({len(self)} effects)"

    def get(self, outcome: str, term: str) -> Effect:
        """The effect of ``term`` on ``outcome``; ``KeyError`` naming both if there is none."""
        for effect in self.effects:
            if effect.outcome == outcome and effect.term == term:
                return effect
        raise KeyError(f"no effect of {term!r} on {outcome!r}")

    def with_extra(self, name: str, values: Sequence[float] | np.ndarray) -> EffectTable:
        """A copy with one more ``extra`` value per effect, ``values`` in this table's order."""
        values = np.asarray(values, dtype=float).ravel()
        if values.shape != (len(self),):
            raise ValueError(f"{values.shape[0]} values of {name!r} for {len(self)} effects")
        if self._effects is None and self._columns is not None:
            shape = (len(self._columns.outcomes), len(self._columns.terms))
            extra = {**self._columns.extra, name: values.reshape(shape)}
            return EffectTable.from_columns(replace(self._columns, extra=extra))
        return EffectTable(e.with_extra(**{name: float(v)}) for e, v in zip(self.effects, values))

    def to_records(self) -> list[dict[str, Any]]:
        return [effect.to_record() for effect in self.effects]

    def to_frame(self) -> pd.DataFrame:
        if self._effects is None and self._columns is not None:
            return pd.DataFrame(self._columns.arrays())  # numbers straight from the arrays, not via lists
        columns = [f.name for f in fields(Effect) if f.name != "extra"]
        return pd.DataFrame.from_records(self.to_records(), columns=None if self.effects else columns)

    def __add__(self, other: EffectTable) -> EffectTable:
        return EffectTable(self.effects + other.effects)


_EFFECT_FIELDS = tuple(f.name for f in fields(Effect) if f.name != "extra")


def _materialise(columns: dict[str, list[Any]], extra_names: tuple[str, ...]) -> tuple[Effect, ...]:
    """``Effect`` rows from flat columns (one zip over Python lists: no per-element numpy calls)."""
    base = zip(*(columns[name] for name in _EFFECT_FIELDS))
    if not extra_names:
        return tuple(Effect(*row) for row in base)
    extras = zip(*(columns[name] for name in extra_names))
    return tuple(Effect(*row, extra=dict(zip(extra_names, values))) for row, values in zip(base, extras))
