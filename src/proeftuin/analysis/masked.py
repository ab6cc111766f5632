"""OLS with HC variances for many outcomes, each with its own missing values, by masked normal equations.

Outcome ``j`` is observed on the rows ``i`` with mask ``m_ij = 1``; its fit uses only those rows::

    G_j = sum_i m_ij x_i x_i' = X' diag(m_j) X,    b_j = G_j^{-1} X' (m_j * y_j)

Every ``G_j`` comes from one product: with ``w_i`` the ``p(p+1)/2`` distinct products
``x_ia x_ib`` of row ``i`` (the upper triangle of ``x_i x_i'``), ``[vech(G_j)]_j = W' M``,
computed from the sparse side of ``M`` (:func:`_masked_gram`). The
sandwich is the same product with the masked weighted squared residuals in place of ``M``::

    h_ij = x_i' G_j^{-1} x_i  (= W vech*(G_j^{-1}), off-diagonal entries doubled),
    Meat_j = sum_i m_ij omega_ij e_ij^2 x_i x_i',   V_j = G_j^{-1} Meat_j G_j^{-1}

with ``omega`` the HC0-HC3 weights of :func:`proeftuin.analysis.vcov.hc_weights`. This is the
estimator of :func:`proeftuin.analysis.ols.fit_linear` on each column's observed rows (White
1980; MacKinnon and White 1985), computed in two streamed passes over ``Y`` whatever the number
of missingness patterns, where one QR factorisation per pattern costs a pass per pattern.

Normal equations square the condition number, so a column is fitted here only where its
equilibrated Gram matrix ``D^{-1} G_j D^{-1}`` (``D = diag(G_j)^{1/2}``) has its smallest
eigenvalue above :data:`WELL_CONDITIONED`: then the solution agrees with the QR path to about
``1e-11`` and no covariate is near the collinearity tolerance of R's ``lm``. Every other column
(an arm or the control group without observations, too few rows, a dependent or nearly dependent
covariate, a leverage of 1 under HC2/HC3) is flagged ``fallback`` for the QR path, which decides
such cases and writes their reasons and notes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from proeftuin.analysis.inference import NO_VARIATION, NO_VARIATION_RTOL, ZERO_STANDARD_ERROR
from proeftuin.analysis.options import VcovType
from proeftuin.analysis.vcov import LEVERAGE_ONE_AT

WELL_CONDITIONED = 1e-4
"""Smallest eigenvalue of a column's equilibrated Gram matrix for the masked path. It bounds the
ratio of what each design column adds beyond the others to its norm below by ``1e-2``, far above
:data:`proeftuin.analysis.ols.COLLINEAR_TOLERANCE`, and the condition number by about
``p * 1e4``, so the normal equations lose at most that factor of round-off."""
_CHUNK_ELEMENTS = 1 << 18
"""Outcome cells per chunk (2 MB of float64): the chunk's few ``chunk x m`` temporaries stay in
cache."""


@dataclass(frozen=True)
class MaskedFit:
    """Per outcome column (``m``): counts, estimates of the ``t`` arm terms and their variances.

    ``coef`` and ``variance`` are ``(t, m)``; ``n``, ``n_arm`` (``(k, m)``), ``n_control``,
    ``control_mean`` and ``df`` per column; ``not_estimable`` ``(t, m)``; ``fallback`` marks the
    columns whose numbers here are not valid and which the QR path must fit.
    """

    coef: np.ndarray
    variance: np.ndarray
    df: np.ndarray
    n: np.ndarray
    n_arm: np.ndarray
    n_control: np.ndarray
    control_mean: np.ndarray
    not_estimable: np.ndarray
    fallback: np.ndarray


def _vech_rows(x: np.ndarray, upper: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """``(rows, p(p+1)/2)``: the upper triangle of each row's outer product ``x_i x_i'``."""
    return x[:, upper[0]] * x[:, upper[1]]


def _unvech(flat: np.ndarray, p: int, upper: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """``(m, p, p)`` symmetric matrices from their ``(p(p+1)/2, m)`` upper triangles."""
    out = np.empty((flat.shape[1], p, p))
    out[:, upper[0], upper[1]] = flat.T
    out[:, upper[1], upper[0]] = flat.T
    return out


def _masked_gram(rows: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """``W' M`` for one chunk, ``(p(p+1)/2, m)``, from its sparse side.

    A column with at most half of the chunk's rows missing gets the chunk's total ``W' 1`` minus
    the sum over its missing rows; any other column the sum over its observed rows. Either way a
    sparse product over at most half the cells (5% of them when 5% are missing), where the dense
    ``W' M`` costs ``p(p+1)/2`` multiply-adds per cell, and no subtraction cancels more than half
    of a sum.
    """
    length = rows.shape[0]
    direct = 2 * missing.sum(axis=0) > length
    chosen = missing ^ direct  # missing cells, or observed ones where most are missing
    members, columns = np.divmod(np.flatnonzero(chosen), chosen.shape[1])  # faster than a 2-D nonzero
    picking = sparse.csc_matrix((np.ones(columns.size), (members, columns)), shape=chosen.shape)
    part = (picking.T @ rows).T
    return np.where(direct, part, rows.sum(axis=0)[:, None] - part)


def fit_masked(
    y: np.ndarray, x: np.ndarray, columns: np.ndarray, *, arms: int, vcov: VcovType, is_control: np.ndarray
) -> MaskedFit:
    """Fit every column ``y[:, columns]`` (``NaN`` = missing) on its observed rows of ``x``.

    ``x`` is the full design ``[1, D_1..D_arms, covariates]``; the terms reported are the
    ``arms`` indicators (columns ``1..arms``). ``vcov`` is one of HC0-HC3.
    """
    n, p = x.shape
    m = columns.size
    upper = np.triu_indices(p)
    every_column = m == y.shape[1] and bool(np.all(columns == np.arange(y.shape[1])))
    size = max(64, _CHUNK_ELEMENTS // max(1, m))
    spans = [(s, min(n, s + size)) for s in range(0, n, size)]

    x_ext = np.column_stack([x, is_control.astype(float)])
    gram_flat = np.zeros((upper[0].size, m))
    cross = np.zeros((p + 1, m))
    low, high = np.full(m, np.inf), np.full(m, -np.inf)
    for start, stop in spans:
        block = y[start:stop] if every_column else y[start:stop][:, columns]
        missing = np.isnan(block)
        filled = np.where(missing, 0.0, block)
        gram_flat += _masked_gram(_vech_rows(x[start:stop], upper), missing)
        cross += x_ext[start:stop].T @ filled
        np.fmin(low, np.fmin.reduce(block, axis=0), out=low)
        np.fmax(high, np.fmax.reduce(block, axis=0), out=high)
    gram = _unvech(gram_flat, p, upper)

    counts = np.rint(gram[:, 0, :]).astype(int)  # n_j, then the arm counts n_kj
    n_used, n_arm = counts[:, 0], counts[:, 1 : 1 + arms].T
    n_control = n_used - n_arm.sum(axis=0)
    scale = np.sqrt(np.maximum(np.einsum("jaa->ja", gram), np.finfo(float).tiny))
    equilibrated = gram / scale[:, :, None] / scale[:, None, :]
    fallback = (n_arm == 0).any(axis=0) | (n_control == 0) | (n_used <= p)
    fallback |= np.linalg.eigvalsh(equilibrated)[:, 0] <= WELL_CONDITIONED
    fit = ~fallback
    inverse = np.zeros_like(gram)
    inverse[fit] = np.linalg.inv(equilibrated[fit]) / scale[fit][:, :, None] / scale[fit][:, None, :]
    coef = np.einsum("jab,bj->aj", inverse, cross[:p])  # (p, m)
    with np.errstate(invalid="ignore", divide="ignore"):
        control_mean = cross[p] / n_control

    # Leverages h_ij = w_i . vech*(G_j^{-1}): off-diagonal products count twice.
    doubled = np.where(upper[0] == upper[1], 1.0, 2.0)[:, None]
    inverse_flat = inverse[:, upper[0], upper[1]].T * doubled
    meat_flat = np.zeros_like(gram_flat)
    leverage_one = np.zeros(m, dtype=bool)
    small_sample = n_used / np.maximum(n_used - p, 1)
    # Two chunk-sized buffers, reused: the squared residuals and the leverages (no fresh n x m memory).
    resid_buffer, leverage_buffer = np.empty((size, m)), np.empty((size, m))
    for start, stop in spans:
        block = y[start:stop] if every_column else y[start:stop][:, columns]
        missing = np.isnan(block)
        rows = _vech_rows(x[start:stop], upper)
        resid = resid_buffer[: stop - start]
        np.matmul(x[start:stop], coef, out=resid)
        np.subtract(block, resid, out=resid)
        np.copyto(resid, 0.0, where=missing)
        np.square(resid, out=resid)
        # A column with a leverage of 1 gets infinite weights here; it goes the QR way.
        with np.errstate(invalid="ignore", divide="ignore"):
            if vcov in ("HC2", "HC3"):
                leverage = leverage_buffer[: stop - start]
                np.matmul(rows, inverse_flat, out=leverage)
                if leverage.max() > LEVERAGE_ONE_AT:  # rare: then find the columns where an observed cell has it
                    leverage_one |= ((leverage > LEVERAGE_ONE_AT) & ~missing).any(axis=0)
                free = np.subtract(1.0, leverage, out=leverage)
                np.divide(resid, free if vcov == "HC2" else np.square(free, out=free), out=resid)
            meat_flat += rows.T @ resid
    if vcov == "HC1":
        meat_flat *= small_sample
    fallback |= leverage_one
    fit = ~fallback
    meat = _unvech(meat_flat, p, upper)
    terms = inverse[:, 1 : 1 + arms, :]  # (m, t, p): rows of G_j^{-1} for the arm terms
    variance = np.full((arms, m), np.nan)
    variance[:, fit] = np.einsum("jta,jab,jtb->tj", terms[fit], meat[fit], terms[fit])

    reasons = np.full((arms, m), "", dtype=object)
    magnitude = np.maximum(np.abs(low), np.abs(high))
    with np.errstate(invalid="ignore"):
        reasons[np.sqrt(variance) <= NO_VARIATION_RTOL * magnitude] = ZERO_STANDARD_ERROR
    reasons[:, high - low <= NO_VARIATION_RTOL * magnitude] = NO_VARIATION
    return MaskedFit(
        coef=coef[1 : 1 + arms], variance=variance, df=(n_used - p).astype(float), n=n_used, n_arm=n_arm,
        n_control=n_control, control_mean=control_mean, not_estimable=reasons, fallback=fallback,
    )
