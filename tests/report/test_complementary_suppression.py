"""Complementary suppression: no suppressed count comes back by subtraction from the shown cells and totals.

The property is checked with an independent test of recoverability: an unknown entry is fixed by
the table's lines exactly when adding its unit vector to the lines' matrix (restricted to the
unknowns) does not raise the matrix's rank.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from proeftuin.report.disclosure import SECONDARY, Line, protect, publish

MIN_CELL = 10


def _fixed_by_rank(name: object, unknown: set, lines: list[Line]) -> bool:
    names = sorted(unknown, key=repr)
    matrix = np.array([[(1.0 if n in line.parts else 0.0) - (1.0 if n == line.total else 0.0) for n in names] for line in lines])
    unit = np.array([[1.0 if n == name else 0.0 for n in names]])
    if not matrix.any():
        return False
    return np.linalg.matrix_rank(np.vstack([matrix, unit])) == np.linalg.matrix_rank(matrix)


def _assert_safe(values: dict, lines: list[Line], hidden: dict, min_cell: int) -> frozenset:
    suppressed = protect(values, lines, min_cell=min_cell, hidden=hidden)
    unknown = set(suppressed) | set(hidden)
    for name in suppressed:
        assert not _fixed_by_rank(name, unknown, lines), f"{name} recoverable from {values} with {sorted(map(repr, suppressed))}"
    for name, n in hidden.items():
        if 0 < n < min_cell:
            assert not _fixed_by_rank(name, unknown, lines), f"hidden {name} recoverable"
    for name, n in values.items():  # every small shown count is suppressed
        if 0 < n < min_cell:
            assert name in suppressed
    return suppressed


def test_randomized_36_control_26_treatment_cannot_be_recovered() -> None:
    # the bug: randomized 36, control 26, treatment shown as <10 gave treatment = 36 - 26 = 10 ... or any small arm
    values = {"randomized": 32, "control": 26, "treatment": 6}
    shown = publish(values, [Line("randomized", ("control", "treatment"))], min_cell=MIN_CELL)
    assert shown["treatment"] == "<10"
    assert shown["control"] == SECONDARY or shown["randomized"] == SECONDARY


def test_enrolled_minus_consented_is_protected_by_suppressing_the_smaller_side() -> None:
    # the bug: enrolled 40 and consented 37 shown, so 3 refusals by subtraction
    values = {"enrolled": 40, "consented": 37}
    suppressed = protect(values, [Line("enrolled", ("consented", "refused"))], min_cell=MIN_CELL, hidden={"refused": 3})
    assert suppressed == {"consented"}


def test_a_large_difference_needs_no_suppression() -> None:
    values = {"enrolled": 60, "consented": 37}
    assert protect(values, [Line("enrolled", ("consented", "refused"))], min_cell=MIN_CELL, hidden={"refused": 23}) == frozenset()


def test_the_overview_keeps_the_arms_and_hides_the_total_that_gives_away_the_waiting() -> None:
    values = {"enrolled": 40, "randomized": 36, "control": 18, "treatment": 18}
    lines = [Line("randomized", ("control", "treatment")), Line("enrolled", ("randomized", "waiting"))]
    assert protect(values, lines, min_cell=MIN_CELL, hidden={"waiting": 4}) == {"enrolled"}


def test_a_two_way_table_with_margins() -> None:
    cells = np.array([[20, 3, 15], [12, 30, 11], [25, 14, 40]])
    values = {(i, j): int(cells[i, j]) for i in range(3) for j in range(3)}
    values |= {(i, "t"): int(cells[i].sum()) for i in range(3)} | {("t", j): int(cells[:, j].sum()) for j in range(3)}
    values[("t", "t")] = int(cells.sum())
    lines = [Line((i, "t"), tuple((i, j) for j in range(3))) for i in range(3)]
    lines += [Line(("t", j), tuple((i, j) for i in range(3))) for j in range(3)] + [Line(("t", "t"), tuple((i, "t") for i in range(3)))]
    suppressed = _assert_safe(values, lines, {}, MIN_CELL)
    assert (0, 1) in suppressed and len(suppressed) >= 4  # a primary in a 2-way table needs a rectangle


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 40), min_size=2, max_size=4), min_size=1, max_size=4).filter(lambda rows: len({len(r) for r in rows}) == 1),
       st.integers(2, 12), st.booleans())
def test_no_suppressed_cell_of_a_table_with_margins_is_recoverable(rows: list[list[int]], min_cell: int, grand_total: bool) -> None:
    cells = np.array(rows)
    r, c = cells.shape
    values = {(i, j): int(cells[i, j]) for i in range(r) for j in range(c)}
    values |= {(i, "t"): int(cells[i].sum()) for i in range(r)} | {("t", j): int(cells[:, j].sum()) for j in range(c)}
    lines = [Line((i, "t"), tuple((i, j) for j in range(c))) for i in range(r)]
    lines += [Line(("t", j), tuple((i, j) for i in range(r))) for j in range(c)]
    if grand_total:
        values[("t", "t")] = int(cells.sum())
        lines.append(Line(("t", "t"), tuple((i, "t") for i in range(r))))
    _assert_safe(values, lines, {}, min_cell)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 80), st.integers(0, 80), st.integers(0, 80), st.lists(st.integers(0, 60), min_size=2, max_size=4), st.integers(2, 12))
def test_no_small_step_of_a_flow_is_recoverable(refused: int, waiting: int, extra: int, arms: list[int], min_cell: int) -> None:
    # a CONSORT flow: enrolled = consented + refused, consented = randomized + waiting, randomized = sum(arms)
    randomized = sum(arms)
    consented = randomized + waiting
    values = {"enrolled": consented + refused, "consented": consented, "randomized": randomized} | {f"arm{i}": a for i, a in enumerate(arms)}
    lines = [Line("enrolled", ("consented", "refused")), Line("consented", ("randomized", "waiting")),
             Line("randomized", tuple(f"arm{i}" for i in range(len(arms))))]
    _assert_safe(values, lines, {"refused": refused, "waiting": waiting}, min_cell)
