"""What the benchmarks share: the machine's load, best-of and median timing, the X'Y floor, BLAS
thread settings, timing of a command in a child process, and the JSON record the README's
performance table is generated from (``bench/table.py``).

The floor of a fit is one pass of ``X'Y`` over the same design and outcomes (no estimator can
read its data faster); it is timed with BLAS at its default threads and with one thread, and the
faster of the two is the floor.

Every record is one JSON line with ``bench`` (its name), ``cores``, ``load_before`` and
``load_after`` (1-minute load averages) and the bench's figures in seconds (keys ending in ``_s``).
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
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


def best_and_median(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    """The fastest and the median of ``repeats`` runs of ``fn``, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def cpu_best_and_median(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    """The least and the median CPU seconds of the calling thread over ``repeats`` runs of ``fn``.

    On a loaded machine the wall time of a few milliseconds includes the slices other processes
    got in between; the CPU time is what the code itself costs. Only for code on one BLAS thread
    (trial-sized fits, and every fit on a busy machine): the thread's own clock, because an idle
    BLAS pool left spinning by an earlier multi-threaded call would count in the process's."""
    times = []
    for _ in range(repeats):
        start = time.thread_time()
        fn()
        times.append(time.thread_time() - start)
    return min(times), statistics.median(times)


def interleaved(fns: dict[str, Callable[[], object]], repeats: int, clock: Callable[[], float] = time.perf_counter,
                within: dict[str, Callable[[], AbstractContextManager[object]]] | None = None) -> dict[str, tuple[float, float]]:
    """Best and median seconds of each of ``fns``, run in turn in every one of ``repeats`` rounds.

    Interleaved, a burst of other work on a loaded machine falls on all of them alike instead of
    on whichever was being timed then. ``clock``: ``time.thread_time`` for CPU seconds (see
    :func:`cpu_best_and_median`);
    ``within[name]()``: a context entered before and left after the timed call of ``fns[name]``
    (e.g. one BLAS thread), outside the timing."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    contexts = within or {}
    for _ in range(repeats):
        for name, fn in fns.items():
            with contexts.get(name, nullcontext)():
                start = clock()
                fn()
                times[name].append(clock() - start)
    return {name: (min(values), statistics.median(values)) for name, values in times.items()}


def command_times(command: list[str], repeats: int, env: dict[str, str] | None = None) -> dict[str, float]:
    """Wall and CPU seconds (user + system of the child) of ``command``: best and median of ``repeats`` runs.

    A failing command is an error (its standard error is shown)."""
    walls, cpus = [], []
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, env=env)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return {"wall_s": min(walls), "wall_median_s": statistics.median(walls),
            "cpu_s": min(cpus), "cpu_median_s": statistics.median(cpus)}


def naive_hc2(outcomes: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The textbook way (the naive baseline of the benches): least squares, the full residual matrix,
    the hat diagonal, the HC2 sandwich of the three treatment coefficients."""
    coef, *_ = np.linalg.lstsq(x, outcomes, rcond=None)
    resid = outcomes - x @ coef
    xtx_inv = np.linalg.inv(x.T @ x)
    a = xtx_inv @ x.T
    leverage = np.einsum("ij,jk,ik->i", x, xtx_inv, x)
    return (a[1:4] ** 2 / (1 - leverage)) @ resid**2


def xty_floor(x: np.ndarray, y: np.ndarray, repeats: int) -> dict[str, float]:
    """One ``X'Y`` pass with every BLAS thread, with one, and the faster of the two (``floor``)."""
    every = best_of(lambda: x.T @ y, repeats)
    with threadpool_limits(limits=1, user_api="blas"):
        one = best_of(lambda: x.T @ y, repeats)
    return {"floor_every_thread_s": every, "floor_one_thread_s": one, "floor_s": min(every, one)}


def one_blas_thread() -> AbstractContextManager[object]:
    """BLAS on one thread (threadpoolctl, through proeftuin's one inventory of the libraries:
    ``threadpool_limits`` re-scans them on every call, some 20 ms)."""
    return threads._controller().limit(limits=1, user_api="blas")


@contextmanager
def every_blas_thread() -> Iterator[None]:
    """proeftuin's fits with BLAS left at its default (every thread) instead of the chosen count."""
    chosen = threads.blas_threads
    threads.blas_threads = lambda n, p, m: None  # the one switch blas_limit consults
    try:
        yield
    finally:
        threads.blas_threads = chosen


@contextmanager
def on_the_calling_thread() -> Iterator[None]:
    """All of a fit's work on the calling thread, so that ``time.thread_time`` counts it: BLAS on
    one thread, and proeftuin's own worker threads off (the masked fit shares its blocks out
    between threads where :func:`proeftuin.analysis.threads.blas_threads` gives BLAS every core)."""
    chosen = threads.blas_threads
    threads.blas_threads = lambda n, p, m: 1  # the one switch blas_limit and worker_threads consult
    try:
        with threadpool_limits(limits=1, user_api="blas"):
            yield
    finally:
        threads.blas_threads = chosen


def design(arm: np.ndarray, arms: np.ndarray, covariates: np.ndarray | None) -> np.ndarray:
    """``[1, D, X]``: the design proeftuin fits, for the floor and the naive way."""
    parts = [np.ones(len(arm))] + [(arm == a).astype(float) for a in arms[1:]]
    return np.column_stack(parts if covariates is None else [*parts, covariates])


PACE_STEPS = 2_000_000


def python_pace() -> float:
    """Seconds a plain Python loop of :data:`PACE_STEPS` additions takes here now (best of 3).

    The machine is shared and its speed differs from one day to the next by more than load shows:
    a bare Python start took 10.6 ms on one day and 18-25 ms on another, at load 1-2. Each record
    carries this pace, so that rows measured on different days can be told apart."""

    def loop() -> None:
        total = 0
        for step in range(PACE_STEPS):
            total += step

    return best_of(loop, 3)


def write_record(record: dict[str, Any], path: Path | None) -> None:
    """Print the record as one JSON line, with the machine's :func:`python_pace`, and append it to ``path`` (``--json FILE``)."""
    record = {**record, "python_pace_s": record.get("python_pace_s", python_pace())}
    line = json.dumps({k: round(v, 5) if isinstance(v, float) else v for k, v in record.items()})
    print(line)
    if path is not None:
        with path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")
