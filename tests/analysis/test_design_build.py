"""The design of a first fit built in one array, and Householder's Q made in the coefficient map's
rows: the same arrays, bit for bit, as coding, stacking and decomposing them apart."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.linalg import lapack

from proeftuin.analysis.ols import ArmCoding, _coded_design, _qr, design_matrix

ARMS = np.array(["control", "exemption", "intensive", "disregard"])


@pytest.mark.parametrize("levels", [4, 70])  # a handful of arms, and more than _level_masks tells apart
@pytest.mark.parametrize("with_covariates", [False, True])
def test_the_coded_design_is_coded_and_stacked(rng, levels, with_covariates):
    arms = ARMS if levels == 4 else np.array(["control"] + [f"t{i:02d}" for i in range(levels - 1)])
    labels = arms[rng.integers(0, levels, 3_000)]
    covariates = rng.normal(size=(3_000, 3)) if with_covariates else None
    coding, indicators, is_control, x = _coded_design(labels, "control", None, covariates)
    expected_coding, expected_indicators, expected_control = ArmCoding.coded(labels, "control")
    assert coding == expected_coding
    assert np.array_equal(indicators, expected_indicators) and np.array_equal(is_control, expected_control)
    assert np.array_equal(x, design_matrix(expected_indicators, covariates)) and x.flags.c_contiguous


def test_the_coded_design_names_a_missing_covariate(rng):
    covariates = rng.normal(size=(50, 2))
    covariates[7, 1] = np.nan
    with pytest.raises(ValueError, match="covariate column 1 has a missing value in row 7"):
        _coded_design(ARMS[rng.integers(0, 4, 50)], "control", None, covariates)


@pytest.mark.parametrize("shape", [(3_500, 9), (40, 3), (9, 9)])
def test_q_made_in_the_rows_of_the_map_is_householders_q(rng, shape):
    x = rng.normal(size=shape)
    q, r = _qr(x)
    rows = np.empty((shape[1] + 1, shape[0]))
    q_in, r_in = _qr(x, rows[:-1])
    assert np.shares_memory(q_in, rows) and np.array_equal(rows[:-1], q.T)
    assert np.array_equal(q_in, q) and np.array_equal(r_in, r) and r_in.flags.f_contiguous == r.flags.f_contiguous
    factors = lapack.dgeqrf(x, lwork=64 * shape[1])[0]
    expected = np.triu(factors[: shape[1]])  # R as np.triu makes it: values and memory order
    assert np.array_equal(r, expected) and r.flags.f_contiguous == expected.flags.f_contiguous
