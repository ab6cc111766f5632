"""How many BLAS threads a fit may use: one for trial-sized problems, all cores for large ones.

A fit of a few thousand rows takes a millisecond or so of arithmetic; waking a BLAS thread pool
costs more than that, and on a loaded machine (a server running several analyses) the threads
wait for cores, so small fits are several times slower with every thread than with one (see
``bench/bench_ols.py``, which prints both settings and the machine's load). Large fits gain from
every core. :mod:`threadpoolctl` sets the limit for the duration of one fit.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar
from functools import cache

from threadpoolctl import LibController, ThreadpoolController

SMALL_PROBLEM_CELLS = 2_000_000
"""Below this many cells of design plus outcomes (``n * (p + m)``) a fit runs on one BLAS
thread; at and above it BLAS uses its default (all cores). 2e6 cells is about 50,000 rows by
40 columns, where the single-thread fit takes some tens of milliseconds."""


def blas_threads(n: int, p: int, m: int) -> int | None:
    """``1`` for a problem of ``n`` rows, ``p`` design and ``m`` outcome columns below
    :data:`SMALL_PROBLEM_CELLS`, or on a busy machine (a 1-minute load average of at least the
    number of cores: BLAS threads would wait for cores and spin, 3-7x slower than one thread at
    a load of 20 on 2 cores, see ``bench/bench_ols.py``); else ``None`` (leave BLAS at its
    default, every core)."""
    if n * (p + m) < SMALL_PROBLEM_CELLS or os.getloadavg()[0] >= (os.cpu_count() or 1):
        return 1
    return None


WORKER_CELLS = 1 << 24
"""Outcome cells (``n * m``) from which a fit with threads of its own (:func:`worker_threads`)
shares its rows out. The masked fit with 5% missing at 216 outcomes, one thread against two on
the 2-core development machine (load 1.3, best of 9): N = 10,000 24 against 29 ms, N = 50,000
(10.8 million cells) 93 ms both ways, N = 200,000 358 against 294 ms; at 1,000,000, 1.95 s
against 1.22 s. Below it the threads' hand-offs cost what they share."""


def worker_threads(n: int, p: int, m: int) -> int:
    """Threads for a fit that shares its rows out between threads of its own (each calling BLAS
    on one thread, see :func:`one_blas_thread`): every core for ``n * m`` of at least
    :data:`WORKER_CELLS` where :func:`blas_threads` would leave BLAS at its default, else one
    (trial-sized fits, and every fit on a busy machine)."""
    return (os.cpu_count() or 1) if n * m >= WORKER_CELLS and blas_threads(n, p, m) is None else 1


@cache
def _controller() -> ThreadpoolController:
    """One inventory of the loaded BLAS libraries, made at the first fit (NumPy's and SciPy's
    BLAS are loaded by then). ``threadpool_limits(...)`` re-scans every loaded library on each
    call, which took some 20 ms on this machine: more than a trial-sized fit itself."""
    return ThreadpoolController()


_ACTIVE: ContextVar[int | None] = ContextVar("blas_limit", default=None)
"""The limit of the innermost :func:`blas_limit` in force (``None`` outside any)."""


def blas_limit(n: int, p: int, m: int) -> AbstractContextManager[object]:
    """A context in which BLAS uses :func:`blas_threads` threads (nothing to do for ``None``, or
    inside a :func:`blas_limit` that set the same limit: a fit's parts each set theirs, and a
    needless set and restore costs 25 us, 1% of a trial's fit)."""
    limit = blas_threads(n, p, m)
    if limit is None or limit == _ACTIVE.get():
        return nullcontext()
    return _limited(limit)


def one_blas_thread() -> AbstractContextManager[object]:
    """A context in which BLAS uses one thread: for a fit whose own threads each call BLAS (see
    :func:`worker_threads`), where BLAS threads of their own would compete for the same cores."""
    return nullcontext() if _ACTIVE.get() == 1 else _limited(1)


@cache
def _blas_libraries() -> tuple[LibController, ...]:
    """The BLAS libraries of :func:`_controller` (NumPy's and SciPy's OpenBLAS)."""
    return tuple(_controller().select(user_api="blas").lib_controllers)


@contextmanager
def _limited(limit: int) -> Iterator[None]:
    """Each BLAS library set to ``limit`` threads and back, through its threadpoolctl controller
    directly: ``ThreadpoolController.limit`` also reads every library's full description
    (``info()``) and matches its filters on each call, 15 us where this takes 5 us."""
    token = _ACTIVE.set(limit)
    libraries = _blas_libraries()
    before = [library.num_threads for library in libraries]
    try:
        for library in libraries:
            library.set_num_threads(limit)
        yield
    finally:
        for library, threads in zip(libraries, before):
            library.set_num_threads(threads)
        _ACTIVE.reset(token)
