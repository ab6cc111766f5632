"""Issue 11, point 6: BLAS threads limited to one for trial-sized fits (threadpoolctl)."""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from proeftuin.analysis import estimate_effects, ols, threads
from proeftuin.analysis.threads import SMALL_PROBLEM_CELLS, WORKER_CELLS, blas_threads, worker_threads


def test_trial_sized_fits_use_one_thread_large_ones_every_thread(monkeypatch):
    monkeypatch.setattr(threads.os, "getloadavg", lambda: (0.1, 0.1, 0.1))
    monkeypatch.setattr(threads.os, "cpu_count", lambda: 2)
    assert blas_threads(3_500, 10, 216) == 1
    assert blas_threads(100_000, 10, 216) is None
    assert blas_threads(SMALL_PROBLEM_CELLS, 0, 1) is None


def test_the_limit_holds_during_the_fit_and_not_after(monkeypatch, rng):
    seen: list[int] = []
    original = ols._prepare  # the fit's factorisation

    def spy(*args, **kwargs):
        seen.extend(info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas")
        return original(*args, **kwargs)

    monkeypatch.setattr(ols, "_prepare", spy)
    before = [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]
    estimate_effects(rng.normal(size=300), np.repeat(["c", "t"], 150), control="c")
    assert seen and set(seen) == {1}
    assert [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"] == before


def test_results_do_not_depend_on_the_threads(monkeypatch, rng):
    y, arm, x = rng.normal(size=(500, 3)), np.repeat(["c", "t"], 250), rng.normal(size=(500, 2))
    one = estimate_effects(y, arm, control="c", covariates=x)
    monkeypatch.setattr(threads, "SMALL_PROBLEM_CELLS", 0)
    monkeypatch.setattr(threads.os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    every = estimate_effects(y, arm, control="c", covariates=x)
    assert [e.std_error for e in every] == pytest.approx([e.std_error for e in one], rel=1e-12)


def test_a_busy_machine_runs_even_large_fits_on_one_thread(monkeypatch):
    monkeypatch.setattr(threads.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(threads.os, "getloadavg", lambda: (2.0, 1.0, 1.0))
    assert blas_threads(100_000, 10, 216) == 1
    monkeypatch.setattr(threads.os, "getloadavg", lambda: (1.9, 3.0, 3.0))
    assert blas_threads(100_000, 10, 216) is None


def test_a_fit_with_threads_of_its_own_uses_every_core_only_where_blas_would(monkeypatch):
    monkeypatch.setattr(threads.os, "cpu_count", lambda: 4)
    monkeypatch.setattr(threads.os, "getloadavg", lambda: (0.5, 0.5, 0.5))
    assert worker_threads(3_500, 10, 216) == 1
    assert worker_threads(50_000, 10, 216) == 1  # BLAS would take every core; the fit's own threads gain nothing yet
    assert worker_threads(WORKER_CELLS // 216 + 1, 10, 216) == 4
    assert worker_threads(1_000_000, 10, 216) == 4
    monkeypatch.setattr(threads.os, "getloadavg", lambda: (4.0, 0.5, 0.5))
    assert worker_threads(1_000_000, 10, 216) == 1
