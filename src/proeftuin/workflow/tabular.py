"""Reading a user's table (CSV, Excel or Parquet) strictly: every problem names file, row and column.

Rows are numbered as a person sees them in a spreadsheet of the file: the header is row 1, the
first data row is row 2. Nothing is coerced silently: an empty cell or ``NA`` is a missing value,
``true``/``false`` are 1/0, anything else that is not a number is an error.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

MISSING_TOKENS = frozenset({"", "na", "nan", "null"})
_BOOLEANS = {"true": 1.0, "false": 0.0}
HEADER_ROWS = 1


class TabularError(ValueError):
    """A problem with a user's file, phrased as ``file, row N, column 'c': what is wrong``."""

    def __init__(self, path: Path | str, message: str, *, column: str | None = None, row: int | None = None):
        where = [str(path)]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(f"{', '.join(where)}: {message}")
        self.path, self.column, self.row = str(path), column, row


def spreadsheet_row(index: int) -> int:
    """The row a person sees for the 0-based data ``index`` (the header is row 1)."""
    return index + HEADER_ROWS + 1


def read_table(path: Path | str) -> pd.DataFrame:
    """Read a CSV or Excel file (all cells as text; Excel: the first sheet) or a Parquet file; an empty file is an error."""
    path = Path(path)
    if not path.exists():
        raise TabularError(path, "file not found")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        frame = pd.read_parquet(path)
    elif suffix in {".csv", ".txt"}:
        if path.stat().st_size == 0:
            raise TabularError(path, "the file is empty")
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
        except pd.errors.EmptyDataError as exc:
            raise TabularError(path, "the file is empty") from exc
        except pd.errors.ParserError as exc:
            raise TabularError(path, f"not a valid CSV file ({exc})") from exc
    elif suffix == ".xlsx":
        try:
            frame = pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
        except (ValueError, KeyError, OSError) as exc:
            raise TabularError(path, f"not a readable Excel file ({exc})") from exc
    else:
        raise TabularError(path, f"unsupported file type {suffix!r}; use .csv, .xlsx or .parquet")
    if frame.empty:
        raise TabularError(path, "the file has a header but no data rows")
    return frame


def require_columns(frame: pd.DataFrame, columns: Iterable[str], path: Path | str) -> None:
    """Every one of ``columns`` is in ``frame``; else name the first missing one."""
    for column in columns:
        if column not in frame.columns:
            raise TabularError(path, f"no such column (columns are {', '.join(map(str, frame.columns))})", column=column)


def numeric_column(frame: pd.DataFrame, column: str, path: Path | str, *, allow_missing: bool) -> np.ndarray:
    """The column as floats (``NaN`` for missing); the first non-number is an error."""
    series = frame[column]
    if pd.api.types.is_bool_dtype(series):
        values = np.array(series, dtype=float)
    elif pd.api.types.is_numeric_dtype(series):
        values = np.array(series, dtype=float)
    else:
        text = series.astype(object).where(series.notna(), "").astype(str).str.strip()
        lowered = text.str.lower()
        values = pd.to_numeric(text.where(~lowered.isin(MISSING_TOKENS | _BOOLEANS.keys()), None), errors="coerce")
        values = np.array(values, dtype=float)
        for token, number in _BOOLEANS.items():
            values[(lowered == token).to_numpy()] = number
        bad = np.isnan(values) & ~lowered.isin(MISSING_TOKENS).to_numpy()
        if bad.any():
            index = int(np.flatnonzero(bad)[0])
            raise TabularError(path, f"{text.iloc[index]!r} is not a number", column=column, row=spreadsheet_row(index))
    if not np.isfinite(values[~np.isnan(values)]).all():
        index = int(np.flatnonzero(np.isinf(values))[0])
        raise TabularError(path, "an infinite value is not a valid number", column=column, row=spreadsheet_row(index))
    if not allow_missing and np.isnan(values).any():
        index = int(np.flatnonzero(np.isnan(values))[0])
        raise TabularError(path, "a value is missing", column=column, row=spreadsheet_row(index))
    return values


def label_column(frame: pd.DataFrame, column: str, path: Path | str) -> np.ndarray:
    """The column as text labels; a missing label is an error."""
    series = frame[column]
    text = series.astype(object).where(series.notna(), "").astype(str).str.strip()
    missing = text.str.lower().isin(MISSING_TOKENS).to_numpy()
    if missing.any():
        index = int(np.flatnonzero(missing)[0])
        raise TabularError(path, "a value is missing", column=column, row=spreadsheet_row(index))
    return text.to_numpy(dtype=str)


def covariate_matrix(frame: pd.DataFrame, columns: list[str], path: Path | str) -> tuple[np.ndarray, list[str]]:
    """Covariates as a float matrix: numbers as they are, text columns as dummies (first level dropped).

    A column is text when any non-missing cell is not a number. A missing covariate is an error:
    no row is silently dropped.
    """
    blocks: list[np.ndarray] = []
    names: list[str] = []
    for column in columns:
        try:
            blocks.append(numeric_column(frame, column, path, allow_missing=False)[:, None])
            names.append(column)
        except TabularError as exc:
            if "is not a number" not in str(exc):
                raise
            labels = label_column(frame, column, path)
            levels = sorted(set(labels))
            for level in levels[1:]:
                blocks.append((labels == level).astype(float)[:, None])
                names.append(f"{column}[{level}]")
    if not blocks:
        return np.empty((len(frame), 0)), []
    return np.hstack(blocks), names
