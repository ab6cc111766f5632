"""What the analysis benchmarks share: the machine's load, best-of timing, the X'Y floor, BLAS
thread settings and the JSON record the README's performance table is generated from.

The floor of a fit is one pass of ``X'Y`` over the same design and outcomes (no estimator can
read its data faster); it is timed with BLAS at its default threads and with one thread, and the
faster of the two is the floor.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from proeftuin.analysis import threads


def load() -> float:
    """The 1-minute load average (``os.getloadavg``): above the core count the machine is busy."""
    return round(os.getloadavg()[0], 2)


def best_of(fn: Callable[[], object], repeats: int) -> float:
    """The fastest of ``repeats`` runs of ``fn``, in seconds (the least disturbed by other work)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def xty_floor(x: np.ndarray, y: np.ndarray, repeats: int) -> dict[str, float]:
    """One ``X'Y`` pass with every BLAS thread, with one, and the faster of the two (``floor``)."""
    every = best_of(lambda: x.T @ y, repeats)
    with threadpool_limits(limits=1, user_api="blas"):
        one = best_of(lambda: x.T @ y, repeats)
    return {"floor_every_thread_s": every, "floor_one_thread_s": one, "floor_s": min(every, one)}


@contextmanager
def every_blas_thread() -> Iterator[None]:
    """proeftuin's fits with BLAS left at its default (every thread) instead of the chosen count."""
    chosen = threads.blas_threads
    threads.blas_threads = lambda n, p, m: None  # the one switch blas_limit consults
    try:
        yield
    finally:
        threads.blas_threads = chosen


def design(arm: np.ndarray, arms: np.ndarray, covariates: np.ndarray | None) -> np.ndarray:
    """``[1, D, X]``: the design proeftuin fits, for the floor and the naive way."""
    parts = [np.ones(len(arm))] + [(arm == a).astype(float) for a in arms[1:]]
    return np.column_stack(parts if covariates is None else [*parts, covariates])


def write_record(record: dict[str, Any], path: Path | None) -> None:
    """Print the record as one JSON line and append it to ``path`` (``--json FILE``)."""
    line = json.dumps({k: round(v, 5) if isinstance(v, float) else v for k, v in record.items()})
    print(line)
    if path is not None:
        with path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")
