"""Aggregate exports: no small count is shown, none follows by subtraction, statistics of such rows are empty."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from proeftuin.workflow.export import suppress, suppress_reconciliation

rows = st.lists(st.tuples(st.integers(0, 60), st.floats(0, 1), st.floats(0, 1)), min_size=1, max_size=12)


def _shown(value: str) -> bool:
    return value.isdigit()


@settings(max_examples=60, deadline=None)
@given(data=rows, min_cell=st.integers(2, 12), fractions=st.data())
def test_reconciliation_shows_no_small_count_and_none_by_subtraction(data: list[tuple[int, float, float]], min_cell: int, fractions: st.DataObject) -> None:
    table = pd.DataFrame([{"period": f"2018-{i % 12 + 1:02d}", "arm": "a", "n_both": n, "n_disagree": int(n * d), "n_disagree_work": int(n * w),
                           "on_benefit_municipal": 0.5, "on_benefit_cbs": 0.5, "working_municipal": 0.2, "working_cbs": 0.3}
                          for i, (n, d, w) in enumerate(data)])
    out = suppress_reconciliation(table, min_cell=min_cell)
    for raw, shown in zip(table.itertuples(), out.itertuples(), strict=True):
        for column in ("n_both", "n_disagree", "n_disagree_work"):
            if _shown(getattr(shown, column)):
                assert not 0 < getattr(raw, column) < min_cell
        for part in ("n_disagree", "n_disagree_work"):
            if _shown(shown.n_both) and _shown(getattr(shown, part)):
                assert not 0 < raw.n_both - getattr(raw, part) < min_cell
        if not all(_shown(getattr(shown, c)) for c in ("n_both", "n_disagree", "n_disagree_work")):
            assert pd.isna(shown.on_benefit_municipal) and pd.isna(shown.working_cbs)
        else:
            assert shown.on_benefit_municipal == 0.5


def test_an_arm_size_shared_by_rows_is_one_total() -> None:
    # the services export: the arm's size repeats on each kind's row; hiding it in one row and not another would undo it
    table = pd.DataFrame({"arm": ["a", "a", "b"], "kind": ["coaching", "contact", "coaching"], "n_arm": [40, 40, 50],
                          "n_received": [36, 20, 25], "contacts_per_participant": [1.0, 2.0, 0.5]})
    out = suppress(table, total="n_arm", total_key=("arm",), parts=("n_received",), statistics=("contacts_per_participant",), min_cell=10)
    assert out.loc[0, "n_arm"] == out.loc[1, "n_arm"]
    assert not (_shown(out.loc[0, "n_arm"]) and _shown(out.loc[0, "n_received"]))  # 40 - 36 = 4 people without coaching
    assert out.loc[2].tolist() == ["b", "coaching", "50", "25", 0.5]
