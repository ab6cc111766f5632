"""The design factorised by its arms (``ols._prepare_cells``) against Householder QR of the whole
design (``ols._prepare``, the path every HC fit took before) and against exact rational arithmetic."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from proeftuin.analysis import estimate_effects, ols

ARMS = np.array(["control", "exemption", "intensive", "disregard"])
SAME_TOL = 1e-12
"""Largest difference between the two paths, relative to the standard error (estimates) or the value."""
FIELDS = ("std_error", "df", "control_mean", "n", "n_arm")


def _data(rng: np.random.Generator, n: int = 400, m: int = 5):
    """Arms, covariates of very different scales and offsets (age-like, income-like, a tiny rate),
    and outcomes with a large mean, one of them constant."""
    arm = ARMS[rng.integers(0, 4, n)]
    covariates = rng.normal(size=(n, 3)) * [10.0, 1e3, 1e-3] + [40.0, 3e4, 7.0]
    outcomes = rng.normal(size=(n, m)) * 10.0 + 100.0 + 0.5 * (arm == "exemption")[:, None]
    outcomes[:, -1] = 5.0
    return outcomes, arm, covariates


def _both_ways(monkeypatch, outcomes, arm, **options):
    """The table by the cells' path and by Householder QR (``_prepare_cells`` declining every design)."""
    ols._last_design = None
    cells = estimate_effects(outcomes, arm, control="control", **options)
    with monkeypatch.context() as patched:
        patched.setattr(ols, "_prepare_cells", lambda *args, **kwargs: None)
        ols._last_design = None
        householder = estimate_effects(outcomes, arm, control="control", **options)
    ols._last_design = None
    return cells, householder


def _assert_same(cells, householder) -> None:
    assert len(cells) == len(householder)
    for a, b in zip(cells, householder):
        assert (a.outcome, a.term, a.not_estimable, a.note) == (b.outcome, b.term, b.not_estimable, b.note)
        if a.not_estimable is None:
            assert abs(a.estimate - b.estimate) <= SAME_TOL * b.std_error
            for name in FIELDS:
                assert getattr(a, name) == pytest.approx(getattr(b, name), rel=SAME_TOL)


@pytest.mark.parametrize("vcov", ["HC0", "HC1", "HC2", "HC3"])
@pytest.mark.parametrize("options", [{}, {"covariates": True}, {"covariates": True, "lin": True}])
def test_the_cells_path_gives_householders_numbers(monkeypatch, rng, vcov, options):
    outcomes, arm, covariates = _data(rng)
    kwargs = {**options, "covariates": covariates if options.get("covariates") else None}
    cells, householder = _both_ways(monkeypatch, outcomes, arm, vcov=vcov, **kwargs)
    _assert_same(cells, householder)


def test_the_cells_path_is_taken_for_an_hc_fit(monkeypatch, rng):
    outcomes, arm, covariates = _data(rng)
    taken: list[bool] = []
    original = ols._prepare_cells

    def spy(*args, **kwargs):
        prepared = original(*args, **kwargs)
        taken.append(prepared is not None)
        return prepared

    monkeypatch.setattr(ols, "_prepare_cells", spy)
    ols._last_design = None
    estimate_effects(outcomes, arm, control="control", covariates=covariates)
    assert taken == [True]


def test_coefficients_are_as_exact_as_householders(rng):
    """Against the exact least-squares solution (rational arithmetic): the arms' coefficients within
    1e-12 of their size and the covariates' no worse than Householder's. Measuring the covariates
    from their cells' means of the raw values (7 +- 0.001) put 2e-10 of error into the tiny
    covariate's coefficient through the outcome's mean of 100; from the first row, 1e-11."""
    outcomes, arm, covariates = _data(rng, n=120, m=2)
    outcomes = outcomes[:, :1]
    coding, _, is_control, x = ols._coded_design(arm, "control", None, covariates)
    k = len(coding.treatments)
    cells = ols._prepare_cells(x, k=k, vcov="HC2", is_control=is_control)
    householder = ols._prepare(x, terms=list(range(1, k + 1)), vcov="HC2", is_control=is_control, instruments=None,
                               label="y", droppable_from=k + 1)
    assert cells is not None and householder.coef_map is None
    exact = _exact_least_squares(x, outcomes[:, 0])
    by_cells = cells.from_pass(cells.a_ext @ outcomes, False)[0][:, 0]
    by_householder = householder.from_pass(householder.a_ext @ outcomes, False)[0][:, 0]
    assert (np.abs(by_cells - exact)[1 : k + 1] <= 1e-12 * np.abs(exact[1 : k + 1]).max()).all()
    assert (np.abs(by_cells - exact)[k + 1 :] <= np.maximum(np.abs(by_householder - exact)[k + 1 :], 1e-13 * np.abs(exact[k + 1 :]))).all()


def _exact_least_squares(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``(X'X)^{-1} X'y`` in rational arithmetic (Gauss-Jordan on the normal equations), rounded once."""
    rows = [[Fraction(v) for v in row] for row in x]
    p = x.shape[1]
    gram = [[sum((row[i] * row[j] for row in rows), Fraction(0)) for j in range(p)] for i in range(p)]
    rhs = [sum((row[i] * Fraction(v) for row, v in zip(rows, y)), Fraction(0)) for i in range(p)]
    for c in range(p):
        pivot = next(r for r in range(c, p) if gram[r][c] != 0)
        gram[c], gram[pivot], rhs[c], rhs[pivot] = gram[pivot], gram[c], rhs[pivot], rhs[c]
        for r in range(p):
            if r != c and gram[r][c] != 0:
                factor = gram[r][c] / gram[c][c]
                gram[r] = [a - factor * b for a, b in zip(gram[r], gram[c])]
                rhs[r] -= factor * rhs[c]
    return np.array([float(rhs[i] / gram[i][i]) for i in range(p)])


@pytest.mark.parametrize("case", ["collinear covariate", "covariate constant in its cells", "one person in an arm"])
def test_close_or_edge_designs_are_the_same_as_householders(monkeypatch, rng, case):
    """A covariate that adds (almost) nothing beyond the others or the arms is left to Householder QR
    (:data:`ols._CELLS_CLEAR`): the same columns dropped, the same notes; a cell of one person (leverage
    1 under HC2) gives the same reasons."""
    outcomes, arm, covariates = _data(rng, m=3)
    if case == "collinear covariate":  # adds 3e-8 of its norm: dropped (R's tolerance 1e-7), not rank deficient
        base = rng.normal(size=len(arm))
        covariates = np.column_stack([base, base + 3e-8 * rng.normal(size=len(arm))])
    elif case == "covariate constant in its cells":
        covariates = np.column_stack([covariates, (arm == "intensive") * 3.0])
    else:
        arm = arm.copy()
        arm[0] = "solo"
    cells, householder = _both_ways(monkeypatch, outcomes, arm, covariates=covariates)
    _assert_same(cells, householder)
    if case != "one person in an arm":
        assert all(effect.note for effect in cells)
    else:
        assert any(effect.not_estimable for effect in cells if effect.term == "solo")
