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


def _every_cell(frame: pd.DataFrame, column: str, path: Path) -> np.ndarray:
    """The reading of a text column before distinct cells: every cell stripped, lower-cased and cast (the reference)."""
    import re as _re

    import pyarrow as pa
    import pyarrow.compute as pc

    from proeftuin.workflow.tabular import DECIMAL_COMMA, MISSING_TOKENS, quote
    series = frame[column]
    text = series.where(series.notna(), "").astype(str).str.strip()
    lowered = text.str.lower()
    if frame.attrs.get(DECIMAL_COMMA):
        pointed = text.str.contains(".", regex=False).to_numpy()
        if pointed.any():
            index = int(np.flatnonzero(pointed)[0])
            raise TabularError(path, f"{quote(text.iloc[index])}: this file is separated by semicolons, so write decimals with a comma",
                               column=column, row=spreadsheet_row(index))
        text = text.where(~text.str.match(_re.compile(r"^[+-]?\d+(,\d+)?$")), text.str.replace(",", ".", regex=False))
    kept = text.where(~lowered.isin(MISSING_TOKENS | {"true", "false"}), None)
    try:
        values = np.array(pc.cast(pa.array(kept, type=pa.string(), from_pandas=True), pa.float64()).to_numpy(zero_copy_only=False), dtype=float)
    except pa.ArrowInvalid:
        values = np.array(pd.to_numeric(kept, errors="coerce"), dtype=float)
    values[(lowered == "true").to_numpy()] = 1.0
    values[(lowered == "false").to_numpy()] = 0.0
    bad = np.isnan(values) & ~lowered.isin(MISSING_TOKENS).to_numpy()
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        raise TabularError(path, f"{quote(text.iloc[index])} is not a number", column=column, row=spreadsheet_row(index))
    return values


CELLS = st.one_of(st.sampled_from(["1", "2.5", " 3 ", "-4", "+5", "1e3", "7,5", "8.", "", " ", "NA", "nan", "NaN", "null", "True", "false ",
                                   "inf", "-Infinity", "abc", "1.2.3", "0x1", None]),
                  finite.map(repr))


@settings(max_examples=150, deadline=None)
@given(cells=st.lists(CELLS, min_size=1, max_size=30), comma=st.booleans())
def test_distinct_cells_read_as_every_cell(cells: list[str | None], comma: bool) -> None:
    """Reading each distinct cell once gives every row's value, and names the same first bad cell, as reading every cell."""
    from proeftuin.workflow.tabular import DECIMAL_COMMA, _text_numbers
    path = Path("t.csv")
    frame = pd.DataFrame({"y": pd.Series(cells, dtype="str")})
    frame.attrs[DECIMAL_COMMA] = comma
    try:
        expected: np.ndarray | str = _every_cell(frame, "y", path)
    except TabularError as exc:
        expected = str(exc)
    try:
        got: np.ndarray | str = _text_numbers(frame, "y", path)
    except TabularError as exc:
        got = str(exc)
    if isinstance(expected, str) or isinstance(got, str):
        assert got == expected
    else:
        np.testing.assert_array_equal(got, expected)


@settings(max_examples=100, deadline=None)
@given(text=st.text(alphabet=st.characters(max_codepoint=0x2FF), max_size=20))
def test_control_characters_found_in_the_bytes_as_in_the_text(text: str) -> None:
    import re as _re

    from proeftuin.workflow.tabular import _control_characters
    control = _re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]").search(text) is not None
    for encoding in ("utf-8", "utf-8-sig", "cp1252"):
        try:
            data = text.encode(encoding)
        except UnicodeEncodeError:
            continue
        assert _control_characters(data, data.decode(encoding), encoding) == control
