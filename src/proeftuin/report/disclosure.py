"""Statistical disclosure control: no published cell describes fewer than ``min_cell`` people.

Statistical agencies' output rules (e.g. CBS microdata output guidelines) forbid publishing
counts or statistics of fewer than 10 persons; the threshold is a setting.
"""

from __future__ import annotations

DEFAULT_MIN_CELL = 10


def is_disclosive(*counts: int, min_cell: int = DEFAULT_MIN_CELL) -> bool:
    """True when any of the group sizes behind a statistic is below ``min_cell`` (but above 0)."""
    return any(0 < count < min_cell for count in counts)


def format_count(count: int, *, min_cell: int = DEFAULT_MIN_CELL) -> str:
    """A count as published: ``<10`` for a small non-zero cell."""
    return f"<{min_cell}" if 0 < count < min_cell else str(count)
