"""OLS with HC variances for many outcomes, each with its own missing values, by masked normal equations.

Outcome ``j`` is observed on the rows ``i`` with mask ``m_ij = 1``; its fit uses only those rows::

    G_j = sum_i m_ij x_i x_i' = X' diag(m_j) X,    b_j = G_j^{-1} X' (m_j * y_j)

Every ``G_j`` comes from one product: with ``w_i`` the ``p(p+1)/2`` distinct products
``x_ia x_ib`` of row ``i`` (the upper triangle of ``x_i x_i'``), ``[vech(G_j)]_j = W' M``. The
sandwich is the same product with the masked weighted squared residuals in place of ``M``::

    h_ij = x_i' G_j^{-1} x_i  (= W vech*(G_j^{-1}), off-diagonal entries doubled),
    Meat_j = sum_i m_ij omega_ij e_ij^2 x_i x_i',   V_j = G_j^{-1} Meat_j G_j^{-1}

with ``omega`` the HC0-HC3 weights of :func:`proeftuin.analysis.vcov.hc_weights`. This is the
estimator of :func:`proeftuin.analysis.ols.fit_linear` on each column's observed rows (White
1980; MacKinnon and White 1985), computed in two streamed passes over ``Y`` whatever the number
of missingness patterns, where one QR factorisation per pattern costs a pass per pattern.
Inside an arm the design row is the intercept and covariates only, so :func:`fit_masked` runs
both passes arm by arm on those ``d = p - arms`` columns (``d(d+1)/2`` products per cell where
``x`` takes ``p(p+1)/2``: 21 instead of 45 with three arms and five covariates).

Normal equations square the condition number, so a column is fitted here only where its
equilibrated Gram matrix ``D^{-1} G_j D^{-1}`` (``D = diag(G_j)^{1/2}``) has its smallest
eigenvalue above :data:`WELL_CONDITIONED`: then the solution agrees with the QR path to about
``1e-11`` and no covariate is near the collinearity tolerance of R's ``lm``. Every other column
(an arm or the control group without observations, too few rows, a dependent or nearly dependent
covariate, a leverage of 1 under HC2/HC3) is flagged ``fallback`` for the QR path, which decides
such cases and writes their reasons and notes; so is a complete column (the caller may pass
every column of large outcomes without searching them for missing values).

Cost: the rows are read in blocks of :data:`_BLOCK_ELEMENTS` cells, sorted by arm inside each
block, and every product is a BLAS GEMM on the block while it is in cache; per cell the first
pass takes ``d(d+1)/2 + d = 27`` multiply-adds (Gram matrices, cross products) and the second
``d + 2 d(d+1)/2 = 48`` (residuals, leverages, meat): 75 with five covariates, where one ``X'Y``
pass takes ``p = 9``. The leverages and the meat (42 of them) are what exact HC2 with a mask per
column cannot do without: ``h_ij`` depends on the column's own ``G_j``. The products run at
about the peak of a core (44 GFLOP/s measured for a block's Gram product), so with two passes
over ``Y`` against the floor's one the masked fit costs about 7 times the floor's CPU
(6.6-7.7x measured at N = 1,000,000 x 216, 5% missing). Where
:func:`proeftuin.analysis.threads.worker_threads` gives more than one thread (a large problem on
a machine with idle cores), the blocks are shared out between threads, each with BLAS on one
thread; the shares and the order their sums are added in are fixed, so the numbers are the same
bits on any number of threads.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from proeftuin.analysis import threads
from proeftuin.analysis.inference import NO_VARIATION, NO_VARIATION_RTOL, ZERO_STANDARD_ERROR
from proeftuin.analysis.options import VcovType
from proeftuin.analysis.vcov import LEVERAGE_ONE_AT

WELL_CONDITIONED = 1e-4
"""Smallest eigenvalue of a column's equilibrated Gram matrix for the masked path. It bounds the
ratio of what each design column adds beyond the others to its norm below by ``1e-2``, far above
:data:`proeftuin.analysis.ols.COLLINEAR_TOLERANCE`, and the condition number by about
``p * 1e4``, so the normal equations lose at most that factor of round-off."""
_Part = TypeVar("_Part")

_BLOCK_ELEMENTS = 1 << 17
"""Outcome cells per block of rows (1 MB of float64): a block's ``rows x m`` buffers stay in cache
between the products and elementwise steps that use them, and the some thirty NumPy calls per
block cost little beside its arithmetic (3% less CPU than 2^16 at N = 1,000,000 x 216, 2^18 20%
more; measured on a 2 MB L2, 32 MB L3 EPYC)."""
_SHARES = 16
"""Runs of consecutive blocks whose sums are made apart and then added in order (see
:func:`_over_shares`): enough for two to eight threads to share them out evenly."""


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


@dataclass(frozen=True)
class _ArmLayout:
    """Consecutive blocks of rows, each with its rows sorted by arm (control first; stable), where
    a row of arm ``a`` is ``x_i = P_a z_i``.

    ``z_i = [1, covariates_i]`` (``d`` entries, the ``z_columns`` of ``x``); ``order`` lists the
    rows block by block, arm by arm inside a block (``local``: each one's place inside its block),
    and ``blocks`` gives per block its slice of ``order`` and the arms' slices of the block.
    ``embed`` ``(arms + 1, p, d)`` holds the ``P_a``: the intercept of ``z`` feeds the constant and
    arm ``a``'s indicator, the covariates their own columns. Sorting inside blocks rather than
    over all rows keeps a block's reads within some hundred kB of the outcome matrix, which the
    gather reads about a quarter faster (measured at 400,000 x 216). A block's ``z_i`` and
    ``vech(z_i z_i')`` are made by :meth:`design` when a pass reaches it, in cache: arrays of
    them for all rows (``27 n`` numbers, fresh memory on each call) cost more in page faults and
    memory traffic than making them twice (a first fit at N = 1,000,000 x 216 took 0.5-0.6 s
    less CPU without them, measured), and the threads share the work.
    """

    x: np.ndarray
    z_columns: np.ndarray
    order: np.ndarray
    local: np.ndarray
    size: int
    blocks: list[tuple[int, int, list[tuple[int, int, int]]]]
    embed: np.ndarray

    @classmethod
    def of(cls, x: np.ndarray, arms: int, is_control: np.ndarray, size: int) -> _ArmLayout:
        """The layout of the design ``x`` in blocks of ``size`` rows."""
        indicators = x[:, 1 : 1 + arms]
        code = indicators @ np.arange(1.0, arms + 1.0)
        if not (np.array_equal(indicators, code[:, None] == np.arange(1, arms + 1)) and np.array_equal(code == 0, is_control)):
            raise ValueError("the masked path needs every row in exactly one arm: control or one treatment indicator")
        n, p = x.shape
        span = (n + size - 1) // size * (arms + 1)  # distinct keys (block, arm)
        key = (np.arange(n) // size * (arms + 1) + code.astype(np.int64)).astype(np.uint16 if span <= 1 << 16 else np.int64)
        order = np.argsort(key, kind="stable")  # a radix sort for 16-bit keys
        bounds = np.searchsorted(key[order], np.arange(span + 1) - 0.5).tolist()
        blocks = []
        for b, start in enumerate(range(0, n, size)):
            edges = bounds[b * (arms + 1) : (b + 1) * (arms + 1) + 1]
            arm_slices = [(a, s - start, e - start) for a, (s, e) in enumerate(zip(edges[:-1], edges[1:], strict=True)) if e > s]
            blocks.append((start, min(n, start + size), arm_slices))
        d = p - arms
        embed = np.zeros((arms + 1, p, d))
        embed[:, 0, 0] = 1.0
        embed[np.arange(1, arms + 1), np.arange(1, arms + 1), 0] = 1.0
        embed[:, 1 + arms :, 1:] = np.eye(d - 1)
        local = order - np.arange(n) // size * size
        return cls(x=x, z_columns=np.r_[0, 1 + arms : p], order=order, local=local, size=size, blocks=blocks, embed=embed)

    def design(self, start: int, stop: int, own: _Buffers) -> tuple[np.ndarray, np.ndarray]:
        """The block ``start:stop``'s ``z_i`` ``(rows, d)`` in its order (a slice of rows, transposed,
        is the Fortran-ordered operand BLAS takes without a copy) and ``vech(z_i z_i')``
        ``(d(d+1)/2, rows)`` (in the order of ``np.triu_indices(d)``), in ``own``'s buffers."""
        rows = stop - start
        whole = np.take(self.x, self.order[start:stop], axis=0, out=own.x[:rows], mode="clip")
        z = np.take(whole, self.z_columns, axis=1, out=own.z[:rows], mode="clip")
        w_t = own.w_t[:, :rows]
        first, d = 0, z.shape[1]
        for i in range(d):
            np.multiply(z[:, i], z[:, i:].T, out=w_t[first : first + d - i])
            first += d - i
        return z, w_t


def _unvech(flat: np.ndarray, d: int, upper: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """``(..., m, d, d)`` symmetric matrices from their ``(..., d(d+1)/2, m)`` upper triangles."""
    out = np.empty((*flat.shape[:-2], flat.shape[-1], d, d))
    triangle = np.swapaxes(flat, -1, -2)
    out[..., upper[0], upper[1]] = triangle
    out[..., upper[1], upper[0]] = triangle
    return out


@dataclass(frozen=True)
class _Buffers:
    """One thread's buffers of ``rows x m`` cells: ``raw`` (a block of rows as stored), ``block``
    and ``second`` (the block sorted by arm, and a second quantity per cell) and ``zeros``; and
    the block's design ``x``, ``z`` and ``w_t`` (see :meth:`_ArmLayout.design`).

    ``fmax``/``fmin`` against an array of zeros run vectorised where a scalar 0 does not (half the
    time, measured with NumPy 2.4); copying a block of rows and then sorting it in cache is faster
    than sorting it while reading it from memory (44 against 62 us for 2^16 cells, measured)."""

    raw: np.ndarray
    block: np.ndarray
    second: np.ndarray
    zeros: np.ndarray
    x: np.ndarray
    z: np.ndarray
    w_t: np.ndarray

    @classmethod
    def of(cls, layout: _ArmLayout, m: int) -> _Buffers:
        """Buffers for ``layout``'s blocks of ``m`` outcome columns, and for their design (:meth:`_ArmLayout.design`)."""
        rows, (p, d) = layout.size, layout.embed.shape[1:]
        return cls(raw=np.empty((rows, m)), block=np.empty((rows, m)), second=np.empty((rows, m)), zeros=np.zeros((rows, m)),
                   x=np.empty((rows, p)), z=np.empty((rows, d)), w_t=np.empty((d * (d + 1) // 2, rows)))


def _gather(y: np.ndarray, start: int, stop: int, columns: np.ndarray | None, layout: _ArmLayout, own: _Buffers) -> np.ndarray:
    """The rows ``start:stop`` of ``y[:, columns]`` (all columns for ``None``) sorted by arm, in ``own.block``."""
    raw = own.raw[: stop - start]
    if columns is None:
        np.copyto(raw, y[start:stop])
    else:
        np.take(y[start:stop], columns, axis=1, out=raw, mode="clip")
    # mode="clip": the indices are in range by construction, and "raise" with out= copies the
    # output first (three times slower).
    return np.take(raw, layout.local[start:stop], axis=0, out=own.block[: stop - start], mode="clip")


def _zero_missing(block: np.ndarray, zeros: np.ndarray) -> None:
    """Set the ``NaN`` cells of ``block`` to 0 in place (``zeros``: an array of zeros of its shape).

    Where no column has a negative value ``fmax(block, 0)`` does it (``fmax`` returns the number
    where one side is ``NaN``): a reduction and one streamed operation instead of a masked copy,
    which costs four streamed operations.
    """
    if np.fmin.reduce(block, axis=None) >= 0:  # NaN-blind (a block of NaN only gives NaN: the masked copy)
        np.fmax(block, zeros, out=block)
    else:
        np.copyto(block, 0.0, where=np.isnan(block))


def _first_pass(
    y: np.ndarray, picked: np.ndarray | None, layout: _ArmLayout, share: range, m: int
) -> tuple[np.ndarray, np.ndarray]:
    """``vech(S_aj)`` ``(arms + 1, d(d+1)/2, m)`` and ``c_aj`` ``(arms + 1, d, m)`` over the blocks ``share``."""
    arms_1, d = layout.embed.shape[0], layout.embed.shape[2]
    own = _Buffers.of(layout, m)
    gram_arm = np.zeros((arms_1, own.w_t.shape[0], m))
    cross_arm = np.zeros((arms_1, d, m))
    with np.errstate(invalid="ignore"):  # an infinite outcome: an error once the sums are made (fit_masked)
        for start, stop, arm_slices in (layout.blocks[b] for b in share):
            values = _gather(y, start, stop, picked, layout, own)
            z, w_t = layout.design(start, stop, own)
            observed = np.equal(values, values, out=own.second[: stop - start], casting="unsafe")  # 0 at NaN, else 1
            for a, s, e in arm_slices:
                gram_arm[a] += w_t[:, s:e] @ observed[s:e]
            _zero_missing(values, own.zeros[: stop - start])
            for a, s, e in arm_slices:
                cross_arm[a] += z[s:e].T @ values[s:e]
    return gram_arm, cross_arm


def _second_pass(
    y: np.ndarray, picked: np.ndarray | None, layout: _ArmLayout, share: range, m: int,
    arm_coef: np.ndarray, lowered: np.ndarray | None, vcov: VcovType,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Over the blocks ``share``: ``vech(R_aj)`` (negated for HC2), the columns where an observed
    cell has a leverage of 1, and the largest ``h - 1`` of any cell (``-1`` without ``lowered``).

    Each block's residuals, leverages and weighted squares stay in two buffers: the products run
    arm by arm on slices of them, the elementwise steps once over the whole block."""
    arms_1 = layout.embed.shape[0]
    own = _Buffers.of(layout, m)
    meat_arm = np.zeros((arms_1, own.w_t.shape[0], m))
    leverage_one = np.zeros(m, dtype=bool)
    largest_shifted = -1.0
    with np.errstate(invalid="ignore", divide="ignore"):  # a leverage of 1: infinite weights, the column goes the QR way
        for start, stop, arm_slices in (layout.blocks[b] for b in share):
            resid = _gather(y, start, stop, picked, layout, own)
            z, w_t = layout.design(start, stop, own)
            fitted = own.second[: stop - start]
            for a, s, e in arm_slices:
                np.matmul(z[s:e], arm_coef[a], out=fitted[s:e])
            # e = y - z' b_a, NaN where missing. NumPy's matmul and ufuncs release the GIL where
            # SciPy's BLAS wrappers (an in-place dgemm) hold it: other threads' blocks wait.
            np.subtract(resid, fitted, out=resid)
            np.square(resid, out=resid)
            if lowered is not None:
                shifted = own.second[: stop - start]
                for a, s, e in arm_slices:
                    np.matmul(w_t[:, s:e].T, lowered[a], out=shifted[s:e])  # h - 1
                block_largest = float(shifted.max())
                largest_shifted = max(largest_shifted, block_largest)
                if block_largest > LEVERAGE_ONE_AT - 1.0:  # rare: then the columns where an observed cell has it
                    leverage_one |= ((shifted > LEVERAGE_ONE_AT - 1.0) & ~np.isnan(resid)).any(axis=0)
                # HC2: e^2 / (h - 1) = -e^2 / (1 - h), negated by the caller; HC3: e^2 / (1 - h)^2.
                np.divide(resid, shifted if vcov == "HC2" else np.square(shifted, out=shifted), out=resid)
            # Missing cells (NaN) weigh 0: fmin/fmax return the number where one side is NaN.
            (np.fmin if vcov == "HC2" else np.fmax)(resid, own.zeros[: stop - start], out=resid)
            for a, s, e in arm_slices:
                meat_arm[a] += w_t[:, s:e] @ resid[s:e]
    return meat_arm, leverage_one, largest_shifted


def _over_shares(work: Callable[[range], _Part], blocks: int, workers: int) -> list[_Part]:
    """``work`` on each of at most :data:`_SHARES` consecutive runs of the ``blocks`` blocks, in order.

    The shares do not depend on ``workers``, and the caller adds their sums in the order of this
    list: the numbers are the same bits on one thread or several. With ``workers > 1`` the shares
    run on that many threads (NumPy's copies, ufuncs and BLAS calls release the GIL), taken in
    turn as threads come free (a core busy with other work takes fewer); BLAS runs on one thread
    throughout, as it does in each worker."""
    shares = [range(b[0], b[-1] + 1) for b in np.array_split(np.arange(blocks), min(_SHARES, blocks))]
    with threads.one_blas_thread():
        if workers == 1:
            return [work(share) for share in shares]
        with ThreadPoolExecutor(workers) as pool:
            return list(pool.map(work, shares))


def _in_order(parts: list[np.ndarray]) -> np.ndarray:
    """The sum of ``parts`` added one after the other from the first (a fixed order: the same bits every run)."""
    total = parts[0].copy()
    for part in parts[1:]:
        total += part
    return total


def _spread(
    y: np.ndarray, columns: np.ndarray, fit: np.ndarray, n_used: np.ndarray, variance: np.ndarray,
    weighted_ss: np.ndarray, fitted_ss: np.ndarray, largest_weight: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Per column the outcome's magnitude ``max |y|`` and spread ``max - min`` over its observed rows,
    where the reasons need them.

    The screen of :func:`proeftuin.analysis.ols._screen_spread` on each column's own rows: there
    ``sum_i y_i^2 = b' G_j b + RSS_j`` (residuals orthogonal to the fit) bounds ``max |y|^2``.
    Here the meat's intercept entry gives ``S_j = sum_i omega_ij e_ij^2`` with ``1 <= omega_ij
    <= largest_weight``, so ``S_j / largest_weight <= RSS_j <= S_j``. A column with ``RSS_j >
    2 n_j tol^2 (b'G_j b + RSS_j)`` and ``V_tj > 2 tol^2 (b'G_j b + RSS_j)`` for every term (lower
    bound left of the inequality, upper bounds right) is neither constant nor of zero standard
    error: magnitude 0 and spread ``inf`` make both tests false. Only the others (constant or
    nearly so; none in most data) are read again for their exact minimum and maximum.
    """
    magnitude, spread = np.zeros(columns.size), np.full(columns.size, np.inf)
    bound = 2.0 * (fitted_ss + weighted_ss)
    with np.errstate(invalid="ignore"):
        sure = (weighted_ss / largest_weight > n_used * NO_VARIATION_RTOL**2 * bound)
        sure &= (variance > NO_VARIATION_RTOL**2 * bound).all(axis=0)
    unsure = np.flatnonzero(fit & ~sure)
    if unsure.size:
        block = y[:, columns[unsure]]
        low, high = np.fmin.reduce(block, axis=0), np.fmax.reduce(block, axis=0)  # NaN-blind
        magnitude[unsure], spread[unsure] = np.maximum(np.abs(low), np.abs(high)), high - low
    return magnitude, spread


def fit_masked(
    y: np.ndarray, x: np.ndarray, columns: np.ndarray, *, arms: int, vcov: VcovType, is_control: np.ndarray
) -> MaskedFit:
    """Fit every column ``y[:, columns]`` (``NaN`` = missing) on its observed rows of ``x``.

    ``x`` is the full design ``[1, D_1..D_arms, covariates]`` (every row in one arm: the control
    group or one indicator); the terms reported are the ``arms`` indicators (columns
    ``1..arms``). ``vcov`` is one of HC0-HC3.

    Inside arm ``a`` the design row is ``x_i = P_a z_i`` with ``z_i = [1, covariates_i]`` of
    ``d = p - arms`` entries, so both passes work arm by arm on ``z`` (the rows sorted by arm
    once): with ``S_aj``, ``c_aj`` and ``R_aj`` the sums over arm ``a``'s observed rows of
    ``z z'``, ``z y_j`` and ``omega e^2 z z'``::

        G_j = sum_a P_a S_aj P_a',   X'(m_j * y_j) = sum_a P_a c_aj,
        e_ij = y_ij - z_i' P_a' b_j,   h_ij = z_i' (P_a' G_j^{-1} P_a) z_i,
        V_tj = sum_a u_atj' R_aj u_atj,   u_atj = P_a' G_j^{-1} e_t

    (``e_t`` the unit vector of arm term ``t``): ``d(d+1)/2 = 21`` products per cell for the
    Gram matrices, the leverages and the meat and ``d = 6`` for the cross products and the
    residuals with 5 covariates, where the full design takes ``p(p+1)/2 = 45`` and ``p = 9``.
    """
    n, p = x.shape
    m = columns.size
    d = p - arms
    upper = np.triu_indices(d)
    picked = None if m == y.shape[1] and bool(np.all(columns == np.arange(y.shape[1]))) else columns
    layout = _ArmLayout.of(x, arms, is_control, max(64, _BLOCK_ELEMENTS // max(1, m)))
    workers = threads.worker_threads(n, p, m)
    parts = _over_shares(lambda share: _first_pass(y, picked, layout, share, m), len(layout.blocks), workers)
    gram_arm, cross_arm = _in_order([part[0] for part in parts]), _in_order([part[1] for part in parts])
    embed = layout.embed
    gram = np.einsum("apd,ajde,aqe->jpq", embed, _unvech(gram_arm, d, upper), embed, optimize=True)
    cross = np.einsum("apd,adj->pj", embed, cross_arm)

    counts = np.rint(gram[:, 0, :]).astype(int)  # n_j, then the arm counts n_kj
    n_used, n_arm = counts[:, 0], counts[:, 1 : 1 + arms].T
    n_control = n_used - n_arm.sum(axis=0)
    scale = np.sqrt(np.maximum(np.einsum("jaa->ja", gram), np.finfo(float).tiny))
    equilibrated = gram / scale[:, :, None] / scale[:, None, :]
    if not np.isfinite(cross_arm).all():  # missing values are zeros there: an infinite value
        row, col = np.argwhere(np.isinf(y[:, columns]))[0]
        raise ValueError(f"outcome column {columns[col]} has an infinite value in row {row}")
    # A complete column (n_j = n, possible where the caller did not search the outcomes) is the QR path's.
    fallback = (n_arm == 0).any(axis=0) | (n_control == 0) | (n_used <= p) | (n_used == n)
    fallback |= np.linalg.eigvalsh(equilibrated)[:, 0] <= WELL_CONDITIONED
    fit = ~fallback
    inverse = np.zeros_like(gram)
    inverse[fit] = np.linalg.inv(equilibrated[fit]) / scale[fit][:, :, None] / scale[fit][:, None, :]
    coef = np.einsum("jab,bj->aj", inverse, cross)  # (p, m)
    with np.errstate(invalid="ignore", divide="ignore"):
        control_mean = cross_arm[0, 0] / n_control

    # Per arm: the coefficients on z, and h_ij - 1 = w_i . vech*(P_a' G_j^{-1} P_a) - 1 with the
    # off-diagonal products counted twice and the 1 taken off the intercept's square (w_i0 = 1).
    arm_coef = np.einsum("apd,pj->adj", embed, coef)
    doubled = np.where(upper[0] == upper[1], 1.0, 2.0)[:, None]
    arm_inverse = np.einsum("apd,jpq,aqe->ajde", embed, inverse, embed, optimize=True)
    lowered = np.swapaxes(arm_inverse[:, :, upper[0], upper[1]], 1, 2) * doubled
    lowered[:, 0] -= 1.0
    weighted = vcov in ("HC2", "HC3")
    rounds = _over_shares(lambda share: _second_pass(
        y, picked, layout, share, m, arm_coef, lowered if weighted else None, vcov), len(layout.blocks), workers)
    meat_arm = _in_order([part[0] for part in rounds])
    leverage_one = np.logical_or.reduce([part[1] for part in rounds])
    largest_shifted = max(part[2] for part in rounds)
    if vcov == "HC2":
        np.negative(meat_arm, out=meat_arm)
    weighted_ss = meat_arm[:, 0].sum(axis=0)  # sum_i omega_ij e_ij^2 (w_i0 = 1), omega without HC1's factor
    if vcov == "HC1":
        meat_arm *= n_used / np.maximum(n_used - p, 1)
    fallback |= leverage_one
    fit = ~fallback
    terms = np.einsum("apd,jtp->atjd", embed, inverse[:, 1 : 1 + arms, :])  # u_atj
    variance = np.full((arms, m), np.nan)
    variance[:, fit] = np.einsum("atjd,ajde,atje->tj", terms[:, :, fit], _unvech(meat_arm, d, upper)[:, fit],
                                 terms[:, :, fit], optimize=True)

    # Every omega_ij is at most 1 / (1 - h_max)^k, k = 1 (HC2), 2 (HC3), 0 otherwise (HC1's factor left out).
    power = {"HC2": 1, "HC3": 2}.get(vcov, 0)
    largest_weight = 1.0 if power == 0 else (-largest_shifted) ** -power if largest_shifted < 0 else np.inf
    fitted_ss = np.einsum("pj,jpq,qj->j", coef, gram, coef)  # b_j' G_j b_j
    magnitude, spread = _spread(y, columns, fit, n_used, variance, weighted_ss, fitted_ss, largest_weight)
    reasons = np.full((arms, m), "", dtype=object)
    with np.errstate(invalid="ignore"):
        reasons[np.sqrt(variance) <= NO_VARIATION_RTOL * magnitude] = ZERO_STANDARD_ERROR
    reasons[:, spread <= NO_VARIATION_RTOL * magnitude] = NO_VARIATION
    return MaskedFit(
        coef=coef[1 : 1 + arms], variance=variance, df=(n_used - p).astype(float), n=n_used, n_arm=n_arm,
        n_control=n_control, control_mean=control_mean, not_estimable=reasons, fallback=fallback,
    )
