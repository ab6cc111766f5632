"""The HC least-squares fit reads each outcome once for its coefficients and once for its residuals.

It no longer takes every outcome's minimum and maximum in the first pass: the residual sum of
squares bounds the spread (``ols._screen_spread``), and only columns that are constant, nearly
constant or of zero standard error are read again. These tests hold it to the unscreened path:
just-identified IV with the design as its own instruments is OLS computed by the code path that
takes the exact minimum and maximum of every column, so both must give the same reasons and
numbers (to 1e-10), whatever mixture of ordinary and degenerate columns the data hold.
"""

from __future__ import annotations

import numpy as np
import pytest

from proeftuin.analysis.inference import NO_VARIATION, ZERO_STANDARD_ERROR
from proeftuin.analysis.ols import design_matrix, fit_linear

TOLERANCE = 1e-10


def _outcomes(rng: np.random.Generator, n: int, covariates: np.ndarray) -> np.ndarray:
    """Ordinary columns and every degenerate kind, in an order that splits them over chunks."""
    columns = [
        rng.normal(size=n),  # ordinary
        np.full(n, 7.0),  # constant
        np.full(n, 1e6) + 1e-6 * np.sin(np.arange(n)),  # spread 2e-6 on a magnitude 1e6: constant
        (rng.random(n) < 0.001).astype(float),  # a rare binary outcome: estimable
        2.0 + 3.0 * covariates[:, 0],  # fitted exactly by a covariate: zero standard error
        1e6 + rng.normal(size=n),  # large mean, unit spread: estimable
        np.zeros(n),  # all zero
        -1e-100 * (1.0 + rng.random(n)),  # tiny magnitude, genuine relative spread: estimable
    ]
    return np.column_stack(columns * 40)


@pytest.mark.parametrize("vcov", ["HC0", "HC1", "HC2", "HC3"])
@pytest.mark.parametrize("n", [300, 3_500])
def test_screened_reasons_and_numbers_equal_those_of_the_exact_spread(rng, vcov, n):
    arm = rng.integers(0, 4, n)
    covariates = rng.normal(size=(n, 3))
    x = design_matrix((arm[:, None] == np.arange(1, 4)).astype(float), covariates)
    y = _outcomes(rng, n, covariates)
    columns = np.arange(y.shape[1])
    common = dict(rows=None, columns=columns, terms=range(1, 4), vcov=vcov, is_control=arm == 0)
    screened = fit_linear(y, x, **common)
    exact = fit_linear(y, x, instruments=x, **common)
    np.testing.assert_array_equal(screened.not_estimable, exact.not_estimable)
    # The IV path solves Z'X b = Z'y, which loses digits on the column with mean 1e6: compare the others.
    ok = (screened.not_estimable == "") & (np.arange(y.shape[1]) % 8 != 5)
    np.testing.assert_allclose(screened.coef[ok], exact.coef[ok], rtol=TOLERANCE, atol=TOLERANCE)
    np.testing.assert_allclose(screened.variance[ok], exact.variance[ok], rtol=TOLERANCE)
    kinds = screened.not_estimable[0, :8]
    assert list(kinds) == ["", NO_VARIATION, NO_VARIATION, "", ZERO_STANDARD_ERROR, "", NO_VARIATION, ""]


def test_rows_of_a_missingness_pattern_are_screened_on_those_rows_only(rng):
    n = 400
    arm = rng.integers(0, 4, n)
    x_all = design_matrix((arm[:, None] == np.arange(1, 4)).astype(float), None)
    y = np.column_stack([rng.normal(size=n), np.full(n, 3.0)])
    rows = np.flatnonzero(rng.random(n) < 0.8)
    y[np.setdiff1d(np.arange(n), rows), 1] = 1e3  # varies, but not on the rows used
    common = dict(rows=rows, columns=np.arange(2), terms=range(1, 4), vcov="HC2", is_control=arm[rows] == 0)
    screened = fit_linear(y, x_all[rows], **common)
    exact = fit_linear(y, x_all[rows], instruments=x_all[rows], **common)
    np.testing.assert_array_equal(screened.not_estimable, exact.not_estimable)
    assert list(screened.not_estimable[:, 1]) == [NO_VARIATION] * 3
