"""The garbage collector around a command that loads the heavy modules and moves rows in bulk (``proeftuin demo``,
``proeftuin report``).

The demo's imports create some 220,000 objects that live as long as the process, and its imports,
analyses and bulk inserts make hundreds of thousands of short-lived ones. With Python's default
thresholds the collector ran a collection of the youngest generation after every 700 new objects
and walked every module's objects again in each full collection: 1.4 s of the demo's CPU went to
collections, 0.5 s of it while importing (measured on the development machine, 2 cores). With no
collection while the modules load, those objects frozen (``gc.freeze``) and the youngest generation
collected after 50,000 new objects, the collector takes 0.2 s. Nothing that becomes garbage stays
uncollected for long: the objects made after the imports are collected as before, only less often.

CPython's documentation advises the same freeze before a ``fork`` without ``exec``: the processes
that draw the report's languages are forked from the demo's, and inherit the frozen modules without
writing to (and so copying) their pages.

``proeftuin report`` of the six demo trials: 5.6 s of CPU with the default collector, 4.1 s with the
same discipline (medians of three runs each, interleaved, load 11-12 on the 2-core machine).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

FIRST_THRESHOLD = 50_000
"""New objects between two collections of the youngest generation while :func:`modules_frozen` holds (Python's default: 700)."""


@contextmanager
def no_collection() -> Iterator[None]:
    """No garbage collection inside (where modules load: their objects live as long as the process)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def modules_frozen(first_threshold: int = FIRST_THRESHOLD) -> Iterator[None]:
    """Every object made so far kept out of the collections inside (``gc.freeze``), and the youngest
    generation collected after ``first_threshold`` new objects; the process's settings back afterwards
    (the command may run inside another program, such as the tests)."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(first_threshold, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()
