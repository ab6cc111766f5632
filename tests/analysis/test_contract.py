"""Issue 11, point 3: every estimator through the same properties (scikit-learn ``test_common`` style).

Each estimator of :mod:`proeftuin.analysis` that returns an :class:`EffectTable` must: give one
effect per outcome and treatment arm in outcome-major order; honour ``level`` (a wider interval
at a higher level, the level stored); not depend on the order of the rows; and turn a constant
outcome into "not estimable" with a reason and ``NaN`` numbers, never a p-value.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from proeftuin.analysis import (
    DEFAULT_LEVEL,
    EffectTable,
    ancova_effects,
    difference_in_means,
    effects_on_treated,
    estimate_effects,
    randomization_inference,
)

N = 240
ARMS = ("control", "a", "b")


def _data(rng: np.random.Generator) -> dict[str, np.ndarray]:
    arm = np.array(ARMS)[np.arange(N) % 3]
    clusters = np.arange(N) // 6
    arm = np.array(ARMS)[clusters % 3]  # whole clusters share an arm
    x = rng.normal(size=(N, 2))
    y = np.column_stack([rng.normal(size=N) + 0.3 * (arm == "a"), rng.normal(size=N) + x[:, 0]])
    received = np.where(rng.random(N) < 0.8, arm, "control")
    return {"y": y, "arm": arm, "x": x, "clusters": clusters, "received": received, "baseline": rng.normal(size=(N, 2))}


Estimator = Callable[[dict[str, np.ndarray], np.ndarray, float], EffectTable]

ESTIMATORS: dict[str, Estimator] = {
    "ols_hc2": lambda d, y, level: estimate_effects(y, d["arm"], control="control", covariates=d["x"], level=level),
    "ols_hc3": lambda d, y, level: estimate_effects(y, d["arm"], control="control", covariates=d["x"], level=level, vcov="HC3"),
    "ols_cr0": lambda d, y, level: estimate_effects(y, d["arm"], control="control", level=level, clusters=d["clusters"], vcov="CR0"),
    "ols_cr2": lambda d, y, level: estimate_effects(y, d["arm"], control="control", covariates=d["x"], level=level, clusters=d["clusters"]),
    "lin": lambda d, y, level: estimate_effects(y, d["arm"], control="control", covariates=d["x"], level=level, lin=True),
    "difference_in_means": lambda d, y, level: difference_in_means(y, d["arm"], control="control", level=level),
    "difference_in_means_cr2": lambda d, y, level: difference_in_means(y, d["arm"], control="control", level=level, clusters=d["clusters"]),
    "ancova": lambda d, y, level: ancova_effects([y], d["baseline"], d["arm"], control="control", level=level),
    "iv": lambda d, y, level: effects_on_treated(y, d["arm"], d["received"], control="control", level=level),
    "randomization_inference": lambda d, y, level: randomization_inference(y, d["arm"], control="control", level=level, draws=99, seed=1),
}


@pytest.fixture(params=sorted(ESTIMATORS))
def estimator(request) -> Estimator:
    return ESTIMATORS[request.param]


def _numbers(table: EffectTable) -> np.ndarray:
    return np.array([[e.estimate, e.std_error, e.p_value, e.ci_low, e.ci_high] for e in table])


def test_shape_one_effect_per_outcome_and_arm(estimator, rng):
    data = _data(rng)
    table = estimator(data, data["y"], DEFAULT_LEVEL)
    assert [(e.outcome, e.term) for e in table] == [(o, t) for o in ("y0", "y1") for t in ("a", "b")]
    assert all(e.estimable and e.ci_low < e.estimate < e.ci_high and 0 < e.p_value <= 1 for e in table)


def test_level_is_stored_and_widens_the_interval(estimator, rng):
    data = _data(rng)
    narrow, wide = estimator(data, data["y"], 0.80), estimator(data, data["y"], 0.95)
    assert {e.level for e in narrow} == {0.80} and {e.level for e in wide} == {0.95}
    for n, w in zip(narrow, wide, strict=True):
        assert w.ci_low < n.ci_low and n.ci_high < w.ci_high
        assert w.estimate == pytest.approx(n.estimate, rel=1e-12)


def test_invariant_to_row_order(estimator, rng):
    data = _data(rng)
    order = rng.permutation(N)
    shuffled = {key: value[order] for key, value in data.items()}
    before, after = estimator(data, data["y"], DEFAULT_LEVEL), estimator(shuffled, shuffled["y"], DEFAULT_LEVEL)
    np.testing.assert_allclose(_numbers(after), _numbers(before), rtol=1e-9, atol=1e-12)


def test_constant_outcome_is_not_estimable(estimator, rng):
    data = _data(rng)
    y = data["y"].copy()
    y[:, 1] = 1.0
    table = estimator(data, y, DEFAULT_LEVEL)
    for effect in table:
        if effect.outcome == "y1":
            assert effect.not_estimable, effect
            assert np.isnan([effect.estimate, effect.std_error, effect.p_value, effect.ci_low, effect.ci_high]).all()
        else:
            assert effect.estimable
