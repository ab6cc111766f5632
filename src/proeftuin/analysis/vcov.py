"""Observation weights and cluster adjustments behind the robust variance estimators.

For a linear estimator ``b = A y`` (``A = (X'X)^{-1} X'`` for OLS, ``(Z'X)^{-1} Z'`` for just-
identified IV) with residuals ``e``, the variance of coefficient ``c`` is, with ``a_c`` row ``c``
of ``A``:

* heteroskedasticity-robust (MacKinnon and White 1985)::

      V_c = sum_i a_ci^2 w_i e_i^2,
      w_i = 1 (HC0), n/(n-p) (HC1), 1/(1-h_ii) (HC2), 1/(1-h_ii)^2 (HC3)

* cluster-robust, clusters ``g = 1..G`` (Liang and Zeger 1986)::

      V_c = f * sum_g (a~_cg' e_g)^2

  CR0: ``a~ = a`` and ``f = 1`` (Liang-Zeger), t reference with ``G - 1`` degrees of freedom
  (estimatr's ``se_type = "CR0"``).
  CR1: ``a~ = a`` and ``f = G/(G-1) * (n-1)/(n-p)`` (Stata's and statsmodels' correction),
  t reference with ``G - 1`` degrees of freedom.
  CR2 (Bell and McCaffrey 2002): ``f = 1`` and ``a~_cg = (I - H_gg)^{-1/2} a_cg`` with ``H_gg``
  the cluster's block of the hat matrix (symmetric inverse square root; a Moore-Penrose inverse
  when ``I - H_gg`` is singular, as clubSandwich does), and Satterthwaite degrees of freedom of
  Pustejovsky and Tipton (2018) under the working model ``Var(e) = sigma^2 I``, see
  :func:`cr2_adjust_and_df`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy import sparse

from proeftuin.analysis.options import VcovType

LEVERAGE_ONE_AT = 1.0 - 1e-10
"""A leverage above this is 1 up to round-off: HC2/HC3 cannot weight that observation."""
_EIGEN_ZERO = 1e-12
"""Eigenvalues of ``I - H_gg`` below this are treated as zero (pseudo-inverse square root)."""
_BATCH_ROWS = 16384
"""Observations per batch of equal-sized clusters in :func:`cr2_adjust_and_df`, whose temporaries
(some ``p + s`` doubles per observation each) then stay in cache: at 1,000,000 households 0.5 s
CPU where whole blocks took 0.66-0.81 s (batches of 1,024-65,536 rows all 0.49-0.58 s)."""


def hc_weights(leverage: np.ndarray, n: int, p: int, vcov: VcovType) -> np.ndarray:
    """The weights ``w_i`` of HC0-HC3 (see the module docstring).

    For HC2/HC3 an observation with leverage 1 (above :data:`LEVERAGE_ONE_AT`) gets weight 0:
    its residual is 0 and it has no influence on any coefficient but its own cell's, so it adds
    nothing to the other coefficients' variances; the caller marks a coefficient that it does
    influence as not estimable (:func:`proeftuin.analysis.ols.fit_linear`).
    """
    if vcov == "HC0":
        return np.ones(n)
    if vcov == "HC1":
        return np.full(n, n / (n - p))
    free = np.where(leverage > LEVERAGE_ONE_AT, np.inf, 1.0 - leverage)
    if vcov == "HC2":
        return 1.0 / free
    return 1.0 / free**2


@dataclass(frozen=True)
class Clusters:
    """Cluster membership as integer codes ``0..G-1`` (one per observation)."""

    codes: np.ndarray
    count: int

    @classmethod
    def from_labels(cls, labels: np.ndarray) -> Clusters:
        """Code arbitrary labels (numbers or text); a missing label is an error."""
        labels = np.asarray(labels)
        if labels.dtype.kind == "f" and np.isnan(labels).any():
            raise ValueError(f"cluster label missing in row {int(np.flatnonzero(np.isnan(labels))[0])}")
        _, codes = np.unique(labels.astype(str) if labels.dtype.kind == "O" else labels, return_inverse=True)
        return cls(codes=codes.ravel(), count=int(codes.max()) + 1 if codes.size else 0)

    def subset(self, rows: np.ndarray | None) -> Clusters:
        """The clusters of the observations ``rows`` (boolean mask or indices), re-coded."""
        if rows is None:
            return self
        _, codes = np.unique(self.codes[rows], return_inverse=True)
        return Clusters(codes=codes.ravel(), count=int(codes.max()) + 1)

    def indicator(self, start: int = 0, stop: int | None = None) -> sparse.csr_matrix:
        """The sparse ``(G, n)`` 0/1 membership matrix of observations ``start:stop``."""
        codes = self.codes[start:stop]
        return sparse.csr_matrix(
            (np.ones(codes.size), (codes, np.arange(codes.size))), shape=(self.count, codes.size)
        )

    @cached_property
    def blocks(self) -> tuple[tuple[int, np.ndarray], ...]:
        """The clusters grouped by size: per size ``s`` (ascending), the ``(G_s, s)`` indices of the
        observations of its ``G_s`` clusters, one cluster per row (its observations in order).

        One stable sort of the codes, made once and shared by the CR2 adjustment and its degrees of
        freedom (:func:`cr2_adjust_and_df`) and the fit's cluster sums: clusters of one size are
        then handled together by batched products, with no sparse matrix or per-cluster loop.
        """
        order = np.argsort(self.codes, kind="stable")
        sizes = np.bincount(self.codes, minlength=self.count)
        starts = np.cumsum(sizes) - sizes
        blocks = []
        for size in np.unique(sizes):
            which = np.flatnonzero(sizes == size)
            blocks.append((int(size), order[starts[which][:, None] + np.arange(size)[None, :]]))
        return tuple(blocks)


def cr1_factor(n: int, p: int, g: int) -> float:
    """``G/(G-1) * (n-1)/(n-p)``: the small-sample factor of CR1 (Stata, statsmodels)."""
    return g / (g - 1) * (n - 1) / (n - p)


def cr2_adjust(a: np.ndarray, q: np.ndarray, clusters: Clusters) -> np.ndarray:
    """Rows of ``A`` multiplied, cluster by cluster, by ``(I - H_gg)^{-1/2}`` (Bell-McCaffrey).

    ``q`` is an orthonormal basis of the design's column space, so ``H_gg = Q_g Q_g'`` has rank
    at most ``r = min(s, p)`` for a cluster of ``s`` rows. With the eigen-decomposition of the
    small ``r x r`` Gram matrix of ``Q_g`` (``Q_g Q_g' = U L U'`` if ``s <= p``, else
    ``Q_g' Q_g = V L V'`` and ``U = Q_g V L^{-1/2}``), the pseudo-inverse square root is::

        (I - H_gg)^{-1/2} = I + U ((1 - L)^{-1/2} - 1) U'
                          = I + Q_g V diag(f(L)) V' Q_g',   f(l) = 1 / (r_l (1 + r_l)),  r_l = sqrt(1 - l)

    (the second form needs no division by ``L``; ``f(l) = -1/l`` where ``1 - l`` is zero up to
    round-off, which gives the Moore-Penrose inverse as clubSandwich does). So no ``s x s``
    eigen-decomposition of a large cluster is needed: a cluster of 500 rows costs one ``p x p``
    one. Clusters of equal size are handled together (:attr:`Clusters.blocks`) by batched
    products and one batched decomposition, which keeps many small clusters (households) fast.
    Clusters of one observation need no decomposition: ``(1 - h_ii)^{-1/2}``, the HC2 weight's
    square root (0 where ``1 - h_ii`` is zero up to round-off); clusters of two take the closed
    form of the ``2 x 2`` symmetric eigenproblem (:func:`_eigh_2x2`: 5 ms for 100,000 blocks
    where LAPACK's batched ``eigh`` took 31 ms).
    """
    return cr2_adjust_and_df(a, q, clusters, df=False)[0]


def cr2_adjust_and_df(a: np.ndarray, q: np.ndarray, clusters: Clusters, *, df: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """:func:`cr2_adjust` and, from the same blocks, the Pustejovsky-Tipton (2018) Satterthwaite
    degrees of freedom of each CR2 coefficient (an empty array with ``df=False``).

    Under the working model ``e ~ (0, sigma^2 I)`` the CR2 variance of coefficient ``c`` is the
    quadratic form ``eps' T T' eps`` with columns ``t_g = (I - H)_{., g} a~_cg``, so
    ``nu = tr(Omega)^2 / ||Omega||_F^2`` with the ``G x G`` matrix ``Omega = T'T``. Because
    ``Omega = diag(d) - W' (X'X)^{-1} W`` with ``d_g = |a~_cg|^2`` and ``W = [X_g' a~_cg]_g``, and
    ``X = QR``, ``W' (X'X)^{-1} W = V'V`` with ``V = [Q_g' a~_cg]_g`` (``p x G``). So::

        tr(Omega) = sum_g d_g - sum_g |v_g|^2,
        ||Omega||_F^2 = sum_g d_g^2 - 2 sum_g d_g |v_g|^2 + ||V V'||_F^2,

    sums over clusters of quantities of each cluster's block (with the ``Q_g`` and ``a~_g`` the
    adjustment has in hand) and one ``p x p`` matrix: no ``G x G`` or ``n x n`` matrix.
    """
    adjusted = np.empty_like(a)
    terms, p = a.shape[0], q.shape[1]
    trace, d_squares, cross = np.zeros(terms), np.zeros(terms), np.zeros(terms)
    gram = np.zeros((terms, p, p))  # V V' per term
    for size, block in clusters.blocks:
        # Clusters in batches whose temporaries stay in cache (a whole block's would not).
        for start in range(0, block.shape[0], max(1, _BATCH_ROWS // size)):
            idx = block[start:start + max(1, _BATCH_ROWS // size)]
            qg = q[idx]  # (G_s, s, p)
            if size == 1:
                rows = idx[:, 0]
                free = 1.0 - np.einsum("ip,ip->i", qg[:, 0], qg[:, 0])
                adjusted[:, rows] = a[:, rows] * _inverse_root(free)
                a_g = adjusted[:, rows].T[:, :, None]  # (G_s, t, 1)
            else:
                a_g = a[:, idx].transpose(1, 0, 2)  # (G_s, t, s)
                if size <= p:
                    h = qg @ qg.transpose(0, 2, 1)  # H_gg = U L U'
                    values, basis = _eigh_2x2(h) if size == 2 else np.linalg.eigh(h)
                    factor = _inverse_root(1.0 - values) - 1.0
                else:
                    values, v = np.linalg.eigh(qg.transpose(0, 2, 1) @ qg)  # Q_g'Q_g = V L V'
                    free = 1.0 - values
                    root = np.sqrt(np.where(free > _EIGEN_ZERO, free, 1.0))
                    factor = np.where(free > _EIGEN_ZERO, 1.0 / (root * (1.0 + root)), -1.0 / np.maximum(values, _EIGEN_ZERO))
                    basis = qg @ v  # (G_s, size, p) = U L^{1/2}
                projected = (a_g @ basis) * factor[:, None, :]
                a_g = a_g + projected @ basis.transpose(0, 2, 1)
                adjusted[:, idx] = a_g.transpose(1, 0, 2)
            if df:
                d = np.einsum("gts,gts->tg", a_g, a_g)
                v_g = a_g @ qg  # (G_s, t, p): v_g[g, c] is (Q_g' a~_cg)'
                inner = np.einsum("gtp,gtp->tg", v_g, v_g)
                trace += d.sum(axis=1) - inner.sum(axis=1)
                d_squares += np.einsum("tg,tg->t", d, d)
                cross += np.einsum("tg,tg->t", d, inner)
                gram += v_g.transpose(1, 2, 0) @ v_g.transpose(1, 0, 2)
    if not df:
        return adjusted, np.empty(0)
    frob = d_squares - 2.0 * cross + np.einsum("tij,tij->t", gram, gram)
    return adjusted, trace**2 / frob


def _inverse_root(free: np.ndarray) -> np.ndarray:
    """``1 / sqrt(free)``, and 0 where ``free`` is zero up to round-off (the pseudo-inverse)."""
    return np.where(free > _EIGEN_ZERO, 1.0 / np.sqrt(np.where(free > _EIGEN_ZERO, free, 1.0)), 0.0)


def _eigh_2x2(h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (ascending) and orthonormal eigenvectors (columns) of a batch of symmetric
    ``2 x 2`` matrices ``[[a, b], [b, c]]``, as ``numpy.linalg.eigh`` returns them.

    The Jacobi rotation in closed form (Golub and Van Loan, 2013, sec. 8.5.2): with
    ``d = (a - c) / 2`` and ``rho = hypot(d, b)`` the eigenvalues are ``(a + c) / 2 -+ rho`` and the
    eigenvector of the larger one is ``(cos t, sin t)``, ``t = atan2(b, d) / 2``; both are
    backward stable (errors of order ``eps * |H|``, as LAPACK's). Our own code because a batch of
    100,000 tiny matrices costs LAPACK a call each; this is a few vectorised passes.
    """
    a, b, c = h[:, 0, 0], h[:, 0, 1], h[:, 1, 1]
    half_difference = 0.5 * (a - c)
    radius = np.hypot(half_difference, b)
    mean = 0.5 * (a + c)
    values = np.stack([mean - radius, mean + radius], axis=1)
    angle = 0.5 * np.arctan2(b, half_difference)
    cos, sin = np.cos(angle), np.sin(angle)
    vectors = np.empty_like(h)
    vectors[:, 0, 0], vectors[:, 1, 0] = -sin, cos  # the smaller eigenvalue's
    vectors[:, 0, 1], vectors[:, 1, 1] = cos, sin  # the larger eigenvalue's
    return values, vectors
