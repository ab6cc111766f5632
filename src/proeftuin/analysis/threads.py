"""How many BLAS threads a fit may use: one for trial-sized problems, all cores for large ones.

A fit of a few thousand rows takes a millisecond or so of arithmetic; waking a BLAS thread pool
costs more than that, and on a loaded machine (a server running several analyses) the threads
wait for cores, so small fits are several times slower with every thread than with one (see
``bench/bench_ols.py``, which prints both settings and the machine's load). Large fits gain from
every core. :mod:`threadpoolctl` sets the limit for the duration of one fit.
"""

from __future__ import annotations

SMALL_PROBLEM_CELLS = 2_000_000
"""Below this many cells of design plus outcomes (``n * (p + m)``) a fit runs on one BLAS
thread; at and above it BLAS uses its default (all cores). 2e6 cells is about 50,000 rows by
40 columns, where the single-thread fit takes some tens of milliseconds."""


def blas_threads(n: int, p: int, m: int) -> int | None:
    """``1`` for a problem of ``n`` rows, ``p`` design and ``m`` outcome columns below
    :data:`SMALL_PROBLEM_CELLS`, else ``None`` (threadpoolctl: leave BLAS at its default)."""
    return 1 if n * (p + m) < SMALL_PROBLEM_CELLS else None
