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
  :func:`cr2_degrees_of_freedom`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from proeftuin.analysis.options import VcovType

LEVERAGE_ONE_AT = 1.0 - 1e-10
"""A leverage above this is 1 up to round-off: HC2/HC3 cannot weight that observation."""
_EIGEN_ZERO = 1e-12
"""Eigenvalues of ``I - H_gg`` below this are treated as zero (pseudo-inverse square root)."""


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
    one. Clusters of equal size are handled together by one batched decomposition, which keeps
    many small clusters (households) fast.
    """
    adjusted = np.empty_like(a)
    p = q.shape[1]
    order = np.argsort(clusters.codes, kind="stable")
    sizes = np.bincount(clusters.codes, minlength=clusters.count)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    for size in np.unique(sizes):
        which = np.flatnonzero(sizes == size)
        idx = order[starts[which][:, None] + np.arange(size)[None, :]]  # (G_s, size)
        qg = q[idx]  # (G_s, size, p)
        a_g = a[:, idx]  # (t, G_s, size)
        if size <= p:
            values, u = np.linalg.eigh(qg @ qg.transpose(0, 2, 1))  # H_gg = U L U'
            free = 1.0 - values
            factor = np.where(free > _EIGEN_ZERO, 1.0 / np.sqrt(np.where(free > _EIGEN_ZERO, free, 1.0)) - 1.0, -1.0)
            projected = np.einsum("tgs,gsr->tgr", a_g, u) * factor[None]
            adjusted[:, idx] = a_g + np.einsum("tgr,gsr->tgs", projected, u)
        else:
            values, v = np.linalg.eigh(qg.transpose(0, 2, 1) @ qg)  # Q_g'Q_g = V L V'
            free = 1.0 - values
            root = np.sqrt(np.where(free > _EIGEN_ZERO, free, 1.0))
            factor = np.where(free > _EIGEN_ZERO, 1.0 / (root * (1.0 + root)), -1.0 / np.maximum(values, _EIGEN_ZERO))
            basis = qg @ v  # (G_s, size, p) = U L^{1/2}
            projected = np.einsum("tgs,gsr->tgr", a_g, basis) * factor[None]
            adjusted[:, idx] = a_g + np.einsum("tgr,gsr->tgs", projected, basis)
    return adjusted


def cr2_degrees_of_freedom(
    adjusted: np.ndarray, x: np.ndarray, xtx_inv: np.ndarray, clusters: Clusters
) -> np.ndarray:
    """Pustejovsky-Tipton (2018) Satterthwaite degrees of freedom of each CR2 coefficient.

    Under the working model ``e ~ (0, sigma^2 I)`` the CR2 variance of coefficient ``c`` is the
    quadratic form ``eps' T T' eps`` with columns ``t_g = (I - H)_{., g} a~_cg``, so
    ``nu = tr(Omega)^2 / ||Omega||_F^2`` with the ``G x G`` matrix ``Omega = T'T``. Because
    ``Omega = diag(d) - W' (X'X)^{-1} W`` with ``d_g = |a~_cg|^2`` and ``W = [X_g' a~_cg]_g``
    (``p x G``), both traces need only ``p x p`` products: no ``G x G`` or ``n x n`` matrix.
    """
    indicator = clusters.indicator()
    df = np.empty(adjusted.shape[0])
    for c, row in enumerate(adjusted):
        d = indicator @ (row**2)  # (G,)
        w = np.asarray(indicator @ (x * row[:, None]))  # (G, p): row g is (X_g' a~_cg)'
        ws = w @ xtx_inv
        inner = np.einsum("gp,gp->g", ws, w)  # diagonal of W' S W
        c_mat = w.T @ w
        sc = xtx_inv @ c_mat
        trace = d.sum() - inner.sum()
        frob = (d**2).sum() - 2.0 * (d * inner).sum() + np.einsum("ij,ji->", sc, sc)
        df[c] = trace**2 / frob
    return df
