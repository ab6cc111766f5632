"""Statistical disclosure control: no published count of fewer than ``min_cell`` people, not even by subtraction.

Primary suppression: a count of 1 to ``min_cell - 1`` people is not shown (statistical agencies'
output rules, e.g. CBS's microdata output guidelines, forbid counts or statistics of fewer than 10
persons; the threshold is the installation's setting ``PROEFTUIN_MIN_CELL``).

Secondary (complementary) suppression: where counts that add up are shown with their total
(randomized 36 = control 26 + treatment 10), hiding one of them is not enough, since the total
minus the others gives it back. A table is declared as its entries and the :class:`Line` s that
tie them (``total = sum(parts)``); entries that are never shown but follow from others (enrolled
minus consented: those who did not consent) are *hidden* and count as suppressed from the start.
An unknown entry is *recoverable* when the lines fix its value whatever the other unknowns are,
i.e. when its unit vector lies in the row space of the lines' matrix restricted to the unknowns
(equivalently: every vector of that matrix's null space is zero in its coordinate). The rule,
iterated until stable:

1. suppress every shown count from 1 to ``min_cell - 1`` (primary);
2. while a suppressed entry, or a hidden one under ``min_cell``, is recoverable, suppress one more
   shown entry of a line through it: the one that leaves the fewest recoverable entries, then
   a non-zero one before a zero, then the smallest (the least information lost).

This is the singleton-and-linked-cells method of Hundepool et al. (2012), *Statistical Disclosure
Control*, Wiley, section 4.4 (secondary cell suppression), with the exact linear-algebra audit of
section 4.4.3 in place of a heuristic stop: no suppressed cell can be recovered by any linear
combination of the shown cells and totals. (Interval attacks that use non-negativity are out of
its scope, as in tau-Argus's default "singleton" mode.)

A primary cell is shown as ``<min_cell``; a secondary one as ``x`` (CBS's sign for "secret").
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from proeftuin.registry.settings import OutputSettings

DEFAULT_MIN_CELL: int = OutputSettings.model_fields["min_cell"].default
"""The installation's threshold when ``PROEFTUIN_MIN_CELL`` is not set."""
SECONDARY = "x"
_TOLERANCE = 1e-9


def is_disclosive(*counts: int, min_cell: int = DEFAULT_MIN_CELL) -> bool:
    """True when any of the group sizes behind a statistic is below ``min_cell`` (but above 0)."""
    return any(0 < count < min_cell for count in counts)


def format_count(count: int, *, min_cell: int = DEFAULT_MIN_CELL) -> str:
    """A count as published: ``<10`` for a small non-zero cell."""
    return f"<{min_cell}" if 0 < count < min_cell else str(count)


@dataclass(frozen=True)
class Line:
    """One additive relation of a table: ``total = sum(parts)`` (entries named by any hashable key)."""

    total: Hashable
    parts: tuple[Hashable, ...]


def recoverable(unknown: set[Hashable], lines: Sequence[Line]) -> set[Hashable]:
    """The entries of ``unknown`` whose value the ``lines`` fix, given every other entry."""
    names = sorted(unknown, key=repr)
    column = {name: j for j, name in enumerate(names)}
    rows = []
    for line in lines:
        row = np.zeros(len(names))
        for name, sign in ((line.total, -1.0), *((p, 1.0) for p in line.parts)):
            if name in column:
                row[column[name]] += sign
        if row.any():
            rows.append(row)
    if not rows:
        return set()
    from scipy.linalg import null_space  # here, not at import: every command imports this module's threshold

    free = null_space(np.vstack(rows))
    determined = np.abs(free).max(axis=1, initial=0.0) < _TOLERANCE
    return {name for name, fixed in zip(names, determined, strict=True) if fixed}


def _components(names: set[Hashable], lines: Sequence[Line]) -> list[tuple[set[Hashable], list[Line]]]:
    """The table split into parts that share no line (each is protected alone: small matrices, the same result)."""
    parent = {name: name for name in names}

    def root(name: Hashable) -> Hashable:
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    for line in lines:
        for part in line.parts:
            parent[root(part)] = root(line.total)
    groups: dict[Hashable, tuple[set[Hashable], list[Line]]] = {}
    for name in names:
        groups.setdefault(root(name), (set(), []))[0].add(name)
    for line in lines:
        groups[root(line.total)][1].append(line)
    return list(groups.values())


def protect(
    values: Mapping[Hashable, int], lines: Sequence[Line], *, min_cell: int, hidden: Mapping[Hashable, int] | None = None
) -> frozenset[Hashable]:
    """The shown entries of ``values`` to suppress so that no small count can be recovered (module docstring).

    ``hidden`` holds the entries a reader never sees but that the lines define (their values decide
    whether they need protecting). Returns primary and secondary suppressions together.
    """
    hidden = dict(hidden or {})
    suppressed: set[Hashable] = set()
    for names, part_lines in _components(set(values) | set(hidden), lines):
        suppressed |= _protect_part({n: values[n] for n in names if n in values}, part_lines, min_cell,
                                    {n: hidden[n] for n in names if n in hidden})
    return frozenset(suppressed)


def _protect_part(values: Mapping[Hashable, int], lines: Sequence[Line], min_cell: int, hidden: Mapping[Hashable, int]) -> set[Hashable]:
    suppressed = {name for name, n in values.items() if is_disclosive(int(n), min_cell=min_cell)}
    sensitive_hidden = {name for name, n in hidden.items() if is_disclosive(int(n), min_cell=min_cell)}
    while True:
        exposed = recoverable(suppressed | hidden.keys(), lines) & (suppressed | sensitive_hidden)
        if not exposed:
            return suppressed
        target = min(exposed, key=repr)
        through = [line for line in lines if target == line.total or target in line.parts]
        candidates = [name for line in through for name in (*line.parts, line.total) if name in values and name not in suppressed]
        if not candidates:  # every neighbour is hidden already: widen to the whole part of the table
            candidates = [name for name in values if name not in suppressed]
        if not candidates:
            return suppressed

        def cost(name: Hashable) -> tuple[int, bool, int, str]:
            left = recoverable(suppressed | {name} | hidden.keys(), lines) & (suppressed | {name} | sensitive_hidden)
            return len(left), int(values[name]) == 0, int(values[name]), repr(name)

        suppressed.add(min(dict.fromkeys(candidates), key=cost))


def publish(
    values: Mapping[Hashable, int], lines: Sequence[Line], *, min_cell: int, hidden: Mapping[Hashable, int] | None = None
) -> dict[Hashable, str]:
    """Each shown entry as published: its count, ``<min_cell`` (primary) or ``x`` (secondary suppression)."""
    suppressed = protect(values, lines, min_cell=min_cell, hidden=hidden)
    return {name: (format_count(int(n), min_cell=min_cell) if is_disclosive(int(n), min_cell=min_cell) else SECONDARY)
            if name in suppressed else str(int(n)) for name, n in values.items()}


def published_or_none(
    values: Mapping[Hashable, int], lines: Sequence[Line], *, min_cell: int, hidden: Mapping[Hashable, int] | None = None
) -> dict[Hashable, int | None]:
    """Like :func:`publish` for an API: each shown entry as its count, or ``None`` when suppressed."""
    suppressed = protect(values, lines, min_cell=min_cell, hidden=hidden)
    return {name: None if name in suppressed else int(n) for name, n in values.items()}
