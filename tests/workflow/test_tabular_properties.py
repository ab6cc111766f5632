"""Properties of the strict table reader: numbers survive a CSV round trip; a bad cell is found exactly."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proeftuin.workflow.tabular import TabularError, label_column, numeric_column, read_table, spreadsheet_row

finite = st.floats(allow_nan=False, allow_infinity=False, width=64)


def write(frame: pd.DataFrame) -> Path:
    path = Path(tempfile.mkdtemp()) / "t.csv"
    frame.to_csv(path, index=False)
    return path


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.one_of(finite, st.none()), min_size=1, max_size=40))
def test_numbers_and_missing_values_round_trip(values: list[float | None]) -> None:
    path = write(pd.DataFrame({"y": [np.nan if v is None else v for v in values]}))
    parsed = numeric_column(read_table(path), "y", path, allow_missing=True)
    expected = np.array([np.nan if v is None else v for v in values], dtype=float)
    np.testing.assert_array_equal(parsed, expected)


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(finite, min_size=1, max_size=30),
    bad=st.text(alphabet="abcxyz,;-", min_size=1, max_size=5).filter(lambda s: s.strip(",; ") != "" and not s.lower().startswith("nan")),
    data=st.data(),
)
def test_the_first_non_number_is_reported_with_its_spreadsheet_row(values: list[float], bad: str, data: st.DataObject) -> None:
    position = data.draw(st.integers(0, len(values) - 1))
    cells: list[object] = list(values)
    cells[position] = bad
    path = write(pd.DataFrame({"y": cells}))
    frame = read_table(path)
    with pytest.raises(TabularError) as error:
        numeric_column(frame, "y", path, allow_missing=True)
    assert error.value.row == spreadsheet_row(position) == position + 2
    assert error.value.column == "y"


@pytest.mark.parametrize(("text", "number"), [("true", 1.0), ("FALSE", 0.0), ("  3.5 ", 3.5), ("NA", np.nan), ("", np.nan)])
def test_documented_tokens(tmp_path: Path, text: str, number: float) -> None:
    path = tmp_path / "t.csv"
    path.write_text(f"y,z\n{text},1\n")
    parsed = numeric_column(read_table(path), "y", path, allow_missing=True)
    np.testing.assert_array_equal(parsed, [number])


def test_missing_labels_are_errors(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("arm\ncontrol\n\n")
    # pandas skips a fully blank line; a blank cell in a row with other cells is missing
    path.write_text("arm,y\ncontrol,1\n,2\n")
    with pytest.raises(TabularError, match="row 3, column 'arm': a value is missing"):
        label_column(read_table(path), "arm", path)
