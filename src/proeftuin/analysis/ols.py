"""Intent-to-treat effects of every arm on many outcomes at once, by OLS with robust variances.

The model is, for each outcome ``y`` (a column of ``Y``)::

    y_i = a + sum_k b_k D_ik + x_i' g + e_i

with ``D_ik`` the indicator of arm ``k`` (the control group is the reference level) and ``x_i``
optional baseline covariates, exactly as ``estimatr::lm_robust(y ~ arm + x)``. With Lin (2013)
adjustment (``lin=True``) the covariates are centred on their mean and interacted with every arm
indicator, ``y_i = a + sum_k b_k D_ik + x~_i' g + sum_k D_ik x~_i' h_k + e_i``, as
``estimatr::lm_lin``; ``b_k`` is then the average effect with covariate adjustment that cannot
hurt asymptotic precision.

Variances (see :mod:`proeftuin.analysis.vcov` for the formulas): HC0-HC3 (MacKinnon and White
1985; HC2 is the Neyman variance in a randomized experiment, Samii and Aronow 2012), CR1 and CR2
(Bell and McCaffrey 2002, with Pustejovsky and Tipton 2018 degrees of freedom). Intervals use the
t distribution with ``n - p`` (HC), ``G - 1`` (CR1) or the Satterthwaite (CR2) degrees of freedom.

Why our own code rather than a statsmodels loop: the design matrix is shared by every outcome,
so one QR factorisation serves them all (for HC variances, of the covariates centred within the
arms, :func:`_prepare_cells`) and the variance of every arm's coefficient for every outcome is a
single matrix product ``(A_c^2 w) @ E^2``. That is what makes 216 outcome vectors
take milliseconds instead of seconds (see ``bench/``). A row is left out only of the outcomes it
lacks. With HC variances, outcomes with missing values are fitted together by the masked normal
equations (:mod:`proeftuin.analysis.masked`), two passes however many missingness patterns there
are; otherwise (and for the edge cases the masked path hands back) they are grouped by their
pattern and each pattern gets its own factorisation. Rows are streamed in chunks, so a million
participants need little memory beyond the outcome matrix itself; cluster-robust scores are
summed per cluster by batched products over clusters grouped by size, in linear time. What depends on the arms and covariates
alone (their coding, the design, its decomposition, the coefficient maps and HC weights) is kept
from a trial-sized fit for the next fit on equal arms and covariates (:func:`_design`,
:func:`_prepared`): a report fits several outcome families on one design.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from functools import cache, partial

import numpy as np
from scipy import linalg

from proeftuin.analysis.inference import (
    LEVERAGE_ONE,
    NO_OBSERVATIONS_ARM,
    NO_OBSERVATIONS_CONTROL,
    NO_VARIATION,
    NO_VARIATION_RTOL,
    TOO_FEW_CLUSTERS,
    TOO_FEW_OBSERVATIONS,
    ZERO_STANDARD_ERROR,
)
from proeftuin.analysis.masked import fit_masked
from proeftuin.analysis.options import DEFAULT_LEVEL, VcovType, check_level, check_option
from proeftuin.analysis.results import EffectColumns, EffectTable
from proeftuin.analysis.tall_qr import TALL_FROM_CELLS, tall_qr
from proeftuin.analysis.threads import blas_limit
from proeftuin.analysis.vcov import LEVERAGE_ONE_AT, Clusters, cr1_factor, cr2_adjust_and_df, hc_weights

_CHUNK_ELEMENTS = 1 << 16
"""Outcome cells per streamed chunk (512 kB of float64): large enough for BLAS, small enough that a
chunk's residuals stay in cache between their computation and their use (a trial of 3,500 x 216
in one 6 MB block spent more time on fresh memory than on arithmetic)."""
MASKED_FROM_COLUMNS = 2
"""With HC variances and at least this many outcome columns with missing values, those columns
are fitted by the masked normal equations (:mod:`proeftuin.analysis.masked`: two passes whatever
the number of missingness patterns) instead of one QR factorisation per pattern; columns whose
fit is not clear-cut there (see :func:`~proeftuin.analysis.masked.fit_masked`) go the QR way."""
ASSUME_COMPLETE_CELLS = 1 << 22
"""Every fit first assumes the outcomes complete, without looking for missing values (a pass over
the outcomes, a third of the fit's time for a trial): the coefficient pass meets a missing value
if there is one, and only then are the outcomes searched and the patterns fitted. Up to this
many outcome cells (32 MB) the pass checks its sums after its first chunk (scattered missing
values show there) and at its end; beyond it, after every chunk, so that data complete but for
late rows stop the pass where they are met. Beyond it too, outcomes found incomplete go to the
masked normal equations without a search (every column, see :func:`_effect_columns`): on data
of that size the search is a pass over the outcomes, more than a third of the masked fit."""
_RANK_TOLERANCE = 1e-10
COLLINEAR_TOLERANCE = 1e-7
"""A covariate column adding at most this fraction of its norm beyond the earlier columns is
dropped as collinear: the tolerance of R's ``lm.fit`` (``tol = 1e-7``)."""
_GEQRF, _ORGQR, _TRTRS, _TRTRI = linalg.lapack.dgeqrf, linalg.lapack.dorgqr, linalg.lapack.dtrtrs, linalg.lapack.dtrtri
_DGEMM = linalg.blas.dgemm
_LWORK_PER_COLUMN = 64
"""LAPACK workspace per design column: at least the block size of the blocked QR (32 in OpenBLAS's
LAPACK), so that the decomposition is the one SciPy's workspace query gets."""
_NO_INFLUENCE = 1e-8
"""A coefficient's weight ``|a_ci|`` on an observation below this fraction of its largest weight
is zero up to round-off: such an observation (e.g. one with leverage 1, fitted by its own
covariate cell) does not enter that coefficient's variance."""


_FEW_LEVELS = 64
"""Labels with at most this many distinct values are told apart by one comparison per value
(:func:`_level_masks`); with more, by sorting them (``np.unique``)."""


def _level_masks(labels: np.ndarray) -> dict[str, np.ndarray] | None:
    """One boolean mask per distinct value of ``labels`` (text), or ``None`` beyond :data:`_FEW_LEVELS`.

    An arm variable has a handful of values: comparing the labels with each value in turn (a
    vectorised pass each, and the masks are the arm indicators the fit needs anyway) takes a
    tenth of the time of sorting 3,500 strings to find them (``np.unique``: 0.35 ms).
    """
    masks: dict[str, np.ndarray] = {}
    unseen = np.ones(labels.shape[0], dtype=bool)
    while unseen.size:
        first = int(unseen.argmax())  # the first label not yet seen (0 once every label is seen)
        if not unseen[first]:
            break
        if len(masks) == _FEW_LEVELS:
            return None
        mask = labels == labels[first]
        masks[str(labels[first])] = mask
        unseen &= ~mask
    return masks


@dataclass(frozen=True)
class ArmCoding:
    """The arms of a design: the control level and the treatment levels, in order."""

    control: str
    treatments: tuple[str, ...]

    @classmethod
    def from_labels(cls, labels: np.ndarray, control: str, order: Sequence[str] | None = None) -> ArmCoding:
        """Code ``labels`` with ``control`` as reference; treatments in ``order`` or sorted."""
        labels = labels.astype(str)
        masks = _level_masks(labels)
        return cls._from_present(set(masks) if masks is not None else {str(v) for v in np.unique(labels)}, control, order)

    @classmethod
    def coded(
        cls, labels: np.ndarray, control: str, order: Sequence[str] | None = None
    ) -> tuple[ArmCoding, np.ndarray, np.ndarray]:
        """:meth:`from_labels`, with the ``(n, k)`` treatment indicators and the control group's mask.

        The same as ``from_labels(...)``, ``.indicators(labels)`` and ``labels == control``, with
        each label compared once with each arm.
        """
        labels = np.asarray(labels, dtype=str)  # no copy of text labels
        masks = _level_masks(labels)
        if masks is None:
            coding = cls.from_labels(labels, control, order)
            return coding, coding.indicators(labels), labels == control
        coding = cls._from_present(set(masks), control, order)
        indicators = np.empty((labels.shape[0], len(coding.treatments)))
        coding._fill(indicators, masks)
        return coding, indicators, masks[control]

    def _fill(self, indicators: np.ndarray, masks: dict[str, np.ndarray]) -> None:
        """Write the treatments' ``masks`` (by :func:`_level_masks`) into the columns of ``indicators``."""
        for j, treatment in enumerate(self.treatments):
            indicators[:, j] = masks[treatment]

    @classmethod
    def _from_present(cls, present: set[str], control: str, order: Sequence[str] | None) -> ArmCoding:
        """The coding of the distinct labels ``present`` (see :meth:`from_labels`)."""
        if control not in present:
            raise ValueError(f"control value {control!r} does not occur among the arms {sorted(present)}")
        if order is None:
            treatments = tuple(sorted(present - {control}))
        else:
            unknown = present - set(order) - {control}
            if unknown:
                raise ValueError(f"arm values {sorted(unknown)} are not among the declared arms {list(order)}")
            treatments = tuple(a for a in order if a != control and a in present)
        if not treatments:
            raise ValueError(f"no treatment arm besides the control value {control!r}")
        return cls(control=control, treatments=treatments)

    def indicators(self, labels: np.ndarray) -> np.ndarray:
        """The ``(n, k)`` 0/1 matrix of treatment indicators."""
        labels = labels.astype(str)
        return np.column_stack([(labels == t).astype(float) for t in self.treatments])


def design_matrix(indicators: np.ndarray, covariates: np.ndarray | None, *, lin: bool = False) -> np.ndarray:
    """``[1, D, X]`` (covariates as given), or with ``lin`` ``[1, D, X - mean, D_k * (X - mean)...]``."""
    n = indicators.shape[0]
    parts = [np.ones((n, 1)), indicators]
    if covariates is not None and covariates.size:
        covariates = np.asarray(covariates, dtype=float).reshape(n, -1)
        _check_covariates(covariates)
        if lin:
            centred = covariates - covariates.mean(axis=0)
            parts.append(centred)
            parts.extend(indicators[:, [k]] * centred for k in range(indicators.shape[1]))
        else:
            parts.append(covariates)
    elif lin:
        raise ValueError("lin=True needs covariates to interact with the arms")
    return np.column_stack(parts)


def _coded_design(
    labels: np.ndarray, control: str, order: Sequence[str] | None, covariates: np.ndarray | None
) -> tuple[ArmCoding, np.ndarray, np.ndarray, np.ndarray]:
    """:meth:`ArmCoding.coded` and :func:`design_matrix` in one array: the coding, the treatment
    indicators (a view of the design's columns ``1..k``), the control group's mask and the design
    ``[1, D, X]``. Each column is written once, where coding and stacking wrote the indicators
    twice (the same values, bit for bit)."""
    labels = np.asarray(labels, dtype=str)
    masks = _level_masks(labels)
    if masks is None:
        coding, indicators, is_control = ArmCoding.coded(labels, control, order)
        return coding, indicators, is_control, design_matrix(indicators, covariates)
    coding = ArmCoding._from_present(set(masks), control, order)
    k, q = len(coding.treatments), 0 if covariates is None else covariates.shape[1]
    x = np.empty((labels.shape[0], 1 + k + q))
    x[:, 0] = 1.0
    coding._fill(x[:, 1 : 1 + k], masks)
    if covariates is not None:
        _check_covariates(covariates)
        x[:, 1 + k :] = covariates
    return coding, x[:, 1 : 1 + k], masks[control], x


def _check_covariates(covariates: np.ndarray) -> None:
    """A missing covariate value is an error naming its column and row."""
    if np.isnan(covariates).any():
        row, col = np.argwhere(np.isnan(covariates))[0]
        raise ValueError(f"covariate column {col} has a missing value in row {row}")


@dataclass(frozen=True)
class LinearFit:
    """Selected coefficients of one linear fit for a block of outcome columns.

    ``coef`` and ``variance`` are ``(t, m)`` for the ``t`` requested terms; ``df`` is ``(t,)``;
    ``control_mean`` is the mean of each outcome over the rows flagged as control;
    ``not_estimable`` is ``(t, m)``, the reason per term and outcome (``""`` if estimable);
    ``dropped`` the indices of design columns dropped as constant or collinear.
    """

    coef: np.ndarray
    variance: np.ndarray
    df: np.ndarray
    n: int
    control_mean: np.ndarray
    not_estimable: np.ndarray
    dropped: tuple[int, ...] = ()


class _NotFinite(Exception):
    """An outcome assumed complete has a missing or infinite value (see ``assume_complete``)."""


def independent_columns(x: np.ndarray, keep_first: int, label: str = "outcome") -> np.ndarray:
    """Mask of the columns of ``x`` kept when dependent ones are dropped in order, as R's ``lm``.

    With the unpivoted QR decomposition ``x = QR``, ``|R_jj|`` is the norm of what column ``j``
    adds beyond the columns before it; column ``j`` is dropped when that is at most
    ``COLLINEAR_TOLERANCE`` times its own norm (a constant covariate, a repeated column, a
    category whose indicators sum to another column). Because a dropped column adds nothing to
    the span, one decomposition decides every column. The first ``keep_first`` columns (intercept
    and arms) are never dropped; if one of them is dependent, that is an error.
    """
    r: np.ndarray = np.linalg.qr(x, mode="r")  # type: ignore[assignment]  # mode "r" returns R alone
    return _independent_from_r(r, keep_first, label)


def _independent_from_r(r: np.ndarray, keep_first: int, label: str) -> np.ndarray:
    """:func:`independent_columns` from the ``R`` of ``x``'s QR decomposition."""
    added = np.abs(np.diag(r))
    norms = np.sqrt(np.einsum("ij,ij->j", r, r))  # |x_j| = |R_j| (Q orthonormal): no pass over x
    keep = added > COLLINEAR_TOLERANCE * norms
    if not keep[:keep_first].all():
        raise ValueError(f"{label}: the arms are collinear with the intercept (an arm has no observations)")
    return keep


def _finite_column_sums(y: np.ndarray) -> np.ndarray:
    """The column sums of ``y`` (``NaN`` where a value is missing); an infinite value is an error."""
    column_sums = np.ones(y.shape[0]) @ y  # BLAS: twice as fast as y.sum(axis=0) on a trial's outcomes
    if np.isinf(column_sums).any() and np.isinf(y).any():
        row, col = np.argwhere(np.isinf(y))[0]
        raise ValueError(f"outcome column {col} has an infinite value in row {row}")
    return column_sums


def missingness_groups(
    y: np.ndarray, column_sums: np.ndarray | None = None
) -> list[tuple[np.ndarray | None, np.ndarray]]:
    """``(rows, columns)`` per missingness pattern of ``y``; ``rows`` ``None`` means every row.

    ``rows`` is an index array of the observed rows shared by ``columns``. Columns without any
    missing value are found by one reduction over ``y`` (no ``n x m`` mask is built for them);
    ``column_sums`` passes that reduction where the caller has it already.
    """
    has_nan = np.isnan(_finite_column_sums(y) if column_sums is None else column_sums)
    groups: list[tuple[np.ndarray | None, np.ndarray]] = []
    complete = np.flatnonzero(~has_nan)
    if complete.size:
        groups.append((None, complete))
    incomplete = np.flatnonzero(has_nan)
    if incomplete.size:
        observed = ~np.isnan(y[:, incomplete])
        packed = np.packbits(observed, axis=0).T
        _, inverse = np.unique(packed, axis=0, return_inverse=True)
        inverse = inverse.ravel()
        for g in range(inverse.max() + 1):
            members = np.flatnonzero(inverse == g)
            groups.append((np.flatnonzero(observed[:, members[0]]), incomplete[members]))
    return groups


def _row_chunks(
    y: np.ndarray, rows: np.ndarray | None, columns: np.ndarray, n: int
) -> tuple[list[tuple[int, int]], Callable[[int, int], np.ndarray], bool]:
    """``(start, stop)`` per chunk of the used rows; ``load(start, stop)``, that block of ``y``; and
    whether each block is a copy (``False``: a view of ``y``, which must not be written)."""
    every_column = columns.size == y.shape[1] and bool(np.all(columns == np.arange(y.shape[1])))
    size = max(256, _CHUNK_ELEMENTS // max(1, columns.size))
    load: Callable[[int, int], np.ndarray]
    if rows is not None:
        load = lambda start, stop: y[np.ix_(rows[start:stop], columns)]  # noqa: E731
    elif every_column:
        load = lambda start, stop: y[start:stop]  # noqa: E731
    else:
        load = lambda start, stop: y[start:stop][:, columns]  # noqa: E731
    return [(s, min(n, s + size)) for s in range(0, n, size)], load, rows is not None or not every_column


def fit_linear(
    y: np.ndarray,
    x: np.ndarray,
    *,
    rows: np.ndarray | None,
    columns: np.ndarray,
    terms: Sequence[int],
    vcov: VcovType,
    is_control: np.ndarray,
    clusters: Clusters | None = None,
    instruments: np.ndarray | None = None,
    label: str = "outcome",
    droppable_from: int | None = None,
    assume_complete: bool = False,
    arm_cells: bool = False,
) -> LinearFit:
    """Fit ``y[rows][:, columns]`` on ``x`` (the design for those rows) and return ``terms``.

    With ``instruments`` ``Z`` (same shape as ``x``) the estimator is just-identified two-stage
    least squares, ``b = (Z'X)^{-1} Z'y``; leverages (HC2/HC3) are then those of ``Z``, which
    equal those of the first-stage fitted design ``X^ = P_Z X`` in the just-identified case.
    Rows are streamed in chunks: one pass for the coefficients, one for the variances.

    With ``droppable_from`` the columns from that index on (covariates) that are constant or
    collinear are dropped in order (:func:`independent_columns`) and listed in ``dropped``;
    ``terms`` must lie before it. Without it a rank-deficient design is an error.

    Per term and outcome, ``not_estimable`` gives the reason where there is no valid variance:
    the outcome has no variation, or the standard error is zero, both up to
    :data:`~proeftuin.analysis.inference.NO_VARIATION_RTOL` times the outcome's magnitude; or,
    for HC2/HC3, an observation with leverage 1 carries weight in that term (elsewhere such an
    observation has no influence on the term and is left out of its variance, as in estimatr).

    ``y[rows][:, columns]`` must have no missing value. With ``assume_complete`` the caller has
    not checked: a missing or infinite value makes the coefficient sums non-finite (``NaN``
    propagates through every product, also by 0), which is checked after the first chunk and
    after the pass, and raises :class:`_NotFinite`.

    With ``arm_cells`` the caller vouches that ``x`` is ``[1, D, X]``: the intercept, then one 0/1
    column per term ``1..t`` marking disjoint arms, each with an observation, the rows of none of
    them flagged by ``is_control`` (at least one), then covariates; HC fits then factorise it by
    its arms (:func:`_prepare_cells`).
    """
    with blas_limit(x.shape[0], x.shape[1], columns.size):
        return _fit_linear(y, x, rows=rows, columns=columns, terms=terms, vcov=vcov, is_control=is_control,
                           clusters=clusters, instruments=instruments, label=label, droppable_from=droppable_from,
                           assume_complete=assume_complete, arm_cells=arm_cells)


@dataclass(frozen=True)
class _Prepared:
    """What a fit takes from its design alone, before any outcome is read: the kept design ``x``
    (``dropped``: the indices of the columns left out), its thin QR decomposition ``q``, ``r``,
    the coefficient map of the requested ``terms`` (``a_terms``), the map of the coefficient pass
    (``a_ext``: ``Q'`` or the instrumental-variable map, and a last row averaging the control
    group) and, for HC variances, ``scaled`` (the rows ``a_ti^2 w_i`` and a row of ones, see
    :func:`_fit_linear`) and ``influenced`` (the terms an observation of leverage 1 bears on);
    ``intercept``: whether the first column is all ones (the spread screen's premise).

    Factorised by its arms (:func:`_prepare_cells`, ``q`` and ``r`` then ``None``), ``a_ext`` is
    instead the cell means' rows and ``Q_2'`` (see there), ``coef_map`` takes its products to the
    coefficients and ``rotation`` to ``Q'y`` (row by row)."""

    x: np.ndarray
    dropped: tuple[int, ...]
    q: np.ndarray | None
    r: np.ndarray | None
    a_terms: np.ndarray
    a_ext: np.ndarray
    scaled: np.ndarray | None
    influenced: np.ndarray
    intercept: bool
    coef_map: np.ndarray | None = None
    rotation: np.ndarray | None = None

    def from_pass(self, coef_ext: np.ndarray, instruments: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The coefficients ``(p, m)``, the control means and ``Q'y`` (for the spread screen; with
        ``instruments`` the IV coefficients instead) from the coefficient pass ``a_ext @ y``."""
        if self.coef_map is not None and self.rotation is not None:
            return self.coef_map @ coef_ext, coef_ext[0], coef_ext * self.rotation[:, None]
        p = self.x.shape[1]
        coef, control_mean = coef_ext[:p], coef_ext[p]
        if instruments or self.r is None:
            return coef, control_mean, coef
        return _solve_upper(self.r, coef), control_mean, coef  # Q'y = R b, and b


def _prepare(
    x: np.ndarray,
    *,
    terms: list[int],
    vcov: VcovType,
    is_control: np.ndarray,
    instruments: np.ndarray | None,
    label: str,
    droppable_from: int | None,
    arm_cells: bool = False,
) -> _Prepared:
    """The design's part of :func:`_fit_linear` (see :class:`_Prepared`); with ``arm_cells`` (see
    :func:`fit_linear`) an HC fit's by :func:`_prepare_cells` where it decides clearly."""
    if arm_cells and instruments is None and vcov.startswith("HC") and terms == list(range(1, len(terms) + 1)):
        prepared = _prepare_cells(x, k=len(terms), vcov=vcov, is_control=is_control)
        if prepared is not None:
            return prepared
    dropped: tuple[int, ...] = ()
    basis = x if instruments is None else instruments
    # The map of the coefficient pass: Q' (least squares; Householder's Q is made in its rows, no
    # copy) or the instrumental-variable map, and a last row averaging the control group.
    a_ext = np.empty((x.shape[1] + 1, x.shape[0]))
    # One decomposition decides the dropped columns and, if none, fits (a large design by CholeskyQR2).
    q, r = (tall_qr(basis) if basis.size >= TALL_FROM_CELLS else None) or \
        _qr(basis, None if instruments is not None else a_ext[:-1])
    if droppable_from is not None and instruments is None:
        keep = _independent_from_r(r, droppable_from, label) if x.shape[0] > x.shape[1] else \
            independent_columns(x, droppable_from, label)
        if not keep.all():
            dropped = tuple(int(j) for j in np.flatnonzero(~keep))
            x = basis = x[:, keep]
            a_ext = np.empty((x.shape[1] + 1, x.shape[0]))
            q, r = _qr(basis, a_ext[:-1])
    n, p = x.shape
    if n <= p:
        raise ValueError(f"{label}: {n} observations for {p} coefficients")
    diag = np.abs(np.diag(r))
    if diag.min() <= _RANK_TOLERANCE * diag.max():
        raise ValueError(
            f"{label}: the design matrix is rank deficient (a covariate is constant or collinear "
            "with the arms, or an arm has no observations)"
        )
    if instruments is None:
        # b = R^{-1} Q'y: the pass over y forms Q'y (the same product as the floor X'y) and a
        # p x p triangular solve gives b; the coefficient map A = R^{-1} Q' is formed for the
        # requested terms only.
        r_inverse = _solve_upper(r, np.eye(p))
        a_terms, first = r_inverse[terms] @ q.T, q.T
    else:
        a = np.linalg.solve(instruments.T @ x, instruments.T)
        a_terms, first = a[terms], a
    # One extra row of the first pass's map yields the control means in the same pass.
    if not np.may_share_memory(first, a_ext):
        a_ext[:p] = first
    np.divide(is_control, float(is_control.sum()), out=a_ext[p])
    influenced, scaled = np.zeros(len(terms), dtype=bool), None
    if vcov.startswith("HC"):
        scaled, influenced = _hc_rows(a_terms, np.einsum("ij,ij->i", q, q), p, vcov)
    return _Prepared(x=x, dropped=dropped, q=q, r=r, a_terms=a_terms, a_ext=a_ext, scaled=scaled, influenced=influenced,
                     intercept=bool((x[:, 0] == 1.0).all()))


def _hc_rows(a_terms: np.ndarray, leverage: np.ndarray, p: int, vcov: VcovType) -> tuple[np.ndarray, np.ndarray]:
    """The rows ``a_ti^2 w_i`` of the HC weights (:func:`~proeftuin.analysis.vcov.hc_weights`) and,
    last, a row of ones (the residual sum of squares), and the terms that an observation of
    leverage 1 bears on (HC2/HC3; see :func:`fit_linear`)."""
    n = leverage.shape[0]
    influenced = np.zeros(a_terms.shape[0], dtype=bool)
    if vcov in ("HC2", "HC3") and (one := leverage > LEVERAGE_ONE_AT).any():
        scale = np.abs(a_terms).max(axis=1)
        influenced = np.abs(a_terms[:, one]).max(axis=1) > _NO_INFLUENCE * scale
    scaled = np.empty((a_terms.shape[0] + 1, n))
    np.multiply(np.square(a_terms, out=scaled[:-1]), hc_weights(leverage, n, p, vcov), out=scaled[:-1])
    scaled[-1] = 1.0
    return scaled, influenced


_CELLS_CLEAR = 1e-5
""":func:`_prepare_cells` hands a design back to Householder QR where a covariate adds at most this
fraction of its norm beyond the arms and the covariates before it (100 times the tolerance of
:data:`COLLINEAR_TOLERANCE`) or the decomposition's diagonal spans more than ``1e-8`` (100 times
``_RANK_TOLERANCE``): there the decisions to drop a column or refuse the design are close, and
they are left to the one decomposition that has always made them."""


@cache
def _cell_contrasts(k: int) -> np.ndarray:
    """``[[1, 0], [-1, I_k]]``: the control mean, and each arm's mean minus it (read-only, made once per ``k``)."""
    contrasts = np.eye(1 + k)
    contrasts[1:, 0] = -1.0
    contrasts.setflags(write=False)
    return contrasts


def _prepare_cells(x: np.ndarray, *, k: int, vcov: VcovType, is_control: np.ndarray) -> _Prepared | None:
    """:func:`_prepare` for an HC fit on ``x = [1, D, Z]`` (``k`` arm indicators ``D``, see
    ``arm_cells`` of :func:`fit_linear`), factorised by its arms; ``None`` where a decision is close
    (:data:`_CELLS_CLEAR`) or there are no more rows than columns, for :func:`_prepare`.

    The columns ``1, D`` span the indicators ``C_c`` of the cells (control and arms), which are
    orthogonal, so (Frisch-Waugh-Lovell) the fit splits into the cell means and the covariates
    centred within their cells, ``Z~ = Z - C M`` (``M`` the cells' covariate means), of which a
    Householder QR ``Z~ = Q_2 R_2`` (``q`` columns instead of ``p``) is the only decomposition::

        Q = [C_c / sqrt(n_c), Q_2],        h_i = 1 / n_c(i) + |q_2i|^2,
        g = R_2^{-1} Q_2'y,                b_0 = ybar_0 - m_0'g,    b_j = ybar_j - ybar_0 - (m_j - m_0)'g.

    The coefficient pass multiplies ``y`` by ``[C_c / n_c; Q_2']`` (``p`` rows, the control mean
    its first), and ``coef_map`` is the linear map above from its products ``[ybar_c; Q_2'y]`` to
    ``b``; the term rows of ``A = (X'X)^{-1} X'`` are that map's rows applied to the same rows.
    ``|R_jj|`` of Householder's QR of ``x`` (the column decisions) are ``sqrt(n)`` for the intercept,
    ``sqrt(n_j (s_j - n_j) / s_j)`` for arm ``j`` (``s_j`` the rows of the control group and of
    arms ``j..k``) and ``|R_2,ll|`` for the covariates. The same numbers as Householder QR of
    ``x`` to round-off (tests at 1e-12): 3,500 x 9 in 0.15 ms where QR of ``x`` took 0.29 ms.
    """
    n, p = x.shape
    q = p - 1 - k
    if n <= p:
        return None
    a_ext = np.empty((p, n))
    cells = a_ext[: 1 + k]  # C_c / n_c: the cell means' rows
    counts = np.empty(1 + k)
    counts[1:] = np.ones(n) @ x[:, 1 : 1 + k]  # sums of 0/1: exact
    sizes = counts[1:].tolist()
    counts[0] = n - sum(sizes)  # the control group: the rows of no arm
    np.divide(is_control, counts[0], out=cells[0])
    np.divide(x[:, 1 : 1 + k].T, counts[1:, None], out=cells[1:])
    # |R_jj| of the intercept and the arms (Python floats: a few of them, each numpy call costs microseconds)
    diag, later = [math.sqrt(n)], float(n)
    for size in sizes:
        diag.append(math.sqrt(size * (later - size) / later))
        later -= size
    r2_inverse, top = np.zeros((q, q)), np.zeros((1 + k, q))
    if q:
        centred = a_ext[1 + k :].T  # Z~, column-major in the rows of a_ext: LAPACK works on it in place
        # Measured from the first row (exact to round-off of the spread, not of an offset) ...
        np.subtract(x[:, 1 + k :].T, x[0, 1 + k :, None], out=centred.T)  # written row by row: 18 us, not 70
        means = cells @ centred  # (1 + k, q): the covariates' mean per cell, from the first row
        # ... and centred in its cell: Z~ = Z - C M = Z - (C_c / n_c)' (n_c M), dgemm subtracting as it
        # multiplies. Means from the offset itself (7 +- 0.001) left a cell-constant round-off of the
        # offset in Z~, 1e-12 of its spread, which y's mean (100 +- 10) made 2e-10 of its coefficient.
        _DGEMM(-1.0, cells.T, np.asfortranarray(means * counts[:, None]), 1.0, centred, 0, 0, 1)
        factors, tau, _, _ = _GEQRF(centred, lwork=_LWORK_PER_COLUMN * q, overwrite_a=True)
        r2 = np.where(_strictly_lower(q), _ZERO, factors[:q])
        _ORGQR(factors, tau, lwork=_LWORK_PER_COLUMN * q, overwrite_a=True)
        top = _cell_contrasts(k) @ means  # m_0 (from the first row) and m_j - m_0
        top[0] += x[0, 1 + k :]
        added = np.abs(np.diag(r2))
        # |Z_l|^2 = |C M_l|^2 + |Z~_l|^2 = sum_c n_c m_cl^2 + |R_2,l|^2
        squares = counts @ np.square(means + x[0, 1 + k :]) + np.einsum("ij,ij->j", r2, r2)
        if (np.square(added) <= _CELLS_CLEAR**2 * squares).any():
            return None
        diag += added.tolist()
        r2_inverse, _ = _TRTRI(r2)
    if min(diag) <= 100.0 * _RANK_TOLERANCE * max(diag):
        return None
    coef_map = np.zeros((p, p))
    coef_map[: 1 + k, : 1 + k] = _cell_contrasts(k)
    coef_map[1 + k :, 1 + k :] = r2_inverse
    np.matmul(top, r2_inverse, out=coef_map[: 1 + k, 1 + k :])
    np.negative(coef_map[: 1 + k, 1 + k :], out=coef_map[: 1 + k, 1 + k :])
    a_terms = coef_map[1 : 1 + k] @ a_ext
    leverage = np.ones(1 + k) @ cells  # 1 / n_c (one cell per row)
    if q:
        leverage += np.einsum("ji,ji->i", a_ext[1 + k :], a_ext[1 + k :])
    scaled, influenced = _hc_rows(a_terms, leverage, p, vcov)
    rotation = np.ones(p)
    np.sqrt(counts, out=rotation[: 1 + k])  # Q'y = [sqrt(n_c) ybar_c; Q_2'y]
    return _Prepared(x=x, dropped=(), q=None, r=None, a_terms=a_terms, a_ext=a_ext, scaled=scaled, influenced=influenced,
                     intercept=True, coef_map=coef_map, rotation=rotation)


_CACHE_CELLS = 1 << 18
"""Designs of up to this many cells (``n x p``: 2 MB, some 30,000 rows of 9 columns) keep what
was computed from them (:class:`_Design`, :class:`_Prepared`) for the next fit on the same
design; the memory it holds is a few times the design's."""
_last_prepared: tuple[tuple[object, ...], _Prepared] | None = None
"""The last :class:`_Prepared` made for a cached design (:func:`_design`), with its key; one
slot, replaced whole (a thread reads it once, so concurrent fits never see half an entry)."""


def _prepared(x: np.ndarray, *, terms: list[int], vcov: VcovType, is_control: np.ndarray,
              instruments: np.ndarray | None, label: str, droppable_from: int | None, arm_cells: bool) -> _Prepared:
    """:func:`_prepare`, reused when ``x`` and ``is_control`` are the very (read-only) arrays of
    the cached :class:`_Design` (:func:`_design`): a report fits several outcome families on one
    trial's design, and the decomposition, the maps and the HC weights (with the design, a
    quarter of a trial-sized fit's time: 3,500 x 216 HC2 3.2 -> 2.4 ms CPU) depend on it alone. Keyed by those arrays' identity (the key holds them, so an identity
    is never reused) and by everything else the result depends on."""
    global _last_prepared
    design = _last_design
    reusable = instruments is None and design is not None and x is design.x_all and is_control is design.is_control
    key = (x, is_control, tuple(terms), vcov, droppable_from, arm_cells)
    last = _last_prepared
    if reusable and last is not None and all(a is b if isinstance(a, np.ndarray) else a == b for a, b in zip(last[0], key)):
        return last[1]
    prepared = _prepare(x, terms=terms, vcov=vcov, is_control=is_control, instruments=instruments, label=label,
                        droppable_from=droppable_from, arm_cells=arm_cells)
    if reusable:
        for array in (prepared.q, prepared.r, prepared.a_terms, prepared.a_ext, prepared.scaled, prepared.influenced,
                      prepared.coef_map, prepared.rotation):
            if array is not None:
                array.setflags(write=False)
        _last_prepared = (key, prepared)
    return prepared


def _fit_linear(
    y: np.ndarray,
    x: np.ndarray,
    *,
    rows: np.ndarray | None,
    columns: np.ndarray,
    terms: Sequence[int],
    vcov: VcovType,
    is_control: np.ndarray,
    clusters: Clusters | None,
    instruments: np.ndarray | None,
    label: str,
    droppable_from: int | None,
    assume_complete: bool,
    arm_cells: bool,
) -> LinearFit:
    terms = list(terms)
    prepared = _prepared(x, terms=terms, vcov=vcov, is_control=is_control, instruments=instruments, label=label,
                         droppable_from=droppable_from, arm_cells=arm_cells)
    x, dropped, q, a_terms, a_ext = prepared.x, prepared.dropped, prepared.q, prepared.a_terms, prepared.a_ext
    n, p = x.shape
    chunks, load, copies = _row_chunks(y, rows, columns, n)
    # Least squares with an intercept: the outcome's spread is bounded from the residual pass
    # (see _screen_spread), so this pass reads each block once, for the coefficients alone.
    screened = instruments is None and prepared.intercept
    coef_ext = np.zeros((a_ext.shape[0], columns.size))
    large = n * columns.size > ASSUME_COMPLETE_CELLS
    low, high = np.full(columns.size, np.inf), np.full(columns.size, -np.inf)
    # Outcomes assumed complete may hold an infinite value, found (and reported) from the sums.
    with np.errstate(invalid="ignore") if assume_complete else nullcontext():
        for start, stop in chunks:
            block = load(start, stop)
            coef_ext += a_ext[:, start:stop] @ block
            if assume_complete and (start == 0 or large) and not np.isfinite(coef_ext).all():
                raise _NotFinite  # scattered missing values show in the first chunk (large data: in any)
            if not screened:
                np.minimum(low, block.min(axis=0), out=low)
                np.maximum(high, block.max(axis=0), out=high)
    if assume_complete and not np.isfinite(coef_ext).all():
        raise _NotFinite
    coef, control_mean, rotated = prepared.from_pass(coef_ext, instruments is not None)
    influenced, scaled = prepared.influenced, prepared.scaled
    if scaled is not None:
        sums = np.zeros((len(terms) + 1, columns.size))
        buffer = None if copies else np.empty((chunks[0][1] - chunks[0][0], columns.size))
        coef_t, x_t = np.ascontiguousarray(coef).T, np.ascontiguousarray(x).T  # the layouts BLAS takes as they are
        for start, stop in chunks:
            sums += scaled[:, start:stop] @ _squared_residuals(load(start, stop), x_t[:, start:stop], coef_t, buffer)
        variance = sums[:-1]
        if screened:
            checks = _screen_spread(y, rows, columns, n, variance, sums[-1], rotated)
        df = np.full(len(terms), float(n - p))
    else:
        if clusters is None:
            raise ValueError(f"vcov={vcov!r} needs clusters")
        if vcov == "CR2" and instruments is not None:
            raise ValueError("CR2 is not available for instrumental variables; use CR1")
        g = clusters.count
        if g < 2:
            raise ValueError(f"{label}: {vcov} needs at least 2 clusters; got {g}")
        if q is None:
            raise ValueError(f"vcov={vcov!r}: the design was prepared for HC variances")
        weights, df = cr2_adjust_and_df(a_terms, q, clusters) if vcov == "CR2" else (a_terms, np.full(len(terms), float(g - 1)))
        variance, residual_ss = _cluster_sum_of_squares(y, x, rows, columns, coef, weights, clusters)
        if vcov == "CR1":
            variance *= cr1_factor(n, p, g)
        if screened:
            checks = _screen_spread(y, rows, columns, n, variance, residual_ss, rotated)
    if not screened:
        checks = np.maximum(np.abs(low), np.abs(high)), high - low
    reasons = np.full((len(terms), columns.size), "", dtype=object)
    # Each reason written only where it applies (in most fits none does: an object array's
    # assignment costs microseconds even through an empty mask).
    if influenced.any():
        reasons[influenced] = LEVERAGE_ONE.format(vcov=vcov)
    if checks is not None:  # None: the screen found every column varying, with non-zero standard errors
        magnitude, spread = checks
        zero = (np.sqrt(variance) <= NO_VARIATION_RTOL * magnitude) & ~influenced[:, None]
        constant = spread <= NO_VARIATION_RTOL * magnitude
        if zero.any():
            reasons[zero] = ZERO_STANDARD_ERROR
        if constant.any():
            reasons[:, constant] = NO_VARIATION
    return LinearFit(coef=coef[terms], variance=variance, df=df, n=n, control_mean=control_mean,
                     not_estimable=reasons, dropped=dropped)


def _cluster_sum_of_squares(
    y: np.ndarray,
    x: np.ndarray,
    rows: np.ndarray | None,
    columns: np.ndarray,
    coef: np.ndarray,
    weights: np.ndarray,
    clusters: Clusters,
) -> tuple[np.ndarray, np.ndarray]:
    """``sum_g (w_tg' e_g)^2`` per term ``t`` and outcome (the cluster-robust meat, in linear time),
    and the residual sum of squares per outcome (for :func:`_screen_spread`).

    Clusters of equal size are visited together (:attr:`~proeftuin.analysis.vcov.Clusters.blocks`),
    in chunks of about :data:`_CHUNK_ELEMENTS` cells: a chunk's residuals ``e`` are computed once
    into a reused buffer (:func:`_residuals_into`) and summed per cluster and term by one batched
    product ``(G_c, t, s) @ (G_c, s, m)``, squared and added up (no sparse matrix, no ``G x m``
    array; a cluster of one row adds ``w_t^2 e^2``, one product for the chunk). A cluster larger
    than a chunk is summed piece by piece. Time and memory are linear in ``n``.
    """
    chunk_rows = max(256, _CHUNK_ELEMENTS // max(1, columns.size))
    every_column = columns.size == y.shape[1] and bool(np.all(columns == np.arange(y.shape[1])))
    coef_t, x = np.ascontiguousarray(coef).T, np.ascontiguousarray(x)  # the layouts BLAS takes as they are
    buffer = np.empty((chunk_rows, columns.size))
    variance = np.zeros((weights.shape[0], columns.size))
    residual_ss = np.zeros(columns.size)

    def residuals(take: np.ndarray) -> np.ndarray:
        source = take if rows is None else rows[take]
        block = buffer[: take.size]
        if every_column:
            np.take(y, source, axis=0, out=block, mode="clip")  # "clip": no intermediate buffer (indices are valid)
        else:
            block[...] = y[np.ix_(source, columns)]
        return _residuals_into(block, x[take], coef_t)

    for size, idx in clusters.blocks:
        if size > chunk_rows:  # one cluster at a time, piece by piece
            for members in idx:
                sums = np.zeros_like(variance)
                for piece in np.array_split(members, -(-size // chunk_rows)):
                    e = residuals(piece)
                    sums += weights[:, piece] @ e
                    residual_ss += np.einsum("ij,ij->j", e, e)
                variance += np.square(sums)
            continue
        per_chunk = chunk_rows // size
        for first in range(0, idx.shape[0], per_chunk):
            part = idx[first:first + per_chunk]
            e = residuals(part.ravel())
            if size == 1:
                squares = np.square(e, out=e)
                variance += np.square(weights[:, part[:, 0]]) @ squares
                residual_ss += np.ones(part.shape[0]) @ squares
            else:
                residual_ss += np.einsum("ij,ij->j", e, e)
                sums = weights[:, part].transpose(1, 0, 2) @ e.reshape(part.shape[0], size, -1)  # (G_c, t, m)
                variance += np.square(sums, out=sums).sum(axis=0)
    return variance, residual_ss


def _residuals_into(block: np.ndarray, x: np.ndarray, coef_t: np.ndarray) -> np.ndarray:
    """``block - x @ coef`` computed in ``block`` (a C-contiguous copy of the outcomes) and returned.

    ``coef_t`` is ``coef`` transposed (``m x p``, column-major): BLAS ``dgemm`` with ``beta = 1``
    subtracts the fit as it multiplies, in the column-major view of the row-major block.
    """
    return np.asarray(linalg.blas.dgemm(-1.0, coef_t, x.T, beta=1.0, c=block.T, overwrite_c=True).T)


def _qr(x: np.ndarray, q_rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The thin QR decomposition ``x = QR`` (``n >= p``) by LAPACK ``geqrf``/``orgqr``.

    The same calls and workspace as ``scipy.linalg.qr(x, mode="economic")`` (identical numbers),
    without its wrappers' checks: 0.11 ms for 3,500 x 9 where SciPy took 0.14 ms and
    ``numpy.linalg.qr`` 0.9 ms. With ``q_rows`` (a C-ordered ``(p, n)`` array) ``x`` is copied
    into its transpose, the column-major array LAPACK works in, and ``Q`` is made there: ``Q'``
    fills ``q_rows`` (the coefficient pass's map) without a copy of its own.
    """
    p = x.shape[1]
    if q_rows is None:
        factors, tau, _, _ = _GEQRF(x, lwork=_LWORK_PER_COLUMN * p)
    else:
        np.copyto(q_rows.T, x)
        factors, tau, _, _ = _GEQRF(q_rows.T, lwork=_LWORK_PER_COLUMN * p, overwrite_a=True)
    r = np.where(_strictly_lower(p), _ZERO, factors[:p])  # np.triu's own expression, its mask made once
    q, _, _ = _ORGQR(factors, tau, lwork=_LWORK_PER_COLUMN * p, overwrite_a=True)
    return q, r


_ZERO = np.zeros(1)


@cache
def _strictly_lower(p: int) -> np.ndarray:
    """The ``p x p`` mask below the diagonal (``np.tri(p, p, -1)``; ``np.triu`` makes it on every
    call, 10 us of the 0.1 ms decomposition of a trial's design)."""
    mask = np.tri(p, p, k=-1, dtype=bool)
    mask.setflags(write=False)
    return mask


def _solve_upper(r: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``R^{-1} b`` for the upper triangular, non-singular ``R`` (LAPACK ``trtrs``, called as
    ``scipy.linalg.solve_triangular`` calls it, without its wrapper: 2 us where it took 9 us)."""
    if r.flags.f_contiguous:
        solution, _ = _TRTRS(r, b)
    else:  # the transposed system: the row-major R is the column-major R' (no copy)
        solution, _ = _TRTRS(r.T, b, lower=1, trans=1)
    return np.asarray(solution)


def _squared_residuals(block: np.ndarray, x_t: np.ndarray, coef_t: np.ndarray, buffer: np.ndarray | None) -> np.ndarray:
    """``(block - x @ coef)**2`` computed in (the first rows of) ``buffer``, reused chunk after chunk,
    or in ``block`` itself when ``buffer`` is ``None`` (``block`` is then a copy of the data).

    ``x_t`` is the block's design transposed (``p x rows``, column-major) and ``coef_t`` is
    ``coef`` transposed (``m x p``, column-major). BLAS ``dgemm`` with ``beta = 1`` subtracts the
    fit from the copied outcomes as it multiplies, ``E' = Y' - coef' x'`` in the column-major view
    of the row-major block: one sweep over the block where a product into it and a subtraction
    took two. Its arguments are passed by position (``alpha, a, b, beta, c, trans_a, trans_b,
    overwrite_c``): the wrapper parses them in half the time of keywords, once per chunk.
    """
    out = block if buffer is None else buffer[: block.shape[0]]
    if buffer is not None:
        np.copyto(out, block)
    residuals = _DGEMM(-1.0, coef_t, x_t, 1.0, out.T, 0, 0, 1).T
    return np.square(residuals, out=residuals)


def _screen_spread(
    y: np.ndarray,
    rows: np.ndarray | None,
    columns: np.ndarray,
    n: int,
    variance: np.ndarray,
    residual_ss: np.ndarray,
    rotated_coef: np.ndarray,
) -> tuple[np.ndarray, np.ndarray] | None:
    """Per column the outcome's magnitude ``max |y|`` and spread ``max - min`` where the reasons need them.

    For least squares with an intercept, ``sum_i y_i^2 = |X b|^2 + RSS = |R b|^2 + RSS`` (``X = QR``,
    residuals orthogonal to the fit), and ``max_i |y_i|`` is at most its square root. An outcome
    whose spread ``max - min`` is at most ``tol * max |y|`` (``tol`` =
    :data:`~proeftuin.analysis.inference.NO_VARIATION_RTOL`) has ``RSS <= sum_i (y_i - min)^2
    <= n (tol max|y|)^2`` (the intercept's fit of a constant is exact). So a column with ``RSS >
    2 n tol^2 (|R b|^2 + RSS)`` and ``sqrt(V_c) > tol sqrt(2 (|R b|^2 + RSS))`` for every term
    (the factor 2 covers round-off) is neither constant nor of zero standard error, and its
    values are not read again: it gets magnitude 0 and spread ``inf``, which make both tests
    false. The other columns (constant or nearly so; none in most data) are read again for their
    exact minimum and maximum, so every column gets the reasons of the exact tests. ``None`` when
    no column is unsure: then no test can hold, and the caller skips them.
    """
    bound = 2.0 * (np.einsum("pm,pm->m", rotated_coef, rotated_coef) + residual_ss)
    unsure = (residual_ss <= n * NO_VARIATION_RTOL**2 * bound) | (variance <= NO_VARIATION_RTOL**2 * bound).any(axis=0)
    if not unsure.any():
        return None
    magnitude, spread = np.zeros(columns.size), np.full(columns.size, np.inf)
    block = y[:, columns[unsure]] if rows is None else y[np.ix_(rows, columns[unsure])]
    low, high = block.min(axis=0), block.max(axis=0)
    magnitude[unsure], spread[unsure] = np.maximum(np.abs(low), np.abs(high)), high - low
    return magnitude, spread


def _resolve_vcov(vcov: VcovType | None, clusters: np.ndarray | None) -> VcovType:
    """``None`` means HC2, or CR2 when clusters are given (estimatr's defaults)."""
    if vcov is None:
        return "CR2" if clusters is not None else "HC2"
    check_option("vcov", vcov, VcovType)
    if vcov.startswith("CR") and clusters is None:
        raise ValueError(f"vcov={vcov!r} is cluster-robust: pass clusters=")
    if vcov.startswith("HC") and clusters is not None:
        raise ValueError(f"clusters were given but vcov={vcov!r} ignores them; use 'CR1' or 'CR2'")
    return vcov


def estimate_effects(
    outcomes: np.ndarray,
    arm: np.ndarray,
    *,
    control: str,
    outcome_names: Sequence[str] | None = None,
    covariates: np.ndarray | None = None,
    arms: Sequence[str] | None = None,
    level: float = DEFAULT_LEVEL,
    vcov: VcovType | None = None,
    clusters: np.ndarray | None = None,
    lin: bool = False,
    covariate_names: Sequence[str] | None = None,
) -> EffectTable:
    """Effects of every arm against ``control`` on every outcome, by OLS with robust variance.

    Parameters
    ----------
    outcomes:
        ``(n,)`` or ``(n, m)`` array; ``NaN`` marks a missing value, left out of that outcome only.
    arm:
        ``(n,)`` arm labels of the participants.
    control:
        The arm label of the reference (control or comparison) group.
    outcome_names:
        Names of the ``m`` outcome columns (default ``y0, y1, ...``).
    covariates:
        Optional ``(n, q)`` baseline covariates, entered linearly (no missing values allowed).
        Constant or collinear columns are dropped (see below).
    arms:
        Optional order of the arm labels; every label present must be declared.
    level:
        Confidence level of the intervals (default 0.90).
    vcov:
        ``HC0``, ``HC1``, ``HC2``, ``HC3``, ``CR0``, ``CR1`` or ``CR2``; default ``HC2`` (the Neyman
        variance), or ``CR2`` when ``clusters`` are given.
    clusters:
        Optional ``(n,)`` cluster labels (household, case manager, team) for CR0/CR1/CR2.
    lin:
        Lin (2013) adjustment: centred covariates interacted with every arm (needs covariates).
        Covariates are centred on the rows used for each outcome.
    covariate_names:
        Names of the covariate columns, used in the note on dropped columns (default ``x0, ...``).

    Returns
    -------
    EffectTable
        One :class:`Effect` per outcome and treatment arm (outcome-major order), with
        ``estimator`` ``"ols"`` or ``"lin"``.

    Edge cases never refuse the table: an effect is *not estimable* (``Effect.not_estimable``
    gives the reason, its numbers are ``NaN``) when its arm or the control group has no observed
    value of the outcome, the outcome has no variation (up to
    :data:`~proeftuin.analysis.inference.NO_VARIATION_RTOL`), its standard error is zero, or,
    under HC2/HC3, an observation with leverage 1 bears on it; every other effect is estimated.
    Covariates that are constant or collinear (on the rows used) are dropped in order, as R's
    ``lm``/``estimatr`` do, with a ``note`` naming them; the arms are never dropped.
    """
    vcov = _resolve_vcov(vcov, clusters)
    check_level(level)
    y = np.asarray(outcomes, dtype=float)
    if y.ndim == 1:
        y = y[:, None]
    labels = np.asarray(arm, dtype=str)  # text labels as they are (no copy)
    n, m = y.shape
    if labels.shape != (n,):
        raise ValueError(f"arm has {labels.shape[0]} labels for {n} outcome rows")
    names = tuple(outcome_names) if outcome_names is not None else _default_names("y", m)
    if len(names) != m:
        raise ValueError(f"{len(names)} outcome names for {m} outcome columns")
    cov = None if covariates is None else np.asarray(covariates, dtype=float).reshape(n, -1)
    if cov is not None and cov.shape[0] != n:
        raise ValueError(f"covariates have {cov.shape[0]} rows for {n} outcome rows")
    cluster_codes = None
    if clusters is not None:
        if len(clusters) != n:
            raise ValueError(f"clusters has {len(clusters)} labels for {n} outcome rows")
        cluster_codes = Clusters.from_labels(np.asarray(clusters))

    if cov is not None and not cov.size:
        cov = None
    coding, indicators, is_control, x_all = _design(labels, control, arms, cov, lin)
    k = len(coding.treatments)
    cov_names = _covariate_names(covariate_names, 0 if cov is None else cov.shape[1])

    # Every BLAS call of the fit under one limit: a product left on the default threads (the column
    # sums) would wake BLAS's pool, whose threads then spin for the cores the fit runs on.
    q = 0 if cov is None else cov.shape[1]
    fit = partial(_effect_columns, y, coding=coding, indicators=indicators, is_control=is_control, x_all=x_all,
                  cov=cov, cov_names=cov_names, names=names, vcov=vcov, clusters=cluster_codes, lin=lin, level=level)
    with blas_limit(n, 1 + k + q if x_all is not None else (1 + k) * (1 + q), m):
        # Large outcomes with a missing value among their first rows (scattered ones show there)
        # skip the attempt, which would factorise the design before its first chunk found it.
        first_rows = y[: max(256, _CHUNK_ELEMENTS // m)] if n * m > ASSUME_COMPLETE_CELLS else None
        if first_rows is None or not np.isnan(np.ones(first_rows.shape[0]) @ first_rows).any():
            try:
                return EffectTable.from_columns(fit(assume_complete=True))
            except (_NotFinite, ValueError):
                pass  # a missing value (or an error): the way that looks for them first decides
        return EffectTable.from_columns(fit(assume_complete=False))


@dataclass(frozen=True)
class _Design:
    """The arm coding and design of one fit's labels and covariates, kept (read-only) for the next
    fit on equal labels and covariates (see :func:`_design`)."""

    labels: np.ndarray
    control: str
    arms: tuple[str, ...] | None
    covariates: np.ndarray | None
    lin: bool
    coding: ArmCoding
    indicators: np.ndarray
    is_control: np.ndarray
    x_all: np.ndarray | None

    def matches(self, labels: np.ndarray, control: str, arms: tuple[str, ...] | None, covariates: np.ndarray | None,
                lin: bool) -> bool:
        """Whether this is the design of these arguments (labels and covariates compared value by value)."""
        if (control, arms, lin) != (self.control, self.arms, self.lin) or labels.dtype != self.labels.dtype:
            return False
        if (covariates is None) != (self.covariates is None):
            return False
        if covariates is not None and self.covariates is not None and not np.array_equal(covariates, self.covariates):
            return False
        if labels.dtype.kind == "U" and labels.flags.c_contiguous:
            # Text labels as their UCS-4 code units: the same test, 7 us where comparing strings took 26 us.
            return bool(np.array_equal(labels.view(np.uint32), self.labels.view(np.uint32)))
        return bool(np.array_equal(labels, self.labels))


_last_design: _Design | None = None
"""The design of the last trial-sized fit (one slot, replaced whole: see :data:`_last_prepared`)."""


def _design(labels: np.ndarray, control: str, arms: Sequence[str] | None, cov: np.ndarray | None,
            lin: bool) -> tuple[ArmCoding, np.ndarray, np.ndarray, np.ndarray | None]:
    """The coding, treatment indicators, control mask and design (``None`` with ``lin``) of a fit.

    A report fits several outcome families with one trial's arms and covariates. Comparing the
    labels and covariates with the last fit's (one vectorised comparison each, 20 us for 3,500
    people) is cheaper than coding the labels and building the design again (0.2 ms), and makes
    the design the same (read-only) array, to which :func:`_prepared` keys the decomposition.
    The labels and covariates are copied into the cache: a caller changing its arrays in place
    gets a fresh design. Only designs up to :data:`_CACHE_CELLS` are kept.
    """
    global _last_design
    order = None if arms is None else tuple(arms)
    last = _last_design
    if last is not None and last.matches(labels, control, order, cov, lin):
        return last.coding, last.indicators, last.is_control, last.x_all
    x_all: np.ndarray | None
    if lin:
        coding, indicators, is_control = ArmCoding.coded(labels, control, arms)
        x_all = None
    else:
        coding, indicators, is_control, x_all = _coded_design(labels, control, arms, cov)
    cells = labels.shape[0] * (1 + indicators.shape[1] + (0 if cov is None else cov.shape[1]))
    if cells <= _CACHE_CELLS:
        for array in (indicators, is_control, x_all):
            if array is not None:
                array.setflags(write=False)
        _last_design = _Design(labels=labels.copy(), control=control, arms=order,
                               covariates=None if cov is None else cov.copy(), lin=lin, coding=coding,
                               indicators=indicators, is_control=is_control, x_all=x_all)
    return coding, indicators, is_control, x_all


def _effect_columns(
    y: np.ndarray,
    *,
    coding: ArmCoding,
    indicators: np.ndarray,
    is_control: np.ndarray,
    x_all: np.ndarray | None,
    cov: np.ndarray | None,
    cov_names: list[str],
    names: tuple[str, ...],
    vcov: VcovType,
    clusters: Clusters | None,
    lin: bool,
    level: float,
    assume_complete: bool,
) -> EffectColumns:
    """The fits behind :func:`estimate_effects`: one per missingness pattern (or the masked normal
    equations), on the design ``x_all`` (``None``: Lin's design, built per pattern).

    With ``assume_complete`` the outcomes are fitted as if no value were missing, without looking
    for missing values first; the coefficient pass meets any that there are and raises
    :class:`_NotFinite` (see :func:`fit_linear`).
    """
    m, k = y.shape[1], len(coding.treatments)
    shape = (m, k)
    estimate, variance, df = np.full(shape, np.nan), np.full(shape, np.nan), np.full(shape, np.nan)
    n_used, n_arm = np.zeros(shape, dtype=int), np.zeros(shape, dtype=int)
    n_control, control_mean = np.zeros(shape, dtype=int), np.full(shape, np.nan)
    reasons = np.full(shape, "", dtype=object)
    notes: np.ndarray | None = None  # made by the first group that drops a covariate
    groups: list[tuple[np.ndarray | None, np.ndarray]]
    if assume_complete:
        groups = [(None, np.arange(m))]
    else:
        masked_way = x_all is not None and vcov.startswith("HC")
        # Large outcomes known to be incomplete (see ASSUME_COMPLETE_CELLS) go to the masked fit
        # unsearched: it hands back the columns it finds complete, with its edge cases.
        column_sums = None if masked_way and y.size > ASSUME_COMPLETE_CELLS else _finite_column_sums(y)
        incomplete = np.arange(m) if column_sums is None else np.flatnonzero(np.isnan(column_sums))
        if x_all is not None and masked_way and incomplete.size >= MASKED_FROM_COLUMNS:
            with blas_limit(y.shape[0], x_all.shape[1], incomplete.size):
                masked = fit_masked(y, x_all, incomplete, arms=k, vcov=vcov, is_control=is_control)
            done = incomplete[~masked.fallback]
            estimate[done], variance[done] = masked.coef.T[~masked.fallback], masked.variance.T[~masked.fallback]
            n_arm[done] = masked.n_arm.T[~masked.fallback]
            for target, values in ((df, masked.df), (n_used, masked.n), (n_control, masked.n_control),
                                   (control_mean, masked.control_mean)):
                target[done] = values[~masked.fallback, None]
            reasons[done] = masked.not_estimable.T[~masked.fallback]
            rest = incomplete[masked.fallback]
            complete = np.setdiff1d(np.arange(m), incomplete)
            groups = [(None, complete)] if complete.size else []
            groups += [(rows, rest[columns]) for rows, columns in missingness_groups(y[:, rest])] if rest.size else []
        else:
            groups = missingness_groups(y, column_sums)
    for rows, columns in groups:
        take = slice(None) if rows is None else rows
        # A group's columns are distinct and in order: m of them are every column, written by slices.
        outcomes: slice | np.ndarray = slice(None) if columns.size == m else columns
        arm_rows = indicators[take]
        counts = (np.ones(arm_rows.shape[0]) @ arm_rows).astype(int)  # sums of 0/1: exact, and BLAS is fast
        controls = int(is_control[take].sum())
        n_arm[outcomes], n_control[outcomes] = counts, controls
        n_used[outcomes] = counts + controls
        present = np.flatnonzero(counts > 0)
        if present.size < k:
            reasons[np.ix_(columns, np.flatnonzero(counts == 0))] = NO_OBSERVATIONS_ARM
        if controls == 0 or present.size == 0:
            if controls == 0:
                reasons[columns] = NO_OBSERVATIONS_CONTROL
            continue
        if x_all is None:
            x = design_matrix(indicators[take][:, present], None if cov is None else cov[take], lin=True)
            terms_lin = [coding.treatments[i] for i in present]
            names_x = [*cov_names, *(f"{t}:{c}" for t in terms_lin for c in cov_names)]
        else:
            if present.size == k:
                x = x_all if rows is None else x_all[rows]  # every arm present: the whole design itself
            else:
                x = x_all[take][:, np.r_[0, 1 + present, np.arange(1 + k, x_all.shape[1])]]
            names_x = cov_names
        first = 1 + present.size
        cells = (outcomes, slice(None)) if present.size == k else np.ix_(columns, present)
        label = f"outcome {names[columns[0]]!r}"
        if x.shape[0] <= first:
            reasons[cells] = TOO_FEW_OBSERVATIONS
            continue
        group_clusters = None if clusters is None else clusters.subset(rows)
        if group_clusters is not None and group_clusters.count < 2:
            reasons[cells] = TOO_FEW_CLUSTERS
            continue
        fit = fit_linear(
            y,
            x,
            rows=rows,
            columns=columns,
            terms=range(1, first),
            vcov=vcov,
            is_control=is_control if rows is None else is_control[rows],
            clusters=group_clusters,
            label=label,
            droppable_from=first,
            assume_complete=assume_complete,
            arm_cells=True,
        )
        estimate[cells] = fit.coef.T
        variance[cells] = fit.variance.T
        df[cells] = fit.df
        n_used[outcomes] = fit.n
        control_mean[outcomes] = fit.control_mean[:, None]
        reasons[cells] = fit.not_estimable.T  # no reason was given to these cells above
        if fit.dropped:
            dropped = ", ".join(names_x[j - first] for j in fit.dropped)
            notes = np.full(shape, "", dtype=object) if notes is None else notes
            notes[columns] = f"dropped as constant or collinear (as R's lm): {dropped}"
    return EffectColumns(
        outcomes=names,
        terms=coding.treatments,
        estimate=estimate,
        std_error=np.sqrt(variance),
        df=df,
        n=n_used,
        n_arm=n_arm,
        n_control=n_control,
        control_mean=control_mean,
        level=level,
        vcov=vcov,
        estimator="lin" if lin else "ols",
        not_estimable=reasons,
        note=notes,
    )


@cache
def _default_names(prefix: str, count: int) -> tuple[str, ...]:
    """``prefix0, prefix1, ...``: the default names of outcome or covariate columns (made once per count)."""
    return tuple(f"{prefix}{j}" for j in range(count))


def _covariate_names(names: Sequence[str] | None, count: int) -> list[str]:
    """The covariates' names for notes: as given, else ``x0, x1, ...`` (their column numbers)."""
    if names is None:
        return list(_default_names("x", count))
    if len(names) != count:
        raise ValueError(f"{len(names)} covariate names for {count} covariate columns")
    return [str(name) for name in names]
